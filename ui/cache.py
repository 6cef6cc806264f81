"""Every Streamlit cache in the app: cached wrappers around the pure equity/ functions.

Data results are keyed on the query name and its parameters plus the extracts' fingerprint
(extracts_version), so a widget change re-runs only the queries whose parameters changed
and a rebuilt extract is seen within a second (an ingest through the app, at once). What a
page builds from them that costs tens of milliseconds or more and depends only on the area
or selection (the profile's spine, the Map's view, Where to act's map, charts whose figures
did not change) is kept here too, across sessions, keyed the same way. Every cache is
bounded (max_entries). Objects shared through st.cache_resource are never changed after
they are made (query frames are handed out as copy-on-write copies); the only mutable state
is the one-second memo of the fingerprint, behind a lock.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import hashlib
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from equity import compare, config, db, geo, options, targets, where_to_act
from equity.selection import Selection, all_of_llr, benchmark_type, by_indicator

if TYPE_CHECKING:  # the planner pulls in pulp and pydeck: only its page imports them
    import altair as alt

    from equity import profile
    from equity.map_view import MapView
    from equity.planner import plan

# --- queries and start-up checks -------------------------------------------------------


# st.cache_resource, not st.cache_data: cache_data unpickles a fresh copy of the frame on
# every hit, which was most of a cache hit's cost; pandas' copy-on-write makes the shallow
# copy handed out (see run) as safe to change as a deep one, at no cost.
@st.cache_resource(show_spinner=False, max_entries=512)
def query(name: str, extracts_version: str, **params) -> pd.DataFrame:
    """db.run_query, cached; extracts_version changes whenever an extract file changes."""
    return db.run_query(name, **params)


# A page asks for the fingerprint dozens of times per rerun (once per query), and listing
# and stat-ing the folder each time was ~12% of a loaded server's CPU; a fingerprint is
# reused for this long (per folder), so a rebuild by another process shows within a second.
_VERSION_SECONDS = 1.0
_versions: dict[Path, tuple[float, str]] = {}
_versions_lock = threading.Lock()


def extracts_version() -> str:
    """A cheap fingerprint of the extract files (names, sizes, modification times)."""
    folder = config.EXTRACTS_DIR
    now = time.monotonic()
    with _versions_lock:
        seen = _versions.get(folder)
        if seen and now - seen[0] < _VERSION_SECONDS:
            return seen[1]
    parts = []
    for path in sorted(folder.glob("*.parquet")):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    version = "|".join(parts)
    with _versions_lock:
        previous = _versions.get(folder)
        _versions[folder] = (now, version)
    if previous is not None and previous[1] != version:
        # Another process rebuilt or ingested: the connection's file list, breakdowns index
        # and footer cache are made when it opens, so the next query opens a new one.
        db.reset(folder)
    return version


def forget_extracts_version() -> None:
    """After this process changed the extracts (an ingest): fingerprint them afresh."""
    with _versions_lock:
        _versions.clear()


def run(name: str, **params) -> pd.DataFrame:
    """The cached answer to queries/<name>.sql, a copy of its own for the caller to change."""
    return query(name, extracts_version(), **params).copy(deep=False)


# --- what the widgets offer ----------------------------------------------------------


# Every page derives its choices from the indicator's breakdown rows on each rerun; the
# answer only changes with the extracts. Shared by reference, so callers get copies.
@st.cache_resource(show_spinner=False, max_entries=512)
def _breakdown_choices(indicator_id: str, level: str, extracts_version: str) -> dict[str, list]:
    breakdowns = query("indicator_breakdowns", extracts_version, indicator_id=indicator_id)
    return options.breakdown_choices(breakdowns, level)


def breakdown_choices(indicator_id: str, level: str) -> dict[str, list]:
    """options.breakdown_choices for an indicator's breakdown rows, cached across sessions."""
    shared = _breakdown_choices(indicator_id, level, extracts_version())
    return {name: list(values) for name, values in shared.items()}


@st.cache_resource(show_spinner=False, max_entries=256)
def _indicator_levels(indicator_id: str, extracts_version: str) -> frozenset[str]:
    breakdowns = query("indicator_breakdowns", extracts_version, indicator_id=indicator_id)
    return frozenset(breakdowns["area_type"].unique().tolist())


def indicator_levels(indicator_id: str) -> frozenset[str]:
    """The area types an indicator is published for, cached across sessions."""
    return _indicator_levels(indicator_id, extracts_version())


