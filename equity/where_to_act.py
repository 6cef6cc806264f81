"""Where to act: the page's headline finding and who was missed inside one area.

The ranking itself is equity.targets; the selection it ranks is equity.selection.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from equity import config, stats
from equity.selection import Selection


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
    ranked: pd.DataFrame,
    indicator: pd.Series,
    selection: Selection,
    place_names: dict | None = None,
) -> Headline:
    """The finding in words, for the page heading and the chart title; place_names maps
    benchmark codes (authorities) to names."""
    from equity import labels

    unit = indicator["unit"]
    badges = labels.selection_badges(
        ranked["is_synthetic"], ranked["is_modelled"], bool(indicator["is_synthetic"])
    )
    benchmark_value = ranked["benchmark_value"].dropna()
    benchmark_value = float(benchmark_value.iloc[0]) if len(benchmark_value) else None
    names = {config.LLR_CODE: "LLR", config.CITY_CODE: "Leicester", **(place_names or {})}
    benchmark_name = names.get(selection.benchmark_code, selection.benchmark_code)
    benchmark_text = f"{benchmark_name}: {labels.format_value(benchmark_value, unit)}"
    worse = ranked[ranked["rag"] == "worse"]
    missed = worse["people_missed"].sum(min_count=1)
    missed_text = labels.format_count(missed) if len(worse) else "0"
    who = labels.group_phrase(selection.age_band, selection.sex, selection.ethnic_group)
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
