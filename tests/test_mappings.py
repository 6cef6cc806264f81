"""equity.mappings: other table shapes by a TOML declaration, applied to the shipped sources."""

from __future__ import annotations

import functools
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from equity import fingertips, mappings
from equity.schema import VALUES_COLUMNS

SOURCES = Path(__file__).resolve().parent.parent / "data" / "sources"
MAPPINGS = SOURCES / "mappings"


@functools.cache
def applied(name: str) -> pd.DataFrame:
    """The shipped mapping applied to its shipped file (once per name; tests only read it)."""
    mapping = mappings.load_mapping(MAPPINGS / name)
    values, unplaced, problems = mappings.apply_mapping(
        mappings.read_source(mapping, SOURCES), mapping
    )
    assert problems == []
    assert unplaced == []
    return values


def one(values: pd.DataFrame, **keys) -> pd.Series:
    mask = pd.Series(True, index=values.index)
    for column, wanted in keys.items():
        mask &= values[column] == wanted
    assert mask.sum() == 1, keys
    return values[mask].iloc[0]


def wilson_percent(r: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score limits written out here, independently of equity.stats."""
    p = r / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return 100 * (centre - half) / scale, 100 * (centre + half) / scale


def is_null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_mapping_applies_cleanly_to_its_file(path):
    values = applied(path.name)
    assert not values.empty
    assert list(values.columns) == list(VALUES_COLUMNS)
    assert not values["is_synthetic"].any()
    for column in ("indicator_id", "area_code", "area_type", "sex", "age_band", "ethnic_group"):
        assert values[column].notna().all() and (values[column] != "").all(), column
    assert (values["period_start"] <= values["period_end"]).all()
    keys = ["indicator_id", "area_code", "area_type", "period_start", "sex", "age_band"]
    assert not values.duplicated(keys + ["ethnic_group"]).any()
    indicators = mappings.mapping_indicators(mappings.load_mapping(path))
    assert set(values["indicator_id"]) == set(indicators["indicator_id"])


def test_apply_mapping_files_runs_every_shipped_mapping(tmp_path):
    results = mappings.apply_mapping_files(SOURCES)
    assert [r.name for r in results] == sorted(p.name for p in MAPPINGS.glob("*.toml"))
    for result in results:
        assert result.problems == [] and result.unplaced == [] and not result.values.empty
        assert set(result.indicators["indicator_id"]) == set(result.values["indicator_id"])
        assert result.indicators["default_period_end"].notna().all()
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "broken.toml").write_text("[source\n", encoding="utf-8")
    (broken,) = mappings.apply_mapping_files(tmp_path)
    assert broken.values.empty
    assert len(broken.problems) == 1 and broken.problems[0].startswith(
        "broken.toml: not valid TOML"
    )


# ---------------------------------------------------------------- one figure per source


def test_local_health_life_expectancy_st_matthews_and_highfields_north():
    values = applied("localhealth_msoa11_le_smr_2015_19.toml")
    keys = {"indicator_id": "localhealth_life_expectancy", "area_code": "E02002844"}
    male = one(values, sex="Male", **keys)
    female = one(values, sex="Female", **keys)
    assert (male["value"], female["value"]) == (77.9, 84.6)
    assert male["area_type"] == "msoa11" and male["age_band"] == "All"
    assert (male["period_start"], male["period_end"]) == (date(2015, 1, 1), date(2019, 12, 31))
    # Value only: no limits or counts are published, so none are invented.
    for column in ("lower_ci", "upper_ci", "numerator", "denominator"):
        assert is_null(male[column]), column


def test_local_health_na_is_suppressed_never_zero():
    values = applied("localhealth_msoa11_le_smr_2015_19.toml")
    male = one(
        values, indicator_id="localhealth_life_expectancy", area_code="E02006851", sex="Male"
    )
    assert is_null(male["value"])
    female = one(
        values, indicator_id="localhealth_life_expectancy", area_code="E02006851", sex="Female"
    )
    assert female["value"] == 84.8


def test_local_health_smr_under_75_is_an_age_band():
    values = applied("localhealth_msoa11_le_smr_2015_19.toml")
    row = one(values, indicator_id="localhealth_smr_all_causes_under75", area_code="E02002844")
    assert (row["age_band"], row["value"]) == ("0-74", 136.4)


def test_local_health_second_file_takes_only_what_the_first_lacks():
    values = applied("localhealth_msoa11_admissions_llti_back_pain.toml")
    assert not values["indicator_id"].str.contains("life_expectancy|smr").any()
    hip = one(values, indicator_id="localhealth_sar_hip_fracture_65plus", area_code="E02002844")
    assert (hip["age_band"], hip["value"]) == ("65+", 114.9)
    assert is_null(one(values, indicator_id="localhealth_sar_mi", area_code="E02006851")["value"])
    back = one(values, indicator_id="localhealth_back_pain_prevalence_2012", area_code="E02002844")
    assert back["is_modelled"] and back["value"] == 13
    assert not hip["is_modelled"]


def test_qof_hypertension_prevalence_with_wilson_interval_from_register_and_list():
    values = applied("qof_prevalence_2020_21.toml")
    row = one(values, indicator_id="qof_hypertension_prevalence", area_code="C82001")
    # C82001,HYP,3388,TOTAL,26416
    assert (row["numerator"], row["denominator"]) == (3388, 26416)
    assert row["value"] == pytest.approx(100 * 3388 / 26416)
    lower, upper = wilson_percent(3388, 26416)
    assert row["lower_ci"] == pytest.approx(lower, abs=1e-9)
    assert row["upper_ci"] == pytest.approx(upper, abs=1e-9)
    assert (row["period_start"], row["period_end"]) == (date(2020, 4, 1), date(2021, 3, 31))
    assert (row["area_type"], row["age_band"], row["sex"]) == ("practice", "All", "All")


def test_qof_list_type_gives_the_age_band():
    values = applied("qof_prevalence_2020_21.toml")
    bands = values.groupby("indicator_id")["age_band"].unique().map(list).to_dict()
    assert bands["qof_diabetes_prevalence"] == ["17+"]
    assert bands["qof_asthma_prevalence"] == ["6+"]
    assert bands["qof_depression_prevalence"] == ["18+"]
    assert bands["qof_smi_prevalence"] == ["All"]
    required = {"HYP", "MH", "COPD", "DM", "AST", "CHD", "STIA", "CAN"}
    spec = mappings.load_mapping(MAPPINGS / "qof_prevalence_2020_21.toml").spec
    assert required <= set(spec["indicator"]["codes"])
    assert values["area_code"].nunique() == 134


def test_smoking_2023_24_rows_by_mapping_complete_the_fingertips_rows():
    appended = applied("smoking_qof_2023_24.toml")
    assert len(appended) == 128
    row = one(appended, area_code="C82013")
    # ,Smoking prevalence ...,C82013,Bushloe Surgery,GPs,,,,,2023/24,13.23071112,,,,,1401,10589
    assert row["value"] == 13.23071112  # the published value, kept
    lower, upper = wilson_percent(1401, 10589)
    assert (row["lower_ci"], row["upper_ci"]) == (
        pytest.approx(lower, abs=1e-9),
        pytest.approx(upper, abs=1e-9),
    )
    assert (row["period_start"], row["period_end"]) == (date(2023, 4, 1), date(2024, 3, 31))
    practices = pd.DataFrame({"area_code": appended["area_code"], "area_type": "practice"})
    published = fingertips.load_export(
        SOURCES / mappings.load_mapping(MAPPINGS / "smoking_qof_2023_24.toml").source_file,
        practices,
        unit="percent",
        polarity="lower_is_better",
    ).values
    both = pd.concat([published, appended], ignore_index=True)
    assert set(both["indicator_id"]) == {"fingertips_91547"}
    assert set(both["age_band"]) == {"15+"}
    assert not both.duplicated(["area_code", "period_end"]).any()


def test_school_flu_leicester_and_the_leicestershire_and_rutland_comparator():
    values = applied("ukhsa_school_flu_uptake.toml")
    assert set(zip(values["area_code"], values["area_type"], strict=True)) == {
        ("E06000016", "la"),
        ("LEICS_RUTLAND", "comparator"),
    }
    reception = one(values, area_code="E06000016", age_band="4-5", period_start=date(2018, 9, 1))
    # Leicester,September 2018 to January 2019,Reception,4069,2173
    assert (reception["numerator"], reception["denominator"]) == (2173, 4069)
    assert reception["period_end"] == date(2019, 1, 31)
    assert reception["value"] == pytest.approx(100 * 2173 / 4069)
    # Every spelling of the county area ended up on the comparator (none refused or lost).
    raw = pd.read_csv(
        SOURCES / "vaccination" / "ukhsa_school_flu_uptake_primary_la_leicester_leics_rutland.csv"
    )
    banded = values[values["age_band"] != "All"]
    assert len(banded) == len(raw)
    assert banded["numerator"].sum() == raw["Numerator"].sum()


def test_school_flu_all_margin_sums_the_year_groups():
    values = applied("ukhsa_school_flu_uptake.toml")
    season = values[
        (values["area_code"] == "LEICS_RUTLAND") & (values["period_start"] == date(2018, 9, 1))
    ]
    margin = one(season, age_band="All")
    bands = season[season["age_band"] != "All"]
    assert margin["numerator"] == bands["numerator"].sum()
    assert margin["denominator"] == bands["denominator"].sum()
    lower, upper = wilson_percent(margin["numerator"], margin["denominator"])
    assert margin["lower_ci"] == pytest.approx(lower, abs=1e-9)
    assert margin["upper_ci"] == pytest.approx(upper, abs=1e-9)


def test_catalog_rows_and_defaults_from_a_mapping():
    mapping = mappings.load_mapping(MAPPINGS / "localhealth_msoa11_le_smr_2015_19.toml")
    indicators = mappings.mapping_indicators(mapping)
    # Male and female columns are one indicator with a sex breakdown: one catalog row.
    assert (indicators["indicator_id"] == "localhealth_life_expectancy").sum() == 1
    with_defaults = mappings.catalog_defaults(
        indicators, applied("localhealth_msoa11_le_smr_2015_19.toml")
    ).set_index("indicator_id")
    le = with_defaults.loc["localhealth_life_expectancy"]
    assert (le["domain"], le["unit"], le["value_type"]) == ("life_expectancy", "years", "value")
    assert le["default_sex"] in ("Female", "Male")  # no persons figure is published
    smr = with_defaults.loc["localhealth_smr_all_causes_under75"]
    assert (smr["domain"], smr["unit"], smr["polarity"]) == (
        "mortality",
        "ratio",
        "lower_is_better",
    )
    assert (smr["default_sex"], smr["default_age_band"]) == ("All", "0-74")
    assert smr["default_period_end"] == "2019-12-31"


def test_qof_asthma_defaults_to_its_only_band():
    mapping = mappings.load_mapping(MAPPINGS / "qof_prevalence_2020_21.toml")
    catalog = mappings.catalog_defaults(
        mappings.mapping_indicators(mapping), applied("qof_prevalence_2020_21.toml")
    ).set_index("indicator_id")
    assert catalog.loc["qof_asthma_prevalence", "default_age_band"] == "6+"
    assert catalog.loc["qof_hypertension_prevalence", "default_age_band"] == "All"
    assert set(catalog["value_type"]) == {"count"}
    assert set(catalog["polarity"]) == {"no_judgement"}


# ----------------------------------------------------------------- declarations, refusals

LONG = """
[source]
file = "made_up/registers.csv"
missing = ["*"]

[area]
column = "CODE"
type = "practice"

[period]
start = 2020-04-01
end = 2021-03-31

[dimensions]
age_band = { column = "LIST", map = { TOTAL = "All", "18OV" = "18+" } }

[measures]
numerator = "REG"
denominator = "LIST_SIZE"

[indicator]
column = "GROUP"
skip = ["AF"]

[indicator.codes.HYP]
id = "qof_hypertension_prevalence"
label = "Hypertension"
unit = "percent"
polarity = "no_judgement"
"""


def registers(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["CODE", "GROUP", "REG", "LIST", "LIST_SIZE"])


def apply(text: str, frame: pd.DataFrame):
    return mappings.apply_mapping(frame, mappings.parse_mapping(text, "test.toml"))


def test_skipped_codes_are_left_out_and_undeclared_codes_refused_by_row():
    values, _, problems = apply(
        LONG,
        registers(
            ("C82001", "HYP", "10", "TOTAL", "100"),
            ("C82001", "AF", "1", "TOTAL", "100"),
        ),
    )
    assert problems == [] and list(values["indicator_id"]) == ["qof_hypertension_prevalence"]
    values, _, problems = apply(
        LONG,
        registers(
            ("C82001", "HYP", "10", "TOTAL", "100"),
            ("C82001", "DM", "5", "17OV", "90"),
        ),
    )
    assert values.empty
    assert problems == [
        "registers.csv, row 3, column GROUP: code 'DM' is neither declared nor skipped — "
        "add [indicator.codes.DM] or list it in [indicator] skip"
    ]


def test_unknown_dimension_value_and_non_number_are_refused_by_row():
    values, _, problems = apply(
        LONG,
        registers(
            ("C82001", "HYP", "10", "TOTAL", "100"),
            ("C82002", "HYP", "ten", "TOTAL", "100"),
            ("C82003", "HYP", "10", "50OV", "100"),
        ),
    )
    assert values.empty  # nothing is stored from a file with problems
    assert sorted(p.split(":")[0] for p in problems) == [
        "registers.csv, row 3, column REG",
        "registers.csv, row 4, column LIST",
    ]


def test_missing_text_suppresses_the_whole_row_never_zero():
    values, _, problems = apply(
        LONG,
        registers(("C82001", "HYP", "*", "TOTAL", "100"), ("C82002", "HYP", "0", "TOTAL", "100")),
    )
    assert problems == []
    suppressed = one(values, area_code="C82001")
    for column in ("numerator", "denominator", "value", "lower_ci", "upper_ci"):
        assert is_null(suppressed[column]), column
    zero = one(values, area_code="C82002")
    assert (zero["numerator"], zero["value"]) == (0, 0)  # a real zero stays zero


def test_published_value_must_agree_with_counts():
    text = LONG.replace('denominator = "LIST_SIZE"', 'denominator = "LIST_SIZE"\nvalue = "VALUE"')
    frame = registers(
        ("C82001", "HYP", "10", "TOTAL", "300"), ("C82002", "HYP", "10", "TOTAL", "300")
    )
    frame["VALUE"] = ["3.3", "33.3"]
    values, _, problems = apply(text, frame)
    assert values.empty
    assert len(problems) == 1
    assert problems[0].startswith("registers.csv, row 3, column VALUE: value 33.3 disagrees")


def test_new_columns_show_up_as_unplaced():
    frame = registers(("C82001", "HYP", "10", "TOTAL", "100"))
    frame["NEW_COLUMN"] = "x"
    _, unplaced, problems = apply(LONG, frame)
    assert unplaced == ["NEW_COLUMN"] and problems == []
    _, unplaced, _ = apply('ignore = ["NEW_COLUMN"]\n' + LONG, frame)
    assert unplaced == []


def test_missing_mapped_column_is_refused_on_row_1():
    values, _, problems = apply(LONG, registers().drop(columns=["LIST_SIZE"]))
    assert values.empty
    assert problems == [
        "registers.csv, row 1, column LIST_SIZE: column not in the file — fix the mapping or the header"
    ]


def test_filter_keeps_only_the_named_cells():
    text = "ignore = []\n" + LONG.replace("[area]", '[filter]\nLIST = ["TOTAL"]\n\n[area]')
    values, _, problems = apply(
        text,
        registers(("C82001", "HYP", "10", "TOTAL", "100"), ("C82001", "HYP", "9", "18OV", "80")),
    )
    assert problems == [] and list(values["age_band"]) == ["All"]


def test_area_names_not_in_codes_are_refused_by_row():
    text = """
[source]
file = "x/flu.csv"
[area]
column = "Area"
codes = { "Leicester" = "E06000016" }
types = { E06000016 = "la" }
[period]
column = "Year"
[measures]
numerator = "N"
denominator = "D"
[indicator]
id = "flu"
label = "Flu"
unit = "percent"
polarity = "higher_is_better"
"""
    frame = pd.DataFrame(
        {
            "Area": ["LEICESTER  ", "Rutland"],
            "Year": ["2019/20", "2019/20"],
            "N": ["1", "1"],
            "D": ["2", "2"],
        }
    )
    values, _, problems = apply(text, frame)
    assert values.empty
    assert problems == [
        "flu.csv, row 3, column Area: area 'Rutland' is not in the mapping's [area] codes — "
        "add it to [area] codes (name = code) or filter it out"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('unit = "percent"', 'unit = "furlongs"'), "unit 'furlongs' is unknown"),
        (('polarity = "no_judgement"', ""), "'polarity' is missing"),
        (("start = 2020-04-01", 'start = "2020-04-01"'), "TOML dates, no quotes"),
        (('column = "CODE"', ""), "[area] column is missing"),
        (("[indicator.codes.HYP]", "[unused]"), "[indicator] column needs"),
        (("numerator", "numerater"), "[measures] needs value, or numerator and denominator"),
        (("[period]", "[period\n"), "not valid TOML"),
    ],
)
def test_bad_mappings_are_refused_with_the_key_to_fix(change, message):
    with pytest.raises(mappings.MappingError) as raised:
        mappings.parse_mapping(LONG.replace(*change), "bad.toml")
    assert str(raised.value).startswith("bad.toml: ")
    assert message in str(raised.value)
    assert " — " in str(raised.value) or "TOML" in str(raised.value)


def test_dimension_values_must_be_in_our_forms():
    _, _, problems = apply(
        LONG.replace("[dimensions]", '[dimensions]\nsex = "Persons"'),
        registers(
            ("C82001", "HYP", "10", "TOTAL", "100"),
        ),
    )
    assert problems == [
        "registers.csv: [dimensions] sex 'Persons' is not All, Female or Male — fix the mapping"
    ]
    unmapped = LONG.replace(', map = { TOTAL = "All", "18OV" = "18+" }', "")
    values, _, problems = apply(
        unmapped,
        registers(("C82001", "HYP", "10", "18+", "100"), ("C82002", "HYP", "10", "adults", "90")),
    )
    assert values.empty
    assert problems == [
        "registers.csv, row 3, column LIST: age_band 'adults' is not All, lo-hi (e.g. 50-54) "
        "or lo+ (e.g. 80+) — add it to [dimensions] age_band map, or filter those rows out"
    ]


def test_all_margin_is_suppressed_when_a_band_is():
    text = LONG.replace("[indicator]", '[margins]\nage_band = "All"\n\n[indicator]').replace(
        '"18OV" = "18+"', '"18OV" = "18+", "0TO17" = "0-17"'
    )
    frame = registers(
        ("C82001", "HYP", "10", "18OV", "100"),
        ("C82001", "HYP", "2", "0TO17", "50"),
        ("C82002", "HYP", "10", "18OV", "100"),
        ("C82002", "HYP", "*", "0TO17", "50"),
    )
    values, _, problems = apply(text, frame)
    assert problems == []
    whole = one(values, area_code="C82001", age_band="All")
    assert (whole["numerator"], whole["denominator"]) == (12, 150)
    gap = one(values, area_code="C82002", age_band="All")
    for column in ("numerator", "denominator", "value", "lower_ci", "upper_ci"):
        assert is_null(gap[column]), column
