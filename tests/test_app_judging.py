"""AppTest: the judging sections other pages gained — rank certainty and potential for
improvement (Where to act), recent trend (Area profile, Trends), difference in differences
(Trends), and the planner's reach effect."""

from __future__ import annotations

from tests.conftest import open_page


def test_where_to_act_ranks_with_certainty_and_k_round_trips(extracts_dir):
    at = open_page(params={"k": "2"})
    assert not at.exception
    assert at.number_input(key="k").value == 2
    headers = [h.value for h in at.header]
    assert "How sure is the ranking?" in headers and "Potential for improvement" in headers
    certainty = next(
        d.value for d in at.dataframe if "Chance of being among the 2 worst" in d.value.columns
    )
    chances = certainty["Chance of being among the 2 worst"].tolist()
    assert chances[:2] == [">99%", ">99%"]  # the two lowest MSOAs are certain, by far
    at.number_input(key="k").set_value(4).run()
    assert at.query_params["k"] == "4"
    assert any("more people reached" in s.value for s in at.subheader)


def test_an_out_of_range_k_in_the_link_gets_a_notice(extracts_dir):
    at = open_page(params={"k": "0"})
    assert not at.exception
    assert at.number_input(key="k").value == 3
    assert any("not valid" in notice.value for notice in at.info)


def test_trends_page_shows_the_recent_trend_and_the_difference_in_differences(extracts_dir):
    at = open_page("views/trends.py")
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**Recent trend (last 5 periods):") for t in texts)
    assert any("Difference in differences" in t for t in texts)
    did = next(d.value for d in at.dataframe if "Difference (pts)" in d.value.columns)
    assert did["Result"].str.contains("significantly|did not rise").all()


def test_area_profile_shows_a_recent_trend_marker(extracts_dir):
    at = open_page("views/area_profile.py", params={"indicator": "covid_first_dose_demo"})
    assert not at.exception
    assert any(m.value.startswith("**Recent trend") for m in at.markdown)


def test_planner_says_what_reaching_everyone_within_reach_would_do(extracts_dir):
    at = open_page("views/planner.py")
    assert not at.exception
    assert any("If everyone within reach came" in m.value for m in at.markdown)
    effect = next(
        d.value for d in at.dataframe if "If everyone within reach came" in d.value.columns
    )
    now, after = (float(effect[c].iloc[0]) for c in ("Now", "If everyone within reach came"))
    assert after > now  # reaching people can only raise the uptake
