"""The justice path's pages: attrition force by force (the charge-rate and outcome-16 funnels,
the outcome mix, time to charge, Victims' Code compliance and support referrals), and the
missed chances a linkage run brings to light.

Figures by force and nationally, never below: no report, person or place is on the attrition
page, so registrars and inspectors see the same page. Missed chances list references only.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from caselink.domain.forces import FORCES
from caselink.domain.roles import Action, may
from caselink.services import outcomes
from caselink.services.integrity.figures import make_scope
from caselink.services.outcomes import Cohort
from caselink.web import forms, outcome_charts
from caselink.web.forms import FieldErrors
from caselink.web.journey_display import outcome_words
from caselink.web.routes.report_pages import report_url
from caselink.web.security import Session, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)

_COHORT_WORDS = {
    "rape": "rape (19C–19H, and N100s)",
    "other": "other sexual offences",
    "all": "every report (police.uk crimes included)",
}
COHORTS = tuple((c.value, _COHORT_WORDS.get(c.value, c.value)) for c in Cohort)
MISSED_SHOWN = 500


def _stage_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Attrition by force with the charge-rate funnel's limits and flag beside each force's
    stages, the nation first."""
    limits = {u["unit"]: u for u in doc["funnels"]["charge_rate"]["units"]}
    rows = [{"unit": outcome_charts.NATIONAL, "stages": doc["national"]["stages"], "limits": None}]
    rows += [
        {"unit": u["unit"], "stages": u["stages"], "limits": limits.get(u["unit"])}
        for u in doc["units"]
    ]
    for row in rows:
        row["stage"] = {s["stage"]: s for s in row["stages"]}
    return rows


def _referral_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"unit": outcome_charts.NATIONAL, **s} for s in doc["national"]]
    rows += [{"unit": u["unit"], **s} for u in doc["units"] for s in u["services"]]
    return rows


@router.get("/outcomes")
def outcomes_page(
    request: Request,
    session: Session,
    group: str = "rape",
    start: Annotated[str, Query(alias="from")] = "",
    to: str = "",
    force: str = "",
) -> Response:
    actor = session.actor
    actor.require(Action.AUDIT)  # before reading the filters: a role that may not learns nothing
    errors = FieldErrors()
    cohort = next((c for c in Cohort if c.value == group), None)
    if cohort is None:
        errors.add("group", f"{group!r} is not a group: rape, other or all")
        cohort = Cohort.RAPE
    first = forms.day("from", start, errors)
    last = forms.day("to", to, errors)
    if first is not None and last is not None and last < first:
        errors.add("to", "the period ends before it starts")
        last = None
    # The last day is inclusive: the scope ends at the start of the next, which date.max lacks.
    until = None if last is None or last.date() == date.max else last.date()
    scope = make_scope(first.date() if first else None, until)
    ctx = context(request)
    attrition = outcomes.attrition_figures(ctx, actor, group=cohort, scope=scope).to_dict()
    mix = outcomes.outcome_mix_figures(ctx, actor, group=cohort, scope=scope).to_dict()
    times = outcomes.time_to_charge_figures(ctx, actor, group=cohort, scope=scope).to_dict()
    compliance = outcomes.compliance_figures(ctx, actor, group=cohort, scope=scope).to_dict()
    chosen = force if any(u["unit"] == force for u in times["units"]) else None
    funnels = attrition["funnels"]
    figures = {
        "charge-rate": outcome_charts.rate_funnel(
            funnels["charge_rate"],
            x_title="recorded crimes (denominator)",
            y_title="share charged or summonsed",
        ),
        "outcome16": outcome_charts.rate_funnel(
            funnels["outcome16_share"],
            x_title="crimes closed (denominator)",
            y_title="share closed with outcome 16",
        ),
        "mix": outcome_charts.mix_figure(mix),
        "time-to-charge": outcome_charts.km_figure(times, chosen),
        "compliance": outcome_charts.rate_funnel(
            compliance["funnel"],
            x_title="duties due (denominator)",
            y_title="share told on time",
        ),
        "referrals": outcome_charts.referral_figure(compliance["referrals"]),
    }
    return render(
        request,
        "outcomes.html",
        {
            "attrition": attrition,
            "stage_rows": _stage_rows(attrition),
            "mix": mix,
            "times": times,
            "compliance": compliance,
            "referral_rows": _referral_rows(compliance["referrals"]),
            "figures": figures,
            "figure_json": {
                k: outcome_charts.chart_json(v) for k, v in figures.items() if v is not None
            },
            "outcome_label": outcome_charts.outcome_label,
            "cohorts": COHORTS,
            "cohort": cohort,
            "cohort_label": dict(COHORTS)[cohort.value],
            "forces": FORCES,
            "force": chosen,
            "filters": {"from": start, "to": to, "group": group, "force": force},
            "errors": errors.by_field,
        },
    )


@router.get("/outcomes/missed-chances")
def missed_chances_page(request: Request, session: Session) -> Response:
    doc = outcomes.missed_chance_figures(context(request), session.actor).to_dict()
    return render(
        request,
        "missed_chances.html",
        {
            "doc": doc,
            "chances": doc["chances"][:MISSED_SHOWN],
            "report_url": report_url,
            "outcome_words": outcome_words,
            "may_open_series": may(session.actor.role, Action.LINK),
        },
    )
