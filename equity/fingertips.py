"""Turn an OHID Fingertips "Download data" CSV export into rows of the long `values` table.

Pure: a DataFrame of the export's cells (all text) and our areas in, a `FingertipsResult`
out. Nothing here reads the catalog or writes files; the build (or ingest) decides what to
store. Bad rows never raise: each becomes one line "FILE, row N, column C: what is wrong —
what to do" (spreadsheet numbering: header = row 1, first data row = row 2), and rows that are
simply not ours (England, regions, areas outside LLR) are counted in one summary line.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from equity.schema import POLARITIES, UNITS, VALUES_COLUMNS

# The columns every Fingertips export has; the "Compared to ..." columns vary with the parent
# area type, so they are not required.
REQUIRED_COLUMNS = (
    "Indicator ID",
    "Indicator Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Count",
    "Denominator",
    "Value note",
)

# Fingertips area types -> our area_type. Matched on the lower-cased text; the first key found
# in it wins. Callers override (e.g. {"MSOA": "msoa11"} for Local Health 2011 MSOAs).
DEFAULT_AREA_TYPES = {
    "gp": "practice",
    "district": "la",
    "counties": "la",
    "county": "la",
    "ua": "la",
    "tier": "la",
    "ward": "ward",
    "msoa": "msoa",
    "middle super output": "msoa",
    "lsoa": "lsoa",
    "lower super output": "lsoa",
}

BROAD_ETHNIC_GROUPS = {
    "asian": "Asian",
    "asian or asian british": "Asian",
    "asian, asian british or asian welsh": "Asian",
    "black": "Black",
    "black or black british": "Black",
    "black, black british, black welsh, caribbean or african": "Black",
    "mixed": "Mixed",
    "mixed or multiple ethnic groups": "Mixed",
    "white": "White",
    "other": "Other",
    "other ethnic group": "Other",
    "any other ethnic group": "Other",
}

SEXES = {"persons": "All", "male": "Male", "female": "Female", "all": "All"}

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_name) if name
}


# Fingertips pools 2 to 10 years; a longer span is a typo ("2019 - 15" is not 2019-2115).
MAX_POOLED_YEARS = 20


class PeriodError(ValueError):
    """A time period text in none of the known forms."""


@dataclass
class FingertipsResult:
    values: pd.DataFrame  # the `values` schema, rows that passed
    indicators: pd.DataFrame  # catalog rows: indicator_id, label, unit, polarity, value_type ...
    left_out: str  # one summary line: rows that are not ours, and why (normal, not an error)
    problems: list[str]  # one line per refused row or missing argument; store nothing if any


# ------------------------------------------------------------------------------ periods


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_span(first: int, last: int, start_month: int) -> tuple[date, date]:
    """`first` to `last` inclusive, each a year starting in `start_month` (1 = calendar)."""
    if start_month == 1:
        return date(first, 1, 1), date(last, 12, 31)
    return date(first, start_month, 1), _month_end(last + 1, start_month - 1)


def _century(first: int, two_digits: int) -> int:
    """The year ending in `two_digits` at or after `first` ("2015 - 19" -> 2019)."""
    year = first // 100 * 100 + two_digits
    return year + 100 if year < first else year


def parse_period(text: str, year_start_month: int = 4) -> tuple[date, date]:
    """Fingertips time period text -> (period_start, period_end), both inclusive.

    Forms: "2019" (calendar year), "2021/22" (financial year from `year_start_month`, April
    by default; 9 for academic years), "2015 - 19" (pooled calendar years), "2018/19 - 20/21"
    (pooled financial years), "2021/22 Q1" (financial quarter: Q1 = April-June), "2021 Q1"
    (calendar quarter), "Jan 2021" / "2021 Jan" / "January 2021" (month), "September 2018 to
    January 2019" or "Sep 2018 - Jan 2019" (month range). Raises PeriodError otherwise.
    """
    cleaned = re.sub(r"\s+", " ", str(text)).strip()
    lowered = cleaned.lower()
    if match := re.fullmatch(r"(\d{4})", lowered):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31)
    if match := re.fullmatch(r"(\d{4}) ?- ?(\d{2}|\d{4})", lowered):
        first = int(match[1])
        last = int(match[2]) if len(match[2]) == 4 else _century(first, int(match[2]))
        if 0 <= last - first <= MAX_POOLED_YEARS:
            return _year_span(first, last, 1)
    if match := re.fullmatch(r"(\d{4})/(\d{2})", lowered):
        first = int(match[1])
        if _century(first, int(match[2])) == first + 1:
            return _year_span(first, first, year_start_month)
    if match := re.fullmatch(r"(\d{4})/(\d{2}) ?- ?(\d{2}|\d{4})/(\d{2})", lowered):
        first = int(match[1])
        last = int(match[3]) if len(match[3]) == 4 else _century(first, int(match[3]))
        if _century(first, int(match[2])) == first + 1 and 0 <= last - first <= MAX_POOLED_YEARS:
            if _century(last, int(match[4])) == last + 1:
                return _year_span(first, last, year_start_month)
    if match := re.fullmatch(r"(\d{4})(/\d{2})? q([1-4])", lowered):
        year, quarter = int(match[1]), int(match[3])
        start_month = year_start_month if match[2] else 1
        offset = start_month - 1 + 3 * (quarter - 1)
        year, month = year + offset // 12, offset % 12 + 1
        end_year, end_month = year + (month + 1) // 12, (month + 1) % 12 + 1
        return date(year, month, 1), _month_end(end_year, end_month)
    month_year = r"([a-z]+) (\d{4})"
    if match := re.fullmatch(rf"{month_year} ?(?:-|to) ?{month_year}", lowered):
        if match[1] in _MONTHS and match[3] in _MONTHS:
            start = date(int(match[2]), _MONTHS[match[1]], 1)
            end = _month_end(int(match[4]), _MONTHS[match[3]])
            if end > start:
                return start, end
    match = re.fullmatch(month_year, lowered) or re.fullmatch(r"(\d{4}) ([a-z]+)", lowered)
    if match:
        name, year = (match[1], match[2]) if match[1].isalpha() else (match[2], match[1])
        if name in _MONTHS:
            month = _MONTHS[name]
            return date(int(year), month, 1), _month_end(int(year), month)
    raise PeriodError(
        f"time period {cleaned!r} is in none of the known forms (2019, 2021/22, 2015 - 19, "
        "2018/19 - 20/21, 2021/22 Q1, 2021 Q1, Jan 2021)"
    )


# ------------------------------------------------------------------------- dimensions


def age_band(text: str) -> str:
    """Fingertips Age -> our age_band: "All ages" -> All, "15+ yrs" -> 15+, "<75 yrs" -> 0-74."""
    cleaned = re.sub(r"\s+", " ", str(text)).strip().lower()
    cleaned = re.sub(r" ?(yrs|years|year|yr)$", "", cleaned)
    if cleaned in ("all ages", "all"):
        return "All"
    if match := re.fullmatch(r"(\d+) ?- ?(\d+)", cleaned):
        if int(match[1]) <= int(match[2]):
            return f"{int(match[1])}-{int(match[2])}"
    if match := re.fullmatch(r"(\d+) ?\+", cleaned):
        return f"{int(match[1])}+"
    if match := re.fullmatch(r"< ?(\d+)", cleaned):
        if int(match[1]) > 0:
            return f"0-{int(match[1]) - 1}"
    if match := re.fullmatch(r"under (\d+)", cleaned):
        if int(match[1]) > 0:
            return f"0-{int(match[1]) - 1}"
    raise ValueError(f"age {text!r} is not a band we know (All ages, 0-4 yrs, 15+ yrs, <75 yrs)")


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def agrees_within_rounding(published: str, recomputed: float) -> bool:
    """Is `recomputed` what `published` (as text) would round from? Half a unit in its last place."""
    published = published.strip().replace(",", "")
    tolerance = 0.5 * 10 ** -_decimals(published) + 1e-9 * abs(recomputed)
    return abs(float(published) - recomputed) <= tolerance


def is_suppressed_note(note: str) -> bool:
    """Fingertips marks withheld values in Value note; they become NULL, never zero."""
    lowered = note.strip().lower()
    return lowered == "*" or "suppress" in lowered or "not published" in lowered


# ----------------------------------------------------------------------------- export


def is_fingertips_export(columns) -> bool:
    """True when the header has every standard Fingertips export column."""
    names = {str(name).strip() for name in columns}
    return all(column in names for column in REQUIRED_COLUMNS)


def read_export(path: Path) -> pd.DataFrame:
    """The export's cells as text, blanks as "" (so "NA" or "0" are never guessed at)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame


