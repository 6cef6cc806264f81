"""Where clinics could be held: candidate sites from GP practices, area centroids or a
user's venues CSV, all in one shape (``optimise.CANDIDATE_COLUMNS``).

Practices and postcodes come from the extracts (queries/practice_sites.sql and
queries/postcode_points.sql), never from data/sources at run time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from equity import db, tables
from equity.planner.optimise import (
    CANDIDATE_COLUMNS,
    check_unique_site_ids,
    from_bng,
    require_columns,
    to_bng,
)
from equity.search import normalise_postcode

DEFAULT_MAX_VENUE_BYTES = 5_000_000  # decimal, as every upload limit (equity.tables)
MAX_REPORTED_PROBLEMS = 20

SOURCE_PRACTICE = "GP practice"
SOURCE_VENUE = "venue"
SOURCE_CENTROID = "area centroid"

# Generous box around Great Britain (incl. Scilly, Shetland); catches swapped or zero
# coordinates, not venues that are merely outside LLR.
GB_LAT_RANGE = (49.8, 60.9)
GB_LON_RANGE = (-8.7, 1.8)

UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
LATITUDE_HEADERS = ("latitude", "lat")
LONGITUDE_HEADERS = ("longitude", "lon", "lng", "long")


def read_practice_sites(extracts_dir=None) -> pd.DataFrame:
    """Located GP practices from the extracts (org_code, name, lon, lat, easting, northing)."""
    practices = db.run_query("practice_sites", extracts_dir=extracts_dir)
    practices["easting"], practices["northing"] = to_bng(practices["lon"], practices["lat"])
    return practices


def read_postcodes(extracts_dir=None) -> pd.DataFrame:
    """OS Code-Point Open postcodes from the extracts (postcode, easting, northing, lon, lat,
    lsoa_code)."""
    return db.run_query("postcode_points", extracts_dir=extracts_dir)


def practice_candidates(practices: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """GP practices as candidate sites; practices without coordinates are skipped with a reason.

    ``practices`` has org_code, name, lon, lat, easting, northing (as in the shipped file).
    Returns (candidates, skipped reasons).
    """
    require_columns(
        practices,
        ["org_code", "name", "lon", "lat", "easting", "northing"],
        "practices",
    )
    located = practices[["lon", "lat", "easting", "northing"]].notna().all(axis=1)
    skipped = [
        f"{row['org_code']} {row['name']}: skipped — no coordinates in the practice file"
        + (f" (postcode {row['postcode']} could not be geocoded)" if "postcode" in row else "")
        for _, row in practices.loc[~located].iterrows()
    ]
    kept = practices.loc[located]
    candidates = pd.DataFrame(
        {
            "site_id": kept["org_code"].astype(str),
            "site_name": kept["name"].astype(str),
            "lon": kept["lon"].astype(float),
            "lat": kept["lat"].astype(float),
            "easting": kept["easting"].astype(float),
            "northing": kept["northing"].astype(float),
            "source": SOURCE_PRACTICE,
        }
    )
    return candidates.reset_index(drop=True), skipped


def centroid_candidates(areas: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Area centroids (area_code, area_name, lon, lat) as candidate sites.

    Returns (candidates, skipped reasons) like ``practice_candidates``.
    """
    require_columns(areas, ["area_code", "area_name", "lon", "lat"], "areas")
    located = areas["lon"].notna() & areas["lat"].notna()
    skipped = [
        f"{row.area_code} {row.area_name}: skipped — no centroid"
        for row in areas.loc[~located].itertuples()
    ]
    kept = areas.loc[located]
    easting, northing = to_bng(kept["lon"], kept["lat"])
    candidates = pd.DataFrame(
        {
            "site_id": kept["area_code"].astype(str).to_numpy(),
            "site_name": kept["area_name"].astype(str).to_numpy(),
            "lon": kept["lon"].astype(float).to_numpy(),
            "lat": kept["lat"].astype(float).to_numpy(),
            "easting": easting,
            "northing": northing,
            "source": SOURCE_CENTROID,
        }
    )
    return candidates, skipped


def combine_candidates(*frames: pd.DataFrame) -> pd.DataFrame:
    """Stack candidate frames from different sources; site ids must stay unique."""
    combined = pd.concat([frame[CANDIDATE_COLUMNS] for frame in frames], ignore_index=True)
    check_unique_site_ids(combined)
    return combined


# --- venues CSV --------------------------------------------------------------------------


