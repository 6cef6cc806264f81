"""Compare areas: every indicator for every area (the tartan rug), areas side by side, a
funnel plot, and any two indicators against each other."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from equity import compare, config, labels, options
from ui import cache, controls, layout, state

TABS = ["Overview", "Side by side", "Funnel plot", "Two indicators"]
PROFILE_PAGE = "views/area_profile.py"
LEVELS = ("msoa", "ward", "lsoa", "practice")
CLICK_MARKER = "_compare_opened_area"

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
la_names = controls.la_names()


def open_profile(code: str | None, source: str) -> None:
    """Go to the area's profile once per click (a rerun keeps the chart's selection)."""
    marker = f"{CLICK_MARKER}_{source}"
    if code is None:
        st.session_state.pop(marker, None)
        return
    if st.session_state.get(marker) == code:
        return
    st.session_state[marker] = code
    st.session_state["area"] = code
    st.switch_page(
        PROFILE_PAGE,
        query_params={"area": code, **({layout.PRESENT_KEY: "1"} if presenting else {})},
    )


st.title("Compare areas")
state.tab_notice("view", TABS)
notices = st.container()
with layout.controls(presenting):
    top = st.columns(3)
    level = state.selectbox(
        top[0],
        "Areas",
        list(LEVELS),
        key="level",
        default="msoa",
        format_func=options.LEVEL_LABELS.get,
    )
    within = state.selectbox(
        top[1],
        "Within",
        ["all", *la_names.index],
        key="within",
        default=config.CITY_CODE,
        format_func=lambda c: "All of LLR" if c == "all" else la_names[c],
    )
la_code = None if within == "all" else within
benchmark = la_code or config.LLR_CODE
benchmark_name = la_names.get(benchmark, "LLR")
top[2].caption(
    f"Benchmark: **{benchmark_name}** (each area's parent). Groups: each indicator's default."
)

values, long = cache.indicators_at_level(level, la_code, benchmark)
# Indicators of every kind side by side: a badge for each kind present (each row's own
# kind is in the CSV).
badges = labels.data_badges(bool(long["is_synthetic"].any()), bool(long["is_modelled"].any()))
area_names = dict(zip(long["area_code"], long["area_name"]))
noun = "practices" if level == "practice" else "areas"

tabs = st.tabs(TABS, key="view", bind="query-params")

# --- Overview: the tartan rug ------------------------------------------------------------
with tabs[0]:
    if tabs[0].open:
        layout.badges(badges)
        if long.empty:
            st.info("No indicator is published for these areas; try another level.")
        else:
            st.subheader(
                f"{long['area_code'].nunique()} areas × {long['indicator'].nunique()} "
                f"indicator{'s' if long['indicator'].nunique() > 1 else ''}, "
                f"each compared with {benchmark_name} (95% CI)"
            )
            st.markdown(
                compare.legend_markdown(set(catalog.loc[list(values), "polarity"])),
                unsafe_allow_html=True,
            )
            wide, categories, suppressed = cache.rug_wide(level, la_code, benchmark)
            event = st.dataframe(
                compare.rug_styler(wide, categories, suppressed),
                hide_index=True,
                width="stretch",
                on_select="rerun",
                selection_mode="single-row",
                key="rug",
            )
            st.caption(
                "Most deprived areas (IMD 2025 score) first. Click a column heading to sort; "
                "select a row to open that area's profile. "
                f"“{labels.SUPPRESSED}”: built on a count of 1–7, not shown."
            )
            rows = event.selection.rows if event else []
            open_profile(wide["Code"].iloc[rows[0]] if rows else None, "rug")
            layout.csv_download(
                compare.rug_download(long),
                badges,
                f"compare_overview_{level}_{within}.csv",
                key="rug-csv",
            )

# --- Side by side -------------------------------------------------------------------------
with tabs[1]:
    if tabs[1].open:
        layout.badges(badges)
        codes = sorted(area_names, key=area_names.get)
        default = ["E02002844"] if "E02002844" in codes else codes[:1]
        with layout.controls(presenting):
            chosen = state.multiselect(
                st,
                "Areas to compare (2 to 4)",
                codes,
                key="areas",
                default=default + [c for c in codes if c not in default][:1],
                format_func=lambda c: f"{area_names.get(c, c)} ({c})",
            )
        if not 2 <= len(chosen) <= 4:
            st.info("Choose between two and four areas.")
        else:
            table = compare.side_by_side(long, chosen, benchmark_name)
            layout.table(table, table, name=f"compare_side_by_side_{level}", badge_list=badges)
            st.caption(f"In brackets: compared with {benchmark_name} (95% CI). “*”: count 1–7.")

# --- Funnel plot --------------------------------------------------------------------------
with tabs[2]:
    if tabs[2].open:
        percent = [i for i in values if catalog.loc[i, "unit"] == "percent"]
        others = [catalog.loc[i, "short_label"] for i in values if i not in percent]
        if not percent:
            st.info(
                "No percentage indicator at this level; funnel plots are drawn for proportions."
            )
        else:
            with layout.controls(presenting):
                indicator_id, indicator = controls.indicator_select(
                    st, catalog, percent, "covid_first_dose", key="indicator"
                )
            frame = values[indicator_id]
            points, proportion, left_out = compare.funnel_points(frame)
            funnel_badges = labels.selection_badges(
                frame["is_synthetic"], frame["is_modelled"], bool(indicator["is_synthetic"])
            )
            layout.badges(funnel_badges)
            if points.empty:
                st.info("No area has counts large enough to plot.")
            else:
                outliers = points[points["outlier"]]
                st.subheader(
                    f"{len(outliers)} of {len(points)} {noun} outside the 99.8% limits around "
                    f"{benchmark_name}"
                )
                layout.chart(
                    compare.funnel_chart(
                        points,
                        proportion,
                        title=f"{indicator['short_label']}: value against denominator",
                        benchmark_name=benchmark_name,
                        badges=funnel_badges,
                    ),
                    name=f"compare_funnel_{indicator_id}_{level}",
                    presenting=presenting,
                )
                if left_out:
                    st.caption(f"{left_out} areas left out: counts of 1–7 or no counts.")
                if not presenting:
                    table = compare.funnel_table(points)
                    layout.table(
                        table,
                        table,
                        name=f"compare_funnel_{indicator_id}_{level}_table",
                        badge_list=funnel_badges,
                    )
        if others:
            st.caption(
                "Not shown as funnels: "
                + ", ".join(others)
                + " (not proportions of people: the binomial control limits do not apply)."
            )

# --- Two indicators -----------------------------------------------------------------------
with tabs[3]:
    if tabs[3].open:
        choices = [compare.IMD_SCORE, *values]

        def choice_label(choice: str) -> str:
            if choice == compare.IMD_SCORE:
                return compare.IMD_LABEL
            return controls.indicator_label(catalog, choice)

        with layout.controls(presenting):
            picks = st.columns(2)
            x_choice = state.selectbox(
                picks[0],
                "Across (x)",
                choices,
                key="x",
                default=compare.IMD_SCORE,
                format_func=choice_label,
            )
            y_choice = state.selectbox(
                picks[1],
                "Up (y)",
                choices,
                key="y",
                default="covid_first_dose" if "covid_first_dose" in values else choices[-1],
                format_func=choice_label,
            )
        areas = cache.run("areas_of_type", area_type=level, la_code=la_code)
        areas = areas[areas["area_type"] == level]

        def frame_of(choice: str) -> pd.DataFrame:
            return compare.imd_values(areas) if choice == compare.IMD_SCORE else values[choice]

        pairs = compare.paired(frame_of(x_choice), frame_of(y_choice))
        pair_badges = labels.selection_badges(pairs["is_synthetic"], pairs["is_modelled"], False)
        layout.badges(pair_badges)
        x_label, y_label = choice_label(x_choice), choice_label(y_choice)
        result = compare.pearson_with_ci(pairs["x"], pairs["y"])
        st.subheader(compare.correlation_text(result, x_label, y_label))
        if pairs.empty:
            st.info("No area has both figures.")
        else:
            event = layout.chart(
                compare.scatter_chart(
                    pairs,
                    x_label=x_label,
                    y_label=y_label,
                    title=f"{y_label} against {x_label}, {noun}",
                    badges=pair_badges,
                ),
                name=f"compare_scatter_{x_choice}_{y_choice}_{level}",
                presenting=presenting,
                selection={"on_select": "rerun", "key": "scatter", "selection_mode": "area"},
            )
            if not presenting:
                st.caption(
                    "Diamonds: Core20 areas (most deprived fifth nationally). Click a point to open its profile."
                )
            open_profile(compare.selected_code((event or {}).get("selection")), "scatter")
            if not presenting:
                table = compare.pairs_table(pairs, x_label, y_label)
                layout.table(
                    table,
                    table,
                    name=f"compare_pairs_{x_choice}_{y_choice}_{level}",
                    badge_list=pair_badges,
                )

with notices:
    state.show_notices()  # after the widgets, so this run's URL problems show at once
