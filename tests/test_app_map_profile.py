"""AppTest: the Map and Area profile pages (defaults, reruns, URL state, bad links)."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from equity import config, geo, labels, maps, palette
from tests.conftest import json_records, open_page

ST_MATTHEWS = "E02002844"


def map_chart(at: AppTest):
    """The Vega map's element (the chart carrying the map's click selection)."""
    for chart in at.get("vega_lite_chart"):
        if maps.MAP_SELECTION in chart.proto.spec:
            return chart
    raise AssertionError("no Vega map on the page")


def map_spec(at: AppTest) -> dict:
    """The Vega-Lite spec of the map."""
    return json.loads(map_chart(at).proto.spec)


def features_by_code(at: AppTest) -> dict:
    """{area_code: the fields an area is drawn with} from the map's area rows, which the
    page sends beside the spec as Arrow (each finds its shape in the level's shapes file)."""
    for dataset in map_chart(at).proto.datasets:
        rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
        if rows and "area_code" in rows[0] and "fill_hex" in rows[0]:
            return {row["area_code"]: row for row in rows}
    raise AssertionError("no areas in the map's data")


def label_texts(spec: dict) -> list[str]:
    return [row["text"] for rows in json_records(spec) if "text" in rows[0] for row in rows]


@pytest.fixture(scope="module")
def default_map(extracts_dir) -> AppTest:
    return open_page("views/map.py")


def test_map_defaults_show_st_matthews_in_the_darkest_class_with_no_network(default_map):
    spec = map_spec(default_map)
    features = features_by_code(default_map)
    assert ST_MATTHEWS in features and len(features) > 30
    assert features[ST_MATTHEWS]["fill_hex"] == maps.palette(5, "higher_is_better")[0]
    # nothing fetched from the network: the only URL is the app's own shapes file
    assert "http" not in json.dumps({k: v for k, v in spec.items() if k != "$schema"})
    urls = shape_urls(spec)
    assert urls and all(url.startswith(geo.SHAPES_URL) for url in urls)
    assert "St Matthews & Highfields North" in label_texts(spec)
    assert not default_map.get("deck_gl_json_chart")  # no WebGL map without a basemap
    assert "COVID-19 first dose" in default_map.subheader[0].value
    assert len(default_map.get("vega_lite_chart")) == 2  # the map and the ranked bars


def shape_urls(spec: dict) -> set[str]:
    return set(re.findall(r'"url": "([^"]+)"', json.dumps(spec)))


def test_the_map_spec_carries_no_shapes_the_browser_fetches_them_from_the_app(default_map):
    """Each browser fetches a level's shapes once (a file under static/, which Streamlit
    serves) instead of every rerun re-serialising them into the spec (bench/FINDINGS.md)."""
    spec_text = map_chart(default_map).proto.spec
    assert '"coordinates"' not in spec_text and len(spec_text) < 20_000
    (url,) = shape_urls(json.loads(spec_text))
    assert url.startswith(geo.SHAPES_URL)
    served = json.loads(
        (config.STATIC_DIR / geo.SHAPES_FOLDER / url.removeprefix(geo.SHAPES_URL)).read_text()
    )
    by_code = {feature["area_code"]: feature for feature in served}
    assert set(features_by_code(default_map)) <= set(by_code)  # every area drawn has a shape
    assert by_code[ST_MATTHEWS]["type"] == "Feature"
    assert by_code[ST_MATTHEWS]["geometry"]["coordinates"]


def test_map_tooltips_never_carry_a_small_count(default_map):
    for properties in features_by_code(default_map).values():
        for part in properties["counts_text"].split("/"):
            digits = part.strip().replace(",", "")
            assert not (digits.isdigit() and 1 <= int(digits) <= 7)


def test_switching_to_comparison_colours_areas_by_benchmark(default_map):
    at = default_map  # changes the selection; later tests here use their own pages
    at.selectbox(key="colour").set_value("comparison").run()
    assert not at.exception
    fill = features_by_code(at)[ST_MATTHEWS]["fill_hex"]
    assert fill == palette.RAG_COLOURS["worse"]
    assert at.query_params["colour"] == "comparison"


def test_basemap_switches_to_the_pydeck_map_with_the_same_areas_and_labels(extracts_dir):
    at = open_page("views/map.py", {"basemap": "1"})
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "cartocdn" in deck["mapStyle"]
    areas = [layer for layer in deck["layers"] if layer.get("id") == maps.AREA_LAYER][0]
    fills = {
        f["properties"]["area_code"]: f["properties"]["fill"] for f in areas["data"]["features"]
    }
    assert fills[ST_MATTHEWS] == maps.hex_to_rgba(maps.palette(5, "higher_is_better")[0])
    labels = [layer for layer in deck["layers"] if layer["@@type"] == "TextLayer"][0]["data"]
    assert "St Matthews & Highfields North" in [label["text"] for label in labels]


def test_the_basemap_deck_is_built_once_for_every_rerun_and_viewer(extracts_dir, monkeypatch):
    from ui import cache

    built = []
    real = maps.build_deck

    def counted(**kwargs):
        built.append(1)
        return real(**kwargs)

    monkeypatch.setattr(maps, "build_deck", counted)
    cache._map_view.clear()
    viewers = [open_page("views/map.py", {"basemap": "1"}) for _ in range(2)]
    viewers[0].run()  # a rerun of the same view (a click elsewhere)
    decks = [at.get("deck_gl_json_chart")[0].proto.json for at in viewers]
    assert decks[0] == decks[1] and "cartocdn" in decks[0]
    assert len(built) == 1  # made with the cached view, its JSON once (maps.DrawnOnceDeck)
    viewers[1].selectbox(key="age_band").set_value("All").run()  # another view: another map
    assert not viewers[1].exception and len(built) == 2


def test_map_url_round_trip_restores_the_view(extracts_dir):
    wanted = {
        "indicator": "covid_first_dose_demo",
        "level": "ward",
        "age_band": "65+",
        "sex": "Female",
        "colour": "comparison",
        "scheme": "fisher_jenks",
        "benchmark": "LLR",
    }
    at = open_page("views/map.py", wanted)
    for key, value in wanted.items():
        assert at.selectbox(key=key).value == value, key
    assert not at.info  # a valid link gives no notice
    spec = map_spec(at)
    assert "E05010478" in features_by_code(at)  # Wycliffe ward
    # synthetic figures: the map itself (and so its PNG/SVG) says so, not just the page
    assert any(labels.SYNTHETIC_BADGE in line for line in spec["title"]["subtitle"])


def test_malformed_map_link_falls_back_with_a_notice(extracts_dir):
    at = open_page("views/map.py", {"colour": "purple", "scheme": "<script>"})
    assert at.selectbox(key="colour").value == "value"
    assert at.selectbox(key="scheme").value == "quantiles"
    notices = " ".join(info.value for info in at.info)
    assert "purple" in notices


@pytest.fixture(scope="module")
def st_matthews_profile(extracts_dir) -> AppTest:
    return open_page("views/area_profile.py", {"area": ST_MATTHEWS})


def test_profile_from_a_link_shows_st_matthews_against_the_city(st_matthews_profile):
    at = st_matthews_profile
    assert at.title[0].value == "St Matthews & Highfields North"
    assert "Leicester" in at.subheader[0].value
    assert at.selectbox(key="area").value == ST_MATTHEWS
    assert any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    spine = at.dataframe[0].value
    assert "COVID-19 first dose" in spine["Indicator"].tolist()
    assert at.get("vega_lite_chart")


def test_profile_area_change_reruns_for_the_new_area(st_matthews_profile):
    at = st_matthews_profile  # the last test using this page: it changes the area
    at.selectbox(key="area").set_value("E05010478").run()
    assert not at.exception
    assert at.title[0].value == "Wycliffe"
    assert at.query_params["area"] == "E05010478"


def test_profile_url_round_trip_restores_area_and_group(extracts_dir):
    wanted = {
        "area": ST_MATTHEWS,
        "indicator": "covid_first_dose_demo",
        "age_band": "50+",
        "ethnic_group": "Somali",
    }
    at = open_page("views/area_profile.py", wanted)
    for key, value in wanted.items():
        assert at.selectbox(key=key).value == value, key
    # titles are wrapped into lines (labels.wrap_title): join them before looking
    texts = [
        json.loads(c.proto.spec).get("title", {}).get("text", "") for c in at.get("vega_lite_chart")
    ]
    titles = " ".join(" ".join(t) if isinstance(t, list) else t for t in texts)
    assert "Somali people aged 50+" in titles


def test_malformed_profile_link_falls_back_to_st_matthews_with_a_notice(extracts_dir):
    at = open_page("views/area_profile.py", {"area": "E99999999'; DROP TABLE"})
    assert at.title[0].value == "St Matthews & Highfields North"
    assert any("E99999999" in info.value for info in at.info)


def test_profile_trends_indicator_change_reaches_the_url_and_its_charts(extracts_dir):
    # The Trends section is a fragment; AppTest runs it within full runs, so this checks
    # its wiring (URL writes, defaults per indicator), not that it reruns alone.
    at = open_page("views/area_profile.py", {"area": ST_MATTHEWS})
    at.selectbox(key="indicator").set_value("covid_first_dose").run()
    assert not at.exception
    assert at.query_params["indicator"] == "covid_first_dose"
    assert at.query_params["age_band"] == "50+"  # the catalog's default group for it
    assert at.selectbox(key="area").value == ST_MATTHEWS
    assert at.title[0].value == "St Matthews & Highfields North"
    titles = json.dumps([c.proto.spec for c in at.get("vega_lite_chart")])
    assert "COVID-19 first dose" in titles and "people aged 50+" in titles


def test_profile_every_indicator_of_the_area_draws_with_or_without_breakdowns(extracts_dir):
    """Rates and life expectancy have no breakdown tabs, counts have some: each draws."""
    at = open_page("views/area_profile.py", {"area": ST_MATTHEWS})
    tabs_seen = set()
    for index, label in enumerate(at.selectbox(key="indicator").options):
        at.selectbox(key="indicator").select_index(index).run()
        assert not at.exception, (label, at.exception[0].value)
        tabs_seen.add(len(at.tabs) > 0)
    assert tabs_seen == {True, False}  # both kinds were drawn


def test_profile_bad_trends_link_gets_the_page_notice(extracts_dir):
    at = open_page("views/area_profile.py", {"area": ST_MATTHEWS, "indicator": "no_such_thing"})
    assert any("no_such_thing" in info.value for info in at.info)
    assert at.selectbox(key="indicator").value == "covid_first_dose_demo"


def test_profile_in_presenter_mode_folds_the_trends_controls_away(extracts_dir):
    at = open_page("views/area_profile.py", {"area": ST_MATTHEWS, "present": "1"})
    folded = [e for e in at.expander if e.label == "Change the selection"]
    assert len(folded) == 2  # the area picker's and the Trends section's
    assert at.selectbox(key="indicator").value == "covid_first_dose_demo"
    assert folded[1].selectbox(key="indicator").value == "covid_first_dose_demo"


def test_chart_tables_are_made_when_opened_and_hold_the_charts_figures(extracts_dir):
    """The tables under the Map page's charts (and its data grid) are not sent with the page
    (they were ~0.9 s of its first paint); opened, each holds its chart's figures."""
    from tests.conftest import open_expanders

    at = open_page("views/map.py")
    shown_as_table = [e for e in at.expander if e.label == "Show as table"]
    assert len(shown_as_table) == len(at.get("vega_lite_chart")) == 2
    assert not at.table and not at.dataframe
    opened = open_expanders(at)
    assert len(opened) == 3  # two charts' tables and the map's data
    map_table, bars_table = (table.value for table in at.table)
    # the map's table lists its areas (from the chart's named geometry), not its labels
    assert ST_MATTHEWS in set(map_table["area_code"]) and "text" not in map_table.columns
    assert len(map_table) == len(at.dataframe[0].value)  # every area of the map's data grid
    assert len(bars_table) == 25  # the ranked chart draws the worst 25


def test_a_shapes_folder_the_app_cannot_write_gives_one_clear_message(
    extracts_dir, tmp_path, monkeypatch
):
    from ui import cache

    blocker = tmp_path / "static"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(config, "STATIC_DIR", blocker)
    cache._level_shapes.clear()
    cache._map_view.clear()
    try:
        at = open_page("views/map.py")
        assert not at.exception
        (message,) = [e.value for e in at.error if "could not be written" in e.value]
        assert str(blocker / geo.SHAPES_FOLDER) in message and "make build" in message
        assert at.subheader  # the headline and figures still show
    finally:
        cache._level_shapes.clear()
        cache._map_view.clear()
