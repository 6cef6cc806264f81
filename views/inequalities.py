"""Inequalities: by deprivation (SII/RII), by ethnic group, the life-expectancy gap, and
the equity audit (deprivation × ethnic group) with CSV and one-page HTML exports."""

from __future__ import annotations

from datetime import date

import streamlit as st

from equity import config, exports, inequalities, labels, options
from ui import cache, controls, layout, state

TABS = ["By deprivation", "By ethnic group", "Life expectancy gap", "Equity audit"]
LE_SOURCES = {
    "life_expectancy_practice": ("practice", "quintile", "practices"),
    "life_expectancy_birth": ("ward", "decile", "wards"),
}

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
count_indicators = catalog[catalog["value_type"] == "count"].index.tolist()
la_names = cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
    "area_name"
]


def place_name(within: str) -> str:
    return "LLR" if within == "all" else la_names.get(within, within)


def within_select(container, default: str) -> str:
    return state.selectbox(
        container,
        "Within",
        ["all", *la_names.index],
        key="within",
        default=default,
        format_func=lambda c: "All of LLR" if c == "all" else la_names[c],
    )


def group_controls(container, indicator_id: str, level: str, prefix: str = "", period_default=None):
    """Period, age band and sex widgets for what the indicator has at the level."""
    indicator = catalog.loc[indicator_id]
    choices = cache.breakdown_choices(indicator_id, level)
    periods = choices["periods"]
    wanted = period_default or indicator["default_period_end"]
    columns = container.columns(3)
    period = state.selectbox(
        columns[0],
        "Period ending",
        periods,
        key=f"{prefix}period",
        default=periods[options.default_index(periods, wanted)],
        format_func=date.isoformat,
    )
    age_band = state.selectbox(
        columns[1],
        "Age band",
        choices["age_bands"],
        key=f"{prefix}age_band",
        default=indicator["default_age_band"],
    )
    sex = state.selectbox(
        columns[2], "Sex", choices["sexes"], key=f"{prefix}sex", default=indicator["default_sex"]
    )
    return period, age_band, sex, choices


def indicator_badges(frame, indicator) -> list[str]:
    return labels.data_badges(
        bool(frame["is_synthetic"].any()) or bool(indicator["is_synthetic"]),
        bool(frame["is_modelled"].any()) or bool(indicator["is_modelled"]),
    )


def levels_of(indicator_id: str) -> list[str]:
    return (
        cache.run("indicator_breakdowns", indicator_id=indicator_id)["area_type"].unique().tolist()
    )


def with_ethnic_groups(indicator_ids: list[str]) -> list[str]:
    return [
        i
        for i in indicator_ids
        if (cache.run("indicator_breakdowns", indicator_id=i)["ethnic_group"] != "All").any()
    ]


st.title("Inequalities")
state.tab_notice("view", TABS)
notice_area = st.container()  # filled last: widgets add notices as they read the URL
tabs = st.tabs(TABS, key="view", bind="query-params")

