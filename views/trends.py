"""Trends & interventions: a series for an area and group against comparisons, with
interventions marked and before/after differences with 95% CIs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from equity import labels, trends
from ui import cache, controls, judging, layout, state

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")


count_indicators = [
    i
    for i in catalog[catalog["value_type"] == "count"].index
    if len(cache.indicator_periods(i)) >= 2
]

st.title("Trends & interventions")
notice_area = st.container()  # filled last: widgets add notices as they read the URL
with layout.controls(presenting):
    top = st.columns(3)
    indicator_id, indicator = controls.indicator_select(
        top[0], catalog, count_indicators, trends.STORY_INDICATOR
    )
    is_story = indicator_id == trends.STORY_INDICATOR
    indicator_levels = cache.indicator_levels(indicator_id)
    levels = [lv for lv in trends.TREND_LEVELS if lv in indicator_levels]
    level = state.selectbox(
        top[1], "Area level", levels, key="level", format_func=trends.TREND_LEVELS.get
    )
    areas = cache.run("areas_with_indicator", indicator_id=indicator_id, area_type=level)
    area_names = areas.set_index("area_code")["area_name"]
    area = state.selectbox(
        top[2],
        "Area",
        area_names.index.tolist(),
        key="area",
        default=trends.DEFAULT_AREAS.get(level),
        format_func=lambda c: area_names.get(c, c),
    )
    choices = cache.breakdown_choices(indicator_id, level)
    groups = st.columns(3)
    story = trends.STORY_GROUP if is_story else {}
    age_band = state.selectbox(
        groups[0],
        "Age band",
        choices["age_bands"],
        key="age_band",
        default=story.get("age_band", indicator["default_age_band"]),
    )
    sex = state.selectbox(
        groups[1],
        "Sex",
        choices["sexes"],
        key="sex",
        default=story.get("sex", indicator["default_sex"]),
    )
    ethnic_group = state.selectbox(
        groups[2],
        "Ethnic group",
        choices["ethnic_groups"],
        key="ethnic_group",
        default=story.get("ethnic_group", "All"),
    )

    # Comparisons: everyone in the same area, or the same group in other areas.
    comparison_names = {trends.EVERYONE: "Everyone of this age and sex, same area"}
    for comparison_level in trends.COMPARISON_LEVELS:
        if comparison_level not in indicator_levels:
            continue
        found = cache.run(
            "areas_with_indicator", indicator_id=indicator_id, area_type=comparison_level
        )
        for code, name in zip(found["area_code"].tolist(), found["area_name"].tolist()):
            if (comparison_level, code) != (level, area):
                key = trends.comparison_key(comparison_level, code)
                comparison_names[key] = trends.comparison_label(comparison_level, name)
    compare = state.multiselect(
        st,
        "Compare with",
        list(comparison_names),
        key="compare",
        default=trends.default_comparisons(comparison_names, is_story),
        format_func=comparison_names.get,
    )

    periods = cache.indicator_periods(indicator_id)
    defaults = trends.default_dates(periods, indicator_id)
    marks = st.columns(4)
    chosen_dates = [
        state.selectbox(
            marks[i],
            label,
            periods,
            key=key,
            default=defaults[min(i, len(defaults) - 1)],
            format_func=date.isoformat,
        )
        for i, (label, key) in enumerate(
            [("Before", "before"), ("After", "after"), ("Follow-up", "later")]
        )
    ]
    hide_builtin = state.toggle(marks[3], "Hide the built-in pop-up clinic", key="hide_popup")
    events_text = state.text_area(
        st,
        "Other interventions (one per line: date or date..date; place; group; label)",
        key="events",
        help="e.g. 2021-05-04; Spinney Hills; Somali 50+; Mosque open day",
    )

interventions, problems = trends.parse_interventions(events_text)
for problem in problems:
    state.add_notice(problem)
if not hide_builtin:
    interventions = trends.built_in_interventions() + interventions
with notice_area:
    state.show_notices()


def series_for(code: str, area_type: str, group: str) -> pd.DataFrame:
    return cache.run(
        "series_for_area_and_group",
        indicator_id=indicator_id,
        area_code=code,
        area_type=area_type,
        sex=sex,
        age_band=age_band,
        ethnic_group=group,
    )


who = labels.group_phrase(age_band, sex, ethnic_group)
place = area_names.get(area, area)
main = series_for(area, level, ethnic_group)
named = [(f"{who[0].upper()}{who[1:]}, {place}", main)]
for key in compare:
    if key == trends.EVERYONE:
        if ethnic_group != "All":
            everyone = labels.group_phrase(age_band, sex, "All")
            named.append(
                (f"{everyone[0].upper()}{everyone[1:]}, {place}", series_for(area, level, "All"))
            )
        continue
    comparison_type, code = trends.parse_comparison(key)
    name = comparison_names[key].rsplit(" (", 1)[0]
    named.append(
        (f"{who[0].upper()}{who[1:]}, {name}", series_for(code, comparison_type, ethnic_group))
    )

combined = trends.combine_series(named)
badges = labels.data_badges(
    bool(combined["is_synthetic"].any()) or bool(indicator["is_synthetic"]),
    bool(combined["is_modelled"].any()) or bool(indicator["is_modelled"]),
)
headline = trends.trend_headline(trends.suppressed_series(main), chosen_dates, who, place)

layout.badges(badges)
layout.headline(headline, presenting)
if len(periods) < 5:
    st.info(
        f"{indicator['short_label']} has only {len(periods)} releases "
        f"({', '.join(p.isoformat() for p in periods)}), so this is not a weekly series: "
        "the lines join the releases. "
        + (
            "The later release covers Leicester city only. "
            if indicator_id == "covid_first_dose"
            else ""
        )
        + "The synthetic demo extract has the weekly series."
    )
if main.empty:
    st.info(f"No figures for {who} in {place}.")
else:
    series, series_drawn = cache.built_chart(
        trends.series_chart,
        presenting,
        combined,
        title=headline,
        badges=badges,
        interventions=interventions,
        marked_dates=chosen_dates,
    )
    layout.chart(
        series,
        spec_dict=series_drawn,
        name=f"trend_{indicator_id}_{area}",
        presenting=presenting,
        how_to_read="trend",
    )
    st.markdown("**Before and after**")
    before_after = trends.before_after_all(named, chosen_dates)
    layout.table(
        trends.before_after_display(before_after),
        before_after,
        name=f"before_after_{indicator_id}_{area}",
        badge_list=badges,
    )
    if not presenting:
        st.caption(trends.NEWCOMBE_METHOD)
        with st.expander("The weekly figures"):
            download = trends.series_download(combined)
            layout.table(download, download, f"trend_{indicator_id}_{area}", badges)
    judging.recent_trend_badge(main, indicator["polarity"])
    judging.difference_in_differences(named, chosen_dates, badges, f"trend_{indicator_id}_{area}")
if interventions and not presenting:
    st.caption(
        "Interventions: "
        + "; ".join(
            f"{i.start.isoformat()}{'–' + i.end.isoformat() if i.end else ''} {i.label}"
            + (f" ({i.group})" if i.group else "")
            for i in interventions
        )
    )
layout.source_note(indicator)
