"""Seeded synthetic demo extracts (values rows with is_synthetic = True).

Pure functions: source CSVs in, leaf rows of the `values` schema out (no "All" margins;
the build adds margins and parent levels and writes Parquet). The model and its
calibration are documented in data/sources/SYNTHETIC.md.

- `covid_first_dose_demo`: weekly cumulative COVID-19 first doses for Leicester LSOAs by
  age band x sex x ethnic group (with Somali carved out), calibrated so that MSOA totals
  match the real NHS England releases and the Somali 50+ headline figures match the
  St Matthews case study.
- `screening_demo`: annual bowel and breast screening coverage by GP practice x age band
  x sex x ethnic group.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from equity.schema import SEX_BREAKDOWNS, VALUES_COLUMNS

DEFAULT_SEED = 20210323
LEICESTER_CODE = "E06000016"
LEICESTER_CITY_SUB_ICB = "04C"

COVID_INDICATOR_ID = "covid_first_dose_demo"
BOWEL_INDICATOR_ID = "bowel_screening_demo"
BREAST_INDICATOR_ID = "breast_screening_demo"


COVID_AGE_BANDS = ("16-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80+")
# Census 2021 high-level groups with Somali carved out of Black and Other, so the six
# groups partition the population: "Black" means Black excluding Somali, "Other" means
# Other ethnic group excluding Somali.
ETHNIC_GROUPS = ("Asian", "Black", "Mixed", "White", "Other", "Somali")

PROGRAMME_START = date(2020, 12, 8)
FIRST_WEEK_END = date(2020, 12, 15)
LAST_WEEK_END = date(2021, 9, 28)
MARCH_RELEASE_WEEK_END = date(2021, 3, 23)  # calibrated to the NHSE release of 25 Mar 2021
POPUP_WEEK_END = date(2021, 3, 30)
JULY_RELEASE_WEEK_END = date(2021, 7, 13)  # calibrated to the NHSE release of 15 Jul 2021
SOMALI_FOLLOW_UP_WEEK_END = date(2021, 8, 17)

# City-wide first-dose uptake (%) of Somali residents aged 50+: the case study's
# figures, plus an assumed mid-July point on the way from 60% to 78%.
SOMALI_50PLUS_UPTAKE_TARGETS = {
    MARCH_RELEASE_WEEK_END: 49.0,
    POPUP_WEEK_END: 60.0,
    JULY_RELEASE_WEEK_END: 74.0,
    SOMALI_FOLLOW_UP_WEEK_END: 78.0,
}

ST_MATTHEWS_MSOA = "E02002844"
ST_MATTHEWS_LSOAS = (
    "E01013742",
    "E01013744",
    "E01013746",
    "E01013748",
    "E01013754",
    "E01013755",
)
WYCLIFFE_WARD = "E05010478"

POPUP_CLINIC = dict(
    name="St Matthews Somali community pop-up vaccination clinic",
    start=date(2021, 3, 24),
    end=date(2021, 3, 30),
    area_code=ST_MATTHEWS_MSOA,
    ward_code=WYCLIFFE_WARD,
    group="Somali",
    age="50+",
    label="Pop-up clinic at a local faith centre, St Matthews",
)

SCREENING_PERIODS = (
    (date(2019, 4, 1), date(2020, 3, 31)),
    (date(2020, 4, 1), date(2021, 3, 31)),
    (date(2021, 4, 1), date(2022, 3, 31)),
    (date(2022, 4, 1), date(2023, 3, 31)),
)

# ---------------------------------------------------------------------------------------
# Source files (relative to sources_dir)
# ---------------------------------------------------------------------------------------
NIMS_FILE = "vaccination/llr_msoa_nims_population_by_age_odileeds.csv"
MARCH_RELEASE_FILE = "vaccination/llr_msoa_covid_first_doses_by_age_nhse_pub20210325.csv"
JULY_RELEASE_FILE = "vaccination/leicester_msoa_covid_doses_by_age_nhse_pub20210715.csv"
CENSUS_AGE_FILE = "population/census21_age6_lsoa21_llr.csv"
CENSUS_ETHNICITY_FILE = "population/census21_ethnicity5_lsoa21_llr.csv"
CENSUS_DETAILED_ETHNICITY_FILE = (
    "population/census21_ts022_ethnic_detailed_ward22_leicester_long.csv"
)
MYE_SINGLE_YEAR_FILE = "population/mye2020_sya_lsoa11_llr.csv"
LSOA11_LSOA21_FILE = "lookups/lsoa11_lsoa21_ltla22_llr.csv"
LSOA11_MSOA11_FILE = "lookups/lsoa11_msoa11_llr.csv"
LSOA21_WARD_FILE = "lookups/lsoa21_ward24_ltla24_llr.csv"
IMD_FILE = "deprivation/imd2025_lsoa21_llr.csv"
GP_PRACTICES_FILE = "gp/gp_practices_llr_active_geocoded.csv"
GP_LIST_SIZE_FILE = "context/llr_gp_practices_list_size_postcode_nhs_payments_2022_23.csv"
GP_IMD_FILE = "context/llr_gp_practice_imd2019_score_fingertips93553.csv"

CENSUS_ETHNIC_GROUP_NAMES = {
    "Asian, Asian British or Asian Welsh": "Asian",
    "Black, Black British, Black Welsh, Caribbean or African": "Black",
    "Mixed or Multiple ethnic groups": "Mixed",
    "White": "White",
    "Other ethnic group": "Other",
}

NIMS_COLUMNS_BY_BAND = {
    "16-49": [
        "nims_pop_16_24",
        "nims_pop_25_29",
        "nims_pop_30_34",
        "nims_pop_35_39",
        "nims_pop_40_44",
        "nims_pop_45_49",
    ],
    "50-54": ["nims_pop_50_54"],
    "55-59": ["nims_pop_55_59"],
    "60-64": ["nims_pop_60_64"],
    "65-69": ["nims_pop_65_69"],
    "70-74": ["nims_pop_70_74"],
    "75-79": ["nims_pop_75_79"],
    "80+": ["nims_pop_80plus"],
}
MARCH_COLUMNS_BY_BAND = {
    "16-49": ["first_doses_under50"],
    "50-54": ["first_doses_50_54"],
    "55-59": ["first_doses_55_59"],
    "60-64": ["first_doses_60_64"],
    "65-69": ["first_doses_65_69"],
    "70-74": ["first_doses_70_74"],
    "75-79": ["first_doses_75_79"],
    "80+": ["first_doses_80plus"],
}
JULY_COLUMNS_BY_BAND = {
    "16-49": [
        "first_doses_under25",
        "first_doses_25_29",
        "first_doses_30_34",
        "first_doses_35_39",
        "first_doses_40_44",
        "first_doses_45_49",
    ],
    **{band: MARCH_COLUMNS_BY_BAND[band] for band in COVID_AGE_BANDS[1:]},
}
CENSUS_BROAD_BANDS_BY_BAND = {
    "16-49": ["Aged 16 to 24 years", "Aged 25 to 34 years", "Aged 35 to 49 years"],
    "50-54": ["Aged 50 to 64 years"],
    "55-59": ["Aged 50 to 64 years"],
    "60-64": ["Aged 50 to 64 years"],
    "65-69": ["Aged 65 years and over"],
    "70-74": ["Aged 65 years and over"],
    "75-79": ["Aged 65 years and over"],
    "80+": ["Aged 65 years and over"],
}

# ---------------------------------------------------------------------------------------
# Model assumptions (see SYNTHETIC.md)
# ---------------------------------------------------------------------------------------
# Female share of the population by age band: rounded from ONS mid-2020 population
# estimates for England (assumption; no sex-by-age file is in data/sources).
FEMALE_SHARE_BY_BAND = {
    "16-49": 0.500,
    "50-54": 0.505,
    "55-59": 0.505,
    "60-64": 0.510,
    "65-69": 0.515,
    "70-74": 0.525,
    "75-79": 0.545,
    "80+": 0.600,
}
# Relative weight of each group in each age band compared with its all-ages Census
# share (assumption: Somali, Mixed and Black residents are younger, White older).
ETHNIC_AGE_FACTORS = {
    "Asian": (1.00, 1.00, 1.00, 0.95, 0.90, 0.90, 0.85, 0.80),
    "Black": (1.05, 0.85, 0.70, 0.60, 0.55, 0.50, 0.45, 0.40),
    "Mixed": (1.10, 0.55, 0.45, 0.40, 0.35, 0.30, 0.25, 0.25),
    "White": (0.95, 1.10, 1.20, 1.25, 1.30, 1.35, 1.40, 1.50),
    "Other": (1.05, 0.85, 0.70, 0.60, 0.50, 0.45, 0.40, 0.35),
    "Somali": (1.05, 0.70, 0.55, 0.45, 0.35, 0.30, 0.25, 0.20),
}
# Eventual first-dose uptake before calibration, and logit shifts.
BASE_FINAL_UPTAKE_BY_BAND = (0.72, 0.86, 0.88, 0.90, 0.92, 0.94, 0.95, 0.95)
FINAL_UPTAKE_LOGIT_BY_GROUP = {
    "Asian": -0.5,
    "Black": -1.3,
    "Mixed": -0.8,
    "White": 0.0,
    "Other": -0.9,
    "Somali": -1.3,
}
# St Matthews was chosen for the pop-up because Somali uptake there lagged: until the
# clinic, Somali residents of Wycliffe aged 50+ get a lower logit than Somali elsewhere.
SOMALI_WYCLIFFE_LOGIT_SHIFT = -0.4
MALE_LOGIT_SHIFT = -0.10
IMD_LOGIT_PER_SD = -0.25
LSOA_RANDOM_EFFECT_SD = 0.15
# Roll-out: logistic curves in time (midpoint, spread in days) by age band, older first;
# 16-49 mixes an early group (health and care workers, clinically vulnerable) with the
# age-based offer from April to June 2021.
ROLLOUT_MIDPOINT_BY_BAND = {
    "16-49": date(2021, 5, 28),
    "50-54": date(2021, 3, 22),
    "55-59": date(2021, 3, 12),
    "60-64": date(2021, 3, 3),
    "65-69": date(2021, 2, 20),
    "70-74": date(2021, 2, 6),
    "75-79": date(2021, 1, 28),
    "80+": date(2021, 1, 10),
}
ROLLOUT_SPREAD_DAYS_BY_BAND = {
    "16-49": 16.0,
    "50-54": 9.0,
    "55-59": 9.0,
    "60-64": 9.0,
    "65-69": 9.0,
    "70-74": 9.0,
    "75-79": 9.0,
    "80+": 9.0,
}
# Hesitant groups take up more slowly once offered (a wider curve) as well as later.
ROLLOUT_SPREAD_FACTOR_BY_GROUP = {
    "Asian": 1.1,
    "Black": 1.5,
    "Mixed": 1.2,
    "White": 1.0,
    "Other": 1.3,
    "Somali": 2.5,
}
EARLY_16_49_FRACTION = 0.28
EARLY_16_49_MIDPOINT = date(2021, 2, 10)
EARLY_16_49_SPREAD_DAYS = 18.0
ROLLOUT_DELAY_DAYS_BY_GROUP = {
    "Asian": 4.0,
    "Black": 14.0,
    "Mixed": 7.0,
    "White": 0.0,
    "Other": 10.0,
    "Somali": 7.0,
}
# Pop-up clinic: odds weight of a Wycliffe Somali resident's share of the extra doses,
# and the most of a cell's still-unvaccinated people the clinic can reach.
POPUP_WYCLIFFE_WEIGHT = 2.0
POPUP_MAX_SHARE_OF_UNVACCINATED = 0.9
SOMALI_STALL_FACTOR = 0.3


# ---------------------------------------------------------------------------------------
# Small numeric helpers
# ---------------------------------------------------------------------------------------
def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _round_preserving_totals(
    expected: np.ndarray, group: np.ndarray, totals: np.ndarray, tie_break: np.ndarray
) -> np.ndarray:
    """Largest-remainder rounding: integers summing exactly to totals[group].

    Needs sum(expected in group) == totals[group] (to float precision); then every cell
    ends at floor(expected) or ceil(expected), so bounds obeyed by expected are kept.
    """
    base = np.floor(expected)
    remainder = expected - base
    shortfall = np.rint(totals - np.bincount(group, weights=base, minlength=len(totals)))
    order = np.lexsort((tie_break, -remainder, group))
    sorted_group = group[order]
    rank_in_group = np.arange(len(order)) - np.searchsorted(sorted_group, sorted_group)
    bump = np.zeros_like(base)
    bump[order] = rank_in_group < shortfall[sorted_group]
    rounded = base + bump
    achieved = np.bincount(group, weights=rounded, minlength=len(totals))
    if not np.allclose(achieved, totals):
        raise ValueError("largest-remainder rounding could not hit the totals")
    return rounded


def _nudge_to_totals(
    expected: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    group: np.ndarray,
    totals: np.ndarray,
) -> np.ndarray:
    """Shift expected values so each group sums to its total, staying within bounds.

    A shortfall is spread in proportion to headroom (upper - expected), an excess in
    proportion to slack (expected - lower).
    """
    n_groups = len(totals)
    gap = totals - np.bincount(group, weights=expected, minlength=n_groups)
    headroom = upper - expected
    slack = expected - lower
    headroom_sum = np.bincount(group, weights=headroom, minlength=n_groups)
    slack_sum = np.bincount(group, weights=slack, minlength=n_groups)
    if np.any(gap > headroom_sum + 1e-6) or np.any(-gap > slack_sum + 1e-6):
        raise ValueError("target total outside the feasible range of its group")
    cell_gap = gap[group]
    up_share = np.divide(
        headroom, headroom_sum[group], out=np.zeros_like(headroom), where=headroom_sum[group] > 0
    )
    down_share = np.divide(
        slack, slack_sum[group], out=np.zeros_like(slack), where=slack_sum[group] > 0
    )
    shifted = expected + np.where(cell_gap > 0, cell_gap * up_share, cell_gap * down_share)
    return np.clip(shifted, lower, upper)


def _bisect_group_offsets(
    expected_for: callable,
    group: np.ndarray,
    targets: np.ndarray,
    active: np.ndarray,
    current: np.ndarray,
) -> np.ndarray:
    """Per-group logit offsets so that the group sums of expected_for(offsets) hit targets."""
    low = np.full(len(targets), -20.0)
    high = np.full(len(targets), 20.0)
    for _ in range(60):
        mid = np.where(active, (low + high) / 2, current)
        sums = np.bincount(group, weights=expected_for(mid), minlength=len(targets))
        too_high = sums > targets
        high = np.where(active & too_high, mid, high)
        low = np.where(active & ~too_high, mid, low)
    return np.where(active, (low + high) / 2, current)


def _weeks() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_WEEK_END, LAST_WEEK_END, freq="7D")


def _days_since_start(day: date) -> float:
    return float((day - PROGRAMME_START).days)


# ---------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------
def leicester_lsoa_geography(sources_dir: Path) -> pd.DataFrame:
    """Leicester LSOA21s with their MSOA11, ward and IMD 2025 score.

    LSOA21 -> MSOA11 goes through the LSOA11 parents (best-fit lookups) and is checked
    against the naming rule ("Leicester 018A" is in "Leicester 018"; Leicester 042/043
    were carved out of Leicester 009 in 2021).
    """
    sources_dir = Path(sources_dir)
    lsoa11_to_21 = pd.read_csv(sources_dir / LSOA11_LSOA21_FILE)
    lsoa11_to_21 = lsoa11_to_21[lsoa11_to_21["ltla22_code"] == LEICESTER_CODE]
    lsoa11_to_msoa11 = pd.read_csv(sources_dir / LSOA11_MSOA11_FILE)
    joined = lsoa11_to_21.merge(
        lsoa11_to_msoa11[["lsoa11_code", "msoa11_code", "msoa11_name"]],
        on="lsoa11_code",
        how="left",
    )
    parents = joined.groupby("lsoa21_code").agg(
        lsoa21_name=("lsoa21_name", "first"),
        msoa11_code=("msoa11_code", "first"),
        msoa11_name=("msoa11_name", "first"),
        n_parent_msoas=("msoa11_code", "nunique"),
    )
    if (parents["n_parent_msoas"] != 1).any():
        raise ValueError("an LSOA21 straddles two MSOA11s")
    msoa21_name = parents["lsoa21_name"].str[:-1]
    expected_msoa11_name = msoa21_name.replace(
        {"Leicester 042": "Leicester 009", "Leicester 043": "Leicester 009"}
    )
    if not (expected_msoa11_name == parents["msoa11_name"]).all():
        raise ValueError("LSOA21 -> MSOA11 lookup disagrees with the naming rule")

    wards = pd.read_csv(sources_dir / LSOA21_WARD_FILE)[["lsoa21_code", "ward24_code"]]
    imd = pd.read_csv(sources_dir / IMD_FILE)[["lsoa21_code", "IMD_score"]]
    geography = (
        parents.reset_index()[["lsoa21_code", "lsoa21_name", "msoa11_code"]]
        .merge(wards, on="lsoa21_code", how="left", validate="1:1")
        .merge(imd, on="lsoa21_code", how="left", validate="1:1")
        .rename(columns={"ward24_code": "ward_code", "IMD_score": "imd_score"})
        .sort_values("lsoa21_code", ignore_index=True)
    )
    if geography[["ward_code", "imd_score"]].isna().any().any():
        raise ValueError("Leicester LSOA without a ward or an IMD score")
    return geography


def _somali_residents_by_ward(sources_dir: Path) -> pd.Series:
    detailed = pd.read_csv(sources_dir / CENSUS_DETAILED_ETHNICITY_FILE)
    somali = detailed[
        (detailed["level"] == "category")
        & detailed["ethnic_category"].isin(["Somali", "Somalilander"])
    ]
    return somali.groupby("ward22_code")["usual_residents"].sum()


def ethnic_counts_with_somali(sources_dir: Path, lsoa_codes: pd.Series) -> pd.DataFrame:
    """All-ages Census 2021 counts by LSOA21 x six groups (Somali carved out).

    A ward's Somali residents (TS022, five Somali/Somalilander categories) are spread to
    its LSOAs in proportion to their Black + Other residents and removed from Black and
    Other by the same fraction, so the six groups still add up to the LSOA total.
    LSOAs outside Leicester get no Somali group (no detailed counts in the sources).
    """
    sources_dir = Path(sources_dir)
    census = pd.read_csv(sources_dir / CENSUS_ETHNICITY_FILE)
    census["group"] = census["ethnic_group"].map(CENSUS_ETHNIC_GROUP_NAMES)
    counts = census.pivot_table(index="lsoa21_code", columns="group", values="n", aggfunc="sum")
    counts = counts.reindex(index=pd.Index(lsoa_codes), columns=list(ETHNIC_GROUPS[:5])).fillna(0.0)

    wards = pd.read_csv(sources_dir / LSOA21_WARD_FILE).set_index("lsoa21_code")["ward24_code"]
    ward = wards.reindex(counts.index)
    somali_by_ward = _somali_residents_by_ward(sources_dir)
    black_or_other = counts["Black"] + counts["Other"]
    ward_black_or_other = black_or_other.groupby(ward).transform("sum")
    ward_somali = ward.map(somali_by_ward).fillna(0.0)
    somali_fraction = np.clip(
        np.divide(
            ward_somali, ward_black_or_other, out=np.zeros(len(ward)), where=ward_black_or_other > 0
        ),
        0.0,
        0.95,
    )
    counts["Somali"] = black_or_other * somali_fraction
    counts["Black"] = counts["Black"] * (1 - somali_fraction)
    counts["Other"] = counts["Other"] * (1 - somali_fraction)
    return counts[list(ETHNIC_GROUPS)]


def _ethnic_shares_by_band(counts: pd.DataFrame, bands: tuple[str, ...]) -> np.ndarray:
    """Shares [area, band, group] from all-ages counts and the ethnic age factors."""
    factor_index = [COVID_AGE_BANDS.index(_covid_band_for(band)) for band in bands]
    factors = np.array([[ETHNIC_AGE_FACTORS[g][i] for g in ETHNIC_GROUPS] for i in factor_index])
    weighted = counts.to_numpy()[:, None, :] * factors[None, :, :]
    totals = weighted.sum(axis=2, keepdims=True)
    uniform = np.full_like(weighted, 1.0 / len(ETHNIC_GROUPS))
    return np.divide(weighted, totals, out=uniform, where=totals > 0)


def _covid_band_for(band: str) -> str:
    """The COVID band whose assumptions apply to a screening 5-year band."""
    if band in COVID_AGE_BANDS:
        return band
    if band == "65-70":
        return "65-69"
    raise KeyError(band)


# ---------------------------------------------------------------------------------------
# COVID first doses
# ---------------------------------------------------------------------------------------
def _msoa_band_table(
    frame: pd.DataFrame, columns_by_band: dict, msoa_codes: list[str]
) -> np.ndarray:
    """[msoa, band] sums of the given columns; NaN where any input is missing."""
    frame = frame.set_index("msoa11_code").reindex(msoa_codes)
    return np.column_stack(
        [
            frame[columns_by_band[band]].sum(axis=1, min_count=len(columns_by_band[band]))
            for band in COVID_AGE_BANDS
        ]
    ).astype(float)


def _covid_cells(sources_dir: Path, rng: np.random.Generator) -> pd.DataFrame:
    """One row per LSOA x band x sex x group with its integer denominator."""
    geography = leicester_lsoa_geography(sources_dir)
    msoa_codes = sorted(geography["msoa11_code"].unique())
    n_lsoa, n_band, n_sex, n_group = (
        len(geography),
        len(COVID_AGE_BANDS),
        len(SEX_BREAKDOWNS),
        len(ETHNIC_GROUPS),
    )
    lsoa_msoa = (
        geography["msoa11_code"].map({code: i for i, code in enumerate(msoa_codes)}).to_numpy()
    )

    nims = pd.read_csv(sources_dir / NIMS_FILE)
    nims_by_msoa_band = _msoa_band_table(nims, NIMS_COLUMNS_BY_BAND, msoa_codes)
    if np.isnan(nims_by_msoa_band).any():
        raise ValueError("NIMS population missing for a Leicester MSOA")

    census_age = pd.read_csv(sources_dir / CENSUS_AGE_FILE)
    census_age = census_age.pivot_table(
        index="lsoa21_code", columns="age_group", values="usual_residents"
    )
    census_age = census_age.reindex(geography["lsoa21_code"])
    lsoa_weight = np.column_stack(
        [
            census_age[CENSUS_BROAD_BANDS_BY_BAND[band]].sum(axis=1).to_numpy()
            for band in COVID_AGE_BANDS
        ]
    )
    msoa_weight = np.zeros((len(msoa_codes), n_band))
    np.add.at(msoa_weight, lsoa_msoa, lsoa_weight)
    expected_lsoa_band = nims_by_msoa_band[lsoa_msoa] * lsoa_weight / msoa_weight[lsoa_msoa]
    msoa_band_group = (lsoa_msoa[:, None] * n_band + np.arange(n_band)[None, :]).ravel()
    lsoa_band_pop = _round_preserving_totals(
        expected_lsoa_band.ravel(),
        msoa_band_group,
        nims_by_msoa_band.ravel(),
        rng.random(n_lsoa * n_band),
    ).reshape(n_lsoa, n_band)

    female_share = np.array([FEMALE_SHARE_BY_BAND[b] for b in COVID_AGE_BANDS])
    female_share = np.clip(female_share[None, :] + rng.normal(0, 0.01, (n_lsoa, n_band)), 0.4, 0.7)
    sex_share = np.stack([female_share, 1 - female_share], axis=2)  # [lsoa, band, sex]
    ethnic_counts = ethnic_counts_with_somali(sources_dir, geography["lsoa21_code"])
    ethnic_share = _ethnic_shares_by_band(ethnic_counts, COVID_AGE_BANDS)  # [lsoa, band, group]
    expected_cell = (
        lsoa_band_pop[:, :, None, None] * sex_share[:, :, :, None] * ethnic_share[:, :, None, :]
    )
    lsoa_band_index = np.repeat(np.arange(n_lsoa * n_band), n_sex * n_group)
    denominator = _round_preserving_totals(
        expected_cell.ravel(),
        lsoa_band_index,
        lsoa_band_pop.ravel(),
        rng.random(expected_cell.size),
    )

    lsoa_i, band_i, sex_i, group_i = (
        a.ravel()
        for a in np.meshgrid(
            np.arange(n_lsoa),
            np.arange(n_band),
            np.arange(n_sex),
            np.arange(n_group),
            indexing="ij",
        )
    )
    cells = pd.DataFrame(
        {
            "lsoa_i": lsoa_i,
            "band_i": band_i,
            "sex_i": sex_i,
            "group_i": group_i,
            "msoa_i": lsoa_msoa[lsoa_i],
            "area_code": geography["lsoa21_code"].to_numpy()[lsoa_i],
            "msoa11_code": geography["msoa11_code"].to_numpy()[lsoa_i],
            "ward_code": geography["ward_code"].to_numpy()[lsoa_i],
            "imd_score": geography["imd_score"].to_numpy()[lsoa_i],
            "denominator": denominator,
        }
    )
    cells.attrs["msoa_codes"] = msoa_codes
    return cells


def _rollout_fraction(band_i: np.ndarray, group_i: np.ndarray, day: float) -> np.ndarray:
    """Share of eventual first-dose takers vaccinated by `day` (days since programme start)."""

    def normalised_logistic(midpoint: np.ndarray, spread: np.ndarray) -> np.ndarray:
        at = _expit((day - midpoint) / spread)
        at_start = _expit((0.0 - midpoint) / spread)
        return (at - at_start) / (1 - at_start)

    midpoint = np.array([_days_since_start(ROLLOUT_MIDPOINT_BY_BAND[b]) for b in COVID_AGE_BANDS])[
        band_i
    ]
    spread = np.array([ROLLOUT_SPREAD_DAYS_BY_BAND[b] for b in COVID_AGE_BANDS])[band_i]
    delay = np.array([ROLLOUT_DELAY_DAYS_BY_GROUP[g] for g in ETHNIC_GROUPS])[group_i]
    spread_factor = np.array([ROLLOUT_SPREAD_FACTOR_BY_GROUP[g] for g in ETHNIC_GROUPS])[group_i]
    age_based = normalised_logistic(midpoint + delay, spread * spread_factor)
    early = normalised_logistic(
        np.full(band_i.shape, _days_since_start(EARLY_16_49_MIDPOINT)) + delay,
        EARLY_16_49_SPREAD_DAYS * spread_factor,
    )
    is_young = band_i == 0
    return np.where(
        is_young, EARLY_16_49_FRACTION * early + (1 - EARLY_16_49_FRACTION) * age_based, age_based
    )


def _final_uptake_logit(cells: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    base = _logit(np.array(BASE_FINAL_UPTAKE_BY_BAND))[cells["band_i"].to_numpy()]
    group_shift = np.array([FINAL_UPTAKE_LOGIT_BY_GROUP[g] for g in ETHNIC_GROUPS])[
        cells["group_i"].to_numpy()
    ]
    sex_shift = np.where(cells["sex_i"].to_numpy() == 1, MALE_LOGIT_SHIFT, 0.0)
    imd = cells.groupby("lsoa_i")["imd_score"].first()
    imd_z = ((imd - imd.mean()) / imd.std()).to_numpy()[cells["lsoa_i"].to_numpy()]
    lsoa_effect = rng.normal(0, LSOA_RANDOM_EFFECT_SD, cells["lsoa_i"].max() + 1)[
        cells["lsoa_i"].to_numpy()
    ]
    return base + group_shift + sex_shift + IMD_LOGIT_PER_SD * imd_z + lsoa_effect


def _covid_cumulative_counts(sources_dir: Path, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Cell table and integer cumulative first doses [cell, week]."""
    rng = np.random.default_rng(seed)
    cells = _covid_cells(sources_dir, rng)
    msoa_codes = cells.attrs["msoa_codes"]
    n_band = len(COVID_AGE_BANDS)
    denominator = cells["denominator"].to_numpy(dtype=float)
    band_i = cells["band_i"].to_numpy()
    group_i = cells["group_i"].to_numpy()
    msoa_band = cells["msoa_i"].to_numpy() * n_band + band_i
    n_msoa_band = len(msoa_codes) * n_band
    somali_50plus = (group_i == ETHNIC_GROUPS.index("Somali")) & (band_i > 0)
    in_wycliffe = (cells["ward_code"] == WYCLIFFE_WARD).to_numpy()
    final_logit = _final_uptake_logit(cells, rng)
    rounding_offset = rng.random(len(cells))  # fixed per cell: keeps rounding monotone
    tie_break = rng.random(len(cells))

    def model_logit(day: date) -> np.ndarray:
        share = _expit(final_logit) * _rollout_fraction(band_i, group_i, _days_since_start(day))
        lagging = SOMALI_WYCLIFFE_LOGIT_SHIFT if day <= POPUP_WEEK_END else 0.0
        return _logit(share) + lagging * (somali_50plus & in_wycliffe)

    model_logit_cache: dict[date, np.ndarray] = {}

    def expected_counts(
        day: date, offsets: np.ndarray, somali_offset: float, floor: np.ndarray
    ) -> np.ndarray:
        if day not in model_logit_cache:
            model_logit_cache[day] = model_logit(day)
        logit = model_logit_cache[day] + offsets[msoa_band] + somali_offset * somali_50plus
        return np.clip(np.maximum(floor, denominator * _expit(logit)), 0, denominator)

    def somali_target(day: date) -> float:
        return np.rint(SOMALI_50PLUS_UPTAKE_TARGETS[day] / 100 * denominator[somali_50plus].sum())

    def calibrate(day, msoa_band_targets, floor, offsets):
        """Logit offsets per MSOA-band (where a target exists) and for Somali 50+."""
        active = ~np.isnan(msoa_band_targets)
        floor_sums = np.bincount(msoa_band, weights=floor, minlength=n_msoa_band)
        targets = np.where(active, np.maximum(msoa_band_targets, floor_sums), 0.0)
        somali_offset = 0.0
        for _ in range(40):
            previous = somali_offset
            offsets = _bisect_group_offsets(
                lambda o, s=somali_offset: expected_counts(day, o, s, floor),
                msoa_band,
                targets,
                active,
                offsets,
            )
            somali_offset = _bisect_group_offsets(
                lambda o, a=offsets: np.where(
                    somali_50plus, expected_counts(day, a, o[0], floor), 0.0
                ),
                np.zeros(len(cells), dtype=int),
                np.array([somali_target(day)]),
                np.array([True]),
                np.array([0.0]),
            )[0]
            if abs(somali_offset - previous) < 1e-6:
                break
        return offsets, somali_offset, targets, active

    def integerise(expected, floor, targets, active, day):
        """Somali 50+ cells to the exact city-wide target, then MSOA-band targets."""
        counts = np.floor(expected + rounding_offset)  # unconstrained cells
        somali_expected = _nudge_to_totals(
            expected[somali_50plus],
            floor[somali_50plus],
            denominator[somali_50plus],
            np.zeros(somali_50plus.sum(), dtype=int),
            np.array([somali_target(day)]),
        )
        counts[somali_50plus] = _round_preserving_totals(
            somali_expected,
            np.zeros(len(somali_expected), dtype=int),
            np.array([somali_target(day)]),
            tie_break[somali_50plus],
        )
        rest = ~somali_50plus & active[msoa_band]
        somali_in_group = np.bincount(
            msoa_band[somali_50plus], weights=counts[somali_50plus], minlength=n_msoa_band
        )
        rest_targets = np.where(active, targets - somali_in_group, 0.0)
        rest_expected = _nudge_to_totals(
            expected[rest], floor[rest], denominator[rest], msoa_band[rest], rest_targets
        )
        counts[rest] = _round_preserving_totals(
            rest_expected, msoa_band[rest], rest_targets, tie_break[rest]
        )
        return counts

    march = pd.read_csv(sources_dir / MARCH_RELEASE_FILE)
    july = pd.read_csv(sources_dir / JULY_RELEASE_FILE)
    march_targets = _msoa_band_table(march, MARCH_COLUMNS_BY_BAND, msoa_codes).ravel()
    july_targets = _msoa_band_table(july, JULY_COLUMNS_BY_BAND, msoa_codes).ravel()
    if np.isnan(march_targets).any():
        raise ValueError("25 Mar 2021 release missing for a Leicester MSOA")

    nothing = np.zeros(len(cells))
    anchors: dict[date, np.ndarray] = {PROGRAMME_START: nothing}

    # 23 Mar 2021: every MSOA-band equals the 25 Mar release; Somali 50+ at 49%.
    offsets, somali_offset, targets, active = calibrate(
        MARCH_RELEASE_WEEK_END, march_targets, nothing, np.zeros(n_msoa_band)
    )
    expected = expected_counts(MARCH_RELEASE_WEEK_END, offsets, somali_offset, nothing)
    anchors[MARCH_RELEASE_WEEK_END] = integerise(
        expected, nothing, targets, active, MARCH_RELEASE_WEEK_END
    )

    # 30 Mar 2021: the roll-out carries on; the pop-up clinic supplies the Somali jump.
    floor = anchors[MARCH_RELEASE_WEEK_END]
    natural = expected_counts(POPUP_WEEK_END, offsets, somali_offset, floor)
    # Without the clinic Somali uptake was stalling: damp their natural increment.
    natural = np.where(somali_50plus, floor + SOMALI_STALL_FACTOR * (natural - floor), natural)
    expected = natural.copy()
    extra_needed = somali_target(POPUP_WEEK_END) - natural[somali_50plus].sum()
    if extra_needed > 0:
        weight = (
            np.where(in_wycliffe, POPUP_WYCLIFFE_WEIGHT, 1.0)
            * (denominator - natural)
            * somali_50plus
        )
        room = POPUP_MAX_SHARE_OF_UNVACCINATED * (denominator - natural) * somali_50plus
        extra = np.zeros(len(cells))
        for _ in range(20):  # water-filling: cells at their cap pass their share on
            open_weight = np.where(extra < room - 1e-9, weight, 0.0)
            still_needed = extra_needed - extra.sum()
            if still_needed <= 1e-9 or open_weight.sum() == 0:
                break
            extra = np.minimum(room, extra + still_needed * open_weight / open_weight.sum())
        expected = natural + extra
    anchors[POPUP_WEEK_END] = integerise(
        expected, floor, np.zeros(n_msoa_band), np.zeros(n_msoa_band, bool), POPUP_WEEK_END
    )

    # 13 Jul 2021: MSOA-bands equal the 15 Jul release where it has a figure.
    floor = anchors[POPUP_WEEK_END]
    offsets, somali_offset, targets, active = calibrate(
        JULY_RELEASE_WEEK_END, july_targets, floor, offsets
    )
    expected = expected_counts(JULY_RELEASE_WEEK_END, offsets, somali_offset, floor)
    anchors[JULY_RELEASE_WEEK_END] = integerise(
        expected, floor, targets, active, JULY_RELEASE_WEEK_END
    )

    # 17 Aug 2021: Somali 50+ at 78%; everyone else follows the July-calibrated model.
    floor = anchors[JULY_RELEASE_WEEK_END]
    no_targets = np.full(n_msoa_band, np.nan)
    _, somali_offset, targets, active = calibrate(
        SOMALI_FOLLOW_UP_WEEK_END, no_targets, floor, offsets
    )
    expected = expected_counts(SOMALI_FOLLOW_UP_WEEK_END, offsets, somali_offset, floor)
    anchors[SOMALI_FOLLOW_UP_WEEK_END] = integerise(
        expected, floor, targets, active, SOMALI_FOLLOW_UP_WEEK_END
    )

    floor = anchors[SOMALI_FOLLOW_UP_WEEK_END]
    expected = expected_counts(LAST_WEEK_END, offsets, somali_offset, floor)
    anchors[LAST_WEEK_END] = np.floor(expected + rounding_offset)

    # Weeks between anchors follow each cell's roll-out curve; a fixed per-cell rounding
    # offset makes the integer series non-decreasing and land exactly on each anchor.
    anchor_days = sorted(anchors)
    weeks = _weeks()
    cumulative = np.zeros((len(cells), len(weeks)))
    for w, week_end in enumerate(weeks.date):
        if week_end in anchors:
            cumulative[:, w] = anchors[week_end]
            continue
        k = np.searchsorted(anchor_days, week_end) - 1
        start, end = anchor_days[k], anchor_days[k + 1]
        progress_start = _rollout_fraction(band_i, group_i, _days_since_start(start))
        progress_end = _rollout_fraction(band_i, group_i, _days_since_start(end))
        progress_now = _rollout_fraction(band_i, group_i, _days_since_start(week_end))
        span = progress_end - progress_start
        linear = (week_end - start).days / (end - start).days
        fraction = np.where(
            span > 1e-6, (progress_now - progress_start) / np.maximum(span, 1e-6), linear
        )
        increment = anchors[end] - anchors[start]
        cumulative[:, w] = anchors[start] + np.floor(
            increment * np.clip(fraction, 0, 1) + rounding_offset
        )
    return cells, cumulative


