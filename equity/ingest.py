"""Validate a user's extract and add it to the extracts folder atomically.

A user's file (a GP-system export, a screening return, life-expectancy inputs) is checked
against the `values` contract in docs/ARCHITECTURE.md. Every failure becomes a Problem with a
spreadsheet row number (header = row 1, first data row = row 2), the column, what is wrong and
how to fix it; bad input never raises. Accepted files are written with a temp file + fsync +
os.replace under the extracts lock the build also takes (equity.locks), so a refused or
interrupted ingest leaves the store byte-identical and a build never loses one.

Besides the values layout: a Fingertips "Download data" export is recognised by its header
(equity.fingertips; published values and limits kept, rows outside LLR left out in one line),
and any other shape comes with a mapping file (equity.mappings). Count-based indicators come
as whole counts with a non-zero denominator; a value written beside them must agree with them
within its rounding. Every accepted or refused ingest adds one line to the audit log.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from equity import fingertips, mappings
from equity.locks import ExtractsBusy, extracts_lock
from equity.schema import (
    AREA_TYPES,
    CATEGORY_COLUMNS,
    COUNT_COLUMNS,
    DOMAINS,
    FLAG_COLUMNS,
    KEY_COLUMNS,
    PERIOD_COLUMNS,
    POLARITIES,
    REQUIRED_VALUES_COLUMNS,
    SEXES,
    SORT_COLUMNS,
    UNIT_RANGES,
    UNITS,
    USER_SOURCE_PREFIX,
    VALUE_COLUMNS,
    VALUE_TYPES,
    VALUES_ARROW_SCHEMA,
    VALUES_COLUMNS,
    VALUES_DTYPES,
)
from equity.stats import rate_with_ci
from equity.tables import (
    Problem,
    Problems,
    Table,
    check_header,
    format_problems,
    formula_mask,
    formula_problem,
    is_blank,
    nearest,
    read_table,
    starts_like_formula,
)

DEFAULT_MAX_BYTES = 50_000_000
TOO_LARGE_FIX = "split it (e.g. one file per year or per indicator) or raise the limit (--max-mb)"

LE_REQUIRED_COLUMNS = ("area_code", "age_band_start", "deaths", "population")
LE_OPTIONAL_COLUMNS = ("sex", "period_start", "period_end")
LE_AGE_BAND_STARTS = (0, 1, *range(5, 95, 5))

SEX_SYNONYMS = {
    "f": "Female",
    "female": "Female",
    "females": "Female",
    "women": "Female",
    "woman": "Female",
    "m": "Male",
    "male": "Male",
    "males": "Male",
    "men": "Male",
    "man": "Male",
}
# Words exporters write where the contract wants the explicit category "All".
ALL_SYNONYMS = {
    "",
    "all",
    "null",
    "none",
    "na",
    "n/a",
    "nan",
    "-",
    "total",
    "persons",
    "people",
    "both",
    "any",
    "all ages",
    "everyone",
}
AGE_BAND_PATTERN = re.compile(r"^(?:All|(\d{1,3})-(\d{1,3})|(\d{1,3})\+)$")
INDICATOR_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
SOURCE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
CATALOG_NAME = "indicators.parquet"
# Units whose files bring value and limits (no counts); percent and rate come as counts.
VALUE_UNITS = ("years", "ratio")
UNIT_FIX = (
    "pass --unit percent (proportions), rate (count per --multiplier people), years (life "
    "expectancy) or ratio (e.g. standardised ratios)"
)
POLARITY_FIX = (
    "pass --polarity higher_is_better (e.g. uptake), lower_is_better (e.g. mortality) or "
    "no_judgement (compared, never judged: e.g. recorded prevalence)"
)
MULTIPLIER_FIX = "pass --multiplier 100000 (per 100,000 people; or 100, 1000 ...)"
TRUE_WORDS = {"true", "t", "yes", "y", "1", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0"}


@dataclass
class ValidationReport:
    ok: bool
    problems: list[Problem]
    frame: pd.DataFrame | None
    summary: str
    problem_count: int = 0  # total found; `problems` may hold fewer (capped per check)
    # the new indicators' catalog rows: one dict (a values file), or a list (an export)
    catalog_row: dict | list[dict] | None = None
    notes: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # columns a mapping did not place
    sha256: str = ""  # of the checked file's bytes, for the audit log


class IngestConflict(Exception):
    """The store changed under us (e.g. another ingest took the indicator id)."""


# --------------------------------------------------------------------------- problem collection


def _refused(
    path: Path, collector: Problems, columns_order: tuple[str, ...] = ()
) -> ValidationReport:
    order = {name: i for i, name in enumerate(columns_order)}
    problems = sorted(
        collector.kept,
        key=lambda p: (p.row if p.row is not None else -1, order.get(p.column or "", len(order))),
    )
    count = collector.total
    summary = f"{path}: refused — {count} problem{'s' if count != 1 else ''}"
    return ValidationReport(False, problems, None, summary, problem_count=count)


# --------------------------------------------------------------------------- cell parsing


def _map_distinct(raw: pd.Series, function: Callable[[object], object]) -> pd.Series:
    """function applied once per distinct cell (files repeat codes, dates and categories)."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [function(value) for value in uniques]
    mapped[-1] = function(None)  # code -1 (missing) picks the last slot
    return pd.Series(mapped[codes], index=raw.index, dtype=object)


def _as_text(raw: pd.Series) -> pd.Series:
    """Stripped strings, None for blank cells."""
    return _map_distinct(raw, lambda v: None if is_blank(v) else str(v).strip())


