"""How a plan is shown: wording, tables and map layers, never disclosing small counts.

Counts of people from 1 to the disclosure threshold are suppressed everywhere a plan is
shown or downloaded (tables, tooltips, headline totals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equity import compare, geo, labels, stats
from equity.planner import optimise, spread
from equity.planner import plan as planning
from equity.planner.plan import Plan

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


def site_table(result: optimise.PlanResult) -> pd.DataFrame:
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


DIMENSION_PREFIX = {
    "age_band": "age ",
    "ethnic_group": "ethnic group ",
    "language": "language ",
    "ethnic_detail": "ethnic detail ",
}
DEMAND_LABELS = {spread.DEMAND_SPREAD: "spread (modelled)", spread.DEMAND_CENTROID: "centroid"}
BASE_COUNT_COLUMNS = ("people_reached", "cumulative_reached")


def composition_wide(groups: pd.DataFrame) -> pd.DataFrame:
    """catchment_groups rows -> one row per site_id, one column per group ('age 50-64',
    'ethnic group Asian', 'language Main language English', 'ethnic detail Somali'), in
    whole people with small counts suppressed (NaN)."""
    if groups.empty:
        return pd.DataFrame({"site_id": []})
    named = groups.assign(
        column=groups["dimension"].map(DIMENSION_PREFIX) + groups["category"].astype(str)
    )
    wide = named.pivot_table(
        index="site_id", columns="column", values="people", aggfunc="sum", sort=False
    )
    order = [
        column
        for prefix in DIMENSION_PREFIX.values()
        for column in sorted(wide.columns)
        if column.startswith(prefix)
    ]
    wide = wide[order].fillna(0.0).round(0)
    return wide.mask(stats.is_disclosive(wide.to_numpy(dtype=float))).reset_index()


def reach_table(plan: Plan, groups: pd.DataFrame) -> pd.DataFrame:
    """The CLI/CSV reach table: ``SITE_COLUMNS``, the demand model, then the modelled
    people missed in reach by group (``composition_wide``)."""
    sites = site_table(plan.result)[SITE_COLUMNS]
    sites = sites.assign(demand=DEMAND_LABELS.get(plan.demand_mode, plan.demand_mode))
    return sites.merge(composition_wide(groups), on="site_id", how="left")


def reach_display(reach: pd.DataFrame, badges: list[str]) -> pd.DataFrame:
    """The reach table as shown on the page: whole people or '*', shares as percentages."""
    shown = reach.drop(columns=["lat", "lon"]).rename(
        columns={
            "site_id": "Site id",
            "site_name": "Site",
            "people_reached": "People reached",
            "cumulative_reached": "Cumulative reached",
            "share_of_missed": "Share of all missed",
            "demand": "Demand",
        }
    )
    for column in count_columns(reach):
        label = {"people_reached": "People reached", "cumulative_reached": "Cumulative reached"}
        shown[label.get(column, column)] = reach[column].map(count_text)
    shown["Share of all missed"] = reach["share_of_missed"].map(share_text)
    shown["Data"] = " / ".join(badges) or "published"
    return shown


def count_columns(table: pd.DataFrame) -> list[str]:
    """The people-count columns of a reach table (shown as whole people or '*')."""
    prefixes = tuple(DIMENSION_PREFIX.values())
    return [*BASE_COUNT_COLUMNS, *(c for c in table.columns if str(c).startswith(prefixes))]


def greedy_table(result: optimise.PlanResult) -> pd.DataFrame:
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


def demand_table(result: optimise.PlanResult) -> pd.DataFrame:
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


def short_headline(plan: Plan, domain: str | None) -> str:
    """The headline in one projector line: '5 sites within 800 m reach 62% of those not
    yet vaccinated' (the group and place are in the chart title and the folded controls)."""
    result = plan.result
    if result.total_missed <= 0:
        return "Nobody in the target group is known to be missed"
    sites = "1 site" if result.p == 1 else f"{result.p} sites"
    return (
        f"{sites} within {result.radius_m:,.0f} m reach {100 * result.share_reached:.0f}% "
        f"of those {missed_words(domain)}"
    )


def reach_summary(result: optimise.PlanResult) -> str:
    """Reached / missed / coverable, in people, with small totals suppressed."""

    return (
        f"{count_text(result.total_reached)} of {count_text(result.total_missed)} people "
        f"missed are within {result.radius_m:,.0f} m of a chosen site; "
        f"{count_text(result.coverable_missed)} are within reach of any candidate."
    )


# --- the map -----------------------------------------------------------------------------

