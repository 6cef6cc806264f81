"""Geometry as GeoJSON dicts, read once per level (shared, read-only).

st.cache_resource rather than st.cache_data: the GeoJSON dicts are shared by reference
across reruns and sessions instead of being unpickled on every rerun; nothing mutates
them (map features wrap them in new dicts). The extracts fingerprint is part of the key,
so a rebuilt extract is picked up.
"""

from __future__ import annotations

import streamlit as st

from equity import cache, geo


@st.cache_resource(show_spinner=False, max_entries=16)
def _level_geometries(level: str, extracts_version: str) -> dict[str, dict]:
    return geo.level_geometries(level)


def level_geometries(level: str) -> dict[str, dict]:
    """{area_code: GeoJSON geometry} for ward, msoa, lsoa or la; empty if boundaries are
    unreadable (app.py already warns, and pages that need them call require_boundaries)."""
    if cache.map_problems():
        return {}
    return _level_geometries(level, cache.extracts_version())


def require_boundaries() -> None:
    """Stop a map-only page with a clear message when the boundary files are broken."""
    problems = cache.map_problems()
    if problems:
        st.error(
            "The map cannot be drawn: "
            + "; ".join(problems)
            + ". Run **`make run`** (it rebuilds the extracts); the other pages still work."
        )
        st.stop()
