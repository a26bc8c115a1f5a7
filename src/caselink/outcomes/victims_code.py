"""Victims' Code compliance: how often the police told victims of key decisions in time (the
enhanced right to be told within 1 working day), per force and nationally, with a funnel of the
on-time rate; and how often SARC and ISVA referrals were offered and accepted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from caselink.integrity import Funnel, UnitCount, funnel
from caselink.integrity.funnel import Method
from caselink.outcomes.shares import (
    INTERVAL,
    Share,
    check_counts,
    check_distinct,
    check_unit,
    share,
)

DUTY_DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "duty": (
            "a key decision (arrest, interview, release, charge, no further action, "
            "cancellation of the crime record) the victim must be told of by its due time "
            "(Victims' Code, enhanced rights: 1 working day, England and Wales bank holidays "
            "excluded)"
        ),
        "met_on_time": "duties where the victim was told by the due time",
        "late": "duties where the victim was told after the due time",
        "overdue": "duties past their due time with the victim not yet told",
        "due": "met_on_time + late + overdue: the duties the rate is judged on",
        "declined": (
            "duties the victim had opted out of updates for before they fell due; not a "
            "breach, counted apart and left out of the denominator"
        ),
        "pending": (
            "duties not yet due and not yet met; counted apart and left out of the "
            "denominator, since they cannot yet have been missed"
        ),
        "rate": "met_on_time / (met_on_time + late + overdue)",
        "interval": INTERVAL,
        "funnel": (
            "met_on_time out of due per force, with 95% and 99.8% control limits around the "
            "pooled on-time rate (Spiegelhalter 2005), by caselink.integrity.funnel"
        ),
    }
)

REFERRAL_DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "cases": "reports in scope (e.g. recorded crimes in the period), per service",
        "accepted": "cases whose latest answer to the referral was accepted",
        "declined": (
            "cases whose latest answer was declined: a valid choice of the victim, shown "
            "apart, and counted as offered"
        ),
        "not_appropriate": (
            "cases where the referral was judged not appropriate, with a reason; counted apart "
            "and left out of the offered rate's denominator"
        ),
        "not_offered": (
            "cases with no referral recorded: cases − accepted − declined − not_appropriate"
        ),
        "offered": (
            "accepted + declined, as a share of cases − not_appropriate (the cases where an "
            "offer was due)"
        ),
        "accepted_rate": "accepted as a share of offered",
        "interval": INTERVAL,
    }
)


@dataclass(frozen=True, slots=True)
class DutyCounts:
    """One unit's (force's) Victims' Code duties by state (see `DUTY_DEFINITIONS`)."""

    unit: str
    met_on_time: int
    late: int
    overdue: int
    declined: int = 0
    pending: int = 0

    def __post_init__(self) -> None:
        check_unit(self.unit)
        check_counts(
            self.unit,
            met_on_time=self.met_on_time,
            late=self.late,
            overdue=self.overdue,
            declined=self.declined,
            pending=self.pending,
        )


@dataclass(frozen=True, slots=True)
class DutyFigures:
    """Duties by state and the on-time rate met_on_time/due with its 95% Wilson interval
    (None when no duty fell due)."""

    met_on_time: int
    late: int
    overdue: int
    declined: int
    pending: int
    on_time: Share

    @property
    def due(self) -> int:
        """The denominator: met_on_time + late + overdue."""
        return self.on_time.denominator

    def to_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "met_on_time": self.met_on_time,
            "late": self.late,
            "overdue": self.overdue,
            "declined": self.declined,
            "pending": self.pending,
            "rate": self.on_time.rate,
            "lower95": self.on_time.lower95,
            "upper95": self.on_time.upper95,
        }


@dataclass(frozen=True, slots=True)
class UnitDuties:
    """A unit's duty figures."""

    unit: str
    figures: DutyFigures

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, **self.figures.to_dict()}


@dataclass(frozen=True, slots=True)
class DutyCompliance:
    """National figures (the units' counts summed), each unit's sorted by name, and the funnel
    of the on-time rate across units."""

    national: DutyFigures
    units: tuple[UnitDuties, ...]
    funnel: Funnel

    @property
    def definitions(self) -> Mapping[str, str]:
        """What each state counts, the rate's denominator, the interval and the funnel."""
        return DUTY_DEFINITIONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": self.national.to_dict(),
            "units": [u.to_dict() for u in self.units],
            "funnel": self.funnel.to_dict(),
            "definitions": dict(self.definitions),
        }


@dataclass(frozen=True, slots=True)
class ReferralCounts:
    """One unit's referrals to one support service ("sarc", "isva" or another), by the latest
    answer recorded on each case in scope (see `REFERRAL_DEFINITIONS`)."""

    unit: str
    service: str
    cases: int
    accepted: int
    declined: int
    not_appropriate: int = 0

    def __post_init__(self) -> None:
        check_unit(self.unit)
        if not self.service:
            raise ValueError(f"{self.unit}: a referral needs its service")
        check_counts(
            self.unit,
            cases=self.cases,
            accepted=self.accepted,
            declined=self.declined,
            not_appropriate=self.not_appropriate,
        )
        if self.accepted + self.declined + self.not_appropriate > self.cases:
            raise ValueError(
                f"{self.unit}: {self.service} answers exceed the {self.cases} cases in scope"
            )


