"""Pop-up clinic planner: optimality against brute force, coverage bookkeeping, venue files."""

from __future__ import annotations

import io
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest

from equity import config, db
from equity.planner import optimise, plan, venues

FIXTURES = Path(__file__).resolve().parent / "data" / "planner"
RADIUS = 800.0
PRACTICES_CSV = config.SOURCES_DIR / "gp" / "gp_practices_llr_active_geocoded.csv"


# --- helpers -----------------------------------------------------------------------------


def random_instance(seed: int, n_demand: int, n_candidates: int, side_m: float = 3000.0):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame(
        {
            "easting": 450000 + rng.uniform(0, side_m, n_demand),
            "northing": 300000 + rng.uniform(0, side_m, n_demand),
            "weight": rng.integers(0, 60, n_demand).astype(float),
        }
    )
    candidates = candidate_frame(
        450000 + rng.uniform(0, side_m, n_candidates),
        300000 + rng.uniform(0, side_m, n_candidates),
    )
    return demand, candidates


def candidate_frame(eastings, northings) -> pd.DataFrame:
    n = len(eastings)
    return pd.DataFrame(
        {
            "site_id": [f"s{i}" for i in range(n)],
            "site_name": [f"Site {i}" for i in range(n)],
            "lon": np.zeros(n),
            "lat": np.zeros(n),
            "easting": np.asarray(eastings, dtype=float),
            "northing": np.asarray(northings, dtype=float),
            "source": "test",
        }
    )


def covered_by(demand, candidates, site_ids) -> np.ndarray:
    """Independent straight-line coverage check with math.hypot."""
    chosen = candidates[candidates["site_id"].isin(site_ids)]
    return np.array(
        [
            any(
                math.hypot(d.easting - c.easting, d.northing - c.northing) <= RADIUS
                for c in chosen.itertuples()
            )
            for d in demand.itertuples()
        ]
    )


def brute_force_best(demand, candidates, p, must_keep=()) -> float:
    best = -1.0
    for subset in itertools.combinations(candidates["site_id"], p):
        if not set(must_keep) <= set(subset):
            continue
        reach = demand["weight"][covered_by(demand, candidates, subset)].sum()
        best = max(best, float(reach))
    return best


@pytest.fixture(scope="module")
def codepoint(extracts_dir) -> pd.DataFrame:
    return venues.read_postcodes()


@pytest.fixture(scope="module")
def practices() -> pd.DataFrame:
    """The shipped geocoded practice list (134 active practices, 3 without coordinates): an
    independent reference for the extracts' practice sites and postcodes."""
    return pd.read_csv(PRACTICES_CSV, dtype={"org_code": str, "name": str, "postcode": str})


# --- optimisation ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_mclp_matches_brute_force_optimum(seed):
    demand, candidates = random_instance(seed, n_demand=8, n_candidates=6)
    for p in range(1, 5):
        result = optimise.plan_sites(demand, candidates, p, radius_m=RADIUS)
        assert result.solver_status == "Optimal"
        assert len(result.sites) == p
        assert result.weight_reached == pytest.approx(brute_force_best(demand, candidates, p))


