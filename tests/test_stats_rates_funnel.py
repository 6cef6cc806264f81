"""Crude rates, no-judgement comparison, funnel plots, recent trend and rank uncertainty.

Rates and funnel plots are checked against PHEindicatormethods' own test data
(tests/reference/, provenance in SOURCES.md there); the rate macros in
queries/_macros.sql are run through DuckDB, loaded as equity.db loads them. The trend
and ranking tests use answers worked out by hand or published with R's prop.trend.test.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from equity import palette, schema, stats
from equity.db import query_text

REFERENCE = Path(__file__).resolve().parent / "reference"
Z95 = 1.959963984540054  # the literal the queries pass for 95%
Z998 = 3.090232306167813

RATES = pd.read_csv(REFERENCE / "rate_byars.csv")
RATES_GROUPED = pd.read_csv(REFERENCE / "rate_byars_grouped.csv")
FUNNEL_INPUT = pd.read_csv(REFERENCE / "funnel_proportion_input.csv")
FUNNEL_LIMITS = pd.read_csv(REFERENCE / "funnel_proportion_limits.csv")

# (confidence, z literal, lower column, upper column) in rate_byars.csv
RATE_LEVELS = [
    (0.95, Z95, "lower95_0cl", "upper95_0cl"),
    (0.998, Z998, "lower99_8cl", "upper99_8cl"),
]
# Every (table, row, level) the reference gives: 20 rows x 2 levels + 12 grouped rows at 95%.
RATE_CASES = [
    pytest.param(row.numerator, row.denominator, row.multiplier, row.value, conf, z,
                 getattr(row, lower), getattr(row, upper), id=f"{row.area}-x{row.multiplier}-{conf}")
    for row in RATES.itertuples(index=False)
    for conf, z, lower, upper in RATE_LEVELS
] + [
    pytest.param(row.Numerator, row.Denominator, row.multiplier, row.value, 0.95, Z95,
                 row.lowercl, row.uppercl, id=f"grouped-{row.Area}")
    for row in RATES_GROUPED.itertuples(index=False)
]  # fmt: skip


def _same(actual, expected, rel=1e-12):
    """Equal to a relative 1e-12, or both missing (the reference's NA rows)."""
    if np.isnan(expected):
        return actual is None or np.isnan(actual)
    return actual == pytest.approx(expected, rel=rel)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect(":memory:")
    connection.execute(query_text("_macros"))  # as equity.db._open does
    yield connection
    connection.close()


# --- Crude rates ------------------------------------------------------------------------


def test_rate_reference_has_every_row_and_both_methods():
    assert len(RATES) == 20 and len(RATES_GROUPED) == 12
    assert set(RATES["method"].dropna()) == {"Exact", "Byars"}
    assert set(RATES["multiplier"]) == {100, 100_000}
    assert (RATES["numerator"] > RATES["denominator"]).any()  # Area12: a rate may exceed 1


@pytest.mark.parametrize(
    ("count", "denominator", "multiplier", "value", "confidence", "z", "lower", "upper"),
    RATE_CASES,
)
def test_rate_with_ci_matches_reference(
    count, denominator, multiplier, value, confidence, z, lower, upper
):
    result = stats.rate_with_ci(count, denominator, confidence, multiplier)
    assert _same(result["lower_ci"], lower)
    assert _same(result["upper_ci"], upper)
    assert _same(result["value"], value)


@pytest.mark.parametrize(
    ("count", "denominator", "multiplier", "value", "confidence", "z", "lower", "upper"),
    RATE_CASES,
)
def test_rate_macros_match_reference(
    con, count, denominator, multiplier, value, confidence, z, lower, upper
):
    params = {
        "x": None if np.isnan(count) else count,
        "d": None if np.isnan(denominator) else denominator,
        "m": multiplier,
        "z": z,
    }
    low, high, rate = con.execute(
        "SELECT rate_lower($x, $d, $m, $z), rate_upper($x, $d, $m, $z), rate_per($x, $d, $m)",
        params,
    ).fetchone()
    assert _same(low, lower, rel=1e-9)
    assert _same(high, upper, rel=1e-9)
    assert _same(rate, value, rel=1e-9)


def test_rate_macros_agree_with_python_for_counts_0_to_60_and_summed_integers(con):
    counts = np.arange(0, 61)
    for confidence, z in [(0.95, Z95), (0.998, Z998)]:
        expected = stats.rate_with_ci(counts, np.full(61, 2_000), confidence, 1_000)
        rows = con.execute(
            "SELECT rate_lower(x, 2000, 1000, $z), rate_upper(x, 2000, 1000, $z) "
            "FROM range(61) t(x) ORDER BY x",
            {"z": z},
        ).fetchall()
        got = np.array(rows, dtype=float)
        np.testing.assert_allclose(got[:, 0], expected["lower_ci"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got[:, 1], expected["upper_ci"], rtol=1e-12, atol=1e-15)
    # sum() of integers is a HUGEINT in DuckDB: the lookup must still index it.
    summed = con.execute(
        f"SELECT rate_lower(sum(x), sum(d), 100, {Z95}) FROM (VALUES (2, 50), (3, 50)) t(x, d)"
    ).fetchone()[0]
    assert summed == pytest.approx(RATES.loc[1, "lower95_0cl"], rel=1e-12)  # Area2: 5 / 100


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        (f"rate_lower(2.5, 100, 100, {Z95})", "non-integer count below 10: no lookup"),
        ("rate_lower(3, 100, 100, 1.6448536)", "a z with no exact lookup"),
        (f"rate_lower(-1, 100, 100, {Z95})", "negative count"),
        (f"rate_upper(3, 0, 100, {Z95})", "zero denominator"),
        (f"rate_upper(NULL, 100, 100, {Z95})", "missing count"),
        ("rate_per(3, 0, 100)", "zero denominator"),
    ],
)
def test_rate_macros_give_null_rather_than_a_guess(con, sql, why):
    assert con.execute(f"SELECT {sql}").fetchone()[0] is None, why