# --- By deprivation ---------------------------------------------------------------------
with tabs[0]:
    if tabs[0].open:
        poolable = [i for i in count_indicators if inequalities.pooling_level(levels_of(i))]
        with layout.controls(presenting):
            top = st.columns(3)
            indicator_id, indicator = controls.indicator_select(
                top[0], catalog, poolable, "covid_first_dose"
            )
            level = inequalities.pooling_level(levels_of(indicator_id))
            quantile_type = state.selectbox(
                top[1],
                "Deprivation groups",
                inequalities.quantile_types(level),
                key="quantile",
                format_func=lambda q: f"IMD 2025 {q}s",
            )
            within = within_select(top[2], "all")
            period, age_band, sex, choices = group_controls(st, indicator_id, level)
            ethnic_group = state.selectbox(
                st, "Ethnic group", choices["ethnic_groups"], key="ethnic_group"
            )
        frame = cache.run(
            "counts_by_deprivation",
            indicator_id=indicator_id,
            on_or_before=period,
            level=level,
            la_code=None if within == "all" else within,
            sex=sex,
            age_band=age_band,
            ethnic_group=ethnic_group,
            quantile_type=quantile_type,
        )
        frame, renumbered = inequalities.most_deprived_first(
            frame, inequalities.QUANTILE_COUNTS[quantile_type]
        )
        badges = indicator_badges(frame, indicator)
        who = labels.group_phrase(age_band, sex, ethnic_group)
        sii = inequalities.proportion_sii(frame)
        headline = inequalities.deprivation_headline(
            frame, sii, indicator["short_label"], f"{who} in {place_name(within)}", quantile_type
        )
        layout.badges(badges)
        layout.headline(headline, presenting)
        metrics = st.columns(3)
        metrics[0].metric(
            "Slope index of inequality (percentage points)",
            "—" if sii is None else f"{sii['sii']:+.1f}",
        )
        metrics[0].caption(inequalities.sii_text(sii))
        metrics[1].metric(
            "Relative index of inequality", "—" if sii is None else f"{sii['rii']:.2f}"
        )
        metrics[1].caption(inequalities.rii_text(sii))
        metrics[2].metric("Areas pooled", f"{int(frame['areas'].sum()):,} {level}")
        note = f"{inequalities.sii_text(sii)}; {inequalities.rii_text(sii)}"
        if not presenting:
            st.caption(
                inequalities.DEPRIVATION_METHOD.format(quantile_type=quantile_type)
                + (
                    " Practice quintiles were renumbered so 1 is most deprived."
                    if renumbered
                    else ""
                )
            )
        overall = (
            100 * frame["numerator"].sum() / frame["denominator"].sum()
            if frame["denominator"].sum() > 0
            else None
        )
        by_deprivation, by_deprivation_drawn = cache.built_chart(
            inequalities.deprivation_chart,
            presenting,
            frame,
            title=headline,
            quantile_type=quantile_type,
            badges=badges,
            note=f"{note}. Dashed: all areas pooled",
            overall_value=overall,
        )
        layout.chart(
            by_deprivation,
            spec_dict=by_deprivation_drawn,
            name=f"inequalities_{indicator_id}_{quantile_type}",
            presenting=presenting,
            how_to_read="sii",
        )
        layout.table(
            inequalities.deprivation_display(frame, quantile_type),
            inequalities.deprivation_download(frame, quantile_type),
            name=f"inequalities_{indicator_id}_{quantile_type}_{period.isoformat()}",
            badge_list=badges,
        )
        layout.source_note(indicator)

# --- By ethnic group --------------------------------------------------------------------
with tabs[1]:
    if tabs[1].open:
        grouped = with_ethnic_groups(count_indicators)
        with layout.controls(presenting):
            top = st.columns(2)
            indicator_id, indicator = controls.indicator_select(
                top[0], catalog, grouped, "covid_first_dose_demo"
            )
            within = within_select(top[1], config.CITY_CODE)
            area_type = "region" if within == "all" else "la"
            area_code = config.LLR_CODE if within == "all" else within
            period, age_band, sex, _ = group_controls(st, indicator_id, area_type)
        frame = cache.run(
            "counts_by_ethnic_group",
            indicator_id=indicator_id,
            on_or_before=period,
            area_code=area_code,
            area_type=area_type,
            sex=sex,
            age_band=age_band,
        )
        badges = indicator_badges(frame, indicator) if not frame.empty else []
        who = labels.group_phrase(age_band, sex, "All")
        headline = inequalities.ethnic_headline(
            frame, indicator["short_label"], who, place_name(within)
        )
        layout.badges(badges)
        layout.headline(headline, presenting)
        if frame.empty:
            st.info(f"{indicator['short_label']} has no figures for {place_name(within)}.")
        else:
            layout.chart(
                inequalities.ethnic_chart(frame, title=headline, badges=badges),
                name=f"inequalities_ethnic_{indicator_id}",
                presenting=presenting,
            )
            layout.table(
                inequalities.ethnic_display(frame),
                inequalities.ethnic_download(frame),
                name=f"inequalities_ethnic_{indicator_id}_{period.isoformat()}",
                badge_list=badges,
            )
        layout.source_note(indicator)

