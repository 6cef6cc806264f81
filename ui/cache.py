"""Every Streamlit cache in the app: cached wrappers around the pure equity/ functions.

Data results are keyed on the query name and its parameters plus the extracts' fingerprint
(extracts_version), so a widget change re-runs only the queries whose parameters changed
and a rebuilt or newly ingested extract is seen at once. What a page builds from them that
costs tens of milliseconds or more and depends only on the area or selection (the profile's
spine, Where to act's map) is kept here too, across sessions, keyed the same way. Every
cache is bounded (max_entries); nothing here is mutable shared state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from equity import compare, config, db, geo, targets, where_to_act
from equity.selection import Selection, benchmark_type

if TYPE_CHECKING:  # the planner pulls in spopt and pulp: only its page imports them
    import altair as alt

    from equity import profile
    from equity.planner import plan

# --- queries and start-up checks -------------------------------------------------------


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


# --- map geometry ----------------------------------------------------------------------


# st.cache_resource rather than st.cache_data: the GeoJSON dicts are shared by reference
# across reruns and sessions instead of being unpickled on every rerun; nothing mutates
# them (map features wrap them in new dicts).
@st.cache_resource(show_spinner=False, max_entries=16)
def _level_geometries(level: str, extracts_version: str) -> dict[str, dict]:
    return geo.level_geometries(level)


def level_geometries(level: str) -> dict[str, dict]:
    """{area_code: GeoJSON geometry} for ward, msoa, lsoa or la; empty if boundaries are
    unreadable (app.py already warns, and pages that need them call require_boundaries)."""
    if map_problems():
        return {}
    return _level_geometries(level, extracts_version())


def require_boundaries() -> None:
    """Stop a map-only page with a clear message when the boundary files are broken."""
    problems = map_problems()
    if problems:
        st.error(
            "The map cannot be drawn: "
            + "; ".join(problems)
            + ". Run **`make run`** (it rebuilds the extracts); the other pages still work."
        )
        st.stop()


# --- area profile ----------------------------------------------------------------------


# The spine and the nearby practices ask ~60 indicators each (cached queries, then pandas
# work): two thirds of the profile's rerun time, yet they depend only on the area and the
# extracts, so every session shares one copy. (equity.profile imports altair, which app
# start-up does not need, hence the imports inside.)
@st.cache_data(show_spinner=False, max_entries=64)
def _area_spine(place: profile.Place, extracts_version: str) -> profile.Spine:
    from equity import profile

    return profile.area_spine(place, run("indicator_catalog").set_index("indicator_id"), run)


def area_spine(place: profile.Place) -> profile.Spine:
    """equity.profile.area_spine for the place, over the current extracts."""
    return _area_spine(place, extracts_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _nearby_practice_table(place: profile.Place, extracts_version: str):
    from equity import profile

    catalog = run("indicator_catalog").set_index("indicator_id")
    return profile.nearby_practice_table(place, catalog, run)


def nearby_practice_table(
    place: profile.Place,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]] | None:
    """equity.profile.nearby_practice_table for the place, over the current extracts."""
    return _nearby_practice_table(place, extracts_version())


# --- where to act -----------------------------------------------------------------------


# Each of these took tens of milliseconds of every rerun (the map's spec ~0.2 s) for the same
# selection; the data arguments are small (one row per area), so hashing them for the key
# costs a few milliseconds.
@st.cache_data(show_spinner=False, max_entries=64)
def _ranked_targets(
    selection: Selection, polarity: str, extracts_version: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = selection.query_params(benchmark_type(selection.benchmark_code, selection.level))
    frame = run("area_values_with_benchmark", **params)
    return frame, targets.rank_targets(frame, polarity, only_worse=False)


def ranked_targets(selection: Selection, polarity: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the selection's area_values_with_benchmark rows, targets.rank_targets of them)."""
    return _ranked_targets(selection, polarity, extracts_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _targets_map(
    areas: pd.DataFrame, level: str, target_codes: list[str], extracts_version: str, **spec
) -> alt.LayerChart:
    from equity import targets_map

    return targets_map.targets_map(areas, level_geometries(level), target_codes, **spec)


def targets_map(areas: pd.DataFrame, level: str, target_codes: list[str], **spec) -> alt.LayerChart:
    """equity.targets_map.targets_map over the level's geometries."""
    return _targets_map(areas, level, target_codes, extracts_version(), **spec)


@st.cache_data(show_spinner=False, max_entries=64)
def probability_worst(frame: pd.DataFrame, polarity: str, k: int) -> pd.Series:
    """compare.probability_worst (10,000 seeded draws per area)."""
    return compare.probability_worst(frame, polarity, k)


@st.cache_data(show_spinner=False, max_entries=64)
def potential_for_improvement(
    frame: pd.DataFrame, benchmark_value: float, polarity: str, unit_of_change: str
) -> dict:
    return compare.potential_for_improvement(frame, benchmark_value, polarity, unit_of_change)


@st.cache_data(show_spinner=False, max_entries=64)
def _missed_by_group(extracts_version: str, **params) -> pd.DataFrame:
    sums = run("area_breakdown_by_group", **params)
    return where_to_act.missed_by_group(sums, params["area_code"], params["dimension"])


def missed_by_group(**params) -> pd.DataFrame:
    """where_to_act.missed_by_group for area_breakdown_by_group(**params) (its area and
    dimension)."""
    return _missed_by_group(extracts_version(), **params)


# --- pop-up clinic planner -------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=1)
def practice_list() -> pd.DataFrame:
    from equity.planner import venues

    return venues.read_practice_sites()


@st.cache_data(show_spinner=False, max_entries=1)
def postcode_list() -> pd.DataFrame:
    from equity.planner import venues

    return venues.read_postcodes()


@st.cache_data(show_spinner=False, max_entries=8)
def uploaded_venues(content: bytes, filename: str) -> pd.DataFrame:
    from equity.planner import venues

    return venues.read_venues(content, postcode_list(), filename=filename)


@st.cache_resource(show_spinner=False, max_entries=2)
def _planner_residents(extracts_version: str):
    from equity.planner import cli

    return cli.read_residents()


def planner_residents():
    """Where people live (LSOAs, Census 2021 groups, postcodes) for spreading demand."""
    return _planner_residents(extracts_version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _walk_network(extracts_version: str):
    from equity.planner import cli

    return cli.read_walk_network()


def walk_network():
    """The OpenStreetMap walking network from `build --walk-network`, or None."""
    return _walk_network(extracts_version())


@st.cache_data(show_spinner="Choosing sites…", max_entries=64)
def choose_sites(inputs: plan.PlanInputs, p: int, radius_m: float, must_keep: tuple):
    from equity.planner import plan

    return plan.choose_sites(inputs, p, radius_m, must_keep)
