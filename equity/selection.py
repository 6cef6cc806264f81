"""The shared selection: indicator, period, level, authority, group and benchmark.

Pages (through ui/controls.py), the command line and the planner ask their questions of
an indicator as a ``Selection``; ``area_values`` answers the most common one.
"""

from __future__ import annotations

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
