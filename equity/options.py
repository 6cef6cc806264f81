"""Widget choices derived from what an indicator actually has (pure functions)."""

from __future__ import annotations

from datetime import date

import pandas as pd

LEVEL_LABELS = {
    "ward": "Ward",
    "msoa": "Neighbourhood (MSOA 2021)",
    "lsoa": "LSOA 2021",
    "practice": "GP practice",
    "msoa11": "MSOA 2011",
    "la": "Local authority",
}
SUMMED_AGE_STARTS = (16, 50, 65, 80)


def band_lower(band: str) -> int | None:
    if band == "All":
        return None
    digits = band.rstrip("+").split("-")[0]
    return int(digits) if digits.isdigit() else None


def age_band_choices(bands: list[str]) -> list[str]:
    """'All', then summed bands such as '50+' where the bands allow it, then each band."""
    exact = sorted({b for b in bands if b != "All"}, key=lambda b: (band_lower(b) or 0, b))
    lowers = {band_lower(b) for b in exact}
    summed = [
        f"{start}+" for start in SUMMED_AGE_STARTS if start in lowers and f"{start}+" not in exact
    ]
    if len(exact) <= 1:
        summed = []
    return (["All"] if "All" in bands else []) + summed + exact


def ordered_categories(values: list[str]) -> list[str]:
    """'All' first, the rest alphabetically."""
    rest = sorted(v for v in set(values) if v != "All")
    return (["All"] if "All" in values else []) + rest


def breakdown_choices(breakdowns: pd.DataFrame, level: str) -> dict[str, list]:
    """Periods, sexes, age bands and ethnic groups available at one level."""
    at_level = breakdowns[breakdowns["area_type"] == level]
    if at_level.empty:
        at_level = breakdowns
    # unique() before any Python iteration: iterating a column of Arrow strings row by row
    # cost the Area profile a sixth of a second on every rerun.
    return {
        "periods": sorted(pd.to_datetime(at_level["period_end"].unique()).date, reverse=True),
        "sexes": ordered_categories(at_level["sex"].unique().tolist()),
        "age_bands": age_band_choices(at_level["age_band"].unique().tolist()),
        "ethnic_groups": ordered_categories(at_level["ethnic_group"].unique().tolist()),
        "levels": [lv for lv in LEVEL_LABELS if lv in set(breakdowns["area_type"].unique())],
    }


def all_periods(breakdowns: pd.DataFrame) -> list[date]:
    """Every period an indicator has, at any level, oldest first."""
    return sorted(pd.to_datetime(breakdowns["period_end"].unique()).date)


def default_index(periods: list, default_period_end) -> int:
    """Index of the catalog's default period (the story's date), else 0 (the latest)."""
    if default_period_end is None or pd.isna(default_period_end):
        return 0
    wanted = pd.Timestamp(default_period_end).date()
    earlier = [i for i, p in enumerate(periods) if p <= wanted]
    return earlier[0] if earlier else 0
