"""The shared selection: indicator, period, level, authority, group and benchmark.

Pages (through ui/controls.py), the command line and the planner ask their questions of
an indicator as a ``Selection``; ``area_values`` answers the most common one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from equity import config, db


@dataclass(frozen=True)
class Selection:
    """What a page or the command line asks of an indicator: which indicator, period, areas,
    group and benchmark (the shared choice the pages' controls make)."""

    indicator_id: str
    on_or_before: date
    level: str = "msoa"
    la_code: str | None = config.CITY_CODE
    sex: str = "All"
    age_band: str = "All"
    ethnic_group: str = "All"
    benchmark_code: str = config.CITY_CODE

    def query_params(self, benchmark_type: str) -> dict:
        return {
            "indicator_id": self.indicator_id,
            "on_or_before": self.on_or_before,
            "level": self.level,
            "la_code": self.la_code,
            "sex": self.sex,
            "age_band": self.age_band,
            "ethnic_group": self.ethnic_group,
            "benchmark_code": self.benchmark_code,
            "benchmark_type": benchmark_type,
        }


def benchmark_type(code: str, level: str) -> str:
    """The area type of a benchmark code: LLR is the region; E06/E07 are authorities."""
    if code == config.LLR_CODE:
        return "region"
    if code.startswith(("E06", "E07", "E08", "E09")):
        return "la"
    if code.startswith("E05"):
        return "ward"
    if code.startswith("E01"):
        return "lsoa"
    if code.startswith("E02"):
        return "msoa" if level != "msoa11" else "msoa11"
    return "practice"


def area_values(selection: Selection, extracts_dir=None) -> pd.DataFrame:
    """The indicator for every area of the selection's level, with its benchmark alongside."""
    params = selection.query_params(benchmark_type(selection.benchmark_code, selection.level))
    return db.run_query("area_values_with_benchmark", extracts_dir=extracts_dir, **params)


def all_of_llr(run, groups: Mapping[str, Mapping], level: str) -> pd.DataFrame:
    """area_values_for_indicators for every area of the level against LLR, each indicator of
    {indicator_id: group} at its group (a group as profile.default_group gives it), asked
    through `run(name, **params)` (the app's cached runner, or db.run_query)."""
    wanted = list(groups.values())
    return run(
        "area_values_for_indicators",
        indicator_ids=list(groups),
        on_or_before=[group["on_or_before"] for group in wanted],
        sexes=[group["sex"] for group in wanted],
        age_bands=[group["age_band"] for group in wanted],
        ethnic_groups=[group["ethnic_group"] for group in wanted],
        level=level,
        la_code=None,
        benchmark_code=config.LLR_CODE,
        benchmark_type="region",
    )


def by_indicator(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """area_values_for_indicators rows split into each indicator's own frame, as
    area_values_with_benchmark gives it (no indicator_id, index from 0)."""
    return {
        indicator_id: part.drop(columns="indicator_id").reset_index(drop=True)
        for indicator_id, part in rows.groupby("indicator_id", sort=False)
    }
