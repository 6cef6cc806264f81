"""Other table shapes by declaration, not by code: a TOML mapping file -> `values` rows.

A mapping (data/sources/mappings/*.toml) names which column holds the area code, the period,
the counts or the value, and what is fixed for the whole file; a wide table (one column per
indicator) lists its columns under [[columns]]. `apply_mapping(frame, mapping)` is pure: text
cells and a parsed mapping in, `(values, unplaced_columns, problems)` out.

Mapping keys (all optional unless marked):

  [source]      file (required, relative to data/sources), title, licence, missing = ["N/A"]
                (cell texts meaning suppressed / not published -> NULL), and catalog fields
                for every indicator: domain, vintage, method, caveat, short_label, target
  [filter]      COLUMN = ["kept", "values"] ("" keeps blank cells)
  ignore        = ["Column", ...]: columns deliberately unused (top level, before any table)
  [area]        column (required); type = "practice" fixed, or codes = {name = code} with
                types = {code = area_type} when the column holds names
  [period]      start, end (TOML dates), or column (parsed by fingertips.parse_period),
                year_start_month (4 = April; 9 for academic years)
  [dimensions]  sex, age_band, ethnic_group: a text is fixed for every row; a table
                {column = "...", map = {text = ours}} reads a column
  [measures]    numerator, denominator, value, lower_ci, upper_ci: column names;
                multiplier (100 for percent)
  [indicator]   a fixed indicator (id, label, unit, polarity, is_modelled, catalog fields), or
                column + [indicator.codes.CODE] tables (long tables); skip = [codes left out]
  [[columns]]   wide tables: column, id, label, unit, polarity, plus per-column overrides of
                period / dimensions / is_modelled / caveat; the cell is the value
  [margins]     age_band = "All": add All rows summed from the bands (count indicators only)

Counts without a value give Wilson limits (percent); a published value with counts must
agree with them within rounding, else the row is refused by number. `apply_mapping_files`
runs every shipped mapping and gives catalog rows (`mapping_indicators` + `catalog_defaults`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from equity import fingertips, stats
from equity.fingertips import UNITS
from equity.schema import POLARITIES, VALUES_COLUMNS

DIMENSIONS = ("sex", "age_band", "ethnic_group")
MEASURES = ("numerator", "denominator", "value", "lower_ci", "upper_ci")
INDICATOR_KEYS = ("id", "label", "unit", "polarity")


class MappingError(ValueError):
    """A mapping file that cannot be applied: one line naming the file, key and fix."""


@dataclass
class Mapping:
    name: str  # the mapping file's name, for messages
    spec: dict

    @property
    def source_file(self) -> str:
        return self.spec["source"]["file"]


def _normalised(text: object) -> str:
    """Names are spelled inconsistently ("Leicester ", "Leicestershire  And Rutland")."""
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _check_indicator(name: str, where: str, table: dict) -> None:
    for key in INDICATOR_KEYS:
        if not isinstance(table.get(key), str) or not table.get(key):
            raise MappingError(f"{name}: {where}: '{key}' is missing — add {key} = \"...\"")
    if table["unit"] not in UNITS:
        raise MappingError(
            f"{name}: {where}: unit {table['unit']!r} is unknown — use one of {', '.join(UNITS)}"
        )
    if table["polarity"] not in POLARITIES:
        raise MappingError(
            f"{name}: {where}: polarity {table['polarity']!r} is unknown — use one of "
            f"{', '.join(POLARITIES)}"
        )


def _check_period(name: str, where: str, period: dict) -> None:
    if "column" in period:
        return
    if not (isinstance(period.get("start"), date) and isinstance(period.get("end"), date)):
        raise MappingError(
            f'{name}: {where}: needs column = "..." or start and end dates — '
            "e.g. start = 2015-01-01 and end = 2019-12-31 (TOML dates, no quotes)"
        )
    if period["end"] < period["start"]:
        raise MappingError(f"{name}: {where}: end is before start — swap them")


def parse_mapping(text: str, name: str) -> Mapping:
    """Parse and check a mapping's TOML text; MappingError names what to fix."""
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{name}: not valid TOML ({error}) — fix the syntax") from None
    if not isinstance(spec.get("source"), dict) or not spec["source"].get("file"):
        raise MappingError(f'{name}: [source] file is missing — add file = "folder/name.csv"')
    area = spec.get("area", {})
    if not area.get("column"):
        raise MappingError(f'{name}: [area] column is missing — add column = "..."')
    if not area.get("type") and not (area.get("codes") and area.get("types")):
        raise MappingError(
            f'{name}: [area] needs type = "practice" (fixed) or codes and types tables'
        )
    wide = spec.get("columns")
    indicator = spec.get("indicator")
    if bool(wide) == bool(indicator):
        raise MappingError(
            f"{name}: give either [indicator] (one indicator, or one per code of a column) "
            "or [[columns]] (one indicator per column), not both or neither"
        )
    if indicator:
        if "column" in indicator:
            codes = indicator.get("codes")
            if not isinstance(codes, dict) or not codes:
                raise MappingError(
                    f"{name}: [indicator] column needs [indicator.codes.CODE] tables — add one per code"
                )
            for code, table in codes.items():
                _check_indicator(name, f"[indicator.codes.{code}]", table)
        else:
            _check_indicator(name, "[indicator]", indicator)
        measures = spec.get("measures", {})
        if not (
            measures.get("value") or (measures.get("numerator") and measures.get("denominator"))
        ):
            raise MappingError(
                f"{name}: [measures] needs value, or numerator and denominator — name the columns"
            )
    for position, column in enumerate(wide or [], start=1):
        where = f"[[columns]] number {position}"
        if not column.get("column"):
            raise MappingError(f'{name}: {where}: column is missing — add column = "..."')
        _check_indicator(name, where, column)
        if "period" in column:
            _check_period(name, where + " period", column["period"])
    if "period" not in spec and not all("period" in column for column in wide or []):
        raise MappingError(f"{name}: [period] is missing — add start/end dates or a column")
    if "period" in spec:
        _check_period(name, "[period]", spec["period"])
    for dimension, setting in spec.get("dimensions", {}).items():
        if dimension not in DIMENSIONS:
            raise MappingError(
                f"{name}: [dimensions] {dimension} is unknown — use {', '.join(DIMENSIONS)}"
            )
        if isinstance(setting, dict) and not setting.get("column"):
            raise MappingError(f'{name}: [dimensions] {dimension} needs column = "..."')
    return Mapping(name=name, spec=spec)