class VenueFileError(ValueError):
    """A venues file was refused. ``problems`` holds up to 20 messages, each
    ``FILE, row R, column C: problem — how to fix`` (equity.tables); ``total_problems`` counts them all."""

    def __init__(self, filename: str, problems: Sequence[str]):
        self.filename = filename
        self.total_problems = len(problems)
        self.problems = list(problems[:MAX_REPORTED_PROBLEMS])
        lines = list(self.problems)
        hidden = self.total_problems - len(self.problems)
        if hidden:
            lines.append(
                f"{filename}: … and {hidden} more problems ({self.total_problems} in all) "
                "— fix the ones above and upload again to see the rest"
            )
        super().__init__("\n".join(lines))


def read_venues(
    source: str | Path | bytes | IO[bytes],
    codepoint: pd.DataFrame,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_VENUE_BYTES,
) -> pd.DataFrame:
    """Read a user's venues CSV into candidate sites, or raise ``VenueFileError``.

    The file needs a ``name`` column and either ``latitude``/``longitude`` (WGS84) or a
    ``postcode`` (looked up in ``codepoint``: postcode, easting, northing). A row may use
    either when both are present. Rows are numbered as a spreadsheet shows them (the
    header is row 1) and columns by their header (see equity.tables). The whole file is refused if any
    row is bad, so a planner never plans with half a list.
    """
    filename = filename or tables.source_name(source)
    read_problems = tables.Problems()
    table = tables.read_table(
        source,
        read_problems,
        filename=filename,
        max_bytes=max_bytes,
        pad_short_rows=True,
        too_large_fix="keep only the name and location columns, or split it into smaller files",
    )
    problems = tables.format_problems(filename, read_problems.kept, limit=read_problems.total)
    if table is None:
        raise VenueFileError(filename, problems)
    layout, header_problems = _venue_layout(table.header, filename)
    if header_problems:
        raise VenueFileError(filename, problems + header_problems)

    postcode_lookup = _postcode_lookup(codepoint) if layout.postcode is not None else {}
    venues: list[dict] = []
    for row_number, cells in table.records():
        venue, row_problems = _parse_venue_row(cells, row_number, layout, postcode_lookup, filename)
        problems.extend(row_problems)
        if venue is not None:
            venues.append(venue)
    if problems:
        raise VenueFileError(filename, problems)
    if not venues:
        raise VenueFileError(
            filename,
            [f"{filename}: no venue rows under the header — add one row per venue"],
        )
    return _venue_frame(venues)


@dataclass(frozen=True)
class _VenueLayout:
    name: int
    latitude: int | None
    longitude: int | None
    postcode: int | None
    headers: tuple[str, ...] = ()

    def label(self, column: int) -> str:
        """The header as written (the spreadsheet letter where it is blank)."""
        return tables.column_label(list(self.headers), column)


def _venue_layout(header_cells: list[str], filename: str) -> tuple[_VenueLayout, list[str]]:
    """Which column holds what (headers matched case-insensitively), or header problems."""
    header = [cell.strip().lower() for cell in header_cells]
    where = tables.where(filename, tables.HEADER_ROW)
    duplicates = tables.Problems()
    tables.check_header(header_cells, duplicates, optional=None, ignore_case=True)
    problems = tables.format_problems(filename, duplicates.kept, limit=duplicates.total)

    def find(names: Iterable[str]) -> int | None:
        return next((header.index(name) for name in names if name in header), None)

    name = find(["name"])
    latitude = find(LATITUDE_HEADERS)
    longitude = find(LONGITUDE_HEADERS)
    postcode = find(["postcode"])
    if name is None:
        problems.append(
            f'{where}: no "name" column — add a column headed "name" with each venue\'s name'
        )
    if (latitude is None) != (longitude is None):
        have, need = ("latitude", "longitude") if longitude is None else ("longitude", "latitude")
        problems.append(f'{where}: a "{have}" column but no "{need}" column — add "{need}"')
    elif latitude is None and postcode is None:
        problems.append(
            f'{where}: no location columns — add "latitude" and "longitude" columns '
            '(decimal degrees), or a "postcode" column'
        )
    layout = _VenueLayout(
        name=name or 0,
        latitude=latitude,
        longitude=longitude,
        postcode=postcode,
        headers=tuple(cell.strip() for cell in header_cells),
    )
    return layout, problems


def _parse_venue_row(
    cells: list[str],
    row_number: int,
    layout: _VenueLayout,
    postcode_lookup: dict[str, tuple[float, float]],
    filename: str,
) -> tuple[dict | None, list[str]]:
    def at(column: int) -> str:
        return tables.where(filename, row_number, layout.label(column))

    problems = []

    name = cells[layout.name]
    if not name:
        problems.append(f"{at(layout.name)}: the name is blank — give each venue a name")
    elif tables.starts_like_formula(name):
        problem, fix = tables.formula_problem(name, "the name")
        problems.append(f"{at(layout.name)}: {problem} — {fix}")

    location, location_problems = _venue_location(cells, layout, postcode_lookup, at)
    problems.extend(location_problems)
    if problems or location is None:
        return None, problems
    lon, lat, easting, northing = location
    venue = {
        "site_id": f"venue-{row_number}",
        "site_name": name,
        "lon": lon,
        "lat": lat,
        "easting": easting,
        "northing": northing,
        "source": SOURCE_VENUE,
    }
    return venue, []