def test_rate_macro_uses_byars_for_non_integer_counts_from_10(con):
    low = con.execute(f"SELECT rate_lower(12.5, 100, 100, {Z95})").fetchone()[0]
    assert low == pytest.approx(stats.rate_with_ci(12.5, 100, 0.95, 100)["lower_ci"], rel=1e-12)


def test_rate_interval_switches_method_at_10_events():
    lower, upper = stats.rate_interval(np.array([9, 10]))
    # Exact at 9 (chi-square quantiles), Byar's at 10: check each against its formula.
    assert lower[0] == pytest.approx(4.115373097378334, rel=1e-12)
    z = stats.z_value(0.95)
    assert lower[1] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * np.sqrt(10))) ** 3, rel=1e-12)
    assert upper[1] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * np.sqrt(11))) ** 3, rel=1e-12)


def test_rate_with_zero_events_has_zero_lower_limit_and_positive_upper():
    result = stats.rate_with_ci(0, 1_000, 0.95, 1_000)
    assert result["value"] == 0 and result["lower_ci"] == 0
    assert result["upper_ci"] == pytest.approx(-np.log(0.025), rel=1e-12)  # 3.689 per 1,000


@pytest.mark.parametrize(("count", "denominator"), [(-1, 10), (3, 0), (3, -5), (np.nan, 10)])
def test_rate_with_ci_is_nan_for_unusable_input(count, denominator):
    result = stats.rate_with_ci(count, denominator)
    assert all(np.isnan(result[key]) for key in ("value", "lower_ci", "upper_ci"))


def test_rate_with_ci_array_input_gives_dataframe():
    frame = stats.rate_with_ci(np.array([1, 20]), np.array([100, 100]), multiplier=100)
    assert list(frame.columns) == ["value", "lower_ci", "upper_ci"]
    assert frame["value"].tolist() == pytest.approx([1.0, 20.0])
    assert (frame["lower_ci"] < frame["value"]).all() and (frame["value"] < frame["upper_ci"]).all()


