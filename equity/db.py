"""DuckDB over the Parquet extracts: read-only views, one cursor per query.

Streamlit serves each session on its own thread, so the shared connection is only ever
used to hand out cursors; every query runs on a fresh cursor and nothing is written.

Which periods, levels and groups each indicator has (the widgets' choices) comes from an
index each values file carries in its Parquet footer, written with the file; a file
without one (or whose row count no longer matches it) is scanned instead. At England
scale that turns a 0.5 s scan of 50 M rows into reading a footer.

The values files are sorted for the map (one period and group, every area). Questions about
one area read an area-major copy of each file instead (`by_area/`, view
`indicator_values_by_area`), where that area's rows sit in one row group rather than in
every period's; a copy is used only while its footer names the same rows as its file's.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from equity import config

# Every view the queries use, and the extract files behind it.
VIEW_FILES = {
    "areas": "areas.parquet",
    "indicators": "indicators.parquet",
    "postcodes": "postcodes.parquet",
    "interventions": "interventions.parquet",
    "resident_groups": "resident_groups.parquet",
}
VALUES_GLOB = "values_*.parquet"
BREAKDOWNS_KEY = "equity.breakdowns"
BREAKDOWN_COLUMNS = ("indicator_id", "period_end", "area_type", "sex", "age_band", "ethnic_group")
MAP_FILES = ("boundaries.parquet", "boundaries_simplified.parquet")
AREA_MAJOR_DIR = "by_area"
AREA_MAJOR_KEY = "equity.area_major_of"
# One area's rows, every period and group, contiguous: a single-area question reads the row
# group(s) holding that area. period_start last only to make the order total (repeatable).
AREA_MAJOR_ORDER = (
    "indicator_id",
    "area_type",
    "area_code",
    "period_end",
    "sex",
    "age_band",
    "ethnic_group",
    "period_start",
)
ROW_GROUP_SIZE = 122_880


class ExtractsMissing(RuntimeError):
    """The extracts are missing or unreadable; the message says which and how to fix."""


_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}


@cache
def query_text(name: str) -> str:
    """The SQL of one question, from queries/<name>.sql (names are code, never user text)."""
    path = config.QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {config.QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


def check_extracts(extracts_dir: Path) -> list[str]:
    """Problems with the extract files, as sentences naming the file (empty when fine)."""
    problems = []
    for filename in VIEW_FILES.values():
        path = extracts_dir / filename
        if not path.is_file():
            problems.append(f"{path.name} is missing")
        elif path.stat().st_size == 0:
            problems.append(f"{path.name} is empty")
    if not list(extracts_dir.glob(VALUES_GLOB)):
        problems.append("no values_*.parquet files")
    data_files = [extracts_dir / name for name in VIEW_FILES.values()]
    data_files += sorted(extracts_dir.glob(VALUES_GLOB))
    problems += _damaged([path for path in data_files if path.is_file()], problems)
    return problems


def check_map_files(extracts_dir: Path) -> list[str]:
    """Problems with the boundary files (they only feed the maps), as sentences naming them."""
    paths = [extracts_dir / name for name in MAP_FILES]
    missing = [f"{path.name} is missing" for path in paths if not path.is_file()]
    return missing + _damaged([path for path in paths if path.is_file()], [])


def _damaged(paths: list[Path], already: list[str]) -> list[str]:
    problems = []
    for path in paths:
        if path.stat().st_size == 0:
            if f"{path.name} is empty" not in already:
                problems.append(f"{path.name} is empty")
            continue
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(-4, 2)
            tail = handle.read(4)
        if head != b"PAR1" or tail != b"PAR1":
            problems.append(f"{path.name} is not a valid Parquet file (corrupt or truncated)")
    return problems


def _open(extracts_dir: Path) -> duckdb.DuckDBPyConnection:
    problems = check_extracts(extracts_dir)
    if problems:
        raise ExtractsMissing(
            f"The data extracts in {extracts_dir} cannot be used: "
            + "; ".join(problems)
            + ". Run `make run` (or `python -m equity build`) to rebuild them."
        )
    con = duckdb.connect(":memory:")
    for view, filename in VIEW_FILES.items():
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{_sql_path(extracts_dir / filename)}')"
        )
    catalog_columns = {row[0] for row in con.execute("DESCRIBE indicators").fetchall()}
    if "multiplier" not in catalog_columns:  # a catalog built before rates had multipliers
        con.execute(
            "CREATE OR REPLACE VIEW indicators AS SELECT *, CAST(NULL AS DOUBLE) AS multiplier "
            f"FROM read_parquet('{_sql_path(extracts_dir / VIEW_FILES['indicators'])}')"
        )
    values_glob = _sql_path(extracts_dir / VALUES_GLOB)
    # union_by_name reads every file's schema each time a query names the view (~7 ms per
    # mention with 11 files, of a ~70 ms query); only files of differing schemas need it.
    union = "" if _one_schema(sorted(extracts_dir.glob(VALUES_GLOB))) else ", union_by_name = true"
    con.execute(
        f"CREATE VIEW indicator_values AS SELECT * FROM read_parquet('{values_glob}'{union})"
    )
    by_area = [area_major_copy(path) or path for path in sorted(extracts_dir.glob(VALUES_GLOB))]
    listed = ", ".join(f"'{_sql_path(path)}'" for path in by_area)
    union = "" if _one_schema(by_area) else ", union_by_name = true"
    con.execute(
        f"CREATE VIEW indicator_values_by_area AS SELECT * FROM read_parquet([{listed}]{union})"
    )
    # Each query otherwise parses every file's footer again (~15 ms for England's 417 row
    # groups, more than the row group an area question reads); a new connection after every
    # rebuild or ingest (reset) starts an empty cache.
    con.execute("SET GLOBAL parquet_metadata_cache = true")  # GLOBAL: the cursors too
    con.execute(query_text("_macros"))
    _load_breakdowns(con, sorted(extracts_dir.glob(VALUES_GLOB)))
    con.execute(query_text("_table_macros"))  # bound when made: after the views and index
    return con


def _one_schema(files: list[Path]) -> bool:
    """Do the Parquet files have the same column names and types, in the same order?"""
    import pyarrow.parquet as pq

    schemas = {
        tuple((field.name, str(field.type)) for field in pq.read_schema(path)) for path in files
    }
    return len(schemas) == 1


def breakdowns_footer(con: duckdb.DuckDBPyConnection, select_sql: str) -> str:
    """KV_METADATA for COPYing `select_sql` to a values file: its distinct breakdown rows,
    its row count (so a file rewritten without updating them is not trusted) and a
    fingerprint of its rows (so its area-major copy can be matched to it)."""
    columns = ", ".join(BREAKDOWN_COLUMNS)
    rows = con.execute(f"SELECT DISTINCT {columns} FROM ({select_sql}) ORDER BY ALL").fetchall()
    count, content = _rows_fingerprint(con, select_sql)
    index = {"rows": count, "content": content, "columns": list(BREAKDOWN_COLUMNS), "values": rows}
    return _kv_metadata(BREAKDOWNS_KEY, index)


def _rows_fingerprint(con: duckdb.DuckDBPyConnection, select_sql: str) -> tuple[int, str]:
    """Row count and an order-independent checksum of every row (the same for any sort)."""
    count, total = con.execute(
        f"SELECT count(*), CAST(coalesce(sum(hash(*COLUMNS(*))), 0) AS VARCHAR) FROM ({select_sql})"
    ).fetchone()
    return count, total


def _kv_metadata(key: str, payload: dict) -> str:
    text = json.dumps(payload, default=str, separators=(",", ":")).replace("'", "''")
    return f"KV_METADATA {{'{key}': '{text}'}}"


def _footer_entry(path: Path, key: str) -> tuple[int, dict | None]:
    """A file's row count and the JSON stored under `key` in its footer (None if absent)."""
    import pyarrow.parquet as pq

    footer = pq.ParquetFile(path).metadata
    stored = json.loads((footer.metadata or {}).get(key.encode(), b"null"))
    return footer.num_rows, stored if isinstance(stored, dict) else None


