"""Boundaries and points for maps: GeoJSON geometry per level, view fitting, distances.

Geometry comes from the simplified GeoParquet extract (WGS84). The build stores each
area's map geometry there as GeoJSON text too (coordinates rounded, made valid) with its
bounding box, so the app reads a level's shapes with pyarrow alone: geopandas and shapely
stay off the app's start-up path.

The page's maps never carry a level's shapes in their specs: `level_shapes` writes them once
to a file under static/ that Streamlit serves, and a map looks each area's shape up there by
area_code (equity.maps.vega_map). The server keeps the GeoJSON as text and parses only the
few shapes a pydeck map needs. Parsed, England's LSOAs were 56 MB of Python objects in every
worker, and every rerun of a map re-serialised them into its spec (bench/FINDINGS.md).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from equity import config

BOUNDARIES_FILE = "boundaries_simplified.parquet"
GEOJSON_COLUMN = "geojson"
BOUNDS_COLUMNS = ("min_lon", "min_lat", "max_lon", "max_lat")
# Streamlit serves config.STATIC_DIR at app/static/ (server.enableStaticServing); relative,
# so the URL works behind a proxy and under a base path.
SHAPES_FOLDER = "shapes"
SHAPES_URL = f"app/static/{SHAPES_FOLDER}/"
COORDINATE_DECIMALS = 4  # about 11 m: finer than the simplification, and a third smaller
EARTH_RADIUS_KM = 6371.0088


def load_boundaries(extracts_dir: Path | None = None):
    """All simplified boundaries as a GeoDataFrame: area_code, area_type, geometry (WGS84)."""
    import geopandas as gpd

    folder = Path(extracts_dir or config.EXTRACTS_DIR)
    return gpd.read_parquet(
        folder / BOUNDARIES_FILE, columns=["area_code", "area_type", "geometry"]
    )


def _map_shapes(geometries, decimals: int = COORDINATE_DECIMALS):
    """Coordinates rounded to `decimals`, then made valid (rounding can pinch a thin polygon
    into a self-touching one)."""
    import shapely

    rounded = shapely.transform(np.asarray(geometries), lambda xy: np.round(xy, decimals))
    return shapely.make_valid(rounded)


def with_geojson(boundaries):
    """The boundaries with the GEOJSON_COLUMN the app draws from and each shape's
    BOUNDS_COLUMNS, to fit a map's view without parsing shapes (written at build time)."""
    import shapely

    out = boundaries.copy()
    shapes = _map_shapes(out.geometry.to_numpy())
    out[GEOJSON_COLUMN] = list(shapely.to_geojson(shapes))
    bounds = shapely.bounds(shapes)
    for i, column in enumerate(BOUNDS_COLUMNS):
        out[column] = bounds[:, i]
    return out


@dataclass(frozen=True, eq=False)
class LevelShapes:
    """One level's shapes: `url`, where the browser fetches them as a JSON array of
    GeoJSON features, each with its area_code (None when the level has none); `texts`,
    each area's GeoJSON text; `bounds`, each area's box (BOUNDS_COLUMNS, by area_code).
    Shared by every session: read it, never change it."""

    level: str
    url: str | None
    texts: dict[str, str] = field(repr=False)
    bounds: pd.DataFrame = field(repr=False)

    def __contains__(self, area_code: str) -> bool:
        return area_code in self.texts

    def geometries(self, area_codes: Iterable[str]) -> dict[str, dict]:
        """{area_code: GeoJSON geometry dict} of these areas that have a shape, parsed now
        (for pydeck maps and outlines, which carry their shapes)."""
        return {code: json.loads(self.texts[code]) for code in area_codes if code in self.texts}

    def bounds_of(self, area_codes: Iterable[str]) -> tuple[float, float, float, float] | None:
        """(min_lon, min_lat, max_lon, max_lat) of these areas' shapes, None when none has one."""
        boxes = self.bounds.reindex(list(area_codes)).dropna()
        if boxes.empty:
            return None
        return (
            float(boxes["min_lon"].min()),
            float(boxes["min_lat"].min()),
            float(boxes["max_lon"].max()),
            float(boxes["max_lat"].max()),
        )


def shapes_document(texts: dict[str, str]) -> str:
    """The JSON array a map fetches: one GeoJSON feature per area, its area_code beside its
    geometry (a foreign member, which GeoJSON allows), made from the stored text unparsed."""
    return (
        "["
        + ",".join(
            f'{{"type":"Feature","area_code":{json.dumps(code)},"properties":{{}},"geometry":{text}}}'
            for code, text in texts.items()
        )
        + "]"
    )


def _write_once(path: Path, text: str) -> None:
    """Write `text` to `path` unless it is there: the name is the content's digest, so a file
    that exists is the same file. Written beside and renamed, so no reader (another worker,
    a browser) ever sees half of it."""
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a proxy serving static/
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def level_shapes(
    level: str, extracts_dir: Path | None = None, static_dir: Path | None = None
) -> LevelShapes:
    """One level's LevelShapes, its file written under `static_dir`/shapes/ if missing.

    The file is named by the level and a digest of its content, so replicas and extract
    versions never overwrite each other's, and a browser may keep it as long as it likes."""
    import pyarrow.parquet as pq

    folder = Path(extracts_dir or config.EXTRACTS_DIR)
    table = pq.read_table(
        folder / BOUNDARIES_FILE,
        columns=["area_code", GEOJSON_COLUMN, *BOUNDS_COLUMNS],
        filters=[("area_type", "==", level)],
    )
    # An area without a shape (none in the source, or an empty one) is left off the map;
    # its figures still appear in the tables and charts.
    table = table.filter(table.column(GEOJSON_COLUMN).is_valid())
    codes = table.column("area_code").to_pylist()
    texts = dict(zip(codes, table.column(GEOJSON_COLUMN).to_pylist()))
    bounds = table.select(list(BOUNDS_COLUMNS)).to_pandas().set_axis(codes)
    if not texts:
        return LevelShapes(level, None, texts, bounds)
    document = shapes_document(texts)
    digest = hashlib.sha256(document.encode()).hexdigest()[:16]
    name = f"{level}-{digest}.json"
    _write_once(Path(static_dir or config.STATIC_DIR) / SHAPES_FOLDER / name, document)
    return LevelShapes(level, SHAPES_URL + name, texts, bounds)


def inline_shapes(spec, static_dir: Path | None = None):
    """A Vega-Lite dict with every shapes file it fetches (SHAPES_URL) written into it: for
    renderers that cannot fetch from the app (vl-convert's PNG and SVG exports)."""
    if isinstance(spec, list):
        return [inline_shapes(part, static_dir) for part in spec]
    if not isinstance(spec, dict):
        return spec
    url = spec.get("url")
    if isinstance(url, str) and url.startswith(SHAPES_URL):
        path = Path(static_dir or config.STATIC_DIR) / SHAPES_FOLDER / url[len(SHAPES_URL) :]
        return {"values": json.loads(path.read_text(encoding="utf-8"))}
    return {key: inline_shapes(value, static_dir) for key, value in spec.items()}


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
