"""Where to act: target areas significantly below the benchmark, ranked by people missed."""

from __future__ import annotations

import streamlit as st

from equity import cache, charts, where_to_act
from ui import controls, layout, state

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
count_indicators = catalog[catalog["value_type"] == "count"].index.tolist()

st.title("Where to act")
notices = st.container()  # filled after the widgets, which add notices as they read the URL
panel = layout.controls(presenting)
with panel:
    view, indicator = controls.view_controls(catalog, count_indicators)
indicator_id, level, period = view.indicator_id, view.level, view.on_or_before
with notices:
    state.show_notices()
params = view.query_params(where_to_act.benchmark_type(view.benchmark_code, level))
frame = cache.run("area_values_with_benchmark", **params)
ranked = where_to_act.rank_targets(frame, indicator["polarity"], only_worse=False)
summary = where_to_act.headline(ranked, indicator, view)

layout.badges(summary.badges)
st.subheader(summary.sentence)
if not presenting:
    st.caption(
        "Areas significantly below the benchmark (benchmark outside the area's 95% CI), "
        "ranked by people missed (eligible minus reached). Core20 = most deprived national "
        "IMD 2025 quintile."
    )
metrics = st.columns(3)
metrics[0].metric("Benchmark", summary.benchmark_text)
metrics[1].metric("Areas significantly worse", summary.worse_count)
metrics[2].metric("People missed in those areas", summary.missed_text)

worse = ranked[ranked["rag"] == "worse"]
layout.chart(
    charts.ranked_bars(
        worse if not worse.empty else ranked,
        title=summary.chart_title,
        unit=indicator["unit"],
        benchmark_value=summary.benchmark_value,
        benchmark_label=summary.benchmark_text,
        badges=summary.badges,
    ),
    name=f"where_to_act_{indicator_id}",
    presenting=presenting,
)
layout.table(
    where_to_act.display_table(ranked, indicator["unit"]),
    where_to_act.download_frame(ranked),
    name=f"where_to_act_{indicator_id}_{level}_{period.isoformat()}",
    badge_list=summary.badges,
)
layout.source_note(indicator)
