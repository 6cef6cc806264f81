"""Target areas: significantly worse than a benchmark, ranked by people missed.

A no-judgement indicator (e.g. recorded prevalence) has no "worse": its targets are the
areas significantly higher or lower than the benchmark, ranked by the people affected
(the numerator). A lower-is-better indicator's people affected are likewise its numerator.

Used by the Where-to-act and Map pages and the `targets` command.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equity import schema, stats
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
    # the numerator, for indicators where more is not better (no "missed"); last so the
    # columns scripts already read keep their places
    "people_affected",
]


def rank_targets(frame: pd.DataFrame, polarity: str, only_worse: bool = True) -> pd.DataFrame:
    """Compare each area with the benchmark, count the people concerned, and rank.

    Areas significantly worse than the benchmark (for a no-judgement indicator:
    significantly higher or lower) come first, ordered by people missed (denominator minus
    numerator, higher-is-better) or people affected (the numerator, otherwise); counts from
    1 to the disclosure threshold are suppressed and such areas are "not compared".
    `rag` is the comparison's colour category (stats.comparison_category).
    """
    frame = frame.copy()
    small = stats.is_disclosive(frame["numerator"]) | stats.is_disclosive(frame["denominator"])
    comparable = frame["value"].notna() & ~small
    frame["comparison"] = stats.compare_to_benchmark(
        frame["lower_ci"], frame["upper_ci"], frame["benchmark_value"], None, comparable
    )
    frame["rag"] = stats.comparison_category(frame["comparison"], polarity)
    if polarity == schema.HIGHER_IS_BETTER:
        frame["people_missed"] = (frame["denominator"] - frame["numerator"]).clip(lower=0)
        frame["people_affected"] = np.nan
    else:
        frame["people_missed"] = np.nan
        frame["people_affected"] = frame["numerator"]
    frame["_people"] = frame["people_missed"].fillna(frame["people_affected"])
    frame["_target"] = is_target(frame["rag"])
    frame = frame.sort_values(
        ["_target", "_people", "value"], ascending=[False, False, True], na_position="last"
    )
    if only_worse:
        frame = frame[frame["_target"]]
    frame = frame.drop(columns=["_people", "_target"])
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame = stats.suppress_counts(
        frame,
        count_columns=["numerator", "denominator", "people_missed", "people_affected"],
        rate_columns=["value", "lower_ci", "upper_ci"],
        complement_pairs=[("numerator", "denominator")],
    )
    return frame.reset_index(drop=True)


# Comparison categories that make an area a target: worse, or for a no-judgement indicator
# significantly different either way.
TARGET_CATEGORIES = ("worse", "higher_no_judgement", "lower_no_judgement")


def is_target(categories) -> pd.Series:
    return pd.Series(categories).isin(TARGET_CATEGORIES).to_numpy()


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
            "People affected": [labels.format_count(v) for v in ranked["people_affected"]],
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