def write_area_major_copy(con: duckdb.DuckDBPyConnection, values_path: Path) -> Path:
    """Write by_area/<name>: the rows of a values file (written with breakdowns_footer) in
    AREA_MAJOR_ORDER, its footer naming the rows it copies."""
    rows, index = _footer_entry(values_path, BREAKDOWNS_KEY)
    if not index or index.get("rows") != rows or "content" not in index:
        raise ValueError(f"{values_path.name} has no row fingerprint in its footer to copy")
    target = values_path.parent / AREA_MAJOR_DIR / values_path.name
    target.parent.mkdir(exist_ok=True)
    order = ", ".join(AREA_MAJOR_ORDER)
    source = _sql_path(values_path)
    footer = _kv_metadata(AREA_MAJOR_KEY, {"rows": rows, "content": index["content"]})
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{source}') ORDER BY {order}) TO "
        f"'{_sql_path(target)}' (FORMAT parquet, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}, {footer})"
    )
    return target


def area_major_copy(values_path: Path) -> Path | None:
    """The file's area-major copy if one exists and holds the same rows, else None."""
    copy = values_path.parent / AREA_MAJOR_DIR / values_path.name
    if not copy.is_file():
        return None
    try:
        rows, index = _footer_entry(values_path, BREAKDOWNS_KEY)
        copy_rows, copied = _footer_entry(copy, AREA_MAJOR_KEY)
    except (OSError, ValueError):  # unreadable (e.g. truncated): the file itself answers
        return None
    same = index is not None and copied is not None and index.get("content") is not None
    same = same and rows == copy_rows == index.get("rows") == copied.get("rows")
    return copy if same and copied.get("content") == index.get("content") else None