def _as_number(raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(float values, blank mask, unreadable mask)."""
    text = _as_text(raw)
    blank = text.isna().to_numpy()
    numbers = pd.to_numeric(text.where(~blank, np.nan), errors="coerce").astype("float64")
    unreadable = (~blank) & ~np.isfinite(numbers.to_numpy())
    return numbers, blank, unreadable


def _parse_date(value: object) -> pd.Timestamp | None:
    if isinstance(value, (pd.Timestamp, datetime, date, np.datetime64)):
        stamp = pd.Timestamp(value)
        return None if stamp is pd.NaT else stamp.normalize()
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return pd.Timestamp(datetime.strptime(text, pattern))
        except ValueError:
            continue
    return None


def _as_date(raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(datetime64[ns] values, blank mask, unreadable mask)."""
    blank = _map_distinct(raw, is_blank).to_numpy(dtype=bool)
    parsed = _map_distinct(raw, lambda v: pd.NaT if is_blank(v) else (_parse_date(v) or pd.NaT))
    dates = pd.to_datetime(parsed).astype("datetime64[ns]")
    unreadable = (~blank) & dates.isna().to_numpy()
    return dates, blank, unreadable


def _as_flag(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(bool values, blank means False; unreadable mask)."""

    def parse(value: object) -> bool | None:
        if is_blank(value):
            return False
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        word = str(value).strip().lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None

    parsed = _map_distinct(raw, parse)
    unreadable = parsed.isna().to_numpy()
    return parsed.fillna(False).astype(bool), unreadable


def _first_rows(mask: np.ndarray, values: pd.Series) -> dict[object, tuple[int, int]]:
    """For each distinct value under mask: (position of first row, number of rows)."""
    picked = values[mask]
    result: dict[object, tuple[int, int]] = {}
    for position, value in zip(np.flatnonzero(mask), picked, strict=True):
        first, count = result.get(value, (int(position), 0))
        result[value] = (first, count + 1)
    return result


def _rows_note(count: int) -> str:
    return "" if count <= 1 else f" (and {count - 1} more row{'s' if count > 2 else ''} like it)"


# --------------------------------------------------------------------------- catalog helpers


def _catalog_by_id(catalog: pd.DataFrame | None) -> dict[str, dict]:
    if catalog is None or catalog.empty or "indicator_id" not in catalog.columns:
        return {}
    return {str(row["indicator_id"]): row for row in catalog.to_dict("records")}


def _is_user_indicator(row: dict) -> bool:
    source = row.get("source")
    return isinstance(source, str) and source.startswith(USER_SOURCE_PREFIX)


def _value_type(row: dict) -> str:
    declared = row.get("value_type")
    if isinstance(declared, str) and declared in VALUE_TYPES:
        return declared
    return "value" if row.get("unit") in VALUE_UNITS else "count"


def _multiplier(row: dict) -> float | None:
    """The rate multiplier (per 100,000 ...) of a catalog row; None where it has none."""
    scale = row.get("multiplier")
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        return None
    return scale if math.isfinite(scale) and scale > 0 else None


def _collision_problem(indicator_id: str, row: dict) -> tuple[str, str]:
    kind = (
        "the synthetic demo indicator" if bool(row.get("is_synthetic")) else "a shipped indicator"
    )
    return (
        f"indicator_id '{indicator_id}' is {kind} ('{row.get('label', indicator_id)}'); "
        "an extract adds new indicators and never overwrites or mixes with shipped ones",
        f"give your indicator its own id, e.g. '{indicator_id}_local', with --indicator-id and "
        "the catalog flags",
    )


def _check_new_indicator(
    new_indicator: dict | None, catalog_by_id: dict[str, dict], problems: Problems
) -> dict | None:
    """The catalog row to add (or None); problems for bad or colliding flags."""
    if not new_indicator:
        return None
    indicator_id = str(new_indicator.get("indicator_id") or "").strip()
    if not INDICATOR_ID_PATTERN.fullmatch(indicator_id):
        problems.add(
            None,
            None,
            f"--indicator-id '{indicator_id}' is not a valid id",
            "use 2–64 lower-case letters, digits and underscores, starting with a letter (e.g. "
            "bowel_screening_local)",
        )
        return None
    existing = catalog_by_id.get(indicator_id)
    if existing is not None and not _is_user_indicator(existing):
        problems.add(None, None, *_collision_problem(indicator_id, existing))
        return None
    flags = {key: new_indicator.get(key) for key in ("label", "unit", "polarity", "multiplier")}
    if existing is not None and not any(flags.values()):
        return None  # re-supplying an indicator an earlier ingest added: its catalog row stands
    label = str(flags["label"] or "").strip()
    if not label:
        problems.add(
            None,
            None,
            f"new indicator '{indicator_id}' has no label",
            "pass --label 'What it measures'",
        )
    elif starts_like_formula(label):
        problems.add(None, None, *formula_problem(label, "--label"))
    _check_unit_and_polarity(flags, problems)
    domain = new_indicator.get("domain") or (
        "life_expectancy" if flags["unit"] == "years" else "context"
    )
    if domain not in DOMAINS:
        problems.add(
            None, None, f"domain '{domain}' is not one of {', '.join(DOMAINS)}", "pick one of those"
        )
    if problems:
        return None
    value_type = new_indicator.get("value_type") or (
        "value" if flags["unit"] in VALUE_UNITS else "count"
    )
    target = new_indicator.get("target")
    return _catalog_row(
        indicator_id,
        label,
        unit=flags["unit"],
        polarity=flags["polarity"],
        multiplier=flags["multiplier"],
        domain=domain,
        value_type=value_type,
        target=target,
        licence=new_indicator.get("licence"),
        method=new_indicator.get("method"),
        caveat=new_indicator.get("caveat"),
    )


def _check_unit_and_polarity(flags: dict, problems: Problems) -> None:
    """--unit, --polarity and (for rates) --multiplier: present and known."""
    if flags.get("unit") not in UNITS:
        problems.add(
            None,
            None,
            f"--unit '{flags.get('unit') or ''}' is not one of {', '.join(UNITS)}",
            UNIT_FIX,
        )
    if flags.get("polarity") not in POLARITIES:
        problems.add(
            None,
            None,
            f"--polarity '{flags.get('polarity') or ''}' is not one of {', '.join(POLARITIES)}",
            POLARITY_FIX,
        )
    scale = flags.get("multiplier")
    if scale is not None and _multiplier({"multiplier": scale}) is None:
        problems.add(None, None, f"--multiplier '{scale}' is not a positive number", MULTIPLIER_FIX)
    elif flags.get("unit") == "rate" and scale is None and flags.get("counted", True):
        problems.add(
            None,
            None,
            "a count-based rate needs its multiplier (value = count / denominator x multiplier)",
            MULTIPLIER_FIX,
        )


def _catalog_row(
    indicator_id: str,
    label: str,
    *,
    unit: str,
    polarity: str,
    multiplier: object,
    domain: str,
    value_type: str,
    target: object = None,
    licence: str | None = None,
    method: str | None = None,
    caveat: str | None = None,
    is_modelled: bool = False,
) -> dict:
    """A catalog row for an indicator a user's file adds (source completed by add_extract)."""
    return {
        "indicator_id": indicator_id,
        "label": label,
        "short_label": label[:40],
        "domain": domain,
        "unit": unit,
        # only rates carry a multiplier; percent is always x 100, value types have none
        "multiplier": (_multiplier({"multiplier": multiplier}) or math.nan)
        if unit == "rate"
        else math.nan,
        "polarity": polarity,
        "target": float(target) if target is not None else math.nan,
        "value_type": value_type,
        "source": USER_SOURCE_PREFIX,  # completed with the source name by add_extract
        "licence": licence or "user-supplied",
        "vintage": "",
        "method": method or "",
        "caveat": caveat or "Added by a user's extract; not checked against published figures.",
        "default_sex": "All",
        "default_age_band": "All",
        "is_synthetic": False,
        "is_modelled": is_modelled,
    }


# --------------------------------------------------------------------------- header checks


def _missing_column_hint(name: str) -> str:
    if name in ("sex", "age_band", "ethnic_group"):
        return f"add a column '{name}' (write All in every row if the file has no {name} breakdown)"
    if name == "area_type":
        return (
            "add a column 'area_type' (la, ward, msoa, lsoa or practice, matching each area_code)"
        )
    if name in PERIOD_COLUMNS:
        return f"add a column '{name}' with dates as YYYY-MM-DD"
    if name in COUNT_COLUMNS:
        return f"add a column '{name}': a count-based indicator needs numerator and denominator"
    if name == "value":
        return (
            "add a column 'value': a value-type indicator (e.g. years) "
            "brings value, lower_ci and upper_ci"
        )
    return f"add a column named '{name}'"


# --------------------------------------------------------------------------- row checks


class _Rows:
    """Typed access to the table's columns by name."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.index = {name: i for i, name in enumerate(table.header)}
        self.rows = table.row_numbers
        self.length = len(table.frame)

    def has(self, name: str) -> bool:
        return name in self.index

    def raw(self, name: str) -> pd.Series:
        if name not in self.index:
            return pd.Series([None] * self.length, dtype=object)
        return self.table.column(self.index[name])


def _check_text(
    rows: _Rows, name: str, problems: Problems, *, all_category: bool
) -> tuple[pd.Series, np.ndarray]:
    """Stripped text and a mask of cells already reported (blank or formula)."""
    text = _as_text(rows.raw(name))
    lowered = _map_distinct(text, lambda v: v.lower() if isinstance(v, str) else "")
    if all_category:
        null_like = (text.isna() | (lowered.isin(ALL_SYNONYMS) & (text != "All"))).to_numpy()
        values_for_group = text.fillna("")
        for value, (first, count) in _first_rows(null_like, values_for_group).items():
            shown = "empty" if value == "" else f"'{value}'"
            problems.add(
                int(rows.rows[first]),
                name,
                f"{name} is {shown}, where the category 'All' is meant{_rows_note(count)}",
                "write All (capital A) in rows that cover everyone; 'All' is a category, never "
                "blank or NULL",
            )
    else:
        null_like = text.isna().to_numpy()
        problems.add_rows(
            null_like,
            rows.rows,
            name,
            lambda _p: (f"{name} is empty", f"fill in {name} in every row"),
        )
    formula = formula_mask(text) & ~null_like
    problems.add_rows(
        formula,
        rows.rows,
        name,
        lambda p: formula_problem(text.iloc[p]),
    )
    return text, null_like | formula


def _check_sex(rows: _Rows, problems: Problems) -> pd.Series:
    sex, done = _check_text(rows, "sex", problems, all_category=True)
    bad = ~done & ~sex.isin(SEXES).to_numpy()
    for value, (first, count) in _first_rows(bad, sex).items():
        suggestion = SEX_SYNONYMS.get(str(value).lower())
        problems.add(
            int(rows.rows[first]),
            "sex",
            f"sex '{value}' is not one of {', '.join(SEXES)}{_rows_note(count)}",
            f"write {suggestion}" if suggestion else "use exactly All, Female or Male",
        )
    return sex


def _age_band_ok(value: object) -> bool:
    match = AGE_BAND_PATTERN.fullmatch(str(value))
    return bool(match) and not (match.group(1) and int(match.group(1)) > int(match.group(2)))


def _check_age_band(rows: _Rows, problems: Problems) -> pd.Series:
    age, done = _check_text(rows, "age_band", problems, all_category=True)
    bad = ~done & ~_map_distinct(age, _age_band_ok).to_numpy(dtype=bool)
    for value, (first, count) in _first_rows(bad, age).items():
        guess = re.sub(r"\s*(?:to|–|—|-)\s*", "-", str(value))
        guess = re.sub(r"\s*(?:and over|and above|or over|plus|\+)\s*$", "+", guess)
        hint = (
            f"write {guess}"
            if _age_band_ok(guess)
            else "write All, a range like 50-54, or an open band like 80+"
        )
        problems.add(
            int(rows.rows[first]),
            "age_band",
            f"age_band '{value}' is not All, lo-hi (e.g. 50-54) or lo+ (e.g. "
            f"80+){_rows_note(count)}",
            hint,
        )
    return age


def _check_categories(rows: _Rows, problems: Problems) -> dict[str, pd.Series]:
    sex = _check_sex(rows, problems)
    age_band = _check_age_band(rows, problems)
    # ethnic_group is free text (Somali, Asian, …) but never blank: blank means "All"
    ethnic_group, _ = _check_text(rows, "ethnic_group", problems, all_category=True)
    return {"sex": sex, "age_band": age_band, "ethnic_group": ethnic_group}


def _check_areas(
    rows: _Rows, areas: pd.DataFrame, problems: Problems, *, with_area_type: bool
) -> tuple[pd.Series, pd.Series]:
    """Area codes and their types (from `areas` where the file has no area_type column)."""
    types_of = _area_types(areas)
    type_of = {code: types[0] for code, types in types_of.items()}
    codes, codes_done = _check_text(rows, "area_code", problems, all_category=False)
    unknown = ~codes_done & ~codes.isin(list(type_of)).to_numpy()
    by_prefix: dict[str, list[str]] = {}
    for code in type_of:
        by_prefix.setdefault(code[:3], []).append(code)
    for value, (first, count) in _first_rows(unknown, codes).items():
        text = str(value)
        pool = by_prefix.get(text[:3].upper()) or list(type_of)
        suggestion = nearest(text.upper(), pool, cutoff=0.5)
        fix = (
            f"did you mean {suggestion}? Correct the code"
            if suggestion
            else "use a code from the areas list"
        )
        problems.add(
            int(rows.rows[first]),
            "area_code",
            f"unknown area code '{text}' (not an LLR LA, ward, MSOA, LSOA or "
            f"practice){_rows_note(count)}",
            fix + " (LSOA E01…, MSOA E02…, ward E05…, LA E06/E07…, practice ODS code)",
        )
    expected_type = codes.map(type_of)
    if not with_area_type:
        return codes, expected_type
    area_type, type_done = _check_text(rows, "area_type", problems, all_category=False)
    comparable = ~type_done & expected_type.notna().to_numpy()
    pairs = codes.astype(str) + "|" + area_type.astype(str)
    known_pairs = {f"{code}|{kind}" for code, types in types_of.items() for kind in types}
    wrong = comparable & ~pairs.isin(known_pairs).to_numpy()
    for _pair, (first, count) in _first_rows(wrong, pairs).items():
        code, given = codes.iloc[first], area_type.iloc[first]
        actual = " or ".join(types_of[str(code)])
        problems.add(
            int(rows.rows[first]),
            "area_type",
            f"area_type '{given}' disagrees with area code {code}, which is a "
            f"{actual}{_rows_note(count)}",
            f"write {actual} (or correct the code)",
        )
    bad_type = ~type_done & expected_type.isna().to_numpy() & ~area_type.isin(AREA_TYPES).to_numpy()
    for value, (first, count) in _first_rows(bad_type, area_type).items():
        problems.add(
            int(rows.rows[first]),
            "area_type",
            f"area_type '{value}' is not one of {', '.join(AREA_TYPES)}{_rows_note(count)}",
            "use the lower-case type that matches the code",
        )
    return codes, area_type


def _area_types(areas: pd.DataFrame) -> dict[str, list[str]]:
    """Each code's area types, the usual one first (MSOA 2021 and 2011 share most codes)."""
    rank = {kind: i for i, kind in enumerate(AREA_TYPES)}
    types: dict[str, list[str]] = {}
    for code, kind in zip(areas["area_code"].astype(str), areas["area_type"].astype(str)):
        types.setdefault(code, []).append(kind)
    return {
        code: sorted(kinds, key=lambda k: rank.get(k, len(rank))) for code, kinds in types.items()
    }


def _check_periods(rows: _Rows, problems: Problems) -> tuple[pd.Series, pd.Series]:
    dates = {}
    for name in PERIOD_COLUMNS:
        raw = rows.raw(name)
        parsed, blank, unreadable = _as_date(raw)
        problems.add_rows(
            blank,
            rows.rows,
            name,
            lambda _p, n=name: (f"{n} is empty", "write the date as YYYY-MM-DD"),
        )
        problems.add_rows(
            unreadable,
            rows.rows,
            name,
            lambda p, n=name, r=raw: (
                f"cannot read date '{str(r.iloc[p]).strip()}' in {n}",
                "write a real calendar date as YYYY-MM-DD (e.g. 2021-03-25)",
            ),
        )
        dates[name] = parsed
    start, end = dates["period_start"], dates["period_end"]
    reversed_period = (end < start).to_numpy()
    problems.add_rows(
        reversed_period,
        rows.rows,
        "period_end",
        lambda p: (
            f"period_end {end.iloc[p]:%Y-%m-%d} is before period_start {start.iloc[p]:%Y-%m-%d}",
            "swap the two dates, or correct the one that is wrong",
        ),
    )
    return start, end


def _check_numbers(
    rows: _Rows, name: str, applies: np.ndarray, problems: Problems, *, required: bool
) -> pd.Series:
    raw = rows.raw(name)
    numbers, blank, unreadable = _as_number(raw)
    if required:
        problems.add_rows(
            applies & blank,
            rows.rows,
            name,
            lambda _p: (f"{name} is empty", f"fill in {name} in every row (0 if there were none)"),
        )
    problems.add_rows(
        applies & unreadable,
        rows.rows,
        name,
        lambda p: (
            f"'{str(raw.iloc[p]).strip()[:30]}' in {name} is not a number",
            "write a plain number (digits and a decimal point, no commas, units or formulas)",
        ),
    )
    return numbers.where(applies, np.nan)


def _check_count_rows(
    rows: _Rows,
    numerator: pd.Series,
    denominator: pd.Series,
    is_count: np.ndarray,
    is_percent: np.ndarray,
    problems: Problems,
) -> np.ndarray:
    """Counts are whole people and a denominator is never 0; the mask of rows that pass."""
    whole_checked = (("numerator", numerator, is_count), ("denominator", denominator, is_percent))
    passing = is_count & (numerator >= 0).to_numpy() & (denominator >= 0).to_numpy()
    for name, numbers, applies in whole_checked:
        fractional = applies & (numbers.notna() & (numbers != np.floor(numbers))).to_numpy()
        problems.add_rows(
            fractional,
            rows.rows,
            name,
            lambda p, n=name, s=numbers: (
                f"{n} {s.iloc[p]:g} is not a whole number: a count-based indicator counts people",
                f"write the count of people (a whole number), not a rate or an average, in {n}",
            ),
        )
        passing &= ~fractional
    zero = is_count & (denominator == 0).to_numpy()
    problems.add_rows(
        zero,
        rows.rows,
        "denominator",
        lambda _p: (
            "denominator is 0: no proportion or rate can be computed for nobody",
            "correct the denominator, or leave numerator and denominator empty if the figure "
            "was withheld",
        ),
    )
    return passing & ~zero


def _check_published_values(
    rows: _Rows,
    numerator: pd.Series,
    denominator: pd.Series,
    scale: pd.Series,
    counts_ok: np.ndarray,
    problems: Problems,
) -> None:
    """A value written beside its counts must be what they give, within its own rounding.

    Tolerance: half a unit in the last decimal place written (55.0 stands for 54.95–55.05),
    as equity.fingertips checks published exports; a value that disagrees means the counts or
    the value belong to another row or measure, so the row is refused."""
    if not rows.has("value"):
        return
    raw = _as_text(rows.raw("value"))
    published = pd.to_numeric(raw, errors="coerce")
    scale = pd.to_numeric(scale, errors="coerce")
    checked = counts_ok & published.notna().to_numpy() & scale.notna().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        recomputed = (numerator / denominator * scale).to_numpy(dtype=float)
    disagrees = np.zeros(rows.length, dtype=bool)
    for position in np.flatnonzero(checked):
        disagrees[position] = not fingertips.agrees_within_rounding(
            str(raw.iloc[position]), float(recomputed[position])
        )
    problems.add_rows(
        disagrees,
        rows.rows,
        "value",
        lambda p: (
            f"value {raw.iloc[p]} disagrees with its own counts: numerator {numerator.iloc[p]:g} "
            f"/ denominator {denominator.iloc[p]:g} x {scale.iloc[p]:g} = {recomputed[p]:.4g} "
            "(allowed: half a unit in the value's last decimal place)",
            "correct the value, numerator or denominator of this row (or leave value empty: it "
            "is computed from the counts)",
        ),
    )


def _check_flags(rows: _Rows, problems: Problems) -> dict[str, pd.Series]:
    flags = {}
    for name in FLAG_COLUMNS:
        raw = rows.raw(name)
        values, unreadable = _as_flag(raw)
        problems.add_rows(
            unreadable,
            rows.rows,
            name,
            lambda p, n=name, r=raw: (
                f"{n} '{str(r.iloc[p]).strip()}' is not true or false",
                "write true or false (or leave it empty for false)",
            ),
        )
        flags[name] = values
    return flags


def _check_duplicates(keys: pd.DataFrame, rows: _Rows, problems: Problems) -> None:
    duplicated = keys.duplicated(keep="first").to_numpy()
    if not duplicated.any():
        return
    group_ids = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
    first_position = pd.Series(np.arange(len(keys))).groupby(group_ids).transform("min").to_numpy()
    problems.add_rows(
        duplicated,
        rows.rows,
        "area_code",
        lambda p: (
            f"duplicate of row {int(rows.rows[first_position[p]])}: same "
            + ", ".join(name for name in keys.columns)
            + " (the key)",
            "keep one of the rows (or add them up into one row)",
        ),
    )


# --------------------------------------------------------------------------- the two file forms


def _validate_values_form(
    path: Path,
    table: Table,
    areas: pd.DataFrame,
    catalog_by_id: dict[str, dict],
    catalog_row: dict | None,
    problems: Problems,
) -> tuple[pd.DataFrame | None, list[str]]:
    rows = _Rows(table)
    indicator_ids, ids_done = _check_text(rows, "indicator_id", problems, all_category=False)
    indicator_of: dict[str, dict] = {}
    bad_id = np.zeros(rows.length, dtype=bool)
    for value, (first, count) in _first_rows(~ids_done, indicator_ids).items():
        indicator_id = str(value)
        existing = catalog_by_id.get(indicator_id)
        if catalog_row is not None and indicator_id == catalog_row["indicator_id"]:
            indicator_of[indicator_id] = catalog_row
        elif existing is not None and not _is_user_indicator(existing):
            problem, fix = _collision_problem(indicator_id, existing)
            problems.add(int(rows.rows[first]), "indicator_id", problem + _rows_note(count), fix)
            bad_id |= (indicator_ids == indicator_id).to_numpy()
        elif existing is not None:
            indicator_of[indicator_id] = existing
        else:
            problems.add(
                int(rows.rows[first]),
                "indicator_id",
                f"indicator_id '{indicator_id}' is not in the catalog{_rows_note(count)}",
                f"to add it as a new indicator pass --indicator-id {indicator_id} --label TEXT "
                f"--unit {'|'.join(UNITS)} --polarity {'|'.join(POLARITIES)}",
            )
            bad_id |= (indicator_ids == indicator_id).to_numpy()
    value_type = _map_distinct(
        indicator_ids, lambda v: _value_type(indicator_of[v]) if v in indicator_of else None
    )
    unit = _map_distinct(
        indicator_ids, lambda v: indicator_of[v].get("unit") if v in indicator_of else None
    )
    is_count = (value_type == "count").to_numpy()
    is_value = (value_type == "value").to_numpy()

    missing_columns = [
        (group, name)
        for group, columns, applies in (
            ("count", COUNT_COLUMNS, is_count),
            ("value", ("value",), is_value),
        )
        for name in columns
        if applies.any() and not rows.has(name)
    ]
    for group, name in missing_columns:
        problems.add(
            1,
            name,
            f"missing column '{name}' (a {group}-type indicator needs it)",
            _missing_column_hint(name),
        )
    if missing_columns:
        return None, []

    codes, area_type = _check_areas(rows, areas, problems, with_area_type=True)
    start, end = _check_periods(rows, problems)
    categories = _check_categories(rows, problems)
    flags = _check_flags(rows, problems)

    numerator = _check_numbers(
        rows, "numerator", is_count, problems, required=rows.has("numerator")
    )
    denominator = _check_numbers(
        rows, "denominator", is_count, problems, required=rows.has("denominator")
    )
    for name, numbers in (("numerator", numerator), ("denominator", denominator)):
        problems.add_rows(
            (numbers < 0).to_numpy(),
            rows.rows,
            name,
            lambda p, n=name, s=numbers: (
                f"negative count {s.iloc[p]:g} in {n}",
                "counts cannot be below 0: correct the number",
            ),
        )
    is_percent = (unit == "percent").to_numpy()
    too_many = is_percent & (numerator > denominator).to_numpy()
    problems.add_rows(
        too_many,
        rows.rows,
        "numerator",
        lambda p: (
            f"numerator {numerator.iloc[p]:g} is larger than denominator {denominator.iloc[p]:g}",
            "a percentage's numerator counts people within the denominator: check the two "
            "columns are not swapped",
        ),
    )
    scale = _map_distinct(
        indicator_ids,
        lambda v: (
            (100.0 if indicator_of[v].get("unit") == "percent" else _multiplier(indicator_of[v]))
            if v in indicator_of
            else None
        ),
    )
    counts_ok = _check_count_rows(rows, numerator, denominator, is_count, is_percent, problems)
    counts_ok &= ~too_many
    _check_published_values(rows, numerator, denominator, scale, counts_ok, problems)

    value_numbers = {}
    outside_any = np.zeros(rows.length, dtype=bool)
    for name in VALUE_COLUMNS:
        numbers = _check_numbers(
            rows, name, is_value, problems, required=name == "value" and rows.has(name)
        )
        low = _map_distinct(unit, lambda u: UNIT_RANGES.get(u, (-math.inf, math.inf))[0])
        high = _map_distinct(unit, lambda u: UNIT_RANGES.get(u, (-math.inf, math.inf))[1])
        low, high = low.astype(float), high.astype(float)
        outside = ((numbers < low) | (numbers > high)).to_numpy()
        problems.add_rows(
            outside,
            rows.rows,
            name,
            lambda p, n=name, s=numbers: (
                f"{n} {s.iloc[p]:g} is outside the range for unit '{unit.iloc[p]}' "
                f"({_range_text(str(unit.iloc[p]))})",
                "check the unit (e.g. a proportion 0.45 should be written as percent 45) and "
                "the number",
            ),
        )
        value_numbers[name] = numbers
        outside_any |= outside
    value, lower, upper = (value_numbers[n] for n in VALUE_COLUMNS)
    # an out-of-range value is already reported; its interval would only repeat it
    inverted = ((lower > value) | (value > upper)).to_numpy() & ~outside_any
    problems.add_rows(
        inverted,
        rows.rows,
        "lower_ci",
        lambda p: (
            f"confidence interval {lower.iloc[p]:g}–{upper.iloc[p]:g} does not contain value "
            f"{value.iloc[p]:g}",
            "check lower_ci ≤ value ≤ upper_ci (the columns may be swapped)",
        ),
    )

    keys = pd.DataFrame(
        {
            "indicator_id": indicator_ids,
            "area_code": codes,
            "area_type": area_type,  # MSOA 2011 and 2021 share codes
            "period_start": start,
            "period_end": end,
            **categories,
        }
    )
    _check_duplicates(keys, rows, problems)
    if problems:
        return None, []

    frame = pd.DataFrame(
        {
            "indicator_id": indicator_ids,
            "area_code": codes,
            "area_type": area_type,
            "period_start": start,
            "period_end": end,
            **categories,
            "numerator": numerator,
            "denominator": denominator,
            "value": value,
            "lower_ci": lower,
            "upper_ci": upper,
            **flags,
        }
    )
    notes = []
    ignored_values = [
        n for n in VALUE_COLUMNS if rows.has(n) and _as_text(rows.raw(n))[is_count].notna().any()
    ]
    if ignored_values:
        notes.append(
            f"{', '.join(ignored_values)} in the file ignored: recomputed from numerator and "
            "denominator"
        )
    ignored_counts = [
        n for n in COUNT_COLUMNS if rows.has(n) and _as_text(rows.raw(n))[is_value].notna().any()
    ]
    if ignored_counts:
        notes.append(f"{', '.join(ignored_counts)} ignored for value-type indicators")
    return frame, notes


def _range_text(unit: str) -> str:
    low, high = UNIT_RANGES.get(unit, (-math.inf, math.inf))
    return f"{low:g} or more" if math.isinf(high) else f"{low:g}–{high:g}"


def _validate_life_expectancy_form(
    path: Path,
    table: Table,
    areas: pd.DataFrame,
    catalog_by_id: dict[str, dict],
    catalog_row: dict | None,
    new_indicator: dict | None,
    problems: Problems,
) -> tuple[pd.DataFrame | None, list[str]]:
    rows = _Rows(table)
    indicator_id = str((new_indicator or {}).get("indicator_id") or "")
    indicator = catalog_row or catalog_by_id.get(indicator_id)
    if not indicator_id or indicator is None:
        if not problems:
            problems.add(
                None,
                None,
                "life-expectancy inputs (deaths and population by age band) need an indicator "
                "to file them under",
                "pass --indicator-id ID --label TEXT --unit years --polarity higher_is_better",
            )
        return None, []
    if indicator.get("unit") != "years":
        problems.add(
            None,
            None,
            f"indicator '{indicator_id}' has unit '{indicator.get('unit')}', but life "
            "expectancy is in years",
            "pass --unit years",
        )
        return None, []
    has_dates = rows.has("period_start") or rows.has("period_end")
    if not has_dates and not (new_indicator or {}).get("period_start"):
        problems.add(
            1,
            "period_start",
            "missing columns 'period_start' and 'period_end': the life-expectancy period is "
            "unknown",
            "add period_start and period_end columns (YYYY-MM-DD) giving the years the deaths "
            "cover",
        )
        return None, []
    if has_dates:
        start, end = _check_periods(rows, problems)
    else:
        start = pd.Series([pd.Timestamp(new_indicator["period_start"])] * rows.length).astype(
            "datetime64[ns]"
        )
        end = pd.Series([pd.Timestamp(new_indicator["period_end"])] * rows.length).astype(
            "datetime64[ns]"
        )

    codes, area_type = _check_areas(rows, areas, problems, with_area_type=False)
    if rows.has("sex"):
        sex = _check_sex(rows, problems)
    else:
        sex = pd.Series(["All"] * rows.length, dtype=object)
    everywhere = np.ones(rows.length, dtype=bool)
    band = _check_numbers(rows, "age_band_start", everywhere, problems, required=True)
    bad_band = band.notna().to_numpy() & ~band.isin(LE_AGE_BAND_STARTS).to_numpy()
    problems.add_rows(
        bad_band,
        rows.rows,
        "age_band_start",
        lambda p: (
            f"age_band_start {band.iloc[p]:g} is not one of the standard bands 0, 1, 5, 10, …, 90",
            "use the lower age of each band: 0 (under 1), 1 (1-4), 5, 10, … 85, 90 (90+)",
        ),
    )
    counts = {}
    for name in ("deaths", "population"):
        numbers = _check_numbers(rows, name, everywhere, problems, required=True)
        problems.add_rows(
            (numbers < 0).to_numpy(),
            rows.rows,
            name,
            lambda p, n=name, s=numbers: (
                f"negative count {s.iloc[p]:g} in {n}",
                "counts cannot be below 0",
            ),
        )
        counts[name] = numbers
    keys = pd.DataFrame({"area_code": codes, "sex": sex, "start": start, "end": end, "band": band})
    _check_duplicates(keys, rows, problems)
    if problems:
        return None, []
    for (code, group_sex, _s, _e), group in keys.groupby(
        ["area_code", "sex", "start", "end"], sort=False
    ):
        missing = sorted(set(LE_AGE_BAND_STARTS) - set(group["band"].astype(int)))
        if missing:
            problems.add(
                int(rows.rows[group.index[0]]),
                "age_band_start",
                f"area {code} ({group_sex}) lacks age bands {', '.join(map(str, missing))}",
                "life expectancy needs all 20 bands 0, 1, 5, …, 90: add the missing rows (0 "
                "deaths if none)",
            )
    if problems:
        return None, []

    try:
        from equity.stats import life_expectancy_by_area
    except ImportError as exc:
        problems.add(
            None, None, f"the life-expectancy method is not available ({exc})", "update the app"
        )
        return None, []
    inputs = pd.DataFrame(
        {
            "area_code": codes.astype(str),
            "sex": sex.astype(str),
            "period_start": start,
            "period_end": end,
            "age_band_start": band.astype(int),
            "deaths": counts["deaths"],
            "population": counts["population"],
        }
    )
    pieces = []
    for (group_sex, group_start, group_end), group in inputs.groupby(
        ["sex", "period_start", "period_end"], sort=True
    ):
        try:
            result = life_expectancy_by_area(
                group[["area_code", "age_band_start", "deaths", "population"]].reset_index(
                    drop=True
                )
            )
        except Exception as exc:  # the method's own refusal becomes a problem, not a traceback
            problems.add(
                None,
                None,
                f"life expectancy could not be computed ({exc})",
                "check deaths and population",
            )
            return None, []
        pieces.append(result.assign(sex=group_sex, period_start=group_start, period_end=group_end))
    computed = pd.concat(pieces, ignore_index=True)
    not_computed = computed[computed["value"].isna()]
    computed = computed[computed["value"].notna()]
    if computed.empty:
        reasons = ", ".join(sorted(set(not_computed["status"].astype(str))))
        problems.add(
            None,
            None,
            f"no area had enough data for life expectancy ({reasons})",
            "use larger areas or more years",
        )
        return None, []
    type_of = {code: types[0] for code, types in _area_types(areas).items()}
    frame = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "area_code": computed["area_code"].astype(str),
            "area_type": computed["area_code"].astype(str).map(type_of),
            "period_start": computed["period_start"],
            "period_end": computed["period_end"],
            "sex": computed["sex"],
            "age_band": "All",
            "ethnic_group": "All",
            "numerator": np.nan,
            "denominator": np.nan,
            "value": computed["value"].astype(float),
            "lower_ci": computed["lower_ci"].astype(float),
            "upper_ci": computed["upper_ci"].astype(float),
            "is_synthetic": False,
            "is_modelled": False,
        }
    )
    notes = [f"life expectancy at birth computed with the PHE method for {len(frame)} area-periods"]
    if len(not_computed):
        reasons = ", ".join(sorted(set(not_computed["status"].astype(str))))
        notes.append(f"{len(not_computed)} area-periods not computed ({reasons})")
    return frame, notes