@pytest.mark.parametrize("seed", range(6))
def test_mclp_reaches_what_spopts_mclp_reaches(seed):
    # Too big for brute force: spopt's MCLP (the library the model was first built with)
    # is the reference for the covered weight, with and without a forced site.
    import warnings

    from spopt.locate import MCLP

    demand, candidates = random_instance(seed, n_demand=400, n_candidates=45, side_m=6000.0)
    distances = optimise.coverage_matrix(demand, candidates, RADIUS)
    cost = np.where(distances, 0.0, 2 * RADIUS)
    forced = np.zeros(len(candidates), dtype=int)
    forced[seed] = 1
    for p, predefined in ((3, None), (6, forced)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            reference = MCLP.from_cost_matrix(
                cost,
                demand["weight"].to_numpy(),
                service_radius=RADIUS,
                p_facilities=p,
                predefined_facilities_arr=predefined,
            )
            reference.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
        must_keep = [] if predefined is None else [candidates["site_id"].iat[seed]]
        result = optimise.plan_sites(demand, candidates, p, radius_m=RADIUS, must_keep=must_keep)
        assert result.solver_status == "Optimal" and len(result.sites) == p
        assert set(must_keep) <= set(result.sites["site_id"])
        assert result.weight_reached == pytest.approx(pulp.value(reference.problem.objective))


def test_exact_optimum_beats_greedy_on_a_known_trap():
    # On a line: the middle site alone reaches most (6 + 6), but the two outer sites
    # together reach everyone (5 + 6 + 6 + 5). Greedy takes the middle one first.
    demand = pd.DataFrame(
        {
            "easting": [0.0, 1000.0, 1600.0, 2600.0],
            "northing": [0.0] * 4,
            "weight": [5.0, 6.0, 6.0, 5.0],
        }
    )
    candidates = candidate_frame([500.0, 1300.0, 2100.0], [0.0] * 3)
    greedy = optimise.greedy_order(demand, candidates, RADIUS, k=2)
    assert greedy["site_id"].tolist() == ["s1", "s0"]
    assert greedy["cumulative_reached"].iat[-1] == 17.0
    result = optimise.plan_sites(demand, candidates, 2, radius_m=RADIUS)
    assert set(result.sites["site_id"]) == {"s0", "s2"}
    assert result.total_reached == 22.0


@pytest.mark.parametrize("seed", [11, 12])
def test_must_keep_sites_are_chosen_and_rest_is_optimal(seed):
    demand, candidates = random_instance(seed, n_demand=8, n_candidates=6)
    # Force the site that reaches least on its own, so the optimiser would not pick it.
    solo = [
        demand["weight"][covered_by(demand, candidates, [site])].sum()
        for site in candidates["site_id"]
    ]
    weakest = candidates["site_id"].iat[int(np.argmin(solo))]
    result = optimise.plan_sites(demand, candidates, 2, radius_m=RADIUS, must_keep=[weakest])
    assert weakest in set(result.sites["site_id"])
    assert result.sites.set_index("site_id").loc[weakest, "must_keep"]
    assert result.sites["must_keep"].sum() == 1
    expected = brute_force_best(demand, candidates, 2, must_keep=[weakest])
    assert result.weight_reached == pytest.approx(expected)
    assert result.greedy["site_id"].iat[0] == weakest


def test_reach_never_decreases_as_p_grows():
    demand, candidates = random_instance(7, n_demand=60, n_candidates=20, side_m=5000)
    reaches = [
        optimise.plan_sites(demand, candidates, p, radius_m=RADIUS).weight_reached
        for p in range(1, 9)
    ]
    assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(reaches))
    assert reaches[-1] > reaches[0]
    # Greedy can never beat the exact optimum with the same number of sites.
    greedy = optimise.greedy_order(demand, candidates, RADIUS, k=8)
    greedy_cumulative = greedy["marginal_weighted"].cumsum().to_numpy()
    assert all(g <= r + 1e-9 for g, r in zip(greedy_cumulative, reaches, strict=True))


def test_all_candidates_cover_every_coverable_point():
    demand, candidates = random_instance(3, n_demand=40, n_candidates=10, side_m=6000)
    result = optimise.plan_sites(demand, candidates, len(candidates), radius_m=RADIUS)
    coverable = covered_by(demand, candidates, candidates["site_id"])
    assert not coverable.all(), "instance should have some unreachable points"
    assert (result.demand["covered"].to_numpy() == coverable).all()
    assert (result.demand["coverable"].to_numpy() == coverable).all()
    assert result.total_reached == pytest.approx(demand["weight"][coverable].sum())
    assert result.coverable_missed == pytest.approx(result.total_reached)


