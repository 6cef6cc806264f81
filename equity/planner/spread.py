"""Demand where people live, and who is in each catchment (modelled, not observed).

``spread_demand`` shares each area's people missed among its LSOAs by the Census 2021
residents of the target age band, then equally among the LSOA's postcodes (Code-Point
Open points; the open product has no delivery-point counts, so every postcode counts the
same). The area's total is kept exactly. ``catchment_composition`` splits the people
reached by each site by age band, ethnic group, main language and (Leicester) Somali
ethnicity, as people missed × the residents' share: a model, since the indicator's counts
are not broken down that way. All functions are pure (data in, data out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from equity.planner import residents

DEMAND_CENTROID = "centroid"
DEMAND_SPREAD = "spread"
DEMAND_MODES = {
    DEMAND_SPREAD: "Where people live (postcodes, modelled)",
    DEMAND_CENTROID: "Area centroids",
}
PARENT_KEY = {"lsoa": "area_code", "msoa": "msoa_code", "ward": "ward_code"}
UNKNOWN = "Not known"

SPREAD_NOTE = (
    "Modelled spreading: each area's people missed are shared among its LSOAs by Census 2021 "
    "residents of the target age band (a partial census band counts by its share of years "
    f"of age; 65+ is taken as 65–{residents.OPEN_BAND_TOP - 1}), then equally among each "
    "LSOA's postcodes (OS Code-Point Open, which has no delivery-point counts). Each area's "
    "total is kept."
)
COMPOSITION_NOTE = (
    "Who is in each catchment is modelled: people missed within reach × the Census 2021 "
    "residents' share of each group in their LSOA (age, ethnic group), MSOA (main language) "
    "or Leicester ward (Somali). Shares are of all residents, not of the target group."
)


def lsoa_people(
    area_rows: pd.DataFrame, level: str, lsoas: pd.DataFrame, age_rows: pd.DataFrame, band: str
) -> pd.DataFrame:
    """Each area's people missed shared among its LSOAs by target-band residents.

    ``area_rows``: area_code, people_missed; ``lsoas``: the LSOA rows of ``areas`` (area_code,
    msoa_code, ward_code, lon, lat); ``age_rows``: resident_groups rows of dimension age_band.
    Returns area_code, lsoa_code, people_missed, lon, lat (the LSOA centroid). An area with no
    LSOA residents in the band keeps one row with lsoa_code NULL (it stays at its centroid).
    """
    if level not in PARENT_KEY:
        raise ValueError(f"cannot spread demand of level {level!r}")
    band_residents = residents.target_residents(age_rows, band)
    children = lsoas.rename(columns={"area_code": "lsoa_code"}).assign(
        parent=lambda f: f["lsoa_code"] if level == "lsoa" else f[PARENT_KEY[level]],
        target_residents=lambda f: f["lsoa_code"].map(band_residents).fillna(0.0),
    )
    joined = area_rows[["area_code", "people_missed"]].merge(
        children[["parent", "lsoa_code", "lon", "lat", "target_residents"]],
        left_on="area_code",
        right_on="parent",
        how="left",
    )
    totals = joined.groupby("area_code")["target_residents"].transform("sum")
    spreadable = (totals > 0).to_numpy()
    share = np.where(spreadable, joined["target_residents"] / totals.where(totals > 0, 1.0), 1.0)
    people = pd.to_numeric(joined["people_missed"], errors="coerce").fillna(0.0).clip(lower=0.0)
    out = pd.DataFrame(
        {
            "area_code": joined["area_code"].to_numpy(),
            "lsoa_code": np.where(spreadable, joined["lsoa_code"], None),
            "people_missed": (people * share).to_numpy(),
            "lon": np.where(spreadable, joined["lon"], np.nan),
            "lat": np.where(spreadable, joined["lat"], np.nan),
        }
    )
    # An area without band residents keeps one row (share 1), however many LSOAs it has.
    return out.drop_duplicates(["area_code", "lsoa_code"]).reset_index(drop=True)


def spread_demand(
    area_rows: pd.DataFrame,
    level: str,
    lsoas: pd.DataFrame,
    age_rows: pd.DataFrame,
    postcodes: pd.DataFrame,
    band: str,
) -> pd.DataFrame:
    """Demand points at postcodes: the area rows' columns plus lsoa_code, point_id,
    point_kind (postcode | LSOA centroid | area centroid) and is_spread (always modelled).

    People missed are shared by ``lsoa_people`` then equally among the LSOA's postcodes
    (``postcodes``: postcode, lon, lat, lsoa_code); an LSOA without postcodes stays at its
    centroid, an area without band residents at its own centroid. Totals per area are kept.
    """
    by_lsoa = lsoa_people(area_rows, level, lsoas, age_rows, band)
    located = postcodes.dropna(subset=["lsoa_code", "lon", "lat"])
    per_lsoa = located.groupby("lsoa_code")["postcode"].transform("count")
    located = located.assign(postcode_share=1.0 / per_lsoa)
    points = by_lsoa.merge(
        located[["lsoa_code", "postcode", "lon", "lat", "postcode_share"]],
        on="lsoa_code",
        how="left",
        suffixes=("_lsoa", ""),
    )
    no_postcode = points["postcode"].isna()
    points["point_kind"] = np.where(
        points["lsoa_code"].isna(),
        "area centroid",
        np.where(no_postcode, "LSOA centroid", "postcode"),
    )
    points["postcode_share"] = points["postcode_share"].fillna(1.0)
    points["lon"] = points["lon"].fillna(points["lon_lsoa"])
    points["lat"] = points["lat"].fillna(points["lat_lsoa"])
    points["people_missed"] = points["people_missed"] * points["postcode_share"]
    points["point_id"] = points["postcode"].fillna(points["lsoa_code"]).fillna(points["area_code"])
    area_columns = area_rows.drop(columns=["lon", "lat", "people_missed"], errors="ignore")
    points = points[
        ["area_code", "lsoa_code", "point_id", "point_kind", "lon", "lat", "people_missed"]
    ]
    points = points.merge(area_columns, on="area_code", how="left")
    centroid = points["point_kind"].eq("area centroid")
    if centroid.any():
        area_points = area_rows.set_index("area_code")
        points.loc[centroid, "lon"] = points.loc[centroid, "area_code"].map(area_points["lon"])
        points.loc[centroid, "lat"] = points.loc[centroid, "area_code"].map(area_points["lat"])
    points["is_spread"] = True
    return points.reset_index(drop=True)


@dataclass(frozen=True)
class GroupShares:
    """Each group's share of an area's residents, what ``catchment_composition`` splits the
    people reached by. It depends only on the residents and the age band, not on the plan,
    so a page makes it once per band (it was about half of each new plan's split)."""

    by_dimension: dict[str, tuple[str, pd.DataFrame]]  # dimension: (key, area_code/category/share)
    somali_by_ward: pd.Series | None  # ward_code: Somali share of residents; None if no counts


def group_shares(groups: pd.DataFrame, lsoas: pd.DataFrame, band: str) -> GroupShares:
    """``groups``: the resident_groups table; ``lsoas``: area_code, ward_code. age_band and
    ethnic_group shares are of the LSOA's residents, language of the MSOA's, Somali of the
    ward's (Leicester's detailed counts, over the ward's LSOAs' residents)."""
    fractions = residents.age_band_fractions(band)
    age = groups[groups["dimension"].eq("age_band") & groups["category"].isin(fractions)]
    age = age.assign(residents=age["residents"] * age["category"].map(fractions))
    by_dimension = {
        "age_band": ("lsoa_code", _shares(age)),
        "ethnic_group": ("lsoa_code", _shares(groups[groups["dimension"].eq("ethnic_group")])),
        "language": ("msoa_code", _shares(groups[groups["dimension"].eq("language")])),
    }
    somali = groups[groups["dimension"].eq("ethnic_detail")]
    if somali.empty:
        return GroupShares(by_dimension, None)
    ward_totals = groups[groups["dimension"].eq("ethnic_group") & groups["area_type"].eq("lsoa")]
    ward_totals = (
        ward_totals.merge(lsoas[["area_code", "ward_code"]], on="area_code", how="inner")
        .groupby("ward_code")["residents"]
        .sum()
    )
    somali_share = somali.set_index("area_code")["residents"].astype(float) / ward_totals.reindex(
        somali["area_code"]
    ).to_numpy(dtype=float)
    return GroupShares(by_dimension, somali_share.dropna())


def _shares(rows: pd.DataFrame) -> pd.DataFrame:
    """area_code, category, share: each category's share of the area's residents."""
    shares = rows.assign(
        share=rows["residents"] / rows.groupby("area_code")["residents"].transform("sum")
    )
    return shares.loc[shares["share"].notna(), ["area_code", "category", "share"]]


def catchment_composition(
    reached: pd.DataFrame,
    lsoas: pd.DataFrame,
    groups: pd.DataFrame,
    band: str,
    shares: GroupShares | None = None,
) -> pd.DataFrame:
    """People reached per site split by group: site_id, dimension, category, people.

    ``reached``: site_id, lsoa_code, people (people missed first reached by that site, per
    LSOA; a NULL lsoa_code is unknown); ``lsoas``: area_code, msoa_code, ward_code;
    ``groups``: the resident_groups table; ``shares``: its ``group_shares`` for ``band``,
    if already made. age_band, ethnic_group and language each add up to the site's people
    reached (a missing share goes to "Not known"); ethnic_detail (Somali) is a subset, only
    where the ward has detailed counts.
    """
    if shares is None:
        shares = group_shares(groups, lsoas, band)
    reached = reached.merge(
        lsoas[["area_code", "msoa_code", "ward_code"]].rename(columns={"area_code": "lsoa_code"}),
        on="lsoa_code",
        how="left",
    )
    frames = [
        _split(reached, table, key, dimension)
        for dimension, (key, table) in shares.by_dimension.items()
    ]
    columns = ["site_id", "dimension", "category", "people"]
    if shares.somali_by_ward is None:
        return pd.concat([frame[columns] for frame in frames], ignore_index=True)
    somali_share = shares.somali_by_ward
    known = reached["ward_code"].isin(somali_share.index)
    # astype(float): outside Leicester no reached ward has detailed counts, and mapping an
    # empty string column gives an empty string column, which cannot multiply people.
    detail = reached[known].assign(
        people=lambda f: (
            f["people"] * f["ward_code"].map(somali_share).astype(float).clip(upper=1.0)
        )
    )
    frames.append(
        detail.groupby("site_id", as_index=False)["people"]
        .sum()
        .assign(dimension="ethnic_detail", category="Somali")
    )
    return pd.concat([frame[columns] for frame in frames], ignore_index=True)


def _split(reached: pd.DataFrame, shares: pd.DataFrame, key: str, dimension: str) -> pd.DataFrame:
    """people × each category's share of the key area's residents; the rest is Not known."""
    joined = reached.merge(shares, left_on=key, right_on="area_code", how="left")
    joined["people"] = joined["people"] * joined["share"].fillna(1.0)
    joined["category"] = joined["category"].fillna(UNKNOWN)
    return (
        joined.groupby(["site_id", "category"], as_index=False)["people"]
        .sum()
        .assign(dimension=dimension)
    )
