"""Compare areas' cross-session cache (ui/cache.indicators_at_level): every indicator at the
level, as the page used to ask them one by one, and copies a caller may change safely."""

from __future__ import annotations

import pandas as pd

from equity import compare, config, db, profile
from ui import cache


def assert_same_answer(got: pd.DataFrame, expected: pd.DataFrame, where=None) -> None:
    """The same rows, columns and values. A column with no value at all comes out of
    DuckDB as object (None) when one indicator is asked and as a string column (NaN) when
    several are; a nullable Int64 column for all of LLR may be int64 for a part: the
    numbers are what must agree."""
    answered = [column for column in expected if expected[column].notna().any()]
    assert (
        got[answered]
        .dtypes.astype(str)
        .str.lower()
        .equals(expected[answered].dtypes.astype(str).str.lower())
    ), where

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(got), plain(expected), obj=str(where))


def one_indicator(indicator_id, group, level, la_code, benchmark, benchmark_type):
    """The query for one indicator, as the page asked before the views were shared."""
    return db.run_query(
        "area_values_with_benchmark",
        indicator_id=indicator_id,
        level=level,
        la_code=la_code,
        benchmark_code=benchmark,
        benchmark_type=benchmark_type,
        **group,
    )


def default_groups(catalog: pd.DataFrame, level: str, indicators=None) -> dict[str, dict]:
    """{indicator_id: profile.default_group} of the indicators (all: None) at the level."""
    groups = {}
    for indicator_id in catalog.index if indicators is None else indicators:
        breakdowns = db.run_query("indicator_breakdowns", indicator_id=indicator_id)
        group = profile.default_group(breakdowns, level, catalog.loc[indicator_id])
        if group is not None:
            groups[indicator_id] = group
    return groups


def test_indicators_at_level_are_the_default_groups_and_the_rug_is_made_of_them(extracts_dir):
    catalog = db.run_query("indicator_catalog").set_index("indicator_id")
    values, long = cache.indicators_at_level("msoa", config.CITY_CODE, config.CITY_CODE)
    assert len(values) >= 3  # several indicators, in the catalog's order
    assert list(values) == [i for i in catalog.index if i in values]
    for indicator_id, group in default_groups(catalog, "msoa", list(values)).items():
        expected = one_indicator(
            indicator_id, group, "msoa", config.CITY_CODE, config.CITY_CODE, "la"
        )
        assert_same_answer(values[indicator_id], expected, indicator_id)
    pd.testing.assert_frame_equal(long, compare.rug_long(values, catalog))
    # all of LLR against LLR is another answer, not the city's from the cache
    everywhere, _ = cache.indicators_at_level("msoa", None, config.LLR_CODE)
    first = next(iter(values))
    assert len(everywhere[first]) > len(values[first])


def test_the_query_for_many_indicators_gives_each_what_the_query_for_one_does(extracts_dir):
    """queries/area_values_for_indicators.sql against area_values_with_benchmark.sql, for
    every indicator at its default group at every level (and within an authority)."""
    catalog = db.run_query("indicator_catalog").set_index("indicator_id")
    compared = 0
    for level, la_code, benchmark, benchmark_type in [
        ("msoa", None, config.LLR_CODE, "region"),
        ("ward", config.CITY_CODE, config.CITY_CODE, "la"),
        ("lsoa", None, config.LLR_CODE, "region"),
        ("practice", None, config.LLR_CODE, "region"),
        ("la", None, config.LLR_CODE, "region"),
    ]:
        groups = default_groups(catalog, level)
        many = db.run_query(
            "area_values_for_indicators",
            indicator_ids=list(groups),
            on_or_before=[group["on_or_before"] for group in groups.values()],
            sexes=[group["sex"] for group in groups.values()],
            age_bands=[group["age_band"] for group in groups.values()],
            ethnic_groups=[group["ethnic_group"] for group in groups.values()],
            level=level,
            la_code=la_code,
            benchmark_code=benchmark,
            benchmark_type=benchmark_type,
        )
        assert set(many["indicator_id"]) <= set(groups)
        for indicator_id, group in groups.items():
            one = one_indicator(indicator_id, group, level, la_code, benchmark, benchmark_type)
            mine = many[many["indicator_id"] == indicator_id].drop(columns="indicator_id")
            assert_same_answer(mine.reset_index(drop=True), one, (level, indicator_id))
            compared += len(one) > 0
    assert compared >= 60


def test_every_view_within_an_authority_is_what_the_query_gives_for_it(extracts_dir):
    """Views are cut from all of LLR and the authorities' own rows (compare.within_against);
    each must equal the query asked with that authority and benchmark, on every level the
    page offers, including indicators an authority has no figure for (empty benchmark)."""
    catalog = db.run_query("indicator_catalog").set_index("indicator_id")
    authorities = db.run_query("areas_of_type", area_type="la", la_code=None)["area_code"]
    # at practice level, three of the ~26 (one has no figure by authority); the rest: all
    chosen = {
        "practice": ["fingertips_91547", "life_expectancy_practice", "cervical_screening_coverage"]
    }
    compared = missing_benchmark = 0
    for level in ("msoa", "ward", "lsoa", "practice"):
        groups = default_groups(catalog, level, chosen.get(level))
        for la_code in [None, *authorities]:
            benchmark = la_code or config.LLR_CODE
            values, _ = cache.indicators_at_level(level, la_code, benchmark)
            for indicator_id, group in groups.items():
                expected = one_indicator(
                    indicator_id, group, level, la_code, benchmark, "la" if la_code else "region"
                )
                if expected.empty:
                    assert indicator_id not in values, (level, la_code, indicator_id)
                    continue
                assert_same_answer(values[indicator_id], expected, (level, la_code, indicator_id))
                compared += 1
                missing_benchmark += int(expected["benchmark_value"].isna().all())
    assert compared >= 50 and missing_benchmark > 0  # both cases met, not assumed


def test_a_caller_changing_its_copy_leaves_the_shared_answer_alone(extracts_dir):
    values, long = cache.indicators_at_level("msoa", config.CITY_CODE, config.CITY_CODE)
    first = next(iter(values))
    values[first].loc[:, "value"] = -1.0
    long.loc[:, "area_name"] = "changed"
    again, long_again = cache.indicators_at_level("msoa", config.CITY_CODE, config.CITY_CODE)
    assert (again[first]["value"].dropna() >= 0).all()
    assert "changed" not in set(long_again["area_name"])


def test_the_rugs_wide_tables_are_those_of_its_long_table_and_copies(extracts_dir):
    _, long = cache.indicators_at_level("msoa", config.CITY_CODE, config.CITY_CODE)
    wide, categories, suppressed = cache.rug_wide("msoa", config.CITY_CODE, config.CITY_CODE)
    expected = compare.rug_wide(long)
    for got, want in zip((wide, categories, suppressed), expected, strict=True):
        pd.testing.assert_frame_equal(got, want)
    wide.loc[:, "Area"] = "changed"
    again, _, _ = cache.rug_wide("msoa", config.CITY_CODE, config.CITY_CODE)
    assert "changed" not in set(again["Area"])
    # another view (all of LLR against LLR) is another table
    everywhere, _, _ = cache.rug_wide("msoa", None, config.LLR_CODE)
    assert len(everywhere) > len(wide)
