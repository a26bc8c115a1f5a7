"""How many records to audit, and which: the sample size for a proportion to a given margin, and
a reproducible stratified random sample (per force, per category of write-off)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from caselink.integrity.intervals import z_for_level

# A computed size such as 385.0000000001 is 385 in intent; rounding it up to 386 would only
# reflect floating-point noise.
_ROUNDING_SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class StratumSample:
    """The records drawn from one stratum: `ids` in draw order (so the first k of them are
    themselves a random sample of k, should an audit have to stop early), out of `population`."""

    stratum: str
    population: int
    ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stratum": self.stratum,
            "population": self.population,
            "size": len(self.ids),
            "ids": list(self.ids),
        }


@dataclass(frozen=True, slots=True)
class AuditSample:
    """A stratified audit sample: the seed that reproduces it, and each stratum's draw, sorted
    by stratum name. `margin`/`level` are set when the sizes came from a target margin."""

    seed: int
    margin: float | None
    level: float | None
    strata: tuple[StratumSample, ...]

    def ids(self, stratum: str) -> tuple[str, ...]:
        for s in self.strata:
            if s.stratum == stratum:
                return s.ids
        raise KeyError(stratum)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "margin": self.margin,
            "level": self.level,
            "strata": [s.to_dict() for s in self.strata],
        }


def sample_size(
    margin: float, *, level: float = 0.95, population: int | None = None, expected: float = 0.5
) -> int:
    """The sample size that estimates a proportion to ±`margin` at `level` confidence.

    Cochran (Sampling Techniques, 3rd ed. 1977, §4.4): n0 = z²·p(1 − p)/d² with p the
    `expected` proportion (0.5, the default, is the worst case); for a finite population N,
    n = n0/(1 + (n0 − 1)/N). Rounded up, at least 1, and never more than N.
    """
    if not 0.0 < margin < 1.0:
        raise ValueError(f"a margin lies strictly between 0 and 1, not {margin}")
    if not 0.0 <= expected <= 1.0:
        raise ValueError(f"an expected proportion lies in [0, 1], not {expected}")
    if population is not None and population < 0:
        raise ValueError("a population cannot be negative")
    if population == 0:
        return 0
    n0 = z_for_level(level) ** 2 * expected * (1.0 - expected) / margin**2
    # Below one record (an expected share of 0 or 1) the correction is meaningless and can
    # divide by zero; one record is the least an audit can check.
    n = n0 if population is None or n0 <= 1.0 else n0 / (1.0 + (n0 - 1.0) / population)
    size = max(1, math.ceil(n - _ROUNDING_SLACK))
    return size if population is None else min(size, population)


def stratified_sample(
    strata: Mapping[str, Sequence[str]],
    *,
    seed: int,
    size: int | Mapping[str, int] | None = None,
    margin: float | None = None,
    level: float = 0.95,
    expected: float = 0.5,
) -> AuditSample:
    """A simple random sample without replacement from each stratum, reproducible from `seed`.

    Give either `size` (one n for every stratum, or n per stratum; capped at the stratum's size)
    or `margin`, when each stratum gets `sample_size(margin, level=level, population=N_h,
    expected=expected)`. Each stratum draws from its own numpy Generator seeded by (seed,
    SHA-256 of the stratum name), over its ids sorted, so the same seed and the same records
    give the same sample whatever order strata or ids arrive in, and adding a stratum does not
    change the others. Duplicate ids within a stratum are an error.
    """
    if (size is None) == (margin is None):
        raise ValueError("give either a sample size or a target margin, not both or neither")
    if seed < 0:
        raise ValueError("a seed is a non-negative integer")
    drawn: list[StratumSample] = []
    for name in sorted(strata):
        ids = sorted(strata[name])
        if len(set(ids)) != len(ids):
            raise ValueError(f"stratum {name!r} lists a record more than once")
        population = len(ids)
        if margin is not None:
            wanted = sample_size(margin, level=level, population=population, expected=expected)
        elif isinstance(size, Mapping):
            if name not in size:
                raise ValueError(f"no sample size given for stratum {name!r}")
            wanted = size[name]
        else:
            wanted = int(size or 0)
        if wanted < 0:
            raise ValueError(f"stratum {name!r}: a sample size cannot be negative")
        rng = np.random.default_rng([seed, *_name_key(name)])
        order = rng.permutation(population)[: min(wanted, population)]
        drawn.append(StratumSample(name, population, tuple(ids[i] for i in order)))
    return AuditSample(seed, margin, level if margin is not None else None, tuple(drawn))


def _name_key(name: str) -> list[int]:
    # Python's hash() of a str changes between runs; a cryptographic digest does not.
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
