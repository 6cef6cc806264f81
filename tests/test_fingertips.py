"""equity.fingertips: a Fingertips "Download data" export -> `values` rows."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from equity import fingertips

SOURCES = Path(__file__).resolve().parent.parent / "data" / "sources"
SMOKING = (
    SOURCES / "smoking" / "heec_fingertips91547_smoking_prevalence_qof_gp_llr_2022-23_2023-24.csv"
)


@pytest.fixture(scope="module")
def practices() -> pd.DataFrame:
    """Our practices, as areas.parquet has them, from the shipped practice list."""
    gp = pd.read_csv(SOURCES / "gp" / "gp_practices_llr_active_geocoded.csv", dtype=str)
    return pd.DataFrame({"area_code": gp["org_code"], "area_type": "practice"})


@pytest.fixture(scope="module")
def smoking(practices) -> fingertips.FingertipsResult:
    return fingertips.load_export(SMOKING, practices, unit="percent", polarity="lower_is_better")


def export_rows(*changes: dict) -> pd.DataFrame:
    """Rows in the real export's shape: its first row, with each dict's cells changed."""
    first = fingertips.read_export(SMOKING).iloc[[0]]
    rows = []
    for change in changes:
        row = first.copy()
        for column, value in change.items():
            row[column] = value
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


OURS = pd.DataFrame(
    {
        "area_code": ["C82001", "C82002", "E06000016", "E02002844"],
        "area_type": ["practice", "practice", "la", "msoa11"],
    }
)


def convert(frame: pd.DataFrame, **options) -> fingertips.FingertipsResult:
    settings = {"unit": "percent", "polarity": "lower_is_better"} | options
    return fingertips.convert_export(frame, OURS, file_name="export.csv", **settings)


# ------------------------------------------------------------------------------ periods


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2019", date(2019, 1, 1), date(2019, 12, 31)),
        ("2021/22", date(2021, 4, 1), date(2022, 3, 31)),
        ("1999/00", date(1999, 4, 1), date(2000, 3, 31)),
        ("2015 - 19", date(2015, 1, 1), date(2019, 12, 31)),
        ("2001 - 03", date(2001, 1, 1), date(2003, 12, 31)),
        ("2018/19 - 20/21", date(2018, 4, 1), date(2021, 3, 31)),
        ("2016/17 - 20/21", date(2016, 4, 1), date(2021, 3, 31)),
        ("2021/22 Q1", date(2021, 4, 1), date(2021, 6, 30)),
        ("2021/22 Q3", date(2021, 10, 1), date(2021, 12, 31)),
        ("2021/22 Q4", date(2022, 1, 1), date(2022, 3, 31)),
        ("2021 Q1", date(2021, 1, 1), date(2021, 3, 31)),
        ("2021 Q4", date(2021, 10, 1), date(2021, 12, 31)),
        ("Jan 2021", date(2021, 1, 1), date(2021, 1, 31)),
        ("2021 Jan", date(2021, 1, 1), date(2021, 1, 31)),
        ("February 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("September 2018 to January 2019", date(2018, 9, 1), date(2019, 1, 31)),
        ("Sep 2018 - Jan 2019", date(2018, 9, 1), date(2019, 1, 31)),
        ("  2022/23 ", date(2022, 4, 1), date(2023, 3, 31)),
    ],
)
def test_period_forms(text, start, end):
    assert fingertips.parse_period(text) == (start, end)


def test_academic_year_starts_in_september_when_asked():
    assert fingertips.parse_period("2019/20", year_start_month=9) == (
        date(2019, 9, 1),
        date(2020, 8, 31),
    )


@pytest.mark.parametrize(
    "text", ["", "2021/23", "2021/22 Q5", "Smarch 2021", "2019 - 15", "20/21", "2021-22-23"]
)
def test_unknown_period_is_refused_with_the_text(text):
    with pytest.raises(fingertips.PeriodError, match="none of the known forms"):
        fingertips.parse_period(text)


# ---------------------------------------------------------------------------- ages/sex


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("All ages", "All"),
        ("0-4 yrs", "0-4"),
        ("15+ yrs", "15+"),
        ("50-70 yrs", "50-70"),
        ("<75 yrs", "0-74"),
        ("18+ yrs", "18+"),
        ("65+", "65+"),
        ("Under 18 yrs", "0-17"),
    ],
)
def test_age_bands(text, band):
    assert fingertips.age_band(text) == band


@pytest.mark.parametrize("text", ["Adults", "70-50 yrs", "<0 yrs", ""])
def test_unknown_age_is_refused(text):
    with pytest.raises(ValueError, match="not a band we know"):
        fingertips.age_band(text)


# --------------------------------------------------------------------- the real export


def test_real_export_is_recognised_by_its_header():
    assert fingertips.is_fingertips_export(fingertips.read_export(SMOKING).columns)
    assert not fingertips.is_fingertips_export(["PRACTICE_CODE", "GROUP_CODE", "REGISTER"])


def test_real_export_keeps_published_value_and_limits(smoking):
    assert smoking.problems == []
    row = smoking.values[
        (smoking.values["area_code"] == "C82001")
        & (smoking.values["period_end"] == date(2023, 3, 31))
    ]
    assert len(row) == 1
    got = row.iloc[0]
    assert got["indicator_id"] == "fingertips_91547"
    assert got["area_type"] == "practice"
    assert got["period_start"] == date(2022, 4, 1)
    assert (got["sex"], got["age_band"], got["ethnic_group"]) == ("All", "15+", "All")
    assert (got["numerator"], got["denominator"]) == (1979, 20464)
    # Published figures, not recomputed ones.
    assert got["value"] == 9.670641126
    assert got["lower_ci"] == 9.273233549
    assert got["upper_ci"] == 10.08318694
    assert not got["is_synthetic"] and not got["is_modelled"]


def test_real_export_leaves_out_the_appended_rows_in_one_line(smoking):
    assert len(smoking.values) == 132
    assert set(smoking.values["period_end"]) == {date(2023, 3, 31)}
    assert "\n" not in smoking.left_out
    assert "kept 132 rows; left out 128: 128 rows without an Indicator ID" in smoking.left_out


def test_real_export_indicator_label_and_given_unit(smoking):
    assert smoking.indicators.to_dict("records")[0] | {"source": None} == {
        "indicator_id": "fingertips_91547",
        "label": "Smoking prevalence in adults (15+) - current smokers (QOF)",
        "unit": "percent",
        "polarity": "lower_is_better",
        "value_type": "count",
        "source": None,
        "licence": "Open Government Licence v3.0",
        "method": "As published by OHID Fingertips: value and 95% confidence limits",
        "is_synthetic": False,
        "is_modelled": False,
    }


def test_catalog_fields_reach_the_indicator_rows(practices):
    result = fingertips.load_export(
        SMOKING,
        practices,
        unit="percent",
        polarity="lower_is_better",
        catalog_fields={"domain": "behaviours", "vintage": "QOF 2022-23"},
    )
    assert result.indicators[["domain", "vintage"]].to_dict("records") == [
        {"domain": "behaviours", "vintage": "QOF 2022-23"}
    ]


def test_indicator_id_can_be_renamed(practices):
    result = fingertips.load_export(
        SMOKING,
        practices,
        unit="percent",
        polarity="lower_is_better",
        indicator_ids={"91547": "smoking_prevalence_qof"},
    )
    assert set(result.values["indicator_id"]) == {"smoking_prevalence_qof"}


# ------------------------------------------------------------------------ which areas


def test_only_our_areas_are_kept_and_the_rest_summarised():
    frame = export_rows(
        {},
        {"Area Code": "E92000001", "Area Type": "England", "Count": "", "Denominator": ""},
        {"Area Code": "E12000004", "Area Type": "Region", "Count": "", "Denominator": ""},
        {"Area Code": "A81001", "Area Type": "GPs"},
        {"Area Code": "E06000016", "Area Type": "Districts & UAs (2021/22-2022/23)"},
        {"Area Code": "E38000258", "Area Type": "Sub-ICB, former CCGs"},
    )
    result = convert(frame)
    assert result.problems == []
    assert list(zip(result.values["area_code"], result.values["area_type"], strict=True)) == [
        ("C82001", "practice"),
        ("E06000016", "la"),
    ]
    line = result.left_out
    assert "left out 4:" in line
    assert "1 England" in line and "1 regions" in line
    assert "1 areas outside LLR or not held by us (GPs)" in line
    assert "1 area type Sub-ICB, former CCGs, not one of our levels" in line


def test_area_type_override_places_2011_msoas():
    frame = export_rows({"Area Code": "E02002844", "Area Type": "MSOA"})
    assert convert(frame).values.empty  # MSOA means 2021 MSOAs by default
    placed = convert(frame, area_types={"MSOA": "msoa11"})
    assert list(placed.values["area_type"]) == ["msoa11"]


# -------------------------------------------------------------------------- categories


def test_ethnic_groups_become_our_group_names():
    frame = export_rows(
        {"Category Type": "Ethnic groups", "Category": "Asian or Asian British"},
        {"Category Type": "Ethnic groups", "Category": "Black or Black British"},
        {"Category Type": "Ethnic groups", "Category": "Any other ethnic group"},
        {"Category Type": "Ethnic groups", "Category": "Indian"},
    )
    result = convert(frame)
    assert result.problems == []
    assert list(result.values["ethnic_group"]) == ["Asian", "Black", "Other", "Indian"]


def test_deprivation_deciles_are_left_out_with_a_reason():
    frame = export_rows(
        {},
        {
            "Category Type": "General Practice deprivation deciles in England (IMD2019)",
            "Category": "Most deprived decile (IMD2019)",
        },
    )
    result = convert(frame)
    assert len(result.values) == 1
    assert "1 deprivation-decile breakdowns (no place in our schema)" in result.left_out


def test_unknown_category_type_is_refused_by_row():
    frame = export_rows({}, {}, {"Category Type": "Sexual orientation", "Category": "Bisexual"})
    result = convert(frame)
    assert len(result.values) == 2
    assert len(result.problems) == 1
    assert result.problems[0].startswith("export.csv, row 4, column Category Type: ")
    assert "'Sexual orientation'" in result.problems[0] and " — " in result.problems[0]


# ------------------------------------------------------------------------- suppression


@pytest.mark.parametrize(
    "note",
    [
        "Value suppressed for disclosure control due to small count",
        "Value not published for data quality reasons",
        "*",
    ],
)
def test_suppressed_rows_are_null_never_zero(note):
    frame = export_rows({"Value note": note, "Value": "", "Count": "", "Denominator": ""})
    result = convert(frame)
    assert result.problems == []
    row = result.values.iloc[0]
    for column in ("value", "lower_ci", "upper_ci", "numerator", "denominator"):
        assert row[column] is None or math.isnan(row[column]), column


def test_suppressed_note_wins_over_a_figure_left_in_the_cell():
    frame = export_rows({"Value note": "Count suppressed", "Value": "0", "Count": "0"})
    row = convert(frame).values.iloc[0]
    assert math.isnan(row["value"]) and math.isnan(row["numerator"])


def test_blank_value_without_a_note_stays_null():
    frame = export_rows({"Value": "", "Lower CI 95.0 limit": "", "Upper CI 95.0 limit": ""})
    row = convert(frame).values.iloc[0]
    assert math.isnan(row["value"]) and row["numerator"] == 1979


def test_value_only_rows_keep_published_value_and_limits():
    frame = export_rows({"Count": "", "Denominator": "", "Value": "9.7"})
    row = convert(frame).values.iloc[0]
    assert (row["value"], row["lower_ci"], row["upper_ci"]) == (9.7, 9.273233549, 10.08318694)
    assert math.isnan(row["numerator"]) and math.isnan(row["denominator"])


# ------------------------------------------------------------------------------ refusals


def test_value_disagreeing_with_counts_is_refused_by_row():
    frame = export_rows({}, {"Value": "19.67"}, {"Value": "9.7"})
    result = convert(frame)
    # 9.7 is 1979 / 20464 x 100 rounded to one decimal: within rounding, kept.
    assert list(result.values["value"]) == [9.670641126, 9.7]
    assert len(result.problems) == 1
    assert result.problems[0].startswith("export.csv, row 3, column Value: published value 19.67")


def test_thousands_separators_are_read_as_numbers():
    frame = export_rows({"Value": "9,670.6", "Count": "1,979", "Denominator": "20,464"})
    result = convert(frame, unit="rate", multiplier=100000)
    assert result.problems == []
    row = result.values.iloc[0]
    assert (row["value"], row["numerator"], row["denominator"]) == (9670.6, 1979, 20464)


def test_rate_is_checked_against_count_and_denominator_times_multiplier():
    # 1979 / 20464 x 100,000 = 9670.64...
    kept = convert(export_rows({"Value": "9670.6"}), unit="rate", multiplier=100000)
    assert kept.problems == [] and list(kept.values["value"]) == [9670.6]
    refused = convert(export_rows({"Value": "967.1"}), unit="rate", multiplier=100000)
    assert refused.values.empty and len(refused.problems) == 1
    # A standardised rate (no multiplier given) is not compared with crude counts.
    assert convert(export_rows({"Value": "967.1"}), unit="rate").problems == []


def test_non_numbers_are_refused_by_row_and_column():
    result = convert(export_rows({}, {"Count": "lots"}))
    assert len(result.values) == 1
    assert result.problems == [
        "export.csv, row 3, column Count: 'lots' is not a number — put a number or leave "
        "the cell blank"
    ]


@pytest.mark.parametrize(
    ("options", "missing"), [({"unit": None}, "unit"), ({"polarity": "bad"}, "polarity")]
)
def test_missing_unit_or_polarity_is_refused(options, missing):
    result = convert(export_rows({}), **options)
    assert result.values.empty
    assert len(result.problems) == 1
    assert f"no {missing} given for indicator 91547" in result.problems[0]
    assert f"pass {missing}=" in result.problems[0]


def test_unit_and_polarity_by_indicator():
    frame = export_rows({}, {"Indicator ID": "90366", "Value": "9.670641126"})
    result = convert(
        frame,
        unit={"91547": "percent", "90366": "percent"},
        polarity={"91547": "lower_is_better"},
    )
    assert list(result.values["indicator_id"]) == ["fingertips_91547"]
    assert "no polarity given for indicator 90366" in result.problems[0]


def test_bad_sex_age_and_period_are_refused_by_row():
    frame = export_rows({}, {"Sex": "Unknown"}, {"Age": "Adults"}, {"Time period": "Spring"})
    result = convert(frame)
    assert [p.split(":")[0] for p in result.problems] == [
        "export.csv, row 3, column Sex",
        "export.csv, row 4, column Age",
        "export.csv, row 5, column Time period",
    ]
    assert len(result.values) == 1


def test_other_shapes_are_refused_whole_with_the_missing_columns():
    frame = pd.DataFrame({"PRACTICE_CODE": ["C82001"], "REGISTER": ["1"]})
    result = convert(frame)
    assert result.values.empty
    assert len(result.problems) == 1
    assert result.problems[0].startswith("export.csv, row 1, column Indicator ID: not a Fingertips")
    assert "mapping file" in result.problems[0]
