"""The view controls most pages share: indicator, areas, period, place, group, benchmark."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from equity import cache, config, options, where_to_act
from ui import state

DEFAULT_LEVELS = ("msoa", "ward", "lsoa", "practice")


def la_names() -> pd.Series:
    return cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
        "area_name"
    ]


def indicator_label(catalog: pd.DataFrame, indicator_id: str) -> str:
    synthetic = " (synthetic)" if catalog.loc[indicator_id, "is_synthetic"] else ""
    return catalog.loc[indicator_id, "short_label"] + synthetic


def view_controls(
    catalog: pd.DataFrame,
    indicator_ids: list[str],
    default_indicator: str = "covid_first_dose",
    levels: tuple[str, ...] = DEFAULT_LEVELS,
) -> tuple[where_to_act.View, pd.Series]:
    """Two rows of URL-synced selectboxes; returns the chosen view and its catalog row."""
    names = la_names()
    top = st.columns(4)
    indicator_id = state.selectbox(
        top[0],
        "Indicator",
        indicator_ids,
        key="indicator",
        default=default_indicator,
        format_func=lambda i: indicator_label(catalog, i),
    )
    indicator = catalog.loc[indicator_id]
    breakdowns = cache.run("indicator_breakdowns", indicator_id=indicator_id)
    available = [lv for lv in levels if lv in set(breakdowns["area_type"])]
    level = state.selectbox(
        top[1],
        "Areas",
        available,
        key="level",
        default="msoa",
        format_func=options.LEVEL_LABELS.get,
    )
    choices = options.breakdown_choices(breakdowns, level)
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
        default=config.CITY_CODE,
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
    benchmark = state.selectbox(
        groups[3],
        "Benchmark",
        ([] if within == "all" else [within]) + [config.LLR_CODE],
        key="benchmark",
        format_func=lambda c: "LLR" if c == config.LLR_CODE else names.get(c, c),
    )
    view = where_to_act.View(
        indicator_id=indicator_id,
        on_or_before=period,
        level=level,
        la_code=None if within == "all" else within,
        sex=sex,
        age_band=age_band,
        ethnic_group=ethnic_group,
        benchmark_code=benchmark,
    )
    return view, indicator
