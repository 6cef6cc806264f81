"""Where to act: target areas significantly below the benchmark, ranked by people missed."""

from __future__ import annotations

from datetime import date

import streamlit as st

from equity import cache, charts, config, options, where_to_act

catalog = cache.run("indicator_catalog").set_index("indicator_id")
count_indicators = catalog[catalog["value_type"] == "count"].index.tolist()

st.title("Where to act")
st.caption(
    "Areas significantly below the benchmark (benchmark outside the area's 95% CI), "
    "ranked by people missed (eligible minus reached). Core20 = most deprived national "
    "IMD 2025 quintile."
)

controls = st.columns(4)
indicator_id = controls[0].selectbox(
    "Indicator",
    count_indicators,
    index=count_indicators.index("covid_first_dose"),
    format_func=lambda i: catalog.loc[i, "short_label"],
    key="indicator",
)
indicator = catalog.loc[indicator_id]
breakdowns = cache.run("indicator_breakdowns", indicator_id=indicator_id)
levels = [lv for lv in ("msoa", "ward", "lsoa", "practice") if lv in set(breakdowns["area_type"])]
level = controls[1].selectbox("Areas", levels, format_func=options.LEVEL_LABELS.get, key="level")
choices = options.breakdown_choices(breakdowns, level)
period = controls[2].selectbox(
    "Period ending",
    choices["periods"],
    index=options.default_index(choices["periods"], indicator["default_period_end"]),
    format_func=date.isoformat,
    key="period",
)
la_names = cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
    "area_name"
]
within = controls[3].selectbox(
    "Within",
    ["all", *la_names.index],
    index=1 + list(la_names.index).index(config.CITY_CODE),
    format_func=lambda c: "All of LLR" if c == "all" else la_names[c],
    key="within",
)
groups = st.columns(4)
default_age = indicator["default_age_band"]
age_band = groups[0].selectbox(
    "Age band",
    choices["age_bands"],
    index=choices["age_bands"].index(default_age) if default_age in choices["age_bands"] else 0,
    key="age_band",
)
sex = groups[1].selectbox("Sex", choices["sexes"], key="sex")
ethnic_group = groups[2].selectbox("Ethnic group", choices["ethnic_groups"], key="ethnic_group")
benchmark_options = ([] if within == "all" else [within]) + [config.LLR_CODE]
benchmark = groups[3].selectbox(
    "Benchmark",
    benchmark_options,
    format_func=lambda c: "LLR" if c == config.LLR_CODE else la_names.get(c, c),
    key="benchmark",
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

for badge in summary.badges:
    st.warning(f"⚠ {badge}")
st.subheader(summary.sentence)
metrics = st.columns(3)
metrics[0].metric("Benchmark", summary.benchmark_text)
metrics[1].metric("Areas significantly worse", summary.worse_count)
metrics[2].metric("People missed in those areas", summary.missed_text)

worse = ranked[ranked["rag"] == "worse"]
st.altair_chart(
    charts.ranked_bars(
        worse if not worse.empty else ranked,
        title=summary.chart_title,
        unit=indicator["unit"],
        benchmark_value=summary.benchmark_value,
        benchmark_label=summary.benchmark_text,
        badges=summary.badges,
    ),
    width="stretch",
)
st.dataframe(
    where_to_act.display_table(ranked, indicator["unit"]),
    hide_index=True,
    width="stretch",
)
st.download_button(
    "Download this table (CSV)",
    where_to_act.csv_bytes(ranked, summary.badges),
    file_name=f"where_to_act_{indicator_id}_{level}_{period.isoformat()}.csv",
    mime="text/csv",
)
st.caption(f"Source: {indicator['source']}. Licence: {indicator['licence']}. {indicator['caveat']}")