def _per_indicator(setting, fingertips_id: str):
    return setting.get(fingertips_id) if isinstance(setting, dict) else setting


def _our_area_type(fingertips_type: str, overrides: dict[str, str]) -> str | None:
    lowered = fingertips_type.strip().lower()
    for key, ours in overrides.items():
        if key.strip().lower() == lowered:
            return ours
    for key, ours in DEFAULT_AREA_TYPES.items():
        if re.search(rf"\b{re.escape(key)}", lowered):
            return ours
    return None


def _left_out_reason(fingertips_type: str) -> str:
    lowered = fingertips_type.strip().lower()
    if lowered == "england":
        return "England"
    if "region" in lowered:
        return "regions"
    return f"area type {fingertips_type.strip() or '(blank)'}, not one of our levels"


def convert_export(
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    file_name: str,
    unit: str | dict[str, str] | None,
    polarity: str | dict[str, str] | None,
    indicator_ids: dict[str, str] | None = None,
    multiplier: float | dict[str, float] | None = None,
    area_types: dict[str, str] | None = None,
    year_start_month: int = 4,
    is_modelled: bool = False,
    licence: str = "Open Government Licence v3.0",
    catalog_fields: dict[str, object] | None = None,
) -> FingertipsResult:
    """Rows of a Fingertips export (text cells) that are about our areas -> `values` rows.

    `areas` has area_code and area_type (like areas.parquet). `unit` and `polarity` are not in
    the export: give one for all indicators or a dict by Fingertips Indicator ID. `indicator_ids`
    renames (Fingertips ID -> our id; default `fingertips_<ID>`). `multiplier` is needed for
    unit "rate" to check the value against Count / Denominator (None: a standardised rate,
    not checked). Rows without an Indicator ID are not Fingertips rows: they are left out and
    counted (a mapping file can take them, see equity/mappings.py). `catalog_fields` (domain,
    vintage, method, caveat ...) are copied into every indicator row.
    """
    problems: list[str] = []
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        problems.append(
            f"{file_name}, row 1, column {missing[0]}: not a Fingertips export — "
            f"{len(missing)} standard column(s) missing ({', '.join(missing)}); "
            "download it again with Fingertips' Download data, or describe it in a mapping file"
        )
        return FingertipsResult(_empty_values(), _empty_indicators(), "", problems)

    ours = set(zip(areas["area_code"].astype(str), areas["area_type"].astype(str), strict=True))
    overrides = area_types or {}
    cells = frame.fillna("").astype(str).apply(lambda column: column.str.strip())
    left_out: Counter[str] = Counter()
    metadata: dict[str, dict] = {}
    rows: list[dict] = []

    for position, row in enumerate(cells.to_dict("records")):
        row_number = position + 2

        def problem(column: str, what: str, fix: str, row_number=row_number) -> None:
            problems.append(f"{file_name}, row {row_number}, column {column}: {what} — {fix}")

        fingertips_id = row["Indicator ID"]
        if not fingertips_id:
            left_out["rows without an Indicator ID (not Fingertips format)"] += 1
            continue
        ours_type = _our_area_type(row["Area Type"], overrides)
        if ours_type is None:
            left_out[_left_out_reason(row["Area Type"])] += 1
            continue
        if (row["Area Code"], ours_type) not in ours:
            left_out[f"areas outside LLR or not held by us ({row['Area Type']})"] += 1
            continue
        category_type = row["Category Type"].lower()
        if category_type and ("deprivation" in category_type or "imd" in category_type):
            left_out["deprivation-decile breakdowns (no place in our schema)"] += 1
            continue
        if fingertips_id not in metadata:
            metadata[fingertips_id] = _indicator_metadata(
                fingertips_id, row, unit, polarity, indicator_ids, multiplier, problem
            )
        indicator = metadata[fingertips_id]
        if indicator is None:
            continue
        converted = _convert_row(row, indicator, year_start_month, problem)
        if converted is not None:
            converted.update(area_code=row["Area Code"], area_type=ours_type)
            rows.append(converted)

    values = pd.DataFrame(rows, columns=list(VALUES_COLUMNS)) if rows else _empty_values()
    if rows:
        values["is_synthetic"] = False
        values["is_modelled"] = is_modelled
        for column in ("numerator", "denominator", "value", "lower_ci", "upper_ci"):
            values[column] = values[column].astype(float)
    indicators = pd.DataFrame(
        [
            {key: meta[key] for key in ("indicator_id", "label", "unit", "polarity")}
            | {
                "value_type": "count"
                if values.loc[values["indicator_id"] == meta["indicator_id"], "numerator"]
                .notna()
                .any()
                else "value",
                "source": f"OHID Fingertips indicator {fingertips_id} ({file_name})",
                "licence": licence,
                "method": "As published by OHID Fingertips: value and 95% confidence limits",
                **(catalog_fields or {}),
                "is_synthetic": False,
                "is_modelled": is_modelled,
            }
            for fingertips_id, meta in metadata.items()
            if meta is not None
        ]
    )
    return FingertipsResult(
        values=values,
        indicators=indicators if not indicators.empty else _empty_indicators(),
        left_out=_left_out_line(file_name, left_out, len(values)),
        problems=problems,
    )


