"""Where to act: target areas significantly below the benchmark, ranked by people missed."""

from __future__ import annotations

import streamlit as st

from equity import config, labels, maps, where_to_act
from equity.schema import HIGHER_IS_BETTER
from ui import cache, controls, judging, layout, state

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
count_indicators = catalog[catalog["value_type"] == "count"].index.tolist()

st.title("Where to act")
notices = st.container()  # filled after the widgets, which add notices as they read the URL
panel = layout.controls(presenting)
with panel:
    selection, indicator = controls.selection_controls(catalog, count_indicators)
indicator_id, level, period = selection.indicator_id, selection.level, selection.on_or_before
with notices:
    state.show_notices()
view = cache.targets_view(selection, presenting)
frame, ranked, worse, summary = view.frame, view.ranked, view.worse, view.summary

layout.badges(summary.badges)
layout.headline(summary.sentence, presenting)
if not presenting:
    st.caption(where_to_act.method_note(indicator["polarity"]))
metrics = st.columns(3)
metrics[0].metric("Benchmark", summary.benchmark_text)
metrics[1].metric(summary.count_label, summary.worse_count)
metrics[2].metric(summary.people_label, summary.missed_text)

# Side by side on a screen; one under the other when presenting (bigger text, less width).
bars_column, map_column = st.columns([3, 2]) if not presenting else (st.container(), st.container())
with bars_column:
    bars, bars_drawn = view.bars
    layout.chart(
        bars,
        spec_dict=bars_drawn,
        name=f"where_to_act_{indicator_id}",
        presenting=presenting,
        how_to_read="ranked bars",
    )
with map_column:
    # The city's areas, the targets outlined and named; a click opens the area's profile.
    if view.city_map is not None:
        layout.map_labels_pass_clicks()
        with st.container(key="map"):
            city_map, city_map_drawn = view.city_map
            event = layout.chart(
                city_map,
                spec_dict=city_map_drawn,
                name=f"where_to_act_map_{indicator_id}_{level}",
                presenting=presenting,
                how_to_read="targets map",
                selection={
                    "on_select": "rerun",
                    "key": "targets_map",
                    "selection_mode": maps.MAP_SELECTION,
                },
            )
        clicked = maps.selected_area_code(event.selection if event else None)
        if clicked and st.session_state.get("_targets_map_opened") != clicked:
            st.session_state["_targets_map_opened"] = clicked  # returning must not bounce back
            st.session_state["area"] = clicked
            present = {layout.PRESENT_KEY: "1"} if presenting else {}
            st.switch_page("views/area_profile.py", query_params={"area": clicked, **present})
        if clicked is None:
            st.session_state.pop("_targets_map_opened", None)
layout.table(
    view.table,
    view.download,
    name=f"where_to_act_{indicator_id}_{level}_{period.isoformat()}",
    badge_list=summary.badges,
)
layout.source_note(indicator)

# "Who was missed" counts people not reached: it only means something for uptake-like
# (higher-is-better) indicators.
worse_codes = worse["area_code"].tolist() if indicator["polarity"] == HIGHER_IS_BETTER else []
if worse_codes:
    st.header("Who was missed, and where to act")
    names = dict(zip(ranked["area_code"], ranked["area_name"]))
    chosen = state.selectbox(
        st, "Look inside", worse_codes, key="missed_area", format_func=names.get
    )
    columns = st.columns(2)
    breakdown_params = dict(
        on_or_before=period,
        area_code=chosen,
        area_type=level,
        la_code=selection.la_code or config.CITY_CODE,
        age_band=selection.age_band,
    )
    by_age = cache.missed_by_group(
        indicator_id=indicator_id, dimension="age_band", **breakdown_params
    )
    with columns[0]:
        if by_age.empty:
            st.caption("No age breakdown is published for this indicator.")
        else:
            by_age_chart, by_age_drawn = cache.built_chart(
                where_to_act.missed_chart,
                presenting,
                by_age,
                "age_band",
                f"{names[chosen]}: not reached, by age",
                labels.data_badges(
                    bool(by_age["is_synthetic"].any()), bool(by_age["is_modelled"].any())
                ),
            )
            layout.chart(
                by_age_chart,
                spec_dict=by_age_drawn,
                name=f"missed_by_age_{chosen}",
                presenting=presenting,
            )
    twin = where_to_act.DEMO_TWIN.get(indicator_id)
    with columns[1]:
        if twin:
            by_group = cache.missed_by_group(
                indicator_id=twin, dimension="ethnic_group", **breakdown_params
            )
            if by_group.empty:
                st.caption("The demo extract has no ethnic breakdown for this area.")
            else:
                by_group_chart, by_group_drawn = cache.built_chart(
                    where_to_act.missed_chart,
                    presenting,
                    by_group,
                    "ethnic_group",
                    f"{names[chosen]}: not reached, by ethnic group ({selection.age_band})",
                    [labels.SYNTHETIC_BADGE],
                )
                layout.chart(
                    by_group_chart,
                    spec_dict=by_group_drawn,
                    name=f"missed_by_ethnic_group_{chosen}",
                    presenting=presenting,
                )
        else:
            st.caption("No ethnic breakdown exists for this indicator.")
    links = st.columns(3)
    links[0].page_link(
        "views/area_profile.py",
        label=f"Profile of {names[chosen]}",
        icon=":material/location_on:",
        query_params={"area": chosen},
    )
    planner_params = {
        "indicator": twin or indicator_id,
        "age_band": selection.age_band,
        "within": selection.la_code or "all",
    }
    if twin:
        planner_params["ethnic_group"] = "Somali"
    links[1].page_link(
        "views/planner.py",
        label="Plan pop-up clinics for the people missed",
        icon=":material/local_hospital:",
        query_params=planner_params,
    )
    links[2].page_link(
        "views/trends.py",
        label="Trends and the St Matthews pop-up clinic",
        icon=":material/trending_up:",
    )

judging.rank_certainty(
    selection, frame, ranked, indicator["polarity"], f"where_to_act_{indicator_id}"
)
judging.potential_for_improvement(
    selection, frame, indicator["polarity"], summary.benchmark_value, summary.badges
)
