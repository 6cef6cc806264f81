"""Page furniture: presenter mode, data badges, chart and table exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st
from altair.utils import schemapi as altair_schemapi

from equity import charts, exports, labels, palette, vega
from ui import help, state

PRESENT_KEY = "present"

# The padding above the title and the type sizes are chosen so that at 1024x768 the first
# screen holds the title, badges, a one-line headline and the top of the main chart or map.
_PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none;}
html, body, [data-testid="stAppViewContainer"] {font-size: 20px;}
[data-testid="stMainBlockContainer"] {padding-top: 1rem !important; padding-bottom: 2rem;}
h1 {font-size: 2.8rem !important; padding-top: 0 !important; padding-bottom: 0.2rem !important;}
h2, h3 {font-size: 1.35rem !important; padding: 0.2rem 0 !important;}
.st-key-headline h3 {white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}
div[data-testid="stMetricValue"] {font-size: 1.8rem;}
div[data-testid="stMetricValue"] > div {white-space: normal; overflow: visible;}
.st-key-presenter_glossary {position: fixed; top: 0.5rem; right: 1rem; z-index: 999990;
  width: auto;}
</style>
"""

# Data badges (st.warning) as compact labels in the palette's AA-contrast colours.
_PAGE_CSS = f"""
<style>
div[data-testid="stAlert"]:has([data-testid="stAlertContentWarning"]) > div {{
  background: {palette.BADGE_BACKGROUND}; padding: 0.2rem 0.7rem; min-height: 0;
  border: 1px solid {palette.BADGE_TEXT};
}}
[data-testid="stAlertContentWarning"], [data-testid="stAlertContentWarning"] p {{
  color: {palette.BADGE_TEXT}; font-size: 0.85rem; font-weight: 600; margin: 0;
}}
/* Streamlit pulls markdown up by -1rem; a badge that wraps would spill out of its box */
[data-testid="stAlertContentWarning"] [data-testid="stMarkdownContainer"] {{
  margin-bottom: 0 !important;
}}
</style>
"""

if TYPE_CHECKING:
    import altair as alt

# Altair checks every chart object against the Vega-Lite schema as it is built; for the
# maps, whose data is every area's geometry inline, that walk took ~0.3 s of the first map.
# Charts are drawn unvalidated anyway (equity/vega.py), and tests/test_vega.py validates
# every kind of chart the pages build.
altair_schemapi.disable_debug_mode()


def presenter_mode() -> bool:
    """The presenter toggle (sidebar) and ?present=1; hides controls and enlarges text."""
    on = state.toggle(st.sidebar, "Presenter mode", PRESENT_KEY)
    st.markdown(_PAGE_CSS, unsafe_allow_html=True)
    if on:
        st.markdown(_PRESENTER_CSS, unsafe_allow_html=True)
    return on


def controls(presenting: bool):
    """Where a page puts its widgets: visible normally, folded away when presenting."""
    if presenting:
        return st.expander("Change the selection", expanded=False)
    return st.container()


def map_labels_pass_clicks() -> None:
    """Names and outlines (unfilled, "transparent" inside) printed on the map must not catch
    the click meant for the area beneath."""
    st.markdown(
        '<style>.st-key-map text, .st-key-map path[fill="transparent"] {pointer-events: none;}'
        "</style>",
        unsafe_allow_html=True,
    )


def headline(sentence: str, presenting: bool, short: str | None = None) -> None:
    """The page's finding under its title. Presenting, one line (labels.presenter_line, or
    `short`) so the main chart or map still starts on the first screen; the whole sentence
    is its tooltip."""
    with st.container(key="headline"):
        if presenting:
            st.subheader(short or labels.presenter_line(sentence), help=sentence)
        else:
            st.subheader(sentence)


def badges(items: list[str]) -> None:
    for badge in items:
        st.warning(badge, icon=":material/warning:")


def vega_lite(spec: alt.TopLevelMixin, presenting: bool = False) -> dict:
    """The chart as the Vega-Lite dict the page draws (unvalidated; frames sent as Arrow)."""
    from streamlit import dataframe_util

    if presenting:
        spec = charts.for_projector(spec)
    return vega.spec_dict(spec, frame_bytes=dataframe_util.convert_anything_to_arrow_bytes)


def draw(spec_dict: dict, presenting: bool = False, **kwargs):
    """Draw a vega_lite() dict (never st.altair_chart: it validates on every rerun, and it
    and vega.spec_dict would each set altair's global settings under their own lock)."""
    # theme=None when presenting: the Streamlit theme would put its own (smaller) sizes back
    return st.vega_lite_chart(spec_dict, theme=None if presenting else "streamlit", **kwargs)