@pytest.mark.parametrize("seed", range(3))
def test_site_rows_add_up_and_coverage_flags_match_chosen_sites(seed):
    demand, candidates = random_instance(seed, n_demand=50, n_candidates=15, side_m=5000)
    result = optimise.plan_sites(demand, candidates, 4, radius_m=RADIUS)
    sites = result.sites
    assert sites["order"].tolist() == [1, 2, 3, 4]
    assert sites["people_reached"].sum() == pytest.approx(result.total_reached)
    assert sites["cumulative_reached"].is_monotonic_increasing
    assert sites["share_of_missed"].iat[-1] == pytest.approx(
        result.total_reached / demand["weight"].sum()
    )
    # Greedy order among the chosen: each site adds no more than the one before it.
    assert sites["weighted_reached"].is_monotonic_decreasing
    expected = covered_by(demand, candidates, sites["site_id"])
    assert (result.demand["covered"].to_numpy() == expected).all()
    covering = result.demand["covering_site_id"]
    assert covering[~expected].isna().all()
    assert set(covering[expected]) <= set(sites["site_id"])
    assert ((result.demand["nearest_site_m"] <= RADIUS) == expected).all()


def test_people_reached_is_first_assigned_in_greedy_order():
    # A (10 people) is within reach of both sites, B (5) only of s1, C (3) only of s0.
    candidates = candidate_frame([0.0, 1000.0], [0.0, 0.0])
    demand = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "easting": [500.0, 1700.0, -700.0],
            "northing": [0.0, 0.0, 0.0],
            "weight": [10.0, 5.0, 3.0],
        }
    )
    result = optimise.plan_sites(demand, candidates, 2, radius_m=RADIUS)
    assert result.sites["site_id"].tolist() == ["s1", "s0"]
    assert result.sites["people_reached"].tolist() == [15.0, 3.0]
    assert result.sites["cumulative_reached"].tolist() == [15.0, 18.0]
    assert result.demand["covering_site_id"].tolist() == ["s1", "s1", "s0"]
    assert result.share_reached == pytest.approx(1.0)


def test_core20_weight_changes_the_choice_but_people_are_reported_unweighted():
    areas = pd.DataFrame(
        {
            "area_code": ["E01000001", "E01000002"],
            "area_name": ["Deprived", "Less deprived"],
            "lon": [-1.13, -1.10],
            "lat": [52.63, 52.63],
            "people_missed": [10, 15],
            "imd_quintile": [1, 4],
        }
    )
    points_even, _ = plan.demand_points(areas, core20_weight=1.0)
    points_core20, _ = plan.demand_points(areas, core20_weight=2.0)
    # One candidate on each demand point; the two are ~2 km apart.
    candidates = candidate_frame(points_even["easting"], points_even["northing"])

    even = optimise.plan_sites(points_even, candidates, 1)
    weighted = optimise.plan_sites(points_core20, candidates, 1)
    assert even.sites["site_id"].tolist() == ["s1"]
    assert weighted.sites["site_id"].tolist() == ["s0"]
    assert weighted.sites["people_reached"].iat[0] == 10
    assert weighted.sites["weighted_reached"].iat[0] == 20
    assert weighted.sites["core20_people_reached"].iat[0] == 10
    assert even.sites["core20_people_reached"].iat[0] == 0
    assert weighted.total_missed == 25


def test_greedy_order_stops_when_no_site_adds_anyone():
    candidates = candidate_frame([0.0, 100.0, 5000.0], [0.0, 0.0, 0.0])
    demand = pd.DataFrame({"easting": [50.0, 900.0], "northing": [0.0, 0.0], "weight": [4.0, 6.0]})
    greedy = optimise.greedy_order(demand, candidates, RADIUS)
    # s1 reaches both points; nobody is left for s0 or the far-away s2.
    assert greedy["site_id"].tolist() == ["s1"]
    assert greedy["marginal_reached"].tolist() == [10.0]
    assert greedy["share_of_missed"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": 7}, "only 6 candidates"),
        ({"p": 0}, "whole number"),
        ({"p": 2, "must_keep": ["nope"]}, "not among the candidates"),
        ({"p": 1, "must_keep": ["s0", "s1"]}, "2 must-keep sites"),
        ({"p": 2, "radius_m": -5}, "positive number of metres"),
    ],
)
def test_plan_sites_refuses_bad_requests(kwargs, message):
    demand, candidates = random_instance(0, n_demand=8, n_candidates=6)
    with pytest.raises(ValueError, match=message):
        optimise.plan_sites(demand, candidates, **kwargs)


