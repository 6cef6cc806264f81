"""The build: real data in, extracts out, with the figures the sources say."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from equity import build, config, db, schema
from tests.conftest import file_hashes

SOURCES = config.SOURCES_DIR
ST_MATTHEWS = "E02002844"


@pytest.fixture
def con(extracts_dir):
    # Not module-scoped: a rebuild in this module resets (closes) open connections.
    return db.connection(extracts_dir)


def sql(con, text, params=None):
    return con.cursor().execute(text, params or {}).df()


def test_area_counts_match_the_llr_geographies(con):
    counts = sql(con, "SELECT area_type, count(*) AS n FROM areas GROUP BY area_type")
    counts = dict(zip(counts["area_type"], counts["n"]))
    assert counts["lsoa"] == 634
    assert counts["msoa"] == 127
    assert counts["msoa11"] == 125
    assert counts["ward"] == 176
    assert counts["la"] == 9
    assert counts["region"] == 1
    located = sql(
        con, "SELECT count(*) AS n FROM areas WHERE area_type='practice' AND lat IS NOT NULL"
    )
    assert located["n"][0] == 131  # 134 active practices, 3 with postcodes outside LE


def test_area_codes_are_well_formed_and_unique(con):
    areas = sql(con, "SELECT area_code, area_type FROM areas")
    patterns = {
        "lsoa": r"E01\d{6}",
        "msoa": r"E02\d{6}",
        "msoa11": r"E02\d{6}",
        "ward": r"E05\d{6}",
        "la": r"E0[67]\d{6}",
        "practice": r"[A-Z]\d{5}",
        "region": r"LLR",
        "comparator": r"LEICS_RUTLAND",
    }
    for code, area_type in zip(areas["area_code"], areas["area_type"]):
        assert re.fullmatch(patterns[area_type], code), (code, area_type)
    assert not areas.duplicated(["area_code", "area_type"]).any()


def test_st_matthews_is_named_and_in_wycliffe(con):
    row = sql(
        con, "SELECT * FROM areas WHERE area_code = $c AND area_type='msoa'", {"c": ST_MATTHEWS}
    )
    assert row["area_name"][0] == "St Matthews & Highfields North"
    lsoas = sql(
        con,
        "SELECT area_code, ward_code, imd_decile FROM areas WHERE msoa_code=$c AND area_type='lsoa'",
        {"c": ST_MATTHEWS},
    )
    assert sorted(lsoas["area_code"]) == [
        "E01013742",
        "E01013744",
        "E01013746",
        "E01013748",
        "E01013754",
        "E01013755",
    ]
    assert set(lsoas["ward_code"]) == {"E05010478"}
    assert lsoas["imd_decile"].max() <= 2
    assert bool(row["is_core20"][0])


def test_populations_add_up_to_the_census(con):
    census = pd.read_csv(SOURCES / "population/census21_age6_lsoa21_llr.csv")
    lookup = pd.read_csv(SOURCES / "lookups/lsoa21_ward24_ltla24_llr.csv")
    per_la = census.merge(lookup, on="lsoa21_code").groupby("ltla24_code")["usual_residents"].sum()
    las = sql(con, "SELECT area_code, population FROM areas WHERE area_type='la'").set_index(
        "area_code"
    )
    for code, total in per_la.items():
        assert las.loc[code, "population"] == pytest.approx(total)
    msoa_total = sql(con, "SELECT sum(population) AS p FROM areas WHERE area_type='msoa'")["p"][0]
    assert msoa_total == pytest.approx(census["usual_residents"].sum())
    assert per_la["E06000016"] == pytest.approx(368_558)


def test_no_null_categories_and_flags_in_any_values_file(extracts_dir):
    con = duckdb.connect()
    for path in sorted(extracts_dir.glob("values_*.parquet")):
        nulls = con.execute(
            "SELECT count(*) FROM read_parquet($p) WHERE sex IS NULL OR age_band IS NULL "
            "OR ethnic_group IS NULL OR is_synthetic IS NULL OR area_code IS NULL "
            "OR period_end IS NULL",
            {"p": str(path)},
        ).fetchone()[0]
        assert nulls == 0, path.name


def test_every_values_file_has_the_schema_columns_and_types(extracts_dir):
    for path in sorted(extracts_dir.glob("values_*.parquet")):
        written = pq.read_schema(path)
        assert written.names == list(schema.VALUES_COLUMNS), path.name
        for name in schema.VALUES_COLUMNS:
            expected = schema.VALUES_ARROW_SCHEMA.field(name).type
            assert written.field(name).type == expected, (path.name, name)


def test_real_and_synthetic_never_share_an_indicator(con):
    mixed = sql(
        con,
        "SELECT indicator_id FROM indicator_values GROUP BY indicator_id "
        "HAVING count(DISTINCT is_synthetic) > 1",
    )
    assert mixed.empty
    flags = sql(con, "SELECT indicator_id, is_synthetic FROM indicators")
    values_flags = sql(con, "SELECT DISTINCT indicator_id, is_synthetic FROM indicator_values")
    merged = values_flags.merge(flags, on="indicator_id", suffixes=("_v", "_c"))
    assert (merged["is_synthetic_v"] == merged["is_synthetic_c"]).all()
    assert set(values_flags["indicator_id"]) <= set(flags["indicator_id"])
    real = sql(
        con,
        "SELECT DISTINCT is_synthetic FROM indicator_values WHERE indicator_id='covid_first_dose'",
    )
    assert real["is_synthetic"].tolist() == [False]


def test_st_matthews_first_dose_50_plus_is_as_the_source_says(con):
    release = pd.read_csv(
        SOURCES / "vaccination/llr_msoa_covid_first_doses_by_age_nhse_pub20210325.csv"
    )
    nims = pd.read_csv(SOURCES / "vaccination/llr_msoa_nims_population_by_age_odileeds.csv")
    bands = ["50_54", "55_59", "60_64", "65_69", "70_74", "75_79", "80plus"]
    doses = (
        release.set_index("msoa11_code").loc[ST_MATTHEWS, [f"first_doses_{b}" for b in bands]].sum()
    )
    population = (
        nims.set_index("msoa11_code").loc[ST_MATTHEWS, [f"nims_pop_{b}" for b in bands]].sum()
    )
    row = sql(
        con,
        "SELECT sum(numerator) AS n, sum(denominator) AS d FROM indicator_values "
        "WHERE indicator_id='covid_first_dose' AND area_code=$c AND area_type='msoa' "
        "AND period_end=DATE '2021-03-25' AND age_band_matches(age_band, '50+')",
        {"c": ST_MATTHEWS},
    )
    assert row["n"][0] == doses
    assert row["d"][0] == population
    assert 100 * doses / population == pytest.approx(64.3, abs=0.05)  # SOURCES_HEALTH.md


def test_city_and_llr_50_plus_rates_match_the_reference_figures(con):
    rows = sql(
        con,
        "SELECT area_code, 100*sum(numerator)/sum(denominator) AS pct FROM indicator_values "
        "WHERE indicator_id='covid_first_dose' AND area_type IN ('la','region') "
        "AND period_end=DATE '2021-03-25' AND age_band_matches(age_band, '50+') GROUP BY area_code",
    ).set_index("area_code")["pct"]
    assert rows["E06000016"] == pytest.approx(75.3, abs=0.05)
    assert rows["LLR"] == pytest.approx(82.5, abs=0.05)
    assert rows["E06000017"] == pytest.approx(83.3, abs=0.05)


def test_apportioning_to_wards_conserves_the_counts(con):
    totals = sql(
        con,
        "SELECT area_type, age_band, sum(numerator) AS n, sum(denominator) AS d "
        "FROM indicator_values WHERE indicator_id='covid_first_dose' "
        "AND period_end=DATE '2021-03-25' AND area_type IN ('msoa11','ward','msoa','region') "
        "GROUP BY ALL",
    )
    wide = totals.pivot(index="age_band", columns="area_type", values="n")
    for level in ("ward", "msoa", "region"):
        assert wide[level].to_numpy() == pytest.approx(wide["msoa11"].to_numpy(), rel=1e-9)
    modelled = sql(
        con,
        "SELECT DISTINCT area_type, is_modelled FROM indicator_values "
        "WHERE indicator_id='covid_first_dose' AND area_code <> 'E02002835'",
    )
    assert set(modelled[modelled["area_type"] == "ward"]["is_modelled"]) <= {True, False}
    assert modelled[(modelled["area_type"] == "msoa11")]["is_modelled"].tolist() == [False]


def test_split_msoa_is_apportioned_and_labelled(con):
    rows = sql(
        con,
        "SELECT area_code, is_modelled FROM indicator_values WHERE indicator_id='covid_first_dose' "
        "AND area_type='msoa' AND area_code IN ('E02006964','E02006965','E02002844') "
        "AND age_band='All' AND period_end=DATE '2021-03-25'",
    ).set_index("area_code")["is_modelled"]
    assert bool(rows["E02006964"]) and bool(rows["E02006965"])
    assert not bool(rows["E02002844"])


def test_cervical_sentinels_are_suppressed_not_zero(con):
    row = sql(
        con,
        "SELECT numerator, denominator, value FROM indicator_values "
        "WHERE indicator_id='cervical_screening_coverage' AND area_code='C82023' AND age_band='25-49'",
    )
    assert len(row) == 1
    assert pd.isna(row["numerator"][0]) and pd.isna(row["value"][0])
    zero = sql(
        con,
        "SELECT count(*) AS n FROM indicator_values WHERE indicator_id='cervical_screening_coverage' "
        "AND numerator = 0",
    )
    assert zero["n"][0] == 0


def test_practice_life_expectancy_keeps_each_period_and_sex(con):
    source = pd.read_csv(SOURCES / "life_expectancy/llr_gp_practice_life_expectancy_heec.csv")
    rows = sql(
        con,
        "SELECT year(period_end) AS year, sex, count(*) AS n, min(value) AS lo, max(value) AS hi "
        "FROM indicator_values WHERE indicator_id='life_expectancy_practice' GROUP BY ALL",
    )
    assert set(rows["year"]) == set(source["year"])
    male_2020 = rows[(rows["year"] == 2020) & (rows["sex"] == "Male")].iloc[0]
    assert male_2020["lo"] == pytest.approx(72.8, abs=0.05)
    assert male_2020["hi"] == pytest.approx(83.5, abs=0.05)


def test_ward_life_expectancy_is_modelled_from_the_real_msoa_figures(con):
    rows = sql(
        con,
        "SELECT * FROM indicator_values WHERE indicator_id='life_expectancy_birth' "
        "AND area_code='E05010478' AND area_type='ward'",
    )
    assert set(rows["sex"]) == {"Female", "Male"}
    assert rows["is_modelled"].all()
    # Local Health publishes no intervals, so none are made up for the ward either.
    assert rows["lower_ci"].isna().all() and rows["upper_ci"].isna().all()
    assert rows["value"].between(70, 90).all()


def test_build_is_deterministic_and_a_failed_build_changes_nothing(
    tmp_path, monkeypatch, extracts_dir
):
    target = tmp_path / "extracts"
    build.build(extracts_dir=target)
    fresh = file_hashes(target)
    shipped = file_hashes(extracts_dir)
    for name, digest in fresh.items():
        if name.startswith("values_") or name in ("areas.parquet", "indicators.parquet"):
            assert shipped[name] == digest, name

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure half way through the build")

    monkeypatch.setattr(build, "cervical_screening_values", broken)
    with pytest.raises(RuntimeError):
        build.build(extracts_dir=target)
    assert file_hashes(target) == fresh
    assert not list(tmp_path.glob(".extracts-*"))


def test_practice_quintiles_follow_the_imd_convention(con):
    """Quintile 1 is the most deprived, for practices as for areas (HEEC numbers them the
    other way round; the build flips them)."""
    means = sql(
        con,
        "SELECT imd_quintile, avg(imd_score) AS score FROM areas "
        "WHERE area_type='practice' AND imd_quintile IS NOT NULL GROUP BY ALL",
    ).set_index("imd_quintile")["score"]
    assert means.is_monotonic_decreasing
    assert means.loc[1] > 30 > 12 > means.loc[5]


def _breakdowns_by_scan(con, indicator_id):
    return sql(
        con,
        "SELECT DISTINCT period_end, area_type, sex, age_band, ethnic_group "
        "FROM indicator_values WHERE indicator_id = $i "
        "ORDER BY period_end, area_type, sex, age_band, ethnic_group",
        {"i": indicator_id},
    )


def test_every_values_file_carries_a_breakdowns_index_matching_a_full_scan(con, extracts_dir):
    import pyarrow.parquet as pq

    for path in extracts_dir.glob(db.VALUES_GLOB):
        assert db.BREAKDOWNS_KEY.encode() in (pq.ParquetFile(path).metadata.metadata or {}), path
    ids = sql(con, "SELECT DISTINCT indicator_id FROM indicator_values")["indicator_id"]
    assert len(ids) >= 8
    for indicator_id in ids:
        from_index = db.run_query("indicator_breakdowns", extracts_dir, indicator_id=indicator_id)
        pd.testing.assert_frame_equal(from_index, _breakdowns_by_scan(con, indicator_id))


def test_a_values_file_rewritten_without_its_index_is_scanned_instead(tmp_path, extracts_dir):
    import shutil

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    for path in extracts_dir.glob("*.parquet"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "values_covid_nhse.parquet"
    table = pq.read_table(target)  # keeps the footer's index, now describing other rows
    assert db.BREAKDOWNS_KEY.encode() in table.schema.metadata
    pq.write_table(table.filter(pc.equal(table["age_band"], "80+")), target)
    try:
        con = db.connection(tmp_path)
        shown = db.run_query("indicator_breakdowns", tmp_path, indicator_id="covid_first_dose")
        pd.testing.assert_frame_equal(shown, _breakdowns_by_scan(con, "covid_first_dose"))
        assert set(shown["age_band"]) == {"80+"}
    finally:
        db.reset(tmp_path)


def test_planner_postcodes_and_trend_interventions_are_extracts(con, extracts_dir, tmp_path):
    import json

    from equity import synthetic

    counts = json.loads((extracts_dir / "manifest.json").read_text())["row_counts"]
    assert counts["postcodes.parquet"] > 20_000 and counts["interventions.parquet"] == 1
    clinic = sql(con, "SELECT * FROM interventions")
    assert clinic["place"].tolist() == [synthetic.POPUP_CLINIC["area_code"]]
    assert clinic["is_synthetic"].all()
    assert clinic["start"].dt.date.tolist() == [synthetic.POPUP_CLINIC["start"]]
    # Without one of them the extracts do not open and count as stale, naming the file.
    partial = tmp_path / "extracts"
    partial.mkdir()
    for path in extracts_dir.iterdir():
        if path.name != "postcodes.parquet":
            (partial / path.name).symlink_to(path)
    assert "postcodes.parquet is missing" in db.check_extracts(partial)
    assert build.is_stale(extracts_dir=partial)