# --------------------------------------------------------------------------- public: validate


def conform_to_values_schema(frame: pd.DataFrame) -> pd.DataFrame:
    """Exact values columns, order, dtypes and sort order (the contract's)."""
    result = pd.DataFrame({name: frame[name] for name in VALUES_COLUMNS})
    result = result.astype(VALUES_DTYPES)
    return result.sort_values(list(SORT_COLUMNS), kind="stable").reset_index(drop=True)


def validate_extract(
    path: str | os.PathLike,
    areas: pd.DataFrame,
    catalog: pd.DataFrame | None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    new_indicator: dict | None = None,
    mapping: mappings.Mapping | None = None,
) -> ValidationReport:
    """Check a user's CSV/Parquet extract; never raises for bad input.

    Three shapes: the values layout (or life-expectancy inputs); a Fingertips "Download
    data" export, recognised by its header (`new_indicator` then gives unit, polarity and
    optionally multiplier, id and label); any other table a `mapping` file describes."""
    path = Path(path)
    try:
        return _validate(path, areas, catalog, max_bytes, new_indicator, mapping)
    except Exception as exc:  # last resort: the caller gets a Problem, never a traceback
        problems = Problems()
        problems.add(
            None,
            None,
            f"could not be checked ({type(exc).__name__}: {exc})",
            "check it is a CSV (UTF-8, comma-separated) or Parquet file in the values layout",
        )
        return _refused(path, problems)


