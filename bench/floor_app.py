"""The floor under "start → first map painted": one Streamlit pydeck chart, nothing else.

It draws the same areas as the Map page's default view (LLR MSOAs from the extracts'
stored GeoJSON), with the same layer type, size and blank basemap, but runs no queries,
imports no pandas and shows no widgets or charts. Whatever this takes is what Streamlit,
deck.gl and the browser cost on this machine; the harness times the app against it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pydeck as pdk
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from equity import config  # noqa: E402  (paths and the blank style only: no pandas)

st.title("Map")
table = pq.read_table(
    config.EXTRACTS_DIR / "boundaries_simplified.parquet",
    columns=["geojson"],
    filters=[("area_type", "==", "msoa")],
)
features = [
    {"type": "Feature", "geometry": json.loads(text), "properties": {}}
    for text in table.column("geojson").to_pylist()
]
layer = pdk.Layer(
    "GeoJsonLayer",
    {"type": "FeatureCollection", "features": features},
    filled=True,
    stroked=True,
    get_fill_color=[202, 0, 32, 220],
    get_line_color=[255, 255, 255, 230],
    line_width_min_pixels=1,
)
view = pdk.ViewState(longitude=-1.13, latitude=52.64, zoom=9.0)
st.pydeck_chart(
    pdk.Deck(layers=[layer], initial_view_state=view, map_style=config.BLANK_MAP_STYLE), height=560
)
