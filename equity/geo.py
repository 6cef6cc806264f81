"""Boundaries and points for maps: GeoJSON geometry per level, view fitting, distances.

Geometry comes from the simplified GeoParquet extract (WGS84). The build stores each
area's map geometry there as GeoJSON text too (coordinates rounded, made valid), so the
app reads a level's geometry with pyarrow and json alone: geopandas and shapely stay off
the app's start-up path. Callers cache the result and share it read-only: map features
reference these dicts rather than copying them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from equity import config

BOUNDARIES_FILE = "boundaries_simplified.parquet"
GEOJSON_COLUMN = "geojson"
COORDINATE_DECIMALS = 4  # about 11 m: finer than the simplification, and a third smaller
EARTH_RADIUS_KM = 6371.0088


def load_boundaries(extracts_dir: Path | None = None):
    """All simplified boundaries as a GeoDataFrame: area_code, area_type, geometry (WGS84)."""
    import geopandas as gpd

    folder = Path(extracts_dir or config.EXTRACTS_DIR)
    return gpd.read_parquet(
        folder / BOUNDARIES_FILE, columns=["area_code", "area_type", "geometry"]
    )


def geojson_texts(geometries, decimals: int = COORDINATE_DECIMALS) -> list[str]:
    """Map geometry as GeoJSON text: coordinates rounded to `decimals`, then made valid
    (rounding can pinch a thin polygon into a self-touching one)."""
    import shapely

    rounded = shapely.transform(np.asarray(geometries), lambda xy: np.round(xy, decimals))
    return list(shapely.to_geojson(shapely.make_valid(rounded)))


def with_geojson(boundaries):
    """The boundaries with the GEOJSON_COLUMN the app draws from (written at build time)."""
    out = boundaries.copy()
    out[GEOJSON_COLUMN] = geojson_texts(out.geometry.to_numpy())
    return out


def level_geometries(level: str, extracts_dir: Path | None = None) -> dict[str, dict]:
    """{area_code: GeoJSON geometry dict} for one level, read from the stored GeoJSON."""
    import pyarrow.parquet as pq

    folder = Path(extracts_dir or config.EXTRACTS_DIR)
    table = pq.read_table(
        folder / BOUNDARIES_FILE,
        columns=["area_code", GEOJSON_COLUMN],
        filters=[("area_type", "==", level)],
    )
    codes = table.column("area_code").to_pylist()
    texts = table.column(GEOJSON_COLUMN).to_pylist()
    # An area without a shape (none in the source, or an empty one) is left off the map;
    # its figures still appear in the tables and charts.
    return {code: json.loads(text) for code, text in zip(codes, texts) if text is not None}


def geometries_bounds(geometries: list[dict]) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of GeoJSON geometries, None when empty."""
    coordinates = [
        xy for geometry in geometries for xy in _coordinates(geometry.get("coordinates", []))
    ]
    if not coordinates:
        return None
    lons, lats = zip(*coordinates)
    return min(lons), min(lats), max(lons), max(lats)


def _coordinates(nested) -> list[tuple[float, float]]:
    if len(nested) and isinstance(nested[0], (int, float)):
        return [(float(nested[0]), float(nested[1]))]
    return [xy for part in nested for xy in _coordinates(part)]


def fit_view(
    bounds: tuple[float, float, float, float] | None,
    width_px: int = 700,
    height_px: int = 560,
) -> dict:
    """Web-Mercator centre and zoom that fit the bounds (deck.gl: the world is 512 px at zoom 0)."""
    if bounds is None:
        return {"longitude": -1.13, "latitude": 52.64, "zoom": 9.0}
    min_lon, min_lat, max_lon, max_lat = bounds
    lon_span = max(max_lon - min_lon, 1e-4)
    lat_span = max(mercator_y(max_lat) - mercator_y(min_lat), 1e-6)
    zoom_for_width = math.log2(width_px * 360 / (512 * lon_span))
    zoom_for_height = math.log2(height_px * 2 * math.pi / (512 * lat_span))
    zoom = min(zoom_for_width, zoom_for_height) - 0.15  # a small margin round the edge
    return {
        "longitude": round((min_lon + max_lon) / 2, 5),
        "latitude": round((min_lat + max_lat) / 2, 5),
        "zoom": round(max(min(zoom, 15.0), 5.0), 2),
    }


def mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def distance_km(lon1, lat1, lon2, lat2):
    """Great-circle (haversine) distance in km; works element-wise on arrays."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(x, dtype=float)) for x in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def points_within(points: pd.DataFrame, lon: float, lat: float, radius_km: float) -> pd.DataFrame:
    """Rows of `points` (with lon, lat) within radius_km of (lon, lat), nearest first."""
    located = points.dropna(subset=["lon", "lat"]).copy()
    located["distance_km"] = distance_km(located["lon"], located["lat"], lon, lat)
    return located[located["distance_km"] <= radius_km].sort_values("distance_km")
