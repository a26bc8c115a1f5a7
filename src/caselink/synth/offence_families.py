"""Offence families: groups of Home Office codes whose offenders, victims and acts look alike.

The generator draws relationships, victims' ages and behaviours per family rather than per code,
because the published tables give volumes by code but nothing about how each code's offences
differ; the families and every share attached to them are invented (see docs/synth.md).
"""

from collections.abc import Sequence

import numpy as np

from caselink.synth.calibration import CODES

ADULT_RAPE, CHILD_RAPE, ASSAULT, CHILD_ABUSE, GROOMING, EXPOSURE, OTHER = range(7)
FAMILY_NAMES = (
    "adult_rape",
    "child_rape",
    "assault",
    "child_abuse",
    "grooming",
    "exposure",
    "other",
)

_FAMILY_OF: dict[str, int] = {
    "19C": ADULT_RAPE,
    "19F": ADULT_RAPE,
    "19D": CHILD_RAPE,
    "19E": CHILD_RAPE,
    "19G": CHILD_RAPE,
    "19H": CHILD_RAPE,
    "17A": ASSAULT,
    "20A": ASSAULT,
    "22A": ASSAULT,
    "17B": CHILD_ABUSE,
    "20B": CHILD_ABUSE,
    "21": CHILD_ABUSE,
    "22B": CHILD_ABUSE,
    "23": CHILD_ABUSE,
    "70": CHILD_ABUSE,
    "71": CHILD_ABUSE,
    "72": CHILD_ABUSE,
    "73": CHILD_ABUSE,
    "88A": GROOMING,
    "88E": EXPOSURE,
    "88C": OTHER,
    "88D": OTHER,
}

FAMILY_OF_CODE = np.array([_FAMILY_OF[c] for c in CODES], dtype=np.int8)

# The victim's sex the code itself states ("of a female", "on a male"); -1: the code does not say.
_MALE_CODES = {"17A", "17B", "19F", "19G", "19H"}
_FEMALE_CODES = {"19C", "19D", "19E", "20A", "20B"}
VICTIM_SEX_OF_CODE = np.array(
    [1 if c in _MALE_CODES else 0 if c in _FEMALE_CODES else -1 for c in CODES], dtype=np.int8
)

# Victim age bands, and the band limits in years (inclusive) the codes' age thresholds fit into.
AGE_BANDS = ("0-12", "13-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55+")
AGE_BAND_LIMITS = np.array(
    [[4, 12], [13, 15], [16, 17], [18, 24], [25, 34], [35, 44], [45, 54], [55, 80]]
)
_ADULT = [0, 0, 0.08, 0.36, 0.26, 0.16, 0.09, 0.05]
_UNDER_13 = [1, 0, 0, 0, 0, 0, 0, 0]
_UNDER_16 = [0, 1, 0, 0, 0, 0, 0, 0]
_THIRTEEN_UP = [0, 0.15, 0.07, 0.33, 0.22, 0.12, 0.07, 0.04]
_CHILD = [0.45, 0.40, 0.15, 0, 0, 0, 0, 0]
_AGE_SHARES: dict[str, Sequence[float]] = {
    "19C": _ADULT,
    "19F": _ADULT,
    "19D": _UNDER_16,
    "19G": _UNDER_16,
    "19E": _UNDER_13,
    "19H": _UNDER_13,
    "17B": _UNDER_13,
    "20B": _UNDER_13,
    "21": _UNDER_13,
    "22B": _UNDER_16,
    "17A": _THIRTEEN_UP,
    "20A": _THIRTEEN_UP,
    "22A": _THIRTEEN_UP,
    "88A": _CHILD,
    "71": _CHILD,
    "23": [0.3, 0.3, 0.1, 0.1, 0.1, 0.1, 0, 0],
    "73": [0, 0.3, 0.5, 0.2, 0, 0, 0, 0],
    "70": _ADULT,
    "72": _ADULT,
    "88C": _ADULT,
    "88D": _ADULT,
    "88E": _THIRTEEN_UP,
}
AGE_SHARES_OF_CODE = np.array([_AGE_SHARES[c] for c in CODES], dtype=np.float64)
AGE_SHARES_OF_CODE /= AGE_SHARES_OF_CODE.sum(axis=1, keepdims=True)

# Victim-offender relationship shares by family, in the order of RELATIONSHIPS. Invented, but in
# line with the published picture that most rapes are by someone the victim knows.
RELATIONSHIPS = (
    "stranger",
    "acquaintance",
    "partner",
    "ex_partner",
    "family",
    "online_contact",
    "other",
)
STRANGER, ACQUAINTANCE, PARTNER, EX_PARTNER, FAMILY, ONLINE, OTHER_RELATIONSHIP = range(7)
RELATIONSHIP_SHARES = np.array(
    [
        [0.14, 0.30, 0.18, 0.14, 0.06, 0.10, 0.08],  # adult rape
        [0.06, 0.30, 0.04, 0.02, 0.40, 0.12, 0.06],  # child rape
        [0.45, 0.30, 0.05, 0.05, 0.04, 0.05, 0.06],  # assault
        [0.10, 0.28, 0.02, 0.01, 0.40, 0.12, 0.07],  # child abuse
        [0.05, 0.15, 0.00, 0.00, 0.02, 0.75, 0.03],  # grooming
        [0.85, 0.08, 0.00, 0.00, 0.02, 0.02, 0.03],  # exposure
        [0.30, 0.30, 0.10, 0.05, 0.05, 0.10, 0.10],  # other
    ]
)
RELATIONSHIP_SHARES /= RELATIONSHIP_SHARES.sum(axis=1, keepdims=True)

# How likely a slot of each family is to belong to a repeat offender, relative to adult rape:
# exposure and online grooming are the most repetitive offending in the linkage literature.
SERIES_PROPENSITY = np.array([1.0, 0.35, 1.0, 0.35, 0.9, 2.0, 0.5])