@st.cache_resource(show_spinner=False, max_entries=256)
def _indicator_periods(indicator_id: str, extracts_version: str) -> tuple[date, ...]:
    breakdowns = query("indicator_breakdowns", extracts_version, indicator_id=indicator_id)
    return tuple(options.all_periods(breakdowns))


def indicator_periods(indicator_id: str) -> list[date]:
    """Every period the indicator has, oldest first, cached across sessions."""
    return list(_indicator_periods(indicator_id, extracts_version()))


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


def _kept_out_of_collections(value):
    """value, with everything the process holds now set aside from garbage collection.

    A full collection walks every container object alive: when the maps' parsed GeoJSON
    (hundreds of thousands of coordinate lists) lived here, each full collection took
    0.2-0.9 s mid-meeting at England scale, every viewer of the worker waiting behind it.
    The planner's residents and walking network are the long-lived data left. Frozen
    objects are still freed by reference counting; a collection first, so no garbage is
    frozen."""
    gc.collect()
    gc.freeze()
    return value


# Frozen objects are never collected, not even at exit, where DuckDB's bindings then report
# their objects as leaked; handing them back lets the last collections free them.
atexit.register(gc.unfreeze)


# st.cache_resource: one LevelShapes per level shared by every session (its texts and boxes
# are read, never changed), its file written once per process at most.
@st.cache_resource(show_spinner=False, max_entries=16)
def _level_shapes(level: str, extracts_version: str) -> geo.LevelShapes:
    return geo.level_shapes(level)


def level_shapes(level: str) -> geo.LevelShapes:
    """ward, msoa, lsoa or la shapes (geo.LevelShapes); none if the boundaries are
    unreadable (app.py already warns, and pages that need them call require_boundaries)."""
    if not map_problems():
        try:
            return _level_shapes(level, extracts_version())
        except OSError as error:  # e.g. a read-only app folder without the files in it
            st.error(
                "The map's shapes could not be written to "
                f"{config.STATIC_DIR / geo.SHAPES_FOLDER} ({error.strerror or error}). Make that"
                " folder writable for the app, or run **`make build`** where it is (it writes"
                " them); the figures and tables still work."
            )
    return geo.LevelShapes(level, None, {}, pd.DataFrame(columns=list(geo.BOUNDS_COLUMNS)))


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


# --- charts ----------------------------------------------------------------------------


def _frame_fingerprint(frame: pd.DataFrame) -> str:
    """A chart's data frame as a cache key: a digest of its shape, names, dtypes and every
    value (numbers by their bytes, anything else by repr, so None and "None" differ).
    Streamlit's own frame hashing (pandas' hash_pandas_object) took 3-11 ms per frame, 13%
    of a Where to act rerun whose charts were all cache hits; this takes 1-4 ms."""
    digest = hashlib.md5(usedforsecurity=False)
    header = (list(frame.columns), [repr(t) for t in frame.dtypes], repr(frame.index.dtype))
    digest.update(repr((header, frame.shape)).encode())
    for values in (frame.index, *(frame.iloc[:, i] for i in range(frame.shape[1]))):
        array = values.to_numpy()
        if array.dtype.kind in "biufcmM":
            digest.update(array.tobytes())
        else:  # repr escapes control characters, so the separators below are unambiguous
            digest.update("\x1f".join(map(repr, array.tolist())).encode("utf-8", "replace"))
        digest.update(b"\x1e")
    return digest.hexdigest()


# Building an Altair chart and turning it into the dict Streamlit draws took 50-150 ms of a
# rerun for charts whose inputs had not changed; every session viewing the same figures now
# shares one chart and one dict (st.cache_resource: nothing changes them after they are
# made). The builder is named by "module:function" so the key is a short string.
@st.cache_resource(
    show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_fingerprint}
)
def _built_chart(builder: str, presenting: bool, args: tuple, kwargs: dict) -> tuple:
    import importlib

    from ui import layout

    module, _, function = builder.partition(":")
    chart = getattr(importlib.import_module(module), function)(*args, **kwargs)
    return chart, layout.vega_lite(chart, presenting)


def built_chart(builder, presenting: bool, *args, **kwargs) -> tuple[alt.TopLevelMixin, dict]:
    """builder(*args, **kwargs) (an equity chart function) and its layout.vega_lite dict,
    shared across reruns and sessions for the same arguments (data frames are hashed)."""
    name = f"{builder.__module__}:{builder.__qualname__}"
    return _built_chart(name, presenting, args, kwargs)


