"""The seeded synthetic demo extracts: schema, calibration targets against the real source
files, partition of ethnic groups, monotonicity and determinism."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equity import schema, synthetic

SOURCES = Path(__file__).resolve().parent.parent / "data" / "sources"
MARCH = pd.Timestamp("2021-03-23")
POPUP = pd.Timestamp("2021-03-30")
AUGUST = pd.Timestamp("2021-08-17")
JULY = pd.Timestamp("2021-07-13")
BANDS_50PLUS = ["50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80+"]
MARCH_COLUMN = {
    "16-49": "first_doses_under50",
    "50-54": "first_doses_50_54",
    "55-59": "first_doses_55_59",
    "60-64": "first_doses_60_64",
    "65-69": "first_doses_65_69",
    "70-74": "first_doses_70_74",
    "75-79": "first_doses_75_79",
    "80+": "first_doses_80plus",
}


def lsoa21_to_msoa11_by_name() -> pd.DataFrame:
    """Independent of the module: "Leicester 018A" is in "Leicester 018"; 042/043 were
    carved out of 009 (E02002835) in 2021."""
    lsoas = pd.read_csv(SOURCES / "lookups/lsoa21_ward24_ltla24_llr.csv")
    lsoas = lsoas[lsoas["ltla24_code"] == "E06000016"].copy()
    names = pd.read_csv(SOURCES / "lookups/msoa11_names_hcl_llr.csv")
    name_to_code = dict(zip(names["msoa11nm"], names["msoa11cd"], strict=True))
    msoa_name = (
        lsoas["lsoa21_name"]
        .str[:-1]
        .replace({"Leicester 042": "Leicester 009", "Leicester 043": "Leicester 009"})
    )
    lsoas["msoa11_code"] = msoa_name.map(name_to_code)
    return lsoas[["lsoa21_code", "msoa11_code", "ward24_code"]]


@pytest.fixture(scope="module")
def covid() -> pd.DataFrame:
    frame = synthetic.covid_first_dose_demo(SOURCES)
    return frame.merge(
        lsoa21_to_msoa11_by_name(), left_on="area_code", right_on="lsoa21_code", how="left"
    )


@pytest.fixture(scope="module")
def screening() -> pd.DataFrame:
    return synthetic.screening_demo(SOURCES)


def uptake(rows: pd.DataFrame) -> float:
    return 100 * rows["numerator"].sum() / rows["denominator"].sum()


def check_values_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(schema.VALUES_COLUMNS)
    for column in ("period_start", "period_end"):
        assert frame[column].dtype == "datetime64[ns]"
        assert (frame[column] == frame[column].dt.normalize()).all()
    for column in ("numerator", "denominator", "value", "lower_ci", "upper_ci"):
        assert frame[column].dtype == np.float64
    assert frame["is_synthetic"].dtype == bool and frame["is_synthetic"].all()
    assert frame["is_modelled"].dtype == bool and frame["is_modelled"].all()
    for column in ("indicator_id", "area_code", "area_type", "sex", "age_band", "ethnic_group"):
        assert frame[column].notna().all(), column
        assert not (frame[column] == "All").any(), f"{column} has an All margin"
    assert frame[["numerator", "denominator"]].notna().all().all()
    assert (frame["numerator"] == frame["numerator"].round()).all()
    assert (frame["denominator"] == frame["denominator"].round()).all()
    assert (frame["numerator"] >= 0).all() and (frame["denominator"] > 0).all()
    assert (frame["numerator"] <= frame["denominator"]).all()
    np.testing.assert_allclose(frame["value"], 100 * frame["numerator"] / frame["denominator"])
    assert frame["lower_ci"].isna().all() and frame["upper_ci"].isna().all()
    keys = ["indicator_id", "area_code", "period_end", "sex", "age_band", "ethnic_group"]
    assert not frame.duplicated(keys).any()
    assert set(frame["sex"]) <= {"Female", "Male"}
    assert set(frame["ethnic_group"]) == set(synthetic.ETHNIC_GROUPS)


# ------------------------------------------------------------------------------ COVID


def test_covid_schema_and_categories(covid):
    check_values_schema(covid[list(schema.VALUES_COLUMNS)])
    assert set(covid["indicator_id"]) == {"covid_first_dose_demo"}
    assert set(covid["area_type"]) == {"lsoa"}
    assert covid["area_code"].nunique() == 200
    assert covid["msoa11_code"].notna().all()
    assert set(covid["age_band"]) == set(synthetic.COVID_AGE_BANDS)
    assert set(covid["sex"]) == {"Female", "Male"}
    assert (covid["period_start"] == pd.Timestamp("2020-12-08")).all()
    weeks = pd.DatetimeIndex(sorted(covid["period_end"].unique()))
    assert weeks[0] == pd.Timestamp("2020-12-15") and weeks[-1] == pd.Timestamp("2021-09-28")
    assert len(weeks) == 42 and (weeks.day_of_week == 1).all()  # every Tuesday


def test_denominators_are_the_nims_populations_split_into_six_groups(covid):
    """Groups partition the population: summed over sex and ethnic group (and LSOAs),
    each MSOA x band equals the real NIMS population."""
    nims = pd.read_csv(SOURCES / "vaccination/llr_msoa_nims_population_by_age_odileeds.csv")
    nims = nims.set_index("msoa11_code")
    nims["16-49"] = nims[
        [f"nims_pop_{b}" for b in ("16_24", "25_29", "30_34", "35_39", "40_44", "45_49")]
    ].sum(axis=1)
    for band in BANDS_50PLUS:
        nims[band] = nims[MARCH_COLUMN[band].replace("first_doses", "nims_pop")]
    week = covid[covid["period_end"] == MARCH]
    for band in synthetic.COVID_AGE_BANDS:
        ours = week[week["age_band"] == band].groupby("msoa11_code")["denominator"].sum()
        real = nims.loc[ours.index, band]
        assert (ours.to_numpy() == real.to_numpy()).all(), band
    assert week["msoa11_code"].nunique() == 37
    # Denominators do not change from week to week.
    per_week = covid.groupby("period_end")["denominator"].sum()
    assert per_week.nunique() == 1


def test_march_week_matches_the_real_25_march_release_for_every_msoa_and_band(covid):
    real = pd.read_csv(
        SOURCES / "vaccination/llr_msoa_covid_first_doses_by_age_nhse_pub20210325.csv"
    ).set_index("msoa11_code")
    week = covid[covid["period_end"] == MARCH]
    by_band = week.groupby(["msoa11_code", "age_band"])["numerator"].sum().unstack()
    for band, column in MARCH_COLUMN.items():
        assert (by_band[band] == real.loc[by_band.index, column]).all(), band
    ours_50plus = by_band[BANDS_50PLUS].sum(axis=1)
    real_50plus = real.loc[ours_50plus.index, [MARCH_COLUMN[b] for b in BANDS_50PLUS]].sum(axis=1)
    assert (ours_50plus == real_50plus).all()
    assert ours_50plus.sum() == real_50plus.sum() > 80_000


def test_july_week_meets_the_15_july_release_unless_it_fell_below_march(covid):
    """Later releases drop people who died or moved, so the old bands can fall below
    what was already given; cumulative counts cannot, so they stay at or above."""
    real = pd.read_csv(
        SOURCES / "vaccination/leicester_msoa_covid_doses_by_age_nhse_pub20210715.csv"
    ).set_index("msoa11_code")
    week = covid[covid["period_end"] == JULY]
    by_band = week.groupby(["msoa11_code", "age_band"])["numerator"].sum().unstack()
    for band in ("50-54", "55-59"):
        assert (by_band[band] == real.loc[by_band.index, MARCH_COLUMN[band]]).all(), band
    for band in BANDS_50PLUS:
        real_band = real.loc[by_band.index, MARCH_COLUMN[band]]
        assert (by_band[band] >= real_band).all()
        assert by_band[band].sum() <= 1.03 * real_band.sum()


def test_somali_50plus_uptake_matches_the_case_study(covid):
    somali_50plus = covid[
        (covid["ethnic_group"] == "Somali") & covid["age_band"].isin(BANDS_50PLUS)
    ]
    for day, expected in ((MARCH, 49.0), (POPUP, 60.0), (AUGUST, 78.0)):
        assert abs(uptake(somali_50plus[somali_50plus["period_end"] == day]) - expected) <= 0.5


def test_popup_jump_is_concentrated_in_wycliffe_somali_residents(covid):
    somali_50plus = covid[
        (covid["ethnic_group"] == "Somali") & covid["age_band"].isin(BANDS_50PLUS)
    ]
    in_wycliffe = somali_50plus["ward24_code"] == synthetic.WYCLIFFE_WARD

    def increment(rows):
        return (
            rows.loc[rows["period_end"] == POPUP, "numerator"].sum()
            - rows.loc[rows["period_end"] == MARCH, "numerator"].sum()
        )

    wycliffe_gain = increment(somali_50plus[in_wycliffe])
    elsewhere_gain = increment(somali_50plus[~in_wycliffe])
    wycliffe_share_of_people = (
        somali_50plus.loc[in_wycliffe & (somali_50plus["period_end"] == MARCH), "denominator"].sum()
        / somali_50plus.loc[somali_50plus["period_end"] == MARCH, "denominator"].sum()
    )
    assert wycliffe_share_of_people < 0.5
    assert wycliffe_gain / (wycliffe_gain + elsewhere_gain) > 0.5
    # The St Matthews LSOAs themselves gain more than Somali residents elsewhere.
    st_matthews = somali_50plus[somali_50plus["area_code"].isin(synthetic.ST_MATTHEWS_LSOAS)]
    gain_points = uptake(st_matthews[st_matthews["period_end"] == POPUP]) - uptake(
        st_matthews[st_matthews["period_end"] == MARCH]
    )
    other = somali_50plus[~in_wycliffe]
    other_points = uptake(other[other["period_end"] == POPUP]) - uptake(
        other[other["period_end"] == MARCH]
    )
    assert gain_points > 2 * other_points


def test_cumulative_counts_never_fall_or_exceed_the_denominator(covid):
    keys = ["area_code", "sex", "age_band", "ethnic_group"]
    ordered = covid.sort_values([*keys, "period_end"])
    steps = ordered.groupby(keys, sort=False)["numerator"].diff().dropna()
    assert (steps >= 0).all()
    assert (covid["numerator"] <= covid["denominator"]).all()
    # Something happens: the city 50+ total rises over the programme.
    over_50 = covid[covid["age_band"].isin(BANDS_50PLUS)]
    weekly = over_50.groupby("period_end")["numerator"].sum()
    assert weekly.iloc[0] < 0.05 * weekly.iloc[-1]


def test_st_matthews_is_low_for_50plus_as_in_the_real_release(covid):
    real = pd.read_csv(
        SOURCES / "vaccination/derived_llr_msoa_covid_first_dose_uptake_50plus_pub20210325.csv"
    ).set_index("msoa11_code")
    week = covid[(covid["period_end"] == MARCH) & covid["age_band"].isin(BANDS_50PLUS)]
    by_msoa = week.groupby("msoa11_code")[["numerator", "denominator"]].sum()
    by_msoa_uptake = 100 * by_msoa["numerator"] / by_msoa["denominator"]
    st_matthews = by_msoa_uptake[synthetic.ST_MATTHEWS_MSOA]
    assert abs(st_matthews - real.loc[synthetic.ST_MATTHEWS_MSOA, "uptake_pct_50plus"]) < 0.05
    assert by_msoa_uptake.rank()[synthetic.ST_MATTHEWS_MSOA] <= len(by_msoa_uptake) / 4
    assert st_matthews < uptake(week) - 8


def test_somali_group_comes_from_the_census_detailed_counts(covid):
    detailed = pd.read_csv(
        SOURCES / "population/census21_ts022_ethnic_detailed_ward22_leicester_long.csv"
    )
    somali = detailed[detailed["ethnic_category"].isin(["Somali", "Somalilander"])]
    census_by_ward = somali.groupby("ward22_code")["usual_residents"].sum()
    week = covid[covid["period_end"] == MARCH]
    ours_by_ward = (
        week[week["ethnic_group"] == "Somali"].groupby("ward24_code")["denominator"].sum()
    )
    assert ours_by_ward.idxmax() == census_by_ward.idxmax() == synthetic.WYCLIFFE_WARD
    assert ours_by_ward.corr(census_by_ward.reindex(ours_by_ward.index), method="spearman") > 0.9
    # Adults only (NIMS 16+), so fewer than the all-ages census count but most of it.
    assert 0.5 * census_by_ward.sum() < ours_by_ward.sum() < census_by_ward.sum()
    # Younger age structure than the city as a whole.
    somali_share = (
        week[week["ethnic_group"] == "Somali"].groupby("age_band")["denominator"].sum()
        / week.groupby("age_band")["denominator"].sum()
    )
    assert somali_share["16-49"] > 2 * somali_share["65-69"] > 0


def test_covid_is_deterministic_given_the_seed(covid):
    again = synthetic.covid_first_dose_demo(SOURCES)
    pd.testing.assert_frame_equal(again, covid[list(schema.VALUES_COLUMNS)])
    other_seed = synthetic.covid_first_dose_demo(SOURCES, seed=7)
    assert not other_seed["numerator"].equals(again["numerator"])
    # Calibration holds for any seed.
    somali = other_seed[
        (other_seed["ethnic_group"] == "Somali")
        & other_seed["age_band"].isin(BANDS_50PLUS)
        & (other_seed["period_end"] == POPUP)
    ]
    assert abs(uptake(somali) - 60.0) <= 0.5


def test_popup_clinic_constant_points_at_st_matthews():
    clinic = synthetic.POPUP_CLINIC
    assert clinic["start"] == date(2021, 3, 24) and clinic["end"] == date(2021, 3, 30)
    lookup = lsoa21_to_msoa11_by_name().set_index("lsoa21_code")
    st_matthews = lookup.loc[list(synthetic.ST_MATTHEWS_LSOAS)]
    assert (st_matthews["msoa11_code"] == clinic["area_code"]).all()
    assert (st_matthews["ward24_code"] == clinic["ward_code"]).all()
    assert (lookup["msoa11_code"] == clinic["area_code"]).sum() == 6
    assert clinic["group"] in synthetic.ETHNIC_GROUPS and clinic["age"] == "50+"


# ---------------------------------------------------------------------------- screening


def test_screening_schema_and_breakdowns(screening):
    check_values_schema(screening)
    assert set(screening["area_type"]) == {"practice"}
    practices = pd.read_csv(SOURCES / "gp/gp_practices_llr_active_geocoded.csv")
    assert set(screening["area_code"]) <= set(practices["org_code"])
    assert screening["area_code"].nunique() >= 125
    assert sorted(screening["period_end"].dt.year.unique()) == [2020, 2021, 2022, 2023]
    assert ((screening["period_end"] - screening["period_start"]).dt.days.isin([364, 365])).all()
    bowel = screening[screening["indicator_id"] == "bowel_screening_demo"]
    breast = screening[screening["indicator_id"] == "breast_screening_demo"]
    assert len(bowel) + len(breast) == len(screening)
    assert set(bowel["age_band"]) == {"60-64", "65-69", "70-74"}
    assert set(bowel["sex"]) == {"Female", "Male"}
    assert set(breast["sex"]) == {"Female"}
    assert set(breast["age_band"]) == {"50-54", "55-59", "60-64", "65-70"}


def test_screening_coverage_is_plausible_and_lower_in_deprived_practices(screening):
    latest = screening[screening["period_end"] == pd.Timestamp("2023-03-31")]
    practice_imd = pd.read_csv(
        SOURCES / "context/llr_gp_practice_imd2019_score_fingertips93553.csv"
    )
    practice_imd = practice_imd[practice_imd["year"] == 2019].set_index("practice_code")[
        "imd_score"
    ]
    for indicator, low, high in (
        ("bowel_screening_demo", 65, 75),
        ("breast_screening_demo", 60, 75),
    ):
        rows = latest[latest["indicator_id"] == indicator]
        assert low <= uptake(rows) <= high
        by_practice = rows.groupby("area_code")[["numerator", "denominator"]].sum()
        coverage = 100 * by_practice["numerator"] / by_practice["denominator"]
        assert coverage.corr(practice_imd.reindex(coverage.index), method="spearman") < -0.3
        white = uptake(rows[rows["ethnic_group"] == "White"])
        assert uptake(rows[rows["ethnic_group"] == "Somali"]) < white


def test_screening_denominators_follow_list_size(screening):
    list_sizes = pd.read_csv(
        SOURCES / "context/llr_gp_practices_list_size_postcode_nhs_payments_2022_23.csv"
    ).set_index("practice_code")["registered_patients_last_known"]
    latest = screening[
        (screening["period_end"] == pd.Timestamp("2023-03-31"))
        & (screening["indicator_id"] == "bowel_screening_demo")
    ]
    eligible = latest.groupby("area_code")["denominator"].sum()
    share = eligible / list_sizes.reindex(eligible.index)
    assert share.between(0.03, 0.35).all()
    assert abs(eligible.sum() / list_sizes.sum() - 0.145) < 0.05  # about 1 in 7 aged 60-74


def test_screening_is_deterministic_given_the_seed(screening):
    pd.testing.assert_frame_equal(synthetic.screening_demo(SOURCES), screening)
    assert not synthetic.screening_demo(SOURCES, seed=1)["numerator"].equals(screening["numerator"])
