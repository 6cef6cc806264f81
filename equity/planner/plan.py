"""From a request to a plan: which areas are demand, how they are weighted, which
candidate sites are on offer, and the optimiser's choice (shared by the page and the CLI).

Demand is the lowest level an indicator has (LSOA, MSOA, ward) within an area of
interest, each area a point at its centroid weighted by the people it has missed. All
functions are pure (data in, data out).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from equity import config, labels, stats
from equity.planner import optimise, spread, walking
from equity.planner.venues import centroid_candidates, practice_candidates

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
SPREAD_BADGE = "MODELLED demand: people missed spread over where residents live"


class PlanInputError(ValueError):
    """The request cannot be planned; the message says why in the user's terms."""


# --- demand ------------------------------------------------------------------------------


def demand_points(
    areas: pd.DataFrame, core20_weight: float = 1.0, point_description: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Weight each area centroid by the people missed in the target group.

    ``areas`` has area_code, area_name, lon, lat, people_missed (denominator − numerator)
    and, for Core20 weighting, imd_quintile. Negative or missing people_missed counts as 0
    (more vaccinated than the population estimate means nobody is known to be missed).
    Returns the points with easting, northing, is_core20 and weight added, and a sentence
    describing the weight rule for the user (``point_description`` replaces its first
    words, "Each neighbourhood (LSOA) is a point at its centroid", for other levels).
    """
    if not (core20_weight >= 1.0 and math.isfinite(core20_weight)):
        raise ValueError(f"core20_weight must be a number ≥ 1, got {core20_weight!r}")
    required = ["area_code", "area_name", "lon", "lat", "people_missed"]
    if core20_weight != 1.0:
        required.append("imd_quintile")
    optimise.require_columns(areas, required, "areas")

    points = areas.copy()
    located = points["lon"].notna() & points["lat"].notna()
    if not located.all():
        missing = ", ".join(points.loc[~located, "area_code"].astype(str).head(5))
        raise ValueError(f"areas without a centroid (lon/lat): {missing}")

    points["people_missed"] = (
        pd.to_numeric(points["people_missed"], errors="coerce").fillna(0.0).clip(lower=0.0)
    )
    if "imd_quintile" in points:
        points["is_core20"] = pd.to_numeric(points["imd_quintile"], errors="coerce").eq(1)
    else:
        points["is_core20"] = False
    points["easting"], points["northing"] = optimise.to_bng(points["lon"], points["lat"])
    points["weight"] = points["people_missed"] * np.where(points["is_core20"], core20_weight, 1.0)
    return points.reset_index(drop=True), weight_rule_text(core20_weight, point_description)


def weight_rule_text(core20_weight: float, point_description: str | None = None) -> str:
    """The demand weighting rule in plain English, to show beside the results."""
    base = (
        f"{point_description or 'Each neighbourhood (LSOA) is a point at its centroid'}, "
        "weighted by the people in the target group it has missed (eligible minus reached)."
    )
    if core20_weight == 1.0:
        return base + " Every person missed counts once, whatever the area's deprivation."
    return (
        base + f" People missed in Core20 areas (the most deprived fifth nationally, "
        f"IMD quintile 1) count {core20_weight:g} times; everyone else counts once."
    )


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


@dataclass(frozen=True)
class AreasOfInterest:
    """The planner's "Area of interest" choices, built once per extracts version and shared
    by every session (England has ~8,000 wards: sorting and labelling them was most of a
    planner rerun). Read-only."""

    codes: list[str]  # the city, the other authorities, all of LLR, then wards (city's first)
    labels: dict[str, str]  # code -> what the picker shows
    la_names: dict[str, str]
    ward_names: dict[str, str]
    ward_la: dict[str, str]  # ward code -> its local authority's code


def areas_of_interest(local_authorities: pd.DataFrame, wards: pd.DataFrame) -> AreasOfInterest:
    """AreasOfInterest from areas_of_type rows (area_code, area_name, la_code): LLR's
    authorities and wards only, the places area_filter plans for (the candidate sites and
    where residents live are LLR's; an England-scale extract has every other authority)."""
    local_authorities = local_authorities[local_authorities["area_code"].isin(config.LLR_LA_CODES)]
    wards = wards[wards["la_code"].isin(config.LLR_LA_CODES)]
    la_names = dict(zip(local_authorities["area_code"], local_authorities["area_name"]))
    ward_names = dict(zip(wards["area_code"], wards["area_name"], strict=True))
    ward_la = dict(zip(wards["area_code"], wards["la_code"], strict=True))

    def city_first(la_code: str) -> tuple[bool, str]:
        return la_code != config.CITY_CODE, la_names.get(la_code, "")

    authorities = sorted(la_names, key=city_first)
    ward_codes = sorted(ward_names, key=lambda code: (city_first(ward_la[code]), ward_names[code]))
    labels = {ALL_LLR: "All of LLR", **la_names}
    labels.update(
        {
            code: f"{ward_names[code]} (ward, {la_names.get(ward_la[code], '')})"
            for code in ward_codes
        }
    )
    return AreasOfInterest(
        codes=[*authorities, ALL_LLR, *ward_codes],
        labels=labels,
        la_names=la_names,
        ward_names=ward_names,
        ward_la=ward_la,
    )


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


@dataclass(frozen=True)
class PlanQuestion:
    """Everything the planner page asks before choosing the number of sites and the
    must-keeps: small and hashable, so the app caches prepared inputs by it."""

    indicator_id: str
    period: date
    level: str
    within: str  # ALL_LLR, a local authority code or a ward code
    source: str
    age_band: str = "All"
    sex: str = "All"
    ethnic_group: str = "All"
    core20_weight: float = 1.0
    radius_m: float = optimise.DEFAULT_RADIUS_M
    demand_mode: str = spread.DEMAND_CENTROID
    detour: float = 1.0
    venues_file: tuple[str, bytes] | None = None  # (name, content) of an uploaded venues CSV


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
        all_practices, skipped = practice_candidates(practices)
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
        candidates, skipped = centroid_candidates(demand)
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
    covers = optimise.coverage_matrix(demand, candidates, radius_m)
    return pd.Series(covers.any(axis=0), index=candidates.index)


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Residents:
    """Where people live, from the extracts: LSOA rows of ``areas`` (area_code, msoa_code,
    ward_code, lon, lat), the resident_groups table and postcode points (postcode, lon,
    lat, lsoa_code)."""

    lsoas: pd.DataFrame
    groups: pd.DataFrame
    postcodes: pd.DataFrame


@dataclass(frozen=True)
class Plan:
    result: optimise.PlanResult
    candidates: pd.DataFrame
    rule_text: str
    notes: list[str] = field(default_factory=list)
    is_synthetic: bool = False
    is_modelled: bool = False
    modelled_flags: tuple[bool, ...] = ()  # per demand area, so "2 of 38 modelled" can say so
    demand_mode: str = spread.DEMAND_CENTROID
    distance_note: str = optimise.DISTANCE_NOTE
    uses_network: bool = False
    detour: float = 1.0
    catchments: dict = field(default_factory=dict)  # {site_id: [[lon, lat], …]} isochrones

    @property
    def badges(self) -> list[str]:
        if self.modelled_flags:
            badges = labels.selection_badges(
                [self.is_synthetic], self.modelled_flags, self.is_synthetic
            )
        else:
            badges = labels.data_badges(self.is_synthetic, self.is_modelled)
        if self.demand_mode == spread.DEMAND_SPREAD:
            badges = [*badges, SPREAD_BADGE]
        return badges


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
    demand_mode: str = spread.DEMAND_CENTROID
    detour: float = 1.0
    network: walking.WalkNetwork | None = None

    def distances(self, candidates: pd.DataFrame, radius_m: float) -> np.ndarray:
        """Walking metres [demand, candidate]: along the network, or straight × detour."""
        if self.network is not None:
            return walking.network_distances(self.network, self.demand, candidates, radius_m)
        return walking.straight_distances(self.demand, candidates, self.detour)

    @property
    def distance_note(self) -> str:
        if self.network is not None:
            return walking.NETWORK_NOTE
        if self.detour == 1.0:
            return optimise.DISTANCE_NOTE
        return walking.detour_note(self.detour)


def prepare(
    area_rows: pd.DataFrame,
    level: str,
    source: str,
    radius_m: float = optimise.DEFAULT_RADIUS_M,
    core20_weight: float = 1.0,
    must_keep: Iterable[str] = (),
    practices: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
    demand_mode: str = spread.DEMAND_CENTROID,
    people: Residents | None = None,
    age_band: str = "All",
    detour: float = 1.0,
    network: walking.WalkNetwork | None = None,
) -> PlanInputs:
    """Demand from people_missed_by_area rows and the candidates of one source.

    ``demand_mode`` spread shares each area's people missed over its postcodes (needs
    ``people``; modelled), centroid keeps one point per area. Walks are straight lines ×
    ``detour``, or along ``network`` when given. Raises PlanInputError with a user-facing
    message when there is nothing to plan.
    """
    if demand_mode not in spread.DEMAND_MODES:
        raise PlanInputError(f"unknown demand {demand_mode!r}: centroid or spread")
    if not (detour >= 1.0 and math.isfinite(detour)):
        raise PlanInputError(f"the detour factor must be a number ≥ 1, got {detour!r}")
    if area_rows.empty:
        raise PlanInputError(
            "no areas have data for this indicator, period, group and area of interest"
        )
    located = area_rows.dropna(subset=["lon", "lat"])
    notes = []
    if len(located) < len(area_rows):
        notes.append(f"{len(area_rows) - len(located)} areas without a centroid were left out.")
    description = point_description(level)
    points = located
    if demand_mode == spread.DEMAND_SPREAD:
        if people is None:
            raise PlanInputError("spreading demand needs the resident tables (rebuild extracts)")
        points = spread.spread_demand(
            located,
            level,
            people.lsoas,
            people.groups[people.groups["dimension"].eq("age_band")],
            people.postcodes,
            age_band,
        )
        description = (
            f"Each {LEVEL_WORDS.get(level, level)}'s people missed are spread over where its "
            "residents live (postcodes; modelled)"
        )
        notes.append(spread.SPREAD_NOTE)
    try:
        demand, rule_text = demand_points(
            points, core20_weight=core20_weight, point_description=description
        )
        centroids = demand if points is located else demand_points(located)[0]
    except ValueError as error:
        raise PlanInputError(str(error)) from None
    candidates, candidate_notes = candidate_sites(
        source,
        centroids if source == SOURCE_CENTROIDS else demand,
        radius_m,
        must_keep,
        practices=practices,
        venues=venues,
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
        is_modelled=_any_flag(area_rows, "is_modelled") or demand_mode == spread.DEMAND_SPREAD,
        modelled_flags=_flags(area_rows, "is_modelled"),
        demand_mode=demand_mode,
        detour=float(detour),
        network=network,
    )


def add_candidates(inputs: PlanInputs, sites: pd.DataFrame | None) -> PlanInputs:
    """``inputs`` with extra candidate sites (a must-keep venue given by postcode); sites
    already on offer are not added twice. Every plan the page compares needs them, or a
    must-keep site is "not among the candidates"."""
    if sites is None or sites.empty:
        return inputs
    new = sites[~sites["site_id"].isin(set(inputs.candidates["site_id"]))]
    return dataclasses.replace(
        inputs, candidates=pd.concat([inputs.candidates, new], ignore_index=True)
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
        distances = inputs.distances(inputs.candidates, radius_m)
        result = optimise.plan_sites(
            inputs.demand, inputs.candidates, p, radius_m, must_keep, distances=distances
        )
    except (ValueError, optimise.PlanningError) as error:
        raise PlanInputError(str(error)) from None
    catchments = {}
    if inputs.network is not None:
        chosen = inputs.candidates[inputs.candidates["site_id"].isin(set(result.sites["site_id"]))]
        catchments = walking.catchment_outlines(inputs.network, chosen, radius_m)
    return Plan(
        result=result,
        candidates=inputs.candidates,
        rule_text=inputs.rule_text,
        notes=notes,
        is_synthetic=inputs.is_synthetic,
        is_modelled=inputs.is_modelled,
        modelled_flags=inputs.modelled_flags,
        demand_mode=inputs.demand_mode,
        distance_note=inputs.distance_note,
        uses_network=inputs.network is not None,
        detour=1.0 if inputs.network is not None else inputs.detour,
        catchments=catchments,
    )


def make_plan(
    area_rows: pd.DataFrame,
    level: str,
    source: str,
    p: int,
    radius_m: float = optimise.DEFAULT_RADIUS_M,
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


def parse_site_list(text: str | None) -> list[str]:
    """'A1, B2,,C3' -> ['A1', 'B2', 'C3'] (blank entries dropped, order kept, no repeats)."""
    if not text:
        return []
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


# --- centroid vs spread, and who is in each catchment ---------------------------------------


def reach_of_sites(inputs: PlanInputs, sites: pd.DataFrame, radius_m: float) -> float:
    """People missed in ``inputs.demand`` within a walk of radius_m of any of ``sites``."""
    if sites.empty:
        return 0.0
    covered = (inputs.distances(sites, radius_m) <= radius_m).any(axis=1)
    return float(inputs.demand["people_missed"].to_numpy(dtype=float)[covered].sum())


@dataclass(frozen=True)
class DemandComparison:
    spread_sites: list[str]
    centroid_sites: list[str]
    spread_reach: float  # the spread plan's sites, people where they live
    centroid_sites_spread_reach: float  # the centroid plan's sites, people where they live
    centroid_claimed_reach: float  # the centroid plan's own figure (people at centroids)
    total_missed: float

    @property
    def common_sites(self) -> list[str]:
        return [site for site in self.spread_sites if site in set(self.centroid_sites)]

    def text(self) -> str:
        """The comparison in a sentence; counts of people of 1–7 are suppressed (the site
        count is of sites, not people)."""
        changed = len(self.spread_sites) - len(self.common_sites)
        return (
            f"Centroid vs spread demand: {changed} of {len(self.spread_sites)} chosen sites "
            f"differ (spread: {', '.join(self.spread_sites)}; centroid: "
            f"{', '.join(self.centroid_sites)}). Counting people where they live, the spread "
            f"plan reaches {_people(self.spread_reach)} and the centroid plan's sites "
            f"{_people(self.centroid_sites_spread_reach)} of {_people(self.total_missed)} "
            f"missed; the centroid plan itself claims {_people(self.centroid_claimed_reach)}."
        )


def _people(value: float) -> str:
    """Whole people, or the suppression marker for a small (1..7) count."""
    if pd.isna(value) or stats.is_disclosive(round(float(value))):
        return stats.SUPPRESSED_MARKER
    return f"{value:,.0f}"


def compare_demand(
    spread_inputs: PlanInputs, spread_plan: Plan, centroid_plan: Plan, radius_m: float
) -> DemandComparison:
    """How the chosen sites and the reach change between centroid and spread demand."""
    centroid_ids = centroid_plan.result.sites["site_id"].tolist()
    centroid_sites = centroid_plan.candidates[
        centroid_plan.candidates["site_id"].isin(centroid_ids)
    ]
    return DemandComparison(
        spread_sites=spread_plan.result.sites["site_id"].tolist(),
        centroid_sites=centroid_ids,
        spread_reach=spread_plan.result.total_reached,
        centroid_sites_spread_reach=reach_of_sites(spread_inputs, centroid_sites, radius_m),
        centroid_claimed_reach=centroid_plan.result.total_reached,
        total_missed=spread_plan.result.total_missed,
    )


def reached_by_lsoa(plan: Plan, level: str, people: Residents, age_band: str) -> pd.DataFrame:
    """site_id, lsoa_code, people: people missed first reached by each site, per LSOA
    (centroid demand is shared among the area's LSOAs by target-band residents)."""
    demand = plan.result.demand
    covered = demand[demand["covered"]]
    if plan.demand_mode == spread.DEMAND_SPREAD:
        return pd.DataFrame(
            {
                "site_id": covered["covering_site_id"].to_numpy(),
                "lsoa_code": covered["lsoa_code"].to_numpy(),
                "people": covered["people_missed"].to_numpy(dtype=float),
            }
        )
    by_lsoa = spread.lsoa_people(
        covered[["area_code", "people_missed"]],
        level,
        people.lsoas,
        people.groups[people.groups["dimension"].eq("age_band")],
        age_band,
    )
    sites = covered.set_index("area_code")["covering_site_id"]
    return pd.DataFrame(
        {
            "site_id": by_lsoa["area_code"].map(sites).to_numpy(),
            "lsoa_code": by_lsoa["lsoa_code"].to_numpy(),
            "people": by_lsoa["people_missed"].to_numpy(dtype=float),
        }
    )


def catchment_groups(
    plan: Plan,
    level: str,
    people: Residents,
    age_band: str,
    shares: spread.GroupShares | None = None,
) -> pd.DataFrame:
    """Modelled composition of each chosen site's reach: site_id, dimension, category,
    people (see spread.catchment_composition; ``shares``: spread.group_shares of ``people``
    for ``age_band``, if already made)."""
    reached = reached_by_lsoa(plan, level, people, age_band)
    return spread.catchment_composition(reached, people.lsoas, people.groups, age_band, shares)
