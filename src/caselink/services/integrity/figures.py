"""Recording-integrity figures: rates of write-offs, N100s, late decisions and the rest per force
with their intervals, funnel plots comparing forces, quarterly p-charts, and audit samples with
their verdicts and compliance estimates.

The database counts (storage.integrity_queries, storage.audits); caselink.integrity does the
statistics; this module joins the two and applies who may see what. Figures carry no personal
data, so registrars and inspectors both may see them (Action.AUDIT). Drawing samples and
recording verdicts means reading full records: registrars only.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from caselink.domain.errors import InvalidRequest, InvalidValue
from caselink.domain.forces import canonical_force
from caselink.domain.offences import OFFENCES, RAPE_CODES
from caselink.domain.roles import Action
from caselink.domain.values import Scope
from caselink.integrity import (
    Funnel,
    PChart,
    PeriodCount,
    Rate,
    UnitCount,
    funnel,
    p_chart,
    wilson,
)
from caselink.interchange.counts_csv import read_counts
from caselink.services.context import Actor, Context
from caselink.storage.integrity_queries import GroupCounts

FunnelMethod = Literal["binomial", "multiplicative", "additive"]
# The limits every screen shows unless asked otherwise: forces differ for reasons no audit
# removes, and the additive (random-effects) limits allow for that while widening the largest
# forces' limits most (docs/integrity-statistics.md, "Which limits caselink shows").
DEFAULT_METHOD: FunnelMethod = "additive"
BINOMIAL_NAME = "binomial limits"
ADJUSTED_NAME = "limits allowing for overdispersion"
NATIONAL = "England and Wales"
OTHER_CODES: frozenset[str] = frozenset(OFFENCES) - RAPE_CODES


class Group(StrEnum):
    """The offence groups figures are given for."""

    RAPE = "rape"  # 19C–19H, and N100s
    OTHER = "other"  # every other sexual-offence code

    @property
    def codes(self) -> frozenset[str]:
        return RAPE_CODES if self is Group.RAPE else OTHER_CODES

    @property
    def with_n100(self) -> bool:
        return self is Group.RAPE

    @property
    def label(self) -> str:
        return "rape" if self is Group.RAPE else "other sexual offence"


class Measure(StrEnum):
    WRITE_OFF = "write_off"
    TRANSFERRED = "transferred"
    CANCELLED_C2 = "cancelled_c2"
    CANCELLED_C3 = "cancelled_c3"
    CANCELLED_C4 = "cancelled_c4"
    N100 = "n100"
    LATE = "late"
    NOT_TOLD = "not_told"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    title: str
    numerator: str
    denominator: str


MEASURES: dict[Measure, MeasureSpec] = {
    Measure.WRITE_OFF: MeasureSpec(
        "write-off rate",
        "cancelled or transferred (C1–C4), in force",
        "reports recorded under a code of the group",
    ),
    Measure.TRANSFERRED: MeasureSpec(
        "transfers (C1)",
        "transferred to another force or authority",
        "reports recorded under a code of the group",
    ),
    Measure.CANCELLED_C2: MeasureSpec(
        "cancelled C2",
        "cancelled on additional verifiable information",
        "reports recorded under a code of the group",
    ),
    Measure.CANCELLED_C3: MeasureSpec(
        "cancelled C3",
        "cancelled as a duplicate or part of another crime",
        "reports recorded under a code of the group",
    ),
    Measure.CANCELLED_C4: MeasureSpec(
        "cancelled C4",
        "cancelled as recorded in error",
        "reports recorded under a code of the group",
    ),
    Measure.N100: MeasureSpec(
        "N100 share", "N100s (written-off ones included)", "rape-coded reports and N100s"
    ),
    Measure.LATE: MeasureSpec(
        "late decisions",
        "recording decision more than the policy deadline after the report",
        "reports of the group (and N100s) with a decision time",
    ),
    Measure.NOT_TOLD: MeasureSpec(
        "complainant not told",
        "no record that the complainant was told",
        "write-offs in force (N100s included)",
    ),
    Measure.PENDING: MeasureSpec(
        "pending authorisations",
        "cancellations awaiting authorisation (the report still counts)",
        "write-off requests: in force or awaiting authorisation",
    ),
}


def measure_counts(counts: GroupCounts, measure: Measure, group: Group) -> tuple[int, int]:
    """A measure's (numerator, denominator) from one force's counts."""
    c = counts
    match measure:
        case Measure.WRITE_OFF:
            return c.written_off, c.recorded
        case Measure.TRANSFERRED:
            return c.transferred, c.recorded
        case Measure.CANCELLED_C2:
            return c.cancelled_c2, c.recorded
        case Measure.CANCELLED_C3:
            return c.cancelled_c3, c.recorded
        case Measure.CANCELLED_C4:
            return c.cancelled_c4, c.recorded
        case Measure.N100:
            # Other sexual offences have no N100: no denominator, so no rate, rather than 0%.
            return (c.n100, c.recorded + c.n100) if group.with_n100 else (0, 0)
        case Measure.LATE:
            return c.late, c.decided
        case Measure.NOT_TOLD:
            return c.not_told, c.applied
        case Measure.PENDING:
            return c.pending, c.applied + c.pending


# -- scope -------------------------------------------------------------------------------------


def make_scope(
    start: date | None = None, end: date | None = None, forces: Sequence[str] = ()
) -> Scope:
    """The reports a figure covers: reported on or after `start` and on or before `end` (whole
    days, UTC), in `forces` (any spelling the Home Office tables or police.uk use)."""
    if start is not None and end is not None and end < start:
        raise InvalidRequest(f"the period ends ({end}) before it starts ({start})")
    names: list[str] = []
    for name in forces:
        canonical = canonical_force(name)
        if canonical is None:
            raise InvalidValue("force", name, "not one of the 44 force areas")
        names.append(canonical)

    return Scope(
        datetime.combine(start, time(), UTC) if start else None,
        datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
        tuple(sorted(set(names))),
    )


def scope_dict(scope: Scope) -> dict[str, Any]:
    return {
        "reported_from": scope.start.date().isoformat() if scope.start else None,
        "reported_before": scope.end.date().isoformat() if scope.end else None,
        "forces": list(scope.forces) or None,
    }


def _counts(
    ctx: Context, group: Group, scope: Scope, by_quarter: bool = False
) -> list[GroupCounts]:
    with ctx.db.reader() as uow:
        return uow.queries.group_counts(
            group.codes,
            with_n100=group.with_n100,
            deadline_seconds=ctx.policy.recording_deadline.total_seconds(),
            scope=scope,
            by_quarter=by_quarter,
        )


def _total_name(scope: Scope) -> str:
    return "all forces shown" if scope.forces else NATIONAL


def _sum(force: str, rows: Sequence[GroupCounts]) -> GroupCounts:
    fields = [
        sum(getattr(r, name) for r in rows)
        for name in GroupCounts.__slots__
        if name not in ("force", "period")
    ]
    return GroupCounts(force, None, *fields)


# -- rates -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForceRates:
    force: str
    counts: GroupCounts
    rates: dict[Measure, Rate]

    def to_dict(self) -> dict[str, Any]:
        return {"force": self.force, "rates": {m.value: r.to_dict() for m, r in self.rates.items()}}


@dataclass(frozen=True, slots=True)
class RateTable:
    """Every measure for one offence group: nationally and per force, each with its Wilson 95%
    interval."""

    group: Group
    scope: Scope
    national: ForceRates
    forces: list[ForceRates]

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group.value,
            "scope": scope_dict(self.scope),
            "measures": {
                m.value: {"title": s.title, "numerator": s.numerator, "denominator": s.denominator}
                for m, s in MEASURES.items()
            },
            "national": self.national.to_dict(),
            "forces": [f.to_dict() for f in self.forces],
        }


def _force_rates(counts: GroupCounts, group: Group) -> ForceRates:
    return ForceRates(
        counts.force,
        counts,
        {m: wilson(*measure_counts(counts, m, group)) for m in Measure},
    )


def rates(
    ctx: Context, actor: Actor, *, group: Group = Group.RAPE, scope: Scope = Scope()
) -> RateTable:
    """Counts and rates of every measure for the group, per force and nationally (the sum of the
    forces in scope), each rate with numerator, denominator and Wilson 95% interval."""
    actor.require(Action.AUDIT)
    rows = _counts(ctx, group, scope)
    return RateTable(
        group,
        scope,
        _force_rates(_sum(_total_name(scope), rows), group),
        [_force_rates(r, group) for r in rows],
    )


# -- funnel ------------------------------------------------------------------------------------


def method_name(f: Funnel) -> str:
    """The limits a funnel was drawn with, in the words every screen uses: "binomial limits",
    "limits allowing for overdispersion (additive, τ² = 0.0164)", or, when an adjusted method
    found no extra spread, "binomial limits (additive method: no overdispersion found)"."""
    if f.adjusted:
        spread = f"φ = {f.phi:.2f}" if f.method == "multiplicative" else f"τ² = {f.tau2:.4f}"
        return f"{ADJUSTED_NAME} ({f.method}, {spread})"
    if f.method == "binomial":
        return BINOMIAL_NAME
    return f"{BINOMIAL_NAME} ({f.method} method: no overdispersion found)"


def compared_method(method: FunnelMethod) -> FunnelMethod:
    """The method a funnel is checked against: the binomial limits for an adjusted funnel, the
    default adjusted limits for a binomial one."""
    return "binomial" if method != "binomial" else DEFAULT_METHOD


def disagreements(shown: Funnel, compared: Funnel) -> dict[str, str]:
    """For each unit whose 99.8% flag differs between a binomial and an adjusted funnel of the
    same units, where it lies on each, binomial first: "outside the binomial limits; inside the
    limits allowing for overdispersion". Units flagged alike are left out (all of them when no
    overdispersion was found, since both funnels then draw the binomial limits)."""
    binomial, adjusted = (shown, compared) if shown.method == "binomial" else (compared, shown)
    by_adjusted = {u.unit: u.flag for u in adjusted.units}
    return {
        u.unit: f"{_side(u.flag)} the {BINOMIAL_NAME}; "
        f"{_side(by_adjusted[u.unit])} the {ADJUSTED_NAME}"
        for u in binomial.units
        if u.unit in by_adjusted and u.flag != by_adjusted[u.unit]
    }


def _side(flag: str | None) -> str:
    return "outside" if flag else "inside"


@dataclass(frozen=True, slots=True)
class FunnelResult:
    """A funnel with what it measures: `source` is "database" or the counts file's name.

    `compared` is the same units by the other method (compared_method), so every screen can say
    where the two disagree."""

    funnel: Funnel
    measure: Measure | None
    group: Group | None
    source: str
    scope: Scope | None
    compared: Funnel | None = None

    @property
    def title(self) -> str:
        if self.measure is None or self.group is None:
            return f"rate per unit ({self.source})"
        return f"{self.group.label} {MEASURES[self.measure].title}"

    @property
    def method_name(self) -> str:
        return method_name(self.funnel)

    @property
    def notes(self) -> dict[str, str]:
        """Unit -> where the two methods disagree about it (see `disagreements`)."""
        return {} if self.compared is None else disagreements(self.funnel, self.compared)

    def to_dict(self) -> dict[str, Any]:
        doc = self.funnel.to_dict()
        doc["method_name"] = self.method_name
        doc["compared_with"] = self.compared.method if self.compared else None
        compared = {u.unit: u.flag for u in self.compared.units} if self.compared else {}
        notes = self.notes
        for unit in doc["units"]:
            unit["compared_flag"] = compared.get(unit["unit"])
            unit["note"] = notes.get(unit["unit"])
        doc["source"] = self.source
        if self.measure is not None and self.group is not None:
            spec = MEASURES[self.measure]
            doc.update(
                measure=self.measure.value,
                group=self.group.value,
                numerator=spec.numerator,
                denominator=spec.denominator,
            )
        if self.scope is not None:
            doc["scope"] = scope_dict(self.scope)
        return doc


def _compared(units: list[UnitCount], method: FunnelMethod) -> tuple[Funnel, Funnel]:
    return funnel(units, method=method), funnel(units, method=compared_method(method))


def funnel_from_database(
    ctx: Context,
    actor: Actor,
    *,
    measure: Measure = Measure.WRITE_OFF,
    group: Group = Group.RAPE,
    method: FunnelMethod = DEFAULT_METHOD,
    scope: Scope = Scope(),
) -> FunnelResult:
    """Each force's rate of the measure on a funnel around the national rate (Spiegelhalter
    2005): flags "high"/"low" beyond the 99.8% limits, by default the limits allowing for
    overdispersion, with the other method's flags alongside for comparison."""
    actor.require(Action.AUDIT)
    units = [
        UnitCount(r.force, *measure_counts(r, measure, group)) for r in _counts(ctx, group, scope)
    ]
    shown, compared = _compared(units, method)
    return FunnelResult(shown, measure, group, "database", scope, compared)