def load_mapping(path: Path) -> Mapping:
    path = Path(path)
    return parse_mapping(path.read_text(encoding="utf-8"), path.name)


def read_source(mapping: Mapping, sources_dir: Path) -> pd.DataFrame:
    """The mapped file's cells as text; blanks as "" (no "NA" guessing)."""
    frame = pd.read_csv(
        Path(sources_dir) / mapping.source_file,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame


# ------------------------------------------------------------------------------ apply


class _Problems(list):
    def __init__(self, file_name: str) -> None:
        super().__init__()
        self.file_name = file_name

    def add(self, row: int | None, column: str | None, what: str, fix: str) -> None:
        where = [self.file_name]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        self.append(f"{', '.join(where)}: {what} — {fix}")


def _first_row(mask: np.ndarray, row_numbers: np.ndarray) -> int:
    return int(row_numbers[np.flatnonzero(mask)[0]])


_DIMENSION_FORMS = {
    "sex": (re.compile(r"All|Female|Male"), "All, Female or Male"),
    "age_band": (re.compile(r"All|\d+-\d+|\d+\+"), "All, lo-hi (e.g. 50-54) or lo+ (e.g. 80+)"),
    "ethnic_group": (re.compile(r"\S.*"), "All or a group name"),
}


def _dimension(
    setting, frame: pd.DataFrame, rows: np.ndarray, dimension: str, problems
) -> pd.Series | None:
    form, wanted = _DIMENSION_FORMS[dimension]
    if setting is None or isinstance(setting, str):
        fixed = "All" if setting is None else setting
        if not form.fullmatch(fixed):
            problems.add(
                None, None, f"[dimensions] {dimension} {fixed!r} is not {wanted}", "fix the mapping"
            )
            return None
        return pd.Series(fixed, index=frame.index)
    column = setting["column"]
    cells = frame[column]
    table = {_normalised(key): value for key, value in setting.get("map", {}).items()}
    ours = cells.map(_normalised).map(table) if table else cells
    wrong = ~ours.fillna("").map(lambda text: bool(form.fullmatch(text))).to_numpy(dtype=bool)
    for text in pd.unique(cells[wrong]):
        problems.add(
            _first_row((cells == text).to_numpy(), rows),
            column,
            f"{text!r} is not in the mapping's {dimension} map"
            if table
            else f"{dimension} {text!r} is not {wanted}",
            f"add it to [dimensions] {dimension} map, or filter those rows out",
        )
    return None if wrong.any() else ours


def _period(setting: dict, frame: pd.DataFrame, rows: np.ndarray, problems):
    if "column" not in setting:
        return (
            pd.Series(setting["start"], index=frame.index),
            pd.Series(setting["end"], index=frame.index),
        )
    column = setting["column"]
    parsed = {}
    for text in pd.unique(frame[column]):
        try:
            parsed[text] = fingertips.parse_period(text, setting.get("year_start_month", 4))
        except fingertips.PeriodError as error:
            problems.add(
                _first_row((frame[column] == text).to_numpy(), rows),
                column,
                str(error),
                "correct the period, or give fixed start and end dates in [period]",
            )
    if len(parsed) < frame[column].nunique():
        return None
    return frame[column].map(lambda t: parsed[t][0]), frame[column].map(lambda t: parsed[t][1])


def _numbers(frame: pd.DataFrame, column: str, missing: np.ndarray, rows, problems) -> pd.Series:
    text = frame[column].str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text.where(~missing & (text != "")), errors="coerce")
    bad = numbers.isna().to_numpy() & ~missing & (text != "").to_numpy()
    for position in np.flatnonzero(bad)[:20]:
        problems.add(
            int(rows[position]),
            column,
            f"{frame[column].iloc[position]!r} is not a number",
            "put a number, leave it blank, or list the text under [source] missing",
        )
    return numbers.astype(float)


