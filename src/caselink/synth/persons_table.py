"""The person rows of every report, and which true identity each row is.

A complainant on every report; the suspect where the complainant named one (the offender, or
now and then a wrongly named person); a witness on some. Identities recur: a duplicate report
names the same complainant, some complainants report again, and now and then the same person
is a complainant in one report and a suspect in another.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from caselink.synth.calibration import PREFIXES
from caselink.synth.name_pools import NamePools
from caselink.synth.offenders import Offenders
from caselink.synth.people import (
    COMPLAINANT,
    ROLE_NAMES,
    SUSPECT,
    WITNESS,
    concat_identities,
    make_identities,
    render_records,
)
from caselink.synth.writer import Column, Labelled, numbered

WITNESS_SHARE = 0.15
REPEAT_VICTIM_SHARE = 0.02  # adult complainants who report again (another offence, same force)
SWITCHED_ROLE_SHARE = 0.005  # adult complainants who are a named suspect elsewhere
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class PersonRows:
    """The ``persons.csv`` columns, the identity truth beside them, how many identities, and
    each report's suspect record (its ``source_id``; null where the report names none)."""

    columns: dict[str, Column]
    identity: pa.Array
    identities: int
    suspect: pa.Array


def _dob(reference_day: np.ndarray, age_years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    days = (age_years * DAYS_PER_YEAR + rng.uniform(0, 300, len(age_years))).astype(np.int64)
    return (reference_day.astype("datetime64[D]") - days * np.timedelta64(1, "D")).astype(
        "datetime64[D]"
    )


def build_persons(
    *,
    force: np.ndarray,
    references: pa.Array,
    offenders: Offenders,
    named: np.ndarray,
    misnamed: np.ndarray,
    original: np.ndarray,
    victim_male: np.ndarray,
    victim_age: np.ndarray,
    occurred: np.ndarray,
    start_day: np.datetime64,
    pools: NamePools,
    forces: tuple[str, ...],
    rng: np.random.Generator,
) -> PersonRows:
    """Create the identities and their person records for every report (see module docstring).

    ``original[i]`` is the report a valid duplicate repeats, or -1.
    """
    n = len(force)
    n_off = offenders.count
    witness = rng.random(n) < WITNESS_SHARE
    n_w = int(witness.sum())
    n_mis = int(misnamed.sum())
    ids = concat_identities(
        [
            make_identities(
                offenders.male,
                _dob(np.full(n_off, start_day), offenders.age, rng),
                np.ones(n_off, dtype=bool),
                pools,
                rng,
            ),
            make_identities(
                victim_male, _dob(occurred, victim_age, rng), np.zeros(n, dtype=bool), pools, rng
            ),
            make_identities(
                rng.random(n_w) < 0.5,
                _dob(occurred[witness], rng.uniform(16, 75, n_w), rng),
                np.zeros(n_w, dtype=bool),
                pools,
                rng,
            ),
            make_identities(
                rng.random(n_mis) < 0.9,
                _dob(occurred[misnamed], rng.uniform(18, 60, n_mis), rng),
                np.ones(n_mis, dtype=bool),
                pools,
                rng,
            ),
        ]
    )
    complainant = n_off + np.arange(n)
    adult = victim_age >= 18
    _repeat_victims(complainant, force, victim_male, adult, rng)
    suspect = offenders.of_report.copy()
    suspect[misnamed] = n_off + n + n_w + np.arange(n_mis)
    _switch_roles(complainant, suspect[named & ~misnamed], offenders, victim_male, adult, rng)
    # Nobody complains of their own offence.
    clash = complainant == offenders.of_report
    complainant[clash] = n_off + np.flatnonzero(clash)
    dup = original >= 0
    complainant[dup] = complainant[original[dup]]

    report = np.concatenate([np.arange(n), np.flatnonzero(named), np.flatnonzero(witness)])
    role = np.concatenate(
        [
            np.full(n, COMPLAINANT),
            np.full(int(named.sum()), SUSPECT),
            np.full(n_w, WITNESS),
        ]
    )
    who = np.concatenate([complainant, suspect[named], n_off + n + np.arange(n_w)])
    order = np.lexsort((role, report))
    report, role, who = report[order], role[order], who[order]
    columns = render_records(ids, who, role, pools, rng)

    prefixes = Labelled(force[report], [PREFIXES[f] for f in forces])
    source_id = numbered(prefixes, np.arange(1, len(report) + 1), 8, "-P")
    # Identity numbers are shuffled so they say nothing of role or order.
    label = rng.permutation(len(ids.male)) + 1
    identity = numbered(Labelled(np.zeros(len(who), np.int64), ["ID"]), label[who], 8, "")
    ordered: dict[str, Column] = {
        "reference": references.take(pa.array(report)),
        "force": Labelled(force[report], forces),
        "role": Labelled(role, ROLE_NAMES),
        "source_id": source_id,
        **columns,
    }
    distinct = int((np.bincount(who, minlength=len(ids.male)) > 0).sum())
    suspect_row = np.full(n, -1, dtype=np.int64)
    suspects = np.flatnonzero(role == SUSPECT)
    suspect_row[report[suspects]] = suspects
    suspect_id = source_id.take(pa.array(suspect_row, mask=suspect_row < 0))
    return PersonRows(ordered, identity, distinct, suspect_id)


def _repeat_victims(
    complainant: np.ndarray,
    force: np.ndarray,
    male: np.ndarray,
    adult: np.ndarray,
    rng: np.random.Generator,
) -> None:
    # An adult complainant who reports again in the same force: reuse another report's identity
    # of the same sex, so the same person appears under two references.
    rows = np.flatnonzero(adult)
    group = force[rows].astype(np.int64) * 2 + male[rows]
    order = np.argsort(group, kind="stable")
    rows, group = rows[order], group[order]
    start = np.searchsorted(group, group)
    size = np.searchsorted(group, group, side="right") - start
    chosen = rng.random(len(rows)) < REPEAT_VICTIM_SHARE
    partner = rows[start + (rng.random(len(rows)) * size).astype(np.int64)]
    keep = chosen & (partner != rows)
    complainant[rows[keep]] = complainant[partner[keep]]


def _switch_roles(
    complainant: np.ndarray,
    named_suspects: np.ndarray,
    offenders: Offenders,
    male: np.ndarray,
    adult: np.ndarray,
    rng: np.random.Generator,
) -> None:
    # A person named as a suspect in one report is the complainant in another.
    pool = np.flatnonzero(np.bincount(named_suspects, minlength=offenders.count)[: offenders.count])
    if len(pool) == 0:
        return
    rows = np.flatnonzero(adult & (rng.random(len(complainant)) < SWITCHED_ROLE_SHARE))
    for sex in (False, True):
        same = pool[offenders.male[pool] == sex]
        these = rows[male[rows] == sex]
        if len(same) and len(these):
            complainant[these] = same[rng.integers(0, len(same), len(these))]
