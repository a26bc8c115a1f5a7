"""Drawing the figures: funnel plots and p-charts as interactive plotly HTML fragments (the
plotly script embedded, so a page works offline) and the funnel as a PNG through matplotlib's
Agg renderer. Takes results, returns text or bytes; writes no files."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from caselink.integrity.funnel import Funnel, funnel_curves
from caselink.integrity.trend import PChart

_COLOURS = {"high": "#c0392b", "low": "#2471a3", None: "#555555"}


def _curves(f: Funnel) -> Any:
    assert f.national_rate is not None
    biggest = max((u.total for u in f.units), default=1)
    return funnel_curves(
        f.national_rate,
        max_total=max(10, int(biggest * 1.1)),
        points=400,
        phi=f.phi or 1.0,
        tau2=f.tau2 or 0.0,
    )


def _top(f: Funnel) -> float:
    """The y-axis top in percent: room for every unit and its limits, not the funnel's mouth."""
    highest = max(
        (max(u.rate or 0.0, u.upper998 or 0.0) for u in f.units if u.rate is not None),
        default=1.0,
    )
    return min(100.0, highest * 125.0)


def count_step(widest: int, ticks: int = 8) -> int:
    """A step between ticks on an axis of counts up to ``widest``: a whole 1, 2 or 5 times a
    power of ten giving at most about ``ticks`` ticks. Left to itself, plotly puts ticks at
    half a report on a small store's funnel (matplotlib's own locator is told integers)."""
    step = 1
    while True:
        for k in (1, 2, 5):
            if widest / (k * step) <= ticks:
                return k * step
        step *= 10


def funnel_figure_html(f: Funnel, title: str, *, include_plotlyjs: bool) -> str:
    """The funnel as a plotly <div>: each unit's rate against its denominator, the national rate
    and the 95% and 99.8% limits. With `include_plotlyjs` the plotly script is embedded inline."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if f.national_rate is not None:
        c = _curves(f)
        totals = list(c.totals)
        for name, values, dash in (
            ("99.8% limits", c.upper998, "solid"),
            ("95% limits", c.upper95, "dash"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=totals,
                    y=[v * 100 for v in values],
                    mode="lines",
                    name=name,
                    line={"color": "#7f8c8d", "dash": dash, "width": 1},
                    hoverinfo="skip",
                )
            )
        for values, dash in ((c.lower998, "solid"), (c.lower95, "dash")):
            fig.add_trace(
                go.Scatter(
                    x=totals,
                    y=[v * 100 for v in values],
                    mode="lines",
                    showlegend=False,
                    line={"color": "#7f8c8d", "dash": dash, "width": 1},
                    hoverinfo="skip",
                )
            )
        fig.add_hline(
            y=f.national_rate * 100,
            line={"color": "#2c3e50", "width": 1},
            annotation_text=f"national {f.national_rate:.1%}",
        )
    for flag in ("high", "low", None):
        units = [u for u in f.units if u.flag == flag and u.rate is not None]
        if not units:
            continue
        fig.add_trace(
            go.Scatter(
                x=[u.total for u in units],
                y=[(u.rate or 0.0) * 100 for u in units],
                mode="markers",
                name={"high": "above 99.8% limit", "low": "below 99.8% limit"}.get(
                    flag or "", "within limits"
                ),
                marker={"color": _COLOURS[flag], "size": 8},
                text=[u.unit for u in units],
                customdata=[[u.events] for u in units],
                hovertemplate="%{text}: %{customdata[0]} of %{x} (%{y:.1f}%)<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="number of reports (denominator)",
        yaxis_title="rate (%)",
        template="simple_white",
        height=520,
        yaxis_range=[0, _top(f)],
        xaxis={"tick0": 0, "dtick": count_step(max((u.total for u in f.units), default=1))},
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
    )
    html: str = fig.to_html(full_html=False, include_plotlyjs=bool(include_plotlyjs))
    return html


def p_chart_html(chart: PChart, title: str, *, include_plotlyjs: bool = False) -> str:
    """A p-chart as a plotly <div>: the rate each period, the centre line and the 3σ limits,
    with the periods that signalled marked."""
    import plotly.graph_objects as go

    periods = [p.period for p in chart.points]

    def pct(values: Sequence[float | None]) -> list[float | None]:
        return [None if v is None else v * 100 for v in values]

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=pct([p.upper3 for p in chart.points]),
            mode="lines",
            name="3σ limits",
            line={"color": "#7f8c8d", "dash": "dash", "width": 1},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=pct([p.lower3 for p in chart.points]),
            mode="lines",
            showlegend=False,
            line={"color": "#7f8c8d", "dash": "dash", "width": 1},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=pct([p.rate for p in chart.points]),
            mode="lines+markers",
            name="rate",
            line={"color": "#2c3e50"},
            text=[f"{p.events} of {p.total}" for p in chart.points],
            hovertemplate="%{x}: %{y:.1f}% (%{text})<extra></extra>",
        )
    )
    signalled = [p for p in chart.points if p.signals and p.rate is not None]
    if signalled:
        fig.add_trace(
            go.Scatter(
                x=[p.period for p in signalled],
                y=[(p.rate or 0.0) * 100 for p in signalled],
                mode="markers",
                name="signal",
                marker={"color": "#c0392b", "size": 11, "symbol": "circle-open"},
                text=[", ".join(f"{s.rule} {s.direction}" for s in p.signals) for p in signalled],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
    if chart.centre is not None:
        fig.add_hline(y=chart.centre * 100, line={"color": "#2c3e50", "width": 1})
    fig.update_layout(
        title=title,
        yaxis_title="rate (%)",
        template="simple_white",
        height=300,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    html: str = fig.to_html(full_html=False, include_plotlyjs=bool(include_plotlyjs))
    return html


def funnel_png(f: Funnel, title: str, *, label_flagged: bool = True) -> bytes:
    """The funnel plot as PNG bytes, drawn by matplotlib's Agg renderer (no display, no
    browser): the same points, national rate and limits as the HTML funnel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(9, 6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if f.national_rate is not None:
        c = _curves(f)
        totals = list(c.totals)
        for values, style in (
            (c.upper998, "-"),
            (c.lower998, "-"),
            (c.upper95, "--"),
            (c.lower95, "--"),
        ):
            ax.plot(totals, [v * 100 for v in values], style, color="#7f8c8d", linewidth=0.8)
        ax.axhline(f.national_rate * 100, color="#2c3e50", linewidth=0.8)
    for flag in ("high", "low", None):
        units = [u for u in f.units if u.flag == flag and u.rate is not None]
        ax.scatter(
            [u.total for u in units],
            [(u.rate or 0.0) * 100 for u in units],
            s=18,
            color=_COLOURS[flag],
            zorder=3,
        )
        if label_flagged and flag is not None:
            for u in units:
                ax.annotate(
                    u.unit,
                    (u.total, (u.rate or 0.0) * 100),
                    fontsize=7,
                    xytext=(4, 2),
                    textcoords="offset points",
                )
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no half a report
    ax.set_xlabel("number of reports (denominator)")
    ax.set_ylabel("rate (%)")
    ax.set_ylim(0, _top(f))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
