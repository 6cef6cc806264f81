"""Every query that turns summed counts into a value does so by the indicator's unit:
percent -> Wilson, rate -> crude rate with PHE limits at the catalog's multiplier,
value-type units (years, ratio) -> the published figures."""

from __future__ import annotations

import shutil
from datetime import date

import numpy as np
import pandas as pd
import pytest

from equity import db, schema, stats

RATE_ID = "test_emergency_admissions_rate"
RATIO_ID = "test_admissions_ratio"
PERCENT_ID = "test_uptake_percent"
MULTIPLIER = 1000.0
PERIOD = date(2021, 3, 31)


def _catalog_row(indicator_id: str, unit: str, value_type: str, multiplier) -> dict:
    return {
        "indicator_id": indicator_id,
        "label": indicator_id,
        "short_label": indicator_id,
        "domain": "context",
        "unit": unit,
        "polarity": schema.LOWER_IS_BETTER,
        "target": np.nan,
        "value_type": value_type,
        "source": "test",
        "licence": "test",
        "vintage": "test",
        "method": "test",
        "caveat": "",
        "default_sex": "All",
        "default_age_band": "All",
        "default_period_end": None,
        "is_synthetic": True,
        "is_modelled": False,
        "multiplier": multiplier,
    }


@pytest.fixture(scope="module")
def unit_store(extracts_dir, tmp_path_factory):
    """A small store: the real areas, three test indicators on two MSOAs and their LA."""
    store = tmp_path_factory.mktemp("unit_store")
    for filename in (
        "areas.parquet",
        "postcodes.parquet",
        "interventions.parquet",
        "resident_groups.parquet",
    ):
        shutil.copy(extracts_dir / filename, store / filename)
    areas = pd.read_parquet(extracts_dir / "areas.parquet")
    msoas = areas[areas["area_type"] == "msoa"].sort_values("area_code")
    la_code = msoas["la_code"].iloc[0]
    two = msoas[msoas["la_code"] == la_code].head(2)
    pd.DataFrame(
        [
            _catalog_row(RATE_ID, "rate", "count", MULTIPLIER),
            _catalog_row(RATIO_ID, "ratio", "value", np.nan),
            _catalog_row(PERCENT_ID, "percent", "count", np.nan),
        ]
    ).to_parquet(store / "indicators.parquet", index=False)
    rows = []
    # Events exceed the population for area 0 (a rate, not a proportion) and are below 10
    # for area 1 (exact Poisson limits).
    counts = {RATE_ID: [(1500, 1200), (4, 900)], PERCENT_ID: [(60, 100), (30, 90)]}
    for indicator_id, pairs in counts.items():
        for (numerator, denominator), code in zip(pairs, two["area_code"]):
            rows.append((indicator_id, code, "msoa", numerator, denominator, 1.0, 0.5, 2.0))
    for code, published in zip(two["area_code"], (112.3, 87.6)):
        rows.append((RATIO_ID, code, "msoa", np.nan, np.nan, published, np.nan, np.nan))
    values = pd.DataFrame(
        rows,
        columns=[
            "indicator_id",
            "area_code",
            "area_type",
            "numerator",
            "denominator",
            "value",
            "lower_ci",
            "upper_ci",
        ],
    )
    values["period_start"] = pd.Timestamp(2020, 4, 1)
    values["period_end"] = pd.Timestamp(PERIOD)
    for column in schema.CATEGORY_COLUMNS:
        values[column] = "All"
    values["is_synthetic"] = True
    values["is_modelled"] = False
    values[list(schema.VALUES_COLUMNS)].to_parquet(store / "values_test.parquet", index=False)
    db.reset(store)
    yield store, two, la_code
    db.reset(store)


def _values(store, indicator_id, la_code=None):
    return db.run_query(
        "area_values_with_benchmark",
        extracts_dir=store,
        indicator_id=indicator_id,
        on_or_before=PERIOD,
        level="msoa",
        la_code=la_code,
        sex="All",
        age_band="All",
        ethnic_group="All",
        benchmark_code="LLR",
        benchmark_type="region",
    ).set_index("area_code")


def test_rate_values_and_limits_use_the_catalog_multiplier(unit_store):
    store, two, _ = unit_store
    got = _values(store, RATE_ID)
    expected = stats.rate_with_ci(
        np.array([1500.0, 4.0]), np.array([1200.0, 900.0]), multiplier=MULTIPLIER
    )
    codes = list(two["area_code"])
    assert got.loc[codes, "value"].to_numpy() == pytest.approx(expected["value"].to_numpy())
    assert got.loc[codes, "lower_ci"].to_numpy() == pytest.approx(expected["lower_ci"].to_numpy())
    assert got.loc[codes, "upper_ci"].to_numpy() == pytest.approx(expected["upper_ci"].to_numpy())
    # a rate above the multiplier's scale is kept, never capped as a proportion would be
    assert got.loc[codes[0], "value"] == pytest.approx(1250.0)


def test_ratio_values_are_published_and_never_recomputed(unit_store):
    store, two, _ = unit_store
    got = _values(store, RATIO_ID)
    assert got.loc[list(two["area_code"]), "value"].tolist() == pytest.approx([112.3, 87.6])
    assert got["lower_ci"].isna().all() and got["upper_ci"].isna().all()


def test_percent_values_stay_wilson_from_counts(unit_store):
    store, two, _ = unit_store
    got = _values(store, PERCENT_ID)
    code = two["area_code"].iloc[0]
    lower, upper = stats.wilson_interval(60, 100)
    assert got.loc[code, "value"] == pytest.approx(60.0)
    assert (got.loc[code, "lower_ci"], got.loc[code, "upper_ci"]) == pytest.approx(
        (100 * lower, 100 * upper)
    )


def test_rate_is_pooled_from_counts_by_deprivation_and_over_time(unit_store):
    store, two, la_code = unit_store
    deciles = db.run_query(
        "counts_by_deprivation",
        extracts_dir=store,
        indicator_id=RATE_ID,
        on_or_before=PERIOD,
        level="msoa",
        la_code=None,
        sex="All",
        age_band="All",
        ethnic_group="All",
        quantile_type="quintile",
    )
    pooled = MULTIPLIER * deciles["numerator"] / deciles["denominator"]
    assert deciles["value"].to_numpy() == pytest.approx(pooled.to_numpy())
    assert (deciles["numerator"] > 0).all()
    series = db.run_query(
        "series_for_area_and_group",
        extracts_dir=store,
        indicator_id=RATE_ID,
        area_code=two["area_code"].iloc[0],
        area_type="msoa",
        sex="All",
        age_band="All",
        ethnic_group="All",
    )
    assert series["value"].tolist() == pytest.approx([1250.0])
    assert series["upper_ci"].iloc[0] > 1250.0 > series["lower_ci"].iloc[0]