def test_duplicate_site_ids_are_refused():
    first = candidate_frame([0.0], [0.0])
    with pytest.raises(ValueError, match="unique"):
        venues.combine_candidates(first, first)


# --- demand and candidates ---------------------------------------------------------------


def test_to_bng_agrees_with_the_practice_file(practices):
    located = practices.dropna(subset=["lon", "lat"])
    easting, northing = optimise.to_bng(located["lon"], located["lat"])
    # The file's lon/lat were derived from Code-Point eastings/northings (6 decimals).
    assert np.abs(easting - located["easting"]).max() < 1.0
    assert np.abs(northing - located["northing"]).max() < 1.0
    lon, _lat = optimise.from_bng(located["easting"], located["northing"])
    assert np.abs(lon - located["lon"]).max() < 1e-5


def test_transforms_from_many_threads_share_one_projection_thread(monkeypatch):
    # Streamlit reruns each on a new thread; pyproj builds its pipeline per thread (~70 ms),
    # so every transform must run on the one long-lived projection thread, with one answer.
    import threading

    from pyproj import Transformer

    seen_threads = set()
    original = Transformer.transform

    def recording(self, *args, **kwargs):
        seen_threads.add(threading.get_ident())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Transformer, "transform", recording)
    answers = []

    def in_a_rerun_thread():
        easting, northing = optimise.to_bng([-1.13, -1.10], [52.63, 52.64])
        answers.append((tuple(easting.round(3)), tuple(optimise.from_bng(easting, northing)[0])))

    reruns = [threading.Thread(target=in_a_rerun_thread) for _ in range(4)]
    for rerun in reruns:
        rerun.start()
    for rerun in reruns:
        rerun.join()
    assert len(answers) == 4 and len(set(answers)) == 1
    assert answers[0][1] == pytest.approx((-1.13, -1.10))
    assert len(seen_threads) == 1 and threading.get_ident() not in seen_threads


def test_demand_points_weight_rule():
    areas = pd.DataFrame(
        {
            "area_code": ["a", "b", "c"],
            "area_name": ["A", "B", "C"],
            "lon": [-1.1, -1.2, -1.3],
            "lat": [52.6, 52.6, 52.6],
            "people_missed": [100, 40, -3],
            "imd_quintile": [1, 3, 1],
        }
    )
    points, rule = plan.demand_points(areas, core20_weight=1.5)
    assert points["weight"].tolist() == [150.0, 40.0, 0.0]
    assert points["people_missed"].tolist() == [100.0, 40.0, 0.0]
    assert points["is_core20"].tolist() == [True, False, True]
    assert "1.5 times" in rule and "IMD quintile 1" in rule
    _, even_rule = plan.demand_points(areas, core20_weight=1.0)
    assert "counts once" in even_rule and "quintile" not in even_rule
    with pytest.raises(ValueError, match="core20_weight"):
        plan.demand_points(areas, core20_weight=0.5)


def test_practice_candidates_skip_the_three_without_coordinates(practices):
    candidates, skipped = venues.practice_candidates(practices)
    assert len(candidates) == len(practices) - 3
    assert list(candidates.columns) == optimise.CANDIDATE_COLUMNS
    assert candidates[["easting", "northing", "lon", "lat"]].notna().all().all()
    assert candidates["site_id"].is_unique
    assert len(skipped) == 3
    for org_code in ("C82007", "C82017", "C83653"):
        assert any(org_code in reason and "no coordinates" in reason for reason in skipped)


def test_centroid_candidates():
    areas = pd.DataFrame(
        {
            "area_code": ["E01000001", "E01000002"],
            "area_name": ["One", "Two"],
            "lon": [-1.13, None],
            "lat": [52.63, None],
        }
    )
    candidates, skipped = venues.centroid_candidates(areas)
    assert candidates["site_id"].tolist() == ["E01000001"]
    assert candidates["source"].tolist() == [venues.SOURCE_CENTROID]
    assert 440000 < candidates["easting"].iat[0] < 480000
    assert skipped == ["E01000002 Two: skipped — no centroid"]