COVERED_RGB = [0, 114, 178]  # Okabe-Ito blue and vermillion: colour-blind safe
UNCOVERED_RGB = [213, 94, 0]
COVERED_RGBA, UNCOVERED_RGBA = [*COVERED_RGB, 200], [*UNCOVERED_RGB, 200]
SITE_RGB = [17, 17, 17]
CANDIDATE_RGBA = [120, 120, 120, 90]
MIN_POINT_PX, MAX_POINT_PX = 3.0, 14.0


def count_text(value) -> str:
    """Whole people, or the suppression marker for a missing or small (1..7) count."""
    if pd.isna(value) or stats.is_disclosive(round(float(value))):
        return stats.SUPPRESSED_MARKER
    return f"{value:,.0f}"


def count_texts(values: pd.Series) -> pd.Series:
    """count_text of every value, column-wise."""
    hidden = values.isna() | pd.Series(stats.is_disclosive(values.round(0)), index=values.index)
    return metres_texts(values).where(~hidden, stats.SUPPRESSED_MARKER)


def metres_texts(values: pd.Series) -> pd.Series:
    """Whole numbers with thousands commas ("1,234"), column-wise."""
    return values.map("{:,.0f}".format)


def badge_lines(plan: Plan) -> str:
    """The plan's data badges, one "⚠ …" line each, as they close every map tooltip."""
    return "".join(f"\n⚠ {badge}" for badge in plan.badges)


def _records(frame: pd.DataFrame) -> list[dict]:
    """frame as a layer's data: pydeck's own DataFrame.to_dict("records") was ~25 ms for
    a plan's ~6,000 demand points, building from columns ~4 ms."""
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in zip(*(frame[c].tolist() for c in columns))]


