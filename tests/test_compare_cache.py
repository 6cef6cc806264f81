"""Compare areas' cross-session cache (ui/cache.indicators_at_level): every indicator at the
level, as the page used to ask them one by one, and copies a caller may change safely."""

from __future__ import annotations

import pandas as pd

from equity import compare, config, db, profile
from ui import cache


def test_indicators_at_level_are_the_default_groups_and_the_rug_is_made_of_them(extracts_dir):
    catalog = db.run_query("indicator_catalog").set_index("indicator_id")
    values, long = cache.indicators_at_level("msoa", config.CITY_CODE, config.CITY_CODE)
    assert len(values) >= 3  # several indicators, in the catalog's order
    assert list(values) == [i for i in catalog.index if i in values]
    for indicator_id in values:
        breakdowns = db.run_query("indicator_breakdowns", indicator_id=indicator_id)
        group = profile.default_group(breakdowns, "msoa", catalog.loc[indicator_id])
        expected = db.run_query(
            "area_values_with_benchmark",
            indicator_id=indicator_id,
            level="msoa",
            la_code=config.CITY_CODE,
            benchmark_code=config.CITY_CODE,
            benchmark_type="la",
            **group,
        )
        pd.testing.assert_frame_equal(values[indicator_id], expected)
    pd.testing.assert_frame_equal(long, compare.rug_long(values, catalog))
    # all of LLR against LLR is another answer, not the city's from the cache
    everywhere, _ = cache.indicators_at_level("msoa", None, config.LLR_CODE)
    first = next(iter(values))
    assert len(everywhere[first]) > len(values[first])


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
        groups = {}
        for indicator_id in chosen.get(level, catalog.index):
            breakdowns = db.run_query("indicator_breakdowns", indicator_id=indicator_id)
            group = profile.default_group(breakdowns, level, catalog.loc[indicator_id])
            if group is not None:
                groups[indicator_id] = group
        for la_code in [None, *authorities]:
            benchmark = la_code or config.LLR_CODE
            values, _ = cache.indicators_at_level(level, la_code, benchmark)
            for indicator_id, group in groups.items():
                expected = db.run_query(
                    "area_values_with_benchmark",
                    indicator_id=indicator_id,
                    level=level,
                    la_code=la_code,
                    benchmark_code=benchmark,
                    benchmark_type="la" if la_code else "region",
                    **group,
                )
                if expected.empty:
                    assert indicator_id not in values, (level, la_code, indicator_id)
                    continue
                got = values[indicator_id]
                # All of LLR may hold a NULL where a part holds none: DuckDB then gives a
                # nullable Int64 column for the whole and int64 for the part; same numbers.
                assert (
                    got.dtypes.astype(str)
                    .str.lower()
                    .equals(expected.dtypes.astype(str).str.lower())
                ), (level, la_code, indicator_id)
                pd.testing.assert_frame_equal(got, expected, check_dtype=False)
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