# --- No-judgement comparison --------------------------------------------------------------


def test_compare_no_judgement_names_categories_apart_from_rag():
    result = stats.compare_no_judgement(
        lower_ci=[51, 40, 40, np.nan, 40],
        upper_ci=[60, 49, 60, 60, 60],
        benchmark_value=50,
        comparable=[True, True, True, True, False],
    )
    assert result.tolist() == [
        "higher_no_judgement",
        "lower_no_judgement",
        "similar_no_judgement",
        "not compared",
        "not compared",
    ]
    assert stats.compare_no_judgement(51, 60, 50) == "higher_no_judgement"
    judged = set(stats.RAG_LABELS) - {"not compared"}
    assert not judged & set(stats.NO_JUDGEMENT_LABELS)
    assert not {"higher", "similar", "lower"} & set(stats.NO_JUDGEMENT_LABELS)


def test_comparison_category_keeps_rag_for_judged_polarities_and_never_judges_no_judgement():
    comparisons = ["higher", "lower", "similar", "higher", "lower", "not compared"]
    polarities = ["higher_is_better", "higher_is_better", "lower_is_better", "no_judgement",
                  "no_judgement", "no_judgement"]  # fmt: skip
    assert stats.comparison_category(comparisons, polarities).tolist() == [
        "better",
        "worse",
        "similar",
        "higher_no_judgement",
        "lower_no_judgement",
        "not compared",
    ]
    # Same answers as comparison_rag for the judged polarities.
    for polarity in schema.JUDGED_POLARITIES:
        for comparison in stats.COMPARISONS:
            assert stats.comparison_category(comparison, polarity) == stats.comparison_rag(
                comparison, polarity
            )
    judged = {"better", "worse"}
    for comparison in stats.COMPARISONS:
        assert stats.comparison_category(comparison, "no_judgement") not in judged


def test_no_judgement_colours_are_distinct_and_not_the_rag_pair():
    colours = palette.NO_JUDGEMENT_COLOURS
    assert set(colours) == set(stats.NO_JUDGEMENT_LABELS) == set(stats.NO_JUDGEMENT_DISPLAY)
    assert len(set(colours.values())) == len(colours)
    rag_judged = {palette.RAG_COLOURS["better"], palette.RAG_COLOURS["worse"]}
    assert not rag_judged & set(colours.values())
    assert all(len(value) == 7 and value.startswith("#") for value in colours.values())


# --- Funnel plots -------------------------------------------------------------------------


def test_funnel_reference_shape():
    assert len(FUNNEL_INPUT) == 303 and len(FUNNEL_LIMITS) == 100
    assert set(FUNNEL_INPUT["significance"]) == {
        "High (0.001)",
        "High (0.025)",
        "Low (0.001)",
        "Low (0.025)",
        "Not significant",
    }


def test_funnel_significance_matches_every_reference_area():
    result = stats.funnel_significance_proportion(
        FUNNEL_INPUT["numerator"], FUNNEL_INPUT["denominator"]
    )
    mismatches = FUNNEL_INPUT.loc[result != FUNNEL_INPUT["significance"].to_numpy(), "Area"]
    assert mismatches.empty, f"areas judged differently from PHE: {list(mismatches)}"


def test_funnel_limits_match_reference_at_every_population():
    benchmark = FUNNEL_INPUT["numerator"].sum() / FUNNEL_INPUT["denominator"].sum()
    limits = stats.funnel_limits_proportion(benchmark, FUNNEL_LIMITS["Population"])
    pairs = {
        "lower_95": "Lower2s0025limit",
        "upper_95": "Upper2s0025limit",
        "lower_998": "Lower3s0001limit",
        "upper_998": "Upper3s0001limit",
        "baseline": "Baseline",
    }
    for ours, theirs in pairs.items():
        # The reference is rounded to 6 decimal places.
        np.testing.assert_allclose(limits[ours], FUNNEL_LIMITS[theirs], rtol=0, atol=5.1e-7)
    assert (limits["lower_998"] <= limits["lower_95"]).all()
    assert (limits["upper_95"] <= limits["upper_998"]).all()