def _validate(
    path: Path,
    areas: pd.DataFrame,
    catalog: pd.DataFrame | None,
    max_bytes: int,
    new_indicator: dict | None,
    mapping: mappings.Mapping | None = None,
) -> ValidationReport:
    problems = Problems()
    catalog_by_id = _catalog_by_id(catalog)
    table = read_table(
        path, problems, max_bytes=max_bytes, parquet=True, too_large_fix=TOO_LARGE_FIX
    )
    if table is None or problems.total and not len(table.frame):
        return _refused(path, problems)
    if mapping is not None or fingertips.is_fingertips_export(table.header):
        return _validate_other_shape(
            path, table, areas, catalog_by_id, new_indicator or {}, mapping, problems
        )
    if new_indicator and not new_indicator.get("indicator_id"):
        new_indicator = None  # flags without an id describe exports; a values file names its own
    catalog_row = _check_new_indicator(new_indicator, catalog_by_id, problems)
    if problems:
        return _refused(path, problems)
    life_expectancy_form = set(LE_REQUIRED_COLUMNS[1:]) <= set(table.header)
    if life_expectancy_form:
        check_header(
            table.header,
            problems,
            required=LE_REQUIRED_COLUMNS,
            optional=LE_OPTIONAL_COLUMNS,
            missing_hint=_missing_column_hint,
        )
    else:
        optional = COUNT_COLUMNS + VALUE_COLUMNS + FLAG_COLUMNS
        check_header(
            table.header,
            problems,
            required=REQUIRED_VALUES_COLUMNS,
            optional=optional,
            missing_hint=_missing_column_hint,
        )
    if problems:
        return _refused(path, problems, VALUES_COLUMNS)
    if not len(table.frame):
        problems.add(
            None,
            None,
            "file has a header row but no data rows",
            "export again including the data rows",
        )
        return _refused(path, problems)
    if life_expectancy_form:
        frame, notes = _validate_life_expectancy_form(
            path, table, areas, catalog_by_id, catalog_row, new_indicator, problems
        )
    else:
        frame, notes = _validate_values_form(
            path, table, areas, catalog_by_id, catalog_row, problems
        )
    if problems or frame is None:
        if not problems:
            problems.add(None, None, "could not be checked", "check the file layout")
        return _refused(path, problems, VALUES_COLUMNS + LE_REQUIRED_COLUMNS)
    if not life_expectancy_form:
        row_of = {
            indicator_id: (
                catalog_row
                if catalog_row and catalog_row["indicator_id"] == indicator_id
                else catalog_by_id.get(indicator_id)
            )
            or {}
            for indicator_id in frame["indicator_id"].unique()
        }
        unit_of = {indicator_id: row.get("unit") for indicator_id, row in row_of.items()}
        multiplier_of = {indicator_id: _multiplier(row) for indicator_id, row in row_of.items()}
        frame, rollup_notes = complete_extract(frame, areas, unit_of, multiplier_of)
        notes = notes + rollup_notes
    frame = conform_to_values_schema(frame)
    summary = _summary(path, frame, notes)
    return ValidationReport(True, [], frame, summary, 0, catalog_row, notes)


