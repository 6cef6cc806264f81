"""Where to act: target areas significantly below the benchmark, ranked by people missed."""

from __future__ import annotations

from datetime import date

import streamlit as st

from equity import cache, charts, config, options, where_to_act
from ui import layout, state

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
count_indicators = catalog[catalog["value_type"] == "count"].index.tolist()
la_names = cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
    "area_name"
]

st.title("Where to act")
state.show_notices()
panel = layout.controls(presenting)
with panel:
    top = st.columns(4)
    indicator_id = state.selectbox(
        top[0],
        "Indicator",
        count_indicators,
        key="indicator",
        default="covid_first_dose",
        format_func=lambda i: catalog.loc[i, "short_label"],
    )
    indicator = catalog.loc[indicator_id]
    breakdowns = cache.run("indicator_breakdowns", indicator_id=indicator_id)
    levels = [
        lv for lv in ("msoa", "ward", "lsoa", "practice") if lv in set(breakdowns["area_type"])
    ]
    level = state.selectbox(
        top[1], "Areas", levels, key="level", format_func=options.LEVEL_LABELS.get
    )
    choices = options.breakdown_choices(breakdowns, level)
    periods = choices["periods"]
    period = state.selectbox(
        top[2],
        "Period ending",
        periods,
        key="period",
        default=periods[options.default_index(periods, indicator["default_period_end"])],
        format_func=date.isoformat,
    )
    within = state.selectbox(
        top[3],
        "Within",
        ["all", *la_names.index],
        key="within",
        default=config.CITY_CODE,
        format_func=lambda c: "All of LLR" if c == "all" else la_names[c],
    )
    groups = st.columns(4)
    age_band = state.selectbox(
        groups[0],
        "Age band",
        choices["age_bands"],
        key="age_band",
        default=indicator["default_age_band"],
    )
    sex = state.selectbox(
        groups[1], "Sex", choices["sexes"], key="sex", default=indicator["default_sex"]
    )
    ethnic_group = state.selectbox(
        groups[2], "Ethnic group", choices["ethnic_groups"], key="ethnic_group"
    )
    benchmark = state.selectbox(
        groups[3],
        "Benchmark",
        ([] if within == "all" else [within]) + [config.LLR_CODE],
        key="benchmark",
        format_func=lambda c: "LLR" if c == config.LLR_CODE else la_names.get(c, c),
    )

view = where_to_act.View(
    indicator_id=indicator_id,
    on_or_before=period,
    level=level,
    la_code=None if within == "all" else within,
    sex=sex,
    age_band=age_band,
    ethnic_group=ethnic_group,
    benchmark_code=benchmark,
)
params = view.query_params(where_to_act.benchmark_type(benchmark, level))
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
