"""Pop-up clinic planner: demand points, candidate sites, maximal covering and greedy order.

Turns "this neighbourhood is behind" into "hold clinics here, here and here":

1. ``demand_points`` weights each area centroid by the people missed in the target group
   (optionally counting Core20 areas more), with a plain-English description of the rule.
2. Candidate sites come from GP practices (``practice_candidates``), a user's venues CSV
   (``read_venues``) or area centroids (``centroid_candidates``), all in one shape.
3. ``plan_sites`` picks p sites that reach the most weighted demand within a radius using
   spopt's Maximal Covering Location Problem (CBC through PuLP), then lists the chosen
   sites in greedy order so each site's extra reach is visible; ``greedy_order`` gives the
   value of each extra site over all candidates.

Distances are straight lines in British National Grid (EPSG:27700) metres, not walking
distance along streets. All functions are pure: data in, data out.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pulp
from pyproj import Transformer
from scipy.spatial.distance import cdist
from spopt.locate import MCLP

from equity.config import FORMULA_STARTS, SOURCES_DIR

PRACTICES_CSV = SOURCES_DIR / "gp" / "gp_practices_llr_active_geocoded.csv"
CODEPOINT_CSV = SOURCES_DIR / "gp" / "codepoint_open_2025-4_le.csv"

DEFAULT_RADIUS_M = 800.0
DEFAULT_MAX_VENUE_BYTES = 5 * 1024 * 1024
MAX_REPORTED_PROBLEMS = 20

DISTANCE_NOTE = (
    "Distances are straight lines in British National Grid (EPSG:27700) metres, "
    "not walking distance along streets, so real walks are usually longer."
)

CANDIDATE_COLUMNS = [
    "site_id",
    "site_name",
    "lon",
    "lat",
    "easting",
    "northing",
    "source",
]
SOURCE_PRACTICE = "GP practice"
SOURCE_VENUE = "venue"
SOURCE_CENTROID = "area centroid"

# Generous box around Great Britain (incl. Scilly, Shetland); catches swapped or zero
# coordinates, not venues that are merely outside LLR.
GB_LAT_RANGE = (49.8, 60.9)
GB_LON_RANGE = (-8.7, 1.8)

FORMULA_PREFIXES = FORMULA_STARTS
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
LATITUDE_HEADERS = ("latitude", "lat")
LONGITUDE_HEADERS = ("longitude", "lon", "lng", "long")


# --- coordinates -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _wgs84_to_bng() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@lru_cache(maxsize=1)
def _bng_to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude (scalars or arrays) to British National Grid metres."""
    easting, northing = _wgs84_to_bng().transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)


