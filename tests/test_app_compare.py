"""AppTest: the Compare areas page — each tab renders, its state lives in the URL, and a
selected row opens that area's profile."""

from __future__ import annotations

import pytest

from tests.conftest import open_page

PAGE = "views/compare.py"
ST_MATTHEWS = "St Matthews & Highfields North"


def test_overview_rug_lists_st_matthews_with_every_indicator(extracts_dir):
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Compare areas"
    rug = at.dataframe[0].value
    assert ST_MATTHEWS in set(rug["Area"])
    assert {"Code", "Area"} < set(rug.columns) and len(rug.columns) >= 4
    assert "indicators, each compared with Leicester" in at.subheader[0].value
    assert at.query_params["level"] == "msoa" and at.query_params["within"] == "E06000016"
    assert rug["Code"].is_unique and len(rug) == rug["Code"].nunique()


@pytest.mark.parametrize(
    "tab, expected",
    [
        ("Side by side", "Indicator"),
        ("Funnel plot", "Funnel"),
        ("Two indicators", "Core20"),
    ],
)
def test_each_tab_renders_its_table(extracts_dir, tab, expected):
    at = open_page(PAGE, params={"view": tab})
    assert not at.exception
    assert any(expected in frame.value.columns for frame in at.dataframe), tab


def test_side_by_side_areas_and_level_round_trip_through_the_url(extracts_dir):
    params = {"view": "Side by side", "areas": "E02002844,E02002843,E02002845"}
    at = open_page(PAGE, params=params)
    assert not at.exception
    assert at.multiselect(key="areas").value == ["E02002844", "E02002843", "E02002845"]
    table = at.dataframe[0].value
    assert ST_MATTHEWS in table.columns and "Leicester" in table.columns
    assert len(table.columns) == 5  # indicator, three areas, the benchmark
    at.multiselect(key="areas").unselect("E02002845").run()
    assert at.query_params["areas"] == "E02002844,E02002843"


def test_two_indicators_reads_the_link_and_reports_a_correlation_interval(extracts_dir):
    at = open_page(
        PAGE, params={"view": "Two indicators", "x": "imd_score", "y": "covid_first_dose"}
    )
    assert not at.exception
    assert at.selectbox(key="x").value == "imd_score"
    assert at.selectbox(key="y").value == "covid_first_dose"
    headline = at.subheader[0].value
    assert "Pearson r =" in headline and "95% CI" in headline


def test_funnel_plot_explains_what_it_leaves_out(extracts_dir):
    at = open_page(PAGE, params={"view": "Funnel plot", "level": "practice", "within": "all"})
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Life expectancy (practice)" in captions and "not proportions" in captions


def test_an_unknown_tab_in_the_link_gets_a_notice(extracts_dir):
    at = open_page(PAGE, params={"view": "Nonsense"})
    assert not at.exception
    assert any("Nonsense" in notice.value for notice in at.info)


def test_selecting_a_rug_row_opens_that_areas_profile(extracts_dir):
    at = open_page(PAGE)
    rug = at.dataframe[0].value
    row = int((rug["Area"] == ST_MATTHEWS).to_numpy().nonzero()[0][0])
    at.session_state["rug"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == ST_MATTHEWS
    assert at.query_params["area"] == "E02002844"


def test_clicking_a_scatter_point_opens_that_areas_profile(extracts_dir):
    at = open_page(PAGE, params={"view": "Two indicators"})
    assert not at.exception
    at.session_state["scatter"] = {"selection": {"area": [{"area_code": "E02002844"}]}}
    at.run()
    assert not at.exception
    assert at.title[0].value == ST_MATTHEWS