def test_funnel_plot_denominators_match_the_reference_x_axis():
    points = stats.funnel_plot_denominators(FUNNEL_INPUT["denominator"])
    np.testing.assert_array_equal(points, FUNNEL_LIMITS["Population"])


def test_funnel_plot_denominators_for_areas_of_similar_size():
    # Largest < 2 x smallest: the axis starts at 95% of 1,000 rounded down (900) and
    # ends at 105% of 1,500 rounded up to two figures (1,600); 100 rising points.
    points = stats.funnel_plot_denominators([1_000, 1_200, 1_500])
    assert points[0] == 900 and points[-1] == 1_600 and len(points) == 100
    assert (np.diff(points) >= 1).all()
    with pytest.raises(ValueError, match="above zero"):
        stats.funnel_plot_denominators([100, 0])


def test_funnel_limits_are_clipped_to_the_scale_and_narrow_with_size():
    limits = stats.funnel_limits_proportion(0.5, [1, 10, 1_000, 100_000], multiplier=1)
    assert limits["lower_998"].iloc[0] == 0 and limits["upper_998"].iloc[0] == 1
    widths = (limits["upper_95"] - limits["lower_95"]).to_numpy()
    assert (np.diff(widths) < 0).all()


def test_funnel_significance_with_a_given_benchmark_and_scalar_input():
    # 600 of 1,000 against 50%: z = 0.1 / sqrt(0.25 / 1000) = 6.3 -> beyond 3.09.
    assert stats.funnel_significance_proportion(600, 1_000, 0.5) == "High (0.001)"
    # 530 of 1,000: z = 1.90 -> inside the 95% limits.
    assert stats.funnel_significance_proportion(530, 1_000, 0.5) == "Not significant"
    # 430 of 1,000: z = -4.43 -> Low (0.001); 460: z = -2.53 -> Low (0.025).
    assert stats.funnel_significance_proportion(430, 1_000, 0.5) == "Low (0.001)"
    assert stats.funnel_significance_proportion(460, 1_000, 0.5) == "Low (0.025)"


@pytest.mark.parametrize(("numerator", "denominator"), [([5, 11], [10, 10]), ([5, 1], [10, 0])])
def test_funnel_significance_rejects_bad_rows_with_a_clear_message(numerator, denominator):
    with pytest.raises(ValueError, match="row 1: numerator must be 0..denominator"):
        stats.funnel_significance_proportion(numerator, denominator)


def test_funnel_limits_reject_bad_benchmark_or_denominator():
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.funnel_limits_proportion(80, [100])
    with pytest.raises(ValueError, match="above zero"):
        stats.funnel_limits_proportion(0.8, [100, 0])


# --- Recent trend -------------------------------------------------------------------------


def test_trend_statistic_matches_hand_computation():
    # 10, 12, 14, 16, 18 of 100 each: N = 500, X = 70, sum(x t) = 230, sum(n t) = 1500,
    # sum(n t^2) = 5500 -> chi2 = 500 * (500*230 - 70*1500)^2 / (70*430*(500*5500 - 1500^2))
    # = 5e10 / 1.505e10 = 3.3223: below 9.5495, so no significant change at 99.8%.
    result = stats.recent_trend_proportion([10, 12, 14, 16, 18], [100] * 5)
    assert result["chi_square"] == pytest.approx(5e10 / 1.505e10, rel=1e-12)
    assert result["marker"] == stats.TREND_NO_CHANGE
    assert result["points_used"] == 5
    # The same rise at 95% is still below 3.84, at 80% (1.64) it is significant.
    assert stats.recent_trend_proportion([10, 12, 14, 16, 18], [100] * 5, 0.8)["marker"] == (
        stats.TREND_INCREASING
    )


