"""Postcode and place search (equity/search.py, queries/postcode_lookup.sql,
queries/areas_matching_name.sql) and the sidebar search on a page (AppTest)."""

from __future__ import annotations

import pandas as pd
import pytest

from equity import db, search
from tests.conftest import open_page

ST_MATTHEWS = "E02002844"
ST_MATTHEWS_POSTCODE = "LE2 0AA"  # OS Code-Point Open; inside St Matthews MSOA


@pytest.mark.parametrize("typed", ["le2 0aa", "LE20AA", "  Le2   0aA ", "LE2 0AA"])
def test_postcodes_are_normalised(typed):
    assert search.parse(typed) == search.Query("postcode", "LE2 0AA")


@pytest.mark.parametrize("typed", ["LE2", "LE2 0A", "le2 0a1", "LE99"])
def test_broken_postcodes_get_a_message_not_a_name_search(typed):
    query = search.parse(typed)
    assert query.kind == "invalid"
    assert "LE2 0TA" in query.message


def test_names_and_blanks():
    assert search.parse("St Matthews") == search.Query("name", "St Matthews")
    assert search.parse("   ").kind == "invalid"
    assert search.parse("x" * 500).kind == "invalid"


def test_a_postcode_in_st_matthews_finds_its_lsoa_msoa_and_ward(extracts_dir):
    rows = db.run_query("postcode_lookup", extracts_dir=extracts_dir, postcode="LE2 0AA")
    hit, message = search.postcode_hit(rows, "LE2 0AA")
    assert message == ""
    assert hit.msoa_code == ST_MATTHEWS == hit.profile_code
    assert hit.msoa_name == "St Matthews & Highfields North"
    assert hit.lsoa_code.startswith("E01")
    assert [kind for kind, _, _ in hit.places()] == ["LSOA", "MSOA", "ward"]
    assert 52.5 < hit.lat < 52.8 and -1.3 < hit.lon < -1.0


def test_unknown_and_outside_postcodes_say_why(extracts_dir):
    none = db.run_query("postcode_lookup", extracts_dir=extracts_dir, postcode="LE2 9ZZ")
    hit, message = search.postcode_hit(none, "LE2 9ZZ")
    assert hit is None and "LE2 9ZZ was not found" in message
    hit, message = search.postcode_hit(pd.DataFrame(), "NG1 1AA")
    assert hit is None and "Only Leicestershire (LE)" in message
    outside = none.head(0).reindex([0]).assign(postcode="LE10 3AZ", lon=-1.4, lat=52.5)
    hit, message = search.postcode_hit(outside, "LE10 3AZ")
    assert hit is None and "outside Leicester, Leicestershire and Rutland" in message


def test_place_names_match_best_first(extracts_dir):
    matches = db.run_query(
        "areas_matching_name", extracts_dir=extracts_dir, text="st matthews", max_rows=12
    )
    assert ST_MATTHEWS in matches["area_code"].tolist()
    assert set(matches["area_type"]) <= {"la", "ward", "msoa", "lsoa", "practice"}
    by_alias = db.run_query(
        "areas_matching_name", extracts_dir=extracts_dir, text="Leicester 018", max_rows=12
    )
    assert ST_MATTHEWS in by_alias["area_code"].tolist()
    exact = db.run_query(
        "areas_matching_name", extracts_dir=extracts_dir, text="Leicester", max_rows=3
    )
    assert exact.iloc[0]["area_type"] == "la"
    assert search.name_message(matches.head(0), "Nowhere").startswith(
        'No area or practice is called "Nowhere"'
    )


def test_planner_postcode_site_is_a_candidate_row(extracts_dir):
    def lookup(code):
        return db.run_query("postcode_lookup", extracts_dir=extracts_dir, postcode=code)

    site, message = search.postcode_site("le11pl", lookup)
    assert message == ""
    assert site.iloc[0]["site_id"] == "postcode-LE11PL"
    assert site.iloc[0]["easting"] > 400_000
    nothing, message = search.postcode_site("LE2 9ZZ", lookup)
    assert nothing is None and "not found" in message
    nothing, message = search.postcode_site("Town Hall", lookup)
    assert nothing is None and "not a postcode" in message


def test_sidebar_postcode_search_lands_on_the_msoa_profile(extracts_dir):
    at = open_page("views/map.py")
    at.text_input(key="search_text").input("le2 0aa").run()
    assert not at.exception
    assert at.title[0].value == "St Matthews & Highfields North"
    assert at.query_params.get("area") in (ST_MATTHEWS, [ST_MATTHEWS])
    sidebar_text = " ".join(m.value for m in at.sidebar.markdown)
    assert "LE2 0AA" in sidebar_text


def test_sidebar_bad_postcode_says_so_and_stays(extracts_dir):
    at = open_page("views/map.py")
    at.text_input(key="search_text").input("LE2 0A").run()
    assert not at.exception
    assert at.title[0].value == "Map"
    assert any("not a full UK postcode" in c.value for c in at.sidebar.caption)
    at.text_input(key="search_text").input("LE2 9ZZ").run()
    assert any("LE2 9ZZ was not found" in c.value for c in at.sidebar.caption)


def test_planner_keeps_a_site_given_by_postcode(extracts_dir):
    at = open_page("views/planner.py")
    at.text_input(key="keep_postcode").input("le1 1pl").run()
    assert not at.exception
    tables = [frame.value for frame in at.dataframe]
    assert any(
        frame.astype(str).apply(lambda c: c.str.contains("Site at LE1 1PL")).any().any()
        for frame in tables
    ), "the postcode site is not among the chosen sites"
    at.text_input(key="keep_postcode").input("LE2 9ZZ").run()
    assert not at.exception
    assert any("must-keep postcode was not used" in w.value for w in at.warning)