def _load_breakdowns(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """Table value_breakdowns: the distinct breakdown rows of every values file."""
    import pyarrow as pa

    as_text = pa.schema([(name, pa.string()) for name in BREAKDOWN_COLUMNS])
    columns = ", ".join(BREAKDOWN_COLUMNS)
    parts = [as_text.empty_table()]
    for path in files:
        num_rows, stored = _footer_entry(path, BREAKDOWNS_KEY)
        if stored and stored.get("rows") == num_rows:
            by_column = (
                dict(zip(stored["columns"], zip(*stored["values"]))) if stored["values"] else {}
            )
            parts.append(
                pa.table(
                    {n: pa.array(by_column.get(n, []), pa.string()) for n in BREAKDOWN_COLUMNS}
                )
            )
        else:  # no index, or the file was rewritten without one: read it the long way
            scanned = con.sql(
                f"SELECT DISTINCT {columns} FROM read_parquet($path)", params={"path": str(path)}
            )
            parts.append(scanned.to_arrow_table().cast(as_text))
    con.register("breakdowns_found", pa.concat_tables(parts))
    try:
        con.execute(
            "CREATE TABLE value_breakdowns AS SELECT DISTINCT indicator_id, "
            "CAST(period_end AS DATE) AS period_end, area_type, sex, age_band, ethnic_group "
            "FROM breakdowns_found"
        )
    finally:
        con.unregister("breakdowns_found")


def _sql_path(path: Path) -> str:
    # Paths come from configuration, never from users; quotes are doubled all the same.
    return str(path).replace("'", "''")


def connection(extracts_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    extracts_dir = Path(extracts_dir or config.EXTRACTS_DIR)
    with _lock:
        con = _connections.get(extracts_dir)
        if con is None:
            con = _open(extracts_dir)
            _connections[extracts_dir] = con
        return con


def reset(extracts_dir: Path | None = None) -> None:
    """Forget open connections, e.g. after a rebuild or an ingest added a file."""
    with _lock:
        if extracts_dir is None:
            targets = list(_connections)
        else:
            targets = [Path(extracts_dir)]
        for key in targets:
            # Not closed here: another session's query may still be running on a cursor of
            # it; the next query opens a fresh connection and the old one is collected.
            _connections.pop(key, None)


def run_query(name: str, extracts_dir: Path | None = None, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with named parameters bound by DuckDB, on its own cursor."""
    sql = query_text(name)
    cursor = connection(extracts_dir).cursor()
    try:
        return cursor.execute(sql, params).df()
    finally:
        cursor.close()
