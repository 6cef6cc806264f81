"""Where to act: areas significantly worse than a benchmark, ranked by people missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from equity import config, db, stats

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


@dataclass(frozen=True)
class View:
    """One question the app or the command line asks of an indicator."""

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


def area_values(view: View, extracts_dir=None) -> pd.DataFrame:
    """The indicator for every area of the view's level, with its benchmark alongside."""
    params = view.query_params(benchmark_type(view.benchmark_code, view.level))
    return db.run_query("area_values_with_benchmark", extracts_dir=extracts_dir, **params)


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


def target_areas(view: View, polarity: str, only_worse: bool = True, extracts_dir=None):
    return rank_targets(area_values(view, extracts_dir), polarity, only_worse)


@dataclass(frozen=True)
class Headline:
    sentence: str
    chart_title: str
    benchmark_value: float | None
    benchmark_text: str
    worse_count: int
    missed_text: str
    badges: list[str]


def headline(
    ranked: pd.DataFrame, indicator: pd.Series, view: View, place_names: dict | None = None
) -> Headline:
    """The finding in words, for the page heading and the chart title; place_names maps
    benchmark codes (authorities) to names."""
    from equity import labels

    unit = indicator["unit"]
    badges = labels.view_badges(
        ranked["is_synthetic"], ranked["is_modelled"], bool(indicator["is_synthetic"])
    )
    benchmark_value = ranked["benchmark_value"].dropna()
    benchmark_value = float(benchmark_value.iloc[0]) if len(benchmark_value) else None
    names = {config.LLR_CODE: "LLR", config.CITY_CODE: "Leicester", **(place_names or {})}
    benchmark_name = names.get(view.benchmark_code, view.benchmark_code)
    benchmark_text = f"{benchmark_name}: {labels.format_value(benchmark_value, unit)}"
    worse = ranked[ranked["rag"] == "worse"]
    missed = worse["people_missed"].sum(min_count=1)
    missed_text = labels.format_count(missed) if len(worse) else "0"
    who = labels.group_phrase(view.age_band, view.sex, view.ethnic_group)
    label = indicator["short_label"]
    if worse.empty:
        sentence = f"No area is significantly worse than {benchmark_name} for {label} ({who})."
        chart_title = sentence
    else:
        # Name the first three: the list is ranked by people missed, and a presenter's
        # audience should see every leading candidate, not only the first.
        leaders = [
            f"{row.area_name} {labels.format_value(row.value, unit)}"
            for row in worse.head(3).itertuples()
        ]
        sentence = (
            f"{label}, {who}: {len(worse)} areas significantly below "
            f"{benchmark_name} ({labels.format_value(benchmark_value, unit)}). "
            f"Most people missed: {'; '.join(leaders)}"
        )
        chart_title = f"{label}, {who}: {len(worse)} areas significantly below {benchmark_name}"
    return Headline(
        sentence=sentence,
        chart_title=chart_title,
        benchmark_value=benchmark_value,
        benchmark_text=benchmark_text,
        worse_count=len(worse),
        missed_text=missed_text,
        badges=badges,
    )


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


# Real indicators whose synthetic demo twin carries the breakdowns the real release lacks.
DEMO_TWIN = {"covid_first_dose": "covid_first_dose_demo"}


def missed_by_group(sums: pd.DataFrame, area_code: str, dimension: str) -> pd.DataFrame:
    """People missed in one area by age band, sex or ethnic group, from the summed counts of
    queries/area_breakdown_by_group.sql; small counts and their complements suppressed."""
    from equity import profile

    if sums.empty:
        # e.g. the demo twin covers Leicester only: an area elsewhere has no breakdown
        return pd.DataFrame(
            columns=["area_code", dimension, "numerator", "denominator", "value", "people_missed"]
            + ["lower_ci", "upper_ci", "is_synthetic", "is_modelled", "suppressed"]
        )
    rows = profile.breakdown(sums, dimension)
    rows = rows[rows["area_code"] == area_code].copy()
    rows["people_missed"] = (rows["denominator"] - rows["numerator"]).clip(lower=0)
    rows = stats.suppress_counts(
        rows,
        count_columns=["people_missed"],
        rate_columns=["value", "lower_ci", "upper_ci"],
    )
    return rows.sort_values("people_missed", ascending=False, na_position="last")


def missed_chart(rows, dimension: str, title: str, badges: list[str]):
    """Bars of people missed per group, labelled with the group's uptake."""
    import altair as alt

    from equity import labels, options

    data = rows[[dimension, "people_missed", "value"]].copy()
    data["uptake"] = [labels.format_value(v, "percent") for v in data["value"]]
    subtitle = [f"⚠ {badge}" for badge in badges] + ["Bar: people not reached; label: uptake"]
    if dimension == "age_band":  # ages read best in age order, not by size
        order = sorted(data["age_band"], key=lambda band: options.band_lower(band) or 0)
    else:
        order = "-x"
    base = alt.Chart(data).encode(
        y=alt.Y(f"{dimension}:N", sort=order, title=None),
        x=alt.X("people_missed:Q", title="People not reached"),
    )
    tooltip = [
        alt.Tooltip(f"{dimension}:N", title="Group"),
        alt.Tooltip("people_missed:Q", title="People not reached", format=",.0f"),
        alt.Tooltip("uptake:N", title="Uptake"),
    ]
    if badges:
        data["data_note"] = " / ".join(badges)
        tooltip.append(alt.Tooltip("data_note:N", title="Data"))
    bars = base.mark_bar(color="#D55E00").encode(tooltip=tooltip)
    text = base.mark_text(align="left", dx=4).encode(text="uptake:N")
    return (bars + text).properties(
        title=alt.TitleParams(title, subtitle=subtitle), height=alt.Step(24)
    )
