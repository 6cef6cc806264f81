"""The one place that imports streamlit in equity/: cached wrappers around the data layer.

Results are keyed on the query name and its parameters, so a widget change re-runs only
the queries whose parameters changed; nothing here is mutable shared state.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from equity import config, db


@st.cache_data(show_spinner=False, max_entries=512)
def query(name: str, extracts_version: str, **params) -> pd.DataFrame:
    """db.run_query, cached; extracts_version changes whenever an extract file changes."""
    return db.run_query(name, **params)


def extracts_version() -> str:
    """A cheap fingerprint of the extract files (names, sizes, modification times)."""
    parts = []
    for path in sorted(config.EXTRACTS_DIR.glob("*.parquet")):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def run(name: str, **params) -> pd.DataFrame:
    return query(name, extracts_version(), **params)


@st.cache_data(show_spinner=False, max_entries=8)
def _problems(kind: str, extracts_version: str) -> list[str]:
    # The verdict only changes when a file's name, size or mtime does, so the files are
    # opened once per version rather than on every rerun.
    if kind == "map":
        return db.check_map_files(config.EXTRACTS_DIR)
    return db.check_extracts(config.EXTRACTS_DIR)


def extracts_problems() -> list[str]:
    return _problems("data", extracts_version())


def map_problems() -> list[str]:
    return _problems("map", extracts_version())