# --------------------------------------------------------------------------- other table shapes


def _problem_from_line(line: str, prefix: str, row_numbers: np.ndarray) -> Problem:
    """A "FILE, row N, column C: what — fix" line of fingertips/mappings back into a Problem.

    Their row N counts data rows from 2; row_numbers maps that onto the file's own rows."""
    rest = line[len(prefix) :] if line.startswith(prefix) else line
    match = re.match(r"^(?:, row (\d+))?(?:, column ([^:]+))?: (.*)$", rest, re.S)
    if match is None:
        return Problem(None, None, line, "check the file")
    row_text, column, text = match.groups()
    what, _, fix = text.partition(" — ")
    row = None
    if row_text is not None:
        position = int(row_text) - 2
        row = int(row_numbers[position]) if 0 <= position < len(row_numbers) else int(row_text)
    return Problem(row, column, what, fix or "check the file")


def _cells(table: Table) -> pd.DataFrame:
    """The table as stripped text ("" for blank), as fingertips and mappings read files."""
    return pd.DataFrame(
        {
            name: _as_text(table.column(position)).fillna("").astype(str)
            for position, name in enumerate(table.header)
        }
    )


def _renamed(ids: list[str], flags: dict, problems: Problems) -> dict[str, str]:
    """--indicator-id renames the one indicator a file holds (e.g. a shipped id is taken)."""
    wanted = str(flags.get("indicator_id") or "").strip()
    if not wanted:
        return {}
    if len(ids) != 1:
        problems.add(
            None,
            None,
            f"the file holds {len(ids)} indicators ({', '.join(ids)}); --indicator-id names one",
            "bring one indicator per file, or leave --indicator-id out",
        )
    elif not INDICATOR_ID_PATTERN.fullmatch(wanted):
        problems.add(
            None,
            None,
            f"--indicator-id '{wanted}' is not a valid id",
            "use 2–64 lower-case letters, digits and underscores, starting with a letter",
        )
    return {ids[0]: wanted} if len(ids) == 1 else {}


def _from_fingertips(
    path: Path, table: Table, areas: pd.DataFrame, flags: dict, problems: Problems
) -> tuple[pd.DataFrame, list[dict], list[str]] | None:
    """A Fingertips "Download data" export: rows of our areas, published values kept."""
    _check_unit_and_polarity(dict(flags, counted=False), problems)
    if flags.get("domain") and flags["domain"] not in DOMAINS:
        problems.add(
            None,
            None,
            f"--domain '{flags['domain']}' is not one of {', '.join(DOMAINS)}",
            "pick one",
        )
    cells = _cells(table)
    ids = sorted(set(cells["Indicator ID"]) - {""})
    renames = _renamed(ids, flags, problems)
    if problems:
        return None
    result = fingertips.convert_export(
        cells,
        areas,
        file_name=path.name,
        unit=flags["unit"],
        polarity=flags["polarity"],
        indicator_ids=renames,
        multiplier=_multiplier(flags),
    )
    for line in result.problems:
        problems.add(*_as_tuple(_problem_from_line(line, path.name, table.row_numbers)))
    if problems:
        return None
    if result.values.empty:
        problems.add(
            None,
            None,
            f"no rows about our areas ({result.left_out})",
            "download the export for LLR areas (Leicester, Leicestershire, Rutland, their wards, "
            "MSOAs or GP practices)",
        )
        return None
    rows = []
    for declared in result.indicators.to_dict("records"):
        fingertips_id = next(
            (key for key, ours in renames.items() if ours == declared["indicator_id"]),
            declared["indicator_id"].removeprefix("fingertips_"),
        )
        rows.append(
            _catalog_row(
                declared["indicator_id"],
                str(flags.get("label") or declared["label"]).strip(),
                unit=flags["unit"],
                polarity=flags["polarity"],
                multiplier=flags.get("multiplier"),
                domain=flags.get("domain") or "context",
                value_type=declared["value_type"],
                licence=declared["licence"],
                method=declared["method"],
                caveat=f"From OHID Fingertips indicator {fingertips_id} ('Download data' export "
                f"{path.name}), added by a user; values and 95% limits as published.",
            )
        )
    return result.values, rows, [result.left_out]


