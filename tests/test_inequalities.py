"""Inequalities: pooling by deprivation, SII direction, the LE gap, the equity audit."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from equity import db, exports, inequalities, stats

BANDS_50_PLUS_MARCH = ["50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80+"]


def deprivation(extracts_dir, **overrides) -> pd.DataFrame:
    params = dict(
        indicator_id="covid_first_dose",
        on_or_before=date(2021, 3, 25),
        level="msoa",
        la_code=None,
        sex="All",
        age_band="50+",
        ethnic_group="All",
        quantile_type="decile",
    )
    params.update(overrides)
    return db.run_query("counts_by_deprivation", extracts_dir=extracts_dir, **params)


def direct_sum(extracts_dir, values_file, filters, level, quantile_column, la_code=None):
    """The same question answered with pandas straight from the Parquet rows."""
    rows = pd.read_parquet(extracts_dir / values_file, filters=filters)
    areas = pd.read_parquet(extracts_dir / "areas.parquet")
    areas = areas[areas["area_type"] == level]
    if la_code:
        areas = areas[areas["la_code"] == la_code]
    joined = rows.merge(areas, on=["area_code", "area_type"])
    return joined.groupby(quantile_column)[["numerator", "denominator"]].sum()


def test_real_covid_deciles_equal_a_direct_sum_of_msoa_rows(extracts_dir):
    frame = deprivation(extracts_dir).set_index("quantile")
    expected = direct_sum(
        extracts_dir,
        "values_covid_nhse.parquet",
        [
            ("indicator_id", "=", "covid_first_dose"),
            ("area_type", "=", "msoa"),
            ("period_end", "=", pd.Timestamp("2021-03-25")),
            ("age_band", "in", BANDS_50_PLUS_MARCH),
        ],
        "msoa",
        "imd_decile",
    )
    assert list(frame.index) == list(expected.index) == list(range(1, 11))
    assert frame["numerator"].to_numpy() == pytest.approx(expected["numerator"].to_numpy())
    assert frame["denominator"].to_numpy() == pytest.approx(expected["denominator"].to_numpy())
    wilson = stats.proportion_with_ci(
        np.minimum(frame["numerator"], frame["denominator"]), frame["denominator"]
    )
    assert frame["lower_ci"].to_numpy() == pytest.approx(wilson["lower_ci"].to_numpy())


def test_synthetic_quintiles_within_the_city_equal_a_direct_sum_of_lsoa_rows(extracts_dir):
    frame = deprivation(
        extracts_dir,
        indicator_id="covid_first_dose_demo",
        on_or_before=date(2021, 3, 23),
        level="lsoa",
        la_code="E06000016",
        ethnic_group="Somali",
        quantile_type="quintile",
    ).set_index("quantile")
    expected = direct_sum(
        extracts_dir,
        "values_demo_covid.parquet",
        [
            ("area_type", "=", "lsoa"),
            ("period_end", "=", pd.Timestamp("2021-03-23")),
            ("sex", "=", "All"),
            ("ethnic_group", "=", "Somali"),
            ("age_band", "in", BANDS_50_PLUS_MARCH),
        ],
        "lsoa",
        "imd_quintile",
        la_code="E06000016",
    )
    assert frame["numerator"].to_numpy() == pytest.approx(expected["numerator"].to_numpy())
    assert frame["denominator"].to_numpy() == pytest.approx(expected["denominator"].to_numpy())
    # The quintiles add up to the city's Somali 50+ total (675 at 23 March).
    assert frame["denominator"].sum() == 675


def test_sii_is_positive_when_uptake_rises_with_less_deprivation(extracts_dir):
    frame = deprivation(extracts_dir)
    # Decile 1 is most deprived (highest IMD score) ...
    assert frame["mean_imd_score"].is_monotonic_decreasing
    sii = inequalities.proportion_sii(frame)
    # ... and real uptake is lower there, so the SII (least minus most deprived) is > 0.
    assert frame["value"].iloc[-1] > frame["value"].iloc[0]
    assert 0 < sii["sii_lower"] < sii["sii"] < sii["sii_upper"]
    # Plausible: no bigger than the full range of the decile values.
    assert sii["sii"] < frame["value"].max() - frame["value"].min() + 5
    assert sii["rii"] > 1
    assert inequalities.proportion_sii(frame) == sii  # seeded: reproducible


def test_sii_sign_follows_the_direction_of_the_gradient():
    quantiles = np.arange(1, 6)
    rising = pd.DataFrame(
        {"quantile": quantiles, "numerator": [500, 550, 600, 650, 700], "denominator": 1000}
    )
    falling = rising.assign(numerator=rising["numerator"][::-1].to_numpy())
    assert inequalities.proportion_sii(rising)["sii"] > 0
    assert inequalities.proportion_sii(falling)["sii"] < 0
    assert inequalities.proportion_sii(rising.head(4)) is None  # phe_sii needs >= 5


def test_practice_quintiles_run_most_deprived_first_and_reversed_ones_are_renumbered(
    extracts_dir,
):
    frame = deprivation(
        extracts_dir,
        indicator_id="cervical_screening_coverage",
        on_or_before=date(2017, 12, 31),
        level="practice",
        sex="Female",
        age_band="All",
        quantile_type="quintile",
    )
    as_built, renumbered = inequalities.most_deprived_first(frame, 5)
    assert not renumbered  # the build already numbers practice quintiles 1 = most deprived
    assert as_built["mean_imd_score"].is_monotonic_decreasing
    reversed_frame = frame.assign(quantile=6 - frame["quantile"])
    oriented, renumbered = inequalities.most_deprived_first(reversed_frame, 5)
    assert renumbered
    assert oriented["mean_imd_score"].is_monotonic_decreasing
    assert oriented["numerator"].sum() == frame["numerator"].sum()
    already, again = inequalities.most_deprived_first(oriented, 5)
    assert not again and already.equals(oriented)


def test_life_expectancy_gap_uses_population_weighted_means(extracts_dir):
    rows = db.run_query(
        "life_expectancy_with_deprivation",
        extracts_dir=extracts_dir,
        indicator_id="life_expectancy_birth",
        level="ward",
        la_code=None,
    )
    by_decile = inequalities.life_expectancy_by_quantile(rows, "decile")
    latest = rows["period_end"].max()
    one = rows[(rows["period_end"] == latest) & (rows["sex"] == "Male") & (rows["imd_decile"] == 1)]
    expected = (one["value"] * one["population"]).sum() / one["population"].sum()
    got = by_decile[
        (by_decile["period_end"] == latest)
        & (by_decile["sex"] == "Male")
        & (by_decile["quantile"] == 1)
    ]
    assert got["value"].iloc[0] == pytest.approx(expected)
    gaps = inequalities.life_expectancy_gaps(by_decile)
    latest_gaps = gaps[gaps["period_end"] == latest]
    assert set(latest_gaps["sex"]) == {"Female", "Male"}
    # People in the least deprived wards live longer: a positive gap and SII, men's larger.
    assert (latest_gaps["gap_years"] > 0).all() and (latest_gaps["sii_lower"] > 0).all()
    by_sex = latest_gaps.set_index("sex")
    assert by_sex.loc["Male", "gap_years"] > by_sex.loc["Female", "gap_years"]
    headline = inequalities.life_expectancy_headline(gaps, latest, "wards in LLR")
    assert f"{by_sex.loc['Male', 'gap_years']:.1f} years for men" in headline


def test_practice_life_expectancy_gap_is_positive_after_renumbering(extracts_dir):
    rows = db.run_query(
        "life_expectancy_with_deprivation",
        extracts_dir=extracts_dir,
        indicator_id="life_expectancy_practice",
        level="practice",
        la_code=None,
    )
    gaps = inequalities.life_expectancy_gaps(
        inequalities.life_expectancy_by_quantile(rows, "quintile")
    )
    assert (gaps["gap_years"] > 0).all()
    assert (gaps["sii"] > 0).all()


def audit_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quantile": [1, 1, 2, 2],
            "ethnic_group": ["All", "Somali", "All", "Somali"],
            "areas": [3, 3, 2, 2],
            "period_end": pd.Timestamp("2021-03-23"),
            "numerator": [300.0, 5.0, 400.0, 60.0],
            "denominator": [500.0, 40.0, 500.0, 64.0],
            "value": [60.0, 12.5, 80.0, 93.75],
            "lower_ci": [55.0, 5.0, 76.0, 85.0],
            "upper_ci": [64.0, 26.0, 83.0, 97.0],
            "mean_imd_score": [50.0, 50.0, 20.0, 20.0],
            "is_synthetic": True,
            "is_modelled": True,
        }
    )


def test_equity_audit_suppresses_small_cells_everywhere():
    cells = inequalities.audit_cells(audit_frame(), 5)
    table = inequalities.audit_table(cells, "quintile")
    assert table.loc[0, "Somali"] == "*"  # 5 reached
    assert table.loc[1, "Somali"] == "*"  # 64 - 60 = 4 not reached
    assert table.loc[0, "All"] == "60% (300/500)"
    download = inequalities.audit_download(cells, "quintile")
    somali = download[download["ethnic_group"] == "Somali"]
    assert somali[["numerator", "value", "lower_ci"]].isna().all(axis=None)
    spec = json.dumps(
        inequalities.audit_heatmap(
            cells, title="t", quantile_type="quintile", badges=["B"]
        ).to_dict()
    )
    assert '"numerator": 5.0' not in spec and '"numerator": 60.0' not in spec


def test_equity_audit_report_is_self_contained_and_escaped():
    cells = inequalities.audit_cells(audit_frame(), 5)
    report = inequalities.audit_report_html(
        title="<script>alert(1)</script> uptake",
        subtitle="s",
        chart_svg='<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        table=inequalities.audit_table(cells, "quintile"),
        method_note="m",
        source="NHS England",
        badges=["SYNTHETIC DEMO DATA — not real counts"],
        generated=date(2026, 1, 1),
    )
    assert "<script>" not in report and "&lt;script&gt;" in report
    assert "<svg" in report and "SYNTHETIC DEMO DATA" in report and "NHS England" in report
    assert "<link" not in report and "src=" not in report  # nothing fetched from elsewhere


def test_pooling_level_is_the_lowest_level():
    assert inequalities.pooling_level(["la", "msoa", "lsoa", "ward"]) == "lsoa"
    assert inequalities.pooling_level(["la", "msoa11", "msoa", "ward"]) == "msoa"
    assert inequalities.pooling_level(["practice", "la"]) == "practice"
    assert inequalities.quantile_types("practice") == ["quintile"]


def test_the_audit_heatmap_renders_to_svg_for_the_report():
    cells = inequalities.audit_cells(audit_frame(), 5)
    chart = inequalities.audit_heatmap(cells, title="Audit", quantile_type="quintile", badges=["B"])
    svg = exports.chart_svg(chart).decode("utf-8")
    assert svg.startswith("<svg") and "Somali" in svg and "Audit" in svg
