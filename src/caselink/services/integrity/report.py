"""The inspection report: one self-contained HTML page (plotly's script embedded, so it opens
offline) with the funnel plot, quarterly trends, a league table with intervals, the latest audit
and the screening results, and the findings in plain words; the funnel also as a PNG. And the
short summary the demonstration prints.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment

from caselink.domain.roles import Role
from caselink.domain.values import Scope
from caselink.integrity import FunnelPoint, Rate, wilson
from caselink.integrity.plotting import funnel_figure_html, funnel_png, p_chart_html
from caselink.services import cycle_collector, outcomes
from caselink.services.context import Actor, Context
from caselink.services.integrity.audit import AuditCompliance, audit_compliance
from caselink.services.integrity.figures import (
    DEFAULT_METHOD,
    MEASURES,
    NATIONAL,
    FunnelResult,
    Group,
    Measure,
    RateTable,
    Trend,
    funnel_from_database,
    rates,
    trend,
)
from caselink.services.integrity.screening import WEIGHTS, ScreenResult, TruthCheck, screen

# Figures carry no personal data: the inspector's view is enough to produce them.
REPORTING_ACTOR = Actor("integrity-report", Role.INSPECTOR)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def interval(lower: float | None, upper: float | None) -> str:
    """'27.2–30.7%' for an interval of rates."""
    if lower is None or upper is None:
        return "—"
    return f"{lower * 100:.1f}–{upper * 100:.1f}%"


def finding_sentences(result: FunnelResult) -> list[str]:
    """One plain sentence for each unit beyond its 99.8% limits, highest rate first, e.g.
    "Kent's rape write-off rate, 29.0% (27.2–30.7%), is above the 99.8% limit for a force of its
    size (13.0%; national rate 11.3%)". The bracketed interval is the unit's Wilson 95%
    interval. Then which limits were used and, where the other method flags a unit differently,
    which units those are."""
    f = result.funnel
    what = result.title
    out: list[str] = []
    flagged = sorted((u for u in f.units if u.flag), key=lambda u: -(u.rate or 0.0))
    for u in flagged:
        rate = wilson(u.events, u.total)
        side, limit = ("above", u.upper998) if u.flag == "high" else ("below", u.lower998)
        out.append(
            f"{u.unit}'s {what}, {percent(u.rate)} ({interval(rate.lower, rate.upper)}), is "
            f"{side} the 99.8% limit for a force of its size ({percent(limit)}; national rate "
            f"{percent(f.national_rate)}; {u.events:,} of {u.total:,})."
        )
    d = f.dispersion
    spread = (
        f"Forces differ more than chance allows (φ = {d.phi or 0.0:.2f}, {d.outside95} of "
        f"{d.units} outside the binomial 95% limits where {d.expected_outside95:.1f} are "
        "expected)"
    )
    if f.adjusted:
        out.append(
            f"{spread}: the limits used allow for that ({result.method_name}), so a force "
            "flagged on them is unusual even allowing for the usual differences between forces."
        )
    elif d.advised and f.method == "binomial":
        out.append(
            f"{spread}: the {result.method_name} used here flag forces that may only differ as "
            f"forces usually do; the funnel by the {DEFAULT_METHOD} method (the default) shows "
            "which forces are unusual even allowing for that."
        )
    for unit, note in sorted(result.notes.items()):
        out.append(f"{unit}: {note}.")
    return out


# -- the demonstration's summary --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlaggedForce:
    force: str
    rate: Rate
    flag: str

    def to_dict(self) -> dict[str, Any]:
        return {"force": self.force, "flag": self.flag, "rate": self.rate.to_dict()}


@dataclass(frozen=True, slots=True)
class IntegritySummary:
    """The headline integrity figures: the national rape write-off rate, the forces beyond the
    99.8% funnel limits, the findings in words and, when the truth is known, how the screen
    compares with a random audit."""

    national: Rate
    method: str
    method_name: str
    high: list[FlaggedForce]
    low: list[FlaggedForce]
    notes: dict[str, str]
    findings: list[str]
    screening: TruthCheck | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": self.national.to_dict(),
            "method": self.method,
            "method_name": self.method_name,
            "notes": self.notes,
            "high": [f.to_dict() for f in self.high],
            "low": [f.to_dict() for f in self.low],
            "findings": self.findings,
            "screening": self.screening.to_dict() if self.screening else None,
        }

    def lines(self) -> list[str]:
        """The summary as lines of text to print."""
        n = self.national
        out = [
            f"national rape write-off rate {percent(n.rate)} ({interval(n.lower, n.upper)}), "
            f"{n.numerator:,} of {n.denominator:,}",
            f"funnel limits: {self.method_name}",
            "above the 99.8% funnel limit: " + (", ".join(f.force for f in self.high) or "none"),
            "below the 99.8% funnel limit: " + (", ".join(f.force for f in self.low) or "none"),
        ]
        # forces the two methods judge alike, grouped by what is said of them: a national run
        # can have a dozen with the same note, which one line says better than a dozen
        by_note: dict[str, list[str]] = {}
        for force, note in sorted(self.notes.items()):
            by_note.setdefault(note, []).append(force)
        out += [f"  {note}: {', '.join(forces)}" for note, forces in sorted(by_note.items())]
        if self.screening:
            for s in self.screening.at:
                out.append(
                    f"screening top {s.n}: precision {percent(s.ranked.precision)}, recall "
                    f"{percent(s.ranked.recall)}; random audit of {s.n}: precision "
                    f"{percent(s.random.precision)}, recall {percent(s.random.recall)}"
                )
        return out


def _flagged(points: Sequence[FunnelPoint], flag: str) -> list[FlaggedForce]:
    return [
        FlaggedForce(u.unit, wilson(u.events, u.total), flag)
        for u in sorted(points, key=lambda u: u.unit)
        if u.flag == flag
    ]


def summary_of(report: "InspectionReport") -> IntegritySummary:
    """The integrity headline for the demonstration, from the inspection report's figures:
    national rape write-off rate, forces flagged high and low at 99.8% on the funnel (the
    default limits, allowing for overdispersion; where the binomial limits disagree, a note per
    force), and (when the report was built with the synthetic truth file) screening against a
    random audit at n = 100, 500, 1000."""
    result = report.funnel
    units = result.funnel.units
    national = wilson(sum(u.events for u in units), sum(u.total for u in units))
    return IntegritySummary(
        national,
        result.funnel.method,
        result.method_name,
        _flagged(units, "high"),
        _flagged(units, "low"),
        result.notes,
        report.findings,
        report.screening.truth,
    )


# -- the HTML report ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InspectionReport:
    """Everything the inspection report shows, computed once; `render` makes the page."""

    generated_at: datetime
    scope: Scope
    rape: RateTable
    other: RateTable
    funnel: FunnelResult
    trend: Trend
    audit: AuditCompliance | None
    screening: ScreenResult
    findings: list[str]
    attrition: dict[str, Any]  # caselink outcomes attrition --json, rape
    compliance: dict[str, Any]  # caselink outcomes compliance --json, rape


@cycle_collector.paused()
def build_report(
    ctx: Context,
    actor: Actor = REPORTING_ACTOR,
    *,
    scope: Scope = Scope(),
    truth: Path | None = None,
    top: int = 25,
) -> InspectionReport:
    """Compute the inspection report's figures (no personal data in any of them)."""
    result = funnel_from_database(ctx, actor, scope=scope)
    with ctx.db.reader() as uow:
        latest = uow.audits.latest_sample_id()
    return InspectionReport(
        ctx.clock(),
        scope,
        rates(ctx, actor, group=Group.RAPE, scope=scope),
        rates(ctx, actor, group=Group.OTHER, scope=scope),
        result,
        trend(ctx, actor, scope=scope),
        audit_compliance(ctx, actor, latest) if latest is not None else None,
        screen(ctx, actor, scope=scope, top=top, truth=truth),
        finding_sentences(result),
        outcomes.attrition_figures(ctx, actor, scope=scope).to_dict(),
        outcomes.compliance_figures(ctx, actor, scope=scope).to_dict(),
    )