@dataclass(frozen=True, slots=True)
class ReferralFigures:
    """One service's referrals: the offered rate (offered out of cases where an offer was due)
    and the accepted rate (accepted out of offered), each with its 95% Wilson interval, and the
    declines, not-appropriate judgements and cases with no referral shown apart."""

    service: str
    cases: int
    declined: int
    not_appropriate: int
    offered: Share
    accepted: Share

    @property
    def not_offered(self) -> int:
        """Cases with no referral recorded."""
        return self.cases - self.offered.count - self.not_appropriate

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "cases": self.cases,
            "offered": self.offered.to_dict(),
            "accepted": self.accepted.to_dict(),
            "declined": self.declined,
            "not_appropriate": self.not_appropriate,
            "not_offered": self.not_offered,
        }


@dataclass(frozen=True, slots=True)
class UnitReferrals:
    """A unit's referral figures, one per service, sorted by service."""

    unit: str
    services: tuple[ReferralFigures, ...]

    def service(self, name: str) -> ReferralFigures:
        """The figures of the service `name` ("sarc", "isva", ...)."""
        return _find(self.services, name)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "services": [s.to_dict() for s in self.services]}


@dataclass(frozen=True, slots=True)
class Referrals:
    """National referral figures per service (the units' counts summed) and each unit's, sorted
    by unit name. Every unit lists every service seen in any unit, with zeros where it had none."""

    national: tuple[ReferralFigures, ...]
    units: tuple[UnitReferrals, ...]

    @property
    def definitions(self) -> Mapping[str, str]:
        """What each count holds and each rate's denominator, and the interval."""
        return REFERRAL_DEFINITIONS

    def service(self, name: str) -> ReferralFigures:
        """The national figures of the service `name` ("sarc", "isva", ...)."""
        return _find(self.national, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": [s.to_dict() for s in self.national],
            "units": [u.to_dict() for u in self.units],
            "definitions": dict(self.definitions),
        }


def duty_figures(counts: DutyCounts) -> DutyFigures:
    """One unit's duties and its on-time rate met_on_time/(met_on_time + late + overdue), with
    its 95% Wilson interval (Wilson 1927, by `caselink.integrity.wilson`). Declined duties (the
    victim opted out of updates) and pending duties (not yet due) are left out of the
    denominator and counted apart; with no duty due the rate and interval are None."""
    due = counts.met_on_time + counts.late + counts.overdue
    return DutyFigures(
        counts.met_on_time,
        counts.late,
        counts.overdue,
        counts.declined,
        counts.pending,
        share(counts.met_on_time, due),
    )


def duty_compliance(units: Sequence[DutyCounts], *, method: Method = "binomial") -> DutyCompliance:
    """Victims' Code compliance per unit and nationally, with a funnel of the on-time rate.

    National counts are the sums of the units'; rates as in `duty_figures`. The funnel puts each
    unit's met_on_time out of due against 95% and 99.8% control limits around the pooled rate
    (`caselink.integrity.funnel` with `method`). Units are sorted by name; a unit given twice
    raises ValueError.
    """
    check_distinct([u.unit for u in units])
    ordered = sorted(units, key=lambda u: u.unit)
    total = DutyCounts(
        "national",
        sum(u.met_on_time for u in ordered),
        sum(u.late for u in ordered),
        sum(u.overdue for u in ordered),
        sum(u.declined for u in ordered),
        sum(u.pending for u in ordered),
    )
    figures = [UnitDuties(u.unit, duty_figures(u)) for u in ordered]
    points = [UnitCount(u.unit, u.figures.met_on_time, u.figures.due) for u in figures]
    return DutyCompliance(duty_figures(total), tuple(figures), funnel(points, method=method))


def referral_figures(counts: ReferralCounts) -> ReferralFigures:
    """One unit's referrals to one service: offered = accepted + declined as a share of the
    cases where an offer was due (cases − not_appropriate), and accepted as a share of offered,
    each with its 95% Wilson interval (None with a denominator of 0). A decline is the victim's
    valid choice: it counts as an offer and is shown apart, never as a failure."""
    offered = counts.accepted + counts.declined
    return ReferralFigures(
        counts.service,
        counts.cases,
        counts.declined,
        counts.not_appropriate,
        share(offered, counts.cases - counts.not_appropriate),
        share(counts.accepted, offered),
    )


def referral_rates(rows: Sequence[ReferralCounts]) -> Referrals:
    """SARC, ISVA (and any other service's) referral rates per unit and nationally.

    `rows` hold one entry per unit and service; a pair given twice raises ValueError. National
    figures sum the units' counts per service; rates as in `referral_figures`. Units are sorted
    by name and services by name within each; a unit without a row for a service seen elsewhere
    shows it with zero cases.
    """
    keys = [(r.unit, r.service) for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("each unit and service may appear once")
    services = sorted({r.service for r in rows})
    by_key = {(r.unit, r.service): r for r in rows}
    units = sorted({r.unit for r in rows})

    def row(unit: str, service: str) -> ReferralCounts:
        return by_key.get((unit, service), ReferralCounts(unit, service, 0, 0, 0, 0))

    national = tuple(
        referral_figures(
            ReferralCounts(
                "national",
                service,
                sum(row(u, service).cases for u in units),
                sum(row(u, service).accepted for u in units),
                sum(row(u, service).declined for u in units),
                sum(row(u, service).not_appropriate for u in units),
            )
        )
        for service in services
    )
    per_unit = tuple(
        UnitReferrals(unit, tuple(referral_figures(row(unit, s)) for s in services))
        for unit in units
    )
    return Referrals(national, per_unit)


def _find(items: tuple[ReferralFigures, ...], name: str) -> ReferralFigures:
    for item in items:
        if item.service == name:
            return item
    raise KeyError(f"no referral service {name!r}")
