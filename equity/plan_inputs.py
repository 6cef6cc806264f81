"""From query results to a clinic plan: the glue shared by the planner page and the CLI.

``equity.planner`` does the optimisation; this module decides which areas are demand
(the lowest level an indicator has, within an area of interest), which candidate sites
are offered, and how the result is worded and shown without disclosing small counts.
All functions are pure (data in, data out) except ``bench_planner_case``, which times.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from equity import config, geo, labels, planner, stats

# Lowest first: demand points should be as small as the data allows.
PLANNER_LEVELS = ("lsoa", "msoa", "ward")
LEVEL_WORDS = {"lsoa": "LSOA 2021", "msoa": "MSOA 2021", "ward": "ward"}
ALL_LLR = "all"

SOURCE_PRACTICES = "practices"
SOURCE_VENUES = "venues"
SOURCE_CENTROIDS = "centroids"
SITE_SOURCES = {
    SOURCE_PRACTICES: "GP practices",
    SOURCE_VENUES: "Venues from a CSV file",
    SOURCE_CENTROIDS: "Area centroids",
}
CORE20_WEIGHTS = (1.0, 1.5, 2.0, 3.0)

SITE_COLUMNS = [
    "site_id",
    "site_name",
    "lat",
    "lon",
    "people_reached",
    "cumulative_reached",
    "share_of_missed",
]
MISSED_WORDS = {"vaccination": "not yet vaccinated", "screening": "not yet screened"}


class PlanInputError(ValueError):
    """The request cannot be planned; the message says why in the user's terms."""


# --- which areas ---------------------------------------------------------------------------


def demand_level(levels: Iterable[str]) -> str | None:
    """The lowest planner level an indicator has (LSOA, then MSOA 2021, then ward)."""
    available = set(levels)
    return next((level for level in PLANNER_LEVELS if level in available), None)


@dataclass(frozen=True)
class AreaFilter:
    """How the area of interest restricts demand areas (None = no restriction)."""

    la_code: str | None
    ward_code: str | None
    note: str | None = None


def area_filter(area: str, level: str, ward_la_codes: Mapping[str, str]) -> AreaFilter:
    """Turn an area of interest (LA code, 'all' for LLR, or a ward code) into filters.

    A ward filter needs areas that nest in wards (LSOAs); for MSOA or ward data the
    demand is the ward's local authority instead, and ``note`` says so.
    """
    if area.lower() in (ALL_LLR, config.LLR_CODE.lower()):
        return AreaFilter(None, None)
    if area.startswith("E05"):
        if area not in ward_la_codes:
            raise PlanInputError(f"{area} is not a ward in LLR")
        if level == "lsoa":
            return AreaFilter(None, area)
        return AreaFilter(
            ward_la_codes[area],
            None,
            note=(
                f"A ward filter needs LSOA-level data; this indicator's lowest level is "
                f"{LEVEL_WORDS.get(level, level)}, so demand covers every "
                f"{LEVEL_WORDS.get(level, level)} in the ward's local authority."
            ),
        )
    if area in config.LLR_LA_CODES:
        return AreaFilter(area, None)
    raise PlanInputError(
        f"{area!r} is not an area of interest: give a local authority code "
        f"(e.g. {config.CITY_CODE}), 'all' for all of LLR, or an LLR ward code (E05…)"
    )


def demand_query_params(
    indicator_id: str,
    on_or_before: date,
    level: str,
    where: AreaFilter,
    sex: str = "All",
    age_band: str = "All",
    ethnic_group: str = "All",
) -> dict:
    """Parameters for queries/people_missed_by_area.sql."""
    return {
        "indicator_id": indicator_id,
        "on_or_before": on_or_before,
        "level": level,
        "la_code": where.la_code,
        "ward_code": where.ward_code,
        "sex": sex,
        "age_band": age_band,
        "ethnic_group": ethnic_group,
    }


def point_description(level: str) -> str:
    return (
        f"Each {LEVEL_WORDS.get(level, level)} is a point at its area centroid "
        "(area centroids, not population-weighted)"
    )