def _values_frame(
    indicator_id: np.ndarray | str,
    area_code: np.ndarray,
    area_type: str,
    period_start: np.ndarray,
    period_end: np.ndarray,
    sex: np.ndarray,
    age_band: np.ndarray,
    ethnic_group: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
) -> pd.DataFrame:
    n = len(area_code)
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    frame = pd.DataFrame(
        {
            "indicator_id": pd.array(np.broadcast_to(indicator_id, n), dtype="str"),
            "area_code": pd.array(area_code, dtype="str"),
            "area_type": pd.array(np.broadcast_to(area_type, n), dtype="str"),
            "period_start": pd.to_datetime(period_start).astype("datetime64[ns]").normalize(),
            "period_end": pd.to_datetime(period_end).astype("datetime64[ns]").normalize(),
            "sex": pd.array(sex, dtype="str"),
            "age_band": pd.array(age_band, dtype="str"),
            "ethnic_group": pd.array(ethnic_group, dtype="str"),
            "numerator": numerator,
            "denominator": denominator,
            "value": 100.0 * numerator / denominator,
            "lower_ci": np.full(n, np.nan),
            "upper_ci": np.full(n, np.nan),
            "is_synthetic": np.ones(n, dtype=bool),
            "is_modelled": np.ones(n, dtype=bool),
        }
    )
    return frame[list(VALUES_COLUMNS)]


