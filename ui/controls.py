"""The selection controls most pages share: indicator, areas, period, place, group, benchmark."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from equity import config, options
from equity.selection import Selection
from ui import cache, state

DEFAULT_LEVELS = ("msoa", "ward", "lsoa", "practice")


def la_names() -> pd.Series:
    return cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
        "area_name"
    ]


def indicator_label(catalog: pd.DataFrame, indicator_id: str) -> str:
    label = catalog.loc[indicator_id, "short_label"]
    if catalog.loc[indicator_id, "is_synthetic"] and "synthetic" not in label.lower():
        label += " (synthetic)"
    return label


def indicator_select(
    container, catalog: pd.DataFrame, options: list[str], default: str, key: str = "indicator"
) -> tuple[str, pd.Series]:
    """The URL-synced indicator picker every page uses; returns the id and its catalog row."""
    indicator_id = state.selectbox(
        container,
        "Indicator",
        options,
        key=key,
        default=default,
        format_func=lambda i: indicator_label(catalog, i),
    )
    return indicator_id, catalog.loc[indicator_id]


def selection_controls(
    catalog: pd.DataFrame,
    indicator_ids: list[str],
    default_indicator: str = "covid_first_dose",
    levels: tuple[str, ...] = DEFAULT_LEVELS,
    any_area_benchmark: bool = False,
    default_within: str = config.CITY_CODE,
) -> tuple[Selection, pd.Series]:
    """Two rows of URL-synced selectboxes; returns the selection and its catalog row.

    With any_area_benchmark, the benchmark can also be any authority or any one area of
    the level (the map's "compare with this area"); otherwise the authority or LLR.
    """
    names = la_names()
    top = st.columns(4)
    indicator_id, indicator = indicator_select(top[0], catalog, indicator_ids, default_indicator)
    published = cache.indicator_levels(indicator_id)
    available = [lv for lv in levels if lv in published]
    level = state.selectbox(
        top[1],
        "Areas",
        available,
        key="level",
        default="msoa",
        format_func=options.LEVEL_LABELS.get,
    )
    choices = cache.breakdown_choices(indicator_id, level)
    periods = choices["periods"]
    period = state.selectbox(
        top[2],
        "Period ending",
        periods,
        key="period",
        default=periods[options.default_index(periods, indicator["default_period_end"])],
        format_func=date.isoformat,
    )
    within = state.selectbox(
        top[3],
        "Within",
        ["all", *names.index],
        key="within",
        default=default_within,
        format_func=lambda c: "All of LLR" if c == "all" else names[c],
    )
    groups = st.columns(4)
    age_band = state.selectbox(
        groups[0],
        "Age band",
        choices["age_bands"],
        key="age_band",
        default=indicator["default_age_band"],
    )
    sex = state.selectbox(
        groups[1], "Sex", choices["sexes"], key="sex", default=indicator["default_sex"]
    )
    ethnic_group = state.selectbox(
        groups[2], "Ethnic group", choices["ethnic_groups"], key="ethnic_group"
    )
    default_benchmark = config.LLR_CODE if within == "all" else within
    benchmarks = [default_benchmark, config.LLR_CODE]
    benchmark_names = {config.LLR_CODE: "LLR", **names.to_dict()}
    if any_area_benchmark:
        level_areas = cache.run(
            "areas_of_type", area_type=level, la_code=None if within == "all" else within
        ).set_index("area_code")["area_name"]
        benchmark_names.update({code: f"{name} ({code})" for code, name in level_areas.items()})
        benchmarks += [*names.index, *level_areas.index]
    benchmark = state.selectbox(
        groups[3],
        "Benchmark",
        list(dict.fromkeys(benchmarks)),
        key="benchmark",
        default=default_benchmark,
        format_func=lambda c: benchmark_names.get(c, c),
        help="Compare with a local authority, LLR, or any one area on the map."
        if any_area_benchmark
        else None,
    )
    selection = Selection(
        indicator_id=indicator_id,
        on_or_before=period,
        level=level,
        la_code=None if within == "all" else within,
        sex=sex,
        age_band=age_band,
        ethnic_group=ethnic_group,
        benchmark_code=benchmark,
    )
    return selection, indicator