def chart(
    spec: alt.TopLevelMixin,
    name: str,
    presenting: bool = False,
    selection: dict | None = None,
    data_table: pd.DataFrame | None = None,
    how_to_read: str | None = None,
    spec_dict: dict | None = None,
):
    """Show an Altair chart, then a row of PNG and SVG downloads (vl-convert, offline) and
    its figures as a table (accessible alternative; `data_table`, else the chart's data)
    and, given a kind of chart (equity.glossary.HOW_TO_READ), how to read it.

    `selection` (on_select, key, selection_mode) makes clicks rerun the page; the chart's
    event is returned. `spec_dict`: the chart already made into vega_lite(spec, presenting)
    (e.g. cached), so it is not converted again.
    """
    selection = selection or {}
    if spec_dict is None:
        spec_dict = vega_lite(spec, presenting)
    event = draw(spec_dict, presenting, width="stretch", **selection)
    if not presenting:
        # A horizontal row of content-width buttons: never squeezed to "P…" by a column.
        with st.container(horizontal=True, gap="small"):
            for kind, render, mime in (
                ("PNG", exports.chart_png, "image/png"),
                ("SVG", exports.chart_svg, "image/svg+xml"),
            ):
                st.download_button(
                    kind,
                    lambda render=render: render(spec),
                    file_name=f"{name}.{kind.lower()}",
                    mime=mime,
                    key=f"{name}-{kind.lower()}",
                    on_click="ignore",
                    icon=":material/download:",
                    help=f"Download the chart as a {kind} image",
                )
    chart_as_table(spec if data_table is None else data_table, key=f"{name}-table")
    if how_to_read:
        help.how_to_read(how_to_read)
    return event


# Columns that carry drawing, not figures (map geometry, colours, label offsets).
_DRAWING_COLUMNS = (
    "geometry",
    "type",
    "properties",
    "fill",
    "fill_hex",
    "position",
    "pixel_offset",
    "radius",
)


def chart_data(spec, datasets: dict | None = None) -> pd.DataFrame:
    """The figures a chart draws: its own data, else the first of its layers with figures.
    Data named by a layer is looked up in the chart's top-level datasets (a map's areas)."""
    import altair as alt

    if datasets is None:
        datasets = spec._get("datasets", {}) or {}
    data = getattr(spec, "data", alt.Undefined)
    frame = pd.DataFrame()
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(getattr(data, "values", None), list):
        frame = pd.DataFrame(data.values)
    elif isinstance(getattr(data, "name", None), str) and data.name in datasets:
        frame = pd.DataFrame(datasets[data.name])
    frame = frame.drop(columns=[c for c in _DRAWING_COLUMNS if c in frame.columns])
    if frame.empty or frame.columns.empty:
        for part in getattr(spec, "layer", None) or []:
            frame = chart_data(part, datasets)
            if not frame.columns.empty and not frame.empty:
                break
    return frame


def chart_as_table(source, key: str) -> None:
    """The accessible alternative under every chart: the same figures as a table.

    The table is made when its expander is opened (a rerun), not with every page: sent with
    the page, the Map page's two tables took ~0.9 s of its first paint on the benchmark
    machine (bench/FINDINGS.md), and every rerun converted them to Arrow again."""
    box = st.expander("Show as table", icon=":material/table:", key=key, on_change="rerun")
    with box:
        if not box.open:
            return
        frame = source if isinstance(source, pd.DataFrame) else chart_data(source)
        if frame.empty:
            st.caption("This chart has no figures to tabulate.")
        else:
            # st.table is a real HTML <table> that screen readers can walk (the dataframe
            # grid is a canvas); its figures are the chart's own, unrounded.
            st.table(frame.reset_index(drop=True))


def table(frame: pd.DataFrame, download: pd.DataFrame, name: str, badge_list: list[str]) -> None:
    """A table with a CSV download of the same rows (suppression applied, badges on top)."""
    st.dataframe(frame, hide_index=True, width="stretch")
    csv_download(download, badge_list, f"{name}.csv", key=f"{name}-csv")


def csv_download(frame: pd.DataFrame, badge_list: list[str], file_name: str, key: str) -> None:
    """A "Download CSV" button whose file is written when it is clicked, not on every rerun:
    written eagerly, each session's every table was CSV text held in the server's memory
    (megabytes per table at England scale) and ~8% of an area profile's rerun."""
    st.download_button(
        "Download CSV",
        lambda: exports.csv_bytes(frame, badge_list),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def source_note(indicator: pd.Series) -> None:
    st.caption(
        f"Source: {indicator['source']}. Licence: {indicator['licence']}. "
        f"Method: {indicator['method']} {indicator['caveat']}"
    )


__all__ = [
    "badges",
    "chart",
    "chart_as_table",
    "chart_data",
    "controls",
    "csv_download",
    "draw",
    "labels",
    "presenter_mode",
    "source_note",
    "table",
    "vega_lite",
]
