"""Charts reach the page as Vega-Lite dicts made once and unvalidated (equity.vega): every
kind of chart the pages build is validated here instead, and drawn as Streamlit would draw
it; the Map page's map is made once per selection and shared between sessions."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pandas as pd
import pytest

from equity import map_view, maps, vega
from tests.conftest import REPO, open_page

# Page links that between them draw every kind of chart the app has.
PAGES_WITH_CHARTS = [
    ("views/map.py", {}),
    ("views/map.py", {"present": "1"}),
    ("views/map.py", {"indicator": "bowel_screening_demo", "level": "practice"}),
    ("views/where_to_act.py", {}),
    ("views/area_profile.py", {}),
    ("views/compare.py", {"view": "Funnel plot"}),
    ("views/compare.py", {"view": "Two indicators"}),
    ("views/inequalities.py", {}),
    ("views/trends.py", {}),
]


# Channels given as text ("value:Q") or dicts make altair build a schema-to-class table
# (json.dumps of hundreds of schemas) on every encode(): 14% of a loaded server's CPU.
FROM_DICT_CALLERS: list[str] = []


@pytest.fixture(scope="module")
def drawn_charts(extracts_dir) -> list:
    """Every altair chart the pages above turned into Vega-Lite (fresh caches, so every chart
    is made here and not found from an earlier test)."""
    import streamlit as st
    from altair.utils import schemapi

    charts = []
    with pytest.MonkeyPatch.context() as patch:
        original = vega.spec_dict
        patch.setattr(
            vega, "spec_dict", lambda chart, **kw: charts.append(chart) or original(chart, **kw)
        )
        real_from_dict = schemapi._FromDict.__init__

        def from_dict(self, *args, **kwargs):
            FROM_DICT_CALLERS.append(
                next(
                    (
                        f"{f.filename}:{f.lineno}"
                        for f in reversed(traceback.extract_stack())
                        if "/equity/" in f.filename
                    ),
                    "outside equity/",
                )  # fmt: skip
            )
            real_from_dict(self, *args, **kwargs)

        patch.setattr(schemapi._FromDict, "__init__", from_dict)
        for page, params in PAGES_WITH_CHARTS:
            st.cache_resource.clear()
            st.cache_data.clear()
            open_page(page, params)
    return charts


def test_charts_are_built_from_channel_objects_not_text(drawn_charts):
    assert drawn_charts
    assert FROM_DICT_CALLERS == [], "use alt.X('field:Q') etc., not 'field:Q' or a dict"


def test_every_chart_the_pages_draw_is_valid_vega_lite(drawn_charts):
    marks = set()
    for chart in drawn_charts:
        spec = chart.to_dict()  # validates against the Vega-Lite schema; raises if invalid
        marks |= set(json.dumps(spec).split('"mark": ')[1:])
    assert len(drawn_charts) >= 12
    drawn = " ".join(marks)
    for mark in ("geoshape", "circle", "text", "bar", "rule", "line", "point"):
        assert f'"{mark}"' in drawn, mark


def test_charts_are_drawn_as_streamlits_own_altair_conversion_would_draw_them(drawn_charts):
    """Same spec and data as st.altair_chart sends (its private converter is the reference:
    if a Streamlit upgrade removes it, check the look again and update this test)."""
    from streamlit import dataframe_util
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    def comparable(spec: dict) -> tuple[str, list]:
        datasets = spec.get("datasets", {})

        def content(name):
            data = datasets[name]
            return data if isinstance(data, bytes) else json.dumps(data, sort_keys=True).encode()

        names = sorted(datasets, key=content)
        text = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True)
        for i, name in enumerate(names):
            text = text.replace(name, f"dataset_{i}")
        return text, [content(name) for name in names]

    for chart in drawn_charts:
        ours = vega.spec_dict(chart, frame_bytes=dataframe_util.convert_anything_to_arrow_bytes)
        assert comparable(ours) == comparable(_convert_altair_to_vega_lite_spec(chart))


def test_presenter_mode_draws_projector_sizes_without_the_streamlit_theme(extracts_dir):
    at = open_page("views/map.py", {"present": "1"})
    charts = at.get("vega_lite_chart")
    assert charts
    for chart in charts:
        assert chart.proto.theme == ""
        assert json.loads(chart.proto.spec)["config"]["axis"]["labelFontSize"] == 16
    normal = open_page("views/map.py").get("vega_lite_chart")
    assert {chart.proto.theme for chart in normal} == {"streamlit"}


def test_no_page_draws_through_st_altair_chart():
    """st.altair_chart validates on every rerun, and sets altair's process-wide theme and
    data transformer under a lock of its own that vega.spec_dict cannot share."""
    sources = [*Path(REPO, "views").glob("*.py"), *Path(REPO, "ui").glob("*.py")]
    assert sources
    for path in sources:
        assert "altair_chart(" not in path.read_text(encoding="utf-8"), path.name


def test_the_map_is_made_once_for_a_selection_and_shared_between_sessions(
    extracts_dir, monkeypatch
):
    from ui import cache

    cache._map_view.clear()
    made = []
    original = map_view.map_view
    monkeypatch.setattr(
        map_view, "map_view", lambda *a, **kw: made.append(original(*a, **kw)) or made[-1]
    )
    first = open_page("views/map.py")
    view = made[0]
    as_text = lambda spec: json.dumps(spec, sort_keys=True, default=bytes.hex)  # noqa: E731
    ranked, spec_text = view.ranked.copy(), as_text(view.spec)
    first.run()
    open_page("views/map.py")  # another browser session, the same selection
    assert len(made) == 1
    # The shared view is only read: the pages' reruns changed nothing in it.
    pd.testing.assert_frame_equal(view.ranked, ranked)
    assert as_text(view.spec) == spec_text
    first.selectbox(key="colour").set_value("comparison").run()
    assert len(made) == 2 and made[1].legend_title.startswith("Compared with")


def test_a_map_click_still_opens_the_areas_profile(extracts_dir):
    from streamlit.elements.vega_charts import VegaLiteState

    at = open_page("views/map.py")
    # The chart's event as the browser's click makes it (AppTest cannot click a chart).
    picked = {maps.MAP_SELECTION: [{"area_code": "E02002844"}]}
    at.session_state["map_vega"] = VegaLiteState(selection=picked)
    at.run()
    assert not at.exception
    assert at.query_params["area"] == "E02002844"
    assert at.title[0].value == "St Matthews & Highfields North"  # the profile page
