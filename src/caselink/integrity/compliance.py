"""Audit compliance: from a sample of write-offs checked per force, the share decided correctly
with its interval, the number of wrong write-offs it implies, and a national total."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from caselink.integrity.intervals import Rate, wilson

NATIONAL_METHOD = "stratified total; MOVER interval from per-stratum Wilson (FPC) limits"


@dataclass(frozen=True, slots=True)
class StratumAudit:
    """One stratum's audit: `population` write-offs in the period, `audited` of them checked
    (a simple random sample), `correct` of those found rightly decided."""

    stratum: str
    population: int
    audited: int
    correct: int

    def __post_init__(self) -> None:
        if not 0 <= self.correct <= self.audited <= self.population:
            raise ValueError(
                f"{self.stratum}: need 0 ≤ correct ({self.correct}) ≤ audited ({self.audited})"
                f" ≤ population ({self.population})"
            )


@dataclass(frozen=True, slots=True)
class Estimate:
    """An estimated count (e.g. wrong write-offs) with its interval; None when not estimable."""

    estimate: float | None
    lower: float | None
    upper: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "lower": self.lower, "upper": self.upper}


@dataclass(frozen=True, slots=True)
class StratumCompliance:
    """A stratum's result: the share correct (Wilson with finite-population correction) and the
    extrapolated number of wrong write-offs in its population."""

    stratum: str
    population: int
    audited: int
    correct: int
    share_correct: Rate
    wrong: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "stratum": self.stratum,
            "population": self.population,
            "audited": self.audited,
            "correct": self.correct,
            "share_correct": self.share_correct.to_dict(),
            "wrong": self.wrong.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class NationalCompliance:
    """The total over audited strata. `population` counts write-offs in strata with an audit;
    `unaudited_population` those in strata without one, which the estimate does not cover."""

    population: int
    unaudited_population: int
    audited: int
    correct: int
    share_correct: Estimate
    wrong: Estimate
    level: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "unaudited_population": self.unaudited_population,
            "audited": self.audited,
            "correct": self.correct,
            "share_correct": self.share_correct.to_dict(),
            "wrong": self.wrong.to_dict(),
            "level": self.level,
            "method": self.method,
        }


@dataclass(frozen=True, slots=True)
class Compliance:
    """Per-stratum results, sorted by stratum, and the national total."""

    strata: tuple[StratumCompliance, ...]
    national: NationalCompliance

    def to_dict(self) -> dict[str, Any]:
        return {"strata": [s.to_dict() for s in self.strata], "national": self.national.to_dict()}


def stratum_compliance(audit: StratumAudit, level: float = 0.95) -> StratumCompliance:
    """The share of audited write-offs found correct, with its Wilson interval corrected for the
    finite population (Wilson 1927; FPC (N − n)/(N − 1), Cochran 1977 §3.3), and the wrong
    write-offs it implies in the whole population: N × (1 − share), with interval
    [N(1 − upper), N(1 − lower)]. The interval is kept within what the audit proves: no fewer
    wrong than were found, no more than N minus those found correct."""
    share = wilson(audit.correct, audit.audited, level, population=audit.population or None)
    if share.rate is None or share.lower is None or share.upper is None:
        return StratumCompliance(
            audit.stratum,
            audit.population,
            audit.audited,
            audit.correct,
            share,
            Estimate(None, None, None),
        )
    found_wrong = audit.audited - audit.correct
    most_wrong = audit.population - audit.correct
    n_pop = audit.population
    wrong = Estimate(
        n_pop * (1.0 - share.rate),
        min(max(n_pop * (1.0 - share.upper), found_wrong), most_wrong),
        max(min(n_pop * (1.0 - share.lower), most_wrong), found_wrong),
    )
    return StratumCompliance(
        audit.stratum, audit.population, audit.audited, audit.correct, share, wrong
    )


def compliance(audits: Sequence[StratumAudit], level: float = 0.95) -> Compliance:
    """Per-stratum compliance and the national number of wrong write-offs.

    The national estimate is the stratified total T = Σ_h N_h·q̂_h (q̂_h the share wrong in
    stratum h). Its interval combines the strata by the method of variance estimates recovery
    (MOVER; Zou & Donner 2008, Stat Med 27:1693–1702; for sums of binomial proportions Zou,
    Huang & Zhang 2009, CSDA 53:1080–1085): each stratum's Wilson limits l_h ≤ t_h ≤ u_h on
    its count recover its variance on each side, and L = T − sqrt(Σ(t_h − l_h)²),
    U = T + sqrt(Σ(u_h − t_h)²). Unlike the textbook Wald variance Σ N_h²(1 − f_h)q̂_h(1 − q̂_h)/
    (n_h − 1), this does not collapse to zero width when every audited record was correct —
    common when samples are 14–33 per force. Strata with no audit are left out and their
    write-offs reported as `unaudited_population`.
    """
    names = [a.stratum for a in audits]
    if len(set(names)) != len(names):
        raise ValueError("each stratum may appear once")
    results = tuple(stratum_compliance(a, level) for a in sorted(audits, key=lambda a: a.stratum))
    # (estimate, lower, upper) of wrong write-offs for every stratum that had an audit.
    counts = [
        (r, (r.wrong.estimate, r.wrong.lower, r.wrong.upper))
        for r in results
        if r.wrong.estimate is not None and r.wrong.lower is not None and r.wrong.upper is not None
    ]
    covered = [r for r, _ in counts]
    population = sum(r.population for r in covered)
    unaudited = sum(r.population for r in results) - population
    audited = sum(r.audited for r in covered)
    correct = sum(r.correct for r in covered)
    if not covered or population == 0:
        none = Estimate(None, None, None)
        national = NationalCompliance(
            population, unaudited, audited, correct, none, none, level, NATIONAL_METHOD
        )
        return Compliance(results, national)

    total = lower_sq = upper_sq = 0.0
    for _, (t, lo, hi) in counts:
        total += t
        lower_sq += (t - lo) ** 2
        upper_sq += (hi - t) ** 2
    found_wrong = audited - correct
    most_wrong = population - correct
    lower = min(max(total - math.sqrt(lower_sq), found_wrong), total)
    upper = max(min(total + math.sqrt(upper_sq), most_wrong), total)
    wrong = Estimate(total, lower, upper)
    share = Estimate(1.0 - total / population, 1.0 - upper / population, 1.0 - lower / population)
    national = NationalCompliance(
        population, unaudited, audited, correct, share, wrong, level, NATIONAL_METHOD
    )
    return Compliance(results, national)