def map_frames(plan: Plan) -> dict[str, pd.DataFrame]:
    """What the map draws, one frame per layer, each with a ready-made tooltip (the plan's
    data badges follow every tooltip from the deck's template: ``badge_lines``).

    demand: covered/uncovered points sized by people missed (small counts suppressed,
    drawn at the smallest size, as zero is); sites: chosen sites in order with their
    catchments; candidates: the others on offer.
    """
    demand = demand_table(plan.result)
    shown = demand["people_missed"].fillna(0.0)
    largest = float(shown.max()) if len(shown) and shown.max() > 0 else 1.0
    # Column-wise, not row by row: a spread plan has a tooltip for each of ~6,000 postcodes.
    nearest = demand["nearest_site_m"].astype(float)
    not_reached = ("Not reached: nearest chosen site " + metres_texts(nearest) + " m away").where(
        np.isfinite(nearest),
        f"Not reached: no chosen site within a {plan.result.radius_m:,.0f} m walk",
    )
    reach = ("Within reach of: " + demand["covering_site_name"].astype(str)).where(
        demand["covered"].astype(bool), not_reached
    )
    demand_points = pd.DataFrame(
        {
            "lon": demand["lon"],
            "lat": demand["lat"],
            "radius_px": MIN_POINT_PX + (MAX_POINT_PX - MIN_POINT_PX) * np.sqrt(shown / largest),
            "colour": [
                COVERED_RGBA if covered else UNCOVERED_RGBA
                for covered in demand["covered"].astype(bool).tolist()
            ],
            "tooltip": (
                demand["area_name"].astype(str)
                + " ("
                + demand["area_code"].astype(str)
                + ")\nPeople missed: "
                + count_texts(demand["people_missed"])
                + "\n"
                + reach
            ).tolist(),
        }
    )
    sites = site_table(plan.result)
    site_points = pd.DataFrame(
        {
            "site_id": sites["site_id"],
            "lon": sites["lon"],
            "lat": sites["lat"],
            "label": sites["order"].astype(str),
            "tooltip": [
                f"Site {row.order}: {row.site_name} ({row.site_id})\n"
                f"People first reached here: {count_text(row.people_reached)}\n"
                f"Catchment: {plan.result.radius_m:,.0f} m walk"
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


def catchment_frame(plan: Plan) -> pd.DataFrame:
    """Walking isochrones (network plans): site_id, polygon ([[lon, lat], …]), tooltip."""
    rows = [
        {
            "site_id": site_id,
            "polygon": polygon,
            "tooltip": f"{site_id}: within a {plan.result.radius_m:,.0f} m walk along streets",
        }
        for site_id, polygon in plan.catchments.items()
    ]
    return pd.DataFrame(rows, columns=["site_id", "polygon", "tooltip"])


def plan_deck(plan: Plan, outlines: Mapping[str, dict] | None = None, height_px: int = 560):
    """A pydeck map without a basemap: demand, catchment circles, chosen and other sites.

    ``outlines`` ({area_code: GeoJSON geometry}) draws area boundaries for orientation. String literals are quoted because pydeck reads bare strings as fields.
    """
    import pydeck as pdk

    from equity.maps import BLANK_STYLE, DrawnOnceDeck

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
    isochrones = catchment_frame(plan)
    if not isochrones.empty:
        layers.append(
            pdk.Layer(
                "PolygonLayer",
                isochrones,
                id="walking_catchments",
                get_polygon="polygon",
                get_fill_color=[17, 17, 17, 18],
                get_line_color=[17, 17, 17, 170],
                stroked=True,
                line_width_min_pixels=1.5,
                pickable=False,
            )
        )
    circles = frames["sites"][~frames["sites"]["site_id"].isin(set(isochrones["site_id"]))]
    # A detour factor shrinks the crow-flies circle: radius ÷ detour.
    circle_m = float(plan.result.radius_m) / max(plan.detour, 1.0)
    layers += [
        pdk.Layer(
            "ScatterplotLayer",
            _records(circles),
            id="catchments",
            get_position=["lon", "lat"],
            get_radius=circle_m,
            radius_units='"meters"',
            get_fill_color=[17, 17, 17, 18],
            get_line_color=[17, 17, 17, 170],
            stroked=True,
            line_width_min_pixels=1.5,
            pickable=False,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            _records(frames["candidates"]),
            id="other_candidates",
            get_position=["lon", "lat"],
            get_radius=3,
            radius_units='"pixels"',
            get_fill_color=CANDIDATE_RGBA,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            _records(frames["demand"]),
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
            _records(frames["sites"]),
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
            _records(frames["sites"]),
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
    viewport = geo.fit_view(
        (points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()),
        width_px=900,
        height_px=height_px,
    )
    return DrawnOnceDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**viewport),
        map_provider=None,
        map_style=BLANK_STYLE,
        height=height_px,
        tooltip={
            # The badges once, in the template, not in each of ~6,000 points' data: they
            # were half of the JSON every viewer of a new plan is sent (2.3 MB in all).
            "text": "{tooltip}" + badge_lines(plan),
            "style": {"whiteSpace": "pre-line", "fontSize": "13px", "maxWidth": "360px"},
        },
    )


@dataclass(frozen=True)
class PlanView:
    """One plan as the page shows it. Shared between sessions by the app's cache: read it,
    never change it."""

    inputs: planning.PlanInputs  # with the must-keep postcode's site among the candidates
    chosen: Plan
    comparison: planning.DemandComparison | None  # spread demand against centroids
    deck: object  # plan_deck (a maps.DrawnOnceDeck)
    sites: pd.DataFrame  # site_table
    greedy: pd.DataFrame  # greedy_table
    reach: pd.DataFrame  # reach_table
    effect: dict | None  # compare.reach_effect of the demand, if it can be worked out
    postcode_problem: str  # why the must-keep postcode was not used ("" if it was, or none)


def plan_view(
    inputs: planning.PlanInputs,
    p: int,
    radius_m: float,
    must_keep: tuple[str, ...],
    *,
    postcode: tuple[pd.DataFrame | None, str],
    centroid_inputs: planning.PlanInputs | None,
    outlines: Mapping[str, dict],
    level: str,
    people: planning.Residents,
    age_band: str,
    shares: spread.GroupShares | None = None,
) -> PlanView:
    """Choose the sites (the postcode's site, from search.postcode_site, kept too) and, with
    centroid_inputs for spread demand, the centroid plan to compare; the map and reach table
    (``shares``: spread.group_shares of ``people`` for ``age_band``, if already made).
    Raises PlanInputError as plan.choose_sites does."""
    postcode_site, postcode_problem = postcode
    if postcode_site is not None:  # one more candidate, kept, in both plans
        inputs = planning.add_candidates(inputs, postcode_site)
        must_keep = (*must_keep, postcode_site["site_id"].iloc[0])
    chosen = planning.choose_sites(inputs, p, radius_m, must_keep)
    comparison = None
    if centroid_inputs is not None:
        centroid_inputs = planning.add_candidates(centroid_inputs, postcode_site)
        centroid_plan = planning.choose_sites(centroid_inputs, p, radius_m, must_keep)
        comparison = planning.compare_demand(inputs, chosen, centroid_plan, radius_m)
    groups = planning.catchment_groups(chosen, level, people, age_band, shares)
    demand = chosen.result.demand
    return PlanView(
        inputs=inputs,
        chosen=chosen,
        comparison=comparison,
        deck=plan_deck(chosen, outlines),
        sites=site_table(chosen.result),
        greedy=greedy_table(chosen.result),
        reach=reach_table(chosen, groups),
        effect=compare.reach_effect(demand) if compare.has_reach_effect(demand) else None,
        postcode_problem=postcode_problem,
    )