def _from_mapping(
    path: Path,
    table: Table,
    areas: pd.DataFrame,
    flags: dict,
    mapping: mappings.Mapping,
    problems: Problems,
) -> tuple[pd.DataFrame, list[dict], list[str], list[str]] | None:
    """A table another shape declared by a mapping file (wide or long)."""
    declared = mappings.mapping_indicators(mapping)
    renames = _renamed(list(declared["indicator_id"]), flags, problems)
    if problems:
        return None
    values, unplaced, lines = mappings.apply_mapping(_cells(table), mapping)
    prefix = Path(mapping.source_file).name
    for line in lines:
        problems.add(*_as_tuple(_problem_from_line(line, prefix, table.row_numbers)))
    if problems:
        return None
    values["indicator_id"] = values["indicator_id"].replace(renames)
    ours = set(zip(areas["area_code"].astype(str), areas["area_type"].astype(str), strict=True))
    is_ours = np.array(
        [(str(c), str(t)) in ours for c, t in zip(values["area_code"], values["area_type"])],
        dtype=bool,
    )
    kept = values[is_ours].reset_index(drop=True)
    notes = [
        f"{path.name}: kept {len(kept):,} rows"
        + (
            f"; left out {int((~is_ours).sum()):,}: areas outside LLR or not held by us"
            if (~is_ours).any()
            else ""
        )
    ]
    if kept.empty:
        problems.add(
            None, None, "no rows about our areas", "check the mapping's [area] column and type"
        )
        return None
    scale = mapping.spec.get("measures", {}).get("multiplier")
    rows = [
        _catalog_row(
            renames.get(item["indicator_id"], item["indicator_id"]),
            str(flags.get("label") or item["label"]).strip(),
            unit=item["unit"],
            polarity=item["polarity"],
            multiplier=scale,
            domain=flags.get("domain") or item.get("domain") or "context",
            value_type=item["value_type"],
            licence=item.get("licence"),
            method=item.get("method"),
            caveat=item.get("caveat"),
            is_modelled=bool(item.get("is_modelled")),
        )
        for item in declared.to_dict("records")
    ]
    return kept, rows, notes, unplaced


def _as_tuple(problem: Problem) -> tuple:
    return (problem.row, problem.column, problem.problem, problem.fix)


def _validate_other_shape(
    path: Path,
    table: Table,
    areas: pd.DataFrame,
    catalog_by_id: dict[str, dict],
    flags: dict,
    mapping: mappings.Mapping | None,
    problems: Problems,
) -> ValidationReport:
    """A Fingertips export (recognised by its header) or a table a mapping file describes."""
    unplaced: list[str] = []
    if mapping is None:
        converted = _from_fingertips(path, table, areas, flags, problems)
    else:
        converted = _from_mapping(path, table, areas, flags, mapping, problems)
        if converted is not None:
            *converted, unplaced = converted
    if converted is None or problems:
        return _refused(path, problems)
    values, rows, notes = converted
    for row in rows:
        existing = catalog_by_id.get(row["indicator_id"])
        if existing is not None and not _is_user_indicator(existing):
            problems.add(None, None, *_collision_problem(row["indicator_id"], existing))
    keys = values[list(KEY_COLUMNS)].astype(str)
    if keys.duplicated().any():
        first = values[keys.duplicated(keep=False).to_numpy()].iloc[0]
        problems.add(
            None,
            None,
            f"two rows for the same area, period and breakdown ({first['indicator_id']}, "
            f"{first['area_code']}, {first['period_start']:%Y-%m-%d} to "
            f"{first['period_end']:%Y-%m-%d}, {first['sex']}, {first['age_band']}, "
            f"{first['ethnic_group']})",
            "keep one row per area, period, sex, age and ethnic group",
        )
    if problems:
        return _refused(path, problems)
    for name in PERIOD_COLUMNS:
        values[name] = pd.to_datetime(values[name])
    declared = pd.DataFrame(rows).drop(columns=["default_sex", "default_age_band"])
    defaults = mappings.catalog_defaults(declared, values)
    rows = [
        {**row, **{key: defaults.iloc[i][key] for key in ("default_sex", "default_age_band")}}
        for i, row in enumerate(rows)
    ]
    if unplaced:
        notes.append(
            f"columns the mapping does not place (left unused): {', '.join(unplaced)} — map them "
            "or list them under ignore"
        )
    frame = conform_to_values_schema(values)
    return ValidationReport(True, [], frame, _summary(path, frame, notes), 0, rows, notes, unplaced)


def _summary(path: Path, frame: pd.DataFrame, notes: list[str]) -> str:
    indicators = ", ".join(sorted(frame["indicator_id"].unique()))
    types = frame.groupby("area_type")["area_code"].nunique()
    area_text = ", ".join(f"{count} {kind}" for kind, count in types.items())
    period = f"{frame['period_start'].min():%Y-%m-%d} to {frame['period_end'].max():%Y-%m-%d}"
    text = f"{path}: OK — {len(frame):,} rows of {indicators}; areas: {area_text}; {period}"
    return text + ("; " + "; ".join(notes) if notes else "")


# --------------------------------------------------------------------------- margins and rollup

PARENT_COLUMNS = ("la_code", "ward_code", "msoa_code")
# Finest first: an extract is rolled up from its finest level to each parent level it lacks.
# Practices roll up to their LA only (registered lists are not ward or MSOA residents).
PARENT_LEVELS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "lsoa": (("msoa_code", "msoa"), ("ward_code", "ward"), ("la_code", "la"), (None, "region")),
    "practice": (("la_code", "la"), (None, "region")),
    "msoa": (("la_code", "la"), (None, "region")),
    "ward": (("la_code", "la"), (None, "region")),
    "la": ((None, "region"),),
}
# Stands in for a file's own 'All' rows while the margins query adds the missing ones.
_FILE_ALL = "\x00All"


def _sql_connection():
    import duckdb

    from equity import db

    con = duckdb.connect(":memory:")
    con.execute(db.query_text("_macros"))
    return con


def _run_sql(con, name: str, **tables: pd.DataFrame) -> pd.DataFrame:
    from equity import db

    for table_name, frame in tables.items():
        con.register(table_name, frame)
    try:
        return con.execute(db.query_text(name)).df()
    finally:
        for table_name in tables:
            con.unregister(table_name)


def _with_margins(con, rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Add 'All' margins for each category the rows have no 'All' in; keep the file's own."""
    missing = [name for name in CATEGORY_COLUMNS if not (rows[name] == "All").any()]
    if not missing:
        return rows, []
    kept = [name for name in CATEGORY_COLUMNS if name not in missing]
    leaf = rows.drop(columns=list(VALUE_COLUMNS)).copy()
    for name in kept:
        leaf[name] = leaf[name].where(leaf[name] != "All", _FILE_ALL)
    margined = _run_sql(con, "build_add_category_margins", leaf_values=leaf)
    for name in kept:
        # a category the file already totals: drop the query's totals, restore the file's
        margined = margined[margined[name] != "All"]
        margined[name] = margined[name].where(margined[name] != _FILE_ALL, "All")
    return margined.reset_index(drop=True), missing


def _parents_of(areas: pd.DataFrame, leaf_type: str, column: str | None) -> pd.DataFrame:
    """(area_code, parent_code) for every area of leaf_type inside LLR."""
    from equity.config import LLR_CODE, LLR_LA_CODES

    leaves = areas[(areas["area_type"] == leaf_type) & areas["la_code"].isin(LLR_LA_CODES)]
    if column is None:
        return pd.DataFrame({"area_code": leaves["area_code"], "parent_code": LLR_CODE})
    return (leaves[["area_code", column]].dropna().rename(columns={column: "parent_code"})).astype(
        str
    )


def _complete_parents(links: pd.DataFrame, present: set[str]) -> pd.DataFrame:
    """Links of parents all of whose children are present (a partial sum would mislead)."""
    covered = links["area_code"].isin(present)
    complete = covered.groupby(links["parent_code"]).all()
    return links[links["parent_code"].isin(complete[complete].index)]


def _rolled_up(
    con, rows: pd.DataFrame, areas: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, int], dict[str, int]]:
    """Parent-level rows for the levels the rows lack: (rows, parents made, parents incomplete)."""
    present_types = set(rows["area_type"])
    made: dict[str, int] = {}
    skipped: dict[str, int] = {}
    pieces = []
    for leaf_type, levels in PARENT_LEVELS.items():
        if leaf_type not in set(rows["area_type"]):
            continue
        leaf_rows = rows[rows["area_type"] == leaf_type]
        for column, parent_type in levels:
            if parent_type in present_types:
                continue
            present_types.add(parent_type)
            links = _parents_of(areas, leaf_type, column)
            for _period, group in leaf_rows.groupby(list(PERIOD_COLUMNS), sort=False):
                codes = set(group["area_code"])
                complete = _complete_parents(links, codes)
                touched = links.loc[links["area_code"].isin(codes), "parent_code"].nunique()
                partial = touched - complete["parent_code"].nunique()
                skipped[parent_type] = max(skipped.get(parent_type, 0), partial)
                if complete.empty:
                    continue
                made[parent_type] = max(made.get(parent_type, 0), complete["parent_code"].nunique())
                pieces.append(
                    _run_sql(
                        con,
                        "build_rollup_values_to_parents",
                        leaf_values=group.drop(columns=list(VALUE_COLUMNS), errors="ignore"),
                        area_parents=complete.assign(parent_type=parent_type),
                    )
                )
    rolled = pd.concat(pieces, ignore_index=True) if pieces else rows.iloc[:0]
    return rolled, made, {kind: count for kind, count in skipped.items() if count}