def _indicator_metadata(fingertips_id, row, unit, polarity, indicator_ids, multiplier, problem):
    our_unit = _per_indicator(unit, fingertips_id)
    our_polarity = _per_indicator(polarity, fingertips_id)
    if our_unit not in UNITS:
        problem(
            "Indicator ID",
            f"no unit given for indicator {fingertips_id} (the export does not say; got {our_unit!r})",
            f"pass unit= one of {', '.join(UNITS)}",
        )
        return None
    if our_polarity not in POLARITIES:
        problem(
            "Indicator ID",
            f"no polarity given for indicator {fingertips_id} (the export does not say; got {our_polarity!r})",
            f"pass polarity= one of {', '.join(POLARITIES)}",
        )
        return None
    scale = _per_indicator(multiplier, fingertips_id)
    return {
        "indicator_id": (indicator_ids or {}).get(fingertips_id, f"fingertips_{fingertips_id}"),
        "label": row["Indicator Name"],
        "unit": our_unit,
        "polarity": our_polarity,
        "multiplier": 100.0 if our_unit == "percent" else scale,
    }


def _number(text: str, column: str, problem) -> tuple[bool, float]:
    if text == "":
        return True, np.nan
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        problem(column, f"{text!r} is not a number", "put a number or leave the cell blank")
        return False, np.nan
    if not np.isfinite(number):
        problem(column, f"{text!r} is not a finite number", "put a number or leave it blank")
        return False, np.nan
    return True, number


