"""How complainants describe the offender: the true traits, perceived and recorded with noise.

Strangers are described more often and more fully than people the complainant knows (whose
name is what matters); ages and heights are estimated with errors growing with age, and
recorded as a band ("25-34", "170-180") or a single estimate ("30", "175"); build, ethnic
appearance and accent are now and then wrong. The shares and error sizes are invented.
"""

import numpy as np

from caselink.synth import offence_families as fam
from caselink.synth.offenders import ACCENTS, BUILDS, ETHNIC_CODES, MARKS, Offenders
from caselink.synth.sampling import categorical
from caselink.synth.writer import Labelled

AGE_BANDS = ("10-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_AGE_EDGES = np.array([18, 25, 35, 45, 55, 65])
ETHNIC_WORDS = ("white", "dark European", "black", "Asian", "Chinese", "Arab")
# Chance the complainant gave any description, by relationship (order of RELATIONSHIPS).
_DESCRIBED = np.array([0.85, 0.65, 0.45, 0.45, 0.45, 0.55, 0.6])
# Chance each part is recorded, once a description was given.
_PART = {"sex": 0.95, "age": 0.8, "height": 0.6, "build": 0.6, "ethnic": 0.75, "accent": 0.4}
_MARK_NOTICED = 0.5


_AGE_LABELS = [*AGE_BANDS, *(str(v) for v in range(0, 91))]
_HEIGHT_LABELS = [*(f"{v}-{v + 10}" for v in range(0, 221)), *(str(v) for v in range(0, 221))]


def describe(
    offenders: Offenders, relationship: np.ndarray, rng: np.random.Generator
) -> dict[str, Labelled]:
    """The ``offender_*`` columns for every report, as label indices (-1 where not recorded).

    Every value comes from a fixed list of labels, so the cost is a few array passes.
    """
    o = offenders.of_report
    n = len(o)
    described = rng.random(n) < _DESCRIBED[relationship]

    def shown(part: str, codes: np.ndarray) -> np.ndarray:
        return np.where(described & (rng.random(n) < _PART[part]), codes, -1)

    out: dict[str, Labelled] = {}
    sex = np.where(offenders.male[o], 0, 1)
    sex = np.where(rng.random(n) < 0.03, 2, sex)
    out["offender_sex"] = Labelled(shown("sex", sex), ["male", "female", "unknown"])

    age = offenders.age[o] + rng.normal(0.0, 1.0, n) * (3.0 + 0.12 * offenders.age[o])
    band = np.searchsorted(_AGE_EDGES, age, side="right")
    exact = np.clip(np.rint(age / 5.0) * 5, 10, 90).astype(np.int64)
    age_code = np.where(rng.random(n) < 0.15, len(AGE_BANDS) + exact, band)
    out["offender_age_band"] = Labelled(shown("age", age_code), _AGE_LABELS)

    height = offenders.height_cm[o] + rng.normal(0.0, 6.0, n)
    low = np.clip((height // 10).astype(np.int64) * 10, 130, 210)
    h_exact = np.clip(np.rint(height / 5.0) * 5, 130, 220).astype(np.int64)
    h_code = np.where(rng.random(n) < 0.3, 221 + h_exact, low)
    out["offender_height"] = Labelled(shown("height", h_code), _HEIGHT_LABELS)

    build = offenders.build[o].astype(np.int64)
    slip = rng.random(n)
    nudged = np.clip(build + rng.choice([-1, 1], n), 0, len(BUILDS) - 1)
    build = np.where(slip < 0.2, nudged, build)
    build = np.where(slip > 0.95, rng.integers(0, len(BUILDS), n), build)
    out["offender_build"] = Labelled(shown("build", build), BUILDS)

    ethnic = offenders.ethnic[o].astype(np.int64)
    ethnic = np.where(rng.random(n) < 0.12, rng.integers(0, len(ETHNIC_CODES), n), ethnic)
    # Three in ten are written in words rather than as the IC code.
    ethnic = np.where(rng.random(n) < 0.3, ethnic + len(ETHNIC_CODES), ethnic)
    out["offender_ethnic_appearance"] = Labelled(
        shown("ethnic", ethnic), [*ETHNIC_CODES, *ETHNIC_WORDS]
    )

    accent = offenders.accent[o].astype(np.int64)
    accent = np.where(rng.random(n) < 0.25, rng.integers(0, len(ACCENTS), n), accent)
    out["offender_accent"] = Labelled(shown("accent", accent), ACCENTS)

    marks = offenders.marks[o].astype(np.int64)
    noticed = described & (marks >= 0) & (rng.random(n) < _MARK_NOTICED)
    out["offender_marks"] = Labelled(np.where(noticed, marks, -1), MARKS)
    return out


def victim_attributes(code: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The complainant's sex (1 male) and age in years at the offence, consistent with the code.

    Codes that state the victim's sex or age band fix them ("rape of a female child under 13");
    the rest draw from invented shares. Returns (male, age_years).
    """
    n = len(code)
    stated = fam.VICTIM_SEX_OF_CODE[code]
    male = np.where(stated >= 0, stated == 1, rng.random(n) < 0.2)
    band = categorical(fam.AGE_SHARES_OF_CODE[code], rng)
    lo, hi = fam.AGE_BAND_LIMITS[band, 0], fam.AGE_BAND_LIMITS[band, 1]
    age = lo + rng.random(n) * (hi + 1 - lo)
    return male.astype(bool), age


def age_band_of(age: np.ndarray) -> Labelled:
    """The victim age band (offence_families.AGE_BANDS) for ages in years."""
    edges = fam.AGE_BAND_LIMITS[1:, 0]
    return Labelled(np.searchsorted(edges, age, side="right"), fam.AGE_BANDS)