# --- venue files -------------------------------------------------------------------------


def venue_problems(name: str, codepoint, **kwargs) -> list[str]:
    with pytest.raises(venues.VenueFileError) as raised:
        venues.read_venues(FIXTURES / name, codepoint, **kwargs)
    return raised.value.problems


def test_venues_with_latitude_and_longitude(codepoint, practices):
    found = venues.read_venues(FIXTURES / "venues_latlon.csv", codepoint)
    assert found["site_name"].tolist() == [
        "Kibworth Village Hall",
        "Countesthorpe Centre, Main Hall",
    ]
    assert found["site_id"].tolist() == ["venue-2", "venue-3"]
    assert list(found.columns) == optimise.CANDIDATE_COLUMNS
    # The coordinates are those of practices C82001 and C82002.
    expected = practices.set_index("org_code").loc[["C82001", "C82002"]]
    assert np.allclose(found["easting"], expected["easting"], atol=1.0)
    assert np.allclose(found["northing"], expected["northing"], atol=1.0)


def test_venues_with_postcodes(codepoint, practices):
    found = venues.read_venues(FIXTURES / "venues_postcodes.csv", codepoint)
    assert len(found) == 2  # the trailing blank line is not a venue
    # "le8  0lg" and "LE16 9BX" are the postcodes of practices C82001 and C82009.
    expected = practices.set_index("org_code").loc[["C82001", "C82009"]]
    assert found["easting"].tolist() == expected["easting"].astype(float).tolist()
    assert found["northing"].tolist() == expected["northing"].astype(float).tolist()
    assert np.allclose(found["lat"], expected["lat"], atol=1e-5)


def test_venues_from_an_uploaded_buffer_use_its_name(codepoint):
    buffer = io.BytesIO(b"name,postcode\nHall,LE2 0TA\n")
    buffer.name = "upload.csv"
    found = venues.read_venues(buffer, codepoint)
    assert found["site_name"].tolist() == ["Hall"]
    with pytest.raises(venues.VenueFileError) as raised:
        venues.read_venues(b"name,postcode\n=1+1,LE2 0TA\n", codepoint, filename="mine.csv")
    assert raised.value.problems[0].startswith("mine.csv, row 2, column name:")


def test_missing_name_column(codepoint):
    problems = venue_problems("bad_missing_name_column.csv", codepoint)
    assert len(problems) == 1
    assert problems[0].startswith('bad_missing_name_column.csv, row 1: no "name" column')
    assert " — add a column headed" in problems[0]


def test_unknown_postcode(codepoint):
    assert "LE1 9ZZ" not in set(codepoint["postcode"])
    problems = venue_problems("bad_unknown_postcode.csv", codepoint)
    assert problems == [
        (
            "bad_unknown_postcode.csv, row 4, column postcode: postcode LE1 9ZZ is not in "
            "the postcode list (OS Code-Point Open, LE postcodes only) — check it, or give "
            "latitude and longitude instead"
        )
    ]


def test_coordinates_outside_great_britain(codepoint):
    problems = venue_problems("bad_outside_gb.csv", codepoint)
    assert len(problems) == 2
    assert problems[0].startswith(
        "bad_outside_gb.csv, row 4, column latitude: latitude 48.8566 is outside Great Britain"
    )
    assert problems[1].startswith(
        "bad_outside_gb.csv, row 4, column longitude: longitude 2.3522 is outside"
    )
    assert all(" — check the venue's coordinates" in problem for problem in problems)


def test_swapped_coordinates_get_a_hint(codepoint):
    with pytest.raises(venues.VenueFileError) as raised:
        venues.read_venues(
            b"name,latitude,longitude\nHall,-1.13,52.63\n", codepoint, filename="v.csv"
        )
    assert "look swapped" in raised.value.problems[0]


