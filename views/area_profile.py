"""Area profile: one area against its local authority and LLR on every indicator."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from equity import profile
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
    section = cache.profile_section(
        place, la_name, indicator_id, period, age_band, sex, ethnic_group, presenting
    )
    judging.recent_trend_badge(section.place_series, indicator["polarity"])
    if section.trend is not None:
        trend_chart, trend_drawn = section.trend
        layout.chart(
            trend_chart,
            spec_dict=trend_drawn,
            name=f"profile_trend_{place.code}_{indicator_id}",
            presenting=presenting,
        )
    else:
        st.caption(f"{indicator['short_label']} has one period here, so there is no trend.")
    labels_of_tabs = [profile.BREAKDOWN_DIMENSIONS[b.dimension] for b in section.breakdowns]
    tabs = st.tabs(labels_of_tabs) if labels_of_tabs else []  # st.tabs refuses none
    for tab, breakdown in zip(tabs, section.breakdowns):
        with tab:
            chart, drawn = breakdown.chart
            layout.chart(
                chart,
                spec_dict=drawn,
                name=f"profile_{breakdown.dimension}_{place.code}_{indicator_id}",
                presenting=presenting,
            )
            if not presenting:
                layout.table(
                    breakdown.display,
                    breakdown.download,
                    name=f"profile_{breakdown.dimension}_{place.code}_{indicator_id}"
                    f"_{period.isoformat()}",
                    badge_list=section.badges,
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
