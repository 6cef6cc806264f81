"""equity/compare.py: correlation CI, difference-in-differences, potential for improvement,
rank certainty, recent trend, and the rug's suppression and colours (hand-computed cases)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equity import compare, palette, stats


def test_pearson_ci_matches_fisher_z_by_hand():
    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    y = [2, 1, 4, 3, 7, 8, 6, 9, 12, 10]
    result = compare.pearson_with_ci(x, y)
    r = float(np.corrcoef(x, y)[0, 1])
    z, half = math.atanh(r), 1.959963984540054 / math.sqrt(10 - 3)
    assert result["n"] == 10
    assert result["r"] == pytest.approx(r)
    assert result["lower_ci"] == pytest.approx(math.tanh(z - half))
    assert result["upper_ci"] == pytest.approx(math.tanh(z + half))
    assert result["lower_ci"] < result["r"] < result["upper_ci"]


def test_pearson_drops_missing_pairs_and_refuses_too_few():
    assert compare.pearson_with_ci([1, 2, np.nan, 4, 5], [2, 4, 6, np.nan, 9])["n"] == 3
    assert math.isnan(compare.pearson_with_ci([1, 2, 3], [1, 2, 4])["r"])
    assert math.isnan(compare.pearson_with_ci([1, 1, 1, 1, 1], [1, 2, 3, 4, 5])["r"])


def test_difference_in_differences_by_hand():
    # target 40% -> 60% of 1000, comparison 50% -> 55% of 400.
    result = compare.difference_in_differences((400, 1000), (600, 1000), (200, 400), (220, 400))
    variance = 0.4 * 0.6 / 1000 + 0.6 * 0.4 / 1000 + 0.5 * 0.5 / 400 + 0.55 * 0.45 / 400
    assert 1.959963984540054 * math.sqrt(variance) == pytest.approx(0.0814, abs=1e-4)
    half = 1.959963984540054 * math.sqrt(variance)
    assert result["target_change"] == pytest.approx(20)
    assert result["comparison_change"] == pytest.approx(5)
    assert result["estimate"] == pytest.approx(15)
    assert result["lower_ci"] == pytest.approx(100 * (0.15 - half))
    assert result["upper_ci"] == pytest.approx(100 * (0.15 + half))
    assert result["verdict"] == "more"
    assert "rose significantly more" in compare.did_sentence(result, "Somali 50+", "Everyone")


def test_difference_in_differences_not_significant_and_bad_input():
    result = compare.difference_in_differences((40, 50), (42, 50), (40, 50), (41, 50))
    assert result["verdict"] == "no different"
    assert "did not rise significantly more" in compare.did_sentence(result, "A", "B")
    with pytest.raises(ValueError, match="denominator above zero"):
        compare.difference_in_differences((1, 0), (1, 2), (1, 2), (1, 2))


def _deciles_frame():
    # One area per decile (1 most deprived), 1000 people each, uptake 50% .. 95%.
    return pd.DataFrame(
        {
            "imd_decile": range(1, 11),
            "numerator": [500.0 + 50 * i for i in range(10)],
            "denominator": [1000.0] * 10,
        }
    )


def test_potential_for_improvement_constructed_case():
    frame = _deciles_frame()  # overall 72.5%
    result = compare.potential_for_improvement(frame, 70.0, "higher_is_better")
    # Deciles 1-4 (50, 55, 60, 65%) rise to 70%: 200 + 150 + 100 + 50 = 500 more people.
    assert result["people"] == pytest.approx(500)
    assert result["units_changed"] == 4
    assert result["value_before"] == pytest.approx(72.5)
    assert result["value_after"] == pytest.approx(77.5)
    assert result["gap_before"] == pytest.approx(45)
    assert result["gap_after"] == pytest.approx(25)
    assert result["sii_after"] < result["sii_before"]  # the deprived end rose: less slope
    table = compare.improvement_table(result)
    assert table.loc[0, "Now"] == "72.5" and table.loc[0, "If all reached the benchmark"] == "77.5"


def test_potential_for_improvement_lower_is_better_and_by_decile():
    frame = pd.DataFrame(
        {
            "imd_decile": [1, 1, 2, 3, 4, 5],
            "numerator": [30.0, 10.0, 20.0, 10.0, 10.0, 10.0],
            "denominator": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
        }
    )
    # Lower is better, benchmark 15%: decile 1 pooled 20% -> 15% (10 fewer), decile 2
    # 20% -> 15% (5 fewer); by area: 30% -> 15% (15 fewer) and 20% -> 15% (5 fewer).
    by_decile = compare.potential_for_improvement(frame, 15.0, "lower_is_better", "decile")
    by_area = compare.potential_for_improvement(frame, 15.0, "lower_is_better", "area")
    assert by_decile["people"] == pytest.approx(15)
    assert by_area["people"] == pytest.approx(20)
    with pytest.raises(ValueError):
        compare.potential_for_improvement(frame, 15.0, "no_judgement")


def test_probability_worst_is_seeded_sums_to_k_and_leaves_out_missing():
    frame = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D"],
            "numerator": [100.0, 500.0, 800.0, np.nan],
            "denominator": [1000.0, 1000.0, 1000.0, np.nan],
            "value": [10.0, 50.0, 80.0, np.nan],
            "lower_ci": np.nan,
            "upper_ci": np.nan,
        }
    )
    first = compare.probability_worst(frame, "higher_is_better", k=1)
    again = compare.probability_worst(frame, "higher_is_better", k=1)
    assert first.equals(again)
    assert first["A"] > 0.99 and first["C"] < 0.01
    assert math.isnan(first["D"])
    assert first.sum() == pytest.approx(1)
    lower_better = compare.probability_worst(frame, "lower_is_better", k=1)
    assert lower_better["C"] > 0.99
    assert compare.probability_worst(frame, "no_judgement", k=1).isna().all()
    assert compare.probability_text(0.999) == ">99%" and compare.probability_text(0.25) == "25%"


def test_recent_trend_needs_five_periods_and_judges_direction():
    rising = pd.DataFrame(
        {
            "period_end": pd.date_range("2021-01-01", periods=5, freq="W"),
            "numerator": [100.0, 200.0, 300.0, 400.0, 500.0],
            "denominator": [1000.0] * 5,
            "value": np.nan,
            "lower_ci": np.nan,
            "upper_ci": np.nan,
        }
    )
    assert compare.recent_trend(rising) == stats.TREND_INCREASING
    assert compare.recent_trend(rising.head(4)) == stats.TREND_CANNOT_CALCULATE
    assert "getting better" in compare.trend_badge(stats.TREND_INCREASING, "higher_is_better")
    assert "getting worse" in compare.trend_badge(stats.TREND_INCREASING, "lower_is_better")


def _values(numerators, denominators, lower, upper, benchmark=50.0):
    return pd.DataFrame(
        {
            "area_code": [f"E0{i}" for i in range(len(numerators))],
            "area_name": [f"Area {i}" for i in range(len(numerators))],
            "is_core20": False,
            "imd_score": [30.0 - i for i in range(len(numerators))],
            "period_end": pd.Timestamp("2021-03-25"),
            "numerator": numerators,
            "denominator": denominators,
            "value": [100 * n / d for n, d in zip(numerators, denominators)],
            "lower_ci": lower,
            "upper_ci": upper,
            "benchmark_value": benchmark,
            "benchmark_numerator": 500.0,
            "benchmark_denominator": 1000.0,
            "is_synthetic": False,
            "is_modelled": False,
        }
    )


def test_rug_suppresses_small_counts_and_colours_by_polarity():
    catalog = pd.DataFrame(
        {"short_label": ["Uptake", "Prevalence"], "unit": ["percent", "percent"]},
        index=["uptake", "prevalence"],
    ).assign(polarity=["higher_is_better", "no_judgement"])
    frame = _values([5.0, 300.0, 700.0], [10.0, 1000.0, 1000.0], [20.0, 27, 67], [80.0, 33, 73])
    long = compare.rug_long({"uptake": frame, "prevalence": frame}, catalog)
    uptake = long[long["indicator_id"] == "uptake"].set_index("area_code")
    assert uptake.loc["E00", "suppressed"] and math.isnan(uptake.loc["E00", "value"])
    assert uptake.loc["E00", "category"] == "not compared"
    assert uptake.loc["E01", "category"] == "worse" and uptake.loc["E02", "category"] == "better"
    prevalence = long[long["indicator_id"] == "prevalence"].set_index("area_code")
    assert prevalence.loc["E01", "category"] == "lower_no_judgement"

    wide, categories, suppressed = compare.rug_wide(long)
    assert wide["Code"].tolist() == ["E00", "E01", "E02"]  # most deprived (IMD) first
    assert wide.columns.tolist() == ["Code", "Area", "Uptake", "Prevalence"]
    html = compare.rug_styler(wide, categories, suppressed).to_html()
    assert f">{stats.SUPPRESSED_MARKER}<" in html
    assert palette.RAG_COLOURS["worse"] in html
    assert palette.NO_JUDGEMENT_COLOURS["higher_no_judgement"] in html
    side = compare.side_by_side(long, ["E00", "E01"], "Leicester")
    assert side.loc[0, "Area 0"] == stats.SUPPRESSED_MARKER
    assert "(worse)" in side.loc[0, "Area 1"]


def test_funnel_points_leave_out_small_counts_and_name_outliers():
    frame = _values([5.0, 400.0, 5100.0, 300.0], [10.0, 1000.0, 10000.0, 1000.0], np.nan, np.nan)
    points, proportion, left_out = compare.funnel_points(frame)
    assert proportion == pytest.approx(0.5)
    assert left_out == 1 and "E00" not in set(points["area_code"])
    by_code = points.set_index("area_code")
    assert by_code.loc["E03", "significance"] == stats.FUNNEL_LOW_998
    assert bool(by_code.loc["E03", "outlier"]) and bool(by_code.loc["E03", "labelled"])
    assert not by_code["labelled"].where(~by_code["outlier"], False).any()
    assert by_code.loc["E02", "significance"] == stats.FUNNEL_HIGH_95
    chart = compare.funnel_chart(
        points, proportion, title="t", benchmark_name="Leicester", badges=[]
    ).to_dict()
    assert len(chart["layer"]) == 3


def test_reach_effect_adds_the_people_within_reach_only():
    demand = pd.DataFrame(
        {
            "imd_quintile": [1, 2, 3, 4, 5],
            "numerator": [500.0, 600.0, 700.0, 800.0, 900.0],
            "denominator": [1000.0] * 5,
            "people_missed": [500.0, 400.0, 300.0, 200.0, 100.0],
            "covered": [True, True, False, False, False],
        }
    )
    result = compare.reach_effect(demand)
    assert result["people"] == pytest.approx(900)  # quintiles 1 and 2 reach 100%
    assert result["value_before"] == pytest.approx(70)
    assert result["value_after"] == pytest.approx(88)
    assert result["gap_before"] == pytest.approx(40)
    assert result["gap_after"] == pytest.approx(-10)
    assert result["sii_before"] > 0 > result["sii_after"]  # reaching the deprived end flips it
    assert result["units_changed"] == 2
