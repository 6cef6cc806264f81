"""Page furniture: presenter mode, data badges, chart and table exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from equity import exports, labels
from ui import state

PRESENT_KEY = "present"

_PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none;}
html, body, [data-testid="stAppViewContainer"] {font-size: 22px;}
h1 {font-size: 3rem !important;} h2, h3 {font-size: 2.2rem !important;}
div[data-testid="stMetricValue"] {font-size: 2.4rem;}
div[data-testid="stMetricValue"] > div {white-space: normal; overflow: visible;}
</style>
"""

if TYPE_CHECKING:  # altair takes 0.25 s to import; only the type is needed here
    import altair as alt


def presenter_mode() -> bool:
    """The presenter toggle (sidebar) and ?present=1; hides controls and enlarges text."""
    on = state.toggle(st.sidebar, "Presenter mode", PRESENT_KEY)
    if on:
        st.markdown(_PRESENTER_CSS, unsafe_allow_html=True)
    return on


def controls(presenting: bool):
    """Where a page puts its widgets: visible normally, folded away when presenting."""
    if presenting:
        return st.expander("Change the selection", expanded=False)
    return st.container()


def map_labels_pass_clicks() -> None:
    """Names printed on the map must not catch the click meant for the area beneath."""
    st.markdown("<style>.st-key-map text {pointer-events: none;}</style>", unsafe_allow_html=True)


def badges(items: list[str]) -> None:
    for badge in items:
        st.warning(f"⚠ {badge}")


def chart(
    spec: alt.TopLevelMixin,
    name: str,
    presenting: bool = False,
    selection: dict | None = None,
):
    """Show an Altair chart with PNG and SVG downloads (vl-convert, offline).

    `selection` (on_select, key, selection_mode) makes clicks rerun the page; the chart's
    event is returned.
    """
    selection = selection or {}
    if presenting:
        # A projector needs bigger chart text than the page's CSS can reach (SVG/canvas).
        spec = (
            spec.configure_axis(labelFontSize=16, titleFontSize=16, labelLimit=400)
            .configure_title(fontSize=24, subtitleFontSize=16)
            .configure_legend(labelFontSize=15, titleFontSize=15, titleLimit=0, labelLimit=0)
        )
        # theme=None: the Streamlit theme would put its own (smaller) sizes back
        return st.altair_chart(spec, width="stretch", theme=None, **selection)
    event = st.altair_chart(spec, width="stretch", **selection)
    columns = st.columns([1, 1, 6])
    columns[0].download_button(
        "PNG",
        lambda: exports.chart_png(spec),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{name}-png",
        on_click="ignore",
    )
    columns[1].download_button(
        "SVG",
        lambda: exports.chart_svg(spec),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"{name}-svg",
        on_click="ignore",
    )
    return event


def table(frame: pd.DataFrame, download: pd.DataFrame, name: str, badge_list: list[str]) -> None:
    """A table with a CSV download of the same rows (suppression applied, badges on top)."""
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download CSV",
        exports.csv_bytes(download, badge_list),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{name}-csv",
    )


def source_note(indicator: pd.Series) -> None:
    st.caption(
        f"Source: {indicator['source']}. Licence: {indicator['licence']}. "
        f"Method: {indicator['method']} {indicator['caveat']}"
    )


__all__ = ["badges", "chart", "controls", "labels", "presenter_mode", "source_note", "table"]
