"""Area profile: one area against its local authority and LLR on every indicator."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from equity import labels, profile
from ui import cache, judging, layout, state

DEFAULT_AREA = "E02002844"  # St Matthews & Highfields North: the reference story

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
picker = cache.area_picker()

notices = st.container()
with layout.controls(presenting):
    area_code = state.selectbox(
        st,
        "Area (type a name or code)",
        picker.codes,
        key="area",
        default=DEFAULT_AREA,
        format_func=picker.labels.get,
    )
place = picker.place(area_code)
la_name = picker.la_names.get(place.la_code, "its local authority") if place.la_code else "LLR"

# Every indicator published for this type of area, at the catalog's default group.
spine_of_place = cache.area_spine(place)
spine, page_badges = spine_of_place.frame, spine_of_place.badges

st.title(f"{place.name}")
st.caption(
    f"{profile.AREA_TYPE_LABELS[place.area_type][:1].upper()}"
    f"{profile.AREA_TYPE_LABELS[place.area_type][1:]} {place.code}"
    + (f" in {la_name}" if place.la_code else "")
)
layout.badges(page_badges)
layout.headline(profile.profile_headline(spine, place.name, la_name), presenting)

if spine.empty:
    st.info("No indicator is published for this type of area; try its ward or MSOA.")
else:
    spine_chart, spine_drawn = cache.built_chart(
        profile.spine_chart,
        presenting,
        spine,
        area_name=place.name,
        la_name=la_name,
        title=f"{place.name} against {la_name} and LLR on {len(spine)} indicators",
        badges=page_badges,
    )
    layout.chart(
        spine_chart,
        spec_dict=spine_drawn,
        name=f"profile_spine_{place.code}",
        presenting=presenting,
        how_to_read="spine",
    )
    if not presenting:
        layout.table(
            profile.spine_table(spine, place.name, la_name),
            profile.spine_download(spine),
            name=f"profile_{place.code}",
            badge_list=page_badges,
        )


# Trends and breakdowns for one indicator at a time: a fragment, so changing its indicator,
# period or group reruns this section only, not the spine and practices around it. Its
# widgets add URL notices only on a session's first run, which is a full run, and the page's
# notices container (outside the fragment, so out of its reach) shows them at the end.
@st.fragment
def trends_and_breakdowns(
    place: profile.Place,
    la_name: str,
    catalog: pd.DataFrame,
    shown: list[str],
    default_groups: dict[str, dict],
    presenting: bool,
) -> None:
    st.header("Trends and breakdowns")
    with layout.controls(presenting):
        picks = st.columns(4)
        indicator_id = state.selectbox(
            picks[0],
            "Indicator",
            shown,
            key="indicator",
            default="covid_first_dose_demo" if "covid_first_dose_demo" in shown else shown[0],
            format_func=lambda i: (
                catalog.loc[i, "short_label"]
                + (
                    " (synthetic)"
                    if catalog.loc[i, "is_synthetic"]
                    and "synthetic" not in catalog.loc[i, "short_label"].lower()
                    else ""
                )
            ),
        )
        indicator = catalog.loc[indicator_id]
        default = default_groups[indicator_id]
        at_level = cache.breakdown_choices(indicator_id, place.area_type)
        period = state.selectbox(
            picks[1],
            "Period ending",
            at_level["periods"],
            key="period",
            default=default["on_or_before"],
            format_func=date.isoformat,
        )
        age_band = state.selectbox(
            picks[2], "Age band", at_level["age_bands"], key="age_band", default=default["age_band"]
        )
        sex = state.selectbox(picks[3], "Sex", at_level["sexes"], key="sex", default=default["sex"])
        ethnic_group = state.selectbox(
            st, "Ethnic group", at_level["ethnic_groups"], key="ethnic_group"
        )
    names = {place.area_type: place.name, "la": la_name, "region": "LLR"}
    place_order = list(dict.fromkeys([place.name, la_name, "LLR"]))
    who = labels.group_phrase(age_band, sex, ethnic_group)
    series = cache.run(
        "area_indicator_series",
        indicator_id=indicator_id,
        area_code=place.code,
        area_type=place.area_type,
        la_code=place.la_code,
        sex=sex,
        age_band=age_band,
        ethnic_group=ethnic_group,
    )
    badges = labels.data_badges(
        bool(indicator["is_synthetic"]) or bool(series["is_synthetic"].any()),
        bool(indicator["is_modelled"]) or bool(series["is_modelled"].any()),
    )
    judging.recent_trend_badge(series[series["area_code"] == place.code], indicator["polarity"])
    if series["period_end"].nunique() > 1:
        trend = profile.series_frame(series, names)
        trend_chart, trend_drawn = cache.built_chart(
            profile.trend_chart,
            presenting,
            trend,
            title=f"{indicator['short_label']}, {who}: {place.name}, {la_name} and LLR",
            unit=indicator["unit"],
            badges=badges,
            order=place_order,
        )
        layout.chart(
            trend_chart,
            spec_dict=trend_drawn,
            name=f"profile_trend_{place.code}_{indicator_id}",
            presenting=presenting,
        )
    else:
        st.caption(f"{indicator['short_label']} has one period here, so there is no trend.")

    groups = cache.run(
        "area_indicator_groups",
        indicator_id=indicator_id,
        on_or_before=period,
        area_code=place.code,
        area_type=place.area_type,
        la_code=place.la_code,
    )
    if indicator["value_type"] == "count" and not groups.empty:
        dimensions = [d for d in profile.BREAKDOWN_DIMENSIONS if groups[d].nunique() > 1]
        tabs = st.tabs([profile.BREAKDOWN_DIMENSIONS[d] for d in dimensions]) if dimensions else []
        for tab, dimension in zip(tabs, dimensions):
            with tab:
                band = "All" if dimension == "age_band" else age_band
                sums = cache.run(
                    "area_breakdown_by_group",
                    indicator_id=indicator_id,
                    on_or_before=period,
                    area_code=place.code,
                    area_type=place.area_type,
                    la_code=place.la_code,
                    dimension=dimension,
                    age_band=band,
                )
                table = profile.breakdown(sums, dimension)
                label = profile.BREAKDOWN_DIMENSIONS[dimension].lower()
                breakdown_chart, breakdown_drawn = cache.built_chart(
                    profile.breakdown_chart,
                    presenting,
                    table,
                    dimension,
                    names=names,
                    title=f"{indicator['short_label']} by {label}"
                    + (f", aged {band}" if band != "All" else "")
                    + f": {place.name} vs {la_name}, {period.isoformat()}",
                    badges=badges,
                    order=place_order,
                )
                layout.chart(
                    breakdown_chart,
                    spec_dict=breakdown_drawn,
                    name=f"profile_{dimension}_{place.code}_{indicator_id}",
                    presenting=presenting,
                )
                if not presenting:
                    layout.table(
                        profile.breakdown_display(table, dimension, names, indicator["unit"]),
                        table.drop(columns="suppressed"),
                        name=f"profile_{dimension}_{place.code}_{indicator_id}_{period.isoformat()}",
                        badge_list=badges,
                    )


if not spine.empty:
    trends_and_breakdowns(
        place,
        la_name,
        catalog,
        spine["indicator_id"].tolist(),
        spine_of_place.default_groups,
        presenting,
    )

# GP practices in or near the area, with their practice-level figures.
st.header(f"GP practices within {profile.NEARBY_RADIUS_KM:g} km")
practice_table = cache.nearby_practice_table(place)
if practice_table is None:
    st.caption(
        "No practice within this distance of the area's centre (or its location is unknown)."
    )
else:
    display, download, practice_badges = practice_table
    layout.badges(practice_badges)
    layout.table(display, download, name=f"practices_near_{place.code}", badge_list=practice_badges)

with notices:
    state.show_notices()  # after the widgets, so this run's URL problems show at once
