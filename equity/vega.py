"""Altair charts as Vega-Lite dicts for the page: converted once, without schema validation.

Altair validates a chart against the Vega-Lite JSON schema on every to_dict(), and
st.altair_chart converts on every rerun: for the Map page's spec, which holds every area's
geometry, that was about 80 ms of a rerun (over 300 ms at LSOA level). Every kind of chart
the pages build is validated once in tests/test_vega.py, so skipping it here hides nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

# altair's theme and data transformer are process-wide settings; sessions run in threads.
_ALTAIR_SETTINGS = threading.Lock()
_TRANSFORMER = "named_frames"


def _named_frames(data: pd.DataFrame, datasets: dict, frame_bytes: Callable) -> dict:
    """A chart's data frame as a dataset named by its content's hash (stable across reruns)."""
    payload = frame_bytes(data)
    name = hashlib.md5(payload, usedforsecurity=False).hexdigest()
    datasets[name] = payload
    return {"name": name}


def spec_dict(chart: alt.TopLevelMixin, frame_bytes: Callable | None = None) -> dict:
    """The chart as a Vega-Lite dict, unvalidated, without altair's default theme (the page's
    theme styles it), as st.altair_chart would make it.

    `frame_bytes` turns a chart's data frame into bytes that the page sends apart from the
    spec (Streamlit sends Arrow); without it frames are written inline as altair does.
    """
    import altair as alt

    datasets: dict[str, bytes] = {}
    # Datasets the chart already names (a map's geometry, equity.maps.vega_map) are JSON
    # already: added after to_dict, which would walk every coordinate (0.4 s for LLR's LSOAs).
    given = chart._get("datasets", {})
    if given:
        chart = chart.copy(deep=False)
        chart["datasets"] = alt.Undefined
    alt.data_transformers.register(_TRANSFORMER, _named_frames)
    with _ALTAIR_SETTINGS:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        frames = (
            alt.data_transformers.enable(_TRANSFORMER, datasets=datasets, frame_bytes=frame_bytes)
            if frame_bytes
            else nullcontext()
        )
        with theme, frames:
            spec = chart.to_dict(validate=False)
    if datasets or given:
        spec["datasets"] = {**given, **spec.get("datasets", {}), **datasets}
    return spec


def export_json(chart: alt.TopLevelMixin) -> str:
    """The chart as Vega-Lite JSON for a renderer outside the page (vl-convert's PNG and SVG):
    every data frame written in, however many rows (altair's default stops at 5,000, fewer
    than England's LSOAs), and the shapes the page's maps fetch (geo.inline_shapes)."""
    import altair as alt

    from equity import geo

    with _ALTAIR_SETTINGS, alt.data_transformers.enable("default", max_rows=None):
        spec = chart.to_dict(validate=False)
    return json.dumps(geo.inline_shapes(spec))