# --- Life-expectancy gap ----------------------------------------------------------------
with tabs[2]:
    if tabs[2].open:
        with layout.controls(presenting):
            top = st.columns(3)
            le_id = state.selectbox(
                top[0],
                "Life expectancy",
                list(LE_SOURCES),
                key="le_source",
                format_func=lambda i: (
                    f"{catalog.loc[i, 'short_label']} (by {LE_SOURCES[i][1]} of {LE_SOURCES[i][2]})"
                ),
            )
            within = within_select(top[1], "all")
        level, quantile_type, place_word = LE_SOURCES[le_id]
        indicator = catalog.loc[le_id]
        rows = cache.run(
            "life_expectancy_with_deprivation",
            indicator_id=le_id,
            level=level,
            la_code=None if within == "all" else within,
        )
        by_quantile = inequalities.life_expectancy_by_quantile(rows, quantile_type)
        if by_quantile.empty:
            st.info("No life expectancy figures with deprivation for this choice.")
        else:
            gaps = inequalities.life_expectancy_gaps(by_quantile)
            periods = sorted(gaps["period_end"].dt.date.unique(), reverse=True)
            le_period = state.selectbox(
                top[2], "Period ending", periods, key="le_period", format_func=date.isoformat
            )
            period_stamp = gaps.loc[gaps["period_end"].dt.date == le_period, "period_end"].iloc[0]
            badges = indicator_badges(rows, indicator)
            headline = inequalities.life_expectancy_headline(
                gaps, period_stamp, f"{place_word} in {place_name(within)}"
            )
            layout.badges(badges)
            layout.headline(headline, presenting)
            chosen = gaps[gaps["period_end"] == period_stamp]
            metrics = st.columns(max(len(chosen), 1))
            for column, (_, row) in zip(metrics, chosen.iterrows()):
                column.metric(f"{row['sex']}: gap in years", f"{row['gap_years']:.1f}")
                column.caption(inequalities.sii_text(row.to_dict(), "years"))
            if not presenting:
                st.caption(inequalities.LE_METHOD.format(quantile_type=quantile_type))
            layout.chart(
                inequalities.life_expectancy_chart(
                    by_quantile[by_quantile["period_end"] == period_stamp],
                    title=headline,
                    quantile_type=quantile_type,
                    badges=badges,
                ),
                name=f"life_expectancy_gap_{le_id}_{le_period.isoformat()}",
                presenting=presenting,
            )
            display = inequalities.life_expectancy_display(gaps)
            layout.table(
                display,
                display,
                name=f"life_expectancy_gap_{le_id}",
                badge_list=badges,
            )
        layout.source_note(indicator)

# --- Equity audit -----------------------------------------------------------------------
with tabs[3]:
    if tabs[3].open:
        grouped = with_ethnic_groups(count_indicators)
        with layout.controls(presenting):
            top = st.columns(3)
            indicator_id, indicator = controls.indicator_select(
                top[0], catalog, grouped, "covid_first_dose_demo", key="audit_indicator"
            )
            level = inequalities.pooling_level(levels_of(indicator_id))
            quantile_type = state.selectbox(
                top[1],
                "Deprivation groups",
                inequalities.quantile_types(level),
                key="audit_quantile",
                default="quintile",
                format_func=lambda q: f"IMD 2025 {q}s",
            )
            within = within_select(top[2], config.CITY_CODE)
            period, age_band, sex, _ = group_controls(
                st, indicator_id, level, prefix="audit_", period_default="2021-03-23"
            )
        frame = cache.run(
            "counts_by_deprivation_and_ethnic_group",
            indicator_id=indicator_id,
            on_or_before=period,
            level=level,
            la_code=None if within == "all" else within,
            sex=sex,
            age_band=age_band,
            quantile_type=quantile_type,
        )
        cells = inequalities.audit_cells(frame, inequalities.QUANTILE_COUNTS[quantile_type])
        badges = indicator_badges(frame, indicator) if not frame.empty else []
        who = labels.group_phrase(age_band, sex, "All")
        headline = inequalities.audit_headline(
            cells, indicator["short_label"], f"{who} in {place_name(within)}", quantile_type
        )
        layout.badges(badges)
        layout.headline(headline, presenting)
        if cells.empty:
            st.info("No figures for this choice.")
        else:
            method = inequalities.AUDIT_METHOD.format(
                quantile_type=quantile_type, level=level, threshold=config.SUPPRESS_MAX_COUNT
            )
            if not presenting:
                st.caption(method)
            heatmap = inequalities.audit_heatmap(
                cells, title=headline, quantile_type=quantile_type, badges=badges
            )
            layout.chart(heatmap, name=f"equity_audit_{indicator_id}", presenting=presenting)
            table = inequalities.audit_table(cells, quantile_type)
            name = f"equity_audit_{indicator_id}_{period.isoformat()}"
            layout.table(table, inequalities.audit_download(cells, quantile_type), name, badges)
            source = f"{indicator['source']}. Licence: {indicator['licence']}."
            st.download_button(
                "Download one-page HTML report",
                lambda: inequalities.audit_report_html(
                    title=headline,
                    subtitle=f"{indicator['label']} · period ending {period.isoformat()}",
                    chart_svg=exports.chart_svg(heatmap).decode("utf-8"),
                    table=table,
                    method_note=f"{method} {indicator['method']}",
                    source=source,
                    badges=badges,
                    generated=date.today(),
                ).encode("utf-8"),
                file_name=f"{name}.html",
                mime="text/html",
                key=f"{name}-html",
                on_click="ignore",
            )
        layout.source_note(indicator)

with notice_area:
    state.show_notices()