def test_non_numeric_latitude(codepoint):
    problems = venue_problems("bad_non_numeric.csv", codepoint)
    assert problems == [
        (
            'bad_non_numeric.csv, row 2, column latitude: "fifty-two" is not a number '
            "— type the latitude in decimal degrees, e.g. 52.6369"
        )
    ]


def test_empty_file(codepoint):
    problems = venue_problems("bad_empty.csv", codepoint)
    assert problems[0].startswith("bad_empty.csv: file is empty (0 bytes) — ")


def test_header_only(codepoint):
    problems = venue_problems("bad_header_only.csv", codepoint)
    assert problems == [
        "bad_header_only.csv: no venue rows under the header — add one row per venue"
    ]


def test_not_utf8(codepoint):
    # The latin-1 "é" is in row 3, column C, after a quoted name containing a comma.
    problems = venue_problems("bad_latin1.csv", codepoint)
    assert problems == [
        (
            "bad_latin1.csv, row 3, column notes: byte 0xE9 ('é' in Windows-1252 (latin-1)) is "
            "not UTF-8: the file is saved as Windows-1252 (latin-1), not UTF-8 — re-save it as "
            "UTF-8: in Excel use Save As > 'CSV UTF-8 (Comma delimited)'; in a text editor "
            "choose encoding UTF-8"
        )
    ]


def test_formula_injection_in_name(codepoint):
    problems = venue_problems("bad_formula.csv", codepoint)
    assert len(problems) == 1
    assert problems[0].startswith(
        "bad_formula.csv, row 3, column name: the name starts with '=', which "
        "spreadsheets run as a formula (formula injection) — "
    )
    assert "HYPERLINK" not in problems[0]


def test_oversize_file(codepoint):
    problems = venue_problems("venues_latlon.csv", codepoint, max_bytes=50)
    assert problems == [
        (
            "venues_latlon.csv: file is 120 bytes, over the 50 bytes limit — keep only the "
            "name and location columns, or split it into smaller files"
        )
    ]
    big = b"name,postcode\n" + b"Hall,LE2 0TA\n" * 420_000  # about 5.5 MB
    with pytest.raises(venues.VenueFileError, match="5.0 MB limit"):
        venues.read_venues(big, codepoint, filename="big.csv")


def test_many_problems_are_capped_at_twenty_with_a_count(codepoint):
    body = "".join(f"Hall {row},not a number,-1.1\n" for row in range(2, 32))
    with pytest.raises(venues.VenueFileError) as raised:
        venues.read_venues(("name,latitude,longitude\n" + body).encode(), codepoint, "v.csv")
    error = raised.value
    assert error.total_problems == 30
    assert len(error.problems) == 20
    assert error.problems[-1].startswith("v.csv, row 21, column latitude:")
    assert "and 10 more problems (30 in all)" in str(error)


@pytest.mark.parametrize(
    ("content", "expected_start"),
    [
        (
            b"name,latitude\nHall,52.6\n",
            'v.csv, row 1: a "latitude" column but no',
        ),
        (b"name,notes\nHall,x\n", "v.csv, row 1: no location columns"),
        (b"name;postcode\nHall;LE2 0TA\n", "v.csv, row 1: columns are separated by semicolons"),
        (
            b"name,postcode\nHall,LE2\n",
            'v.csv, row 2, column postcode: "LE2" is not a UK',
        ),
        (
            b"name,postcode\n,LE2 0TA\n",
            "v.csv, row 2, column name: the name is blank",
        ),
        (b"name,postcode\nHall,\n", "v.csv, row 2, column postcode: no location"),
        (
            b"name,postcode\nHall,LE2 0TA,extra\n",
            "v.csv, row 2: row has 3 cells but the header has 2",
        ),
    ],
)
def test_other_bad_rows(codepoint, content, expected_start):
    with pytest.raises(venues.VenueFileError) as raised:
        venues.read_venues(content, codepoint, filename="v.csv")
    assert raised.value.problems[0].startswith(expected_start)


def test_normalise_postcode():
    assert venues.normalise_postcode(" le2  0ta ") == "LE2 0TA"
    assert venues.normalise_postcode("LE100AA") == "LE10 0AA"