def render(report: InspectionReport) -> str:
    """The report as one HTML page; plotly's script is embedded once, inline."""
    f = report.funnel.funnel
    league = sorted(f.units, key=lambda u: -(u.rate or 0.0))
    flagged = {u.unit for u in f.units if u.flag}
    charts = [(NATIONAL, report.trend.national.chart)] + [
        (t.force, t.chart) for t in report.trend.forces if t.force in flagged or t.chart.signalled
    ]
    context = {
        "r": report,
        "f": f,
        "league": [
            (u, wilson(u.events, u.total), report.funnel.notes.get(u.unit, "")) for u in league
        ],
        "funnel_html": funnel_figure_html(
            f, f"Funnel plot: {report.funnel.title} by force", include_plotlyjs=True
        ),
        "trend_html": [
            (name, p_chart_html(chart, f"{name}: {report.funnel.title} by quarter"))
            for name, chart in charts[:13]
        ],
        "signals": [
            (t.force, p.period, s)
            for t in [report.trend.national, *report.trend.forces]
            for p in t.chart.points
            for s in p.signals
            if s.rule != "beyond_2sigma"
        ],
        "stages": _stage_table(report.attrition),
        "charge_flags": {
            u["unit"]: u["flag"] for u in report.attrition["funnels"]["charge_rate"]["units"]
        },
        "code_flags": {u["unit"]: u["flag"] for u in report.compliance["funnel"]["units"]},
        "measures": MEASURES,
        "Measure": Measure,
        "weights": WEIGHTS,
        "percent": percent,
        "interval": interval,
    }
    return _TEMPLATE.render(**context)


