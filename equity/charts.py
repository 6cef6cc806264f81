"""Altair chart specs (pure: data in, chart out).

altair is imported where a chart is built, not at module top: it takes about 0.25 s, and
the Map page sends its map (the slow part of its first paint) before it draws a chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from equity import labels, palette

if TYPE_CHECKING:
    import altair as alt


# The page's font (Streamlit's "sans serif" theme font), which the Streamlit theme gives
# chart titles; without that theme they would fall back to the browser's sans-serif.
APP_FONT = '"Source Sans", sans-serif'


def for_projector(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Bigger chart text for presenter mode: a projector needs more than the page's CSS can
    reach (charts are SVG or canvas). Drawn without the Streamlit theme, which would put its
    own, smaller sizes back; so titles are set here as that theme sets them: in the page's
    font, from the chart's left edge (centred over the plot, a long title runs off the edge
    of a chart with wide axis labels)."""
    chart = _configured(chart, "axis", labelFontSize=16, titleFontSize=16, labelLimit=400)
    chart = _configured(
        chart,
        "title",
        fontSize=24,
        subtitleFontSize=16,
        anchor="start",
        font=APP_FONT,
        subtitleFont=APP_FONT,
    )
    return _configured(
        chart, "legend", labelFontSize=15, titleFontSize=15, titleLimit=0, labelLimit=0
    )


def _configured(chart: alt.TopLevelMixin, part: str, **settings) -> alt.TopLevelMixin:
    """chart.configure_<part>(**settings), keeping what the chart itself set for that part
    (altair's configure_* replaces it: the spine's legend would leave the bottom)."""
    import altair as alt

    own = alt.Undefined if chart.config is alt.Undefined else chart.config[part]
    own = {} if own is alt.Undefined else own.to_dict(validate=False)
    return getattr(chart, f"configure_{part}")(**{**own, **settings})


def ranked_bars(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    benchmark_value: float | None,
    benchmark_label: str,
    badges: list[str],
    max_rows: int = 25,
    legend_below: bool = False,
) -> alt.Chart:
    """Horizontal bars of value with 95% CI whiskers, coloured by comparison, benchmark rule."""
    import altair as alt

    # Only what the chart draws goes to the browser: no benchmark or raw counts ride along.
    shown = ["area_name", "value", "lower_ci", "upper_ci", "comparison", "rag"]
    shown += ["people_missed", "people_affected"]
    data = frame.head(max_rows)[[c for c in shown if c in frame.columns]].copy()
    data["value_label"] = [labels.format_value(v, unit) for v in data["value"]]
    colours = palette.comparison_colours(data["rag"])
    order = data["area_name"].tolist()
    axis_title = "%" if unit == "percent" else unit
    base = alt.Chart(data).encode(
        y=alt.Y("area_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
    )
    tooltip = [
        alt.Tooltip("area_name:N", title="Area"),
        alt.Tooltip("value_label:N", title="Value"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
        alt.Tooltip("comparison:N", title="vs benchmark"),
    ]
    # (named `heading`, not `title`: that is the chart's title, drawn below)
    for column, heading in (("people_missed", "People missed"), ("people_affected", "People")):
        if column in data and data[column].notna().any():
            tooltip.append(alt.Tooltip(f"{column}:Q", title=heading, format=",.0f"))
    if badges:
        data["data_note"] = " / ".join(badges)
        tooltip.append(alt.Tooltip("data_note:N", title="Data"))
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=axis_title),
        color=alt.Color(
            "rag:N",
            title="Compared with benchmark",
            legend=alt.Legend(titleLimit=0),
            scale=alt.Scale(domain=list(colours), range=list(colours.values())),
        ),
        tooltip=tooltip,
    )
    whiskers = base.mark_rule(color="#222").encode(x=alt.X("lower_ci:Q"), x2=alt.X2("upper_ci:Q"))
    layers = [bars, whiskers]
    if benchmark_value is not None and pd.notna(benchmark_value):
        rule = (
            alt.Chart(pd.DataFrame({"benchmark": [benchmark_value], "label": [benchmark_label]}))
            .mark_rule(color="#000", strokeDash=[6, 3], size=2)
            .encode(x=alt.X("benchmark:Q"), tooltip=[alt.Tooltip("label:N", title="Benchmark")])
        )
        layers.append(rule)
    chart = alt.layer(*layers).properties(
        title=alt.TitleParams(
            title,
            subtitle=labels.chart_subtitle(badges, "Bars: value; lines: 95% CI; dashed: benchmark"),
        ),
        height=alt.Step(22),
    )
    return chart.configure_legend(orient="bottom") if legend_below else chart
