"""The planner's demand where people live, walking distance and catchment composition:
spreading keeps each area's total, the population-weighted plan beats the centroid plan on a
constructed case, a walking network changes who is in reach, and the composition of each
catchment adds up to its reach."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk
import pytest
from streamlit.elements.deck_gl_json_chart import _get_pydeck_tooltip

from equity import db, stats
from equity.planner import cli as plan_cli
from equity.planner import optimise, plan, presentation, residents, spread, walking
from ui import cache

REPO = Path(__file__).resolve().parent.parent
OSM = REPO / "tests" / "data" / "planner" / "blocked_shortcut.osm"
CITY_50_PLUS = [
    "--indicator", "covid_first_dose", "--age-band", "50+", "--date", "2021-03-25",
    "--area", "E06000016", "--sites", "practices", "--p", "5", "--radius-m", "800",
]  # fmt: skip


def _lonlat(easting, northing):
    lon, lat = optimise.from_bng(easting, northing)
    return lon, lat


# --- age bands ---------------------------------------------------------------------------


def test_age_band_fractions_cover_the_census_bands():
    assert residents.age_band_fractions("50+") == {"50-64": 1.0, "65+": 1.0}
    assert residents.age_band_fractions("All") == dict.fromkeys(residents.AGE_BANDS, 1.0)
    assert residents.age_band_fractions("16-49") == {"16-24": 1.0, "25-34": 1.0, "35-49": 1.0}
    partial = residents.age_band_fractions("55+")
    assert partial["50-64"] == pytest.approx(10 / 15)
    assert partial["65+"] == 1.0 and "35-49" not in partial
    assert residents.age_band_fractions("80+") == {"65+": pytest.approx(10 / 25)}
    with pytest.raises(ValueError, match="age band"):
        residents.age_band_fractions("old")


# --- a constructed town -----------------------------------------------------------------
# One MSOA whose centroid is in a park (west); its residents aged 50+ live in LSOA L2,
# 1.5 km east. Site "park" is at the centroid, site "estate" among the homes.

ORIGIN = (459000.0, 304000.0)


def _town():
    east, north = ORIGIN
    lon, lat = _lonlat([east, east + 1500, east + 100], [north, north, north])
    area_rows = pd.DataFrame(
        {
            "area_code": ["M1"],
            "area_name": ["Town 001"],
            "lon": [lon[0]],
            "lat": [lat[0]],
            "people_missed": [1000.0],
            "imd_quintile": [1],
        }
    )
    lsoas = pd.DataFrame(
        {
            "area_code": ["L1", "L2"],
            "msoa_code": ["M1", "M1"],
            "ward_code": ["W1", "W1"],
            "lon": [lon[2], lon[1]],
            "lat": [lat[2], lat[1]],
        }
    )
    groups = pd.DataFrame(
        {
            "dimension": ["age_band"] * 4 + ["ethnic_group"] * 4 + ["language"] * 2,
            "area_type": ["lsoa"] * 8 + ["msoa"] * 2,
            "area_code": ["L1", "L1", "L2", "L2", "L1", "L1", "L2", "L2", "M1", "M1"],
            "category": [
                "50-64", "65+", "50-64", "65+", "Asian", "White", "Asian", "White",
                "Main language English", "Other main language, speaks English well",
            ],
            "residents": [50, 50, 600, 300, 80, 20, 300, 700, 900, 100],
        }
    ).astype({"residents": float})  # fmt: skip
    pc_lon, pc_lat = _lonlat(
        [east + 80, east + 120, east + 1450, east + 1500, east + 1550],
        [north, north, north + 50, north, north - 50],
    )
    postcodes = pd.DataFrame(
        {
            "postcode": ["LE1 1AA", "LE1 1AB", "LE2 2AA", "LE2 2AB", "LE2 2AC"],
            "lon": pc_lon,
            "lat": pc_lat,
            "lsoa_code": ["L1", "L1", "L2", "L2", "L2"],
        }
    )
    site_east = [east, east + 1500]
    site_north = [north + 300, north + 300]
    site_lon, site_lat = _lonlat(site_east, site_north)
    sites = pd.DataFrame(
        {
            "site_id": ["park", "estate"],
            "site_name": ["Park pavilion", "Estate hall"],
            "lon": site_lon,
            "lat": site_lat,
            "easting": site_east,
            "northing": site_north,
            "source": "venues",
        }
    )
    return area_rows, plan.Residents(lsoas=lsoas, groups=groups, postcodes=postcodes), sites


def test_spreading_keeps_the_area_total_and_follows_the_age_band():
    area_rows, people, _ = _town()
    ages = people.groups[people.groups["dimension"].eq("age_band")]
    points = spread.spread_demand(area_rows, "msoa", people.lsoas, ages, people.postcodes, "50+")
    assert points["people_missed"].sum() == pytest.approx(1000.0)
    assert set(points["point_kind"]) == {"postcode"} and points["is_spread"].all()
    by_lsoa = points.groupby("lsoa_code")["people_missed"].sum()
    assert by_lsoa["L1"] == pytest.approx(1000 * 100 / 1000)  # 100 of 1,000 aged 50+
    assert by_lsoa["L2"] == pytest.approx(1000 * 900 / 1000)
    # equal shares among an LSOA's postcodes
    assert points.loc[points["lsoa_code"].eq("L2"), "people_missed"].tolist() == pytest.approx(
        [300.0] * 3
    )
    # a band only in L1 moves everyone there
    only_65 = ages.assign(residents=np.where(ages["area_code"].eq("L2"), 0.0, ages["residents"]))
    moved = spread.spread_demand(area_rows, "msoa", people.lsoas, only_65, people.postcodes, "65+")
    assert moved.groupby("lsoa_code")["people_missed"].sum().to_dict() == pytest.approx(
        {"L1": 1000.0, "L2": 0.0}
    )


def test_an_area_without_band_residents_stays_at_its_centroid_with_its_total():
    area_rows, people, _ = _town()
    ages = people.groups[people.groups["dimension"].eq("age_band")].assign(residents=0.0)
    points = spread.spread_demand(area_rows, "msoa", people.lsoas, ages, people.postcodes, "50+")
    assert len(points) == 1 and points["point_kind"].iat[0] == "area centroid"
    assert points["people_missed"].iat[0] == pytest.approx(1000.0)
    assert points["lon"].iat[0] == pytest.approx(area_rows["lon"].iat[0])


def test_spreading_real_leicester_demand_keeps_every_msoa_total(extracts_dir):
    wards = db.run_query("areas_of_type", area_type="ward", la_code=None)
    where = plan.area_filter("E06000016", "msoa", dict(zip(wards["area_code"], wards["la_code"])))
    rows = db.run_query(
        "people_missed_by_area",
        **plan.demand_query_params(
            "covid_first_dose", date(2021, 3, 25), "msoa", where, age_band="50+"
        ),
    )
    people = plan_cli.read_residents()
    ages = people.groups[people.groups["dimension"].eq("age_band")]
    points = spread.spread_demand(rows, "msoa", people.lsoas, ages, people.postcodes, "50+")
    totals = points.groupby("area_code")["people_missed"].sum()
    expected = rows.set_index("area_code")["people_missed"].clip(lower=0)
    pd.testing.assert_series_equal(
        totals.sort_index(), expected.sort_index(), check_names=False, rtol=1e-9
    )
    assert len(points) > 10 * len(rows)  # thousands of postcodes, not 38 centroids
    assert points["point_kind"].eq("postcode").mean() > 0.95


def test_the_population_weighted_plan_chooses_a_better_site_than_the_centroid_plan():
    area_rows, people, sites = _town()
    common = dict(source=plan.SOURCE_VENUES, radius_m=800.0, venues=sites, age_band="50+")
    centroid_inputs = plan.prepare(area_rows, "msoa", demand_mode="centroid", **common)
    spread_inputs = plan.prepare(area_rows, "msoa", demand_mode="spread", people=people, **common)
    centroid_plan = plan.choose_sites(centroid_inputs, 1, 800.0)
    spread_plan = plan.choose_sites(spread_inputs, 1, 800.0)
    assert centroid_plan.result.sites["site_id"].tolist() == ["park"]
    assert spread_plan.result.sites["site_id"].tolist() == ["estate"]
    comparison = plan.compare_demand(spread_inputs, spread_plan, centroid_plan, 800.0)
    # Counting people where they live, the estate reaches 900, the park only L1's 100.
    assert comparison.spread_reach == pytest.approx(900.0)
    assert comparison.centroid_sites_spread_reach == pytest.approx(100.0)
    assert comparison.centroid_claimed_reach == pytest.approx(1000.0)
    assert "1 of 1 chosen sites differ" in comparison.text()
    assert plan.SPREAD_BADGE in spread_plan.badges
    assert plan.SPREAD_BADGE not in centroid_plan.badges


def test_catchment_composition_adds_up_to_the_reach():
    area_rows, people, sites = _town()
    inputs = plan.prepare(
        area_rows, "msoa", plan.SOURCE_VENUES, 800.0, venues=sites, demand_mode="spread",
        people=people, age_band="50+",
    )  # fmt: skip
    chosen = plan.choose_sites(inputs, 2, 800.0)
    groups = plan.catchment_groups(chosen, "msoa", people, "50+")
    reached = chosen.result.sites.set_index("site_id")["people_reached"]
    for dimension in ("age_band", "ethnic_group", "language"):
        sums = groups[groups["dimension"].eq(dimension)].groupby("site_id")["people"].sum()
        pd.testing.assert_series_equal(
            sums.sort_index(), reached.sort_index(), check_names=False, rtol=1e-9
        )
    estate = groups[groups["site_id"].eq("estate")].set_index(["dimension", "category"])
    assert estate.loc[("age_band", "50-64"), "people"] == pytest.approx(900 * 600 / 900)
    assert estate.loc[("ethnic_group", "Asian"), "people"] == pytest.approx(900 * 0.3)
    # the centroid plan's reach is split over the same LSOAs by target-band residents
    centroid = plan.choose_sites(
        plan.prepare(area_rows, "msoa", plan.SOURCE_VENUES, 800.0, venues=sites), 1, 800.0
    )
    centroid_groups = plan.catchment_groups(centroid, "msoa", people, "50+")
    ages = centroid_groups[centroid_groups["dimension"].eq("age_band")]
    assert ages["people"].sum() == pytest.approx(1000.0)


def _spread_plan_with_catchments(la_code: str, sites: int):
    """First dose 50+, 25 Mar 2021, GP practices, 800 m, spread demand within one authority:
    the chosen plan and its catchment composition."""
    from equity.planner import venues

    wards = db.run_query("areas_of_type", area_type="ward", la_code=None)
    where = plan.area_filter(la_code, "msoa", dict(zip(wards["area_code"], wards["la_code"])))
    rows = db.run_query(
        "people_missed_by_area",
        **plan.demand_query_params(
            "covid_first_dose", date(2021, 3, 25), "msoa", where, age_band="50+"
        ),
    )
    people = plan_cli.read_residents()
    inputs = plan.prepare(
        rows, "msoa", plan.SOURCE_PRACTICES, 800.0, practices=venues.read_practice_sites(),
        demand_mode="spread", people=people, age_band="50+", detour=walking.DEFAULT_DETOUR,
    )  # fmt: skip
    chosen = plan.choose_sites(inputs, sites, 800.0)
    return chosen, plan.catchment_groups(chosen, "msoa", people, "50+")


def test_real_catchment_composition_adds_up_to_each_sites_reach(extracts_dir):
    chosen, groups = _spread_plan_with_catchments("E06000016", sites=5)
    reached = chosen.result.sites.set_index("site_id")["people_reached"]
    for dimension in ("age_band", "ethnic_group", "language"):
        sums = groups[groups["dimension"].eq(dimension)].groupby("site_id")["people"].sum()
        pd.testing.assert_series_equal(
            sums.sort_index(), reached.sort_index(), check_names=False, rtol=1e-9
        )
    somali = groups[groups["dimension"].eq("ethnic_detail")]
    assert (somali["people"] <= reached.reindex(somali["site_id"]).to_numpy() + 1e-9).all()
    assert somali["people"].sum() > 0  # Leicester wards carry detailed counts


def test_catchment_composition_outside_leicester_has_no_somali_detail_and_still_adds_up(
    extracts_dir,
):
    """Blaby has no ward with detailed ethnic counts: the composition must still be built
    (found by the widget sweep: an empty mapped column could not multiply people)."""
    chosen, groups = _spread_plan_with_catchments("E07000129", sites=3)  # Blaby
    reached = chosen.result.sites.set_index("site_id")["people_reached"]
    assert reached.sum() > 0
    somali = groups[groups["dimension"].eq("ethnic_detail")]
    assert somali["people"].sum() == 0
    sums = groups[groups["dimension"].eq("age_band")].groupby("site_id")["people"].sum()
    pd.testing.assert_series_equal(
        sums.sort_index(), reached.sort_index(), check_names=False, rtol=1e-9
    )


def test_shares_made_once_for_a_band_split_every_plan_as_shares_made_each_time(extracts_dir):
    """The app makes spread.group_shares once per age band (ui/cache) and hands it to every
    plan: the composition must be the one made from the residents each time."""
    chosen, groups = _spread_plan_with_catchments("E06000016", sites=5)
    people = plan_cli.read_residents()
    for band in ("50+", "16-49", "All"):
        shares = spread.group_shares(people.groups, people.lsoas, band)
        pd.testing.assert_frame_equal(
            plan.catchment_groups(chosen, "msoa", people, band, shares),
            plan.catchment_groups(chosen, "msoa", people, band),
        )
    kept = cache._group_shares("50+", cache.extracts_version())
    assert cache._group_shares("50+", cache.extracts_version()) is kept  # made once
    pd.testing.assert_frame_equal(
        plan.catchment_groups(chosen, "msoa", people, "50+", kept), groups
    )
    other = cache._group_shares("16-49", cache.extracts_version())
    assert not other.by_dimension["age_band"][1].equals(kept.by_dimension["age_band"][1])


# --- walking distance ----------------------------------------------------------------------


def _osm_points():
    network = walking.read_osm(OSM)
    site_e, site_n = optimise.to_bng([-1.1300], [52.6300])
    home_e, home_n = optimise.to_bng([-1.1226, -1.1300], [52.6300, 52.6336])
    site = pd.DataFrame(
        {"site_id": ["S"], "site_name": ["Site"], "lon": [-1.13], "lat": [52.63],
         "easting": site_e, "northing": site_n, "source": "venues"}
    )  # fmt: skip
    homes = pd.DataFrame(
        {"area_code": ["D", "N"], "area_name": ["Across the cut", "Up the street"],
         "lon": [-1.1226, -1.1300], "lat": [52.6300, 52.6336], "people_missed": [50.0, 20.0]}
    )  # fmt: skip
    return network, site, homes, (home_e, home_n)


def test_the_osm_reader_keeps_walkable_ways_only():
    network, *_ = _osm_points()
    # the closed footpath (with its middle node) and the motorway are left out
    assert len(network.nodes) == 4 and len(network.edges) == 3
    assert network.edges["length_m"].sum() == pytest.approx(1300, abs=5)
    assert walking.is_walkable({"highway": "footway"})
    assert walking.is_walkable({"highway": "footway", "access": "no", "foot": "yes"})
    assert not walking.is_walkable({"highway": "footway", "access": "private"})
    assert not walking.is_walkable({"highway": "primary", "foot": "no"})
    assert not walking.is_walkable({"highway": "trunk"})
    assert not walking.is_walkable({"building": "yes"})


def test_a_blocked_shortcut_puts_a_home_out_of_walking_reach(tmp_path):
    network, site, homes, _ = _osm_points()
    common = dict(source=plan.SOURCE_VENUES, radius_m=800.0, venues=site)
    straight = plan.choose_sites(plan.prepare(homes, "msoa", **common), 1, 800.0)
    walked_inputs = plan.prepare(homes, "msoa", network=network, **common)
    walked = plan.choose_sites(walked_inputs, 1, 800.0)
    assert straight.result.total_reached == pytest.approx(70.0)
    # 500 m as the crow flies but 1,300 m round the streets: out of an 800 m walk
    assert walked.result.total_reached == pytest.approx(20.0)
    distances = walked_inputs.distances(site, 800.0)
    assert np.isinf(distances[0, 0]) and distances[1, 0] == pytest.approx(400, abs=5)
    assert walked.uses_network and walking.OSM_ATTRIBUTION in walked.distance_note
    # only S and the north-west corner are within 800 m: a line, so the map draws a circle
    assert walked.catchments == {}
    # open the short cut and the home is back in reach (about 500 m)
    opened = tmp_path / "open_shortcut.osm"
    opened.write_text(OSM.read_text().replace('<tag k="access" v="no"/>', ""))
    open_network = walking.read_osm(opened)
    reopened = plan.choose_sites(
        plan.prepare(homes, "msoa", network=open_network, **common), 1, 800.0
    )
    assert reopened.result.total_reached == pytest.approx(70.0)
    # a detour factor shrinks the straight-line reach: 500 m × 1.7 > 800 m
    detoured = plan.choose_sites(plan.prepare(homes, "msoa", detour=1.7, **common), 1, 800.0)
    assert detoured.result.total_reached == pytest.approx(20.0)
    assert "× 1.7" in detoured.distance_note


def test_catchment_outline_is_the_hull_of_reachable_nodes():
    network, site, _, _ = _osm_points()
    outlines = walking.catchment_outlines(network, site, 1000.0)
    assert len(outlines["S"]) == 3  # S, north-west and north-east corners (D is 1,300 m)
    assert walking.catchment_outlines(network, site, 100.0) == {}


def test_build_walk_network_writes_the_extract_and_the_planner_reads_it(
    extracts_dir, tmp_path, capsys
):
    assert plan_cli.read_walk_network(tmp_path) is None
    assert plan_cli.load_walk_network(str(OSM), tmp_path) == 0
    assert "© OpenStreetMap contributors, ODbL" in capsys.readouterr().err
    network = plan_cli.read_walk_network(tmp_path)
    assert len(network.nodes) == 4 and len(network.edges) == 3
    assert network.nodes["lon"].tolist() == walking.read_osm(OSM).nodes["lon"].tolist()
    assert plan_cli.load_walk_network(str(tmp_path / "missing.osm"), tmp_path) == 2
    assert "cannot read the walking network" in capsys.readouterr().err


# --- the command line ----------------------------------------------------------------------


def _run(capsys, *args):
    parser = argparse.ArgumentParser(prog="python -m equity")
    plan_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    code = plan_cli.run(parser.parse_args(["plan", *args]))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_spread_and_centroid_report_the_change(extracts_dir, capsys):
    code, out, err = _run(capsys, *CITY_50_PLUS, "--format", "csv", "--distance", "straight")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and list(rows[0])[0] == "site_id"
    assert {row["demand"] for row in rows} == {"spread (modelled)"}
    assert "age 50-64" in rows[0] and "ethnic group Asian" in rows[0]
    assert "ethnic detail Somali" in rows[0] and "language Main language English" in rows[0]
    assert "Centroid vs spread demand" in err and "Modelled spreading" in err
    assert plan.SPREAD_BADGE in err and "× 1.3" in err
    code, out, err = _run(
        capsys, *CITY_50_PLUS, "--format", "csv", "--demand", "centroid", "--distance", "straight"
    )
    assert code == 0 and "Centroid vs spread" not in err and plan.SPREAD_BADGE not in err
    assert {row["demand"] for row in csv.DictReader(io.StringIO(out))} == {"centroid"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--detour", "0.5"], "--detour must be between 1 and 3"),
        (["--distance", "network"], "no walking network is loaded"),
    ],
)
def test_cli_bad_walking_options_exit_2(extracts_dir, capsys, monkeypatch, tmp_path, args, message):
    monkeypatch.setattr(plan_cli, "read_walk_network", lambda folder=None: None)
    code, out, err = _run(capsys, *CITY_50_PLUS, *args)
    assert code == 2 and message in err and out == ""


def test_plan_csv_pipes_into_a_csv_reader(extracts_dir):
    command = [sys.executable, "-m", "equity", "plan", *CITY_50_PLUS, "--format", "csv"]
    planned = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert planned.returncode == 0, planned.stderr
    reader = subprocess.run(
        [sys.executable, "-c", "import csv,sys; rows = list(csv.DictReader(sys.stdin)); "
         "print(list(rows[0])[0], len(rows))"],
        input=planned.stdout, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert reader.returncode == 0 and reader.stdout.split() == ["site_id", "5"]


def test_reach_table_suppresses_small_group_counts():
    groups = pd.DataFrame(
        {
            "site_id": ["A", "A", "A"],
            "dimension": ["age_band", "age_band", "ethnic_detail"],
            "category": ["50-64", "65+", "Somali"],
            "people": [120.4, 3.2, 0.0],
        }
    )
    wide = presentation.composition_wide(groups).set_index("site_id")
    assert wide.loc["A", "age 50-64"] == 120
    assert np.isnan(wide.loc["A", "age 65+"])  # 1..7 is never shown
    assert wide.loc["A", "ethnic detail Somali"] == 0  # a true zero is shown


def test_bench_planner_spread_case(extracts_dir):
    from bench import run as bench_run

    case = bench_run.bench_planner_spread_case()
    assert case["status"] == "Optimal"
    assert case["demand_points"] > 5000  # postcodes, not 38 MSOA centroids
    assert 0 < case["reached"] and case["seconds"] > 0


def test_network_plan_map_draws_the_walking_isochrone():
    network, site, homes, _ = _osm_points()
    inputs = plan.prepare(homes, "msoa", plan.SOURCE_VENUES, 1000.0, venues=site, network=network)
    chosen = plan.choose_sites(inputs, 1, 1000.0)
    assert len(chosen.catchments["S"]) == 3
    deck = presentation.plan_deck(chosen)
    deck_json = deck.to_json()
    assert "walking_catchments" in deck_json
    # drawn on every rerun, serialised once: the same text as pydeck's own, not remade
    assert deck.to_json() is deck_json
    assert json.loads(deck_json) == json.loads(pdk.Deck.to_json(deck))
    tooltips = presentation.map_frames(chosen)["demand"]["tooltip"].tolist()
    assert "no chosen site within a 1,000 m walk" in tooltips[0]


def test_resident_groups_extract_matches_the_census_files(extracts_dir):
    from equity import config

    table = residents.resident_groups(config.SOURCES_DIR)
    stored = db.run_query("resident_groups")
    assert len(stored) == len(table)
    assert stored["residents"].sum() == pytest.approx(table["residents"].sum())
    census = pd.read_csv(config.SOURCES_DIR / "population" / "census21_age6_lsoa21_llr.csv")
    ages = table[table["dimension"].eq("age_band")]
    assert ages["residents"].sum() == pytest.approx(census["usual_residents"].sum())
    assert set(ages["category"]) == set(residents.AGE_BANDS)
    assert set(table.loc[table["dimension"].eq("ethnic_group"), "category"]) == {
        "Asian", "Black", "Mixed", "White", "Other",
    }  # fmt: skip
    assert table.loc[table["dimension"].eq("language"), "category"].nunique() == 5
    assert table.loc[table["dimension"].eq("language"), "area_type"].eq("msoa").all()
    somali = table[table["dimension"].eq("ethnic_detail")]
    assert somali["area_code"].str.startswith("E05").all() and somali["residents"].sum() > 1000


def test_plan_map_tooltips_name_reach_distance_and_suppress_small_counts():
    _, site, _, _ = _osm_points()
    homes = pd.DataFrame(
        {"area_code": ["A", "B", "C"], "area_name": ["Near", "Far and small", "Far and big"],
         "lon": [-1.1300, -1.0500, -1.0400], "lat": [52.6310, 52.6300, 52.6300],
         "people_missed": [50.0, 5.0, 1234.4]}
    )  # fmt: skip
    inputs = plan.prepare(homes, "msoa", plan.SOURCE_VENUES, 800.0, venues=site)
    chosen = plan.choose_sites(inputs, 1, 800.0)
    demand = presentation.map_frames(chosen)["demand"].set_index(
        chosen.result.demand["area_code"].to_numpy()
    )
    far_m = chosen.result.demand.set_index("area_code")["nearest_site_m"]
    assert demand.loc["A", "tooltip"] == "Near (A)\nPeople missed: 50\nWithin reach of: Site"
    assert demand.loc["B", "tooltip"] == (
        f"Far and small (B)\nPeople missed: {stats.SUPPRESSED_MARKER}\n"
        f"Not reached: nearest chosen site {far_m['B']:,.0f} m away"
    )
    # the plan's badges close every tooltip, from the deck's template, not each point's data
    template = _get_pydeck_tooltip(presentation.plan_deck(chosen))["text"]  # what is sent
    assert template == "{tooltip}" + "".join(f"\n⚠ {badge}" for badge in chosen.badges)
    assert demand.loc["C", "tooltip"].startswith("Far and big (C)\nPeople missed: 1,234\n")
    assert far_m["C"] > 5000 and f"{far_m['C']:,.0f} m away" in demand.loc["C", "tooltip"]
