"""AppTest: the Inequalities, Trends & interventions and Data & methods pages."""

from __future__ import annotations

import pytest

from equity import exports
from tests.conftest import notices, open_page

INEQUALITIES = "views/inequalities.py"
TRENDS = "views/trends.py"
DATA = "views/data_methods.py"


@pytest.fixture(autouse=True)
def quick_svg(monkeypatch):
    """ui.layout.chart renders the SVG download on every run (~1.5 s a chart in vl-convert);
    these tests are about the pages, so the SVG is stubbed (test_inequalities renders one)."""
    monkeypatch.setattr(exports, "chart_svg", lambda spec: b"<svg></svg>")


def test_inequalities_default_shows_the_deprivation_gradient_with_sii(extracts_dir):
    at = open_page(INEQUALITIES)
    assert at.title[0].value == "Inequalities"
    headline = at.subheader[0].value
    assert "most deprived decile" in headline and "least deprived" in headline
    assert "significantly higher in less deprived areas" in headline
    sii = float(at.metric[0].value)
    assert sii > 0
    table = at.dataframe[0].value
    assert table.iloc[0]["Decile"] == "1 most deprived"
    assert any("MODELLED" in w.value for w in at.warning)  # MSOA 2021 counts are apportioned


def test_inequalities_widget_change_reruns_and_url_round_trips(extracts_dir):
    at = open_page(INEQUALITIES)
    at.selectbox(key="quantile").set_value("quintile").run()
    assert not at.exception
    assert "most deprived quintile" in at.subheader[0].value
    assert len(at.dataframe[0].value) == 5
    shared = dict(at.query_params)
    assert shared["quantile"] == "quintile"
    again = open_page(INEQUALITIES, shared)
    assert again.subheader[0].value == at.subheader[0].value
    assert again.selectbox(key="quantile").value == "quintile"


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("By ethnic group", "lowest in"),
        ("Life expectancy gap", "Life expectancy gap between the most and least deprived"),
        ("Equity audit", "COVID-19 first dose (synthetic demo), people aged 50+ in Leicester"),
    ],
)
def test_inequalities_other_views_open_from_the_url(extracts_dir, view, expected):
    at = open_page(INEQUALITIES, {"view": view})
    assert expected in at.subheader[0].value
    if view != "Life expectancy gap":
        assert any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    if view == "Equity audit":
        assert "Download one-page HTML report" in [b.label for b in at.get("download_button")]


def test_inequalities_malformed_url_gives_notices(extracts_dir):
    at = open_page(INEQUALITIES, {"quantile": "tertile", "view": "Nonsense", "within": "E99"})
    messages = " ".join(notices(at))
    assert "tertile" in messages and "Nonsense" in messages and "E99" in messages
    assert at.selectbox(key="quantile").value == "decile"


def test_trends_default_is_the_st_matthews_story(extracts_dir):
    at = open_page(TRENDS)
    assert at.title[0].value == "Trends & interventions"
    headline = at.subheader[0].value
    assert headline.startswith("Somali people aged 50+ in Leicester: 49% → 60% → 78%")
    assert any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    before_after = at.dataframe[0].value
    story = before_after[before_after["Series"] == "Somali people aged 50+, Leicester"]
    assert story["Before"].tolist()[:2] == ["49.0%", "60.0%"]
    assert story["Change"].iloc[0] == "significant rise"


def test_trends_widget_change_and_url_round_trip(extracts_dir):
    at = open_page(TRENDS)
    at.selectbox(key="ethnic_group").set_value("Black").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Black people aged 50+ in Leicester")
    at.selectbox(key="level").set_value("msoa").run()
    assert "St Matthews & Highfields North" in at.subheader[0].value
    shared = dict(at.query_params)
    again = open_page(TRENDS, shared)
    assert again.subheader[0].value == at.subheader[0].value
    assert again.selectbox(key="area").value == "E02002844"


def test_trends_real_data_says_it_has_two_releases(extracts_dir):
    at = open_page(TRENDS, {"indicator": "covid_first_dose", "level": "la"})
    assert any("only 2 releases" in message for message in notices(at))


def test_trends_malformed_url_gives_notices(extracts_dir):
    at = open_page(
        TRENDS,
        {"before": "2021-13-45", "compare": "ward:NOPE", "events": "someday; party", "area": "X"},
    )
    messages = " ".join(notices(at))
    assert "2021-13-45" in messages and "NOPE" in messages and "not a date" in messages
    assert at.subheader[0].value.startswith("Somali people aged 50+ in Leicester")


def test_data_methods_lists_the_catalog_and_downloads_a_view(extracts_dir):
    at = open_page(DATA)
    assert at.title[0].value == "Data & methods"
    catalog = at.dataframe[0].value
    assert {"real", "modelled", "synthetic"} <= set(catalog["Data"])
    assert "covid_first_dose_demo" in set(catalog["Id"])
    labels = [e.label for e in at.expander]
    assert any("SOURCES.md" in label for label in labels)
    at.selectbox(key="indicator").set_value("covid_first_dose_demo").run()
    assert not at.exception
    assert any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    shared = dict(at.query_params)
    again = open_page(DATA, shared)
    assert again.selectbox(key="indicator").value == "covid_first_dose_demo"
    assert again.dataframe[1].value.equals(at.dataframe[1].value)


def test_data_methods_extract_tab_and_malformed_url(extracts_dir):
    at = open_page(DATA, {"view": "Add an extract"})
    assert not at.exception
    assert len(at.get("file_uploader")) == 1  # the upload form (ui/ingest_panel.py) is open
    bad = open_page(DATA, {"indicator": "no_such_thing", "period": "yesterday"})
    messages = " ".join(notices(bad))
    assert "no_such_thing" in messages and "yesterday" in messages