def funnel_from_counts(path: Path, *, method: FunnelMethod = DEFAULT_METHOD) -> FunnelResult:
    """A funnel of the units in an aggregate counts file (caselink.interchange.counts_csv). It
    reads only the file, which the caller already holds: no database, no role."""
    units = [UnitCount(u.unit, u.events, u.total) for u in read_counts(path)]
    shown, compared = _compared(units, method)
    return FunnelResult(shown, None, None, path.name, None, compared)


# -- trend -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForceTrend:
    force: str
    chart: PChart

    def to_dict(self) -> dict[str, Any]:
        return {"force": self.force, **self.chart.to_dict()}


@dataclass(frozen=True, slots=True)
class Trend:
    """Quarterly p-charts: nationally and per force, every quarter of the span shown."""

    measure: Measure
    group: Group
    scope: Scope
    quarters: tuple[str, ...]
    national: ForceTrend
    forces: list[ForceTrend]

    def to_dict(self) -> dict[str, Any]:
        spec = MEASURES[self.measure]
        return {
            "measure": self.measure.value,
            "group": self.group.value,
            "numerator": spec.numerator,
            "denominator": spec.denominator,
            "scope": scope_dict(self.scope),
            "quarters": list(self.quarters),
            "national": self.national.to_dict(),
            "forces": [f.to_dict() for f in self.forces],
        }


