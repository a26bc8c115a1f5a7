"""Plotly figures of the justice path, from the documents services.outcomes returns: funnels of
a rate by force, the outcome mix, the time-to-charge Kaplan–Meier curve with its 95% band, and
the SARC and ISVA referral rates.

Colours are fixed, not plotly's defaults: the browser tests look for them in the drawn pixels.
A figure with nothing to draw is None, and the page says so in words.
"""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caselink.domain.outcome_types import OUTCOME_TYPES, OutcomeGroup
from caselink.integrity import funnel_curves
from caselink.web.charts import funnel_plot

NATIONAL = "England and Wales"
NATIONAL_LINE = "#1f5fa8"
NATIONAL_BAND = "rgba(31, 95, 168, 0.18)"
FORCE_LINE = "#c45a00"
FORCE_BAND = "rgba(196, 90, 0, 0.20)"
# The outcomes that matter most for rape each have their own colour; the rest by their group.
OUTCOME_COLOURS = {
    "1": "#2e7d32",
    "14": "#8a5a00",
    "15": "#d9a400",
    "16": "#b3261e",
    "18": "#6b6b6b",
}
GROUP_COLOURS = {
    OutcomeGroup.CHARGED: "#2e7d32",
    OutcomeGroup.OUT_OF_COURT: "#4f9bd9",
    OutcomeGroup.EVIDENTIAL_DIFFICULTIES: "#e0795c",
    OutcomeGroup.NO_SUSPECT: "#9e9e9e",
    OutcomeGroup.NOT_IN_PUBLIC_INTEREST: "#7b5ea7",
    OutcomeGroup.OTHER: "#c2a27a",
}
# police.uk categories (text, not codes) take these in turn.
CATEGORY_COLOURS = ("#00838f", "#ad1457", "#5d4037", "#827717", "#283593", "#37474f")
REFERRAL_COLOURS = {
    ("sarc", "offered"): "#00695c",
    ("sarc", "accepted"): "#80cbc4",
    ("isva", "offered"): "#6a3d9a",
    ("isva", "accepted"): "#c5b0e0",
}


def chart_json(figure: Mapping[str, Any]) -> str:
    """A figure as the text of a <script type="application/json"> block: "<" escaped, so no
    label can close the block."""
    return json.dumps(figure).replace("<", "\\u003c")


def _finite(values: Sequence[float | None]) -> list[float | None]:
    # JSON has no NaN: a gap in a curve is a null, which plotly leaves undrawn.
    return [None if v is None or not math.isfinite(v) else float(v) for v in values]


@dataclass(frozen=True, slots=True)
class _Unit:
    unit: str
    events: int
    total: int
    rate: float | None
    flag: str | None


def rate_funnel(doc: Mapping[str, Any], *, x_title: str, y_title: str) -> dict[str, Any] | None:
    """A funnel plot of a funnel document (caselink.integrity's, as to_dict gives it): each
    force's rate against its denominator within limits around the national rate."""
    units = [
        _Unit(u["unit"], u["events"], u["total"], u["rate"], u["flag"])
        for u in doc["units"]
        if u["rate"] is not None
    ]
    target = doc.get("national_rate")
    if target is None or not units:
        return None
    curves = funnel_curves(
        target,
        max_total=max(u.total for u in units),
        points=120,
        phi=doc.get("phi") or 1.0,
        tau2=doc.get("tau2") or 0.0,
    )
    return funnel_plot(units, curves, x_title=x_title, y_title=y_title, height=420)


def outcome_colour(outcome: str, categories: list[str]) -> str:
    if outcome in OUTCOME_COLOURS:
        return OUTCOME_COLOURS[outcome]
    if outcome in OUTCOME_TYPES:
        return GROUP_COLOURS[OUTCOME_TYPES[outcome].group]
    if outcome not in categories:
        categories.append(outcome)
    return CATEGORY_COLOURS[categories.index(outcome) % len(CATEGORY_COLOURS)]


def outcome_label(outcome: str) -> str:
    found = OUTCOME_TYPES.get(outcome)
    return f"{outcome} {found.title}" if found else outcome