def _ethnic_group(category_type: str, category: str, problem) -> str | None:
    if not category_type:
        return "All"
    if "ethnic" in category_type.lower():
        if not category:
            problem("Category", "blank ethnic group", "fill in the Category for this row")
            return None
        return BROAD_ETHNIC_GROUPS.get(re.sub(r"\s+", " ", category).lower(), category)
    problem(
        "Category Type",
        f"category type {category_type!r} is not one we can place (ethnic groups or "
        "deprivation deciles only)",
        "remove these rows from the export, or ask for the schema to gain this breakdown",
    )
    return None


def _convert_row(row: dict, indicator: dict, year_start_month: int, problem) -> dict | None:
    try:
        start, end = parse_period(row["Time period"], year_start_month)
    except PeriodError as error:
        problem("Time period", str(error), "correct the period or export it again")
        return None
    sex = SEXES.get(row["Sex"].lower())
    if sex is None:
        problem("Sex", f"sex {row['Sex']!r} is not Persons, Male or Female", "correct it")
        return None
    try:
        band = age_band(row["Age"])
    except ValueError as error:
        problem("Age", str(error), "use an age band like 15+ yrs or 50-70 yrs")
        return None
    ethnic_group = _ethnic_group(row["Category Type"], row["Category"], problem)
    if ethnic_group is None:
        return None
    base = {
        "indicator_id": indicator["indicator_id"],
        "period_start": start,
        "period_end": end,
        "sex": sex,
        "age_band": band,
        "ethnic_group": ethnic_group,
    }
    if is_suppressed_note(row["Value note"]) or row["Value"] == "*":
        # Withheld: every figure NULL, so nothing downstream can read it as zero.
        return base | dict.fromkeys(("numerator", "denominator", "value", "lower_ci", "upper_ci"))
    figures = {}
    for ours, column in (
        ("value", "Value"),
        ("lower_ci", "Lower CI 95.0 limit"),
        ("upper_ci", "Upper CI 95.0 limit"),
        ("numerator", "Count"),
        ("denominator", "Denominator"),
    ):
        ok, figures[ours] = _number(row[column], column, problem)
        if not ok:
            return None
    scale = indicator["multiplier"]
    counted = not (np.isnan(figures["numerator"]) or np.isnan(figures["denominator"]))
    if counted and scale is not None and row["Value"] != "" and figures["denominator"] > 0:
        recomputed = figures["numerator"] / figures["denominator"] * scale
        if not agrees_within_rounding(row["Value"], recomputed):
            problem(
                "Value",
                f"published value {row['Value']} disagrees with Count / Denominator "
                f"({row['Count']} / {row['Denominator']} x {scale:g} = {recomputed:.6g})",
                "check the Count, Denominator and Value of this row (or the unit/multiplier given)",
            )
            return None
    return base | figures


def _left_out_line(file_name: str, left_out: Counter, kept: int) -> str:
    if not left_out:
        return f"{file_name}: kept all {kept:,} rows."
    reasons = ", ".join(f"{count:,} {reason}" for reason, count in left_out.most_common())
    return f"{file_name}: kept {kept:,} rows; left out {sum(left_out.values()):,}: {reasons}."


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in VALUES_COLUMNS})


def _empty_indicators() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["indicator_id", "label", "unit", "polarity", "value_type", "source", "licence"]
    )


def load_export(path: Path, areas: pd.DataFrame, **options) -> FingertipsResult:
    """`convert_export` on a file; problems are named by the file's name."""
    return convert_export(read_export(path), areas, file_name=Path(path).name, **options)