def _la_names(extracts_version: str) -> dict[str, str]:
    """{local authority code: name}, for headlines naming a benchmark."""
    rows = query("areas_of_type", extracts_version, area_type="la", la_code=None)
    return dict(zip(rows["area_code"], rows["area_name"]))


# --- the Map page -----------------------------------------------------------------------


# st.cache_resource, not st.cache_data: a hit hands every session the same MapView, where
# st.cache_data would unpickle a copy of its frames and of a spec holding every area's
# geometry on each rerun (Leicester's LSOAs: 0.4 MB, ~10 ms a hit). Nothing changes a
# MapView after it is made: the page only reads it (pandas sorts and tables are new frames).
@st.cache_resource(show_spinner=False, max_entries=32)
def _map_view(
    selection: Selection,
    colour_by: str,
    scheme: str,
    presenting: bool,
    basemap: bool,
    extracts_version: str,
) -> MapView:
    from equity import map_view
    from equity.selection import benchmark_type
    from ui import layout

    level = selection.level
    params = selection.query_params(benchmark_type(selection.benchmark_code, level))
    return map_view.map_view(
        run("area_values_with_benchmark", **params),
        indicator=run("indicator_catalog").set_index("indicator_id").loc[selection.indicator_id],
        la_names=_la_names(extracts_version),
        level=level,
        within=selection.la_code,
        age_band=selection.age_band,
        sex=selection.sex,
        ethnic_group=selection.ethnic_group,
        benchmark=selection.benchmark_code,
        colour_by=colour_by,
        scheme=scheme,
        presenting=presenting,
        basemap=basemap,
        shapes=level_shapes("la" if level == "practice" else level),
        draw=lambda chart: layout.vega_lite(chart, presenting),
    )


def map_view(
    selection: Selection, colour_by: str, scheme: str, presenting: bool, basemap: bool
) -> MapView:
    """The Map page's figures, headline and map for a selection (equity.map_view), shared
    across reruns and sessions; keyed on the selection and the look, never on geometry."""
    return _map_view(selection, colour_by, scheme, presenting, basemap, extracts_version())


# --- area profile ----------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=2)
def _area_picker(extracts_version: str) -> profile.AreaPicker:
    from equity import profile

    return profile.area_picker(
        pd.concat(
            [run("areas_of_type", area_type=t, la_code=None) for t in profile.AREA_TYPE_LABELS],
            ignore_index=True,
        )
    )


def area_picker() -> profile.AreaPicker:
    """equity.profile.area_picker over every profiled area, one copy for every session."""
    return _area_picker(extracts_version())


# The spine and the nearby practices ask ~60 indicators each (cached queries, then pandas
# work): two thirds of the profile's rerun time, yet they depend only on the area and the
# extracts, so every session shares one copy (st.cache_resource: st.cache_data unpickled a
# copy on every hit). (equity.profile imports altair, which app start-up does not need,
# hence the imports inside.)
@st.cache_resource(show_spinner=False, max_entries=64)
def _area_spine(place: profile.Place, extracts_version: str) -> profile.Spine:
    from equity import profile

    return profile.area_spine(place, run("indicator_catalog").set_index("indicator_id"), run)


def area_spine(place: profile.Place) -> profile.Spine:
    """equity.profile.area_spine for the place, over the current extracts; its frame is the
    caller's copy-on-write copy."""
    spine = _area_spine(place, extracts_version())
    return dataclasses.replace(spine, frame=spine.frame.copy(deep=False))


@st.cache_resource(show_spinner=False, max_entries=64)
def _nearby_practice_table(place: profile.Place, extracts_version: str):
    from equity import profile

    catalog = run("indicator_catalog").set_index("indicator_id")
    return profile.nearby_practice_table(place, catalog, run)


def nearby_practice_table(
    place: profile.Place,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]] | None:
    """equity.profile.nearby_practice_table for the place, over the current extracts
    (shared: read it)."""
    return _nearby_practice_table(place, extracts_version())