def test_trend_statistic_matches_r_prop_trend_test_example():
    # R's ?prop.trend.test example: prop.trend.test(smokers, patients) gives
    # X-squared = 8.2249 (4 groups, scores 1..4); the formula in the docstring of
    # recent_trend_proportion, written out here, must give the same.
    smokers, patients = np.array([83, 90, 129, 70]), np.array([86, 93, 136, 82])
    t = np.arange(1, 5)
    big_n, big_x = patients.sum(), smokers.sum()
    chi2 = (
        big_n
        * (big_n * (smokers * t).sum() - big_x * (patients * t).sum()) ** 2
        / (big_x * (big_n - big_x) * (big_n * (patients * t**2).sum() - (patients * t).sum() ** 2))
    )
    assert chi2 == pytest.approx(8.2249, abs=5e-5)
    # Four valid points (one unusable) is not enough for Fingertips.
    result = stats.recent_trend_proportion([*smokers, 5], [*patients, 0])
    assert result["marker"] == stats.TREND_CANNOT_CALCULATE and result["points_used"] == 4


def test_trend_steep_rise_and_fall():
    rise = stats.recent_trend_proportion([100, 120, 140, 160, 180], [1_000] * 5)
    assert rise["marker"] == stats.TREND_INCREASING
    assert rise["chi_square"] == pytest.approx(10 * 5e10 / 1.505e10, rel=1e-12)  # 10x the counts
    fall = stats.recent_trend_proportion([180, 160, 140, 120, 100], [1_000] * 5)
    assert fall["marker"] == stats.TREND_DECREASING
    assert fall["chi_square"] == pytest.approx(rise["chi_square"], rel=1e-12)


def test_trend_flat_series_and_no_events_are_no_change():
    assert stats.recent_trend_proportion([100] * 6, [1_000] * 6)["chi_square"] == pytest.approx(0)
    assert stats.recent_trend_proportion([100] * 6, [1_000] * 6)["marker"] == stats.TREND_NO_CHANGE
    assert stats.recent_trend_proportion([0] * 5, [50] * 5)["marker"] == stats.TREND_NO_CHANGE


def test_trend_uses_only_the_most_recent_five_points():
    # A steep early fall, then a steep rise over the last five.
    numerators = [900, 700, 500, 100, 120, 140, 160, 180]
    assert stats.recent_trend_proportion(numerators, [1_000] * 8)["marker"] == (
        stats.TREND_INCREASING
    )


def test_trend_driven_by_one_point_is_not_significant():
    # Flat then one jump: chi2 is huge, but leaving out the last point the slope turns
    # negative, so Fingertips' outlier check says no significant change.
    result = stats.recent_trend_proportion([100, 101, 99, 100, 300], [1_000] * 5)
    assert result["chi_square"] > 100
    assert result["marker"] == stats.TREND_NO_CHANGE


def test_trend_with_a_zero_point_still_judged():
    result = stats.recent_trend_proportion([0, 20, 40, 60, 80], [100] * 5)
    assert result["marker"] == stats.TREND_INCREASING


def test_trend_fewer_than_five_points_cannot_be_calculated():
    result = stats.recent_trend_proportion([10, 20, 30, 40], [100] * 4)
    assert result["marker"] == stats.TREND_CANNOT_CALCULATE and np.isnan(result["chi_square"])
    with pytest.raises(ValueError, match="same length"):
        stats.recent_trend_proportion([1, 2, 3], [10, 10])