def _stage_table(attrition: dict[str, Any]) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """Rows of the attrition table: the nation first, then each force, stages by name."""
    rows = [(NATIONAL, attrition["national"]["stages"])]
    rows += [(u["unit"], u["stages"]) for u in attrition["units"]]
    return [(unit, {s["stage"]: s for s in stages}) for unit, stages in rows]


def write_report(
    ctx: Context,
    path: Path,
    *,
    png: Path | None = None,
    truth: Path | None = None,
    actor: Actor = REPORTING_ACTOR,
    scope: Scope = Scope(),
) -> Path:
    """Write the inspection report to `path` (and the funnel plot as PNG to `png`); the page is
    self-contained and works offline. Returns `path`."""
    return write_built(build_report(ctx, actor, scope=scope, truth=truth), path, png=png)


def write_built(report: InspectionReport, path: Path, *, png: Path | None = None) -> Path:
    """Write a report already built (see `write_report`). Returns `path`."""
    path.write_text(render(report), encoding="utf-8")
    if png is not None:
        png.write_bytes(funnel_png(report.funnel.funnel, f"{report.funnel.title} by force"))
    return path


_TEMPLATE = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Recording integrity and the justice path: inspection report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.high{color:#c0392b;font-weight:600}.low{color:#2471a3;font-weight:600}
.note{color:#555;font-size:.9rem}
</style></head><body>
<h1>Recording integrity and the justice path: inspection report</h1>
<p class="note">Generated {{ r.generated_at.strftime("%Y-%m-%d %H:%M UTC") }}.
Reports {% if r.scope.start %}from {{ r.scope.start.date() }} {% endif %}{% if r.scope.end %}before
{{ r.scope.end.date() }} {% endif %}{% if r.scope.forces %}in {{ r.scope.forces|join(", ") }}
{% else %}in every force{% endif %}. No personal data appears in this report.</p>

<h2 id="findings">Findings</h2>
<p>National {{ r.funnel.title }}: <strong>{{ percent(f.national_rate) }}</strong>
({{ "{:,}".format(r.rape.national.counts.written_off) }} of
{{ "{:,}".format(r.rape.national.counts.recorded) }} reports recorded under a rape code
were cancelled or transferred).</p>
{% if r.findings %}<ul>{% for s in r.findings %}<li>{{ s }}</li>{% endfor %}</ul>
{% else %}<p>No force lies beyond its 99.8% limits.</p>{% endif %}
<p class="note">A force outside the 99.8% limits is very unlikely to be there by chance (about 1
in 500 for a force whose true rate is the national rate). It may reflect a different recording
practice rather than worse decisions; the audit and screening below say whether the decisions
were right.</p>

<h2 id="funnel">Funnel plot</h2>
{{ funnel_html|safe }}
<p class="note">Each point is a force: its rate against its number of reports. Solid lines are
the 99.8% limits, dashed the 95% limits around the national rate; the funnel narrows as forces
grow, because larger numbers leave less to chance. Limits: {{ r.funnel.method_name }}.
{% if f.adjusted %}They allow for forces differing more than chance explains (populations,
recording policies), so a flagged force is unusual even allowing for that; the last column of the
league table names forces the binomial limits judge differently.{% endif %}</p>

<h2 id="league">League table</h2>
<table><tr><th>force</th><th>written off</th><th>reports</th><th>rate</th><th>95% CI</th>
<th>99.8% limits</th><th>flag</th><th>methods compared</th></tr>
{% for u, w, note in league %}<tr><td>{{ u.unit }}</td><td>{{ "{:,}".format(u.events) }}</td>
<td>{{ "{:,}".format(u.total) }}</td><td>{{ percent(u.rate) }}</td>
<td>{{ interval(w.lower, w.upper) }}</td><td>{{ interval(u.lower998, u.upper998) }}</td>
<td class="{{ u.flag or '' }}">{{ u.flag or "" }}</td><td>{{ note }}</td></tr>
{% endfor %}</table>

<h2 id="measures">Every measure, nationally</h2>
<table><tr><th>measure</th><th>group</th><th>count</th><th>out of</th><th>rate</th>
<th>95% CI</th><th>denominator</th></tr>
{% for table in (r.rape, r.other) %}{% for m, rate in table.national.rates.items() %}
{% if rate.denominator %}<tr><td>{{ measures[m].title }}</td><td>{{ table.group.label }}</td>
<td>{{ "{:,}".format(rate.numerator) }}</td><td>{{ "{:,}".format(rate.denominator) }}</td>
<td>{{ percent(rate.rate) }}</td><td>{{ interval(rate.lower, rate.upper) }}</td>
<td class="note">{{ measures[m].denominator }}</td></tr>{% endif %}
{% endfor %}{% endfor %}</table>

<h2 id="trends">Quarterly trends</h2>
<p class="note">p-charts: each quarter's rate with 3σ limits around the force's own rate over
the period. Shown: the nation, and forces flagged on the funnel or with a signal.</p>
{% for name, html in trend_html %}{{ html|safe }}{% endfor %}
{% if signals %}<table><tr><th>force</th><th>quarter</th><th>signal</th><th>direction</th>
<th>since</th></tr>{% for force, period, s in signals %}<tr><td>{{ force }}</td>
<td>{{ period }}</td><td>{{ s.rule }}</td><td>{{ s.direction }}</td><td>{{ s.since }}</td></tr>
{% endfor %}</table>{% else %}<p>No quarter signals a change.</p>{% endif %}

<h2 id="audit">Audit</h2>
{% if r.audit %}{% set n = r.audit.result.national %}
<p>Audit sample {{ r.audit.sample_id }} (seed {{ r.audit.seed }}):
{{ n.audited }} write-offs judged, {{ n.correct }} correct.
{% if n.share_correct.estimate is not none %}Share correct
{{ percent(n.share_correct.estimate) }}
({{ interval(n.share_correct.lower, n.share_correct.upper) }});
about {{ "{:,.0f}".format(n.wrong.estimate) }} wrong write-offs
({{ "{:,.0f}".format(n.wrong.lower) }}–{{ "{:,.0f}".format(n.wrong.upper) }}) among the
{{ "{:,}".format(n.population) }} in the audited forces.{% endif %}
{% if n.unaudited_population %}{{ "{:,}".format(n.unaudited_population) }} write-offs are in
forces with no verdict yet.{% endif %}</p>
<table><tr><th>force</th><th>write-offs</th><th>judged</th><th>correct</th><th>share correct</th>
<th>95% CI (FPC)</th><th>wrong (estimate)</th></tr>
{% for s in r.audit.result.strata %}<tr><td>{{ s.stratum }}</td><td>{{ s.population }}</td>
<td>{{ s.audited }}</td><td>{{ s.correct }}</td><td>{{ percent(s.share_correct.rate) }}</td>
<td>{{ interval(s.share_correct.lower, s.share_correct.upper) }}</td>
<td>{% if s.wrong.estimate is not none %}{{ "{:,.0f}".format(s.wrong.estimate) }}
({{ "{:,.0f}".format(s.wrong.lower) }}–{{ "{:,.0f}".format(s.wrong.upper) }})
{% else %}—{% endif %}</td></tr>
{% endfor %}</table>
{% else %}<p>No audit sample has been drawn yet (<code>caselink integrity sample</code>).</p>
{% endif %}

<h2 id="screening">Screening</h2>
{% set sc = r.screening %}
<p>{{ "{:,}".format(sc.flagged) }} of {{ "{:,}".format(sc.total) }} write-offs (cancelled,
transferred, awaiting authorisation, N100) carry at least one flag. Score = sum of the weights
of the flags: {% for rule, w in weights.items() %}{{ rule }} {{ w }}
{%- if not loop.last %}, {% endif %}{% endfor %}.</p>
{% if sc.truth %}<table><tr><th>audit of n</th><th>screen precision</th><th>screen recall</th>
<th>random precision (95% range)</th><th>random recall</th><th>lift</th></tr>
{% for s in sc.truth.at %}<tr><td>{{ s.n }}</td><td>{{ percent(s.ranked.precision) }}</td>
<td>{{ percent(s.ranked.recall) }}</td>
<td>{{ percent(s.random.precision) }}
({{ interval(s.random.precision_lower, s.random.precision_upper) }})</td>
<td>{{ percent(s.random.recall) }}</td><td>{{ "%.1f"|format(s.lift or 0) }}</td></tr>
{% endfor %}</table>
<p class="note">Against the known answers of {{ "{:,}".format(sc.truth.matched) }} write-offs,
{{ "{:,}".format(sc.truth.wrong) }} of them wrong.</p>{% endif %}
<table><tr><th>rank</th><th>force</th><th>reference</th><th>write-off</th><th>score</th>
<th>flags</th></tr>
{% for i in sc.items %}<tr><td>{{ i.rank }}</td><td>{{ i.force }}</td><td>{{ i.reference }}</td>
<td>{{ i.kind }}</td><td>{{ i.score }}</td>
<td style="text-align:left">{% for fl in i.flags %}{{ fl.rule }} {{ fl.message }}
{%- if not loop.last %}; {% endif %}{% endfor %}</td></tr>
{% endfor %}</table>

<h2 id="attrition">Attrition: from report to conviction</h2>
{% set nat = stages[0][1] %}
<p>Of {{ "{:,}".format(nat.recorded.count) }} recorded rapes, a suspect was identified in
{{ percent(nat.suspect_identified.rate) }}, {{ percent(nat.referred_to_cps.rate) }} reached the
CPS, <strong>{{ percent(nat.charged.rate) }}</strong> were charged or summonsed
({{ interval(nat.charged.lower95, nat.charged.upper95) }}) and
{{ percent(nat.convicted.rate) }} ended in a conviction.</p>
<table><tr><th>force</th><th>reported</th><th>recorded</th><th>suspect identified</th>
<th>to the CPS</th><th>charged</th><th>95% CI</th><th>convicted</th><th>charge-rate flag</th></tr>
{% for unit, st in stages %}<tr><td>{{ unit }}</td><td>{{ "{:,}".format(st.reported.count) }}</td>
<td>{{ "{:,}".format(st.recorded.count) }}</td><td>{{ percent(st.suspect_identified.rate) }}</td>
<td>{{ percent(st.referred_to_cps.rate) }}</td>
<td>{{ "{:,}".format(st.charged.count) }} ({{ percent(st.charged.rate) }})</td>
<td>{{ interval(st.charged.lower95, st.charged.upper95) }}</td>
<td>{{ percent(st.convicted.rate) }}</td>
<td class="{{ charge_flags.get(unit) or '' }}">{{ charge_flags.get(unit) or "" }}</td></tr>
{% endfor %}</table>
<p class="note">Every stage after recording is a share of recorded crimes (cancelled and
transferred reports leave the count), with its 95% Wilson interval; the flag is the force's
charge rate against the 99.8% funnel limits around the national rate. Time to charge, the
outcome mix and missed chances are given by <code>caselink outcomes</code>.</p>

<h2 id="victims-code">Victims' Code: telling victims of decisions</h2>
{% set cn = r.compliance.national %}
<p>Of {{ "{:,}".format(cn.due) }} key decisions due to be told to the victim,
<strong>{{ percent(cn.rate) }}</strong> were told on time
({{ interval(cn.lower95, cn.upper95) }}); {{ "{:,}".format(cn.late) }} late,
{{ "{:,}".format(cn.overdue) }} not yet told and overdue. {{ "{:,}".format(cn.declined) }}
decisions fell after the victim had asked not to be updated: recorded, not counted as
breaches.</p>
<table><tr><th>force</th><th>due</th><th>on time</th><th>late</th><th>overdue</th>
<th>declined</th><th>on-time rate</th><th>95% CI</th><th>flag</th></tr>
{% for u in r.compliance.units %}<tr><td>{{ u.unit }}</td><td>{{ "{:,}".format(u.due) }}</td>
<td>{{ "{:,}".format(u.met_on_time) }}</td><td>{{ "{:,}".format(u.late) }}</td>
<td>{{ "{:,}".format(u.overdue) }}</td><td>{{ "{:,}".format(u.declined) }}</td>
<td>{{ percent(u.rate) }}</td><td>{{ interval(u.lower95, u.upper95) }}</td>
<td class="{{ code_flags.get(u.unit) or '' }}">{{ code_flags.get(u.unit) or "" }}</td></tr>
{% endfor %}</table>
<p class="note">Victims of sexual offences have enhanced rights: each arrest, interview,
release, charge, decision to take no further action and cancellation is to be told within one
working day (England and Wales bank holidays excluded). The flag is the force's on-time rate
against the 99.8% funnel limits.</p>

<h2 id="reading">How to read this report</h2>
<p class="note">Every rate is shown with its numerator, its denominator and a 95% Wilson
interval. The write-off rate counts reports recorded under a rape code (19C–19H) that were
cancelled or transferred, out of all reports recorded under a rape code; N100s carry no code
and are counted separately. A cancellation awaiting authorisation still counts as a crime. See
docs/integrity.md for every measure, the screening weights and the methods.</p>
</body></html>
"""
)