def _measures(
    frame: pd.DataFrame,
    columns: dict[str, str],
    unit: str,
    multiplier: float | None,
    missing_texts: set[str],
    rows: np.ndarray,
    problems,
) -> pd.DataFrame | None:
    """numerator .. upper_ci for each row; withheld cells make the whole row NULL."""
    used = [column for column in columns.values() if column]
    withheld = np.zeros(len(frame), dtype=bool)
    for column in used:
        withheld |= frame[column].map(_normalised).isin(missing_texts).to_numpy()
    before = len(problems)
    result = pd.DataFrame(
        {
            measure: _numbers(frame, columns[measure], withheld, rows, problems)
            if columns.get(measure)
            else pd.Series(np.nan, index=frame.index)
            for measure in MEASURES
        }
    )
    if len(problems) > before:
        return None
    scale = multiplier if multiplier is not None else (100.0 if unit == "percent" else None)
    counted = result["numerator"].notna() & result["denominator"].notna()
    if columns.get("value"):
        check = counted & result["value"].notna() & (result["denominator"] > 0)
        if scale is not None:
            for position in np.flatnonzero(check.to_numpy()):
                published = frame[columns["value"]].iloc[position]
                recomputed = (
                    result["numerator"].iloc[position] / result["denominator"].iloc[position]
                ) * scale
                if not fingertips.agrees_within_rounding(published, recomputed):
                    problems.add(
                        int(rows[position]),
                        columns["value"],
                        f"value {published} disagrees with {columns['numerator']} / "
                        f"{columns['denominator']} x {scale:g} = {recomputed:.6g}",
                        "check this row's counts and value (or the mapping's unit/multiplier)",
                    )
    elif counted.any():
        if unit == "percent":
            interval = stats.proportion_with_ci(result["numerator"], result["denominator"])
            result["value"] = interval["value"].to_numpy()
        elif scale is not None:
            result["value"] = result["numerator"] / result["denominator"] * scale
    # Published limits are kept; only a percent with counts and no limits gets Wilson's.
    if unit == "percent" and not (columns.get("lower_ci") or columns.get("upper_ci")):
        interval = stats.proportion_with_ci(result["numerator"], result["denominator"])
        result["lower_ci"] = interval["lower_ci"].to_numpy()
        result["upper_ci"] = interval["upper_ci"].to_numpy()
    if len(problems) > before:
        return None
    result.loc[withheld, list(MEASURES)] = np.nan
    return result


