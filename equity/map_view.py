"""The Map page's logic (pure): an indicator's figures for a selection -> the ranked areas,
the headline, the legend and the map ready to draw.

Everything here depends only on the selection, the colouring (mode, classes), presenter
mode, the basemap switch and the extracts, so ui/cache.py keeps the result across reruns
and sessions: a rerun that changes none of them (a click, a table sort, the ranked chart's
downloads) rebuilds nothing, and a map of every LSOA is turned into Vega-Lite once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from equity import charts, config, labels, maps, targets, vega
from equity import geo as geography

MAP_HEIGHT_PX = 600
PRESENTER_MAP_HEIGHT_PX = 640


@dataclass(frozen=True)
class MapView:
    """What the Map page shows for one selection and colouring. Shared between sessions
    by the cache: read it, never change it (its frames and dicts are not copied)."""

    ranked: pd.DataFrame  # targets.rank_targets rows
    coloured: pd.DataFrame  # ranked plus fill colours and tooltip texts
    badges: list[str]
    title: str  # the finding in words
    who: str
    benchmark_name: str
    benchmark_value: float | None
    legend_title: str
    legend_entries: list[tuple[str, str]]
    drawn: dict | None  # maps.build_deck/vega_map layers: area_features, practices, …
    viewport: dict | None
    map_height: int
    chart: object | None  # the Vega map (altair), for exports and its table
    spec: dict | None  # the chart as Vega-Lite for the page (vega.spec_dict)
    deck: object | None = None  # with a basemap: the pydeck map (maps.build_deck), made once


def map_view(
    frame: pd.DataFrame,
    *,
    indicator: pd.Series,
    la_names: dict[str, str],
    level: str,
    within: str | None,
    age_band: str,
    sex: str,
    ethnic_group: str,
    benchmark: str,
    colour_by: str,
    scheme: str,
    presenting: bool,
    basemap: bool,
    geometries: dict[str, dict],
    la_shapes: dict[str, dict],
) -> MapView:
    """The Map page for `frame` (area_values_with_benchmark rows of one selection).

    `geometries` are the level's areas; `la_shapes` the authorities, outlined under
    practice points. With `basemap` the areas carry RGBA fills for pydeck and no Vega map
    is made; otherwise `chart` and `spec` are the Vega map (projector-sized when presenting).
    """
    benchmark_names = {
        config.LLR_CODE: "LLR",
        **la_names,
        **dict(zip(frame["area_code"], frame["area_name"])),
    }
    polarity, unit = indicator["polarity"], indicator["unit"]
    ranked = targets.rank_targets(frame, polarity, only_worse=False)
    badges = labels.selection_badges(
        ranked["is_synthetic"], ranked["is_modelled"], bool(indicator["is_synthetic"])
    )
    benchmark_name = benchmark_names.get(benchmark, benchmark).split(" (")[0]
    values = ranked["benchmark_value"].dropna()
    benchmark_value = float(values.iloc[0]) if len(values) else None
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
    legend_title = f"{indicator['short_label']} ({'%' if unit == 'percent' else unit})"
    if colour_by == "comparison":
        legend_title = f"Compared with {benchmark_name} (95% CI)"
    elif colour_by == "value":
        legend_title += ", " + maps.value_colour_note(polarity).rstrip(".").lower()
    map_height = PRESENTER_MAP_HEIGHT_PX if presenting else MAP_HEIGHT_PX
    view = MapView(
        ranked=ranked,
        coloured=coloured,
        badges=badges,
        title=title,
        who=who,
        benchmark_name=benchmark_name,
        benchmark_value=benchmark_value,
        legend_title=legend_title,
        legend_entries=[],
        drawn=None,
        viewport=None,
        map_height=map_height,
        chart=None,
        spec=None,
    )
    if ranked.empty:
        return view

    outline = area_features = practice_records = None
    if level == "practice":
        practice_records = maps.practice_points(coloured)
        wanted = list(la_names) if within in (None, "all") else [within]
        outline = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": la_shapes[c], "properties": {}}
                for c in wanted
                if c in la_shapes
            ],
        }
        bounds = geography.geometries_bounds(
            [{"coordinates": p["position"]} for p in practice_records]
        )
    else:
        colour_field = "fill" if basemap else "fill_hex"  # RGBA for pydeck, hex for Vega
        area_features = maps.feature_collection(
            geometries, coloured, [colour_field, *maps.TOOLTIP_FIELDS]
        )
        bounds = geography.geometries_bounds([f["geometry"] for f in area_features["features"]])

    viewport = geography.fit_view(bounds, width_px=560, height_px=560)
    drawn = {
        "area_features": area_features,
        "practices": practice_records,
        "outline_features": outline,
        "text_labels": maps.place_labels(maps.extreme_labels(coloured, polarity), viewport["zoom"]),
    }
    legend_entries = maps.legend_entries(coloured, colour_by, classes, unit, polarity)
    chart = spec = deck = None
    if basemap:  # tiles need pydeck; its JSON is made on first draw and kept with the view
        deck = maps.build_deck(**drawn, viewport=viewport, basemap=True)
    else:
        chart = maps.vega_map(
            **drawn,
            height=map_height,
            title=f"{indicator['short_label']}, {who}",
            badges=badges,
            legend_title=legend_title,
            legend=legend_entries,
            source=f"Source: {indicator['source']}",
        )
        # The map's data is inline (GeoJSON and records, no frames), so no frame_bytes.
        spec = vega.spec_dict(charts.for_projector(chart) if presenting else chart)
    return replace(
        view,
        legend_entries=legend_entries,
        drawn=drawn,
        viewport=viewport,
        chart=chart,
        spec=spec,
        deck=deck,
    )