def complete_extract(
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    unit_of: dict[str, str],
    multiplier_of: dict[str, float | None] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Count rows get 'All' margins (where the file has none), parent levels and their limits:
    Wilson for percentages, exact Poisson (Byar) for rates (count / denominator x multiplier).

    A leaf-level extract (LSOA or practice) becomes queryable at MSOA, ward, LA and LLR the
    way the build's own extracts are: the build's SQL adds margins, sums children into each
    parent the file lacks (only parents whose children are all present) and fills value and
    95% Wilson CI for percentages. Value-type rows (e.g. life expectancy) pass through.
    Needs areas with la_code, ward_code and msoa_code; without them the frame is returned as is.
    """
    if not set(PARENT_COLUMNS) <= set(areas.columns):
        return frame, []
    is_count = frame["numerator"].notna() & frame["denominator"].notna()
    if not is_count.any():
        return frame, []
    areas = areas.assign(area_code=areas["area_code"].astype(str))
    notes: list[str] = []
    completed = [frame[~is_count]]
    con = _sql_connection()
    try:
        for indicator_id, rows in frame[is_count].groupby("indicator_id", sort=True):
            margined, margins_added = _with_margins(con, rows)
            rolled, made, skipped = _rolled_up(con, margined, areas)
            combined = pd.concat(
                [margined.drop(columns=list(VALUE_COLUMNS), errors="ignore"), rolled],
                ignore_index=True,
            )
            scale = (multiplier_of or {}).get(indicator_id)
            if unit_of.get(indicator_id) == "percent":
                combined = _run_sql(con, "build_fill_proportion_ci", count_values=combined)
            elif unit_of.get(indicator_id) == "rate" and scale:
                limits = rate_with_ci(
                    combined["numerator"], combined["denominator"], multiplier=scale
                )
                combined = combined.assign(**{name: limits[name].to_numpy() for name in limits})
            else:
                combined = combined.assign(value=np.nan, lower_ci=np.nan, upper_ci=np.nan)
            completed.append(combined)
            if margins_added:
                notes.append(f"{indicator_id}: 'All' margins added for {', '.join(margins_added)}")
            if made:
                levels = ", ".join(f"{count} {kind}" for kind, count in made.items())
                notes.append(f"{indicator_id}: rolled up to {levels}")
            if skipped:
                levels = ", ".join(f"{count} {kind}" for kind, count in skipped.items())
                notes.append(
                    f"{indicator_id}: not rolled up to {levels} whose areas are only partly "
                    "in the file"
                )
    finally:
        con.close()
    result = pd.concat([piece for piece in completed if len(piece)], ignore_index=True)
    for name in PERIOD_COLUMNS:
        result[name] = pd.to_datetime(result[name]).astype("datetime64[ns]")
    return result, notes


# --------------------------------------------------------------------------- public: add atomically


def _write_temp(table: pa.Table, directory: Path, final_name: str) -> Path:
    descriptor, name = tempfile.mkstemp(dir=directory, prefix=f".{final_name}.", suffix=".tmp")
    with os.fdopen(descriptor, "wb") as handle:
        pq.write_table(table, handle)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(name)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read_catalog(extracts_dir: Path) -> pd.DataFrame | None:
    path = extracts_dir / CATALOG_NAME
    return pd.read_parquet(path) if path.exists() else None


def _values_table(frame: pd.DataFrame) -> pa.Table:
    frame = conform_to_values_schema(frame)
    arrays = {}
    for name in VALUES_COLUMNS:
        column = frame[name]
        if name in PERIOD_COLUMNS:
            arrays[name] = pa.array(column.dt.date, type=pa.date32())
        else:
            arrays[name] = pa.array(
                column.to_numpy(dtype=object if VALUES_DTYPES[name] == "str" else None)
            )
    return pa.table(arrays, schema=VALUES_ARROW_SCHEMA)


def add_extract(
    frame: pd.DataFrame,
    extracts_dir: str | os.PathLike,
    source_name: str,
    catalog_row: dict | list[dict] | None = None,
    *,
    lock_timeout: float | None = None,
) -> Path:
    """Write values_user_<source_name>.parquet (+ the catalog rows) atomically, under the
    extracts lock the build also takes (equity.locks).

    Rows for indicators already in that file are replaced; other indicators in it are kept.
    Raises IngestConflict if an indicator belongs to a shipped or another user's source,
    ExtractsBusy if the lock is not free within the timeout, OSError if the disk write fails;
    in each case every existing file is unchanged.
    """
    new_rows = [catalog_row] if isinstance(catalog_row, dict) else list(catalog_row or [])
    new_row_of = {row["indicator_id"]: row for row in new_rows}
    extracts_dir = Path(extracts_dir)
    if not SOURCE_NAME_PATTERN.fullmatch(source_name):
        raise IngestConflict(
            f"source name '{source_name}' must be lower-case letters, digits and underscores"
        )
    final_name = f"values_user_{source_name}.parquet"
    target = extracts_dir / final_name
    owner = USER_SOURCE_PREFIX + source_name
    new_ids = set(frame["indicator_id"].astype(str))
    temp_files: list[Path] = []
    with extracts_lock(extracts_dir, lock_timeout):
        try:
            catalog = _read_catalog(extracts_dir)
            catalog_by_id = _catalog_by_id(catalog)
            for indicator_id in sorted(new_ids):
                existing = catalog_by_id.get(indicator_id)
                if existing is None:
                    if indicator_id not in new_row_of:
                        raise IngestConflict(f"indicator '{indicator_id}' is not in the catalog")
                elif existing.get("source") != owner:
                    raise IngestConflict(
                        f"indicator '{indicator_id}' already belongs to source "
                        f"'{existing.get('source')}'"
                    )
            table = _values_table(frame)
            if target.exists():
                # this source's other indicators stay; those supplied now are replaced
                existing = pq.read_table(target)
                kept = existing.filter(
                    pc.invert(
                        pc.is_in(existing["indicator_id"], value_set=pa.array(sorted(new_ids)))
                    )
                )
                if kept.num_rows:
                    table = pa.concat_tables(
                        [kept.select(VALUES_COLUMNS).cast(VALUES_ARROW_SCHEMA), table]
                    )
                    table = table.sort_by([(name, "ascending") for name in SORT_COLUMNS])
            temp_values = _write_temp(table, extracts_dir, final_name)
            temp_files.append(temp_values)
            temp_catalog = None
            if new_rows:
                updated = catalog
                for row in new_rows:
                    rows_of_it = frame[frame["indicator_id"] == row["indicator_id"]]
                    row = dict(row, source=owner, vintage=_vintage(rows_of_it))
                    updated = _catalog_with(updated, row)
                temp_catalog = _write_temp(
                    pa.Table.from_pandas(updated, preserve_index=False), extracts_dir, CATALOG_NAME
                )
                temp_files.append(temp_catalog)
            _replace_all(
                [(temp_values, target)]
                + ([(temp_catalog, extracts_dir / CATALOG_NAME)] if temp_catalog else []),
                extracts_dir,
            )
        finally:
            for temp in temp_files:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
    return target


def _vintage(frame: pd.DataFrame) -> str:
    return f"{frame['period_start'].min():%Y-%m-%d} to {frame['period_end'].max():%Y-%m-%d}"


def _catalog_with(catalog: pd.DataFrame | None, row: dict) -> pd.DataFrame:
    addition = pd.DataFrame([row])
    if catalog is None or catalog.empty:
        return addition
    kept = catalog[catalog["indicator_id"].astype(str) != row["indicator_id"]]
    # a column the row brings a value for (a rate's multiplier) joins a catalog built before it
    brought = [
        name
        for name in ("multiplier",)
        if name not in catalog.columns and not _is_missing(row.get(name))
    ]
    combined = pd.concat(
        [kept, addition.reindex(columns=[*catalog.columns, *brought])], ignore_index=True
    )
    for name in catalog.columns:
        with contextlib.suppress(TypeError, ValueError):
            combined[name] = combined[name].astype(catalog[name].dtype)
    return combined


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _replace_all(moves: list[tuple[Path, Path]], directory: Path) -> None:
    """os.replace each temp onto its target; if any step fails, put the earlier targets back."""
    done: list[
        tuple[Path, Path | None]
    ] = []  # (target, hard link to its old bytes, or None if new)
    backups: list[Path] = []
    try:
        for temp, target in moves:
            backup = None
            if target.exists():
                backup = directory / f".{target.name}.{os.getpid()}.bak"
                with contextlib.suppress(FileNotFoundError):
                    backup.unlink()
                os.link(target, backup)  # keeps the old bytes without copying them
                backups.append(backup)
            os.replace(temp, target)
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink()
        raise
    finally:
        for backup in backups:
            with contextlib.suppress(FileNotFoundError):
                backup.unlink()
        _fsync_directory(directory)


# --------------------------------------------------------------------------- public: one call


def source_name_for(path: str | os.PathLike) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower()).strip("_")
    return name[:64] or "extract"


def ingest_file(
    path: str | os.PathLike,
    extracts_dir: str | os.PathLike,
    *,
    areas: pd.DataFrame,
    catalog: pd.DataFrame | None,
    new_indicator: dict | None = None,
    mapping: mappings.Mapping | None = None,
    source_name: str | None = None,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    who: str | None = None,
    lock_timeout: float | None = None,
) -> ValidationReport:
    """Validate, then (unless dry_run) add atomically. Failures of either step are Problems.

    Either way one line goes to the audit log (who, when, file, SHA-256, outcome)."""
    report = validate_extract(
        path, areas, catalog, max_bytes=max_bytes, new_indicator=new_indicator, mapping=mapping
    )
    report.sha256 = file_sha256(path)
    if report.ok and dry_run:
        report.summary += " (dry run: nothing written)"
    elif report.ok:
        report = _add(
            report, path, extracts_dir, source_name or source_name_for(path), lock_timeout
        )
    audit(who or os_user(), Path(path).name, report.sha256, report, dry_run=dry_run)
    return report


def _add(
    report: ValidationReport,
    path: str | os.PathLike,
    extracts_dir: str | os.PathLike,
    source: str,
    lock_timeout: float | None = None,
) -> ValidationReport:
    """report.frame written by add_extract; its failures become a refused report."""
    try:
        written = add_extract(
            report.frame, extracts_dir, source, report.catalog_row, lock_timeout=lock_timeout
        )
    except IngestConflict as exc:
        return _write_failed(
            path, report, f"{exc}", "choose a new --indicator-id (or indicator id) or --source name"
        )
    except ExtractsBusy as exc:
        return _write_failed(path, report, f"{exc}; nothing was changed", "try again later")
    except OSError as exc:
        return _write_failed(
            path,
            report,
            f"could not be written ({exc}); nothing was changed",
            "check disk space and permissions",
        )
    report.summary += f" → {written.name}"
    return report


def _write_failed(
    path: str | os.PathLike, report: ValidationReport, problem: str, fix: str
) -> ValidationReport:
    problems = [Problem(None, None, problem, fix)]
    return ValidationReport(
        False,
        problems,
        None,
        f"{path}: refused — {problem}",
        1,
        report.catalog_row,
        sha256=report.sha256,
    )


# --------------------------------------------------------------------------- audit log

AUDIT_LOG_ENV = "EQUITY_INGEST_AUDIT_LOG"
_audit_logger = logging.getLogger("equity.ingest.audit")
_audit_logger.propagate = False  # the audit trail is its own file, not the app's console


def audit_log_path() -> Path:
    """data/audit/ingest.log (git-ignored), or the file named by $EQUITY_INGEST_AUDIT_LOG."""
    from equity.config import REPO_ROOT

    configured = os.environ.get(AUDIT_LOG_ENV)
    return Path(configured) if configured else REPO_ROOT / "data" / "audit" / "ingest.log"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or password database
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return "unreadable"
    return digest.hexdigest()


def _audit_handler(path: Path) -> logging.Handler:
    """The logger's one file handler, re-pointed when the configured path changes."""
    for handler in list(_audit_logger.handlers):
        if getattr(handler, "baseFilename", None) == str(path.resolve()):
            return handler
        _audit_logger.removeHandler(handler)
        handler.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    _audit_logger.addHandler(handler)
    _audit_logger.setLevel(logging.INFO)
    return handler


def audit(
    who: str, file_name: str, sha256: str, report: ValidationReport, *, dry_run: bool = False
) -> None:
    """One line per ingest: ISO UTC time, who, file, SHA-256 of its bytes, outcome.

    Tab-separated so a file name with spaces stays one field. A log that cannot be written
    never blocks an ingest (the outcome is already decided)."""
    if report.ok:
        outcome = f"accepted {len(report.frame) if report.frame is not None else 0} rows"
        outcome += " (dry run: nothing written)" if dry_run else ""
    else:
        first = report.problems[0] if report.problems else None
        outcome = "refused: " + (
            format_problems(file_name, [first])[0] if first else report.summary
        )
    when = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    fields = [when, who, file_name, sha256, outcome]
    line = "\t".join(" ".join(str(field_text).split()) for field_text in fields)
    try:
        _audit_handler(audit_log_path())
        _audit_logger.info(line)
    except OSError as exc:
        print(f"audit log not written ({exc})", file=sys.stderr)


# --------------------------------------------------------------------------- uploads (the app)

UPLOAD_SUFFIXES = (".csv", ".parquet")


def upload_temp_dir(extracts_dir: str | os.PathLike) -> Path:
    """Where uploaded bytes wait to be checked: beside the extracts (never inside, so they are
    never a values_*.parquet the app reads), else the OS temp folder."""
    parent = Path(extracts_dir).resolve().parent
    return parent if os.access(parent, os.W_OK) else Path(tempfile.gettempdir())


def validate_upload(
    filename: str,
    data: bytes,
    extracts_dir: str | os.PathLike,
    *,
    new_indicator: dict | None = None,
    mapping: mappings.Mapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    who: str = "upload",
) -> ValidationReport:
    """Check uploaded bytes as ingest would a file; the temp copy is deleted before returning.

    Problems name the uploaded file by its own name (not the temp path). A refusal is
    audited here; an accepted upload when it is added (add_validated_upload)."""
    sha256 = hashlib.sha256(data).hexdigest()
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in UPLOAD_SUFFIXES else ".csv"
    descriptor, temp_name = tempfile.mkstemp(
        dir=upload_temp_dir(extracts_dir), prefix=".upload.", suffix=suffix
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        try:
            areas = read_areas(extracts_dir)
            catalog = _read_catalog(Path(extracts_dir))
        except (OSError, ValueError) as exc:
            problems = Problems()
            problems.add(
                None,
                None,
                f"the app's areas/indicators extracts cannot be read ({exc})",
                "run `make run` (it rebuilds the extracts), then try again",
            )
            report = _refused(Path(filename), problems)
        else:
            report = validate_extract(
                temp,
                areas,
                catalog,
                max_bytes=max_bytes,
                new_indicator=new_indicator,
                mapping=mapping,
            )
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    report.summary = report.summary.replace(str(temp), filename).replace(temp.name, filename)
    report.notes = [note.replace(temp.name, filename) for note in report.notes]
    report.sha256 = sha256
    if not report.ok:
        audit(who, filename, sha256, report)
    return report


def add_validated_upload(
    report: ValidationReport,
    filename: str,
    extracts_dir: str | os.PathLike,
    who: str = "upload",
) -> ValidationReport:
    """Add an accepted upload's rows atomically (as ingest_file does after validating)."""
    if not report.ok or report.frame is None:
        return report
    accepted = ValidationReport(
        True,
        [],
        report.frame,
        report.summary,
        0,
        report.catalog_row,
        list(report.notes),
        list(report.unplaced),
        report.sha256,
    )
    added = _add(accepted, filename, extracts_dir, source_name_for(filename))
    audit(who, filename, report.sha256, added)
    return added


# ------------------------------------------------------------ CLI glue (wired by cli.py)


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="CSV (UTF-8, comma-separated) or Parquet in the values layout")
    parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    parser.add_argument("--indicator-id", help="id of the new indicator the file carries")
    parser.add_argument("--label", help="label of the new indicator")
    parser.add_argument("--unit", help=" | ".join(UNITS))
    parser.add_argument(
        "--multiplier",
        type=float,
        help="for --unit rate: value = count / denominator x multiplier (e.g. 100000)",
    )
    parser.add_argument("--polarity", help=" | ".join(POLARITIES))
    parser.add_argument(
        "--mapping",
        help="a mapping TOML (see data/sources/mappings/) for a table in another shape",
    )
    parser.add_argument("--domain", help="life_expectancy | screening | vaccination | context")
    parser.add_argument("--source", help="source name (default: from the file name)")
    parser.add_argument("--max-mb", type=float, default=DEFAULT_MAX_BYTES / 1e6)
    parser.add_argument("--extracts-dir", help="default: equity.config.EXTRACTS_DIR")


def read_areas(extracts_dir: str | os.PathLike) -> pd.DataFrame:
    """The area columns validation and rollup need (parent columns where the file has them)."""
    path = Path(extracts_dir) / "areas.parquet"
    present = set(pq.read_schema(path).names)
    wanted = ["area_code", "area_type", *PARENT_COLUMNS]
    return pd.read_parquet(path, columns=[name for name in wanted if name in present])


def run_ingest(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    """Exit code 0 when accepted (or dry-run accepted), 2 when refused."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if args.extracts_dir:
        extracts_dir = Path(args.extracts_dir)
    else:
        from equity.config import EXTRACTS_DIR

        extracts_dir = EXTRACTS_DIR
    try:
        areas = read_areas(extracts_dir)
        catalog = _read_catalog(extracts_dir)
    except (OSError, ValueError) as exc:
        problem = f"{extracts_dir}: cannot read areas/indicators ({exc})"
        fix = "run `python -m equity build` first"
        refused = ValidationReport(False, [Problem(None, None, problem, fix)], None, "", 1)
        audit(os_user(), Path(args.path).name, file_sha256(args.path), refused)
        print(f"{problem} — {fix}", file=stderr)
        return 2
    mapping = None
    if getattr(args, "mapping", None):
        try:
            mapping = mappings.load_mapping(Path(args.mapping))
        except (mappings.MappingError, OSError, UnicodeDecodeError) as exc:
            fix = "fix the mapping file (see data/sources/mappings/ for examples)"
            refused = ValidationReport(False, [Problem(None, None, str(exc), fix)], None, "", 1)
            audit(os_user(), Path(args.path).name, file_sha256(args.path), refused)
            print(f"{args.mapping}: {exc} — {fix}", file=stderr)
            return 2
    flags = {
        "indicator_id": args.indicator_id,
        "label": args.label,
        "unit": args.unit,
        "polarity": args.polarity,
        "domain": args.domain,
        "multiplier": getattr(args, "multiplier", None),
    }
    new_indicator = {key: value for key, value in flags.items() if value is not None} or None
    report = ingest_file(
        args.path,
        extracts_dir,
        areas=areas,
        catalog=catalog,
        new_indicator=new_indicator,
        mapping=mapping,
        source_name=args.source,
        dry_run=args.dry_run,
        max_bytes=int(args.max_mb * 1e6),
    )
    if report.ok:
        print(report.summary, file=stdout)
        return 0
    for line in format_problems(args.path, report.problems, total=report.problem_count):
        print(line, file=stderr)
    return 2
