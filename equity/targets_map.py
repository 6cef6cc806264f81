"""The compact map on Where to act: the city's areas coloured by comparison with the
benchmark, the target areas (significantly worse) outlined and named (pure: data in, Vega-Lite
spec out; drawn by equity.maps.vega_map, offline, no basemap)."""

from __future__ import annotations

import pandas as pd

from equity import geo, maps

MAX_LABELS = 8  # the worst targets by people missed get names; more would crowd a small map


def targets_map(
    ranked: pd.DataFrame,
    geometries: dict[str, dict],
    target_codes: list[str],
    *,
    polarity: str,
    unit: str,
    benchmark_name: str,
    title: str,
    badges: list[str],
    legend_title: str,
    height: int = 380,
):
    """`ranked` (rank_targets rows, already limited to the areas to draw) coloured by
    comparison; `target_codes` outlined, the first MAX_LABELS of them labelled."""
    coloured, _ = maps.colour_areas(ranked, "comparison", polarity)
    coloured = coloured.join(maps.tooltip_text(coloured, unit, benchmark_name, badges))
    areas = maps.feature_collection(geometries, coloured, ["fill_hex", *maps.TOOLTIP_FIELDS])
    outlined = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometries[code], "properties": {}}
            for code in target_codes
            if code in geometries
        ],
    }
    named = (
        coloured.set_index("area_code")
        .reindex(target_codes[:MAX_LABELS])
        .dropna(subset=["lon", "lat"])
    )
    wanted = [
        {"position": [round(lon, 4), round(lat, 4)], "text": str(name), "pixel_offset": [0, 0]}
        for name, lon, lat in zip(named["area_name"], named["lon"], named["lat"])
    ]
    bounds = geo.geometries_bounds([f["geometry"] for f in areas["features"]])
    zoom = geo.fit_view(bounds, width_px=420, height_px=height)["zoom"]
    return maps.vega_map(
        area_features=areas,
        practices=None,
        outline_features=outlined,
        text_labels=maps.place_labels(wanted, zoom),
        height=height,
        title=title,
        badges=badges,
        legend_title=legend_title,
        legend=maps.legend_entries(coloured, "comparison", None, unit, polarity),
        outline_labels=True,
        legend_orient="bottom",
    )