def _quarter_range(first: str, last: str) -> list[str]:
    y, q = int(first[:4]), int(first[5:])
    out: list[str] = []
    while f"{y}Q{q}" <= last:
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def trend(
    ctx: Context,
    actor: Actor,
    *,
    measure: Measure = Measure.WRITE_OFF,
    group: Group = Group.RAPE,
    scope: Scope = Scope(),
    show: Sequence[str] = (),
) -> Trend:
    """The measure per quarter (of reported_at, UTC) per force on a p-chart around the force's
    own rate over the span, with points beyond 3σ, runs of 8 and CUSUM shifts flagged
    (Montgomery). Quarters without reports show empty. The national chart covers every force in
    `scope`; `show` limits the force charts to those forces (all when empty)."""
    actor.require(Action.AUDIT)
    rows = _counts(ctx, group, scope, by_quarter=True)
    wanted = set(make_scope(forces=show).forces)
    quarters = (
        _quarter_range(min(r.period or "" for r in rows), max(r.period or "" for r in rows))
        if rows
        else []
    )
    by_force: dict[str, dict[str, GroupCounts]] = {}
    for r in rows:
        by_force.setdefault(r.force, {})[r.period or ""] = r

    def chart(name: str, cells: dict[str, GroupCounts]) -> ForceTrend:
        periods = []
        for q in quarters:
            events, total = measure_counts(cells[q], measure, group) if q in cells else (0, 0)
            periods.append(PeriodCount(q, events, total))
        return ForceTrend(name, p_chart(periods))

    national = {q: _sum(NATIONAL, [r for r in rows if r.period == q]) for q in quarters}
    return Trend(
        measure,
        group,
        scope,
        tuple(quarters),
        chart(_total_name(scope), national),
        [
            chart(force, cells)
            for force, cells in sorted(by_force.items())
            if not wanted or force in wanted
        ],
    )
