"""The compact map on Where to act: the city's areas coloured by comparison with the
benchmark, the target areas (significantly worse) outlined, the worst of them numbered with
a key of their names (pure: data in, Vega-Lite spec out; drawn by equity.maps.vega_map,
offline, no basemap)."""

from __future__ import annotations

import pandas as pd

from equity import maps
from equity.geo import LevelShapes

# The worst targets by people missed get a number on the map and their name in its key.
# Names on the map collided: the worst areas are neighbours in the city centre, and the map
# shares a screen with the ranked bars (a column about 380 px wide at 1440 px).
MAX_LABELS = 5


def targets_map(
    ranked: pd.DataFrame,
    shapes: LevelShapes,
    target_codes: list[str],
    *,
    polarity: str,
    unit: str,
    benchmark_name: str,
    title: str,
    badges: list[str],
    legend_title: str,
    height: int = 680,
):
    """`ranked` (rank_targets rows, already limited to the areas to draw) coloured by
    comparison; `target_codes` outlined, the first MAX_LABELS of them numbered 1, 2, … in
    that order (the bars' order: most people missed first) and named in the map's key.
    `height` is the whole chart's: title, map and the two legends under it."""
    coloured, _ = maps.colour_areas(ranked, "comparison", polarity)
    coloured = coloured.join(maps.tooltip_text(coloured, unit, benchmark_name, badges))
    areas = coloured.loc[
        coloured["area_code"].isin(shapes.texts), ["area_code", "fill_hex", *maps.TOOLTIP_FIELDS]
    ]
    named = (
        coloured.set_index("area_code")
        .reindex(target_codes[:MAX_LABELS])
        .dropna(subset=["lon", "lat"])
    )
    numbers = [
        {"position": [round(lon, 4), round(lat, 4)], "text": str(n), "pixel_offset": [0, 0]}
        for n, (lon, lat) in enumerate(zip(named["lon"], named["lat"]), start=1)
    ]
    key = [f"{n}  {name}" for n, name in enumerate(named["area_name"], start=1)]
    return maps.vega_map(
        areas=areas,
        shapes_url=shapes.url,
        practices=None,
        outline=[code for code in target_codes if code in shapes],
        outline_url=shapes.url,
        text_labels=numbers,
        key=key,
        key_title="Most people missed",
        height=height,
        title=title,
        badges=badges,
        legend_title=legend_title,
        legend=maps.legend_entries(coloured, "comparison", None, unit, polarity),
        outline_labels=True,
        legend_orient="top",
    )
