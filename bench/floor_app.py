"""The floor under "start -> first map painted": one map, nothing else.

It draws the same areas as the Map page's default selection would (LLR MSOAs from the
extracts' stored GeoJSON), as a Vega-Lite geoshape chart (the Map page's default) or, with
?renderer=pydeck, as a pydeck GeoJsonLayer on the blank style (the Map page's basemap
mode, and the Map page itself before the switch). It runs no queries, imports no pandas
and shows no widgets or charts: what it takes is what Streamlit, the map library and the
browser cost on this machine, and the harness times the app against it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from equity import config  # noqa: E402  (paths and the blank style only: no pandas)

st.title("Map")
table = pq.read_table(
    config.EXTRACTS_DIR / "boundaries_simplified.parquet",
    columns=["area_code", "geojson"],
    filters=[("area_type", "==", "msoa")],
)
codes = table.column("area_code").to_pylist()
shapes = [json.loads(text) for text in table.column("geojson").to_pylist()]
with st.container(key="map"):
    if st.query_params.get("renderer") == "pydeck":
        import pydeck as pdk

        features = [{"type": "Feature", "geometry": shape, "properties": {}} for shape in shapes]
        layer = pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": features},
            filled=True,
            stroked=True,
            get_fill_color=[202, 0, 32, 220],
            get_line_color=[255, 255, 255, 230],
            line_width_min_pixels=1,
        )
        camera = pdk.ViewState(longitude=-1.13, latitude=52.64, zoom=9.0)
        st.pydeck_chart(
            pdk.Deck(layers=[layer], initial_view_state=camera, map_style=config.BLANK_MAP_STYLE),
            height=560,
        )
    else:
        import altair as alt

        values = [
            {"type": "Feature", "geometry": shape, "area_code": code}
            for code, shape in zip(codes, shapes)
        ]
        chart = (
            alt.Chart(alt.Data(values=values))
            .mark_geoshape(fill="#ca0020", stroke="white", strokeWidth=0.8)
            .add_params(alt.selection_point(name="picked_area", fields=["area_code"]))
            .project(type="mercator")
            .properties(height=560, width=620)
        )
        st.altair_chart(chart, width="stretch", on_select="rerun", key="map_vega")
