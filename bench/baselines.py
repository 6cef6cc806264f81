"""pandas answers to each query in queries/, for timing against DuckDB and checking it.

Each query has two baselines over the same Parquet files:
- naive: what an analyst writes first: pd.read_parquet every file, then filter and group;
- careful: pyarrow.parquet.read_table with columns= and filters= (row-group pruning and
  row filtering in Arrow), then the same pandas grouping.
Both must return what DuckDB returns (same rows, same columns, floats within tolerance).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

Z95 = 1.959963984540054

AREA_COLUMNS = [
    "area_code",
    "area_name",
    "area_type",
    "la_code",
    "population",
    "imd_score",
    "imd_decile",
    "imd_quintile",
    "is_core20",
    "lon",
    "lat",
]
VALUE_COLUMNS = [
    "area_code",
    "area_type",
    "period_start",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "lower_ci",
    "upper_ci",
    "is_synthetic",
    "is_modelled",
]


def values_files(extracts_dir: Path) -> list[str]:
    return [str(path) for path in sorted(Path(extracts_dir).glob("values_*.parquet"))]


def _as_date(day) -> date:
    return pd.Timestamp(day).date()


# ---------------------------------------------------------------- shared pandas logic


def wilson(n: np.ndarray, d: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The _macros.sql Wilson interval on the 0-100 scale (numerator capped at d)."""
    n = np.asarray(n, dtype=float)
    d = np.asarray(d, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        capped = np.minimum(n, d)
        root = z * np.sqrt(z * z + 4 * capped * (1 - capped / d))
        lower = 100 * (2 * capped + z * z - root) / (2 * (d + z * z))
        upper = 100 * (2 * capped + z * z + root) / (2 * (d + z * z))
    valid = (d > 0) & ~np.isnan(n)
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


def age_band_mask(bands: pd.Series, requested: str) -> pd.Series:
    """The age_band_matches macro: 'All' -> All rows; 'N+' -> bands from N up; else exact."""
    if requested == "All":
        return bands == "All"
    if requested.endswith("+"):
        lower = pd.to_numeric(bands.str.extract(r"^([0-9]+)", expand=False), errors="coerce")
        return (bands == requested) | (
            (bands != "All") & (lower >= int(requested.rstrip("+"))).fillna(False)
        )
    return bands == requested


def _summarise(selected: pd.DataFrame) -> pd.DataFrame:
    """The `selected` and `measured` CTEs: sum counts per area, then value and CI."""
    grouped = selected.groupby(["area_code", "area_type"], sort=False, observed=True)
    out = grouped.agg(
        period_start=("period_start", "min"),
        period_end=("period_end", "max"),
        numerator=("numerator", lambda s: s.sum(min_count=1)),
        denominator=("denominator", lambda s: s.sum(min_count=1)),
        published_value=("value", "first"),
        published_lower_ci=("lower_ci", "first"),
        published_upper_ci=("upper_ci", "first"),
        is_synthetic=("is_synthetic", "any"),
        is_modelled=("is_modelled", "any"),
        rows_summed=("area_code", "size"),
    ).reset_index()
    single = out["rows_summed"] == 1
    n = out["numerator"].to_numpy(dtype=float)
    d = out["denominator"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(d > 0, 100.0 * n / d, np.nan)
    lower, upper = wilson(n, d)
    out["value"] = np.where(np.isnan(percent), out["published_value"].where(single), percent)
    out["lower_ci"] = np.where(np.isnan(lower), out["published_lower_ci"].where(single), lower)
    out["upper_ci"] = np.where(np.isnan(upper), out["published_upper_ci"].where(single), upper)
    return out[VALUE_COLUMNS]


def _with_areas(measured: pd.DataFrame, areas: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The final SELECT: areas of the level joined to their figures and the benchmark's."""
    chosen = areas[areas["area_type"] == params["level"]]
    if params["la_code"] is not None:
        chosen = chosen[chosen["la_code"] == params["la_code"]]
    frame = chosen[AREA_COLUMNS].merge(measured, on=["area_code", "area_type"], how="inner")
    bench = measured[
        (measured["area_code"] == params["benchmark_code"])
        & (measured["area_type"] == params["benchmark_type"])
    ]
    columns = {
        "area_code": "benchmark_code",
        "value": "benchmark_value",
        "lower_ci": "benchmark_lower_ci",
        "upper_ci": "benchmark_upper_ci",
        "numerator": "benchmark_numerator",
        "denominator": "benchmark_denominator",
    }
    if len(bench):
        row = bench.iloc[0]
        for source, target in columns.items():
            frame[target] = row[source]
    else:
        for target in columns.values():
            frame[target] = None
    return frame.sort_values("area_code", ignore_index=True)


def _select_rows(values: pd.DataFrame, params: dict) -> pd.DataFrame:
    return values[
        (values["sex"] == params["sex"])
        & (values["ethnic_group"] == params["ethnic_group"])
        & age_band_mask(values["age_band"], params["age_band"])
        & values["area_type"].isin([params["level"], params["benchmark_type"]])
    ]


# ---------------------------------------------------------------- area_values_with_benchmark


def read_all_values(extracts_dir: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(path) for path in values_files(extracts_dir)]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def area_values_naive(extracts_dir: Path, **params) -> pd.DataFrame:
    values = read_all_values(extracts_dir)
    areas = pd.read_parquet(Path(extracts_dir) / "areas.parquet")
    values = values[values["indicator_id"] == params["indicator_id"]]
    ends = pd.to_datetime(values["period_end"])
    chosen_end = ends[ends <= pd.Timestamp(params["on_or_before"])].max()
    values = values[ends == chosen_end]
    return _with_areas(_summarise(_select_rows(values, params)), areas, params)


def area_values_careful(extracts_dir: Path, **params) -> pd.DataFrame:
    files = values_files(extracts_dir)
    on_or_before = _as_date(params["on_or_before"])
    periods = pq.read_table(
        files,
        columns=["period_end"],
        filters=[
            ("indicator_id", "==", params["indicator_id"]),
            ("period_end", "<=", on_or_before),
        ],
    )
    chosen_end = _as_date(pd.Series(periods.column("period_end").to_pandas()).max())
    levels = [params["level"], params["benchmark_type"]]
    table = pq.read_table(
        files,
        columns=["area_code", "area_type", "age_band", *VALUE_COLUMNS[2:]],
        filters=[
            ("indicator_id", "==", params["indicator_id"]),
            ("period_end", "==", chosen_end),
            ("sex", "==", params["sex"]),
            ("ethnic_group", "==", params["ethnic_group"]),
            ("area_type", "in", levels),
        ],
    )
    values = table.to_pandas()
    values = values[age_band_mask(values["age_band"], params["age_band"])]
    areas = pq.read_table(
        Path(extracts_dir) / "areas.parquet",
        columns=AREA_COLUMNS,
        filters=[("area_type", "==", params["level"])],
    ).to_pandas()
    return _with_areas(_summarise(values), areas, params)


# ---------------------------------------------------------------- indicator_breakdowns

BREAKDOWN_COLUMNS = ["period_end", "area_type", "sex", "age_band", "ethnic_group"]


def _distinct_breakdowns(values: pd.DataFrame) -> pd.DataFrame:
    return (
        values[BREAKDOWN_COLUMNS]
        .drop_duplicates()
        .sort_values(BREAKDOWN_COLUMNS, ignore_index=True)
    )


def breakdowns_naive(extracts_dir: Path, indicator_id: str) -> pd.DataFrame:
    values = read_all_values(extracts_dir)
    return _distinct_breakdowns(values[values["indicator_id"] == indicator_id])


def breakdowns_careful(extracts_dir: Path, indicator_id: str) -> pd.DataFrame:
    table = pq.read_table(
        values_files(extracts_dir),
        columns=BREAKDOWN_COLUMNS,
        filters=[("indicator_id", "==", indicator_id)],
    )
    # Distinct in Arrow first: converting every row's strings to pandas is the slow part.
    distinct = table.group_by(BREAKDOWN_COLUMNS, use_threads=True).aggregate([])
    return _distinct_breakdowns(distinct.to_pandas())


# ---------------------------------------------------------------- areas_of_type


def _areas_of_type(areas: pd.DataFrame, area_type: str, la_code: str | None) -> pd.DataFrame:
    chosen = areas[areas["area_type"] == area_type]
    if la_code is not None:
        chosen = chosen[(chosen["la_code"] == la_code) | (chosen["area_code"] == la_code)]
    return chosen.sort_values("area_name", ignore_index=True, kind="stable")


def areas_of_type_naive(extracts_dir: Path, area_type: str, la_code: str | None):
    return _areas_of_type(pd.read_parquet(Path(extracts_dir) / "areas.parquet"), area_type, la_code)


def areas_of_type_careful(extracts_dir: Path, area_type: str, la_code: str | None):
    table = pq.read_table(
        Path(extracts_dir) / "areas.parquet", filters=[("area_type", "==", area_type)]
    )
    return _areas_of_type(table.to_pandas(), area_type, la_code)


# ---------------------------------------------------------------- indicator_catalog


def _catalog(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["is_synthetic", "domain", "indicator_id"], ignore_index=True)


def catalog_naive(extracts_dir: Path) -> pd.DataFrame:
    return _catalog(pd.read_parquet(Path(extracts_dir) / "indicators.parquet"))


def catalog_careful(extracts_dir: Path) -> pd.DataFrame:
    return _catalog(pq.read_table(Path(extracts_dir) / "indicators.parquet").to_pandas())


BASELINES: dict[str, tuple[Callable, Callable]] = {
    "area_values_with_benchmark": (area_values_naive, area_values_careful),
    "indicator_breakdowns": (breakdowns_naive, breakdowns_careful),
    "areas_of_type": (areas_of_type_naive, areas_of_type_careful),
    "indicator_catalog": (catalog_naive, catalog_careful),
}

# Rows whose order SQL leaves open (ORDER BY on a non-unique key) are compared sorted.
SORT_KEYS = {
    "areas_of_type": ["area_name", "area_code"],
}


# ---------------------------------------------------------------- comparison


def _normalised(column: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        return column.astype(object).where(column.notna(), None)
    if pd.api.types.is_datetime64_any_dtype(column) or (
        column.dtype == object
        and column.dropna().map(lambda v: isinstance(v, date)).all()
        and column.notna().any()
    ):
        return pd.to_datetime(column).dt.strftime("%Y-%m-%d")
    return column


def differences(name: str, expected: pd.DataFrame, actual: pd.DataFrame) -> list[str]:
    """How `actual` differs from DuckDB's `expected` (empty when they agree)."""
    problems = []
    if list(expected.columns) != list(actual.columns):
        return [f"columns differ: {list(expected.columns)} vs {list(actual.columns)}"]
    if len(expected) != len(actual):
        return [f"{len(expected)} rows vs {len(actual)}"]
    keys = SORT_KEYS.get(name)
    if keys:
        expected = expected.sort_values(keys, ignore_index=True)
        actual = actual.sort_values(keys, ignore_index=True)
    expected = expected.reset_index(drop=True)
    actual = actual.reset_index(drop=True)
    for column in expected.columns:
        left, right = _normalised(expected[column]), _normalised(actual[column])
        numeric = pd.api.types.is_numeric_dtype(left) and not pd.api.types.is_bool_dtype(left)
        if numeric:
            left_values = pd.to_numeric(left, errors="coerce").to_numpy(dtype=float)
            right_values = pd.to_numeric(right, errors="coerce").to_numpy(dtype=float)
            if not np.allclose(left_values, right_values, rtol=1e-9, atol=1e-9, equal_nan=True):
                problems.append(f"{column}: values differ")
        else:
            left_text = [None if pd.isna(v) else str(v) for v in left]
            right_text = [None if pd.isna(v) else str(v) for v in right]
            if left_text != right_text:
                problems.append(f"{column}: values differ")
    return problems