def test_trend_from_ci_matches_hand_computation():
    # Values 10..14, each 95% CI +/- 1: SE = 2 / 3.92 for every point, so the weighted
    # slope is the plain one (1 a period) with SE(slope) = SE / sqrt(sum((t - 3)^2))
    # = (2 / 3.92) / sqrt(10); chi2 = (1 / SE(slope))^2 = 10 * 3.92^2 / 4 = 38.416.
    values = np.array([10.0, 11, 12, 13, 14])
    result = stats.recent_trend_from_ci(values, values - 1, values + 1)
    assert result["chi_square"] == pytest.approx(38.416, rel=1e-12)
    assert result["marker"] == stats.TREND_INCREASING
    falling = stats.recent_trend_from_ci(values[::-1], values[::-1] - 1, values[::-1] + 1)
    assert falling["marker"] == stats.TREND_DECREASING


def test_trend_from_ci_weights_precise_points_more():
    # Same values; the last point is far less precise. The rise is then judged mostly
    # on the four precise points, which alone rise by 1 a period: still significant,
    # and the statistic is lower than with equal precision.
    values = np.array([10.0, 11, 12, 13, 14])
    half_widths = np.array([1, 1, 1, 1, 20])
    result = stats.recent_trend_from_ci(values, values - half_widths, values + half_widths)
    assert result["marker"] == stats.TREND_INCREASING
    assert result["chi_square"] < 38.416


def test_trend_from_ci_flat_or_short_or_one_point_driven():
    flat = np.array([10.0, 10.1, 10.0, 10.1, 10.0])
    assert stats.recent_trend_from_ci(flat, flat - 1, flat + 1)["marker"] == stats.TREND_NO_CHANGE
    jump = np.array([10.0, 10.1, 9.9, 10.0, 30.0])
    result = stats.recent_trend_from_ci(jump, jump - 0.1, jump + 0.1)
    assert result["chi_square"] > 10 and result["marker"] == stats.TREND_NO_CHANGE
    short = stats.recent_trend_from_ci([1, 2, 3, 4, np.nan], [0, 1, 2, 3, 4], [2, 3, 4, 5, 6])
    assert short["marker"] == stats.TREND_CANNOT_CALCULATE and short["points_used"] == 4


# --- Rank uncertainty ---------------------------------------------------------------------


def test_one_area_far_worse_is_almost_surely_among_the_worst():
    probability = stats.probability_among_worst(
        1, "higher_is_better", numerator=[100, 500, 510, 490, 505], denominator=[1_000] * 5
    )
    assert probability[0] > 0.999
    assert probability[1:].sum() < 0.001
    assert probability.sum() == pytest.approx(1)


def test_polarity_decides_which_end_is_worst():
    numerator, denominator = [100, 500, 510, 900], [1_000] * 4
    lower_better = stats.probability_among_worst(
        1, "lower_is_better", numerator=numerator, denominator=denominator
    )
    assert lower_better[3] > 0.999 and lower_better[0] < 0.001


def test_identical_areas_share_the_probability_k_over_n():
    probability = stats.probability_among_worst(
        2, "higher_is_better", numerator=[50] * 5, denominator=[100] * 5, draws=20_000
    )
    np.testing.assert_allclose(probability, 2 / 5, atol=0.02)
    assert probability.sum() == pytest.approx(2)


def test_rank_simulation_is_seeded_and_reproducible():
    kwargs = {"numerator": [40, 45, 50, 55], "denominator": [100] * 4, "draws": 2_000}
    first = stats.probability_among_worst(2, "higher_is_better", seed=7, **kwargs)
    again = stats.probability_among_worst(2, "higher_is_better", seed=7, **kwargs)
    other = stats.probability_among_worst(2, "higher_is_better", seed=8, **kwargs)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first[0] > first[1] > first[2] > first[3]  # lower proportion, more often worst


def test_rank_simulation_from_value_and_ci():
    # Life expectancy: 75 +/- 0.5 vs three areas near 82; the 75 area is worst.
    probability = stats.probability_among_worst(
        1,
        "higher_is_better",
        value=[75, 82, 82.2, 81.9],
        lower_ci=[74.5, 81.5, 81.7, 81.4],
        upper_ci=[75.5, 82.5, 82.7, 82.4],
    )
    assert probability[0] > 0.999


