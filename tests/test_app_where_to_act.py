"""AppTest: the home page answers "where to act?" on the default selection."""

from __future__ import annotations

from tests.conftest import open_page


def test_home_page_runs_and_shows_st_matthews_near_the_top(extracts_dir):
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Where to act"
    table = at.dataframe[0].value
    top_three = table.head(3)["Area"].tolist()
    assert "St Matthews & Highfields North" in top_three
    assert any(
        "St Matthews & Highfields North" in s.value or "Spinney Hill" in s.value
        for s in at.subheader
    )


def test_changing_the_age_band_reruns_with_the_new_group(extracts_dir):
    at = open_page()
    at.selectbox(key="age_band").set_value("65+").run()
    assert not at.exception
    assert "aged 65+" in at.subheader[0].value


def test_synthetic_indicator_shows_the_badge(extracts_dir):
    at = open_page()
    at.selectbox(key="indicator").set_value("covid_first_dose_demo").run()
    assert not at.exception
    assert any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    assert (at.dataframe[0].value["Data"].str.contains("SYNTHETIC")).all()


def test_who_was_missed_shows_the_groups_inside_the_view(extracts_dir):
    at = open_page(params={"missed_area": "E02002844"})
    assert not at.exception
    assert at.selectbox(key="missed_area").value == "E02002844"
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 3  # ranked bars, by age, by ethnic group
    links = [link.proto.page for link in at.get("page_link")]
    assert "planner" in links and "area" in links


def test_every_authority_runs_including_those_the_demo_twin_does_not_cover(extracts_dir):
    at = open_page()
    for code in ["all", "E06000017", "E07000129", "E06000016"]:
        at.selectbox(key="within").set_value(code).run()
        assert not at.exception, code


def test_every_indicator_runs_on_the_home_page(extracts_dir):
    at = open_page()
    labels = at.selectbox(key="indicator").options
    assert len(labels) >= 6
    for index, label in enumerate(labels):
        at.selectbox(key="indicator").select_index(index).run()
        assert not at.exception, label
        assert at.selectbox(key="indicator").index == index


def test_the_headline_names_another_authority_benchmark(extracts_dir):
    at = open_page(params={"within": "E07000130", "benchmark": "E07000130"})  # Charnwood
    assert not at.exception
    assert "Charnwood" in at.subheader[0].value
    assert "E07000130" not in at.subheader[0].value
