"""The indicator_values view and the breakdowns index the queries lean on (equity/db.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from equity import db


def _view_sql(extracts_dir: Path) -> str:
    con = db.connection(extracts_dir)
    return con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'indicator_values'"
    ).fetchone()[0]


def test_the_latest_period_from_the_index_is_the_latest_in_the_values(extracts_dir):
    """Queries take "the latest period on or before" from value_breakdowns (in memory), not
    by scanning the values: both must give the same period for every indicator and level."""
    con = db.connection(extracts_dir)
    from_index = con.execute(
        "SELECT indicator_id, area_type, max(period_end) AS latest FROM value_breakdowns "
        "GROUP BY ALL ORDER BY ALL"
    ).df()
    from_values = con.execute(
        "SELECT indicator_id, area_type, max(period_end) AS latest FROM indicator_values "
        "GROUP BY ALL ORDER BY ALL"
    ).df()
    assert len(from_index) > 20
    pd.testing.assert_frame_equal(from_index, from_values, check_dtype=False)


def test_files_of_one_schema_are_read_without_matching_columns_by_name(extracts_dir, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(extracts_dir, store)
    try:
        assert "union_by_name" not in _view_sql(store)
        before = (
            db.connection(store)
            .execute(
                "SELECT indicator_id, count(*), sum(numerator) FROM indicator_values "
                "GROUP BY ALL ORDER BY ALL"
            )
            .df()
        )

        # A file written with its columns in another order (as an older build or an
        # ingest might): the view must match columns by name, and the answers not change.
        odd = store / "values_school_flu.parquet"
        table = pq.read_table(odd)
        pq.write_table(table.select(list(reversed(table.column_names))), odd)
        db.reset(store)
        assert "union_by_name = true" in _view_sql(store)
        after = (
            db.connection(store)
            .execute(
                "SELECT indicator_id, count(*), sum(numerator) FROM indicator_values "
                "GROUP BY ALL ORDER BY ALL"
            )
            .df()
        )
        pd.testing.assert_frame_equal(after, before)
        assert len(after) > 10
    finally:
        db.reset(store)