def _every_area_simulated(k, numerator, denominator, draws, seed):
    """The rank simulation without leaving any area out: the reference for the pruning."""
    x, n = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    samples = np.random.default_rng(seed).beta(x + 0.5, n - x + 0.5, size=(draws, len(x)))
    worst = np.argpartition(samples, k - 1, axis=1)[:, :k]
    return np.bincount(worst.ravel(), minlength=len(x)) / draws


@pytest.mark.parametrize("polarity", ["higher_is_better", "lower_is_better"])
def test_areas_left_out_of_the_rank_simulation_could_not_be_among_the_worst(polarity):
    rng = np.random.default_rng(5)
    denominator = rng.integers(200, 3_000, 300).astype(float)
    numerator = np.floor(denominator * rng.uniform(0.55, 0.95, 300))
    if polarity == "lower_is_better":  # the same areas, mirrored: the worst are the highest
        numerator = denominator - numerator
    probability = stats.probability_among_worst(
        3, polarity, numerator=numerator, denominator=denominator, draws=20_000
    )
    mirrored = denominator - numerator if polarity == "lower_is_better" else numerator
    reference = _every_area_simulated(3, mirrored, denominator, draws=20_000, seed=99)
    no_chance = probability == 0  # left out, or drawn and never among the worst
    assert 0 < (~no_chance).sum() < 60  # most areas are far from the worst
    assert reference[no_chance].max() < 0.001  # nor were they in the full simulation
    np.testing.assert_allclose(probability, reference, atol=0.015)
    assert probability.sum() == pytest.approx(3)


def test_only_areas_that_could_be_among_the_worst_are_drawn(monkeypatch):
    drawn_sizes = []
    generator = np.random.Generator

    class Recording(generator):
        def beta(self, a, b, size=None):
            drawn_sizes.append(size)
            return super().beta(a, b, size=size)

    monkeypatch.setattr(
        stats.np.random, "default_rng", lambda seed: Recording(np.random.PCG64(seed))
    )
    denominator = np.full(1_000, 2_000.0)
    numerator = np.r_[[800.0, 820.0, 840.0], np.full(997, 1_600.0)]  # 3 far worse areas
    probability = stats.probability_among_worst(
        2, "higher_is_better", numerator=numerator, denominator=denominator, draws=2_000
    )
    assert {size[1] for size in drawn_sizes} == {3}
    assert probability[3:].sum() == 0 and probability.sum() == pytest.approx(2)


def test_jeffreys_posterior_is_what_is_sampled():
    # With chunking the draws are still Beta(x + 0.5, n - x + 0.5): the mean of many
    # draws of a lone area compared with a fixed, certain neighbour tells its CDF.
    # P(Beta(3.5, 7.5) < 0.3) = 0.5 approx; compare to a near-certain area at 0.3.
    probability = stats.probability_among_worst(
        1,
        "higher_is_better",
        numerator=[3, 3_000_000],
        denominator=[10, 10_000_000],
        draws=40_000,
        chunk=3_000,
    )
    from scipy.stats import beta

    assert probability[0] == pytest.approx(beta.cdf(0.3, 3.5, 7.5), abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numerator": [1, 2], "denominator": [10, 0]}, "area 1"),
        ({"numerator": [1, 11], "denominator": [10, 10]}, "area 1"),
        ({"value": [1, 2], "lower_ci": [0, 3], "upper_ci": [2, 1]}, "area 1"),
        ({"numerator": [1, 2]}, "give numerator and denominator"),
    ],
)
def test_rank_simulation_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        stats.probability_among_worst(1, "higher_is_better", **kwargs)


def test_rank_simulation_rejects_bad_k_and_no_judgement():
    with pytest.raises(ValueError, match="k must be between 1 and the number of areas"):
        stats.probability_among_worst(3, "higher_is_better", numerator=[1, 2], denominator=[9, 9])
    with pytest.raises(ValueError, match="polarity"):
        stats.probability_among_worst(1, "no_judgement", numerator=[1, 2], denominator=[9, 9])