# --- inputs from the extracts ------------------------------------------------------------


def test_practice_sites_are_the_located_practices_of_the_shipped_list(extracts_dir, practices):
    sites = venues.read_practice_sites()
    located = practices.dropna(subset=["lon", "lat"]).set_index("org_code")
    assert sorted(sites["org_code"]) == sorted(located.index)
    sites = sites.set_index("org_code")
    assert np.allclose(sites["lon"], located.loc[sites.index, "lon"], atol=1e-6)
    # Eastings come from lon/lat at run time; the shipped file has Code-Point's metres.
    assert np.abs(sites["easting"] - located.loc[sites.index, "easting"]).max() < 1.0
    candidates, skipped = venues.practice_candidates(sites.reset_index())
    assert len(candidates) == len(located) and skipped == []


def test_postcodes_carry_their_point_and_lsoa(extracts_dir, codepoint):
    shipped = pd.read_csv(
        config.SOURCES_DIR / "gp" / "codepoint_open_2025-4_le.csv", usecols=["postcode"]
    )
    assert len(codepoint) == len(shipped) and codepoint["postcode"].is_unique
    lon, lat = optimise.from_bng(codepoint["easting"], codepoint["northing"])
    assert np.abs(lon - codepoint["lon"]).max() < 1e-5
    assert np.abs(lat - codepoint["lat"]).max() < 1e-5
    lsoas = set(db.run_query("areas_of_type", area_type="lsoa", la_code=None)["area_code"])
    inside = codepoint["lsoa_code"].dropna()
    assert set(inside) <= lsoas and len(inside) > 0.9 * len(codepoint)
    # LE1 1AA is in Leicester city centre (Code-Point ward E05010463, Castle).
    city = codepoint.set_index("postcode").loc["LE1 1AA", "lsoa_code"]
    areas = db.run_query("areas_of_type", area_type="lsoa", la_code="E06000016")
    assert city in set(areas["area_code"])


def test_areas_of_interest_put_the_city_first_then_llr_then_its_wards(extracts_dir):
    areas = plan.areas_of_interest(
        db.run_query("areas_of_type", area_type="la", la_code=None),
        db.run_query("areas_of_type", area_type="ward", la_code=None),
    )
    assert areas.codes[0] == config.CITY_CODE
    first_ward = areas.codes.index(plan.ALL_LLR) + 1
    assert set(areas.codes[: first_ward - 1]) == set(areas.la_names)
    wards = areas.codes[first_ward:]
    assert set(wards) == set(areas.ward_names) and len(wards) == len(set(wards))
    city = [code for code in wards if areas.ward_la[code] == config.CITY_CODE]
    assert wards[: len(city)] == city  # the city's wards first, by name
    assert [areas.ward_names[code] for code in city] == sorted(areas.ward_names[c] for c in city)
    assert set(areas.labels) == set(areas.codes)
    assert areas.labels[plan.ALL_LLR] == "All of LLR"
    assert areas.labels[city[0]] == f"{areas.ward_names[city[0]]} (ward, Leicester)"
    for code in areas.codes:  # every choice is one the planner plans for
        plan.area_filter(code, "lsoa", areas.ward_la)


def test_areas_of_interest_leave_out_authorities_outside_llr():
    authorities = pd.DataFrame(
        {
            "area_code": [config.CITY_CODE, "E06000271"],
            "area_name": ["Leicester", "Elsewhere"],
            "la_code": [config.CITY_CODE, "E06000271"],
        }
    )
    wards = pd.DataFrame(
        {
            "area_code": ["E05000001", "E05999999"],
            "area_name": ["A city ward", "A ward elsewhere"],
            "la_code": [config.CITY_CODE, "E06000271"],
        }
    )
    areas = plan.areas_of_interest(authorities, wards)
    assert areas.codes == [config.CITY_CODE, plan.ALL_LLR, "E05000001"]
    with pytest.raises(plan.PlanInputError, match="not an area of interest"):
        plan.area_filter("E06000271", "msoa", areas.ward_la)
