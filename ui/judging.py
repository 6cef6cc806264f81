"""Judging aids that existing pages add as one small section each (Compare-and-judge issue):
rank certainty and potential for improvement (Where to act), the recent-trend badge
(Area profile, Trends) and difference-in-differences (Trends). Logic in equity/compare.py."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from equity import compare, config, labels, stats
from equity.schema import JUDGED_POLARITIES
from equity.selection import Selection
from ui import cache, layout, state

IMPROVE_UNITS = {"area": "every area", "decile": "every deprivation decile"}


def rank_certainty(
    selection: Selection, frame: pd.DataFrame, ranked: pd.DataFrame, polarity: str, name: str
) -> None:
    """How sure is the ranking? P(truly among the k worst) beside each ranked area of the
    selection (frame and ranked: its cache.ranked_targets)."""
    if polarity not in JUDGED_POLARITIES or ranked.empty:
        return
    st.header("How sure is the ranking?")
    k = state.number(st, "How many worst areas (k)", key="k", default=3, min_value=1, max_value=50)
    state.show_notices()  # the page showed its notices before this section read the URL
    k = min(k, len(frame))
    chances = cache.probability_worst(selection, polarity, k)
    small = stats.is_disclosive(frame["numerator"]) | stats.is_disclosive(frame["denominator"])
    hidden = set(frame.loc[small, "area_code"])
    # Likeliest first: the people-missed rank and the worst values need not agree.
    order = ranked["area_code"].map(chances).fillna(-1)
    shown = ranked.assign(order=order).sort_values("order", ascending=False, kind="stable")
    shown = shown.head(max(10, k))
    table = pd.DataFrame(
        {
            "Area": shown["area_name"],
            "Rank by people missed": shown["rank"],
            "Value": [labels.format_value(v, "percent") for v in shown["value"]],
            "Compared with benchmark": shown["comparison"],
            f"Chance of being among the {k} worst": [
                labels.SUPPRESSED if code in hidden else compare.probability_text(chances.get(code))
                for code in shown["area_code"]
            ],
        }
    )
    download = shown[["rank", "area_code", "area_name"]].assign(
        k=k,
        probability_among_worst=[
            None if code in hidden else chances.get(code) for code in shown["area_code"]
        ],
    )
    layout.table(table, download, name=f"{name}_rank_certainty_k{k}", badge_list=[])
    st.caption(
        "Areas likeliest to be among the k worst by value, first. "
        f"From {compare.RANK_DRAWS:,} seeded simulations of each area's true value (Jeffreys "
        "posterior from its counts): an area near 100% is among the worst whatever the noise; "
        "several areas near 50% means their order is not settled. Areas that k others lie "
        "wholly below are not simulated (their chance is under 1 in 100,000)."
    )


def potential_for_improvement(
    selection: Selection, frame: pd.DataFrame, polarity: str, benchmark_value, badges: list[str]
) -> None:
    """If everyone below the benchmark reached it: people, overall value, gap and SII (frame:
    the selection's cache.ranked_targets rows)."""
    from ui import controls

    names = {config.LLR_CODE: "LLR", **controls.la_names().to_dict()}
    benchmark_name = names.get(selection.benchmark_code, selection.benchmark_code)
    usable = compare.usable_for_improvement(frame)
    if polarity not in JUDGED_POLARITIES or usable.empty or pd.isna(benchmark_value):
        return
    st.header("Potential for improvement")
    unit = state.selectbox(
        st,
        "Raise to the benchmark",
        list(IMPROVE_UNITS),
        key="improve",
        format_func=IMPROVE_UNITS.get,
    )
    result = cache.potential_for_improvement(selection, polarity, float(benchmark_value), unit)
    people = result["people"]
    small = bool(stats.is_disclosive(round(people)))
    people_text = labels.SUPPRESSED if small else f"{people:,.0f}"
    verb = "more people reached" if polarity == "higher_is_better" else "fewer events"
    st.subheader(
        f"If {IMPROVE_UNITS[unit]} worse than {benchmark_name} "
        f"({labels.format_value(benchmark_value, 'percent')}) reached it: {people_text} {verb}."
    )
    layout.badges(badges)
    layout.table(
        compare.improvement_table(result),
        pd.DataFrame([{**result, "people": None if small else round(people)}]),
        name=f"potential_for_improvement_{unit}",
        badge_list=badges,
    )
    st.caption(
        f"{result['units_changed']} {'areas' if unit == 'area' else 'deciles'} raised to the "
        "benchmark, counts unchanged elsewhere; deciles are IMD 2025 (1 most deprived), SII "
        "from the decile counts as on the Inequalities page."
    )


def recent_trend_badge(series: pd.DataFrame, polarity: str) -> None:
    """Fingertips' recent-trend marker for one series (needs five periods); periods built
    on counts of 1–7 are left out, as they are from the chart."""
    from equity import trends

    series = trends.suppressed_series(series)
    st.markdown(f"**{compare.trend_badge(compare.recent_trend(series), polarity)}**")


def difference_in_differences(
    named: list[tuple[str, pd.DataFrame]], dates: list[date], badges: list[str], name: str
) -> None:
    """The first series' change minus each other's between the first two chosen dates,
    with 95% CIs, in a sentence."""
    dates = sorted(set(dates))
    if len(named) < 2 or len(dates) < 2:
        return
    before, after = dates[:2]
    st.markdown(f"**Difference in differences, {before.isoformat()} to {after.isoformat()}**")
    table = compare.did_table(dict(named), named[0][0], before, after)
    for sentence in table["Result"]:
        st.write(sentence)
    layout.table(table, table, name=f"{name}_did", badge_list=badges)
    st.caption(compare.DID_METHOD)


def plan_effect(result: dict | None, badges: list[str]) -> None:
    """The planner's loop: the people the chosen sites reach, if vaccinated, move the
    area's uptake, the quintile gap and the SII by how much (result: compare.reach_effect
    of the plan's demand, None when it cannot be worked out)."""
    if result is None:
        return
    table = compare.improvement_table(result).rename(
        columns={"If all reached the benchmark": "If everyone within reach came"}
    )
    table["Measure"] = table["Measure"].str.replace("decile", "quintile")
    st.markdown("**If everyone within reach came** (an upper bound)")
    layout.table(table, table, name="planner_effect", badge_list=badges)
