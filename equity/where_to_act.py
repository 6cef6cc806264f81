"""Where to act: the page's headline finding and who was missed inside one area.

The ranking itself is equity.targets; the selection it ranks is equity.selection.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from equity import config, schema, stats
from equity.geo import LevelShapes
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
    # what worse_count and missed_text count, in the page's words (they depend on polarity)
    count_label: str = "Areas significantly worse"
    people_label: str = "People missed in those areas"


def headline(
    ranked: pd.DataFrame,
    indicator: pd.Series,
    selection: Selection,
    place_names: dict | None = None,
) -> Headline:
    """The finding in words, for the page heading and the chart title; place_names maps
    benchmark codes (authorities) to names. A no-judgement indicator has no "worse": the
    finding is the areas significantly higher or lower, never better or worse."""
    from equity import labels, targets

    unit = indicator["unit"]
    polarity = indicator["polarity"]
    badges = labels.selection_badges(
        ranked["is_synthetic"], ranked["is_modelled"], bool(indicator["is_synthetic"])
    )
    benchmark_value = ranked["benchmark_value"].dropna()
    benchmark_value = float(benchmark_value.iloc[0]) if len(benchmark_value) else None
    names = {config.LLR_CODE: "LLR", config.CITY_CODE: "Leicester", **(place_names or {})}
    benchmark_name = names.get(selection.benchmark_code, selection.benchmark_code)
    benchmark_shown = labels.format_value(benchmark_value, unit)
    benchmark_text = f"{benchmark_name}: {benchmark_shown}"
    chosen = ranked[targets.is_target(ranked["rag"])]
    people_column = "people_missed" if polarity == schema.HIGHER_IS_BETTER else "people_affected"
    people = chosen[people_column].sum(min_count=1) if people_column in chosen else None
    missed_text = labels.format_count(people) if len(chosen) else "0"
    who = labels.group_phrase(selection.age_band, selection.sex, selection.ethnic_group)
    label = indicator["short_label"]
    leaders = "; ".join(
        f"{row.area_name} {labels.format_value(row.value, unit)}"
        for row in chosen.head(3).itertuples()
    )
    count_label = "Areas significantly worse"
    people_label = (
        "People missed in those areas"
        if polarity == schema.HIGHER_IS_BETTER
        else "People affected in those areas"
    )
    if polarity == schema.NO_JUDGEMENT:
        count_label = "Areas significantly higher or lower (no judgement)"
        higher = int((chosen["rag"] == "higher_no_judgement").sum())
        lower = int((chosen["rag"] == "lower_no_judgement").sum())
        if chosen.empty:
            sentence = (
                f"No area is significantly higher or lower than {benchmark_name} for {label} "
                f"({who}). This indicator is not judged better or worse."
            )
            chart_title = sentence
        else:
            chart_title = (
                f"{label}, {who}: {higher} areas significantly higher and {lower} significantly "
                f"lower than {benchmark_name}"
            )
            sentence = (
                f"{chart_title} ({benchmark_shown}); not judged better or worse. "
                f"Most people affected: {leaders}"
            )
    elif chosen.empty:
        sentence = f"No area is significantly worse than {benchmark_name} for {label} ({who})."
        chart_title = sentence
    else:
        uptake_like = polarity == schema.HIGHER_IS_BETTER
        direction, most = ("below", "missed") if uptake_like else ("above", "affected")
        # Name the first three: the list is ranked by people missed (or affected), and a
        # presenter's audience should see every leading candidate, not only the first.
        sentence = (
            f"{label}, {who}: {len(chosen)} areas significantly {direction} "
            f"{benchmark_name} ({benchmark_shown}). Most people {most}: {leaders}"
        )
        chart_title = (
            f"{label}, {who}: {len(chosen)} areas significantly {direction} {benchmark_name}"
        )
    return Headline(
        sentence=sentence,
        chart_title=chart_title,
        benchmark_value=benchmark_value,
        benchmark_text=benchmark_text,
        worse_count=len(chosen),
        missed_text=missed_text,
        badges=badges,
        count_label=count_label,
        people_label=people_label,
    )


def method_note(polarity: str) -> str:
    """How the page chose and ordered its areas, for the caption under the headline."""
    significant = "(benchmark outside the area's 95% CI)"
    if polarity == schema.HIGHER_IS_BETTER:
        chosen = f"Areas significantly below the benchmark {significant}, ranked by people "
        chosen += "missed (eligible minus reached)."
    elif polarity == schema.NO_JUDGEMENT:
        chosen = (
            "This indicator is not judged better or worse (e.g. recorded prevalence can rise "
            f"with better case-finding): areas significantly higher or lower {significant}, "
            "ranked by people affected (the numerator)."
        )
    else:
        chosen = f"Areas significantly above the benchmark {significant}, ranked by people "
        chosen += "affected (the numerator)."
    return f"{chosen} Core20 = most deprived national IMD 2025 quintile."


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
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("uptake:N"))
    return (bars + text).properties(
        title=alt.TitleParams(title, subtitle=subtitle), height=alt.Step(24)
    )


@dataclass(frozen=True)
class TargetsView:
    """What Where to act shows for one selection, up to the "who was missed" section. Shared
    between sessions by the cache: read it, never change it (frames and dicts not copied)."""

    frame: pd.DataFrame  # the selection's area_values_with_benchmark rows
    ranked: pd.DataFrame  # targets.rank_targets of them, every area
    worse: pd.DataFrame  # the ranked targets (significantly worse)
    summary: Headline
    bars: tuple  # (the ranked bars chart, its drawn dict)
    city_map: tuple | None  # (the city's targets map, its drawn dict); None without areas
    table: pd.DataFrame  # targets.display_table
    download: pd.DataFrame  # targets.download_frame


def targets_view(
    frame: pd.DataFrame,
    ranked: pd.DataFrame,
    *,
    indicator: pd.Series,
    selection: Selection,
    place_names: dict[str, str],
    city_codes: set[str],
    shapes: LevelShapes,
    draw,
) -> TargetsView:
    """The page's headline, ranked bars, city targets map and table for `ranked` (rows of
    targets.rank_targets of `frame`); `draw` turns a chart into the dict the page draws."""
    from equity import charts, targets, targets_map

    summary = headline(ranked, indicator, selection, place_names)
    worse = ranked[targets.is_target(ranked["rag"])]
    bars = charts.ranked_bars(
        worse if not worse.empty else ranked,
        title=summary.chart_title,
        unit=indicator["unit"],
        benchmark_value=summary.benchmark_value,
        benchmark_label=summary.benchmark_text,
        badges=summary.badges,
    )
    city = ranked[ranked["area_code"].isin(city_codes)]
    city_map = None
    if not city.empty and shapes.url:
        chart = targets_map.targets_map(
            city,
            shapes,
            [code for code in worse["area_code"] if code in city_codes],
            polarity=indicator["polarity"],
            unit=indicator["unit"],
            benchmark_name=summary.benchmark_text,
            title="Target areas in Leicester (outlined)",
            badges=summary.badges,
            legend_title="Compared with the benchmark",
        )
        city_map = (chart, draw(chart))
    return TargetsView(
        frame=frame,
        ranked=ranked,
        worse=worse,
        summary=summary,
        bars=(bars, draw(bars)),
        city_map=city_map,
        table=targets.display_table(ranked, indicator["unit"]),
        download=targets.download_frame(ranked),
    )