def _frame_for(
    frame,
    rows,
    mapping_spec: dict,
    indicator: dict,
    measure_columns: dict[str, str],
    overrides: dict,
    problems,
) -> pd.DataFrame | None:
    period = _period(overrides.get("period", mapping_spec.get("period")), frame, rows, problems)
    dimensions = {
        name: _dimension(
            overrides.get(name, mapping_spec.get("dimensions", {}).get(name)),
            frame,
            rows,
            name,
            problems,
        )
        for name in DIMENSIONS
    }
    missing_texts = {_normalised(text) for text in mapping_spec["source"].get("missing", [])}
    measures = _measures(
        frame,
        measure_columns,
        indicator["unit"],
        mapping_spec.get("measures", {}).get("multiplier"),
        missing_texts,
        rows,
        problems,
    )
    if period is None or measures is None or any(d is None for d in dimensions.values()):
        return None
    out = pd.DataFrame(
        {
            "indicator_id": indicator["id"],
            "period_start": period[0],
            "period_end": period[1],
            **dimensions,
            **{measure: measures[measure] for measure in MEASURES},
        }
    )
    out["is_modelled"] = bool(indicator.get("is_modelled", mapping_spec.get("is_modelled", False)))
    return out


def _areas(spec: dict, frame: pd.DataFrame, rows: np.ndarray, problems):
    area = spec["area"]
    cells = frame[area["column"]]
    if area.get("type"):
        return cells, pd.Series(area["type"], index=frame.index)
    codes = {_normalised(name): code for name, code in area["codes"].items()}
    mapped = cells.map(_normalised).map(codes)
    for text in pd.unique(cells[mapped.isna()]):
        problems.add(
            _first_row((cells == text).to_numpy(), rows),
            area["column"],
            f"area {text!r} is not in the mapping's [area] codes",
            "add it to [area] codes (name = code) or filter it out",
        )
    types = mapped.map(area["types"])
    for code in pd.unique(mapped[mapped.notna() & types.isna()]):
        problems.add(None, None, f"area code {code!r} has no type", "add it to [area] types")
    return mapped, types


def _add_age_margin(values: pd.DataFrame) -> pd.DataFrame:
    """All-ages rows summed from the bands' counts (Wilson limits on the sums).

    A group with a suppressed band gets a suppressed (NULL) margin: a sum without that band
    would be understated, and the band could be recovered by subtraction.
    """
    banded = values[values["age_band"] != "All"]
    keys = ["indicator_id", "area_code", "area_type", "period_start", "period_end", "sex"]
    keys += ["ethnic_group", "is_synthetic", "is_modelled"]
    grouped = banded.groupby(keys, as_index=False, dropna=False)
    summed = grouped[["numerator", "denominator"]].sum()
    gaps = grouped["numerator"].agg(lambda column: column.isna().any())["numerator"].to_numpy()
    summed.loc[gaps, ["numerator", "denominator"]] = np.nan
    summed["age_band"] = "All"
    interval = stats.proportion_with_ci(summed["numerator"], summed["denominator"])
    for column in ("value", "lower_ci", "upper_ci"):
        summed[column] = interval[column].to_numpy()
    return pd.concat([values, summed[list(VALUES_COLUMNS)]], ignore_index=True)