def _short(text: str, most: int = 70) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def mix_figure(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each force's closed crimes as one bar split by outcome (shares adding to 100%), the
    national bar first."""
    if not doc["total"]:
        return None
    rows = [(NATIONAL, doc["total"], doc["national"])] + [
        (u["unit"], u["total"], u["outcomes"]) for u in doc["units"] if u["total"]
    ]
    names = [name for name, _, _ in rows]
    by_outcome = [({s["outcome"]: s for s in shares}, total) for _, total, shares in rows]
    categories: list[str] = []
    traces = []
    for national in doc["national"]:
        outcome = national["outcome"]
        cells = [(found.get(outcome), total) for found, total in by_outcome]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": _short(outcome_label(outcome)),
                "insidetextanchor": "middle",
                "y": names,
                "x": _finite([c["share"] if c else None for c, _ in cells]),
                "text": [f"{c['count'] if c else 0} of {total}" for c, total in cells],
                "hoverinfo": "name+text",
                "marker": {"color": outcome_colour(outcome, categories)},
            }
        )
    legend = 24 * len(traces)  # one line an outcome: the Home Office titles are long
    return {
        "data": traces,
        "layout": {
            "barmode": "stack",
            "xaxis": {"title": {"text": "share of crimes closed"}, "tickformat": ".0%"},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "legend": {
                "orientation": "h",
                "traceorder": "normal",
                "x": 0,
                "y": 1.02,
                "yanchor": "bottom",
            },
            "margin": {"t": 20 + legend},
            "height": 120 + legend + 40 * len(rows),
        },
    }


def _curve_traces(
    times: Mapping[str, Any], name: str, line: str, band: str
) -> list[dict[str, Any]]:
    curve = times["curve"]
    x = _finite(curve["timeline"])
    hidden = {"hoverinfo": "skip", "showlegend": False}
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": _finite(curve["upper95"]),
            "line": {"width": 0, "shape": "hv", "color": band},
            **hidden,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{name}: 95% interval",
            "x": x,
            "y": _finite(curve["lower95"]),
            "line": {"width": 0, "shape": "hv", "color": band},
            "fill": "tonexty",
            "fillcolor": band,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{name} ({times['charged']} of {times['n']} charged)",
            "x": x,
            "y": _finite(curve["survival"]),
            "line": {"width": 3, "shape": "hv", "color": line},
        },
    ]


def km_figure(doc: Mapping[str, Any], force: str | None = None) -> dict[str, Any] | None:
    """The Kaplan–Meier curve of the share not yet charged, days after recording, with its 95%
    band: nationally, and for one force beside it when one is chosen."""
    national = doc["national"]
    if not national["n"] or not national["curve"]["timeline"]:
        return None
    traces = _curve_traces(national, NATIONAL, NATIONAL_LINE, NATIONAL_BAND)
    unit = next((u for u in doc["units"] if u["unit"] == force), None)
    if unit is not None and unit["curve"]["timeline"]:
        traces += _curve_traces(unit, unit["unit"], FORCE_LINE, FORCE_BAND)
    return {
        "data": traces,
        "layout": {
            "xaxis": {"title": {"text": "days from recording"}, "rangemode": "tozero"},
            "yaxis": {
                "title": {"text": "share not yet charged"},
                "tickformat": ".0%",
                "range": [0, 1.05],
            },
            "legend": {"orientation": "h", "y": -0.2},
            "margin": {"t": 20},
            "height": 440,
        },
    }


def referral_figure(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """SARC and ISVA referrals offered (of the cases where an offer was due) and accepted (of
    those offered), nationally and by force, each with its 95% interval."""
    rows = [(NATIONAL, doc["national"])] + [(u["unit"], u["services"]) for u in doc["units"]]
    if not doc["national"]:
        return None
    names = [name for name, _ in rows]
    traces = []
    for (service, measure), colour in REFERRAL_COLOURS.items():
        shares = [
            next((s[measure] for s in services if s["service"] == service), None)
            for _, services in rows
        ]
        rates = _finite([s["rate"] if s else None for s in shares])
        traces.append(
            {
                "type": "bar",
                "name": f"{service.upper()} {measure}",
                "x": names,
                "y": rates,
                "text": [f"{s['count']} of {s['denominator']}" if s else "" for s in shares],
                "hoverinfo": "name+text",
                "marker": {"color": colour},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": _gaps(shares, rates, "upper95"),
                    "arrayminus": _gaps(shares, rates, "lower95"),
                    "color": "#444",
                    "thickness": 1,
                },
            }
        )
    return {
        "data": traces,
        "layout": {
            "barmode": "group",
            "yaxis": {"title": {"text": "rate"}, "tickformat": ".0%", "range": [0, 1.05]},
            "legend": {"orientation": "h", "y": -0.25},
            "margin": {"t": 20},
            "height": 420,
        },
    }


def _gaps(
    shares: Sequence[Mapping[str, Any] | None], rates: Sequence[float | None], bound: str
) -> list[float | None]:
    """The distance from each rate to one end of its interval, as plotly's error bars take it."""
    out: list[float | None] = []
    for share, rate in zip(shares, rates, strict=True):
        end = share.get(bound) if share else None
        out.append(None if rate is None or end is None else abs(float(end) - rate))
    return out
