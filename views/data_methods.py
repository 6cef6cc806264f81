"""Data & methods: the indicator catalog, sources and licences, the statistical methods in
words, and a CSV of any selection's values. The second tab (adding an extract) is another
part of the app's work."""

from __future__ import annotations

import streamlit as st

from equity import glossary, labels, methods, options
from equity.selection import benchmark_type
from ui import cache, controls, layout, state
from ui.ingest_panel import FINGERTIPS_HOWTO, render_ingest_panel

TABS = ["Catalog & methods", "Add an extract"]

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog")
by_id = catalog.set_index("indicator_id")
la_names = cache.run("areas_of_type", area_type="la", la_code=None).set_index("area_code")[
    "area_name"
]

st.title("Data & methods")
state.tab_notice("view", TABS)
notice_area = st.container()  # filled last: widgets add notices as they read the URL
tabs = st.tabs(TABS, key="view", bind="query-params")

with tabs[0]:
    if tabs[0].open:
        counts = methods.catalog_counts(catalog)
        st.subheader(
            f"{len(catalog)} indicators: {counts['real']} real, {counts['modelled']} modelled, "
            f"{counts['synthetic']} synthetic"
        )
        st.caption(
            "Synthetic indicators are generated demo data (not real counts); modelled ones are "
            "apportioned or modelled from other geographies. Both carry a badge wherever shown."
        )
        catalog_view = methods.catalog_table(catalog)
        layout.table(catalog_view, catalog_view, "indicator_catalog", [])

        st.header("Download the values of a selection")
        with layout.controls(presenting):
            selection, indicator = controls.selection_controls(
                by_id,
                catalog["indicator_id"].tolist(),
                levels=tuple(options.LEVEL_LABELS),
                default_within="all",
            )
        indicator_id, level, period = (
            selection.indicator_id,
            selection.level,
            selection.on_or_before,
        )
        age_band, sex, ethnic_group = selection.age_band, selection.sex, selection.ethnic_group
        frame = cache.run(
            "area_values_with_benchmark",
            **selection.query_params(benchmark_type(selection.benchmark_code, level)),
        )
        badges = labels.selection_badges(
            frame["is_synthetic"], frame["is_modelled"], bool(indicator["is_synthetic"])
        )
        download = methods.view_download(frame, sex, age_band, ethnic_group)
        layout.badges(badges)
        st.markdown(
            f"**{indicator['short_label']}**, {labels.group_phrase(age_band, sex, ethnic_group)}, "
            f"{options.LEVEL_LABELS.get(level, level)}, period ending {period.isoformat()}: "
            f"{len(download)} areas, {int(download['suppressed'].sum())} suppressed."
        )
        layout.table(
            methods.view_display(download, indicator["unit"], indicator["value_type"]),
            download,
            name=f"values_{indicator_id}_{level}_{period.isoformat()}",
            badge_list=badges,
        )
        layout.source_note(indicator)

        st.header("Statistical methods")
        st.markdown(methods.statistical_methods())

        st.header("Accessibility")
        st.markdown(glossary.ACCESSIBILITY_STATEMENT)

        st.header("Sources and licences")
        for document in methods.source_documents():
            with st.expander(f"{document.title} ({document.filename})"):
                st.markdown(document.markdown)

with tabs[1]:
    if tabs[1].open:
        st.markdown(FINGERTIPS_HOWTO)
        render_ingest_panel()

with notice_area:
    state.show_notices()
