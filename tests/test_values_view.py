"""The indicator_values view and the breakdowns index the queries lean on (equity/db.py)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
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


# --------------------------------------------------------------- the area-major copies

ST_MATTHEWS = {"area_code": "E02002844", "area_type": "msoa", "la_code": "E06000016"}
LATEST = date(2100, 1, 1)
# Every question about one area, with parameters that reach each kind of row it reads.
ONE_AREA_QUESTIONS = [
    ("area_indicator_groups", {"indicator_id": "covid_first_dose_demo", "on_or_before": LATEST}),
    (
        "area_indicator_series",
        {"indicator_id": "covid_first_dose_demo", "sex": "All", "age_band": "50+"}
        | {"ethnic_group": "All"},
    ),
    (
        "area_indicator_series",  # published with a named comparator (LEICS_RUTLAND)
        {"indicator_id": "flu_vaccination_school_age", "sex": "All", "age_band": "All"}
        | {"ethnic_group": "All"},
    ),
    (
        "area_breakdown_by_group",
        {"indicator_id": "covid_first_dose_demo", "on_or_before": LATEST}
        | {"dimensions": ["ethnic_group", "sex", "age_band"], "age_band": "50+"},
    ),
    (
        "counts_by_ethnic_group",
        {"indicator_id": "covid_first_dose_demo", "on_or_before": LATEST}
        | {"sex": "All", "age_band": "50+"},
    ),
    (
        "series_for_area_and_group",
        {"indicator_id": "covid_first_dose_demo", "sex": "Female", "age_band": "65+"}
        | {"ethnic_group": "Asian"},
    ),
]


def _params(name: str, params: dict) -> dict:
    """St Matthews and `params`, as many as the question takes."""
    return {k: v for k, v in (ST_MATTHEWS | params).items() if f"${k}" in db.query_text(name)}


def _row_groups_scanned(con, name: str, params: dict) -> list[tuple[int, int]]:
    plan = con.cursor().execute("EXPLAIN ANALYZE " + db.query_text(name), params).fetchall()
    found = re.findall(r"Row Groups Scanned: (\d+) / (\d+)", plan[0][1])
    return [(int(read), int(of)) for read, of in found]


def test_every_values_file_has_an_area_major_copy_of_the_same_rows(extracts_dir):
    con = db.connection(extracts_dir)
    files = sorted(extracts_dir.glob(db.VALUES_GLOB))
    assert len(files) > 5
    for path in files:
        copy = db.area_major_copy(path)
        assert copy == extracts_dir / db.AREA_MAJOR_DIR / path.name
        differ = con.execute(
            "SELECT count(*) FROM ((FROM read_parquet($a) EXCEPT ALL FROM read_parquet($b)) "
            "UNION ALL (FROM read_parquet($b) EXCEPT ALL FROM read_parquet($a)))",
            {"a": str(path), "b": str(copy)},
        ).fetchone()[0]
        assert differ == 0, path.name
        keys = pq.read_table(copy, columns=list(db.AREA_MAJOR_ORDER)).to_pandas()
        pd.testing.assert_frame_equal(
            keys, keys.sort_values(list(db.AREA_MAJOR_ORDER), ignore_index=True)
        )


def test_one_area_questions_read_only_that_areas_row_groups(extracts_dir):
    """The point of the copies: the area's rows, not every period's block, are read."""
    con = db.connection(extracts_dir)
    for name, params in ONE_AREA_QUESTIONS:
        params = _params(name, params)
        total = max(of for _, of in _row_groups_scanned(con, name, params))
        assert total > 10, name  # the values have row groups to skip
        scans = [read for read, of in _row_groups_scanned(con, name, params) if of == total]
        # at most the area, its LA and LLR, each in a row group or across two
        assert scans and all(read <= 6 for read in scans), (name, scans)
    # the same question over the files sorted for the map reads many more
    plan = con.execute(
        "EXPLAIN ANALYZE SELECT count(*) FROM indicator_values WHERE area_code = $a",
        {"a": ST_MATTHEWS["area_code"]},
    ).fetchall()[0][1]
    read, _ = map(int, re.search(r"Row Groups Scanned: (\d+) / (\d+)", plan).groups())
    assert read > 3


def test_one_area_answers_are_the_same_with_and_without_the_copies(extracts_dir, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(extracts_dir, store)
    shutil.rmtree(store / db.AREA_MAJOR_DIR)
    try:
        for name, params in ONE_AREA_QUESTIONS:
            params = _params(name, params)
            with_copies = db.run_query(name, extracts_dir, **params)
            without = db.run_query(name, store, **params)
            assert len(with_copies) > 1, name
            pd.testing.assert_frame_equal(with_copies, without, obj=name)
            # without copies the view is the files themselves
            sql = (
                db.connection(store)
                .execute(
                    "SELECT sql FROM duckdb_views() WHERE view_name = 'indicator_values_by_area'"
                )
                .fetchone()[0]
            )
            assert f"/{db.AREA_MAJOR_DIR}/" not in sql
    finally:
        db.reset(store)


def test_a_copy_that_no_longer_matches_its_file_is_not_read(extracts_dir, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(extracts_dir, store)
    name, params = ONE_AREA_QUESTIONS[0]
    params = _params(name, params)
    target = store / "values_demo_covid.parquet"
    try:
        before = db.run_query(name, store, **params)
        assert set(before["ethnic_group"]) > {"All", "Asian"}
        # The file rewritten (as a build would, with its own footer) without the Asian
        # rows, and its copy left as it was: the copy must not answer.
        con = duckdb.connect()
        select = f"SELECT * FROM read_parquet('{target}') WHERE ethnic_group <> 'Asian'"
        con.execute(f"CREATE TABLE kept AS {select}")
        con.execute(
            f"COPY kept TO '{target}' (FORMAT parquet, {db.breakdowns_footer(con, 'FROM kept')})"
        )
        db.reset(store)
        assert db.area_major_copy(target) is None
        after = db.run_query(name, store, **params)
        assert "Asian" not in set(after["ethnic_group"])
        assert set(after["ethnic_group"]) == set(before["ethnic_group"]) - {"Asian"}

        # A truncated copy is passed over the same way, with no error.
        copy = store / db.AREA_MAJOR_DIR / "values_school_flu.parquet"
        copy.write_bytes(copy.read_bytes()[:1000])
        db.reset(store)
        assert db.area_major_copy(store / "values_school_flu.parquet") is None
        leicester = {"area_code": "E06000016", "area_type": "la"}
        flu = dict(params, indicator_id="flu_vaccination_school_age") | leicester
        assert len(db.run_query(name, store, **flu)) >= 1
    finally:
        db.reset(store)


def test_the_queries_cursors_keep_parquet_footers_between_queries(extracts_dir):
    """Every query runs on a cursor of its own (db.run_query): a setting made only on the
    shared connection would not reach them."""
    cursor = db.connection(extracts_dir).cursor()
    try:
        setting = "SELECT current_setting('parquet_metadata_cache')"
        assert cursor.execute(setting).fetchone()[0] is True
    finally:
        cursor.close()


def test_a_values_file_another_process_adds_is_read_at_the_next_fingerprint(
    extracts_dir, tmp_path, monkeypatch
):
    """The one-area view lists its files when the connection opens; a file a CLI ingest or
    build adds must reach it once the app's fingerprint of the folder changes."""
    from equity import config
    from ui import cache

    store = tmp_path / "store"
    shutil.copytree(extracts_dir, store)
    monkeypatch.setattr(config, "EXTRACTS_DIR", store)
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    cache.forget_extracts_version()
    leicester = {"area_code": "E06000016", "area_type": "la", "la_code": None}
    asked = dict(indicator_id="flu_copy", on_or_before=LATEST, **leicester)
    try:
        cache.extracts_version()
        assert db.run_query("area_indicator_groups", store, **asked).empty
        # another process writes a new values file (here: the school flu rows renamed)
        duckdb.execute(
            "COPY (SELECT * REPLACE ('flu_copy' AS indicator_id) FROM read_parquet($p)) "
            f"TO '{store / 'values_zz_copy.parquet'}' (FORMAT parquet)",
            {"p": str(store / "values_school_flu.parquet")},
        )
        clock[0] += cache._VERSION_SECONDS + 0.01
        cache.extracts_version()
        found = db.run_query("area_indicator_groups", store, **asked)
        assert len(found) >= 1 and set(found["area_code"]) == {"E06000016"}
    finally:
        cache.forget_extracts_version()
        db.reset(store)