# One indicator's trend and breakdowns for a place and group, charts drawn, keyed by the
# choices rather than by hashing the frames behind each chart (~12% of an England-scale
# profile rerun), and shared by every session.
@st.cache_resource(show_spinner=False, max_entries=128)
def _profile_section(
    place: profile.Place,
    la_name: str,
    indicator_id: str,
    period: date,
    group: tuple[str, str, str],
    presenting: bool,
    extracts_version: str,
) -> profile.Section:
    from equity import profile
    from ui import layout

    indicator = query("indicator_catalog", extracts_version).set_index("indicator_id")
    return profile.section(
        place,
        la_name,
        indicator.loc[indicator_id],
        period,
        *group,
        run=run,
        draw=lambda chart: layout.vega_lite(chart, presenting),
    )


def profile_section(
    place: profile.Place,
    la_name: str,
    indicator_id: str,
    period: date,
    age_band: str,
    sex: str,
    ethnic_group: str,
    presenting: bool,
) -> profile.Section:
    """equity.profile.section for the choices, shared across reruns and sessions."""
    group = (age_band, sex, ethnic_group)
    return _profile_section(
        place, la_name, indicator_id, period, group, presenting, extracts_version()
    )


# --- compare areas ---------------------------------------------------------------------


# The Compare page asks every indicator and reshapes them into the tartan rug on every
# rerun of every session; they depend only on these three.
@st.cache_resource(show_spinner=False, max_entries=32)
def _indicators_at_level(
    level: str, la_code: str | None, benchmark: str, extracts_version: str
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    catalog = run("indicator_catalog").set_index("indicator_id")
    groups = _default_groups_at_level(level, extracts_version)
    # Asked once per level for all of LLR against LLR, every indicator in one query; a view
    # within an authority, or against it, is cut from that and the authorities' own rows,
    # so a new "Within" asks nothing (compare.within_against).
    rows = compare.within_against(
        _all_of_llr(groups, level, extracts_version),
        la_code,
        benchmark,
        None if benchmark == config.LLR_CODE else _all_of_llr(groups, "la", extracts_version),
    )
    parts = by_indicator(rows)
    values = {indicator_id: parts[indicator_id] for indicator_id in groups if indicator_id in parts}
    return values, compare.rug_long(values, catalog)


def _all_of_llr(groups: dict[str, dict], level: str, extracts_version: str) -> pd.DataFrame:
    """selection.all_of_llr through the shared query cache."""
    return all_of_llr(lambda name, **params: query(name, extracts_version, **params), groups, level)


@st.cache_resource(show_spinner=False, max_entries=16)
def _default_groups_at_level(level: str, extracts_version: str) -> dict[str, dict]:
    """{indicator_id: profile.default_group} for every indicator published at the level: the
    same for every authority and benchmark, and ~40% of a new Compare view's own work."""
    from equity import profile

    catalog = query("indicator_catalog", extracts_version).set_index("indicator_id")
    groups = {}
    for indicator_id in catalog.index:
        breakdowns = query("indicator_breakdowns", extracts_version, indicator_id=indicator_id)
        group = profile.default_group(breakdowns, level, catalog.loc[indicator_id])
        if group is not None:
            groups[indicator_id] = group
    return groups


@st.cache_resource(show_spinner=False, max_entries=32)
def _rug_wide(
    level: str, la_code: str | None, benchmark: str, extracts_version: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    _, long = _indicators_at_level(level, la_code, benchmark, extracts_version)
    return compare.rug_wide(long)


def rug_wide(
    level: str, la_code: str | None, benchmark: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """compare.rug_wide of indicators_at_level's long table (pivoted on every Compare rerun
    before: ~20% of the page's own work in a meeting), copy-on-write copies for the caller."""
    tables = _rug_wide(level, la_code, benchmark, extracts_version())
    return tuple(table.copy(deep=False) for table in tables)


def indicators_at_level(
    level: str, la_code: str | None, benchmark: str
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every indicator published at the level, for the areas within la_code (all: None), at
    the catalog's default group and against `benchmark`; and compare.rug_long of them.
    Copies of their own (copy-on-write) for the caller."""
    values, long = _indicators_at_level(level, la_code, benchmark, extracts_version())
    return {key: frame.copy(deep=False) for key, frame in values.items()}, long.copy(deep=False)


# --- where to act -----------------------------------------------------------------------


# Each of these took tens of milliseconds of every rerun (the map's spec ~0.2 s) for the same
# selection. st.cache_resource, keyed by the selection: cache_data hashed the frames for the
# key and unpickled a copy on every hit, ~20% of an England-scale rerun; callers get
# copy-on-write shallow copies, as from run().
@st.cache_resource(show_spinner=False, max_entries=64)
def _ranked_targets(
    selection: Selection, polarity: str, extracts_version: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = selection.query_params(benchmark_type(selection.benchmark_code, selection.level))
    frame = query("area_values_with_benchmark", extracts_version, **params)
    return frame, targets.rank_targets(frame, polarity, only_worse=False)


def ranked_targets(selection: Selection, polarity: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the selection's area_values_with_benchmark rows, targets.rank_targets of them)."""
    frame, ranked = _ranked_targets(selection, polarity, extracts_version())
    return frame.copy(deep=False), ranked.copy(deep=False)


# st.cache_resource: one view (charts, drawn dicts, table) shared by every session and keyed by
# the selection, not by frames: hashing the ranked frames for chart keys was ~20% of an
# England-scale rerun, and cache_data would unpickle the charts on each hit.
@st.cache_resource(show_spinner=False, max_entries=64)
def _targets_view(
    selection: Selection, presenting: bool, extracts_version: str
) -> where_to_act.TargetsView:
    from ui import layout

    indicator = query("indicator_catalog", extracts_version).set_index("indicator_id")
    indicator = indicator.loc[selection.indicator_id]
    frame, ranked = _ranked_targets(selection, indicator["polarity"], extracts_version)
    city = query(
        "areas_of_type", extracts_version, area_type=selection.level, la_code=config.CITY_CODE
    )
    return where_to_act.targets_view(
        frame,
        ranked,
        indicator=indicator,
        selection=selection,
        place_names=_la_names(extracts_version),
        city_codes=set(city["area_code"]),
        shapes=level_shapes(selection.level),
        draw=lambda chart: layout.vega_lite(chart, presenting),
    )


def targets_view(selection: Selection, presenting: bool) -> where_to_act.TargetsView:
    """Where to act's headline, charts and table for a selection (equity.where_to_act
    .targets_view), shared across reruns and sessions; its frames are the caller's own
    copy-on-write copies (the charts and dicts are shared: read them only)."""
    view = _targets_view(selection, presenting, extracts_version())
    return dataclasses.replace(
        view,
        frame=view.frame.copy(deep=False),
        ranked=view.ranked.copy(deep=False),
        worse=view.worse.copy(deep=False),
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def _probability_worst(
    selection: Selection, polarity: str, k: int, extracts_version: str
) -> pd.Series:
    frame, _ = _ranked_targets(selection, polarity, extracts_version)
    return compare.probability_worst(frame, polarity, k)


def probability_worst(selection: Selection, polarity: str, k: int) -> pd.Series:
    """compare.probability_worst (10,000 seeded draws per area) of the selection's areas."""
    return _probability_worst(selection, polarity, k, extracts_version()).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=64)
def _potential_for_improvement(
    selection: Selection,
    polarity: str,
    benchmark_value: float,
    unit_of_change: str,
    extracts_version: str,
) -> dict:
    frame, _ = _ranked_targets(selection, polarity, extracts_version)
    usable = compare.usable_for_improvement(frame)
    return compare.potential_for_improvement(usable, benchmark_value, polarity, unit_of_change)


def potential_for_improvement(
    selection: Selection, polarity: str, benchmark_value: float, unit_of_change: str
) -> dict:
    """compare.potential_for_improvement over the selection's usable areas (a copy)."""
    return dict(
        _potential_for_improvement(
            selection, polarity, benchmark_value, unit_of_change, extracts_version()
        )
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _missed_by_group(extracts_version: str, dimension: str, **params) -> pd.DataFrame:
    sums = run("area_breakdown_by_group", dimensions=[dimension], **params)
    return where_to_act.missed_by_group(sums, params["area_code"], dimension)


def missed_by_group(dimension: str, **params) -> pd.DataFrame:
    """where_to_act.missed_by_group for area_breakdown_by_group(**params) split by
    `dimension`, for its area."""
    return _missed_by_group(extracts_version(), dimension, **params)


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
def _areas_of_interest(extracts_version: str) -> plan.AreasOfInterest:
    from equity.planner import plan

    return plan.areas_of_interest(
        run("areas_of_type", area_type="la", la_code=None),
        run("areas_of_type", area_type="ward", la_code=None),
    )


def areas_of_interest() -> plan.AreasOfInterest:
    """The planner's area-of-interest choices (equity.planner.plan), one copy for all."""
    return _areas_of_interest(extracts_version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _planner_residents(extracts_version: str):
    from equity.planner import cli

    return _kept_out_of_collections(cli.read_residents())


@st.cache_resource(show_spinner=False, max_entries=16)
def _group_shares(age_band: str, extracts_version: str):
    from equity.planner import spread

    people = _planner_residents(extracts_version)
    return spread.group_shares(people.groups, people.lsoas, age_band)


def planner_residents():
    """Where people live (LSOAs, Census 2021 groups, postcodes) for spreading demand."""
    return _planner_residents(extracts_version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _walk_network(extracts_version: str):
    from equity.planner import cli

    return _kept_out_of_collections(cli.read_walk_network())


def walk_network():
    """The OpenStreetMap walking network from `build --walk-network`, or None."""
    return _walk_network(extracts_version())


# The planner's inputs and plans are keyed by the page's question (a few strings and numbers),
# never by the prepared frames: hashing ~6,000 demand points and the candidates for every
# cache lookup, unpickling the plan (st.cache_data) and re-preparing the inputs were over
# half of a Planner rerun. Shared by reference (st.cache_resource); nothing changes them.
@st.cache_resource(show_spinner=False, max_entries=32)
def _plan_inputs(question: plan.PlanQuestion, extracts_version: str) -> plan.PlanInputs:
    from equity.planner import plan

    areas = _areas_of_interest(extracts_version)
    where = plan.area_filter(question.within, question.level, areas.ward_la)
    area_rows = query(
        "people_missed_by_area",
        extracts_version,
        **plan.demand_query_params(
            question.indicator_id,
            question.period,
            question.level,
            where,
            sex=question.sex,
            age_band=question.age_band,
            ethnic_group=question.ethnic_group,
        ),
    )
    venues = None
    if question.source == plan.SOURCE_VENUES and question.venues_file is not None:
        name, content = question.venues_file
        venues = uploaded_venues(content, name)
    return plan.prepare(
        area_rows,
        question.level,
        question.source,
        radius_m=question.radius_m,
        core20_weight=question.core20_weight,
        practices=practice_list() if question.source == plan.SOURCE_PRACTICES else None,
        venues=venues,
        demand_mode=question.demand_mode,
        people=_planner_residents(extracts_version),
        age_band=question.age_band,
        detour=question.detour,
        network=_walk_network(extracts_version),
    )


def plan_inputs(question: plan.PlanQuestion) -> plan.PlanInputs:
    """plan.prepare for the question: demand points and candidate sites (raises
    PlanInputError when there is nothing to plan)."""
    return _plan_inputs(question, extracts_version())


@st.cache_resource(show_spinner="Choosing sites…", max_entries=16)
def _plan_view(
    question: plan.PlanQuestion,
    p: int,
    must_keep: tuple[str, ...],
    keep_postcode: str,
    extracts_version: str,
):
    from equity import search
    from equity.planner import plan, presentation, spread

    postcode = (None, "")
    if keep_postcode:
        postcode = search.postcode_site(
            keep_postcode, lambda code: query("postcode_lookup", extracts_version, postcode=code)
        )
    centroid_inputs = None
    if question.demand_mode == spread.DEMAND_SPREAD:
        centroids = dataclasses.replace(question, demand_mode=spread.DEMAND_CENTROID)
        centroid_inputs = _plan_inputs(centroids, extracts_version)
    where = plan.area_filter(
        question.within, question.level, _areas_of_interest(extracts_version).ward_la
    )
    outline_areas = query(
        "areas_of_type", extracts_version, area_type=question.level, la_code=where.la_code
    )
    if where.ward_code:
        outline_areas = outline_areas[outline_areas["ward_code"] == where.ward_code]
    outline_codes = outline_areas["area_code"]
    return presentation.plan_view(
        _plan_inputs(question, extracts_version),
        p,
        question.radius_m,
        must_keep,
        postcode=postcode,
        centroid_inputs=centroid_inputs,
        outlines=level_shapes(question.level).geometries(outline_codes),
        level=question.level,
        people=_planner_residents(extracts_version),
        age_band=question.age_band,
        shares=_group_shares(question.age_band, extracts_version),
    )


def plan_view(question: plan.PlanQuestion, p: int, must_keep: tuple[str, ...], keep_postcode: str):
    """presentation.plan_view for the question: p sites, the must-keep sites and the site at
    keep_postcode (if it is a known postcode) kept; shared across reruns and sessions."""
    return _plan_view(question, p, must_keep, keep_postcode.strip(), extracts_version())
