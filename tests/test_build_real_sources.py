"""The real sources the build takes through equity.mappings / equity.fingertips: figures as
published, life expectancy real at MSOA and modelled at ward, the school-flu comparator, and
a source with problems stopping the build."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from equity import build, config, db, schema

ST_MATTHEWS = "E02002844"
SUPPRESSED_MALE_LE = "E02006851"
NEW_INDICATORS = [
    "life_expectancy_birth",
    "fingertips_91547",
    "qof_hypertension_prevalence",
    "qof_smi_prevalence",
    "localhealth_smr_all_causes",
    "localhealth_sar_all_causes",
    "localhealth_llti_census2011",
    "flu_vaccination_school_age",
]


@pytest.fixture
def con(extracts_dir):
    return db.connection(extracts_dir)


def sql(con, text, params=None):
    return con.cursor().execute(text, params or {}).df()


def wilson(numerator: float, denominator: float, z: float = 1.959963984540054):
    """Wilson score interval in percent, written out independently of equity.stats."""
    p = numerator / denominator
    centre = p + z * z / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator**2))
    scale = 1 + z * z / denominator
    return 100 * (centre - spread) / scale, 100 * (centre + spread) / scale


def le_rows(con, area_code, area_type):
    return sql(
        con,
        "SELECT * FROM indicator_values WHERE indicator_id='life_expectancy_birth' "
        "AND area_code=$c AND area_type=$t",
        {"c": area_code, "t": area_type},
    ).set_index("sex")


@pytest.mark.parametrize("area_type", ["msoa11", "msoa"])
def test_st_matthews_life_expectancy_is_local_healths_real_figure(con, area_type):
    rows = le_rows(con, ST_MATTHEWS, area_type)
    assert rows.loc["Male", "value"] == pytest.approx(77.9)
    assert rows.loc["Female", "value"] == pytest.approx(84.6)
    assert not rows["is_modelled"].any()
    assert rows["lower_ci"].isna().all() and rows["upper_ci"].isna().all()
    assert rows.loc["Male", "period_start"] == pd.Timestamp("2015-01-01")
    assert rows.loc["Male", "period_end"] == pd.Timestamp("2019-12-31")


def test_suppressed_male_life_expectancy_stays_suppressed_never_zero(con):
    rows = le_rows(con, SUPPRESSED_MALE_LE, "msoa11")
    assert "Male" not in rows.index or pd.isna(rows.loc["Male", "value"])
    assert rows.loc["Female", "value"] == pytest.approx(84.8)
    zero = sql(
        con,
        "SELECT count(*) AS n FROM indicator_values "
        "WHERE indicator_id='life_expectancy_birth' AND value = 0",
    )
    assert zero["n"][0] == 0


def test_ward_and_split_msoa_life_expectancy_is_modelled(con):
    flags = sql(
        con,
        "SELECT area_type, bool_and(is_modelled) AS all_modelled, bool_or(is_modelled) AS some "
        "FROM indicator_values WHERE indicator_id='life_expectancy_birth' GROUP BY ALL",
    ).set_index("area_type")
    assert bool(flags.loc["ward", "all_modelled"])
    assert not bool(flags.loc["msoa11", "some"])
    # Some 2021 MSOAs were split or merged since 2011 (modelled), most were not (real).
    assert bool(flags.loc["msoa", "some"]) and not bool(flags.loc["msoa", "all_modelled"])
    split = le_rows(con, "E02006964", "msoa")  # one of Leicester's 2021 splits
    assert split["is_modelled"].all()
    wards = sql(
        con,
        "SELECT value FROM indicator_values WHERE indicator_id='life_expectancy_birth' "
        "AND area_type='ward' AND value IS NOT NULL",
    )
    assert len(wards) > 300 and wards["value"].between(70, 95).all()


def test_practice_hypertension_prevalence_is_register_over_list_with_wilson_limits(con):
    row = sql(
        con,
        "SELECT * FROM indicator_values WHERE indicator_id='qof_hypertension_prevalence' "
        "AND area_code='C82001' AND area_type='practice' AND age_band='All'",
    ).iloc[0]
    assert (row["numerator"], row["denominator"]) == (3388, 26416)
    assert row["value"] == pytest.approx(100 * 3388 / 26416)
    lower, upper = wilson(3388, 26416)
    assert row["lower_ci"] == pytest.approx(lower, rel=1e-9)
    assert row["upper_ci"] == pytest.approx(upper, rel=1e-9)
    assert row["period_end"] == pd.Timestamp("2021-03-31")


def test_practice_smoking_keeps_the_published_value_and_limits(con):
    row = sql(
        con,
        "SELECT * FROM indicator_values WHERE indicator_id='fingertips_91547' "
        "AND area_code='C82001' AND area_type='practice' AND period_end=DATE '2023-03-31'",
    ).iloc[0]
    assert row["value"] == pytest.approx(9.670641126, abs=1e-9)
    assert row["lower_ci"] == pytest.approx(9.273233549, abs=1e-9)
    assert row["upper_ci"] == pytest.approx(10.08318694, abs=1e-8)
    assert row["age_band"] == "15+"


def test_count_indicators_have_la_and_llr_benchmarks_summed_from_practices(con):
    for indicator_id in ("qof_hypertension_prevalence", "fingertips_91547"):
        sums = sql(
            con,
            "SELECT area_type, period_end, sum(numerator) AS n, sum(denominator) AS d "
            "FROM indicator_values WHERE indicator_id=$i AND age_band IN ('All', '15+') "
            "AND (area_type='region' OR area_type='practice' AND area_code IN "
            "(SELECT area_code FROM areas WHERE area_type='practice')) GROUP BY ALL",
            {"i": indicator_id},
        )
        region = sums[sums["area_type"] == "region"].set_index("period_end")
        practice = sums[sums["area_type"] == "practice"].set_index("period_end")
        assert not region.empty, indicator_id
        for period_end, total in region.iterrows():
            assert total["n"] == practice.loc[period_end, "n"], (indicator_id, period_end)
        leicester = sql(
            con,
            "SELECT value, lower_ci, upper_ci FROM indicator_values WHERE indicator_id=$i "
            "AND area_code='E06000016' AND area_type='la'",
            {"i": indicator_id},
        )
        assert len(leicester) >= 1
        assert (leicester["lower_ci"] < leicester["value"]).all()


def test_school_flu_has_leicester_and_the_comparator_not_listed_as_an_area(con, extracts_dir):
    rows = sql(
        con,
        "SELECT area_code, area_type, numerator, denominator FROM indicator_values "
        "WHERE indicator_id='flu_vaccination_school_age' AND age_band='All' "
        "AND period_end=DATE '2023-01-31'",
    ).set_index("area_code")
    assert rows.loc["E06000016", "area_type"] == "la"
    assert rows.loc["LEICS_RUTLAND", "area_type"] == schema.COMPARATOR
    # LLR is the two together.
    assert rows.loc["LLR", "numerator"] == (
        rows.loc["E06000016", "numerator"] + rows.loc["LEICS_RUTLAND", "numerator"]
    )
    comparator = sql(con, "SELECT * FROM areas WHERE area_code='LEICS_RUTLAND'").iloc[0]
    assert comparator["area_type"] == "comparator"
    assert comparator["area_name"] == "Leicestershire and Rutland (UKHSA combined)"
    for area_type in (*schema.AREA_TYPES, "region"):
        listed = db.run_query("areas_of_type", extracts_dir, area_type=area_type, la_code=None)
        assert "LEICS_RUTLAND" not in set(listed["area_code"]), area_type
    pickable = db.run_query(
        "areas_with_indicator",
        extracts_dir,
        indicator_id="flu_vaccination_school_age",
        area_type="la",
    )
    assert pickable["area_code"].tolist() == ["E06000016"]


def test_every_new_indicator_is_catalogued_with_source_licence_and_caveat(con):
    catalog = sql(con, "SELECT * FROM indicators").set_index("indicator_id")
    assert "life_expectancy_modelled" not in catalog.index
    assert "localhealth_life_expectancy" not in catalog.index  # published as _birth
    with_values = set(
        sql(con, "SELECT DISTINCT indicator_id FROM indicator_values")["indicator_id"]
    )
    for indicator_id in NEW_INDICATORS:
        assert indicator_id in with_values, indicator_id
        row = catalog.loc[indicator_id]
        for field in ("short_label", "source", "licence", "caveat", "method", "vintage"):
            assert isinstance(row[field], str) and row[field].strip(), (indicator_id, field)
    assert set(catalog["unit"]) <= set(schema.UNITS)
    assert set(catalog["polarity"]) <= set(schema.POLARITIES)
    assert catalog.loc["qof_hypertension_prevalence", "polarity"] == schema.NO_JUDGEMENT
    assert catalog.loc["localhealth_smr_all_causes", "unit"] == "ratio"
    assert (
        "no intervals published; none shown"
        in catalog.loc["life_expectancy_birth", "caveat"].lower()
    )
    assert "modelled" in catalog.loc["life_expectancy_birth", "method"].lower()
    # multiplier sits right after unit, and is NULL except for rates.
    columns = list(catalog.reset_index().columns)
    assert columns[columns.index("unit") + 1] == "multiplier"
    assert catalog.loc[catalog["unit"] != "rate", "multiplier"].isna().all()


def test_a_source_with_problems_stops_the_build_and_changes_nothing(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(config.SOURCES_DIR, sources)
    flu = sources / "vaccination/ukhsa_school_flu_uptake_primary_la_leicester_leics_rutland.csv"
    lines = flu.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("Numerator")] = "lots"
    lines[1] = ",".join(cells)
    flu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "extracts"
    target.mkdir()
    (target / "previous.txt").write_text("the previous build")

    with pytest.raises(build.SourceProblems) as stopped:
        build.build(sources_dir=sources, extracts_dir=target)
    message = str(stopped.value)
    assert "ukhsa_school_flu_uptake" in message
    assert "row 2, column Numerator" in message and "'lots' is not a number" in message
    assert [p.name for p in target.iterdir()] == ["previous.txt"]
    assert not list(tmp_path.glob(".extracts-*"))
