"""The Map page's logic (pure): an indicator's figures for a selection -> the ranked areas,
the headline, the legend and the map ready to draw.

Everything here depends only on the selection, the colouring (mode, classes), presenter
mode, the basemap switch and the extracts, so ui/cache.py keeps the result across reruns
and sessions: a rerun that changes none of them (a click, a table sort, the ranked chart's
downloads) rebuilds nothing, and a map of every LSOA is turned into Vega-Lite once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from equity import config, labels, maps, targets
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
    shapes: geography.LevelShapes,
    draw: Callable,
) -> MapView:
    """The Map page for `frame` (area_values_with_benchmark rows of one selection).

    `shapes` are the level's areas, or the authorities (outlined under the points) when the
    level is practice. With `basemap` the areas carry RGBA fills for pydeck and no Vega map
    is made; otherwise `chart` is the Vega map and `spec` what `draw` makes of it (the page's
    dict, projector-sized when presenting).
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
        viewport=None,
        map_height=map_height,
        chart=None,
        spec=None,
    )
    if ranked.empty:
        return view

    areas = practice_records = outline = None
    if level == "practice":
        practice_records = maps.practice_points(coloured)
        outline = list(la_names) if within in (None, "all") else [within]
        bounds = geography.geometries_bounds(
            [{"coordinates": p["position"]} for p in practice_records]
        )
    else:
        colour_field = "fill" if basemap else "fill_hex"  # RGBA for pydeck, hex for Vega
        areas = coloured.loc[
            coloured["area_code"].isin(shapes.texts),
            ["area_code", colour_field, *maps.TOOLTIP_FIELDS],
        ]
        bounds = shapes.bounds_of(areas["area_code"])

    viewport = geography.fit_view(bounds, width_px=560, height_px=560)
    text_labels = maps.place_labels(maps.extreme_labels(coloured, polarity), viewport["zoom"])
    legend_entries = maps.legend_entries(coloured, colour_by, classes, unit, polarity)
    chart = spec = deck = None
    if basemap:  # tiles need pydeck, whose layers carry their shapes: parse just these
        deck = maps.build_deck(
            area_features=None
            if areas is None
            else maps.feature_collection(
                shapes.geometries(areas["area_code"]), areas, list(areas.columns[1:])
            ),
            practices=practice_records,
            outline_features=None
            if outline is None
            else _outline_collection(shapes.geometries(outline)),
            text_labels=text_labels,
            viewport=viewport,
            basemap=True,
        )
    else:
        chart = maps.vega_map(
            areas=areas,
            shapes_url=shapes.url,
            practices=practice_records,
            outline=outline,
            outline_url=shapes.url,
            text_labels=text_labels,
            height=map_height,
            title=f"{indicator['short_label']}, {who}",
            badges=badges,
            legend_title=legend_title,
            legend=legend_entries,
            source=f"Source: {indicator['source']}",
        )
        spec = draw(chart)
    return replace(
        view,
        legend_entries=legend_entries,
        viewport=viewport,
        chart=chart,
        spec=spec,
        deck=deck,
    )


def _outline_collection(geometries: dict[str, dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometry, "properties": {}}
            for geometry in geometries.values()
        ],
    }