def from_bng(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 (longitude, latitude)."""
    lon, lat = _bng_to_wgs84().transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


# --- demand ------------------------------------------------------------------------------


def demand_points(
    areas: pd.DataFrame, core20_weight: float = 1.0, point_description: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Weight each area centroid by the people missed in the target group.

    ``areas`` has area_code, area_name, lon, lat, people_missed (denominator − numerator)
    and, for Core20 weighting, imd_quintile. Negative or missing people_missed counts as 0
    (more vaccinated than the population estimate means nobody is known to be missed).
    Returns the points with easting, northing, is_core20 and weight added, and a sentence
    describing the weight rule for the user (``point_description`` replaces its first
    words, "Each neighbourhood (LSOA) is a point at its centroid", for other levels).
    """
    if not (core20_weight >= 1.0 and math.isfinite(core20_weight)):
        raise ValueError(f"core20_weight must be a number ≥ 1, got {core20_weight!r}")
    required = ["area_code", "area_name", "lon", "lat", "people_missed"]
    if core20_weight != 1.0:
        required.append("imd_quintile")
    _require_columns(areas, required, "areas")

    points = areas.copy()
    located = points["lon"].notna() & points["lat"].notna()
    if not located.all():
        missing = ", ".join(points.loc[~located, "area_code"].astype(str).head(5))
        raise ValueError(f"areas without a centroid (lon/lat): {missing}")

    points["people_missed"] = (
        pd.to_numeric(points["people_missed"], errors="coerce").fillna(0.0).clip(lower=0.0)
    )
    if "imd_quintile" in points:
        points["is_core20"] = pd.to_numeric(points["imd_quintile"], errors="coerce").eq(1)
    else:
        points["is_core20"] = False
    points["easting"], points["northing"] = to_bng(points["lon"], points["lat"])
    points["weight"] = points["people_missed"] * np.where(points["is_core20"], core20_weight, 1.0)
    return points.reset_index(drop=True), weight_rule_text(core20_weight, point_description)


def weight_rule_text(core20_weight: float, point_description: str | None = None) -> str:
    """The demand weighting rule in plain English, to show beside the results."""
    base = (
        f"{point_description or 'Each neighbourhood (LSOA) is a point at its centroid'}, "
        "weighted by the people in the target group it has missed (eligible minus reached)."
    )
    if core20_weight == 1.0:
        return base + " Every person missed counts once, whatever the area's deprivation."
    return (
        base + f" People missed in Core20 areas (the most deprived fifth nationally, "
        f"IMD quintile 1) count {core20_weight:g} times; everyone else counts once."
    )


# --- candidate sites ---------------------------------------------------------------------


def read_practice_file(path: Path = PRACTICES_CSV) -> pd.DataFrame:
    """The shipped geocoded GP practice list (org_code, name, postcode, lon, lat, ...)."""
    return pd.read_csv(path, dtype={"org_code": str, "name": str, "postcode": str})


def read_codepoint(path: Path = CODEPOINT_CSV) -> pd.DataFrame:
    """OS Code-Point Open postcodes (postcode, easting, northing in EPSG:27700)."""
    return pd.read_csv(path, usecols=["postcode", "easting", "northing"], dtype={"postcode": str})


def practice_candidates(practices: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """GP practices as candidate sites; practices without coordinates are skipped with a reason.

    ``practices`` has org_code, name, lon, lat, easting, northing (as in the shipped file).
    Returns (candidates, skipped reasons).
    """
    _require_columns(
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
    _require_columns(areas, ["area_code", "area_name", "lon", "lat"], "areas")
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
    _check_unique_site_ids(combined)
    return combined


# --- venues CSV --------------------------------------------------------------------------


class VenueFileError(ValueError):
    """A venues file was refused. ``problems`` holds up to 20 messages, each
    ``FILE: row R, column C: problem — how to fix``; ``total_problems`` counts them all."""

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
    header is row 1) and columns by letter and header. The whole file is refused if any
    row is bad, so a planner never plans with half a list.
    """
    if filename is None:
        filename = _source_name(source)
    raw = _read_limited(source, max_bytes)
    if len(raw) > max_bytes:
        raise VenueFileError(
            filename,
            [
                (
                    f"{filename}: the file is larger than the {_format_bytes(max_bytes)} limit "
                    "— keep only the name and location columns, or split it into smaller files"
                )
            ],
        )
    text = _decode_utf8(raw, filename)
    if not text.strip():
        raise VenueFileError(
            filename,
            [
                (
                    f"{filename}: the file is empty — add a header row "
                    '(e.g. "name,postcode") and one row per venue'
                )
            ],
        )
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise VenueFileError(
            filename,
            [f"{filename}: the file is not valid CSV ({error}) — check its quotes"],
        ) from None

    layout, problems = _venue_layout(rows[0], filename)
    n_columns = len(rows[0])
    if problems:
        raise VenueFileError(filename, problems)

    postcode_lookup = _postcode_lookup(codepoint) if layout.postcode is not None else {}
    venues: list[dict] = []
    for row_number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (often trailing) are not venues
        venue, row_problems = _parse_venue_row(
            cells, row_number, n_columns, layout, postcode_lookup, filename
        )
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
        """Spreadsheet letter and the header as written, e.g. 'B (latitude)'."""
        header = self.headers[column] if column < len(self.headers) else ""
        return f"{_column_letter(column)} ({header})" if header else _column_letter(column)


def _venue_layout(header_cells: list[str], filename: str) -> tuple[_VenueLayout, list[str]]:
    """Which column holds what (headers matched case-insensitively), or header problems."""
    header = [cell.strip().lower() for cell in header_cells]
    where = f"{filename}: row 1 (header)"
    problems = []
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    for name in duplicated:
        problems.append(f'{where}: the column "{name}" appears twice — keep only one')

    def find(names: Iterable[str]) -> int | None:
        return next((header.index(name) for name in names if name in header), None)

    name = find(["name"])
    latitude = find(LATITUDE_HEADERS)
    longitude = find(LONGITUDE_HEADERS)
    postcode = find(["postcode"])
    hint = (
        " (the file seems to use semicolons: save it as comma-separated CSV)"
        if len(header) == 1 and ";" in header[0]
        else ""
    )
    if name is None:
        problems.append(
            f'{where}: no "name" column — add a column headed "name" with each venue\'s name' + hint
        )
    if (latitude is None) != (longitude is None):
        have, need = ("latitude", "longitude") if longitude is None else ("longitude", "latitude")
        problems.append(f'{where}: a "{have}" column but no "{need}" column — add "{need}"')
    elif latitude is None and postcode is None:
        problems.append(
            f'{where}: no location columns — add "latitude" and "longitude" columns '
            '(decimal degrees), or a "postcode" column' + hint
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
    n_columns: int,
    layout: _VenueLayout,
    postcode_lookup: dict[str, tuple[float, float]],
    filename: str,
) -> tuple[dict | None, list[str]]:
    def at(column: int) -> str:
        return f"{filename}: row {row_number}, column {layout.label(column)}"

    if len(cells) > n_columns:
        return None, [
            (
                f"{filename}: row {row_number}: {len(cells)} values but the header has "
                f"{n_columns} columns — put quotes around names that contain commas"
            )
        ]
    cells = [cell.strip() for cell in cells] + [""] * (n_columns - len(cells))
    problems = []

    name = cells[layout.name]
    if not name:
        problems.append(f"{at(layout.name)}: the name is blank — give each venue a name")
    elif name.startswith(FORMULA_PREFIXES):
        problems.append(
            f'{at(layout.name)}: the name starts with "{name[0].strip() or "a tab"}", which '
            "spreadsheets run as a formula — remove that character or the formula"
        )

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


def normalise_postcode(text: str) -> str:
    """Upper case with one space before the inward code: ' le2  0ta' -> 'LE2 0TA'."""
    compact = re.sub(r"\s+", "", str(text)).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _postcode_lookup(codepoint: pd.DataFrame) -> dict[str, tuple[float, float]]:
    _require_columns(codepoint, ["postcode", "easting", "northing"], "codepoint")
    keys = codepoint["postcode"].astype(str).str.replace(r"\s+", "", regex=True).str.upper()
    keys = keys.str[:-3] + " " + keys.str[-3:]
    eastings = codepoint["easting"].astype(float)
    northings = codepoint["northing"].astype(float)
    return dict(zip(keys, zip(eastings, northings, strict=True), strict=True))


def _venue_frame(venues: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(venues, columns=CANDIDATE_COLUMNS)
    return frame.astype({"lon": float, "lat": float, "easting": float, "northing": float})


def _read_limited(source, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes, so an oversize file is detected without reading it all."""
    if isinstance(source, bytes):
        return source[: max_bytes + 1]
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return handle.read(max_bytes + 1)
    return source.read(max_bytes + 1)


def _decode_utf8(raw: bytes, filename: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        prefix = raw[: error.start].decode("utf-8-sig")
        row, column = _position_in_csv(prefix)
        bad = raw[error.start : error.start + 1].hex().upper()
        where = f"{filename}: row {row}, column {_column_letter(column)}"
        raise VenueFileError(
            filename,
            [
                (
                    f"{where}: the file is not UTF-8 text (byte 0x{bad}) — in Excel use "
                    '"Save As" and choose "CSV UTF-8 (Comma delimited)"'
                )
            ],
        ) from None


def _position_in_csv(prefix: str) -> tuple[int, int]:
    """Spreadsheet row (1-based) and column index (0-based) at the end of a CSV prefix."""
    records = list(csv.reader(io.StringIO(prefix + "\x00", newline="")))
    # The sentinel keeps a final empty field (and an ending newline) visible to the parser.
    if not records:
        return 1, 0
    return len(records), len(records[-1]) - 1


def _parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"


def _source_name(source) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    return Path(getattr(source, "name", "") or "venues.csv").name


# --- optimisation ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """The chosen sites and what they reach.

    ``sites``: one row per chosen site in greedy order (must-keep sites first) with
    order, site_id, site_name, source, lon, lat, must_keep, people_reached (people missed
    first reached by this site, so the rows add up to the total), weighted_reached (the
    same under the demand weight rule), core20_people_reached, cumulative_reached,
    share_of_missed (cumulative_reached / all people missed).
    ``demand``: the demand points with coverable, covered, covering_site_id,
    covering_site_name (the first site in ``sites`` order within the radius) and
    nearest_site_m (straight-line distance to the nearest chosen site).
    ``greedy``: ``greedy_order`` over all candidates, the value of each extra site.
    """

    sites: pd.DataFrame
    demand: pd.DataFrame
    greedy: pd.DataFrame
    solver_status: str
    p: int
    radius_m: float
    total_missed: float
    total_reached: float
    coverable_missed: float
    total_weight: float
    weight_reached: float
    distance_note: str = DISTANCE_NOTE

    @property
    def share_reached(self) -> float:
        return _share(self.total_reached, self.total_missed)


def coverage_matrix(demand: pd.DataFrame, candidates: pd.DataFrame, radius_m: float) -> np.ndarray:
    """Boolean [demand, candidate]: within radius_m straight-line metres (EPSG:27700)."""
    distances = _distances(demand, candidates)
    return distances <= radius_m


def plan_sites(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    p: int,
    radius_m: float = DEFAULT_RADIUS_M,
    must_keep: Iterable[str] = (),
    greedy_steps: int | None = None,
) -> PlanResult:
    """Choose p candidate sites that reach the most weighted demand within radius_m.

    ``demand`` needs easting, northing, weight (from ``demand_points``); people_missed
    and is_core20 are used for reporting when present. ``candidates`` has the
    ``CANDIDATE_COLUMNS``. Sites in ``must_keep`` (site ids) are always chosen. Solved
    exactly as a Maximal Covering Location Problem (spopt MCLP, CBC solver). The
    optimised (weighted) reach never falls as p grows. ``greedy_steps`` limits the
    greedy table (default: until no site adds anyone).
    """
    demand, candidates, must_keep_ids = _validated_inputs(demand, candidates, radius_m, must_keep)
    _check_site_count(p, len(candidates), len(must_keep_ids))
    distances = _distances(demand, candidates)
    covers = distances <= radius_m
    weights = demand["weight"].to_numpy(dtype=float)
    forced = candidates["site_id"].isin(must_keep_ids).to_numpy()

    chosen, solver_status = _solve_mclp(distances, weights, radius_m, p, forced)
    chosen_in_order = _greedy_sequence(
        covers,
        weights,
        allowed=chosen,
        forced=np.flatnonzero(forced),
        steps=len(chosen),
    )
    order = [index for index, _ in chosen_in_order]

    demand_out = _demand_coverage(demand, candidates, covers, distances, order)
    sites = _site_table(demand_out, candidates, covers, order, forced)
    greedy = greedy_order(demand, candidates, radius_m, greedy_steps, must_keep=must_keep_ids)

    people = demand_out["people_missed"].to_numpy(dtype=float)
    covered = demand_out["covered"].to_numpy()
    return PlanResult(
        sites=sites,
        demand=demand_out,
        greedy=greedy,
        solver_status=solver_status,
        p=p,
        radius_m=float(radius_m),
        total_missed=float(people.sum()),
        total_reached=float(people[covered].sum()),
        coverable_missed=float(people[demand_out["coverable"].to_numpy()].sum()),
        total_weight=float(weights.sum()),
        weight_reached=float(weights[covered].sum()),
    )


def greedy_order(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    radius_m: float = DEFAULT_RADIUS_M,
    k: int | None = None,
    must_keep: Iterable[str] = (),
) -> pd.DataFrame:
    """Add sites one at a time, each time the one reaching the most new weighted demand.

    Must-keep sites come first. Stops after k sites, or (k None) when no site adds anyone.
    Columns: step, site_id, site_name, must_keep, marginal_reached (people),
    marginal_weighted, cumulative_reached, share_of_missed.
    """
    demand, candidates, must_keep_ids = _validated_inputs(demand, candidates, radius_m, must_keep)
    covers = coverage_matrix(demand, candidates, radius_m)
    weights = demand["weight"].to_numpy(dtype=float)
    people = _people_missed(demand)
    forced = np.flatnonzero(candidates["site_id"].isin(must_keep_ids).to_numpy())
    steps = len(candidates) if k is None else min(int(k), len(candidates))
    sequence = _greedy_sequence(
        covers,
        weights,
        allowed=np.arange(len(candidates)),
        forced=forced,
        steps=steps,
        stop_when_no_gain=k is None,
    )
    rows = []
    reached = np.zeros(len(demand), dtype=bool)
    cumulative = 0.0
    for step, (index, marginal_weight) in enumerate(sequence, start=1):
        newly = covers[:, index] & ~reached
        reached |= newly
        marginal_people = float(people[newly].sum())
        cumulative += marginal_people
        rows.append(
            {
                "step": step,
                "site_id": candidates["site_id"].iat[index],
                "site_name": candidates["site_name"].iat[index],
                "must_keep": bool(index in forced),
                "marginal_reached": marginal_people,
                "marginal_weighted": marginal_weight,
                "cumulative_reached": cumulative,
                "share_of_missed": _share(cumulative, people.sum()),
            }
        )
    columns = [
        "step", "site_id", "site_name", "must_keep", "marginal_reached",
        "marginal_weighted", "cumulative_reached", "share_of_missed",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _solve_mclp(
    distances: np.ndarray,
    weights: np.ndarray,
    radius_m: float,
    p: int,
    forced: np.ndarray,
) -> tuple[np.ndarray, str]:
    """Indices of the chosen candidates and the solver's status word."""
    with warnings.catch_warnings():
        # PuLP 3.3 warns about its own 4.0 API changes on every variable spopt makes.
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(
            distances,
            weights,
            service_radius=radius_m,
            p_facilities=p,
            predefined_facilities_arr=forced.astype(int) if forced.any() else None,
        )
        try:
            model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
        except RuntimeError:  # spopt raises when the status is not optimal
            status = pulp.LpStatus.get(model.problem.status, str(model.problem.status))
            raise PlanningError(f"the optimiser did not find a plan (status: {status})") from None
    status = pulp.LpStatus[model.problem.status]
    chosen = np.array(
        [index for index, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5],
        dtype=int,
    )
    if len(chosen) != p:
        raise PlanningError(f"the optimiser returned {len(chosen)} sites instead of {p}")
    return chosen, status


class PlanningError(RuntimeError):
    """The optimiser could not produce a plan."""


def _greedy_sequence(
    covers: np.ndarray,
    weights: np.ndarray,
    allowed: np.ndarray,
    forced: np.ndarray,
    steps: int,
    stop_when_no_gain: bool = False,
) -> list[tuple[int, float]]:
    """(candidate index, marginal weight) in greedy order; forced ones first, ties by index."""
    reached = np.zeros(covers.shape[0], dtype=bool)
    remaining = sorted({int(i) for i in allowed})
    to_force = sorted({int(i) for i in forced})
    sequence: list[tuple[int, float]] = []
    while len(sequence) < steps and remaining:
        pool = to_force or remaining
        gains = (weights * ~reached) @ covers[:, pool]
        best = int(np.argmax(gains))
        if not to_force and stop_when_no_gain and gains[best] <= 0:
            break
        index = pool[best]
        sequence.append((index, float(gains[best])))
        reached |= covers[:, index]
        remaining.remove(index)
        if index in to_force:
            to_force.remove(index)
    return sequence


def _demand_coverage(demand, candidates, covers, distances, order) -> pd.DataFrame:
    result = demand.copy()
    result["people_missed"] = _people_missed(demand)
    result["coverable"] = covers.any(axis=1)
    ordered_covers = covers[:, order]
    covered = ordered_covers.any(axis=1)
    first = np.argmax(ordered_covers, axis=1)
    site_ids = candidates["site_id"].to_numpy()[order]
    site_names = candidates["site_name"].to_numpy()[order]
    result["covered"] = covered
    result["covering_site_id"] = np.where(covered, site_ids[first], None)
    result["covering_site_name"] = np.where(covered, site_names[first], None)
    result["nearest_site_m"] = distances[:, order].min(axis=1)
    return result


def _site_table(demand_out, candidates, covers, order, forced) -> pd.DataFrame:
    people = demand_out["people_missed"].to_numpy(dtype=float)
    weights = demand_out["weight"].to_numpy(dtype=float)
    core20 = (
        demand_out["is_core20"].fillna(False).to_numpy(dtype=bool)
        if "is_core20" in demand_out
        else np.zeros(len(demand_out), dtype=bool)
    )
    reached = np.zeros(len(demand_out), dtype=bool)
    rows = []
    for position, index in enumerate(order, start=1):
        newly = covers[:, index] & ~reached
        reached |= newly
        rows.append(
            {
                "order": position,
                "site_id": candidates["site_id"].iat[index],
                "site_name": candidates["site_name"].iat[index],
                "source": candidates["source"].iat[index],
                "lon": float(candidates["lon"].iat[index]),
                "lat": float(candidates["lat"].iat[index]),
                "must_keep": bool(forced[index]),
                "people_reached": float(people[newly].sum()),
                "weighted_reached": float(weights[newly].sum()),
                "core20_people_reached": float(people[newly & core20].sum()),
            }
        )
    sites = pd.DataFrame(rows)
    sites["cumulative_reached"] = sites["people_reached"].cumsum()
    sites["share_of_missed"] = [
        _share(value, people.sum()) for value in sites["cumulative_reached"]
    ]
    return sites


def _validated_inputs(demand, candidates, radius_m, must_keep):
    _require_columns(demand, ["easting", "northing", "weight"], "demand")
    _require_columns(candidates, CANDIDATE_COLUMNS, "candidates")
    if demand.empty:
        raise ValueError("there are no demand points to plan for")
    if candidates.empty:
        raise ValueError("there are no candidate sites")
    weights = pd.to_numeric(demand["weight"], errors="coerce")
    if weights.isna().any() or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("demand weights must be finite numbers ≥ 0")
    if not (isinstance(radius_m, (int, float)) and radius_m > 0 and math.isfinite(radius_m)):
        raise ValueError(f"the radius must be a positive number of metres, got {radius_m!r}")
    _check_unique_site_ids(candidates)
    must_keep_ids = list(dict.fromkeys(str(site) for site in must_keep))
    unknown = [site for site in must_keep_ids if site not in set(candidates["site_id"])]
    if unknown:
        raise ValueError(f"must-keep sites are not among the candidates: {', '.join(unknown)}")
    return (
        demand.reset_index(drop=True),
        candidates.reset_index(drop=True),
        must_keep_ids,
    )


def _check_site_count(p, n_candidates: int, n_must_keep: int) -> None:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"the number of sites must be a whole number ≥ 1, got {p!r}")
    if p > n_candidates:
        raise ValueError(f"asked for {p} sites but there are only {n_candidates} candidates")
    if n_must_keep > p:
        raise ValueError(f"{n_must_keep} must-keep sites but only {p} sites to choose")


def _distances(demand: pd.DataFrame, candidates: pd.DataFrame) -> np.ndarray:
    return cdist(
        demand[["easting", "northing"]].to_numpy(dtype=float),
        candidates[["easting", "northing"]].to_numpy(dtype=float),
    )


def _people_missed(demand: pd.DataFrame) -> np.ndarray:
    column = "people_missed" if "people_missed" in demand else "weight"
    return demand[column].to_numpy(dtype=float)


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def _check_unique_site_ids(candidates: pd.DataFrame) -> None:
    duplicated = candidates["site_id"][candidates["site_id"].duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"site ids must be unique; repeated: {', '.join(map(str, duplicated[:5]))}"
        )


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing columns: {', '.join(missing)}")