def apply_mapping(
    frame: pd.DataFrame, mapping: Mapping
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Cells (text) of the mapped file -> (values rows, unplaced columns, problem lines).

    Unplaced columns are those the mapping neither uses nor lists under `ignore`: a new column
    in a new release shows up there instead of being silently dropped. With problems, the
    values frame is empty: store nothing.
    """
    spec = mapping.spec
    problems = _Problems(Path(spec["source"]["file"]).name)
    frame = frame.fillna("").astype(str).apply(lambda column: column.str.strip())
    rows = np.arange(len(frame)) + 2  # spreadsheet numbering: header is row 1

    used = _used_columns(spec)
    absent = [column for column in used if column not in frame.columns]
    if absent:
        for column in absent:
            problems.add(1, column, "column not in the file", "fix the mapping or the header")
        return _empty(), [], list(problems)
    unplaced = [c for c in frame.columns if c not in used and c not in spec.get("ignore", [])]

    keep = np.ones(len(frame), dtype=bool)
    for column, kept in spec.get("filter", {}).items():
        keep &= frame[column].isin([str(value).strip() for value in kept]).to_numpy()
    frame, rows = frame[keep].reset_index(drop=True), rows[keep]

    area_codes, area_types = _areas(spec, frame, rows, problems)
    pieces = []
    measures = spec.get("measures", {})
    measure_columns = {measure: measures.get(measure) for measure in MEASURES}
    if "indicator" in spec:
        indicator = spec["indicator"]
        if "column" in indicator:
            codes = frame[indicator["column"]]
            skip = set(indicator.get("skip", []))
            for code in pd.unique(codes):
                if code in skip:
                    continue
                if code not in indicator["codes"]:
                    problems.add(
                        _first_row((codes == code).to_numpy(), rows),
                        indicator["column"],
                        f"code {code!r} is neither declared nor skipped",
                        f"add [indicator.codes.{code}] or list it in [indicator] skip",
                    )
                    continue
                part = (codes == code).to_numpy()
                pieces.append(
                    (
                        part,
                        _frame_for(
                            frame[part].reset_index(drop=True),
                            rows[part],
                            spec,
                            indicator["codes"][code],
                            measure_columns,
                            indicator["codes"][code],
                            problems,
                        ),
                    )
                )
        else:
            everything = np.ones(len(frame), dtype=bool)
            pieces.append(
                (
                    everything,
                    _frame_for(frame, rows, spec, indicator, measure_columns, {}, problems),
                )
            )
    for column in spec.get("columns", []):
        everything = np.ones(len(frame), dtype=bool)
        single = dict.fromkeys(MEASURES) | {"value": column["column"]}
        pieces.append((everything, _frame_for(frame, rows, spec, column, single, column, problems)))

    if problems or any(piece is None for _, piece in pieces):
        return _empty(), unplaced, list(problems)
    parts = []
    for mask, piece in pieces:
        piece["area_code"] = area_codes[mask].to_numpy()
        piece["area_type"] = area_types[mask].to_numpy()
        piece["is_synthetic"] = False
        parts.append(piece[list(VALUES_COLUMNS)])
    values = pd.concat(parts, ignore_index=True) if parts else _empty()
    if spec.get("margins", {}).get("age_band") == "All":
        values = _add_age_margin(values)
    return values, unplaced, []


def _used_columns(spec: dict) -> list[str]:
    used = [spec["area"]["column"]]
    used += list(spec.get("filter", {}))
    periods = [spec.get("period", {})] + [c.get("period", {}) for c in spec.get("columns", [])]
    used += [period["column"] for period in periods if "column" in period]
    settings = list(spec.get("dimensions", {}).values())
    settings += [c.get(d) for c in spec.get("columns", []) for d in DIMENSIONS]
    used += [s["column"] for s in settings if isinstance(s, dict)]
    used += [c for m, c in spec.get("measures", {}).items() if m in MEASURES and c]
    if "column" in spec.get("indicator", {}):
        used.append(spec["indicator"]["column"])
    used += [column["column"] for column in spec.get("columns", [])]
    return list(dict.fromkeys(used))


# Catalog fields a mapping may give per indicator, or once under [source] for all of them.
CATALOG_FIELDS = ("short_label", "domain", "target", "vintage", "method", "caveat")


def mapping_indicators(mapping: Mapping) -> pd.DataFrame:
    """The catalog rows a mapping declares, in the catalog's column names."""
    spec = mapping.spec
    source = spec["source"]
    if "columns" in spec:
        declared = spec["columns"]
    elif "column" in spec["indicator"]:
        declared = list(spec["indicator"]["codes"].values())
    else:
        declared = [spec["indicator"]]
    counted = bool(spec.get("measures", {}).get("numerator"))
    rows = {}
    for item in declared:  # a wide table may give one indicator several columns (by sex)
        rows[item["id"]] = {
            "indicator_id": item["id"],
            "label": item["label"],
            "unit": item["unit"],
            "polarity": item["polarity"],
            "value_type": "count" if counted else "value",
            "source": source.get("title", source["file"]),
            "licence": source.get("licence", ""),
            **{key: item.get(key, source.get(key)) for key in CATALOG_FIELDS},
            "is_synthetic": False,
            "is_modelled": bool(item.get("is_modelled", spec.get("is_modelled", False))),
        }
    return pd.DataFrame(list(rows.values()))


def catalog_defaults(indicators: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """default_sex / default_age_band / default_period_end for each indicator, from its rows.

    All where the rows have it, else the most common band (QOF asthma is only "6+"); the
    latest period. The views open on these, so an indicator without All rows still shows.
    """

    def pick(column: pd.Series) -> str:
        return "All" if (column == "All").any() else column.mode().iloc[0]

    grouped = values.groupby("indicator_id")
    defaults = pd.DataFrame(
        {
            "default_sex": grouped["sex"].agg(pick),
            "default_age_band": grouped["age_band"].agg(pick),
            "default_period_end": grouped["period_end"].max().astype(str),
        }
    )
    return indicators.join(defaults, on="indicator_id")


@dataclass
class MappedSource:
    name: str  # the mapping file's name
    values: pd.DataFrame  # empty when there are problems
    indicators: pd.DataFrame  # catalog rows with their defaults
    unplaced: list[str]  # columns neither used nor ignored: a new release may have added them
    problems: list[str]


def apply_mapping_files(sources_dir: Path, folder: str = "mappings") -> list[MappedSource]:
    """Every `<sources_dir>/mappings/*.toml` applied to its file, in name order."""
    results = []
    for path in sorted((Path(sources_dir) / folder).glob("*.toml")):
        try:
            mapping = load_mapping(path)
            frame = read_source(mapping, sources_dir)
        except (MappingError, OSError, pd.errors.ParserError) as error:
            results.append(MappedSource(path.name, _empty(), pd.DataFrame(), [], [str(error)]))
            continue
        values, unplaced, problems = apply_mapping(frame, mapping)
        indicators = catalog_defaults(mapping_indicators(mapping), values)
        results.append(MappedSource(path.name, values, indicators, unplaced, problems))
    return results


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in VALUES_COLUMNS})
