"""Behaviours (modus operandi) of each offence, as the offender did them and as officers coded them.

Each offence's true behaviours are drawn from the shipped taxonomy: acts by offence family,
approach, location and vehicle by the victim-offender relationship. A repeat offender has a
signature: their own propensities, shifted from the base ones once per offender, so their
offences resemble each other without being identical. Officers then code them unreliably
(research finds poor agreement between coders): codes go missing, whole domains are left
blank, and now and then a wrong code is entered. Every number here is invented.
"""

import tomllib
from dataclasses import dataclass
from importlib.resources import files

import numpy as np

from caselink.domain.behaviours import Taxonomy
from caselink.synth import offence_families as fam
from caselink.synth.sampling import categorical
from caselink.synth.writer import Labelled

# Domains where an offence has exactly one true value.
SINGLE = ("approach", "location_type", "vehicle")

_ADULT_RAPE: dict[str, float] = {
    "control.physical_restraint": 0.45,
    "control.bound": 0.03,
    "control.gagged": 0.08,
    "control.blindfold": 0.02,
    "control.threats": 0.30,
    "control.drugged": 0.08,
    "control.confined": 0.10,
    "violence.none": 0.35,
    "violence.minimal": 0.30,
    "violence.punching": 0.15,
    "violence.strangulation": 0.10,
    "violence.kicking": 0.05,
    "violence.excessive": 0.07,
    "weapon.knife": 0.05,
    "weapon.firearm": 0.005,
    "weapon.blunt": 0.02,
    "weapon.implied": 0.04,
    "weapon.other": 0.01,
    "verbal.compliments": 0.10,
    "verbal.apology": 0.06,
    "verbal.demeaning": 0.20,
    "verbal.scripted": 0.03,
    "verbal.questions_victim": 0.10,
    "verbal.silence": 0.15,
    "sexual_acts.vaginal": 0.70,
    "sexual_acts.anal": 0.15,
    "sexual_acts.oral_by_offender": 0.10,
    "sexual_acts.oral_on_offender": 0.20,
    "sexual_acts.digital": 0.20,
    "sexual_acts.object": 0.02,
    "sexual_acts.fondling": 0.40,
    "sexual_acts.kissing": 0.25,
    "sexual_acts.multiple_assaults": 0.12,
    "precautions.condom": 0.08,
    "precautions.gloves": 0.02,
    "precautions.disguise": 0.03,
    "precautions.cleaned_victim": 0.02,
    "precautions.removed_evidence": 0.03,
    "precautions.checked_surroundings": 0.05,
    "theft.phone": 0.04,
    "theft.money": 0.03,
    "theft.jewellery": 0.01,
    "theft.souvenir": 0.01,
    "theft.none": 0.30,
}
_NON_PENETRATIVE = {
    "sexual_acts.vaginal": 0.0,
    "sexual_acts.anal": 0.0,
    "sexual_acts.oral_by_offender": 0.01,
    "sexual_acts.oral_on_offender": 0.02,
    "sexual_acts.digital": 0.05,
    "sexual_acts.object": 0.0,
    "sexual_acts.fondling": 0.85,
    "sexual_acts.kissing": 0.30,
    "sexual_acts.multiple_assaults": 0.05,
}
# Per family: a factor on control, violence and weapon codes, and overrides of single codes.
_FAMILY_ADJUST: dict[int, tuple[float, dict[str, float]]] = {
    fam.ADULT_RAPE: (1.0, {}),
    fam.CHILD_RAPE: (
        0.5,
        {
            "violence.none": 0.6,
            "sexual_acts.vaginal": 0.5,
            "sexual_acts.anal": 0.25,
            "sexual_acts.oral_on_offender": 0.3,
            "sexual_acts.digital": 0.3,
            "sexual_acts.fondling": 0.6,
        },
    ),
    fam.ASSAULT: (0.4, {**_NON_PENETRATIVE, "violence.none": 0.55}),
    fam.CHILD_ABUSE: (
        0.3,
        {
            **_NON_PENETRATIVE,
            "violence.none": 0.7,
            "sexual_acts.oral_on_offender": 0.1,
            "sexual_acts.fondling": 0.7,
        },
    ),
    fam.GROOMING: (
        0.2,
        {
            **_NON_PENETRATIVE,
            "sexual_acts.fondling": 0.1,
            "verbal.compliments": 0.5,
            "verbal.questions_victim": 0.4,
        },
    ),
    fam.EXPOSURE: (
        0.05,
        {
            **_NON_PENETRATIVE,
            "sexual_acts.fondling": 0.02,
            "sexual_acts.kissing": 0.0,
            "violence.none": 0.7,
            "verbal.silence": 0.4,
            "theft.none": 0.1,
        },
    ),
    fam.OTHER: (0.4, {**_NON_PENETRATIVE}),
}
_SCALED = ("control.", "violence.", "weapon.")

