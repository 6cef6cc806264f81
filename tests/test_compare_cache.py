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
