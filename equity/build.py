"""data/sources -> data/extracts: areas, boundaries, the catalog and the values files.

The build is deterministic (same sources, same bytes out) and atomic: it writes into a
fresh folder beside the extracts and swaps it in only when every step has succeeded, so a
failed build leaves the previous extracts as they were. User extracts added by `ingest`
(files named *_user_*.parquet) are carried over into the new build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
from tqdm import tqdm

from equity import catalog, config, db, fingertips, geo, mappings, schema
from equity.locks import ExtractsBusy, extracts_lock
from equity.planner import residents

# 2: boundaries_simplified.parquet carries each area's GeoJSON text;
# 3: values files carry their breakdowns index in the Parquet footer
# 4: postcodes.parquet (planner venues) and interventions.parquet (trend marks)
# 5: real sources via mappings/Fingertips (QOF, smoking, Local Health, school flu), real
#    MSOA life expectancy (life_expectancy_birth), catalog multiplier, LEICS_RUTLAND comparator
# 6: each values file has an area-major copy in by_area/ (db.write_area_major_copy)
# 7: boundaries_simplified.parquet carries each shape's bounding box (geo.BOUNDS_COLUMNS)
BUILD_VERSION = 7
COVID_PROGRAMME_START = pd.Timestamp("2020-12-08")
BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
USER_FILES = "*_user_*.parquet"
WALK_FILES = "walk_*.parquet"  # the OSM walking network (build --walk-network), kept on rebuild
LEICESTER_LA = "E06000016"
# UKHSA reports Leicestershire and Rutland as one area: a named comparator, not one of ours.
LEICS_RUTLAND = "LEICS_RUTLAND"

# Code whose change must trigger a rebuild, besides the source files themselves.
_BUILD_CODE = [
    Path(__file__),
    Path(__file__).with_name("catalog.py"),
    Path(__file__).with_name("synthetic.py"),
    Path(__file__).with_name("schema.py"),
    Path(__file__).with_name("planner") / "residents.py",
    Path(__file__).with_name("mappings.py"),
    Path(__file__).with_name("fingertips.py"),
    *sorted(config.QUERIES_DIR.glob("build_*.sql")),
    config.QUERIES_DIR / "_macros.sql",
]


# ---------------------------------------------------------------------------- helpers


def _read_csv(sources_dir: Path, relative: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(sources_dir / relative, **kwargs)


def _band_bounds(band: str) -> tuple[int, int]:
    """'50-54' -> (50, 54); '80+' -> (80, 90); 90 stands for the open 90+ year of age."""
    if band.endswith("+"):
        return int(band[:-1]), 90
    low, high = band.split("-")
    return int(low), int(high)


def _quintile(decile: pd.Series) -> pd.Series:
    return ((decile + 1) // 2).astype("Int64")


def _national_decile_of_score(scores: pd.Series, lsoa: pd.DataFrame) -> pd.Series:
    """Approximate national IMD decile of an aggregate score from LLR LSOAs' known deciles.

    Decile d's lower score bound is the lowest score among LLR LSOAs in national decile d;
    an aggregate takes the most deprived decile whose bound its score reaches.
    """
    bounds = lsoa.groupby("imd_decile")["imd_score"].min().sort_index()
    out = []
    for score in scores:
        if pd.isna(score):
            out.append(pd.NA)
            continue
        decile = next(
            (int(d) for d, low in bounds.items() if score >= low), int(bounds.index.max())
        )
        out.append(decile)
    return pd.Series(out, index=scores.index, dtype="Int64")


def _run_sql(con: duckdb.DuckDBPyConnection, name: str, **tables: pd.DataFrame) -> pd.DataFrame:
    for table_name, frame in tables.items():
        con.register(table_name, frame)
    try:
        return con.execute(db.query_text(name)).df()
    finally:
        for table_name in tables:
            con.unregister(table_name)


# ---------------------------------------------------------------------------- areas


def load_lsoas(sources_dir: Path) -> pd.DataFrame:
    """LSOA 2021 with ward, MSOA, LA, population and IMD 2025 (all LLR, 634 rows)."""
    lookup = _read_csv(sources_dir, "lookups/lsoa21_ward24_ltla24_llr.csv")
    msoa_names = _read_csv(sources_dir, "lookups/msoa21_names_hcl_llr.csv")
    msoa_code_by_name = dict(zip(msoa_names["msoa21nm"], msoa_names["msoa21cd"]))
    lookup["msoa_code"] = lookup["lsoa21_name"].str[:-1].map(msoa_code_by_name)
    population = (
        _read_csv(sources_dir, "population/census21_age6_lsoa21_llr.csv")
        .groupby("lsoa21_code")["usual_residents"]
        .sum()
    )
    imd = _read_csv(sources_dir, "deprivation/imd2025_lsoa21_llr.csv")
    frame = lookup.merge(
        imd[["lsoa21_code", "IMD_score", "IMD_decile"]], on="lsoa21_code", how="left"
    )
    frame = frame.rename(
        columns={
            "lsoa21_code": "area_code",
            "lsoa21_name": "area_name",
            "ward24_code": "ward_code",
            "ltla24_code": "la_code",
            "IMD_score": "imd_score",
            "IMD_decile": "imd_decile",
        }
    )
    frame["population"] = frame["area_code"].map(population)
    frame["imd_decile"] = frame["imd_decile"].astype("Int64")
    return frame[
        ["area_code", "area_name", "ward_code", "msoa_code", "la_code", "population"]
        + ["imd_score", "imd_decile"]
    ]


def _aggregate_areas(lsoa: pd.DataFrame, key: str) -> pd.DataFrame:
    """Population and population-weighted IMD score of areas built from LSOAs."""
    weighted = lsoa.assign(score_x_pop=lsoa["imd_score"] * lsoa["population"])
    grouped = weighted.groupby(key).agg(
        population=("population", "sum"), score_x_pop=("score_x_pop", "sum")
    )
    grouped["imd_score"] = grouped["score_x_pop"] / grouped["population"]
    grouped["imd_decile"] = _national_decile_of_score(grouped["imd_score"], lsoa)
    return grouped.drop(columns="score_x_pop").reset_index().rename(columns={key: "area_code"})


def _centroids(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Centroid lon/lat (computed in British National Grid, returned in WGS84)."""
    points = gdf.to_crs(BNG).geometry.representative_point()
    centroid_bng = gdf.to_crs(BNG).geometry.centroid
    # A centroid outside a concave polygon would misplace labels and demand points.
    inside = centroid_bng.within(gdf.to_crs(BNG).geometry)
    chosen = gpd.GeoSeries(np.where(inside, centroid_bng, points), crs=BNG).to_crs(WGS84)
    return pd.DataFrame({"area_code": gdf["area_code"].values, "lon": chosen.x, "lat": chosen.y})