def covid_first_dose_demo(sources_dir: Path, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Synthetic weekly cumulative first doses: Leicester LSOA x band x sex x group (leaf rows).

    Cells with a zero denominator are left out. Rows are ordered by period_end, then
    area_code, age band, sex and ethnic group.
    """
    cells, cumulative = _covid_cumulative_counts(Path(sources_dir), seed)
    keep = cells["denominator"].to_numpy() > 0
    cells = cells[keep].reset_index(drop=True)
    cumulative = cumulative[keep]
    weeks = _weeks()
    n_cells, n_weeks = cumulative.shape

    def per_row(values: np.ndarray) -> np.ndarray:
        return np.tile(values, n_weeks)

    return _values_frame(
        COVID_INDICATOR_ID,
        area_code=per_row(cells["area_code"].to_numpy()),
        area_type="lsoa",
        period_start=np.full(n_cells * n_weeks, np.datetime64(PROGRAMME_START, "ns")),
        period_end=np.repeat(weeks.to_numpy(), n_cells),
        sex=per_row(np.array(SEX_BREAKDOWNS)[cells["sex_i"].to_numpy()]),
        age_band=per_row(np.array(COVID_AGE_BANDS)[cells["band_i"].to_numpy()]),
        ethnic_group=per_row(np.array(ETHNIC_GROUPS)[cells["group_i"].to_numpy()]),
        numerator=cumulative.T.ravel(),
        denominator=per_row(cells["denominator"].to_numpy()),
    )


# ---------------------------------------------------------------------------------------
# Screening by GP practice
# ---------------------------------------------------------------------------------------
BOWEL_AGE_BANDS = ("60-64", "65-69", "70-74")
BREAST_AGE_BANDS = ("50-54", "55-59", "60-64", "65-70")
SINGLE_YEARS_BY_SCREENING_BAND = {
    "50-54": range(50, 55),
    "55-59": range(55, 60),
    "60-64": range(60, 65),
    "65-69": range(65, 70),
    "70-74": range(70, 75),
    "65-70": range(65, 71),
}
# Pooled LLR coverage (%) the latest year is calibrated to, and logit shifts.
SCREENING_TARGET_COVERAGE = {BOWEL_INDICATOR_ID: 70.0, BREAST_INDICATOR_ID: 68.0}
SCREENING_YEAR_LOGIT = {
    # 2020/21 dips: programmes paused in spring 2020; breast recovered more slowly.
    BOWEL_INDICATOR_ID: (-0.25, -0.35, -0.05, 0.0),
    BREAST_INDICATOR_ID: (0.0, -0.35, -0.30, -0.15),
}
SCREENING_AGE_LOGIT = {
    BOWEL_INDICATOR_ID: {"60-64": -0.15, "65-69": 0.0, "70-74": 0.10},
    BREAST_INDICATOR_ID: {"50-54": -0.20, "55-59": 0.0, "60-64": 0.05, "65-70": 0.0},
}
SCREENING_GROUP_LOGIT = {
    BOWEL_INDICATOR_ID: {
        "Asian": -0.55,
        "Black": -0.60,
        "Mixed": -0.30,
        "White": 0.0,
        "Other": -0.50,
        "Somali": -0.90,
    },
    BREAST_INDICATOR_ID: {
        "Asian": -0.35,
        "Black": -0.45,
        "Mixed": -0.30,
        "White": 0.0,
        "Other": -0.45,
        "Somali": -0.70,
    },
}
SCREENING_MALE_LOGIT = -0.15
SCREENING_IMD_LOGIT_PER_SD = -0.30
SCREENING_PRACTICE_EFFECT_SD = 0.20
LIST_SIZE_GROWTH_PER_YEAR = 0.01  # list sizes are 2022/23; earlier years scaled back


def _practice_table(sources_dir: Path) -> pd.DataFrame:
    """LLR practices with a positive list size, their ward, district and IMD score."""
    practices = pd.read_csv(sources_dir / GP_PRACTICES_FILE)
    list_sizes = pd.read_csv(sources_dir / GP_LIST_SIZE_FILE)
    imd = pd.read_csv(sources_dir / GP_IMD_FILE)
    imd2019 = imd[imd["year"] == 2019].set_index("practice_code")["imd_score"]
    table = practices[["org_code", "commissioner", "admin_ward_code", "admin_district_code"]].merge(
        list_sizes[["practice_code", "registered_patients_last_known"]],
        left_on="org_code",
        right_on="practice_code",
        how="inner",
    )
    table = table[table["registered_patients_last_known"] > 0].copy()
    table["list_size"] = table["registered_patients_last_known"].round()
    table["imd_score"] = table["org_code"].map(imd2019)
    return table.sort_values("org_code", ignore_index=True)[
        [
            "org_code",
            "commissioner",
            "admin_ward_code",
            "admin_district_code",
            "list_size",
            "imd_score",
        ]
    ]


def _practice_catchments(sources_dir: Path, practices: pd.DataFrame) -> dict[str, list[str]]:
    """LSOA21s standing in for each practice's population: its ward, else its district,
    else the LLR LSOAs outside (or inside) Leicester matching its sub-ICB."""
    lookup = pd.read_csv(sources_dir / LSOA21_WARD_FILE)
    by_ward = lookup.groupby("ward24_code")["lsoa21_code"].apply(list)
    by_district = lookup.groupby("ltla24_code")["lsoa21_code"].apply(list)
    in_city = lookup["ltla24_code"] == LEICESTER_CODE
    city, county = (
        lookup.loc[in_city, "lsoa21_code"].tolist(),
        lookup.loc[~in_city, "lsoa21_code"].tolist(),
    )
    catchments = {}
    for row in practices.itertuples():
        if row.admin_ward_code in by_ward.index:
            catchments[row.org_code] = by_ward[row.admin_ward_code]
        elif row.admin_district_code in by_district.index:
            catchments[row.org_code] = by_district[row.admin_district_code]
        else:
            catchments[row.org_code] = (
                city if row.commissioner == LEICESTER_CITY_SUB_ICB else county
            )
    return catchments


def _single_year_population_by_lsoa21(sources_dir: Path) -> pd.DataFrame:
    """Mid-2020 single-year persons by LSOA21 (LSOA11 figures shared out over splits)."""
    mye = pd.read_csv(sources_dir / MYE_SINGLE_YEAR_FILE)
    ages = [str(a) for a in range(90)] + ["90+"]
    lookup = pd.read_csv(sources_dir / LSOA11_LSOA21_FILE)[["lsoa11_code", "lsoa21_code"]]
    children = lookup.groupby("lsoa11_code")["lsoa21_code"].transform("count")
    joined = lookup.merge(mye[["lsoa11_code", *ages]], on="lsoa11_code", how="inner")
    joined[ages] = joined[ages].div(children.loc[joined.index].to_numpy(), axis=0)
    return joined.groupby("lsoa21_code")[ages].sum()


def screening_demo(sources_dir: Path, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Synthetic annual bowel and breast screening coverage: practice x band x sex x group.

    Leaf rows only; cells with a zero denominator are left out.
    """
    sources_dir = Path(sources_dir)
    rng = np.random.default_rng(seed)
    practices = _practice_table(sources_dir)
    catchments = _practice_catchments(sources_dir, practices)
    single_years = _single_year_population_by_lsoa21(sources_dir)
    all_lsoas = sorted({code for codes in catchments.values() for code in codes})
    ethnic_counts = ethnic_counts_with_somali(sources_dir, pd.Series(all_lsoas)).fillna(0.0)

    imd_by_lsoa = pd.read_csv(sources_dir / IMD_FILE).set_index("lsoa21_code")["IMD_score"]
    residents = ethnic_counts.sum(axis=1)
    imd_fallback = practices["org_code"].map(
        {
            code: np.average(
                imd_by_lsoa.reindex(codes).fillna(imd_by_lsoa.median()),
                weights=residents.reindex(codes).fillna(0) + 1e-9,
            )
            for code, codes in catchments.items()
        }
    )
    practice_imd = practices["imd_score"].fillna(imd_fallback).to_numpy()
    imd_z = (practice_imd - practice_imd.mean()) / practice_imd.std()
    practice_effect = rng.normal(0, SCREENING_PRACTICE_EFFECT_SD, len(practices))
    list_noise = rng.normal(0, 0.01, (len(practices), len(SCREENING_PERIODS)))

    frames = []
    for indicator_id, bands, sexes in (
        (BOWEL_INDICATOR_ID, BOWEL_AGE_BANDS, SEX_BREAKDOWNS),
        (BREAST_INDICATOR_ID, BREAST_AGE_BANDS, ("Female",)),
    ):
        age_share = np.zeros((len(practices), len(bands)))
        ethnic_share = np.zeros((len(practices), len(bands), len(ETHNIC_GROUPS)))
        for p, code in enumerate(practices["org_code"]):
            people = single_years.reindex(catchments[code]).sum()
            total = people.sum()
            for b, band in enumerate(bands):
                age_share[p, b] = (
                    people[[str(a) for a in SINGLE_YEARS_BY_SCREENING_BAND[band]]].sum() / total
                )
            ethnic_share[p] = _ethnic_shares_by_band(
                pd.DataFrame([ethnic_counts.reindex(catchments[code]).sum()]), bands
            )[0]
        sex_share = np.array(
            [
                [
                    FEMALE_SHARE_BY_BAND[_covid_band_for(band)],
                    1 - FEMALE_SHARE_BY_BAND[_covid_band_for(band)],
                ]
                for band in bands
            ]
        )[:, : len(sexes)]

        # [practice, year, band, sex, group]
        years_back = np.array([3, 2, 1, 0])
        list_size = (
            practices["list_size"].to_numpy()[:, None]
            * (1 - LIST_SIZE_GROWTH_PER_YEAR) ** years_back[None, :]
        )
        list_size = list_size * (1 + list_noise)
        expected = (
            list_size[:, :, None, None, None]
            * age_share[:, None, :, None, None]
            * sex_share[None, None, :, :, None]
            * ethnic_share[:, None, :, None, :]
        )
        n_p, n_y, n_b, n_s, n_g = expected.shape
        group = np.repeat(np.arange(n_p * n_y * n_b), n_s * n_g)
        band_totals = np.rint(expected.reshape(n_p * n_y * n_b, -1).sum(axis=1))
        scaled = expected.reshape(n_p * n_y * n_b, -1)
        scaled = (
            scaled
            * np.divide(
                band_totals,
                scaled.sum(axis=1),
                out=np.zeros_like(band_totals),
                where=scaled.sum(axis=1) > 0,
            )[:, None]
        )
        denominator = _round_preserving_totals(
            scaled.ravel(), group, band_totals, rng.random(scaled.size)
        ).reshape(expected.shape)

        practice_i, year_i, band_i, sex_i, group_i = np.meshgrid(
            np.arange(n_p),
            np.arange(n_y),
            np.arange(n_b),
            np.arange(n_s),
            np.arange(n_g),
            indexing="ij",
        )
        logit = (
            np.array(SCREENING_YEAR_LOGIT[indicator_id])[year_i]
            + np.array([SCREENING_AGE_LOGIT[indicator_id][band] for band in bands])[band_i]
            + np.array([SCREENING_GROUP_LOGIT[indicator_id][g] for g in ETHNIC_GROUPS])[group_i]
            + np.where(np.array(sexes)[sex_i] == "Male", SCREENING_MALE_LOGIT, 0.0)
            + SCREENING_IMD_LOGIT_PER_SD * imd_z[practice_i]
            + practice_effect[practice_i]
        )
        latest = year_i == n_y - 1
        target = SCREENING_TARGET_COVERAGE[indicator_id] / 100 * denominator[latest].sum()
        intercept = _bisect_group_offsets(
            lambda o, m=latest, d=denominator, x=logit: np.where(
                m, d * _expit(x + o[0]), 0.0
            ).ravel(),
            np.zeros(denominator.size, dtype=int),
            np.array([target]),
            np.array([True]),
            np.array([0.0]),
        )[0]
        numerator = rng.binomial(denominator.astype(np.int64), _expit(logit + intercept)).astype(
            float
        )

        keep = denominator.ravel() > 0
        starts = np.array([np.datetime64(start, "ns") for start, _ in SCREENING_PERIODS])
        ends = np.array([np.datetime64(end, "ns") for _, end in SCREENING_PERIODS])
        frames.append(
            _values_frame(
                indicator_id,
                area_code=practices["org_code"].to_numpy()[practice_i.ravel()[keep]],
                area_type="practice",
                period_start=starts[year_i.ravel()[keep]],
                period_end=ends[year_i.ravel()[keep]],
                sex=np.array(sexes)[sex_i.ravel()[keep]],
                age_band=np.array(bands)[band_i.ravel()[keep]],
                ethnic_group=np.array(ETHNIC_GROUPS)[group_i.ravel()[keep]],
                numerator=numerator.ravel()[keep],
                denominator=denominator.ravel()[keep],
            )
        )
    return pd.concat(frames, ignore_index=True)
