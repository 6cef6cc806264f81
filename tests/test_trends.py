"""Trends & interventions: Newcombe differences, the St Matthews series, interventions."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from equity import db, synthetic, trends


def wilson_by_hand(r: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    p = r / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.mark.parametrize(
    ("before", "after", "published"),
    [
        # Newcombe (1998) Stat Med 17:873, Table II, method 10 (score, no correction)
        ((48, 80), (56, 70), (0.0524, 0.3339)),
        ((3, 10), (9, 10), (0.1705, 0.8090)),
        ((2, 7), (6, 7), (0.0582, 0.8062)),
        ((0, 29), (5, 56), (-0.0381, 0.1926)),
    ],
)
def test_newcombe_difference_matches_the_published_examples(before, after, published):
    result = trends.newcombe_difference(*before, *after)
    assert result["difference"] == pytest.approx(
        100 * (after[0] / after[1] - before[0] / before[1])
    )
    assert result["lower_ci"] == pytest.approx(100 * published[0], abs=0.01)
    assert result["upper_ci"] == pytest.approx(100 * published[1], abs=0.01)


def test_newcombe_difference_matches_a_hand_computation_on_the_story_counts():
    # Somali 50+ in Leicester: 331/675 before, 405/675 after the pop-up week.
    l1, u1 = wilson_by_hand(331, 675)
    l2, u2 = wilson_by_hand(405, 675)
    p1, p2 = 331 / 675, 405 / 675
    lower = (p2 - p1) - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = (p2 - p1) + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    result = trends.newcombe_difference(331, 675, 405, 675)
    assert result["lower_ci"] == pytest.approx(100 * lower, abs=1e-9)
    assert result["upper_ci"] == pytest.approx(100 * upper, abs=1e-9)
    assert 0 < result["lower_ci"] < result["difference"] < result["upper_ci"]


def somali_series(extracts_dir) -> pd.DataFrame:
    return db.run_query(
        "series_for_area_and_group",
        extracts_dir=extracts_dir,
        indicator_id="covid_first_dose_demo",
        area_code="E06000016",
        area_type="la",
        sex="All",
        age_band="50+",
        ethnic_group="Somali",
    )


def test_the_st_matthews_story_series_shows_49_60_78(extracts_dir):
    series = somali_series(extracts_dir)
    assert len(series) == 42  # weekly Tuesdays 2020-12-15 .. 2021-09-28
    rounded = [round(trends.value_on(series, d)["value"]) for d in trends.STORY_DATES]
    assert rounded == [49, 60, 78]
    headline = trends.trend_headline(
        series, list(trends.STORY_DATES), "Somali people aged 50+", "Leicester"
    )
    assert "49% → 60% → 78%" in headline
    # Cumulative uptake never falls.
    assert series["numerator"].is_monotonic_increasing


def test_series_counts_equal_a_direct_sum_of_the_age_bands(extracts_dir):
    rows = pd.read_parquet(
        extracts_dir / "values_demo_covid.parquet",
        columns=["period_end", "age_band", "numerator", "denominator"],
        filters=[
            ("area_type", "=", "la"),
            ("area_code", "=", "E06000016"),
            ("ethnic_group", "=", "Somali"),
            ("sex", "=", "All"),
        ],
    )
    bands_50_plus = rows[
        rows["age_band"].isin(["50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80+"])
    ]
    expected = bands_50_plus.groupby("period_end")[["numerator", "denominator"]].sum()
    series = somali_series(extracts_dir).set_index("period_end")
    assert series["numerator"].to_numpy() == pytest.approx(expected["numerator"].to_numpy())
    assert series["denominator"].to_numpy() == pytest.approx(expected["denominator"].to_numpy())


def test_before_after_takes_each_pair_and_first_to_last(extracts_dir):
    series = somali_series(extracts_dir)
    table = trends.before_after(series, list(trends.STORY_DATES))
    assert [(r.before, r.after) for r in table.itertuples()] == [
        (date(2021, 3, 23), date(2021, 3, 30)),
        (date(2021, 3, 30), date(2021, 8, 17)),
        (date(2021, 3, 23), date(2021, 8, 17)),
    ]
    assert table["difference"].to_numpy() == pytest.approx(
        (table["after_value"] - table["before_value"]).to_numpy()
    )
    assert (table["lower_ci"] > 0).all()  # each rise is significant
    display = trends.before_after_display(table)
    assert set(display["Change"]) == {"significant rise"}


def test_before_after_blanks_pairs_with_disclosive_counts():
    series = pd.DataFrame(
        {
            "period_end": pd.to_datetime(["2021-03-23", "2021-03-30"]),
            "numerator": [5.0, 40.0],
            "denominator": [50.0, 50.0],
            "value": [10.0, 80.0],
        }
    )
    table = trends.before_after(series, [date(2021, 3, 23), date(2021, 3, 30)])
    assert table[["difference", "lower_ci", "before_value"]].isna().all(axis=None)


def test_the_built_in_intervention_is_the_pop_up_clinic(extracts_dir):
    (clinic,) = trends.built_in_interventions()
    assert (clinic.start, clinic.end) == (date(2021, 3, 24), date(2021, 3, 30))
    assert clinic.start == synthetic.POPUP_CLINIC["start"]
    assert "Somali" in clinic.group
    assert clinic.is_synthetic  # from the synthetic demo, and labelled so on the chart


def test_interventions_parse_round_trip_and_report_bad_lines():
    text = "2021-05-04; Spinney Hills; Somali 50+; Mosque open day\n2021-06-01..2021-06-07; Bus\n"
    parsed, problems = trends.parse_interventions(text + "next Tuesday; talk\nonly-one-part\n")
    assert len(parsed) == 2 and len(problems) == 2
    assert parsed[0] == trends.Intervention(
        date(2021, 5, 4), None, "Spinney Hills", "Somali 50+", "Mosque open day"
    )
    assert parsed[1].end == date(2021, 6, 7) and parsed[1].label == "Bus"
    again, none = trends.parse_interventions(trends.format_interventions(parsed))
    assert again == parsed and none == []
    _, backwards = trends.parse_interventions("2021-06-07..2021-06-01; x; y; z")
    assert backwards


def test_series_chart_marks_interventions_and_never_shows_small_counts(extracts_dir):
    series = pd.DataFrame(
        {
            "period_end": pd.to_datetime(["2021-03-23", "2021-03-30", "2021-04-06"]),
            "numerator": [3.0, 30.0, 35.0],
            "denominator": [50.0, 50.0, 50.0],
            "value": [6.0, 60.0, 70.0],
            "lower_ci": [2.0, 46.0, 56.0],
            "upper_ci": [16.0, 72.0, 81.0],
            "is_synthetic": True,
            "is_modelled": True,
        }
    )
    combined = trends.combine_series([("Group, place", series)])
    assert combined["value"].isna().tolist() == [True, False, False]
    chart = trends.series_chart(
        combined,
        title="t",
        badges=["SYNTHETIC"],
        interventions=trends.built_in_interventions(),
        marked_dates=[date(2021, 3, 30)],
    )
    spec = json.loads(chart.to_json())
    text = json.dumps(spec, ensure_ascii=False)
    assert synthetic.POPUP_CLINIC["label"] in text
    rows = [row for data in spec["datasets"].values() for row in data if row.get("series")]
    assert all(row["numerator"] is None or row["numerator"] > 7 for row in rows)
    assert "⚠ SYNTHETIC" in text