def load_boundaries(sources_dir: Path) -> gpd.GeoDataFrame:
    """Every polygon layer with area_code and area_type, WGS84."""
    layers = [
        ("boundaries/llr_ltla24.geojson", "ltla24_code", "la"),
        ("boundaries/llr_wards24_composite.geojson", "ward24_code", "ward"),
        ("boundaries/llr_msoa21.geojson", "msoa21_code", "msoa"),
        ("boundaries/leicester_msoa11.geojson", "msoa11_code", "msoa11"),
        ("boundaries/llr_lsoa21.geojson", "lsoa21_code", "lsoa"),
    ]
    frames = []
    for relative, code_column, area_type in layers:
        gdf = gpd.read_file(sources_dir / relative)
        frames.append(
            gpd.GeoDataFrame(
                {"area_code": gdf[code_column], "area_type": area_type},
                geometry=gdf.geometry.values,
                crs=WGS84,
            )
        )
    combined = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=WGS84)


def simplify_boundaries(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Map copies: simplified in metres, coordinates rounded to ~1 m."""
    tolerance_m = {"lsoa": 15.0, "msoa": 25.0, "msoa11": 25.0, "ward": 25.0, "la": 60.0}
    projected = boundaries.to_crs(BNG)
    simplified = [
        geom.simplify(tolerance_m[area_type], preserve_topology=True)
        for geom, area_type in zip(projected.geometry, projected["area_type"])
    ]
    out = gpd.GeoDataFrame(
        boundaries[["area_code", "area_type"]].copy(), geometry=simplified, crs=BNG
    ).to_crs(WGS84)
    out["geometry"] = out.geometry.set_precision(0.00001)
    return out


def load_practices(sources_dir: Path) -> pd.DataFrame:
    """Every GP practice any shipped source mentions; located ones carry lon/lat."""
    located = _read_csv(sources_dir, "gp/gp_practices_llr_active_geocoded.csv")
    list_sizes = _read_csv(
        sources_dir, "context/llr_gp_practices_list_size_postcode_nhs_payments_2022_23.csv"
    )
    imd = _read_csv(sources_dir, "context/llr_gp_practice_imd2019_score_fingertips93553.csv")
    imd2019 = imd[imd["year"] == 2019].set_index("practice_code")
    screening = _read_csv(
        sources_dir, "screening/llr_gp_practice_cervical_screening_coverage_phe_dec2017_bbc.csv"
    )
    life = _read_csv(sources_dir, "life_expectancy/llr_gp_practice_life_expectancy_heec.csv")

    names: dict[str, str] = {}
    for codes, labels in [
        (located["org_code"], located["name"]),
        (list_sizes["practice_code"], list_sizes["practice_name"]),
        (imd["practice_code"], imd["practice_name"]),
        (screening["practice_code"], screening["practice_name"]),
    ]:
        for code, label in zip(codes, labels):
            names.setdefault(code, str(label).strip().title())
    for code in life["practice_code"]:
        names.setdefault(code, f"Practice {code}")

    frame = pd.DataFrame({"area_code": sorted(names)})
    frame["area_name"] = frame["area_code"].map(names)
    located = located.set_index("org_code")
    frame["lon"] = frame["area_code"].map(located["lon"])
    frame["lat"] = frame["area_code"].map(located["lat"])
    frame["la_code"] = frame["area_code"].map(located["admin_district_code"])
    frame["ward_code"] = frame["area_code"].map(located["admin_ward_code"])
    frame["population"] = frame["area_code"].map(
        list_sizes.set_index("practice_code")["registered_patients_last_known"]
    )
    frame["imd_score"] = frame["area_code"].map(imd2019["imd_score"])
    # HEEC numbers its practice quintiles 1 = least deprived (mean IMD score 9.7 in
    # quintile 1 vs 39.8 in quintile 5); flip them to the IMD convention, 1 = most deprived.
    heec = life[life["year"] == life["year"].max()].set_index("practice_code")["imd_quintile"]
    frame["imd_quintile"] = (6 - frame["area_code"].map(heec)).astype("Int64")
    frame.loc[~frame["la_code"].isin(config.LLR_LA_CODES), "la_code"] = None
    return frame


def postcode_points(sources_dir: Path, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """Code-Point Open postcodes with WGS84 lon/lat and the LSOA 2021 they fall in (NULL
    outside LLR), so the planner reads postcodes from the extracts."""
    codepoint = _read_csv(
        sources_dir,
        "gp/codepoint_open_2025-4_le.csv",
        usecols=["postcode", "easting", "northing"],
        dtype={"postcode": str},
    )
    points = gpd.GeoDataFrame(
        codepoint,
        geometry=gpd.points_from_xy(codepoint["easting"], codepoint["northing"]),
        crs=BNG,
    ).to_crs(WGS84)
    lsoas = boundaries.loc[boundaries["area_type"] == "lsoa", ["area_code", "geometry"]]
    joined = gpd.sjoin(points, lsoas, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared edge
    return pd.DataFrame(
        {
            "postcode": joined["postcode"].astype(str).to_numpy(),
            "easting": joined["easting"].astype(float).to_numpy(),
            "northing": joined["northing"].astype(float).to_numpy(),
            "lon": joined.geometry.x.round(6).to_numpy(),
            "lat": joined.geometry.y.round(6).to_numpy(),
            "lsoa_code": joined["area_code"].to_numpy(),
        }
    )


def interventions_frame() -> pd.DataFrame:
    """Interventions to mark on trend charts: the synthetic pop-up clinic the demo models."""
    from equity import synthetic

    clinic = synthetic.POPUP_CLINIC
    return pd.DataFrame(
        {
            "start": [pd.Timestamp(clinic["start"])],
            "end": [pd.Timestamp(clinic["end"])],
            "place": [clinic["area_code"]],
            "group": [f"{clinic['group']} {clinic['age']}"],
            "label": [clinic["label"]],
            "is_synthetic": [True],
        }
    )


def build_areas(sources_dir: Path, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    lsoa = load_lsoas(sources_dir)
    centroids = _centroids(boundaries)
    centroid_by_type = {
        area_type: centroids[boundaries["area_type"].values == area_type]
        for area_type in boundaries["area_type"].unique()
    }

    lsoa_rows = lsoa.assign(area_type="lsoa")

    wards = _aggregate_areas(lsoa, "ward_code")
    ward_geo = gpd.read_file(sources_dir / "boundaries/llr_wards24_composite.geojson")
    ward_rows = ward_geo[["ward24_code", "ward24_name", "ltla24_code"]].rename(
        columns={"ward24_code": "area_code", "ward24_name": "area_name", "ltla24_code": "la_code"}
    )
    ward_rows = ward_rows.merge(wards, on="area_code", how="left").assign(
        area_type="ward", ward_code=lambda d: d["area_code"]
    )

    msoas = _aggregate_areas(lsoa, "msoa_code")
    msoa_names = _read_csv(sources_dir, "lookups/msoa21_names_hcl_llr.csv")
    msoa_geo = gpd.read_file(sources_dir / "boundaries/llr_msoa21.geojson")
    msoa_rows = (
        msoa_names[["msoa21cd", "msoa21hclnm", "msoa21nm"]]
        .rename(columns={"msoa21cd": "area_code"})
        .merge(
            msoa_geo[["msoa21_code", "ltla24_code"]].rename(
                columns={"msoa21_code": "area_code", "ltla24_code": "la_code"}
            ),
            on="area_code",
            how="left",
        )
        .merge(msoas, on="area_code", how="left")
    )
    msoa_rows["area_name"] = msoa_rows["msoa21hclnm"]
    msoa_rows["area_alias"] = msoa_rows["msoa21nm"]
    msoa_rows = msoa_rows.drop(columns=["msoa21hclnm", "msoa21nm"]).assign(
        area_type="msoa", msoa_code=lambda d: d["area_code"]
    )

    msoa11_names = _read_csv(sources_dir, "lookups/msoa11_names_hcl_llr.csv")
    msoa11_la = _read_csv(sources_dir, "lookups/msoa11_msoa21_ltla22_llr.csv").set_index(
        "msoa11_code"
    )["ltla22_code"]
    mye = _read_csv(sources_dir, "population/mye2020_sya_lsoa11_llr.csv")
    lsoa11_msoa11 = _read_csv(sources_dir, "lookups/lsoa11_msoa11_llr.csv")
    msoa11_pop = (
        mye.merge(lsoa11_msoa11[["lsoa11_code", "msoa11_code"]], on="lsoa11_code")
        .groupby("msoa11_code")["total_population"]
        .sum()
    )
    msoa11_score = _read_csv(sources_dir, "deprivation/imd2019_msoa11_llr.csv").set_index(
        "msoa11_code"
    )["Score"]
    msoa11_rows = pd.DataFrame(
        {
            "area_code": msoa11_names["msoa11cd"],
            "area_name": msoa11_names["msoa11hclnm"],
            "area_alias": msoa11_names["msoa11nm"],
            "area_type": "msoa11",
        }
    )
    msoa11_rows["la_code"] = msoa11_rows["area_code"].map(msoa11_la)
    msoa11_rows["population"] = msoa11_rows["area_code"].map(msoa11_pop)
    # MSOA 2011 rows carry their IMD 2019 score: no IMD 2025 exists on that geography.
    msoa11_rows["imd_score"] = msoa11_rows["area_code"].map(msoa11_score)

    las = _aggregate_areas(lsoa, "la_code")
    la_geo = gpd.read_file(sources_dir / "boundaries/llr_ltla24.geojson")
    la_rows = la_geo[["ltla24_code", "ltla24_name"]].rename(
        columns={"ltla24_code": "area_code", "ltla24_name": "area_name"}
    )
    la_rows = la_rows.merge(las, on="area_code", how="left").assign(
        area_type="la", la_code=lambda d: d["area_code"]
    )

    region = pd.DataFrame(
        [
            {
                "area_code": config.LLR_CODE,
                "area_name": "Leicester, Leicestershire and Rutland",
                "area_type": "region",
                "population": lsoa["population"].sum(),
            },
            {
                "area_code": LEICS_RUTLAND,
                "area_name": "Leicestershire and Rutland (UKHSA combined)",
                "area_type": schema.COMPARATOR,
                "population": lsoa.loc[lsoa["la_code"] != LEICESTER_LA, "population"].sum(),
            },
        ]
    )

    polygons = pd.concat([lsoa_rows, ward_rows, msoa_rows, msoa11_rows, la_rows], ignore_index=True)
    lonlat = pd.concat(centroid_by_type.values(), ignore_index=True)
    lonlat["area_type"] = np.concatenate(
        [[t] * len(frame) for t, frame in centroid_by_type.items()]
    )
    polygons = polygons.merge(lonlat, on=["area_code", "area_type"], how="left")

    practices = load_practices(sources_dir).assign(area_type="practice")
    areas = pd.concat([polygons, practices, region], ignore_index=True)
    areas["imd_decile"] = areas["imd_decile"].astype("Int64")
    has_decile = areas["imd_decile"].notna()
    areas.loc[has_decile, "imd_quintile"] = _quintile(areas.loc[has_decile, "imd_decile"])
    areas["imd_quintile"] = areas["imd_quintile"].astype("Int64")
    areas["is_core20"] = (areas["imd_quintile"] == 1).fillna(False).astype(bool)
    columns = [
        "area_code",
        "area_name",
        "area_alias",
        "area_type",
        "la_code",
        "ward_code",
        "msoa_code",
        "population",
        "imd_score",
        "imd_decile",
        "imd_quintile",
        "is_core20",
        "lon",
        "lat",
    ]
    areas = areas[columns].sort_values(["area_type", "area_code"], ignore_index=True)
    areas["population"] = areas["population"].astype("float64")
    return areas


# ---------------------------------------------------------------------------- apportionment


def lsoa11_to_lsoa21_shares(sources_dir: Path) -> pd.DataFrame:
    """(lsoa11_code, lsoa21_code, share): an LSOA 2011 split in 2021 is shared out by the
    children's Census 2021 populations; unchanged and merged LSOAs pass whole."""
    lookup = _read_csv(sources_dir, "lookups/lsoa11_lsoa21_ltla22_llr.csv")
    population = (
        _read_csv(sources_dir, "population/census21_age6_lsoa21_llr.csv")
        .groupby("lsoa21_code")["usual_residents"]
        .sum()
    )
    lookup["child_population"] = lookup["lsoa21_code"].map(population)
    lookup["share"] = lookup["child_population"] / lookup.groupby("lsoa11_code")[
        "child_population"
    ].transform("sum")
    return lookup[["lsoa11_code", "lsoa21_code", "share"]]


def msoa11_apportion_weights(sources_dir: Path, age_bands: list[str]) -> pd.DataFrame:
    """Weights that split each MSOA 2011's counts of one age band to wards and MSOA 2021s.

    Shares follow the ONS mid-2020 population of the band's ages in each LSOA 2011 piece.
    """
    mye = _read_csv(sources_dir, "population/mye2020_sya_lsoa11_llr.csv")
    ages = {str(age): age for age in range(90)} | {"90+": 90}
    lsoa11_msoa11 = _read_csv(sources_dir, "lookups/lsoa11_msoa11_llr.csv")[
        ["lsoa11_code", "msoa11_code"]
    ]
    shares = lsoa11_to_lsoa21_shares(sources_dir)
    lsoa = load_lsoas(sources_dir).set_index("area_code")
    pieces = shares.merge(lsoa11_msoa11, on="lsoa11_code")
    pieces["ward_code"] = pieces["lsoa21_code"].map(lsoa["ward_code"])
    pieces["msoa_code"] = pieces["lsoa21_code"].map(lsoa["msoa_code"])

    frames = []
    for band in age_bands:
        low, high = (16, 90) if band == "All" else _band_bounds(band)
        columns = [label for label, age in ages.items() if low <= age <= high]
        band_population = mye.set_index("lsoa11_code")[columns].sum(axis=1)
        piece = pieces.assign(
            population=pieces["lsoa11_code"].map(band_population) * pieces["share"]
        )
        for target_type, key in (("ward", "ward_code"), ("msoa", "msoa_code")):
            grouped = piece.groupby(["msoa11_code", key], as_index=False)["population"].sum()
            grouped["weight"] = grouped["population"] / grouped.groupby("msoa11_code")[
                "population"
            ].transform("sum")
            frames.append(
                pd.DataFrame(
                    {
                        "msoa11_code": grouped["msoa11_code"],
                        "age_band": band,
                        "target_code": grouped[key],
                        "target_type": target_type,
                        "weight": grouped["weight"],
                        "is_exact": np.isclose(grouped["weight"], 1.0),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------- real values


def covid_msoa11_values(sources_dir: Path) -> pd.DataFrame:
    """NHS England first (and second) doses by MSOA 2011 and age band, NIMS denominators."""
    nims = _read_csv(sources_dir, "vaccination/llr_msoa_nims_population_by_age_odileeds.csv")
    nims = nims.set_index("msoa11_code")
    releases = [
        (
            "vaccination/llr_msoa_covid_first_doses_by_age_nhse_pub20210325.csv",
            {"first_doses": "covid_first_dose"},
            {"under50": ("16-49", ["16_24", "25_29", "30_34", "35_39", "40_44", "45_49"])},
        ),
        (
            "vaccination/leicester_msoa_covid_doses_by_age_nhse_pub20210715.csv",
            {"first_doses": "covid_first_dose", "second_doses": "covid_second_dose"},
            {"under25": ("16-24", ["16_24"])},
        ),
    ]
    rows = []
    for relative, measures, young_bands in releases:
        release = _read_csv(sources_dir, relative)
        for prefix, indicator_id in measures.items():
            columns = [c for c in release.columns if c.startswith(prefix + "_")]
            for _, record in release.iterrows():
                period_end = pd.Timestamp(record["publication_date"])
                band_rows = []
                for column in columns:
                    suffix = column[len(prefix) + 1 :]
                    if suffix in young_bands:
                        band, nims_columns = young_bands[suffix]
                    else:
                        band = "80+" if suffix == "80plus" else suffix.replace("_", "-")
                        nims_columns = [suffix]
                    denominator = float(
                        nims.loc[
                            record["msoa11_code"], [f"nims_pop_{c}" for c in nims_columns]
                        ].sum()
                    )
                    numerator = record[column]
                    band_rows.append((band, numerator, denominator))
                complete = all(pd.notna(n) for _, n, _ in band_rows)
                if complete:
                    band_rows.append(
                        (
                            "All",
                            sum(n for _, n, _ in band_rows),
                            float(nims.loc[record["msoa11_code"], "nims_pop_16plus"]),
                        )
                    )
                for band, numerator, denominator in band_rows:
                    if pd.isna(numerator):
                        continue  # "#VALUE!" in the source: no row rather than a false zero
                    rows.append(
                        {
                            "indicator_id": indicator_id,
                            "area_code": record["msoa11_code"],
                            "area_type": "msoa11",
                            "period_start": COVID_PROGRAMME_START,
                            "period_end": period_end,
                            "sex": "All",
                            "age_band": band,
                            "ethnic_group": "All",
                            "numerator": float(numerator),
                            "denominator": denominator,
                            "is_synthetic": False,
                            "is_modelled": False,
                        }
                    )
    return pd.DataFrame(rows)


def covid_values(con, sources_dir: Path, areas: pd.DataFrame) -> pd.DataFrame:
    msoa11 = covid_msoa11_values(sources_dir)
    weights = msoa11_apportion_weights(sources_dir, sorted(msoa11["age_band"].unique()))
    apportioned = _run_sql(
        con, "build_apportion_msoa11_values", msoa11_values=msoa11, apportion_weights=weights
    )
    msoa11_parents = areas.loc[areas["area_type"] == "msoa11", ["area_code", "la_code"]]
    parents = pd.concat(
        [
            msoa11_parents.rename(columns={"la_code": "parent_code"}).assign(parent_type="la"),
            msoa11_parents.assign(parent_code=config.LLR_CODE, parent_type="region")[
                ["area_code", "parent_code", "parent_type"]
            ],
        ],
        ignore_index=True,
    )
    rolled = _run_sql(
        con, "build_rollup_values_to_parents", leaf_values=msoa11, area_parents=parents
    )
    combined = pd.concat([msoa11, apportioned, rolled], ignore_index=True)
    return _run_sql(con, "build_fill_proportion_ci", count_values=combined)


def cervical_screening_values(con, sources_dir: Path, areas: pd.DataFrame) -> pd.DataFrame:
    source = _read_csv(
        sources_dir, "screening/llr_gp_practice_cervical_screening_coverage_phe_dec2017_bbc.csv"
    )
    rows = []
    groups = [
        ("25-49", "eligible_women_25_49", "screened_25_49_last_3_5y", "coverage_pct_25_49_3_5y"),
        ("50-64", "eligible_women_50_64", "screened_50_64_last_5_5y", "coverage_pct_50_64_5_5y"),
    ]
    for _, record in source.iterrows():
        for band, eligible, screened, coverage in groups:
            # -2: numerator and denominator suppressed at source; -1.5: numerator only.
            denominator = pd.to_numeric(record[eligible], errors="coerce")
            numerator = pd.to_numeric(record[screened], errors="coerce")
            if record[coverage] in (-2, -1.5):
                numerator = np.nan
                if record[coverage] == -2:
                    denominator = np.nan
            rows.append(
                {
                    "indicator_id": "cervical_screening_coverage",
                    "area_code": record["practice_code"],
                    "area_type": "practice",
                    # Screened within 3.5 / 5.5 years of 31 Dec 2017: one start date so
                    # that "All" (25-64) lines up with both bands in queries.
                    "period_start": pd.Timestamp("2012-07-01"),
                    "period_end": pd.Timestamp("2017-12-31"),
                    "sex": "Female",
                    "age_band": band,
                    "ethnic_group": "All",
                    "numerator": numerator,
                    "denominator": denominator,
                    "is_synthetic": False,
                    "is_modelled": False,
                }
            )
    practice = pd.DataFrame(rows)
    both = practice.groupby("area_code").filter(lambda g: g["numerator"].notna().all())
    all_ages = both.groupby("area_code", as_index=False)[["numerator", "denominator"]].sum()
    all_ages = all_ages.assign(
        **{c: practice.iloc[0][c] for c in practice.columns if c not in all_ages.columns}
    )
    all_ages["age_band"] = "All"
    practice = pd.concat([practice, all_ages[practice.columns]], ignore_index=True)

    countable = practice[practice["numerator"].notna()]
    rolled = _run_sql(
        con,
        "build_rollup_values_to_parents",
        leaf_values=countable,
        area_parents=_practice_parents(areas),
    )
    combined = pd.concat([practice, rolled], ignore_index=True)
    return _run_sql(con, "build_fill_proportion_ci", count_values=combined)


def practice_life_expectancy_values(sources_dir: Path) -> pd.DataFrame:
    source = _read_csv(sources_dir, "life_expectancy/llr_gp_practice_life_expectancy_heec.csv")
    rows = []
    for sex, column in (("Female", "life_expectancy_female"), ("Male", "life_expectancy_male")):
        part = source[["practice_code", "year", column]].dropna()
        part = part.drop_duplicates(["practice_code", "year"])
        rows.append(
            pd.DataFrame(
                {
                    "indicator_id": "life_expectancy_practice",
                    "area_code": part["practice_code"],
                    "area_type": "practice",
                    "period_start": pd.to_datetime(part["year"].astype(str) + "-01-01"),
                    "period_end": pd.to_datetime(part["year"].astype(str) + "-12-31"),
                    "sex": sex,
                    "age_band": "All",
                    "ethnic_group": "All",
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "value": part[column].astype(float),
                    "lower_ci": np.nan,
                    "upper_ci": np.nan,
                    "is_synthetic": False,
                    "is_modelled": False,
                }
            )
        )
    return _sorted_values(pd.concat(rows, ignore_index=True))


# ---------------------------------------------------------------------------- mapped sources


class SourceProblems(ValueError):
    """A shipped source the build cannot take: its problem lines (file, row, column, fix)."""


def _checked(name: str, values: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    if problems:
        raise SourceProblems(
            f"{name}: the build stopped; the previous extracts stay.\n" + "\n".join(problems)
        )
    return values


class MappedSources:
    """Every data/sources/mappings/*.toml applied once (equity.mappings: the same way in as a
    user's upload); `values(name)` stops the build on a file with problems."""

    def __init__(self, sources_dir: Path) -> None:
        self.sources_dir = sources_dir
        self._results: dict[str, mappings.MappedSource] | None = None

    def _all(self) -> dict[str, mappings.MappedSource]:
        if self._results is None:
            results = mappings.apply_mapping_files(self.sources_dir)
            self._results = {result.name: result for result in results}
        return self._results

    def result(self, name: str) -> mappings.MappedSource:
        if name not in self._all():
            raise SourceProblems(f"mappings/{name}: mapping file missing — restore it")
        return self._all()[name]

    def values(self, name: str) -> pd.DataFrame:
        result = self.result(name)
        return _checked(result.name, result.values, result.problems)

    def indicators(self) -> pd.DataFrame:
        """Catalog rows the mappings declare, with what the build adds to their method."""
        frames = [r.indicators for r in self._all().values() if not r.indicators.empty]
        if not frames:
            return pd.DataFrame()
        rows = pd.concat(frames, ignore_index=True)
        # Published under the one life-expectancy id (catalog.py), not the mapping's own.
        rows = rows[rows["indicator_id"] != LOCALHEALTH_LE_ID].copy()
        for prefix, note in METHOD_NOTES.items():
            ours = rows["indicator_id"].str.startswith(prefix)
            rows.loc[ours, "method"] = rows.loc[ours, "method"].fillna("") + note
        return rows


SMOKING_EXPORT = "smoking/heec_fingertips91547_smoking_prevalence_qof_gp_llr_2022-23_2023-24.csv"
SMOKING_CATALOG = {
    "short_label": "Smoking prevalence (QOF, 15+)",
    "domain": "behaviours",
    "vintage": "2022/23 (Fingertips) and 2023/24 (QOF rows appended by HEEC)",
    "method": "Practices: as published by OHID Fingertips (value and 95% limits) for 2022/23; "
    "2023/24 published value with Wilson 95% limits computed here. Local authorities and LLR: "
    "the practices located there summed (current smokers / patients aged 15+), Wilson 95% CI.",
    "caveat": "Recorded smoking status in GP records (QOF), patients aged 15+. The 2023/24 rows "
    "were appended to the Fingertips file by the HEEC repository author, not downloaded from "
    "Fingertips. Area totals sum the practices located in the area, not its residents.",
}
PRACTICE_ROLLUP_NOTE = (
    " Local authority and LLR figures sum the counts of the practices located in the area "
    "(Wilson 95% CI on the sums); practices without counts are left out of the sums."
)


# What the build adds to mapped indicators (by id prefix): how parent areas are made.
METHOD_NOTES = {
    "qof_": PRACTICE_ROLLUP_NOTE,
    "flu_vaccination_school_age": " LLR = Leicester plus Leicestershire and Rutland, counts "
    "summed (Wilson 95% CI).",
}


def _practice_parents(areas: pd.DataFrame) -> pd.DataFrame:
    """Each located practice's local authority, and LLR for every practice."""
    located = areas.loc[areas["area_type"] == "practice", ["area_code", "la_code"]]
    return pd.concat(
        [
            located.dropna().rename(columns={"la_code": "parent_code"}).assign(parent_type="la"),
            located.assign(parent_code=config.LLR_CODE, parent_type="region")[
                ["area_code", "parent_code", "parent_type"]
            ],
        ],
        ignore_index=True,
    )


def _with_parent_sums(con, leaf: pd.DataFrame, parents: pd.DataFrame) -> pd.DataFrame:
    """Leaf rows as published plus their parents' rows: counts summed, Wilson 95% CI."""
    countable = leaf[leaf["numerator"].notna() & leaf["denominator"].notna()]
    rolled = _run_sql(
        con, "build_rollup_values_to_parents", leaf_values=countable, area_parents=parents
    )
    rolled = _run_sql(con, "build_fill_proportion_ci", count_values=rolled)
    return _sorted_values(pd.concat([leaf, rolled], ignore_index=True))


def smoking_values(con, sources_dir: Path, areas: pd.DataFrame, mapped: MappedSources):
    """Fingertips 91547 (2022/23, published value and limits kept) + the 2023/24 rows the
    mapping takes; practices summed to LA and LLR. Returns (values, catalog rows)."""
    export = fingertips.load_export(
        sources_dir / SMOKING_EXPORT,
        areas,
        unit="percent",
        polarity="lower_is_better",
        catalog_fields=SMOKING_CATALOG,
    )
    exported = _checked(SMOKING_EXPORT, export.values, export.problems)
    appended = mapped.values("smoking_qof_2023_24.toml")
    practice = pd.concat([exported, appended], ignore_index=True)
    values = _with_parent_sums(con, practice, _practice_parents(areas))
    indicators = export.indicators.copy()
    indicators["method"] = SMOKING_CATALOG["method"]
    return values, mappings.catalog_defaults(indicators, values)


def qof_prevalence_values(con, areas: pd.DataFrame, mapped: MappedSources) -> pd.DataFrame:
    """QOF 2020-21 registers by practice (Wilson limits), summed to LA and LLR."""
    practice = mapped.values("qof_prevalence_2020_21.toml")
    return _with_parent_sums(con, practice, _practice_parents(areas))


def school_flu_values(con, mapped: MappedSources) -> pd.DataFrame:
    """UKHSA school flu: Leicester, the Leicestershire and Rutland comparator, and LLR as
    their sum (the two together are the whole of LLR)."""
    local = mapped.values("ukhsa_school_flu_uptake.toml")
    parents = pd.DataFrame(
        {
            "area_code": [LEICESTER_LA, LEICS_RUTLAND],
            "parent_code": config.LLR_CODE,
            "parent_type": "region",
        }
    )
    return _with_parent_sums(con, local, parents)


LOCALHEALTH_LE_SMR = "localhealth_msoa11_le_smr_2015_19.toml"
LOCALHEALTH_LE_ID = "localhealth_life_expectancy"  # the mapping's id; published as below
LIFE_EXPECTANCY_ID = "life_expectancy_birth"


def localhealth_smr_values(mapped: MappedSources) -> pd.DataFrame:
    """Local Health SMRs by MSOA 2011 as published (life expectancy goes to its own file)."""
    values = mapped.values(LOCALHEALTH_LE_SMR)
    return _sorted_values(values[values["indicator_id"] != LOCALHEALTH_LE_ID])


def localhealth_admissions_values(mapped: MappedSources) -> pd.DataFrame:
    """Local Health SARs, limiting long-term illness and back pain by MSOA 2011."""
    return _sorted_values(mapped.values("localhealth_msoa11_admissions_llti_back_pain.toml"))


def _lsoa11_pieces(sources_dir: Path) -> pd.DataFrame:
    """LSOA 2011 x LSOA 2021 pieces with their MSOA 2011, ward, MSOA 2021 and mid-2020
    population (the LSOA 2011's split by the Census 2021 shares of its children)."""
    mye = _read_csv(sources_dir, "population/mye2020_sya_lsoa11_llr.csv")
    lsoa11_msoa11 = _read_csv(sources_dir, "lookups/lsoa11_msoa11_llr.csv")
    pieces = lsoa11_to_lsoa21_shares(sources_dir).merge(
        lsoa11_msoa11[["lsoa11_code", "msoa11_code"]], on="lsoa11_code"
    )
    lsoa = load_lsoas(sources_dir).set_index("area_code")
    pieces["ward_code"] = pieces["lsoa21_code"].map(lsoa["ward_code"])
    pieces["msoa_code"] = pieces["lsoa21_code"].map(lsoa["msoa_code"])
    pieces["population"] = (
        pieces["lsoa11_code"].map(mye.set_index("lsoa11_code")["total_population"])
        * pieces["share"]
    )
    return pieces


def unchanged_msoas(sources_dir: Path) -> set[str]:
    """MSOA codes whose 2011 and 2021 areas are the same (one-to-one, same code)."""
    lookup = _read_csv(sources_dir, "lookups/msoa11_msoa21_ltla22_llr.csv")
    one_parent = lookup.groupby("msoa21_code")["msoa11_code"].transform("nunique") == 1
    one_child = lookup.groupby("msoa11_code")["msoa21_code"].transform("nunique") == 1
    same = lookup[one_parent & one_child & (lookup["msoa11_code"] == lookup["msoa21_code"])]
    return set(same["msoa21_code"])


def life_expectancy_values(sources_dir: Path, mapped: MappedSources) -> pd.DataFrame:
    """Local Health 2015-19 life expectancy at birth: MSOA 2011 as published (real); MSOA
    2021 unchanged since 2011 copied (real); split or merged MSOA 2021s and wards the
    population-weighted mean over their LSOA pieces (modelled). No limits are published."""
    published = mapped.values(LOCALHEALTH_LE_SMR)
    msoa11 = published[published["indicator_id"] == LOCALHEALTH_LE_ID].assign(
        indicator_id=LIFE_EXPECTANCY_ID
    )
    pieces = _lsoa11_pieces(sources_dir)
    same = unchanged_msoas(sources_dir)
    frames = [msoa11]
    for (sex, start, end), rows in msoa11.groupby(["sex", "period_start", "period_end"]):
        by_msoa11 = rows.set_index("area_code")["value"]
        piece = pieces.assign(value=pieces["msoa11_code"].map(by_msoa11))
        for area_type, key in (("msoa", "msoa_code"), ("ward", "ward_code")):
            piece_key = piece.dropna(subset=[key])
            grouped = piece_key.assign(vxp=piece_key["value"] * piece_key["population"]).groupby(
                key
            )
            mean = grouped["vxp"].sum() / grouped["population"].sum()
            # Suppressed stays suppressed: an area with a piece lacking a figure has none.
            mean[grouped["value"].apply(lambda v: v.isna().any())] = np.nan
            frame = pd.DataFrame(
                {
                    "indicator_id": LIFE_EXPECTANCY_ID,
                    "area_code": mean.index,
                    "area_type": area_type,
                    "period_start": start,
                    "period_end": end,
                    "sex": sex,
                    "age_band": "All",
                    "ethnic_group": "All",
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "value": mean.to_numpy(),
                    "lower_ci": np.nan,
                    "upper_ci": np.nan,
                    "is_synthetic": False,
                    "is_modelled": True,
                }
            )
            if area_type == "msoa":
                copied = frame["area_code"].isin(same)
                frame.loc[copied, "value"] = frame.loc[copied, "area_code"].map(by_msoa11)
                frame.loc[copied, "is_modelled"] = False
            frames.append(frame)
    values = pd.concat(frames, ignore_index=True)
    for column in ("numerator", "denominator", "value", "lower_ci", "upper_ci"):
        values[column] = values[column].astype(float)
    values["is_modelled"] = values["is_modelled"].astype(bool)
    return _sorted_values(values)


def _sorted_values(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in schema.PERIOD_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame.sort_values(
        list(schema.BUILD_SORT_COLUMNS),
        ignore_index=True,
    )


# ---------------------------------------------------------------------------- synthetic


def _synthetic_values(con, leaf: pd.DataFrame, areas: pd.DataFrame, leaf_type: str) -> pd.DataFrame:
    """Margins, then parents, then CIs, for a synthetic leaf extract."""
    margined = _run_sql(con, "build_add_category_margins", leaf_values=leaf)
    leaf_areas = areas[areas["area_type"] == leaf_type]
    parent_frames = []
    parent_columns = {"lsoa": [("msoa_code", "msoa"), ("ward_code", "ward"), ("la_code", "la")]}
    for column, parent_type in parent_columns.get(leaf_type, [("la_code", "la")]):
        parent_frames.append(
            leaf_areas[["area_code", column]]
            .dropna()
            .rename(columns={column: "parent_code"})
            .assign(parent_type=parent_type)
        )
    parent_frames.append(
        leaf_areas[["area_code"]].assign(parent_code=config.LLR_CODE, parent_type="region")
    )
    parents = pd.concat(parent_frames, ignore_index=True)
    rolled = _run_sql(
        con, "build_rollup_values_to_parents", leaf_values=margined, area_parents=parents
    )
    combined = pd.concat([margined, rolled], ignore_index=True)
    return _run_sql(con, "build_fill_proportion_ci", count_values=combined)


# ---------------------------------------------------------------------------- orchestration


def source_fingerprint(sources_dir: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(p for p in sources_dir.rglob("*") if p.is_file()):
        digests[str(path.relative_to(sources_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    code = hashlib.sha256()
    for path in _BUILD_CODE:
        if path.is_file():
            code.update(path.read_bytes())
    digests["__build_code__"] = code.hexdigest()
    return digests


def is_stale(sources_dir: Path = config.SOURCES_DIR, extracts_dir: Path | None = None) -> bool:
    extracts_dir = Path(extracts_dir or config.EXTRACTS_DIR)
    manifest_path = extracts_dir / "manifest.json"
    if not manifest_path.is_file() or db.check_extracts(extracts_dir):
        return True
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return True
    return manifest.get("build_version") != BUILD_VERSION or manifest.get(
        "sources"
    ) != source_fingerprint(sources_dir)


def _write_values(con, frame: pd.DataFrame, path: Path) -> None:
    con.register("frame_to_write", frame)
    # Periods are calendar dates in every file (the contract), whatever pandas held them as.
    select = (
        "SELECT * REPLACE (CAST(period_start AS DATE) AS period_start, "
        "CAST(period_end AS DATE) AS period_end) FROM frame_to_write"
    )
    try:
        con.execute(
            f"COPY ({select}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, "
            f"ROW_GROUP_SIZE {db.ROW_GROUP_SIZE}, {db.breakdowns_footer(con, select)})"
        )
    finally:
        con.unregister("frame_to_write")
    db.write_area_major_copy(con, path)


def build(
    sources_dir: Path = config.SOURCES_DIR,
    extracts_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    progress_bar: bool = False,
) -> dict[str, int]:
    """Build every extract into a temporary folder, then swap it in whole.

    `progress` receives one line per step (logs); `progress_bar` also shows a tqdm bar on
    stderr (the CLI, on a terminal).
    """
    extracts_dir = Path(extracts_dir or config.EXTRACTS_DIR)
    started = time.monotonic()

    def say(message: str) -> None:
        if progress:
            progress(f"[{time.monotonic() - started:5.1f}s] {message}")

    with extracts_lock(extracts_dir):  # ingest waits; its extract lands in the new folder
        extracts_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".extracts-build-", dir=extracts_dir.parent))
        try:
            counts = _build_into(sources_dir, staging, say, progress_bar)
            _carry_over_user_extracts(extracts_dir, staging)
            _swap_in(staging, extracts_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        db.reset()
        say(f"done: {sum(counts.values()):,} rows in {len(counts)} files -> {extracts_dir}")
    return counts


def _carry_over_user_extracts(old: Path, new: Path) -> None:
    """Keep what analysts added with `ingest`: their values files and catalog rows."""
    for user_file in sorted([*old.glob(USER_FILES), *old.glob(WALK_FILES)]):
        shutil.copy2(user_file, new / user_file.name)
    old_catalog = old / "indicators.parquet"
    if not old_catalog.is_file():
        return
    try:
        previous = pd.read_parquet(old_catalog)
    except (OSError, ValueError):
        return  # a damaged catalog is replaced; its user rows cannot be recovered from it
    user_rows = previous[previous["source"].astype(str).str.startswith(schema.USER_SOURCE_PREFIX)]
    if user_rows.empty:
        return
    shipped = pd.read_parquet(new / "indicators.parquet")
    user_rows = user_rows[~user_rows["indicator_id"].isin(shipped["indicator_id"])]
    combined = pd.concat([shipped, user_rows.reindex(columns=shipped.columns)], ignore_index=True)
    combined.to_parquet(new / "indicators.parquet", index=False)


def _swap_in(staging: Path, extracts_dir: Path) -> None:
    retired = None
    if extracts_dir.exists():
        retired = extracts_dir.with_name(f".extracts-old-{os.getpid()}-{time.time_ns()}")
        os.replace(extracts_dir, retired)
    os.replace(staging, extracts_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _build_into(
    sources_dir: Path, out: Path, say: Callable[[str], None], progress_bar: bool = False
) -> dict[str, int]:
    from equity import synthetic

    con = duckdb.connect(":memory:")
    con.execute(db.query_text("_macros"))
    counts: dict[str, int] = {}

    say("boundaries")
    boundaries = load_boundaries(sources_dir)
    boundaries.to_parquet(out / "boundaries.parquet", index=False)
    simplified = geo.with_geojson(simplify_boundaries(boundaries))
    simplified.to_parquet(out / geo.BOUNDARIES_FILE, index=False)
    counts["boundaries.parquet"] = len(boundaries)
    # The maps' shapes files, ready before the app starts (it writes any that are missing).
    for level in simplified["area_type"].unique():
        geo.level_shapes(level, out)

    say("areas")
    areas = build_areas(sources_dir, boundaries)
    areas.to_parquet(out / "areas.parquet", index=False)
    counts["areas.parquet"] = len(areas)

    say("postcodes and interventions")
    postcodes = postcode_points(sources_dir, boundaries)
    postcodes.to_parquet(out / "postcodes.parquet", index=False)
    counts["postcodes.parquet"] = len(postcodes)
    resident_groups = residents.resident_groups(sources_dir)
    resident_groups.to_parquet(out / "resident_groups.parquet", index=False)
    counts["resident_groups.parquet"] = len(resident_groups)
    interventions = interventions_frame()
    interventions.to_parquet(out / "interventions.parquet", index=False)
    counts["interventions.parquet"] = len(interventions)

    mapped = MappedSources(sources_dir)
    catalog_rows: list[pd.DataFrame] = []

    def smoking() -> pd.DataFrame:
        values, indicators = smoking_values(con, sources_dir, areas, mapped)
        catalog_rows.append(indicators)
        return values

    steps = [
        (
            "values_covid_nhse.parquet",
            "COVID-19 doses (NHS England)",
            lambda: covid_values(con, sources_dir, areas),
        ),
        (
            "values_cervical_screening.parquet",
            "cervical screening (PHE Dec 2017)",
            lambda: cervical_screening_values(con, sources_dir, areas),
        ),
        (
            "values_life_expectancy_practice.parquet",
            "practice life expectancy (Fingertips 650)",
            lambda: practice_life_expectancy_values(sources_dir),
        ),
        (
            "values_life_expectancy_msoa_ward.parquet",
            "life expectancy at birth, MSOA and ward (Local Health 2015-19)",
            lambda: life_expectancy_values(sources_dir, mapped),
        ),
        (
            "values_localhealth_smr.parquet",
            "standardised mortality ratios, MSOA 2011 (Local Health 2015-19)",
            lambda: localhealth_smr_values(mapped),
        ),
        (
            "values_localhealth_admissions.parquet",
            "admissions, limiting long-term illness, back pain (Local Health MSOA 2011)",
            lambda: localhealth_admissions_values(mapped),
        ),
        (
            "values_qof_prevalence.parquet",
            "QOF 2020-21 prevalence registers (NHS Digital)",
            lambda: qof_prevalence_values(con, areas, mapped),
        ),
        (
            "values_smoking_qof.parquet",
            "smoking prevalence 15+ (Fingertips 91547, QOF 2023/24)",
            smoking,
        ),
        (
            "values_school_flu.parquet",
            "school-age flu vaccine uptake (UKHSA)",
            lambda: school_flu_values(con, mapped),
        ),
        (
            "values_demo_covid.parquet",
            "synthetic weekly COVID first doses (demo)",
            lambda: _synthetic_values(
                con, synthetic.covid_first_dose_demo(sources_dir), areas, "lsoa"
            ),
        ),
        (
            "values_demo_screening.parquet",
            "synthetic bowel and breast screening (demo)",
            lambda: _synthetic_values(
                con, synthetic.screening_demo(sources_dir), areas, "practice"
            ),
        ),
    ]
    bar = tqdm(steps, desc="build", unit="step", file=sys.stderr, disable=not progress_bar)
    for filename, label, make in bar:
        bar.set_postfix_str(label)
        say(label)
        frame = make()
        _write_values(con, frame, out / filename)
        counts[filename] = len(frame)
    bar.close()

    say("catalog")
    indicators = catalog.catalog_frame(
        pd.concat([*catalog_rows, mapped.indicators()], ignore_index=True)
    )
    indicators.to_parquet(out / "indicators.parquet", index=False)
    counts["indicators.parquet"] = len(indicators)

    manifest = {
        "build_version": BUILD_VERSION,
        "sources": source_fingerprint(sources_dir),
        "row_counts": counts,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    con.close()
    return counts


def main_build(force: bool = False) -> int:
    if not force and not is_stale():
        print(f"extracts are up to date in {config.EXTRACTS_DIR}", file=sys.stderr)
        return 0
    bar = sys.stderr.isatty()

    def say(message: str) -> None:
        if bar:  # above the bar (tqdm.write) instead of through it
            tqdm.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    try:
        build(progress=say, progress_bar=bar)
    except SourceProblems as problems:
        print(str(problems), file=sys.stderr)
        return 1
    except ExtractsBusy as busy:
        print(busy, file=sys.stderr)
        return 2
    return 0
