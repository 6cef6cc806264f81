"""`python -m equity plan` and the glue behind it (equity.planner), on the built extracts.

Most tests call equity.planner.cli.run in-process (fast); one runs the real command line.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.elements.deck_gl_json_chart import _get_pydeck_tooltip

from bench import run as bench_run
from equity import db
from equity.planner import cli as plan_cli
from equity.planner import optimise, plan, presentation, venues

REPO = Path(__file__).resolve().parent.parent
HEADER = [
    "site_id",
    "site_name",
    "lat",
    "lon",
    "people_reached",
    "cumulative_reached",
    "share_of_missed",
]
REAL = ["--indicator", "covid_first_dose", "--age-band", "50+", "--date", "2021-03-25"]
CITY = ["--area", "E06000016"]
WYCLIFFE = "E05010478"  # the ward holding St Matthews & Highfields North
# These tests pin the area-centroid, straight-line model (the CLI's defaults are now spread
# demand and a 1.3 detour; tests/test_planner_demand.py covers those).
CENTROID_STRAIGHT = ["--demand", "centroid", "--detour", "1", "--distance", "straight"]


def run_plan(capsys, *args: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="python -m equity")
    plan_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    code = plan_cli.run(parser.parse_args(["plan", *args, *CENTROID_STRAIGHT]))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sites_from(stdout: str) -> pd.DataFrame:
    """The CSV on stdout (plain CSV: no note or badge lines)."""
    return pd.read_csv(io.StringIO(stdout), dtype={"site_id": str})


def people_missed_rows(area: str = "E06000016", level: str = "msoa", **group) -> pd.DataFrame:
    wards = db.run_query("areas_of_type", area_type="ward", la_code=None)
    where = plan.area_filter(area, level, dict(zip(wards["area_code"], wards["la_code"])))
    params = plan.demand_query_params(
        group.pop("indicator_id", "covid_first_dose"),
        group.pop("on_or_before", date(2021, 3, 25)),
        level,
        where,
        **{"age_band": "50+", **group},
    )
    return db.run_query("people_missed_by_area", **params)


# --- the command -------------------------------------------------------------------------


def test_csv_has_the_header_and_one_row_per_site(extracts_dir, capsys):
    code, out, err = run_plan(
        capsys, *REAL, *CITY, "--sites", "practices", "--p", "5", "--radius-m", "800",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    sites = sites_from(out)
    assert list(sites.columns)[: len(HEADER)] == HEADER
    assert len(sites) == 5 and sites["site_id"].is_unique
    practices = venues.read_practice_sites()
    assert set(sites["site_id"]) <= set(practices["org_code"])
    assert sites["cumulative_reached"].tolist() == sites["people_reached"].cumsum().tolist()
    assert sites["share_of_missed"].is_monotonic_increasing
    assert 0 < sites["share_of_missed"].iloc[-1] <= 1
    assert sites["lat"].between(52.5, 52.8).all() and sites["lon"].between(-1.3, -0.9).all()
    # The share is of everyone missed in the city, which the query can tell independently.
    total_missed = people_missed_rows()["people_missed"].sum()
    expected_share = sites["cumulative_reached"].iloc[-1] / total_missed
    assert sites["share_of_missed"].iloc[-1] == pytest.approx(expected_share, abs=1e-3)
    assert "not population-weighted" in err and "Optimal" in err and "EPSG:27700" in err


def test_reach_never_decreases_as_p_grows(extracts_dir, capsys):
    reached = []
    for p in range(1, 7):
        code, out, err = run_plan(capsys, *REAL, *CITY, "--p", str(p), "--format", "csv")
        assert code == 0, err
        sites = sites_from(out)
        assert len(sites) == p
        reached.append(sites["cumulative_reached"].iloc[-1])
    assert all(later >= earlier for earlier, later in zip(reached, reached[1:]))
    assert reached[-1] > reached[0]


def test_p_equal_to_the_candidates_covers_every_coverable_point(extracts_dir, capsys):
    rows = people_missed_rows()
    practices = venues.read_practice_sites()
    inputs = plan.prepare(rows, "msoa", "practices", 800.0, practices=practices)
    n_candidates = len(inputs.candidates)

    # Independently: people missed in MSOAs with any located practice within 800 m.
    located = practices.dropna(subset=["easting", "northing"])
    easting, northing = optimise.to_bng(rows["lon"], rows["lat"])
    coverable = sum(
        missed
        for e, n, missed in zip(easting, northing, rows["people_missed"])
        if any(
            math.hypot(e - pe, n - pn) <= 800.0
            for pe, pn in zip(located["easting"], located["northing"])
        )
    )
    code, out, err = run_plan(capsys, *REAL, *CITY, "--p", str(n_candidates), "--format", "csv")
    assert code == 0, err
    sites = sites_from(out)
    assert len(sites) == n_candidates
    assert sites["cumulative_reached"].iloc[-1] == pytest.approx(coverable, abs=1.0)
    assert coverable < rows["people_missed"].sum()  # some MSOAs really are out of reach


def test_centroids_in_a_ward_reach_everyone_when_every_centroid_is_chosen(extracts_dir, capsys):
    demo = ["--indicator", "covid_first_dose_demo", "--age-band", "50+"]
    rows = people_missed_rows(
        WYCLIFFE, "lsoa", indicator_id="covid_first_dose_demo", on_or_before=date.max
    )
    assert len(rows) >= 4 and set(rows["ward_code"]) == {WYCLIFFE}
    code, out, err = run_plan(
        capsys, *demo, "--area", WYCLIFFE, "--sites", "centroids", "--p", str(len(rows)),
        "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("site_id,") and "note: SYNTHETIC DEMO DATA" in err
    sites = sites_from(out)
    assert set(sites["site_id"]) == set(rows["area_code"])
    assert sites["share_of_missed"].iloc[-1] == 1.0


def test_somali_group_on_the_demo_and_must_keep(extracts_dir, capsys):
    somali = ["--indicator", "covid_first_dose_demo", "--age-band", "50+", "--ethnic-group",
              "Somali", "--format", "csv"]  # fmt: skip
    code, out, _ = run_plan(capsys, *somali, "--p", "1")
    assert code == 0
    best = sites_from(out)["site_id"].iloc[0]
    rows = people_missed_rows(indicator_id="covid_first_dose_demo", level="lsoa",
                              on_or_before=date.max, ethnic_group="Somali")  # fmt: skip
    inputs = plan.prepare(rows, "lsoa", "practices", 800.0,
                                 practices=venues.read_practice_sites())  # fmt: skip
    other = next(site for site in inputs.candidates["site_id"] if site != best)
    code, out, err = run_plan(capsys, *somali, "--p", "2", "--must-keep", other)
    assert code == 0, err
    sites = sites_from(out)
    assert sites["site_id"].tolist()[0] == other and len(sites) == 2


def test_a_ward_on_msoa_data_says_it_needs_lsoa_data(extracts_dir, capsys):
    code, out, err = run_plan(capsys, *REAL, "--area", WYCLIFFE, "--p", "2", "--format", "csv")
    assert code == 0
    assert "needs LSOA-level data" in err
    assert len(sites_from(out)) == 2


def venue_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "venues.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_good_venues_file_is_used_instead_of_practices(extracts_dir, capsys, tmp_path):
    path = venue_file(
        tmp_path,
        "name,latitude,longitude,postcode\n"
        "Highfields Centre,52.6337,-1.1171,\n"
        "Clock Tower,52.6366,-1.1332,\n"
        "Market hall,,,LE1 1AA\n"
        "Far away hall,52.48,-0.92,\n",
    )
    code, out, err = run_plan(capsys, *REAL, *CITY, "--venues", path, "--p", "2", "--format", "csv")
    assert code == 0, err
    sites = sites_from(out)
    assert list(sites.columns)[: len(HEADER)] == HEADER
    assert sites["site_id"].str.startswith("venue-").all()
    assert set(sites["site_name"]) <= {"Highfields Centre", "Clock Tower", "Market hall"}
    assert sites["people_reached"].iloc[0] > 0
    assert "1 of 4 venues" in err


def test_a_bad_venues_file_exits_2_with_row_and_column(extracts_dir, capsys, tmp_path):
    path = venue_file(
        tmp_path,
        "name,latitude,longitude\nHighfields Centre,52.6337,-1.1171\nClock Tower,north,-1.1332\n",
    )
    code, out, err = run_plan(capsys, *REAL, *CITY, "--venues", path, "--format", "csv")
    assert code == 2
    assert out == ""
    assert "row 3, column latitude" in err and "not a number" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "no_such_indicator"], "unknown indicator 'no_such_indicator'"),
        ([*REAL, "--ethnic-group", "Somali"], "--ethnic-group 'Somali' is not available"),
        ([*REAL, "--area", "E99999999"], "is not an area of interest"),
        ([*REAL, "--p", "0"], "--p must be at least 1"),
        ([*REAL, "--sites", "venues"], "--sites venues needs --venues"),
        ([*REAL, "--venues", "/no/such/venues.csv"], "/no/such/venues.csv: file not found"),
        (["--indicator", "life_expectancy_practice"], "no counts by LSOA, MSOA or ward"),
    ],
)
def test_bad_requests_exit_2_with_a_message(extracts_dir, capsys, args, message):
    code, out, err = run_plan(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


def test_the_command_line_entry_point(extracts_dir):
    """`python -m equity plan` is registered (equity.planner.cli add_parser and run)."""
    result = subprocess.run(
        [sys.executable, "-m", "equity", "plan", *REAL, *CITY, "--sites", "practices",
         "--p", "5", "--radius-m", "800", "--format", "csv", *CENTROID_STRAIGHT],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sites = sites_from(result.stdout)
    assert list(sites.columns)[: len(HEADER)] == HEADER and len(sites) == 5


def test_csv_on_stdout_is_plain_and_notes_go_to_stderr(extracts_dir):
    """`plan --format csv | python -c "...csv.DictReader..."` reads sites; notes on stderr."""
    demo = ["--indicator", "covid_first_dose_demo", "--age-band", "50+", "--p", "3"]
    result = subprocess.run(
        [sys.executable, "-m", "equity", "plan", *demo, "--format", "csv", *CENTROID_STRAIGHT],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    rows = list(reader)
    assert reader.fieldnames[: len(HEADER)] == HEADER and len(rows) == 3
    assert not any(line.startswith(("#", "note")) for line in result.stdout.splitlines())
    assert "note: SYNTHETIC DEMO DATA" in result.stderr and "Solver status" in result.stderr
    piped = subprocess.run(
        [sys.executable, "-c", "import csv,sys; print(csv.DictReader(sys.stdin).fieldnames[0])"],
        input=result.stdout, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert piped.stdout.strip() == "site_id"


# --- the pure glue -------------------------------------------------------------------------


def test_area_filter():
    wards = {WYCLIFFE: "E06000016"}
    assert plan.area_filter("all", "msoa", wards) == plan.AreaFilter(None, None)
    assert plan.area_filter("LLR", "lsoa", wards) == plan.AreaFilter(None, None)
    assert plan.area_filter("E07000130", "msoa", wards).la_code == "E07000130"
    assert plan.area_filter(WYCLIFFE, "lsoa", wards) == plan.AreaFilter(None, WYCLIFFE)
    msoa = plan.area_filter(WYCLIFFE, "msoa", wards)
    assert (msoa.la_code, msoa.ward_code) == ("E06000016", None)
    assert "needs LSOA-level data" in msoa.note
    with pytest.raises(plan.PlanInputError):
        plan.area_filter("E05999999", "lsoa", wards)


def test_demand_level_prefers_the_smallest_areas():
    assert plan.demand_level(["la", "msoa", "ward", "lsoa"]) == "lsoa"
    assert plan.demand_level(["la", "msoa11", "msoa", "ward"]) == "msoa"
    assert plan.demand_level(["practice", "la"]) is None


def small_plan(people: list[float]) -> plan.Plan:
    """Demand points 100 m apart eastwards; candidates on each point."""
    n = len(people)
    easting = 460000 + 2000 * np.arange(n)
    lon, lat = optimise.from_bng(easting, np.full(n, 304000.0))
    rows = pd.DataFrame(
        {
            "area_code": [f"E0100000{i}" for i in range(n)],
            "area_name": [f"Area {i}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "people_missed": people,
            "imd_quintile": 1,
            "is_synthetic": True,
            "is_modelled": True,
        }
    )
    return plan.make_plan(rows, "lsoa", "centroids", p=n, radius_m=800.0)


def test_small_counts_are_suppressed_in_tables_and_tooltips():
    chosen = small_plan([120.0, 5.0, 60.0])
    sites = presentation.site_table(chosen.result).set_index("site_name")
    assert sites.loc["Area 0", "people_reached"] == 120
    assert math.isnan(sites.loc["Area 1", "people_reached"])
    assert math.isnan(sites.loc["Area 1", "share_of_missed"])
    greedy = presentation.greedy_table(chosen.result)
    assert not (greedy["marginal_reached"].between(1, 7)).any()
    tooltips = " ".join(presentation.map_frames(chosen)["demand"]["tooltip"])
    assert "People missed: *" in tooltips and "People missed: 5\n" not in tooltips
    assert "SYNTHETIC DEMO DATA" in _get_pydeck_tooltip(presentation.plan_deck(chosen))["text"]
    shown = presentation.sites_display(presentation.site_table(chosen.result), chosen.badges)
    assert "5" not in shown["People reached"].tolist()


def test_headline_states_the_finding():
    chosen = small_plan([100.0, 50.0, 50.0])
    text = presentation.headline(chosen, "50+", "All", "Somali", "vaccination", "Wycliffe ward")
    assert text == (
        "3 sites within 800 m reach 100% of Somali people aged 50+ not yet vaccinated "
        "in Wycliffe ward"
    )


def test_parse_site_list():
    assert plan.parse_site_list(" C82037, ,C82651,C82037") == ["C82037", "C82651"]
    assert plan.parse_site_list("") == []


def test_bench_planner_case():
    result = bench_run.bench_planner_case(seed=1)
    assert result["status"] == "Optimal"
    assert result["reached"] > 0 and 0 < result["seconds"] < 60
    assert bench_run.bench_planner_case(seed=1)["reached"] == result["reached"]
