"""AppTest: the pop-up clinic planner page runs, reacts to widgets and round-trips the URL."""

from __future__ import annotations

from equity import db
from tests.conftest import open_page

PAGE = "views/planner.py"
WYCLIFFE = "E05010478"


def test_defaults_run_and_a_widget_change_replans(extracts_dir):
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Pop-up clinic planner"
    finding = at.subheader[0].value
    assert finding.startswith("5 sites within 800 m reach ") and "aged 50+" in finding
    sites = at.dataframe[0].value
    assert len(sites) == 5 and sites["Order"].tolist() == [1, 2, 3, 4, 5]
    greedy = at.dataframe[1].value
    # Greedy lists sites while each still adds someone; an optimal site can add nobody
    # after greedy's earlier picks, so it may be absent — but every listed one is flagged.
    flagged = set(greedy.loc[greedy["In the optimised plan"] == "yes", "Site id"])
    assert len(greedy) >= 5 and flagged == set(sites["Site id"]) & set(greedy["Site id"])
    assert len(flagged) >= 3
    assert at.query_params["p"] == "5" and at.query_params["radius_m"] == "800"
    # Demand is spread over where people live by default (was: area centroids; the
    # centroid wording is now asserted in test_centroid_demand_and_detour_from_the_url).
    assert any("spread over where its residents live" in caption.value for caption in at.caption)
    assert any("Centroid vs spread demand" in info.value for info in at.info)
    reach = at.dataframe[2].value
    assert len(reach) == 5 and (reach["Demand"] == "spread (modelled)").all()
    assert "age 50-64" in reach.columns and "ethnic detail Somali" in reach.columns

    at.number_input(key="p").set_value(2).run()
    assert not at.exception
    assert at.subheader[0].value.startswith("2 sites within 800 m")
    assert len(at.dataframe[0].value) == 2
    assert at.query_params["p"] == "2"


def test_url_state_round_trips_and_synthetic_data_is_badged(extracts_dir):
    query = {
        "indicator": "covid_first_dose_demo",
        "period": "2021-03-23",
        "within": WYCLIFFE,
        "sites": "centroids",
        "age_band": "50+",
        "sex": "All",
        "ethnic_group": "Somali",
        "core20": "2.0",
        "p": "3",
        "radius_m": "600",
    }
    at = open_page(PAGE, query)
    assert not at.exception
    assert {key: at.query_params[key] for key in query} == query
    assert at.selectbox(key="ethnic_group").value == "Somali"
    assert at.number_input(key="radius_m").value == 600
    finding = at.subheader[0].value
    assert finding.startswith("3 sites within 600 m reach ")
    assert "Somali people aged 50+" in finding and "Wycliffe ward" in finding
    assert any("SYNTHETIC DEMO DATA" in warning.value for warning in at.warning)
    assert at.dataframe[0].value["Data"].str.contains("SYNTHETIC").all()
    lsoas = db.run_query("areas_of_type", area_type="lsoa", la_code=None)
    in_ward = set(lsoas.loc[lsoas["ward_code"] == WYCLIFFE, "area_code"])
    assert set(at.dataframe[0].value["Site id"]) <= in_ward


def test_malformed_url_values_fall_back_with_a_notice(extracts_dir):
    at = open_page(
        PAGE, {"p": "many", "radius_m": "99999", "within": "NOT-AN-AREA", "must_keep": "XX999"}
    )
    assert not at.exception
    notices = " ".join(info.value for info in at.info)
    assert "number of sites" in notices and "walking radius" in notices
    assert "NOT-AN-AREA" in notices and "XX999" in notices
    assert at.number_input(key="p").value == 5
    assert at.number_input(key="radius_m").value == 800
    assert at.selectbox(key="within").value == "E06000016"
    assert at.subheader[0].value.startswith("5 sites within 800 m")


def test_venues_source_asks_for_a_file_without_failing(extracts_dir):
    at = open_page(PAGE, {"sites": "venues"})
    assert not at.exception
    assert any("Upload a CSV" in info.value for info in at.info)
    assert not at.dataframe


def test_must_keep_from_the_url_is_chosen_first(extracts_dir):
    at = open_page(PAGE, {"must_keep": "C82020", "p": "3"})
    assert not at.exception
    sites = at.dataframe[0].value
    assert sites["Site id"].iloc[0] == "C82020" and sites["Must keep"].iloc[0] == "yes"
    assert at.query_params["must_keep"] == "C82020"


def test_centroid_demand_and_detour_from_the_url(extracts_dir):
    at = open_page(PAGE, {"demand": "centroid", "detour": "150"})
    assert not at.exception
    assert at.selectbox(key="demand").value == "centroid"
    assert at.number_input(key="detour").value == 150
    assert any("not population-weighted" in caption.value for caption in at.caption)
    assert any("straight line × 1.5" in caption.value for caption in at.caption)
    assert not any("Centroid vs spread demand" in info.value for info in at.info)
    assert (at.dataframe[2].value["Demand"] == "centroid").all()
    at.number_input(key="detour").set_value(100).run()
    assert not at.exception and at.query_params["detour"] == "100"


def test_the_plan_map_is_built_once_for_every_viewer_of_the_same_plan(extracts_dir, monkeypatch):
    from equity.planner import presentation
    from ui import cache

    built = []
    real = presentation.plan_deck

    def counted(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(presentation, "plan_deck", counted)
    cache._plan_view.clear()
    viewers = [open_page("views/planner.py"), open_page("views/planner.py")]
    decks = [at.get("deck_gl_json_chart")[0].proto.json for at in viewers]
    assert decks[0] == decks[1] and "area_outlines" in decks[0]
    assert len(built) == 1  # the second viewer got the first one's map
    viewers[0].number_input(key="p").set_value(3).run()  # another plan: another map
    assert len(built) == 2
    viewers[1].run()  # a rerun of the same plan (a click elsewhere) rebuilds nothing
    assert len(built) == 2
    viewers[1].text_input(key="keep_postcode").input("LE1 1PL").run()  # another question
    assert not viewers[1].exception and len(built) == 3
    assert "postcode-LE11PL" in viewers[1].get("deck_gl_json_chart")[0].proto.json
