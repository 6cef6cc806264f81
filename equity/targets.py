"""Target areas: significantly worse than a benchmark, ranked by people missed.

Used by the Where-to-act and Map pages and the `targets` command.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equity import stats
from equity.selection import Selection, area_values

TARGET_COLUMNS = [
    "rank",
    "area_code",
    "area_name",
    "value",
    "lower_ci",
    "upper_ci",
    "numerator",
    "denominator",
    "people_missed",
    "comparison",
    "is_synthetic",
    "is_modelled",
    "is_core20",
    "imd_decile",
    "benchmark_code",
    "benchmark_value",
    "period_end",
]


def rank_targets(frame: pd.DataFrame, polarity: str, only_worse: bool = True) -> pd.DataFrame:
    """Compare each area with the benchmark, count people missed, and rank.

    Areas significantly worse than the benchmark come first, ordered by people missed
    (denominator minus numerator); counts from 1 to the disclosure threshold are
    suppressed and such areas are "not compared".
    """
    frame = frame.copy()
    small = stats.is_disclosive(frame["numerator"]) | stats.is_disclosive(frame["denominator"])
    comparable = frame["value"].notna() & ~small
    frame["comparison"] = stats.compare_to_benchmark(
        frame["lower_ci"], frame["upper_ci"], frame["benchmark_value"], polarity, comparable
    )
    frame["rag"] = stats.comparison_rag(frame["comparison"], polarity)
    frame["people_missed"] = (frame["denominator"] - frame["numerator"]).clip(lower=0)
    frame = frame.sort_values(
        ["rag", "people_missed", "value"],
        key=lambda column: column.map({"worse": 0}).fillna(1) if column.name == "rag" else column,
        ascending=[True, False, True],
        na_position="last",
    )
    if only_worse:
        frame = frame[frame["rag"] == "worse"]
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame = stats.suppress_counts(
        frame,
        count_columns=["numerator", "denominator", "people_missed"],
        rate_columns=["value", "lower_ci", "upper_ci"],
        complement_pairs=[("numerator", "denominator")],
    )
    return frame.reset_index(drop=True)


def target_areas(selection: Selection, polarity: str, only_worse: bool = True, extracts_dir=None):
    return rank_targets(area_values(selection, extracts_dir), polarity, only_worse)


def display_table(ranked: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The ranked list as people read it: suppressed counts shown as '*'."""
    from equity import labels

    table = pd.DataFrame(
        {
            "Rank": ranked["rank"],
            "Area": ranked["area_name"],
            "Code": ranked["area_code"],
            "Value": [labels.format_value(v, unit) for v in ranked["value"]],
            "95% CI": [
                labels.format_ci(lo, hi) for lo, hi in zip(ranked["lower_ci"], ranked["upper_ci"])
            ],
            "Reached": [labels.format_count(v) for v in ranked["numerator"]],
            "Eligible": [labels.format_count(v) for v in ranked["denominator"]],
            "People missed": [labels.format_count(v) for v in ranked["people_missed"]],
            "Compared with benchmark": ranked["comparison"],
            "Core20": ranked["is_core20"].map({True: "Core20", False: ""}),
            "Data": [
                " / ".join(labels.data_badges(bool(s), bool(m))) or "published"
                for s, m in zip(ranked["is_synthetic"], ranked["is_modelled"])
            ],
        }
    )
    return table


def download_frame(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked rows as downloaded: the CLI's columns, suppression already applied."""
    return ranked[[c for c in TARGET_COLUMNS if c in ranked.columns]]