# --- candidate sites -----------------------------------------------------------------------


# Registered "practices" that are services for a closed group, not venues the public can
# walk into; a planner can still force one in as a must-keep site.
NOT_PUBLIC_VENUES = {
    "Y05412": "South Wigston asylum service serves asylum seekers only, not a public venue",
}


def candidate_sites(
    source: str,
    demand: pd.DataFrame,
    radius_m: float,
    must_keep: Iterable[str] = (),
    practices: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Candidate sites of one source for this demand, and notes for the user.

    GP practices further than the radius from every demand point could reach nobody,
    so only those within reach (and any must-keep ones) are offered. Area centroids are
    the demand areas' own centroids; venues are taken as given.
    """
    notes: list[str] = []
    if source == SOURCE_PRACTICES:
        if practices is None:
            raise PlanInputError("no GP practice list was given")
        all_practices, skipped = planner.practice_candidates(practices)
        if skipped:
            notes.append(f"{len(skipped)} practices without coordinates were left out.")
        closed_to_public = all_practices["site_id"].isin(NOT_PUBLIC_VENUES) & ~all_practices[
            "site_id"
        ].isin(set(map(str, must_keep)))
        for site_id in all_practices.loc[closed_to_public, "site_id"]:
            notes.append(f"{site_id} left out: {NOT_PUBLIC_VENUES[site_id]}.")
        all_practices = all_practices.loc[~closed_to_public].reset_index(drop=True)
        keep = set(map(str, must_keep))
        near = _within_reach(demand, all_practices, radius_m) | all_practices["site_id"].isin(keep)
        candidates = all_practices.loc[near].reset_index(drop=True)
        notes.append(
            f"{len(candidates)} of {len(all_practices)} active GP practices are within "
            f"{radius_m:,.0f} m of a demand point; the others could reach nobody."
        )
    elif source == SOURCE_CENTROIDS:
        candidates, skipped = planner.centroid_candidates(demand)
        if skipped:
            notes.append(f"{len(skipped)} areas without a centroid were left out.")
    elif source == SOURCE_VENUES:
        if venues is None:
            raise PlanInputError("no venues file was given")
        candidates = venues.reset_index(drop=True)
        out_of_reach = int((~_within_reach(demand, candidates, radius_m)).sum())
        if out_of_reach:
            notes.append(
                f"{out_of_reach} of {len(candidates)} venues are more than {radius_m:,.0f} m "
                "from every demand point, so they can reach nobody."
            )
    else:
        raise PlanInputError(f"unknown candidate source {source!r}")
    return candidates, notes


def _within_reach(demand: pd.DataFrame, candidates: pd.DataFrame, radius_m: float) -> pd.Series:
    if demand.empty or candidates.empty:
        return pd.Series(False, index=candidates.index)
    covers = planner.coverage_matrix(demand, candidates, radius_m)
    return pd.Series(covers.any(axis=0), index=candidates.index)


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    result: planner.PlanResult
    candidates: pd.DataFrame
    rule_text: str
    notes: list[str] = field(default_factory=list)
    is_synthetic: bool = False
    is_modelled: bool = False
    modelled_flags: tuple[bool, ...] = ()  # per demand area, so "2 of 38 modelled" can say so

    @property
    def badges(self) -> list[str]:
        if self.modelled_flags:
            return labels.selection_badges(
                [self.is_synthetic], self.modelled_flags, self.is_synthetic
            )
        return labels.data_badges(self.is_synthetic, self.is_modelled)


@dataclass(frozen=True)
class PlanInputs:
    """Demand points and the candidate sites on offer, before choosing."""

    demand: pd.DataFrame
    candidates: pd.DataFrame
    rule_text: str
    notes: list[str]
    is_synthetic: bool
    is_modelled: bool
    modelled_flags: tuple[bool, ...] = ()


def prepare(
    area_rows: pd.DataFrame,
    level: str,
    source: str,
    radius_m: float = planner.DEFAULT_RADIUS_M,
    core20_weight: float = 1.0,
    must_keep: Iterable[str] = (),
    practices: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
) -> PlanInputs:
    """Demand from people_missed_by_area rows and the candidates of one source.

    Raises PlanInputError with a user-facing message when there is nothing to plan.
    """
    if area_rows.empty:
        raise PlanInputError(
            "no areas have data for this indicator, period, group and area of interest"
        )
    located = area_rows.dropna(subset=["lon", "lat"])
    notes = []
    if len(located) < len(area_rows):
        notes.append(f"{len(area_rows) - len(located)} areas without a centroid were left out.")
    try:
        demand, rule_text = planner.demand_points(
            located, core20_weight=core20_weight, point_description=point_description(level)
        )
    except ValueError as error:
        raise PlanInputError(str(error)) from None
    candidates, candidate_notes = candidate_sites(
        source, demand, radius_m, must_keep, practices=practices, venues=venues
    )
    if candidates.empty:
        raise PlanInputError(
            f"no candidate sites are within {radius_m:,.0f} m of the demand points — "
            "try a larger radius, another area or another candidate source"
        )
    return PlanInputs(
        demand=demand,
        candidates=candidates,
        rule_text=rule_text,
        notes=notes + candidate_notes,
        is_synthetic=_any_flag(area_rows, "is_synthetic"),
        is_modelled=_any_flag(area_rows, "is_modelled"),
        modelled_flags=_flags(area_rows, "is_modelled"),
    )


def _flags(frame: pd.DataFrame, column: str) -> tuple[bool, ...]:
    if column not in frame:
        return ()
    return tuple(bool(v) for v in frame[column].fillna(False))


def _any_flag(frame: pd.DataFrame, column: str) -> bool:
    return bool(frame[column].fillna(False).astype(bool).any()) if column in frame else False


def choose_sites(inputs: PlanInputs, p: int, radius_m: float, must_keep=()) -> Plan:
    """Run the optimiser on prepared inputs; p above the candidates on offer uses them all."""
    must_keep = parse_site_list(",".join(map(str, must_keep)))
    candidate_ids = set(inputs.candidates["site_id"])
    unknown = [site for site in must_keep if site not in candidate_ids]
    if unknown:
        raise PlanInputError(f"must-keep sites not among the candidates: {', '.join(unknown)}")
    notes = list(inputs.notes)
    if p > len(inputs.candidates):
        notes.append(
            f"Asked for {p} sites but only {len(inputs.candidates)} candidates are on offer, "
            f"so all {len(inputs.candidates)} are used."
        )
        p = len(inputs.candidates)
    if len(must_keep) > p:
        raise PlanInputError(f"{len(must_keep)} must-keep sites but only {p} sites to choose")
    try:
        result = planner.plan_sites(inputs.demand, inputs.candidates, p, radius_m, must_keep)
    except (ValueError, planner.PlanningError) as error:
        raise PlanInputError(str(error)) from None
    return Plan(
        result=result,
        candidates=inputs.candidates,
        rule_text=inputs.rule_text,
        notes=notes,
        is_synthetic=inputs.is_synthetic,
        is_modelled=inputs.is_modelled,
        modelled_flags=inputs.modelled_flags,
    )


def make_plan(
    area_rows: pd.DataFrame,
    level: str,
    source: str,
    p: int,
    radius_m: float = planner.DEFAULT_RADIUS_M,
    core20_weight: float = 1.0,
    must_keep: Iterable[str] = (),
    practices: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
) -> Plan:
    """``prepare`` then ``choose_sites``: people_missed_by_area rows to a plan."""
    must_keep = list(must_keep)
    inputs = prepare(
        area_rows, level, source, radius_m, core20_weight, must_keep, practices, venues
    )
    return choose_sites(inputs, p, radius_m, must_keep)


# --- what is shown -------------------------------------------------------------------------


def site_table(result: planner.PlanResult) -> pd.DataFrame:
    """Chosen sites in order with the CLI's columns (plus order, source, must_keep, core20),
    people counts rounded to whole people and small counts suppressed (NaN)."""
    sites = result.sites.copy()
    for column in ("people_reached", "cumulative_reached", "core20_people_reached"):
        sites[column] = sites[column].round(0)
    sites["share_of_missed"] = sites["share_of_missed"].round(4)
    sites = stats.suppress_counts(
        sites,
        count_columns=["people_reached", "cumulative_reached"],
        rate_columns=["share_of_missed"],
    )
    small_core20 = stats.is_disclosive(sites["core20_people_reached"].to_numpy(dtype=float))
    sites["core20_people_reached"] = sites["core20_people_reached"].mask(small_core20)
    extra = ["order", "source", "must_keep", "core20_people_reached", "suppressed"]
    return sites[SITE_COLUMNS + extra]


def greedy_table(result: planner.PlanResult) -> pd.DataFrame:
    """The greedy order with marginal reach, rounded and with small counts suppressed."""
    greedy = result.greedy.copy()
    for column in ("marginal_reached", "cumulative_reached"):
        greedy[column] = greedy[column].round(0)
    greedy["share_of_missed"] = greedy["share_of_missed"].round(4)
    greedy["in_plan"] = greedy["site_id"].isin(set(result.sites["site_id"]))
    return stats.suppress_counts(
        greedy,
        count_columns=["marginal_reached", "cumulative_reached"],
        rate_columns=["share_of_missed", "marginal_weighted"],
    )


def demand_table(result: planner.PlanResult) -> pd.DataFrame:
    """Demand points for the map and download, people missed suppressed when small."""
    demand = result.demand.copy()
    demand["people_missed"] = demand["people_missed"].round(0)
    return stats.suppress_counts(demand, count_columns=["people_missed"], rate_columns=["weight"])


def share_text(value) -> str:
    return stats.SUPPRESSED_MARKER if pd.isna(value) else f"{100 * value:.1f}%"


def sites_display(sites: pd.DataFrame, badges: list[str]) -> pd.DataFrame:
    """The chosen sites as shown on the page (from ``site_table``)."""
    return pd.DataFrame(
        {
            "Order": sites["order"],
            "Site": sites["site_name"],
            "Site id": sites["site_id"],
            "Source": sites["source"],
            "Must keep": sites["must_keep"].map({True: "yes", False: ""}),
            "People reached": sites["people_reached"].map(count_text),
            "Cumulative reached": sites["cumulative_reached"].map(count_text),
            "Share of all missed": sites["share_of_missed"].map(share_text),
            "In Core20 areas": sites["core20_people_reached"].map(count_text),
            "Data": " / ".join(badges) or "published",
        }
    )


def sites_download(sites: pd.DataFrame) -> pd.DataFrame:
    columns = ["order", *SITE_COLUMNS, "source", "must_keep", "core20_people_reached"]
    return sites[columns]


def greedy_display(greedy: pd.DataFrame, badges: list[str]) -> pd.DataFrame:
    """The greedy order as shown on the page (from ``greedy_table``)."""
    return pd.DataFrame(
        {
            "Step": greedy["step"],
            "Site": greedy["site_name"],
            "Site id": greedy["site_id"],
            "In the optimised plan": greedy["in_plan"].map({True: "yes", False: ""}),
            "Extra people reached": greedy["marginal_reached"].map(count_text),
            "Cumulative reached": greedy["cumulative_reached"].map(count_text),
            "Share of all missed": greedy["share_of_missed"].map(share_text),
            "Data": " / ".join(badges) or "published",
        }
    )


def greedy_download(greedy: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "step", "site_id", "site_name", "in_plan", "must_keep",
        "marginal_reached", "cumulative_reached", "share_of_missed",
    ]  # fmt: skip
    return greedy[columns]


def missed_words(domain: str | None) -> str:
    return MISSED_WORDS.get(domain or "", "missed")


def headline(
    plan: Plan, age_band: str, sex: str, ethnic_group: str, domain: str | None, place: str
) -> str:
    """'5 sites within 800 m reach 62% of Somali people aged 50+ not yet vaccinated in …'."""
    result = plan.result
    who = labels.group_phrase(age_band, sex, ethnic_group)
    if who == "everyone":
        who = "people"
    sites = "1 site" if result.p == 1 else f"{result.p} sites"
    share = f"{100 * result.share_reached:.0f}%"
    if result.total_missed <= 0:
        return f"Nobody in the target group is known to be missed in {place}"
    return (
        f"{sites} within {result.radius_m:,.0f} m reach {share} of {who} "
        f"{missed_words(domain)} in {place}"
    )


def reach_summary(result: planner.PlanResult) -> str:
    """Reached / missed / coverable, in people, with small totals suppressed."""

    return (
        f"{count_text(result.total_reached)} of {count_text(result.total_missed)} people "
        f"missed are within {result.radius_m:,.0f} m of a chosen site; "
        f"{count_text(result.coverable_missed)} are within reach of any candidate."
    )


# --- the map -----------------------------------------------------------------------------

COVERED_RGB = [0, 114, 178]  # Okabe-Ito blue and vermillion: colour-blind safe
UNCOVERED_RGB = [213, 94, 0]
SITE_RGB = [17, 17, 17]
CANDIDATE_RGBA = [120, 120, 120, 90]
MIN_POINT_PX, MAX_POINT_PX = 3.0, 14.0


def count_text(value) -> str:
    """Whole people, or the suppression marker for a missing or small (1..7) count."""
    if pd.isna(value) or stats.is_disclosive(round(float(value))):
        return stats.SUPPRESSED_MARKER
    return f"{value:,.0f}"


def map_frames(plan: Plan) -> dict[str, pd.DataFrame]:
    """What the map draws, one frame per layer, each with a ready-made tooltip.

    demand: covered/uncovered points sized by people missed (small counts suppressed,
    drawn at the smallest size, as zero is); sites: chosen sites in order with their
    catchments; candidates: the others on offer.
    """
    badge_line = "".join(f"\n⚠ {badge}" for badge in plan.badges)
    demand = demand_table(plan.result)
    shown = demand["people_missed"].fillna(0.0)
    largest = float(shown.max()) if len(shown) and shown.max() > 0 else 1.0
    demand_points = pd.DataFrame(
        {
            "lon": demand["lon"],
            "lat": demand["lat"],
            "radius_px": MIN_POINT_PX + (MAX_POINT_PX - MIN_POINT_PX) * np.sqrt(shown / largest),
            "colour": [
                [*(COVERED_RGB if covered else UNCOVERED_RGB), 200] for covered in demand["covered"]
            ],
            "tooltip": [
                f"{row.area_name} ({row.area_code})\n"
                f"People missed: {count_text(row.people_missed)}\n"
                + (
                    f"Within reach of: {row.covering_site_name}"
                    if row.covered
                    else f"Not reached: nearest chosen site {row.nearest_site_m:,.0f} m away"
                )
                + badge_line
                for row in demand.itertuples()
            ],
        }
    )
    sites = site_table(plan.result)
    site_points = pd.DataFrame(
        {
            "lon": sites["lon"],
            "lat": sites["lat"],
            "label": sites["order"].astype(str),
            "tooltip": [
                f"Site {row.order}: {row.site_name} ({row.site_id})\n"
                f"People first reached here: {count_text(row.people_reached)}\n"
                f"Catchment: {plan.result.radius_m:,.0f} m straight line" + badge_line
                for row in sites.itertuples()
            ],
        }
    )
    others = plan.candidates[~plan.candidates["site_id"].isin(set(sites["site_id"]))]
    candidate_points = pd.DataFrame(
        {
            "lon": others["lon"],
            "lat": others["lat"],
            "tooltip": [
                f"Candidate not chosen: {row.site_name} ({row.site_id})"
                for row in others.itertuples()
            ],
        }
    )
    return {"demand": demand_points, "sites": site_points, "candidates": candidate_points}


def plan_deck(plan: Plan, outlines: Mapping[str, dict] | None = None, height_px: int = 560):
    """A pydeck map without a basemap: demand, catchment circles, chosen and other sites.

    ``outlines`` ({area_code: GeoJSON geometry}) draws area boundaries for orientation. String literals are quoted because pydeck reads bare strings as fields.
    """
    import pydeck as pdk

    from equity.maps import BLANK_STYLE

    frames = map_frames(plan)
    layers = []
    if outlines:
        features = [
            {"type": "Feature", "geometry": geometry, "properties": {}}
            for geometry in outlines.values()
        ]
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                {"type": "FeatureCollection", "features": features},
                id="area_outlines",
                stroked=True,
                filled=True,
                get_fill_color=[255, 255, 255, 255],
                get_line_color=[150, 150, 150, 200],
                line_width_min_pixels=0.7,
                pickable=False,
            )
        )
    layers += [
        pdk.Layer(
            "ScatterplotLayer",
            frames["sites"],
            id="catchments",
            get_position=["lon", "lat"],
            get_radius=float(plan.result.radius_m),
            radius_units='"meters"',
            get_fill_color=[17, 17, 17, 18],
            get_line_color=[17, 17, 17, 170],
            stroked=True,
            line_width_min_pixels=1.5,
            pickable=False,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            frames["candidates"],
            id="other_candidates",
            get_position=["lon", "lat"],
            get_radius=3,
            radius_units='"pixels"',
            get_fill_color=CANDIDATE_RGBA,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            frames["demand"],
            id="demand",
            get_position=["lon", "lat"],
            get_radius="radius_px",
            radius_units='"pixels"',
            get_fill_color="colour",
            get_line_color=[255, 255, 255, 220],
            stroked=True,
            line_width_min_pixels=0.5,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            frames["sites"],
            id="chosen_sites",
            get_position=["lon", "lat"],
            get_radius=9,
            radius_units='"pixels"',
            get_fill_color=SITE_RGB,
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=2,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            frames["sites"],
            id="site_numbers",
            get_position=["lon", "lat"],
            get_text="label",
            get_size=12,
            get_color=[255, 255, 255],
            get_text_anchor='"middle"',
            get_alignment_baseline='"center"',
            font_weight=700,
        ),
    ]
    points = pd.concat([frames["demand"][["lon", "lat"]], frames["sites"][["lon", "lat"]]])
    view = geo.fit_view(
        (points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()),
        width_px=900,
        height_px=height_px,
    )
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        map_style=BLANK_STYLE,
        height=height_px,
        tooltip={
            "text": "{tooltip}",
            "style": {"whiteSpace": "pre-line", "fontSize": "13px", "maxWidth": "360px"},
        },
    )


# --- benchmark -----------------------------------------------------------------------------


def bench_planner_case(seed: int = 0, p: int = 5, radius_m: float = 800.0) -> dict:
    """Issue 4's benchmark: 200 demand points × 150 candidates over a city-sized square.

    Returns seconds (wall time of plan_sites: MCLP plus greedy order), the solver
    status and the people reached.
    """
    rng = np.random.default_rng(seed)
    side_m = 8000.0  # about the width of Leicester
    origin_easting, origin_northing = 453000.0, 298000.0
    demand = pd.DataFrame(
        {
            "easting": origin_easting + rng.uniform(0, side_m, 200),
            "northing": origin_northing + rng.uniform(0, side_m, 200),
            "people_missed": rng.integers(0, 400, 200).astype(float),
        }
    )
    demand["weight"] = demand["people_missed"]
    candidates = pd.DataFrame(
        {
            "site_id": [f"c{i}" for i in range(150)],
            "site_name": [f"Candidate {i}" for i in range(150)],
            "lon": np.zeros(150),
            "lat": np.zeros(150),
            "easting": origin_easting + rng.uniform(0, side_m, 150),
            "northing": origin_northing + rng.uniform(0, side_m, 150),
            "source": "benchmark",
        }
    )
    start = time.perf_counter()
    result = planner.plan_sites(demand, candidates, p, radius_m)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "status": result.solver_status,
        "reached": result.total_reached,
    }


def parse_site_list(text: str | None) -> list[str]:
    """'A1, B2,,C3' -> ['A1', 'B2', 'C3'] (blank entries dropped, order kept, no repeats)."""
    if not text:
        return []
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