def _venue_location(cells, layout, postcode_lookup, at):
    """(lon, lat, easting, northing) from latitude/longitude, else postcode; or problems."""
    latitude_text = cells[layout.latitude] if layout.latitude is not None else ""
    longitude_text = cells[layout.longitude] if layout.longitude is not None else ""
    postcode_text = cells[layout.postcode] if layout.postcode is not None else ""

    if latitude_text or longitude_text:
        return _lat_lon_location(latitude_text, longitude_text, layout, at)
    if postcode_text:
        return _postcode_location(postcode_text, layout, postcode_lookup, at)
    column = layout.postcode if layout.postcode is not None else layout.latitude
    fix = (
        "give a postcode or latitude and longitude"
        if layout.postcode is not None and layout.latitude is not None
        else ("give a postcode" if layout.postcode is not None else "give latitude and longitude")
    )
    return None, [f"{at(column)}: no location — {fix}"]


def _lat_lon_location(latitude_text, longitude_text, layout, at):
    problems = []
    values = {}
    for label, text, column, example in (
        ("latitude", latitude_text, layout.latitude, "52.6369"),
        ("longitude", longitude_text, layout.longitude, "-1.1398"),
    ):
        if not text:
            problems.append(
                f"{at(column)}: the {label} is blank — give both latitude and longitude"
            )
            continue
        number = _parse_number(text)
        if number is None:
            problems.append(
                f'{at(column)}: "{_clip(text)}" is not a number — type the {label} '
                f"in decimal degrees, e.g. {example}"
            )
        else:
            values[label] = number
    if problems:
        return None, problems

    lat, lon = values["latitude"], values["longitude"]
    lat_ok = GB_LAT_RANGE[0] <= lat <= GB_LAT_RANGE[1]
    lon_ok = GB_LON_RANGE[0] <= lon <= GB_LON_RANGE[1]
    swapped = (GB_LAT_RANGE[0] <= lon <= GB_LAT_RANGE[1]) and (
        GB_LON_RANGE[0] <= lat <= GB_LON_RANGE[1]
    )
    hint = " (latitude and longitude look swapped)" if swapped else ""
    if not lat_ok:
        problems.append(
            f"{at(layout.latitude)}: latitude {lat:g} is outside Great Britain "
            f"({GB_LAT_RANGE[0]} to {GB_LAT_RANGE[1]}){hint} — check the venue's coordinates"
        )
    if not lon_ok:
        problems.append(
            f"{at(layout.longitude)}: longitude {lon:g} is outside Great Britain "
            f"({GB_LON_RANGE[0]} to {GB_LON_RANGE[1]}){hint} — check the venue's coordinates"
        )
    if problems:
        return None, problems
    easting, northing = to_bng(lon, lat)
    return (lon, lat, float(easting), float(northing)), []


def _postcode_location(postcode_text, layout, postcode_lookup, at):
    postcode = normalise_postcode(postcode_text)
    if not UK_POSTCODE.match(postcode):
        return None, [
            (
                f'{at(layout.postcode)}: "{_clip(postcode_text)}" is not a UK postcode '
                "— write it like LE2 0TA"
            )
        ]
    found = postcode_lookup.get(postcode)
    if found is None:
        return None, [
            (
                f"{at(layout.postcode)}: postcode {postcode} is not in the postcode list "
                "(OS Code-Point Open, LE postcodes only) — check it, or give latitude and "
                "longitude instead"
            )
        ]
    easting, northing = found
    lon, lat = from_bng(easting, northing)
    return (float(lon), float(lat), easting, northing), []


def _postcode_lookup(codepoint: pd.DataFrame) -> dict[str, tuple[float, float]]:
    require_columns(codepoint, ["postcode", "easting", "northing"], "codepoint")
    keys = codepoint["postcode"].astype(str).str.replace(r"\s+", "", regex=True).str.upper()
    keys = keys.str[:-3] + " " + keys.str[-3:]
    eastings = codepoint["easting"].astype(float)
    northings = codepoint["northing"].astype(float)
    return dict(zip(keys, zip(eastings, northings, strict=True), strict=True))


def _venue_frame(venues: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(venues, columns=CANDIDATE_COLUMNS)
    return frame.astype({"lon": float, "lat": float, "easting": float, "northing": float})


def _parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
