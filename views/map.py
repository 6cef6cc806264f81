"""Map: a choropleth of any indicator by ward, MSOA or LSOA (or practices as points)."""

from __future__ import annotations

import streamlit as st

from equity import charts, labels, maps, targets
from ui import cache, controls, help, layout, state

PROFILE_PAGE = "views/area_profile.py"
CLICK_MARKER = "_map_opened_area"

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")

st.title("Map")
cache.require_boundaries()
notices = st.container()
with layout.controls(presenting):
    selection, indicator = controls.selection_controls(
        catalog, catalog.index.tolist(), any_area_benchmark=True
    )
    look = st.columns(4)
    colour_by = state.selectbox(
        look[0],
        "Colour by",
        list(maps.COLOUR_MODES),
        key="colour",
        format_func=maps.COLOUR_MODES.get,
    )
    scheme = state.selectbox(
        look[1], "Classes", list(maps.SCHEMES), key="scheme", format_func=maps.SCHEMES.get
    )
    look[2].write("")
    basemap = state.toggle(look[2], "Basemap (needs internet)", key="basemap")

with notices:
    state.show_notices()  # after the widgets, so this run's URL problems show at once

indicator_id, level, period = selection.indicator_id, selection.level, selection.on_or_before
view = cache.map_view(selection, colour_by, scheme, presenting, basemap)
ranked, badges, polarity, unit = view.ranked, view.badges, indicator["polarity"], indicator["unit"]

# Badges and the headline sit above the map but are sent after it: the map is the slow
# part of the first paint, so the browser gets it first.
summary = st.container()
if ranked.empty:
    with summary:
        layout.badges(badges)
        layout.headline(view.title, presenting)
    st.info("No figures for this choice of areas, period and group. Try another period or level.")
    st.stop()

# The map is the page's hero: full width, the ranked chart below it.
map_column, bars_column = st.container(), st.container()
with map_column, st.container(key="map"):
    if basemap:  # tiles need pydeck (WebGL); without them the lighter Vega map is drawn
        event = st.pydeck_chart(
            view.deck,
            on_select="rerun",
            selection_mode="single-object",
            key="map_selection",
            height=view.map_height,
        )
    else:
        layout.map_labels_pass_clicks()
        event = layout.chart(
            view.chart,
            name=f"map_{indicator_id}_{level}_{period.isoformat()}",
            presenting=presenting,
            how_to_read="map",
            selection={
                "on_select": "rerun",
                "key": "map_vega",
                "selection_mode": maps.MAP_SELECTION,
            },
            spec_dict=view.spec,
        )
with map_column:
    if basemap:  # the pydeck map has no legend of its own; the Vega map carries it inside
        note = maps.value_colour_note(polarity) if colour_by == "value" else ""
        note += " " + " / ".join(badges) if badges else ""
        st.markdown(
            maps.legend_html(view.legend_title, view.legend_entries, note.strip()),
            unsafe_allow_html=True,
        )
    if basemap:
        layout.chart_as_table(
            view.coloured[["area_name", *maps.TOOLTIP_FIELDS[1:]]], key=f"map_{indicator_id}-table"
        )
        help.how_to_read("map")
    if not presenting:
        st.caption("Click an area to open its profile. Labels: the most extreme areas.")

with summary:
    layout.badges(badges)
    layout.headline(view.title, presenting)

clicked = maps.selected_area_code(event.selection if event else None)
if clicked is None:
    st.session_state.pop(CLICK_MARKER, None)
elif st.session_state.get(CLICK_MARKER) != clicked:
    # Remember the click so returning to this page does not bounce straight back.
    st.session_state[CLICK_MARKER] = clicked
    st.session_state["area"] = clicked
    target = {"area": clicked, **({layout.PRESENT_KEY: "1"} if presenting else {})}
    st.switch_page(PROFILE_PAGE, query_params=target)

with bars_column:
    ordered = maps.worst_first(ranked, polarity)
    shown = min(len(ordered), 25)
    bars, bars_drawn = cache.built_chart(
        charts.ranked_bars,
        presenting,
        ordered,
        title=f"{shown} {'lowest' if polarity == 'higher_is_better' else 'highest'}"
        f" of {len(ordered)}: {indicator['short_label']}, {view.who}",
        unit=unit,
        benchmark_value=view.benchmark_value,
        benchmark_label=f"{view.benchmark_name}: {labels.format_value(view.benchmark_value, unit)}",
        badges=badges,
        max_rows=25,
        legend_below=True,
    )
    layout.chart(
        bars,
        spec_dict=bars_drawn,
        name=f"map_ranking_{indicator_id}_{level}",
        presenting=presenting,
        how_to_read="ranked bars",
    )

if not presenting:
    # Made when opened (a rerun): its data grid was part of the first paint's cost.
    more = st.expander(
        "Open an area's profile, or download the map's data", key="map_more", on_change="rerun"
    )
    with more:
        if more.open:
            pick = st.selectbox(
                "Area",
                ordered["area_code"].tolist(),
                format_func=dict(zip(ordered["area_code"], ordered["area_name"])).get,
                key="map_profile_pick",
            )
            if st.button("Open profile", key="map_open_profile"):
                st.session_state["area"] = pick
                st.switch_page(PROFILE_PAGE, query_params={"area": pick})
            numbered = ordered.assign(rank=range(1, len(ordered) + 1))
            layout.table(
                targets.display_table(numbered, unit),
                targets.download_frame(numbered),
                name=f"map_{indicator_id}_{level}_{period.isoformat()}",
                badge_list=badges,
            )
    layout.source_note(indicator)
