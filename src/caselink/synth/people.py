"""People: true identities, and the person records each report holds of them, errors included.

Every identity has one true name, sex, date of birth, address (and a second one they moved
to or from), phone and, for some offenders, a PNC identifier. Each record of that identity in
a report is written as an officer would: nicknames, typos, day and month swapped, dates of
birth in other formats (kept as given), missing fields, the other address, an alias. The error
rates are invented, in line with what record-linkage studies describe of police records.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.synth.name_pools import NamePools
from caselink.synth.writer import Column, Labelled, blank_where, joined

COMPLAINANT, SUSPECT, WITNESS = range(3)
ROLE_NAMES = ("complainant", "suspect", "witness")

# Per role (complainant, suspect, witness): chance each field is left empty.
_MISSING = {
    "forename": (0.02, 0.06, 0.03),
    "surname": (0.03, 0.15, 0.05),
    "dob": (0.12, 0.35, 0.40),
    "address": (0.08, 0.35, 0.30),
    "phone": (0.25, 0.60, 0.40),
}
_NICKNAME = (0.05, 0.15, 0.05)
_TYPO = 0.04
_MOVED = 0.15
_ALIAS_RECORDED = 0.5
_PNC_RECORDED = 0.6
# Date-of-birth formats: ISO, dd/mm/yyyy, ISO with day and month swapped, basic ISO, d.m.yy.
_DOB_FORMATS = [0.74, 0.12, 0.04, 0.05, 0.05]


@dataclass(frozen=True, slots=True)
class Identities:
    """The true people: per identity, sex, birth date and indices of their name and addresses."""

    male: np.ndarray
    dob: np.ndarray  # datetime64[D]
    forename: np.ndarray
    surname: np.ndarray
    house: np.ndarray  # (n, 2): current and other address
    street: np.ndarray
    town: np.ndarray
    postcode: np.ndarray
    phone: np.ndarray
    alias: np.ndarray  # "Forename Surname" or None
    pnc: np.ndarray  # PNC ID or None


def make_identities(
    male: np.ndarray,
    dob: np.ndarray,
    offender_like: np.ndarray,
    pools: NamePools,
    rng: np.random.Generator,
) -> Identities:
    """Create identities with the given sexes and birth dates; names and addresses drawn here.

    ``offender_like`` marks identities that may carry an alias and a PNC identifier.
    """
    n = len(male)
    alias_f = pools.draw_forenames(male, rng)
    alias_s = pools.draw_surnames(n, rng)
    alias = np.full(n, None, dtype=object)
    rows = np.flatnonzero(offender_like & (rng.random(n) < 0.15))
    alias[rows] = [
        f"{f} {s}"
        for f, s in zip(pools.forenames[alias_f[rows]], pools.surnames[alias_s[rows]], strict=True)
    ]
    # PNC IDs are shaped like the real ones (year/serial and a check letter) but random.
    pnc = np.full(n, None, dtype=object)
    rows = np.flatnonzero(offender_like & (rng.random(n) < 0.4))
    years = rng.integers(0, 24, len(rows)).tolist()
    serial = rng.integers(1, 999999, len(rows)).tolist()
    letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))[rng.integers(0, 23, len(rows))].tolist()
    pnc[rows] = [f"{y:02d}/{s}{c}" for y, s, c in zip(years, serial, letters, strict=True)]
    return Identities(
        male=male,
        dob=dob,
        forename=pools.draw_forenames(male, rng),
        surname=pools.draw_surnames(n, rng),
        house=rng.integers(1, 180, (n, 2)),
        street=rng.integers(0, len(pools.streets), (n, 2)),
        town=rng.integers(0, len(pools.towns), (n, 2)),
        postcode=rng.integers(0, len(pools.postcodes), (n, 2)),
        phone=rng.integers(100_000_000, 999_999_999, n),
        alias=alias,
        pnc=pnc,
    )


def concat_identities(parts: list[Identities]) -> Identities:
    """Join identity tables end to end (indices of the second start after the first)."""
    fields = Identities.__slots__
    return Identities(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


def render_records(
    ids: Identities,
    who: np.ndarray,
    role: np.ndarray,
    pools: NamePools,
    rng: np.random.Generator,
) -> dict[str, Column]:
    """The person-record columns for records of identities ``who`` in roles ``role``.

    Returns object arrays for forename, surname, aliases, date_of_birth, address, postcode,
    phone and identifier (None where empty). Errors are applied to the few records chosen for
    them, so Python touches only those.
    """
    n = len(who)
    out: dict[str, Column] = {}

    def missing(field: str) -> np.ndarray:
        return np.asarray(rng.random(n) < np.array(_MISSING[field])[role])

    fore_idx = ids.forename[who]
    forename = pools.forenames[fore_idx].copy()
    nick = pools.nickname[fore_idx]
    use_nick = (rng.random(n) < np.array(_NICKNAME)[role]) & (nick != None)  # noqa: E711
    forename[use_nick] = nick[use_nick]
    _typos(forename, rng.random(n) < _TYPO, rng)
    forename[missing("forename")] = None
    out["forename"] = forename

    surname = pools.surnames[ids.surname[who]].copy()
    _typos(surname, rng.random(n) < _TYPO, rng)
    surname[missing("surname")] = None
    out["surname"] = surname

    aliases = ids.alias[who].copy()
    aliases[(role != SUSPECT) | (rng.random(n) >= _ALIAS_RECORDED)] = None
    out["aliases"] = aliases

    out["date_of_birth"] = _dates_of_birth(ids.dob[who], missing("dob"), rng)

    other = (rng.random(n) < _MOVED).astype(np.int64)
    no_address = missing("address")
    house = pc.cast(pa.array(ids.house[who, other]), pa.string())
    street = Labelled(ids.street[who, other], pools.streets.tolist()).to_arrow()
    town = Labelled(ids.town[who, other], pools.towns.tolist()).to_arrow()
    address = joined(joined(house, street, " "), town, ", ")
    address = pc.if_else(pa.array(rng.random(n) < 0.05), pc.utf8_upper(address), address)
    out["address"] = blank_where(address, no_address)
    # A few postcodes are written without their space.
    codes = pools.postcodes.tolist()
    squashed = [c.replace(" ", "") for c in codes]
    postcode = ids.postcode[who, other] + np.where(rng.random(n) < 0.08, len(codes), 0)
    postcode = np.where(no_address & (rng.random(n) < 0.8), -1, postcode)
    out["postcode"] = Labelled(postcode, codes + squashed)

    out["phone"] = _phones(ids.phone[who], missing("phone"), rng)
    identifier = ids.pnc[who].copy()
    identifier[(role != SUSPECT) | (rng.random(n) >= _PNC_RECORDED)] = None
    out["identifier"] = identifier
    return out


def _typos(names: np.ndarray, chosen: np.ndarray, rng: np.random.Generator) -> None:
    # One slip per chosen name: a swapped pair, a dropped or a doubled letter.
    rows = np.flatnonzero(chosen)
    kinds = rng.integers(0, 3, len(rows))
    spots = rng.random(len(rows))
    for r, kind, spot in zip(rows.tolist(), kinds.tolist(), spots.tolist(), strict=True):
        name = names[r]
        if name is None or len(name) < 3:
            continue
        i = 1 + int(spot * (len(name) - 2))
        if kind == 0:
            name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif kind == 1:
            name = name[:i] + name[i + 1 :]
        else:
            name = name[: i + 1] + name[i] + name[i + 1 :]
        names[r] = name


def _dates_of_birth(dob: np.ndarray, empty: np.ndarray, rng: np.random.Generator) -> pa.Array:
    # Written from the ISO text by slicing, so no Python runs per record; a year slip moves
    # the date a year either way, as a mistyped year does.
    n = len(dob)
    slip = np.where(rng.random(n) < 0.01, rng.choice([-365, 365], n), 0)
    iso = pc.cast(pa.array((dob + slip).astype("datetime64[D]")), pa.string())
    y = pc.utf8_slice_codeunits(iso, 0, 4)
    m = pc.utf8_slice_codeunits(iso, 5, 7)
    d = pc.utf8_slice_codeunits(iso, 8, 10)
    day = np.asarray(pc.cast(d, pa.int64()))
    month = np.asarray(pc.cast(m, pa.int64()))
    fmt = rng.choice(len(_DOB_FORMATS), n, p=_DOB_FORMATS)
    # Swapping day and month only shows (and only stays a date) when the day is 12 or less.
    fmt = np.where((fmt == 2) & ((day > 12) | (day == month)), 0, fmt)
    formats = [
        iso,
        pc.binary_join_element_wise(d, m, y, "/"),
        pc.binary_join_element_wise(y, d, m, "-"),
        pc.binary_join_element_wise(y, m, d, ""),
        pc.binary_join_element_wise(
            pc.utf8_ltrim(d, "0"), pc.utf8_ltrim(m, "0"), pc.utf8_slice_codeunits(y, 2, 4), "."
        ),
    ]
    return blank_where(pc.choose(pa.array(fmt), *formats), empty)


def _phones(number: np.ndarray, empty: np.ndarray, rng: np.random.Generator) -> pa.Array:
    # UK mobile numbers written three ways; the digits are random, not looked up.
    digits = pc.cast(pa.array(number), pa.string())
    head = pc.utf8_slice_codeunits(digits, 0, 3)
    tail = pc.utf8_slice_codeunits(digits, 3, 9)
    spaced = joined(joined(pa.array(np.full(len(number), "07")), head, ""), tail, " ")
    plain = joined(pa.array(np.full(len(number), "07")), digits, "")
    international = joined(pa.array(np.full(len(number), "+447")), digits, "")
    style = pa.array(rng.integers(0, 3, len(number)))
    return blank_where(pc.choose(style, spaced, plain, international), empty)