# Single-choice domains by relationship group: stranger, acquaintance, domestic, online.
_GROUP_OF_RELATIONSHIP = np.array([0, 1, 2, 2, 2, 3, 1])
_SINGLE_SHARES: dict[str, dict[str, list[float]]] = {
    "approach": {
        "blitz": [0.35, 0.10, 0.15, 0.02],
        "con": [0.20, 0.15, 0.05, 0.15],
        "surprise": [0.15, 0.10, 0.35, 0.00],
        "befriend": [0.05, 0.35, 0.40, 0.25],
        "online": [0.00, 0.02, 0.00, 0.55],
        "intoxicated_victim": [0.20, 0.28, 0.05, 0.03],
        "abduction": [0.05, 0.00, 0.00, 0.00],
    },
    "location_type": {
        "victim_home": [0.10, 0.30, 0.60, 0.15],
        "offender_home": [0.02, 0.30, 0.35, 0.45],
        "street": [0.35, 0.05, 0.01, 0.03],
        "park": [0.18, 0.05, 0.01, 0.03],
        "vehicle": [0.08, 0.07, 0.02, 0.10],
        "licensed_premises": [0.12, 0.10, 0.00, 0.02],
        "hotel": [0.03, 0.05, 0.01, 0.20],
        "workplace": [0.02, 0.06, 0.00, 0.00],
        "public_transport": [0.10, 0.02, 0.00, 0.02],
    },
    "vehicle": {
        "car": [0.10, 0.07, 0.03, 0.12],
        "van": [0.03, 0.02, 0.00, 0.02],
        "taxi": [0.04, 0.03, 0.00, 0.02],
        "none": [0.83, 0.88, 0.97, 0.84],
    },
}

KEEP_CODE = 0.75  # chance a true behaviour is coded at all
BLANK_DOMAIN = 0.15  # chance a whole domain is left uncoded
WRONG_CODE = 0.05  # chance per domain of a code the offence did not have
SIGNATURE_SPREAD = 1.2  # spread (logit scale) of a repeat offender's own propensities


def load_taxonomy() -> Taxonomy:
    """The taxonomy shipped in ``caselink/data`` (the generator always codes to the default)."""
    text = files("caselink").joinpath("data", "behaviour_taxonomy.toml").read_text("utf-8")
    return Taxonomy.from_mapping(tomllib.loads(text))


@dataclass(frozen=True, slots=True)
class Coded:
    """The ``mo.<domain>`` columns: per domain, ``|``-joined codes (or empty) per report."""

    columns: dict[str, Labelled]


def _domain_codes(tax: Taxonomy) -> list[tuple[str, list[str]]]:
    return [(d, list(tax.domains[d].codes)) for d in tax.domains]


def true_behaviours(
    tax: Taxonomy,
    family: np.ndarray,
    relationship: np.ndarray,
    offender: np.ndarray,
    repeat: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Per domain, a boolean matrix (reports x codes) of what each offender actually did.

    ``offender`` indexes per-offender arrays; ``repeat[o]`` marks repeat offenders, who get a
    signature drawn once and applied to all their offences.
    """
    n = len(family)
    group = _GROUP_OF_RELATIONSHIP[relationship]
    # Signatures are drawn for repeat offenders only, and applied only to their reports.
    rows = np.flatnonzero(repeat[offender])
    who = (np.cumsum(repeat) - 1)[offender[rows]]
    n_off = int(repeat.sum())
    out: dict[str, np.ndarray] = {}
    for domain, codes in _domain_codes(tax):
        k = len(codes)
        if domain in _SINGLE_SHARES:
            table = _SINGLE_SHARES[domain]
            shares = np.array([table.get(c, [0.01] * 4) for c in codes]).T  # groups x codes
            p = shares[group] + 1e-6
            signature = np.exp(rng.normal(0.0, SIGNATURE_SPREAD, (n_off, k)))
            p[rows] *= signature[who] ** 2
            picked = categorical(p, rng)
            matrix = np.zeros((n, k), dtype=bool)
            matrix[np.arange(n), picked] = True
        else:
            base = np.array([[_propensity(f, f"{domain}.{c}") for c in codes] for f in range(7)])
            clipped = np.clip(base, 1e-4, 1 - 1e-4)
            logit = np.log(clipped / (1 - clipped))
            p = base[family]
            shift = rng.normal(0.0, SIGNATURE_SPREAD, (n_off, k))
            p[rows] = 1.0 / (1.0 + np.exp(-(logit[family[rows]] + shift[who])))
            matrix = rng.random((n, k)) < p
            matrix &= base[family] > 0  # an act the family never involves stays absent
            _tidy_none(codes, matrix)
        out[domain] = matrix
    return out


def _propensity(family: int, key: str) -> float:
    factor, overrides = _FAMILY_ADJUST[family]
    if key in overrides:
        return overrides[key]
    base = _ADULT_RAPE.get(key, 0.02)
    if key.startswith(_SCALED) and not key.endswith(".none"):
        return base * factor
    return base


def _tidy_none(codes: list[str], matrix: np.ndarray) -> None:
    # "none" cannot stand beside another code of its domain.
    if "none" in codes:
        j = codes.index("none")
        others = np.delete(matrix, j, axis=1).any(axis=1)
        matrix[others, j] = False


def code_behaviours(tax: Taxonomy, truth: dict[str, np.ndarray], rng: np.random.Generator) -> Coded:
    """What officers wrote: the true behaviours with codes missed, domains blank, wrong codes added.

    Strings are built through a lookup of every subset of a domain's codes (at most 2^9), so no
    Python loop runs per report.
    """
    columns: dict[str, Labelled] = {}
    for domain, codes in _domain_codes(tax):
        matrix = truth[domain]
        n, k = int(matrix.shape[0]), int(matrix.shape[1])
        coded = matrix & (rng.random((n, k)) < KEEP_CODE)
        wrong = rng.random(n) < WRONG_CODE
        wrong_code = rng.integers(0, k, size=n)
        if domain in SINGLE:
            coded[wrong] = False
        coded[np.flatnonzero(wrong), wrong_code[wrong]] = True
        if "none" in codes:
            _tidy_none(codes, coded)
        coded[rng.random(n) < BLANK_DOMAIN] = False
        mask = coded.astype(np.int64) @ (1 << np.arange(k))
        lookup = [
            "|".join(c for b, c in enumerate(codes) if m >> b & 1) or None for m in range(1 << k)
        ]
        columns[domain] = Labelled(mask, lookup)
    return Coded(columns)
