"""Map: a choropleth of any indicator by ward, MSOA or LSOA (or practices as points)."""

from __future__ import annotations

import streamlit as st

from equity import charts, config, labels, maps, targets
from equity import geo as geography
from equity.selection import benchmark_type
from ui import cache, controls, help, layout, state

PROFILE_PAGE = "views/area_profile.py"
CLICK_MARKER = "_map_opened_area"

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
la_names = cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
    "area_name"
]

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
within = selection.la_code or "all"
age_band, sex, ethnic_group = selection.age_band, selection.sex, selection.ethnic_group
benchmark = selection.benchmark_code
frame = cache.run(
    "area_values_with_benchmark", **selection.query_params(benchmark_type(benchmark, level))
)
benchmark_names = {
    config.LLR_CODE: "LLR",
    **la_names.to_dict(),
    **dict(zip(frame["area_code"], frame["area_name"])),
}
polarity = indicator["polarity"]
unit = indicator["unit"]
ranked = targets.rank_targets(frame, polarity, only_worse=False)
badges = labels.selection_badges(
    ranked["is_synthetic"], ranked["is_modelled"], bool(indicator["is_synthetic"])
)
benchmark_name = benchmark_names.get(benchmark, benchmark).split(" (")[0]
benchmark_value = ranked["benchmark_value"].dropna()
benchmark_value = float(benchmark_value.iloc[0]) if len(benchmark_value) else None
who = labels.group_phrase(age_band, sex, ethnic_group)

coloured, classes = maps.colour_areas(ranked, colour_by, polarity, scheme)
coloured = coloured.join(maps.tooltip_text(coloured, unit, benchmark_name, badges))
title = maps.map_title(
    ranked,
    indicator_label=indicator["short_label"],
    who=who,
    unit=unit,
    polarity=polarity,
    benchmark_name=benchmark_name,
    benchmark_value=benchmark_value,
    noun="practices" if level == "practice" else "areas",
)

# Badges and the headline sit above the map but are sent after it: the map is the slow
# part of the first paint, so the browser gets it first.
summary = st.container()
if ranked.empty:
    with summary:
        layout.badges(badges)
        st.subheader(title)
    st.info("No figures for this choice of areas, period and group. Try another period or level.")
    st.stop()

outline = None
area_features = None
practice_records = None
if level == "practice":
    practice_records = maps.practice_points(coloured)
    la_shapes = cache.level_geometries("la")
    wanted = la_names.index if within == "all" else [within]
    outline = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": la_shapes[c], "properties": {}}
            for c in wanted
            if c in la_shapes
        ],
    }
    bounds = geography.geometries_bounds([{"coordinates": p["position"]} for p in practice_records])
else:
    geometries = cache.level_geometries(level)
    colour_field = "fill" if basemap else "fill_hex"  # RGBA for pydeck, hex for Vega
    area_features = maps.feature_collection(
        geometries, coloured, [colour_field, *maps.TOOLTIP_FIELDS]
    )
    bounds = geography.geometries_bounds([f["geometry"] for f in area_features["features"]])

viewport = geography.fit_view(bounds, width_px=560, height_px=560)
text_labels = maps.place_labels(maps.extreme_labels(coloured, polarity), viewport["zoom"])
map_height = 600 if not presenting else 640
legend_title = f"{indicator['short_label']} ({'%' if unit == 'percent' else unit})"
if colour_by == "comparison":
    legend_title = f"Compared with {benchmark_name} (95% CI)"
elif colour_by == "value":
    legend_title += ", " + maps.value_colour_note(polarity).rstrip(".").lower()
legend_entries = maps.legend_entries(coloured, colour_by, classes, unit, polarity)

drawn = {
    "area_features": area_features,
    "practices": practice_records,
    "outline_features": outline,
    "text_labels": text_labels,
}
# The map is the page's hero: full width, the ranked chart below it.
map_column, bars_column = st.container(), st.container()
with map_column, st.container(key="map"):
    if basemap:  # tiles need pydeck (WebGL); without them the lighter Vega map is drawn
        event = st.pydeck_chart(
            maps.build_deck(**drawn, viewport=viewport, basemap=basemap),
            on_select="rerun",
            selection_mode="single-object",
            key="map_selection",
            height=map_height,
        )
    else:
        layout.map_labels_pass_clicks()
        event = layout.chart(
            maps.vega_map(
                **drawn,
                height=map_height,
                title=f"{indicator['short_label']}, {who}",
                badges=badges,
                legend_title=legend_title,
                legend=legend_entries,
                source=f"Source: {indicator['source']}",
            ),
            name=f"map_{indicator_id}_{level}_{period.isoformat()}",
            presenting=presenting,
            how_to_read="map",
            selection={
                "on_select": "rerun",
                "key": "map_vega",
                "selection_mode": maps.MAP_SELECTION,
            },
        )
with map_column:
    if basemap:  # the pydeck map has no legend of its own; the Vega map carries it inside
        note = maps.value_colour_note(polarity) if colour_by == "value" else ""
        note += " " + " / ".join(badges) if badges else ""
        st.markdown(
            maps.legend_html(legend_title, legend_entries, note.strip()), unsafe_allow_html=True
        )
    if basemap:
        layout.chart_as_table(coloured[["area_name", *maps.TOOLTIP_FIELDS[1:]]])
        help.how_to_read("map")
    if not presenting:
        st.caption("Click an area to open its profile. Labels: the most extreme areas.")

with summary:
    layout.badges(badges)
    st.subheader(title)

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
    layout.chart(
        charts.ranked_bars(
            ordered,
            title=f"{shown} {'lowest' if polarity == 'higher_is_better' else 'highest'}"
            f" of {len(ordered)}: {indicator['short_label']}, {who}",
            unit=unit,
            benchmark_value=benchmark_value,
            benchmark_label=f"{benchmark_name}: {labels.format_value(benchmark_value, unit)}",
            badges=badges,
            max_rows=25,
        ).configure_legend(orient="bottom"),
        name=f"map_ranking_{indicator_id}_{level}",
        presenting=presenting,
        how_to_read="ranked bars",
    )

if not presenting:
    with st.expander("Open an area's profile, or download the map's data"):
        pick = st.selectbox(
            "Area",
            ordered["area_code"].tolist(),
            format_func=dict(zip(ordered["area_code"], ordered["area_name"])).get,
            key="map_profile_pick",
        )
        if st.button("Open profile", key="map_open_profile"):
            st.session_state["area"] = pick
            st.switch_page(PROFILE_PAGE, query_params={"area": pick})
        layout.table(
            targets.display_table(ordered.assign(rank=range(1, len(ordered) + 1)), unit),
            targets.download_frame(ordered.assign(rank=range(1, len(ordered) + 1))),
            name=f"map_{indicator_id}_{level}_{period.isoformat()}",
            badge_list=badges,
        )
    layout.source_note(indicator)
