"""Who lives where: Census 2021 resident counts by group, for spreading demand and for
describing who is in each catchment.

``resident_groups`` (build time) turns the shipped Census 2021 tables into one long table,
written to ``data/extracts/resident_groups.parquet`` so the app never reads data/sources:

| dimension | area_type | categories | source |
|---|---|---|---|
| ``age_band`` | lsoa | 0-15, 16-24, 25-34, 35-49, 50-64, 65+ | census21_age6_lsoa21_llr.csv |
| ``ethnic_group`` | lsoa | Asian, Black, Mixed, White, Other | census21_ethnicity5_lsoa21_llr.csv |
| ``ethnic_detail`` | ward | Somali (Leicester wards only) | census21_ts022_…_leicester_long.csv |
| ``language`` | msoa | main language and English proficiency | census21_english_proficiency_msoa21_llr.csv |

``age_band_fractions`` says how much of each census band a requested band covers. All
functions are pure (data in, data out).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

AGE_BANDS = ("0-15", "16-24", "25-34", "35-49", "50-64", "65+")
# Partial bands are split evenly by single year of age; the open band 65+ is taken as 65–89
# (25 years) for that split only.
OPEN_BAND_TOP = 90
AGE_LABELS = {
    "Aged 15 years and under": "0-15",
    "Aged 16 to 24 years": "16-24",
    "Aged 25 to 34 years": "25-34",
    "Aged 35 to 49 years": "35-49",
    "Aged 50 to 64 years": "50-64",
    "Aged 65 years and over": "65+",
}
ETHNIC_LABELS = {
    "Asian, Asian British or Asian Welsh": "Asian",
    "Black, Black British, Black Welsh, Caribbean or African": "Black",
    "Mixed or Multiple ethnic groups": "Mixed",
    "White": "White",
    "Other ethnic group": "Other",
}
LANGUAGE_LABELS = {
    "Main language is English (English or Welsh in Wales)": "Main language English",
    "Main language is not English (English or Welsh in Wales): Can speak English very well": (
        "Other main language, speaks English very well"
    ),
    "Main language is not English (English or Welsh in Wales): Can speak English well": (
        "Other main language, speaks English well"
    ),
    "Main language is not English (English or Welsh in Wales): Cannot speak English well": (
        "Other main language, cannot speak English well"
    ),
    "Main language is not English (English or Welsh in Wales): Cannot speak English": (
        "Other main language, cannot speak English"
    ),
}
SOMALI_CATEGORIES = ("Somali", "Somalilander")
DIMENSIONS = ("age_band", "ethnic_group", "language", "ethnic_detail")
COLUMNS = ["dimension", "area_type", "area_code", "category", "residents"]


def resident_groups(sources_dir: Path) -> pd.DataFrame:
    """The long resident table (``COLUMNS``) from the shipped Census 2021 files."""
    population = sources_dir / "population"
    age = pd.read_csv(population / "census21_age6_lsoa21_llr.csv")
    ethnicity = pd.read_csv(population / "census21_ethnicity5_lsoa21_llr.csv")
    detailed = pd.read_csv(population / "census21_ts022_ethnic_detailed_ward22_leicester_long.csv")
    language = pd.read_csv(population / "census21_english_proficiency_msoa21_llr.csv")

    frames = [
        pd.DataFrame(
            {
                "dimension": "age_band",
                "area_type": "lsoa",
                "area_code": age["lsoa21_code"],
                "category": age["age_group"].map(AGE_LABELS),
                "residents": age["usual_residents"],
            }
        ),
        pd.DataFrame(
            {
                "dimension": "ethnic_group",
                "area_type": "lsoa",
                "area_code": ethnicity["lsoa21_code"],
                "category": ethnicity["ethnic_group"].map(ETHNIC_LABELS),
                "residents": ethnicity["n"],
            }
        ),
    ]
    somali = detailed[
        detailed["level"].eq("category") & detailed["ethnic_category"].isin(SOMALI_CATEGORIES)
    ]
    frames.append(
        somali.groupby("ward22_code", as_index=False)["usual_residents"]
        .sum()
        .rename(columns={"ward22_code": "area_code", "usual_residents": "residents"})
        .assign(dimension="ethnic_detail", area_type="ward", category="Somali")
    )
    language_long = language.melt(
        id_vars="msoa21_code",
        value_vars=list(LANGUAGE_LABELS),
        var_name="category",
        value_name="residents",
    )
    frames.append(
        pd.DataFrame(
            {
                "dimension": "language",
                "area_type": "msoa",
                "area_code": language_long["msoa21_code"],
                "category": language_long["category"].map(LANGUAGE_LABELS),
                "residents": language_long["residents"],
            }
        )
    )
    table = pd.concat(frames, ignore_index=True)[COLUMNS]
    unlabelled = table["category"].isna()
    if unlabelled.any():
        raise ValueError(f"{int(unlabelled.sum())} census rows have an unknown category")
    table["residents"] = pd.to_numeric(table["residents"]).astype(float)
    return table.sort_values(COLUMNS[:4]).reset_index(drop=True)


def _bounds(band: str) -> tuple[int, int]:
    """'50-64' -> (50, 65); '65+' -> (65, OPEN_BAND_TOP): half-open years of age."""
    if band.endswith("+"):
        return int(band[:-1]), OPEN_BAND_TOP
    low, high = band.split("-")
    return int(low), int(high) + 1


def age_band_fractions(band: str) -> dict[str, float]:
    """{census band: share of it inside ``band``}; 'All' covers every band fully.

    '50+' -> {'50-64': 1, '65+': 1}; '16-49' -> 16-24, 25-34, 35-49 fully; a band that cuts a
    census band takes the years it covers (e.g. '55+' takes 10 of 15 years of 50-64).
    """
    if band == "All":
        return dict.fromkeys(AGE_BANDS, 1.0)
    try:
        low, high = _bounds(band)
    except ValueError:
        raise ValueError(f"age band {band!r} is not 'All', 'lo-hi' or 'lo+'") from None
    fractions = {}
    for census_band in AGE_BANDS:
        census_low, census_high = _bounds(census_band)
        overlap = min(high, census_high) - max(low, census_low)
        if overlap > 0:
            fractions[census_band] = overlap / (census_high - census_low)
    return fractions


def target_residents(age_rows: pd.DataFrame, band: str) -> pd.Series:
    """Residents of the target age band per LSOA (index area_code), from age_band rows."""
    fractions = age_band_fractions(band)
    share = age_rows["category"].map(fractions).fillna(0.0)
    return (age_rows["residents"] * share).groupby(age_rows["area_code"]).sum()
