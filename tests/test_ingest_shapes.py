"""Ingest beyond the values layout: Fingertips exports (by header), mapping files, count-based
rates; the one lock shared with the build; the audit log of every accepted or refused ingest."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equity import build, ingest, locks, mappings, stats
from tests.conftest import SMOKING_EXPORT as SMOKING

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "ingest"
SMOKING_MAPPING = REPO / "data" / "sources" / "mappings" / "smoking_qof_2023_24.toml"


def store_hashes(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if path.is_file()
    }


@pytest.fixture
def store(tmp_path: Path, extracts_dir: Path) -> Path:
    """A temp extracts folder holding the real areas and catalog (never the real folder).

    Shipped Fingertips indicators are dropped from its catalog, so the export can come in
    under its default id here whatever the build ships."""
    copy = tmp_path / "extracts"
    copy.mkdir()
    shutil.copy2(extracts_dir / "areas.parquet", copy / "areas.parquet")
    catalog = pd.read_parquet(extracts_dir / "indicators.parquet")
    catalog = catalog[~catalog["indicator_id"].str.startswith(("fingertips_", "smoking"))]
    catalog.to_parquet(copy / "indicators.parquet", index=False)
    return copy


def cli(store: Path, *arguments: str) -> int:
    parser = argparse.ArgumentParser()
    ingest.add_ingest_arguments(parser)
    return ingest.run_ingest(parser.parse_args([*arguments, "--extracts-dir", str(store)]))


# --------------------------------------------------------------------------- Fingertips


def published_smoking_rows(areas: pd.DataFrame) -> pd.DataFrame:
    export = pd.read_csv(SMOKING, dtype=str, keep_default_na=False)
    practices = set(areas.loc[areas["area_type"] == "practice", "area_code"])
    return export[(export["Indicator ID"] == "91547") & export["Area Code"].isin(practices)]


def test_fingertips_export_round_trips_through_dry_run_and_ingest(
    store: Path, capsys: pytest.CaptureFixture
) -> None:
    flags = ["--unit", "percent", "--polarity", "lower_is_better"]
    before = store_hashes(store)
    assert cli(store, str(SMOKING), *flags, "--dry-run") == 0
    dry = capsys.readouterr()
    assert "dry run" in dry.out and store_hashes(store) == before
    # the 2023/24 rows appended without an Indicator ID are not Fingertips rows: one line
    assert "left out 128" in dry.out and "without an Indicator ID" in dry.out

    assert cli(store, str(SMOKING), *flags, "--source", "smoking") == 0
    written = pd.read_parquet(store / "values_user_smoking.parquet")
    published = published_smoking_rows(pd.read_parquet(store / "areas.parquet"))
    assert len(written) == len(published) > 100
    merged = published.merge(
        written, left_on="Area Code", right_on="area_code", validate="one_to_one"
    )
    for ours, theirs in (
        ("value", "Value"),
        ("lower_ci", "Lower CI 95.0 limit"),
        ("upper_ci", "Upper CI 95.0 limit"),
        ("numerator", "Count"),
        ("denominator", "Denominator"),
    ):
        assert np.allclose(merged[ours], merged[theirs].astype(float)), ours
    assert set(written["indicator_id"]) == {"fingertips_91547"}
    assert set(written["age_band"]) == {"15+"} and not written["is_synthetic"].any()
    catalog = pd.read_parquet(store / "indicators.parquet").set_index("indicator_id")
    row = catalog.loc["fingertips_91547"]
    assert row["label"] == "Smoking prevalence in adults (15+) - current smokers (QOF)"
    assert (row["unit"], row["polarity"], row["source"]) == (
        "percent",
        "lower_is_better",
        "user:smoking",
    )
    assert row["default_age_band"] == "15+"  # the views open on a band the rows have


def test_fingertips_export_without_unit_or_polarity_is_refused(
    store: Path, capsys: pytest.CaptureFixture
) -> None:
    before = store_hashes(store)
    assert cli(store, str(SMOKING)) == 2
    err = capsys.readouterr().err
    assert "--unit '' is not one of percent, years, rate, ratio" in err
    assert "--polarity '' is not one of" in err and "no_judgement" in err
    assert "Traceback" not in err and store_hashes(store) == before


def test_fingertips_id_and_label_can_be_given_and_no_judgement_is_a_polarity(
    store: Path,
) -> None:
    report = ingest.ingest_file(
        SMOKING,
        store,
        areas=ingest.read_areas(store),
        catalog=pd.read_parquet(store / "indicators.parquet"),
        new_indicator={
            "indicator_id": "smoking_qof_local",
            "label": "Smokers (QOF)",
            "unit": "percent",
            "polarity": "no_judgement",
        },
        source_name="smoking",
    )
    assert report.ok, report.problems
    catalog = pd.read_parquet(store / "indicators.parquet").set_index("indicator_id")
    assert catalog.loc["smoking_qof_local", "polarity"] == "no_judgement"
    assert catalog.loc["smoking_qof_local", "label"] == "Smokers (QOF)"


def test_fingertips_value_that_disagrees_with_its_counts_is_refused_by_row(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    lines = SMOKING.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",19.37615955,", ",29.37615955,", 1)  # sheet row 5
    bad = tmp_path / "smoking.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = store_hashes(store)
    assert cli(store, str(bad), "--unit", "percent", "--polarity", "lower_is_better") == 2
    err = capsys.readouterr().err
    assert "smoking.csv, row 5, column Value: published value 29.37615955 disagrees" in err
    assert store_hashes(store) == before


# --------------------------------------------------------------------------- mapping files


def test_mapping_takes_the_rows_fingertips_leaves_out(store: Path) -> None:
    mapping = mappings.load_mapping(SMOKING_MAPPING)
    report = ingest.ingest_file(
        SMOKING,
        store,
        areas=ingest.read_areas(store),
        catalog=pd.read_parquet(store / "indicators.parquet"),
        mapping=mapping,
        new_indicator={"indicator_id": "smoking_qof_2023_24"},
        source_name="smoking_2023",
    )
    assert report.ok, report.problems
    assert report.unplaced == []
    written = pd.read_parquet(store / "values_user_smoking_2023.parquet")
    assert set(written["indicator_id"]) == {"smoking_qof_2023_24"}
    assert {str(d)[:10] for d in written["period_end"]} == {"2024-03-31"}
    # published value kept (it agrees with the counts); Wilson limits computed from the counts
    lower, upper = stats.wilson_interval(written["numerator"], written["denominator"])
    assert np.allclose(written["lower_ci"], 100 * lower)
    assert np.allclose(written["upper_ci"], 100 * upper)


def test_mapping_shows_the_columns_it_could_not_place(store: Path) -> None:
    text = SMOKING_MAPPING.read_text(encoding="utf-8").replace('"Value note", ', "")
    mapping = mappings.parse_mapping(text, "edited.toml")
    report = ingest.validate_extract(
        SMOKING,
        ingest.read_areas(store),
        pd.read_parquet(store / "indicators.parquet"),
        mapping=mapping,
        new_indicator={"indicator_id": "smoking_qof_2023_24"},
    )
    assert report.ok, report.problems
    assert report.unplaced == ["Value note"]
    assert "does not place (left unused): Value note" in report.summary


# --------------------------------------------------------------------------- count-based rates

RATE_AREAS = pd.DataFrame(
    {
        "area_code": ["L1A1", "L1A2", "W_A", "M_1", "E06000016"],
        "area_type": ["lsoa", "lsoa", "ward", "msoa", "la"],
        "la_code": ["E06000016"] * 5,
        "ward_code": ["W_A", "W_A", "W_A", None, None],
        "msoa_code": ["M_1", "M_1", None, "M_1", None],
    }
)
ADMISSIONS = {
    "indicator_id": "admissions_local",
    "label": "Emergency admissions (local)",
    "unit": "rate",
    "polarity": "lower_is_better",
}


def rate_file(path: Path, value: str = "") -> Path:
    header = "indicator_id,area_code,area_type,period_start,period_end,sex,age_band,"
    header += "ethnic_group,numerator,denominator,value\n"
    common = "admissions_local,{code},lsoa,2022-04-01,2023-03-31,All,All,All,{n},{d},{v}\n"
    path.write_text(
        header
        + common.format(code="L1A1", n=30, d=1500, v=value)
        + common.format(code="L1A2", n=12, d=1800, v="")
    )
    return path


def test_count_based_rate_uses_its_multiplier_and_exact_poisson_limits(tmp_path: Path) -> None:
    report = ingest.validate_extract(
        rate_file(tmp_path / "admissions.csv", value="2000"),
        RATE_AREAS,
        None,
        new_indicator=dict(ADMISSIONS, multiplier=100000),
    )
    assert report.ok, report.problems
    frame = report.frame.set_index("area_code")
    assert frame.loc["L1A1", "value"] == pytest.approx(30 / 1500 * 100000)
    expected = stats.rate_with_ci(frame["numerator"], frame["denominator"], multiplier=100000)
    assert np.allclose(frame["lower_ci"], expected["lower_ci"])
    assert np.allclose(frame["upper_ci"], expected["upper_ci"])
    # the rows roll up like proportions: the ward is the two LSOAs' counts summed
    assert frame.loc["W_A", "numerator"] == 42 and frame.loc["W_A", "denominator"] == 3300
    assert report.catalog_row["multiplier"] == 100000
    assert report.catalog_row["value_type"] == "count"


def test_rate_without_multiplier_or_with_a_wrong_value_is_refused(tmp_path: Path) -> None:
    path = rate_file(tmp_path / "admissions.csv")
    missing = ingest.validate_extract(path, RATE_AREAS, None, new_indicator=ADMISSIONS)
    assert not missing.ok and "--multiplier 100000" in missing.problems[0].fix
    wrong = ingest.validate_extract(
        rate_file(tmp_path / "wrong.csv", value="200"),  # per 10,000, not per 100,000
        RATE_AREAS,
        None,
        new_indicator=dict(ADMISSIONS, multiplier=100000),
    )
    assert not wrong.ok
    assert (wrong.problems[0].row, wrong.problems[0].column) == (2, "value")
    assert "= 2000" in wrong.problems[0].problem


def test_rate_catalog_row_gains_the_multiplier_column(tmp_path: Path) -> None:
    store = tmp_path / "extracts"
    store.mkdir()
    RATE_AREAS.to_parquet(store / "areas.parquet")
    pd.DataFrame(
        {"indicator_id": ["x_shipped"], "unit": ["percent"], "source": ["NHS"]}
    ).to_parquet(store / "indicators.parquet")
    report = ingest.ingest_file(
        rate_file(tmp_path / "admissions.csv"),
        store,
        areas=RATE_AREAS,
        catalog=pd.read_parquet(store / "indicators.parquet"),
        new_indicator=dict(ADMISSIONS, multiplier=1000),
    )
    assert report.ok, report.problems
    catalog = pd.read_parquet(store / "indicators.parquet").set_index("indicator_id")
    assert catalog.loc["admissions_local", "multiplier"] == 1000
    assert np.isnan(catalog.loc["x_shipped", "multiplier"])


@pytest.mark.parametrize(
    "file", ["fractional_count.csv", "zero_denominator.csv", "value_disagrees_with_counts.csv"]
)
def test_stricter_checks_exit_2_on_the_command_line(
    store: Path, file: str, capsys: pytest.CaptureFixture
) -> None:
    CATALOG_ROWS = ["--indicator-id", "bowel_screening_local", "--label", "Bowel"]
    flags = [*CATALOG_ROWS, "--unit", "percent", "--polarity", "higher_is_better"]
    before = store_hashes(store)
    assert cli(store, str(CORPUS / file), *flags) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{CORPUS / file}, row ")
    assert store_hashes(store) == before


# --------------------------------------------------------------------------- one lock


def fake_slow_build(extracts_dir: Path, holding: threading.Event, seconds: float) -> None:
    """What build() does under the lock: a new folder is swapped in whole, user files carried."""
    with locks.extracts_lock(extracts_dir):
        holding.set()
        staging = extracts_dir.with_name("staging")
        shutil.copytree(extracts_dir, staging)
        time.sleep(seconds)
        retired = extracts_dir.with_name("retired")
        extracts_dir.rename(retired)
        staging.rename(extracts_dir)
        shutil.rmtree(retired)


def test_ingest_started_during_a_build_waits_and_its_extract_survives(store: Path) -> None:
    holding = threading.Event()
    builder = threading.Thread(target=fake_slow_build, args=(store, holding, 1.0))
    builder.start()
    assert holding.wait(10)
    started = time.monotonic()
    report = ingest.ingest_file(
        SMOKING,
        store,
        areas=ingest.read_areas(store),
        catalog=pd.read_parquet(store / "indicators.parquet"),
        new_indicator={"unit": "percent", "polarity": "lower_is_better"},
        source_name="during_build",
    )
    waited = time.monotonic() - started
    builder.join(20)
    assert report.ok, report.problems
    assert not builder.is_alive()
    assert waited > 0.3  # it waited for the build's lock
    assert (store / "values_user_during_build.parquet").exists()
    catalog = pd.read_parquet(store / "indicators.parquet")
    assert "fingertips_91547" in set(catalog["indicator_id"])


def test_lock_timeout_is_one_clear_message_and_changes_nothing(store: Path) -> None:
    before = store_hashes(store)
    with locks.extracts_lock(store):
        holder = threading.Thread(
            target=lambda: results.append(
                ingest.ingest_file(
                    SMOKING,
                    store,
                    areas=ingest.read_areas(store),
                    catalog=pd.read_parquet(store / "indicators.parquet"),
                    new_indicator={"unit": "percent", "polarity": "lower_is_better"},
                    lock_timeout=0.2,
                )
            )
        )
        results: list[ingest.ValidationReport] = []
        holder.start()
        holder.join(30)
    (report,) = results
    assert not report.ok
    assert "busy" in report.problems[0].problem and "try again" in report.problems[0].problem
    assert store_hashes(store) == before


def test_build_takes_the_same_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    extracts = tmp_path / "extracts"
    monkeypatch.setattr(locks, "DEFAULT_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(build.config, "EXTRACTS_DIR", extracts)
    monkeypatch.setattr(build, "is_stale", lambda: True)

    def no_build(*_args):
        raise AssertionError("the build ran while the lock was held")

    monkeypatch.setattr(build, "_build_into", no_build)
    with locks.extracts_lock(extracts):
        result = []
        thread = threading.Thread(target=lambda: result.append(build.main_build()))
        thread.start()
        thread.join(30)
    assert result == [2]
    assert "busy" in capsys.readouterr().err
    assert locks.lock_path(extracts).parent == tmp_path  # beside the folder, not inside


# --------------------------------------------------------------------------- audit log


def test_every_ingest_leaves_one_audit_line(
    store: Path, audit_log: Path, capsys: pytest.CaptureFixture
) -> None:
    flags = ["--unit", "percent", "--polarity", "lower_is_better"]
    assert cli(store, str(SMOKING), *flags, "--source", "smoking") == 0
    assert cli(store, str(SMOKING)) == 2
    accepted, refused = audit_log.read_text(encoding="utf-8").splitlines()
    digest = hashlib.sha256(SMOKING.read_bytes()).hexdigest()
    when, who, name, sha, outcome = accepted.split("\t")
    assert pd.Timestamp(when).tzname() == "UTC"
    assert (who, name, sha) == (getpass.getuser(), SMOKING.name, digest)
    rows = len(pd.read_parquet(store / "values_user_smoking.parquet"))
    assert outcome == f"accepted {rows} rows"
    assert refused.split("\t")[4].startswith(f"refused: {SMOKING.name}: --unit '' is not one of")


def test_upload_audit_names_the_session(store: Path, audit_log: Path) -> None:
    data = (CORPUS / "zero_denominator.csv").read_bytes()
    flags = {
        "indicator_id": "bowel_screening_local",
        "label": "Bowel",
        "unit": "percent",
        "polarity": "higher_is_better",
    }
    refused = ingest.validate_upload(
        "returns.csv", data, store, new_indicator=flags, who="upload:session-1"
    )
    assert not refused.ok
    good = (CORPUS / "good_counts.csv").read_bytes()
    checked = ingest.validate_upload(
        "good.csv", good, store, new_indicator=flags, who="upload:session-1"
    )
    assert checked.ok and audit_log.read_text().count("\n") == 1  # accepted only when added
    assert ingest.add_validated_upload(checked, "good.csv", store, who="upload:session-1").ok
    first, second = (line.split("\t") for line in audit_log.read_text().splitlines())
    assert first[1:4] == ["upload:session-1", "returns.csv", hashlib.sha256(data).hexdigest()]
    assert first[4].startswith("refused: returns.csv, row 4, column denominator: denominator is 0")
    assert second[1:3] == ["upload:session-1", "good.csv"] and second[4].startswith("accepted ")


def test_a_shipped_id_is_never_taken_by_an_export(store: Path) -> None:
    catalog = pd.read_parquet(store / "indicators.parquet")
    shipped = catalog.iloc[[0]].assign(indicator_id="fingertips_91547", source="OHID")
    report = ingest.validate_extract(
        SMOKING,
        ingest.read_areas(store),
        pd.concat([catalog, shipped], ignore_index=True),
        new_indicator={"unit": "percent", "polarity": "lower_is_better"},
    )
    assert not report.ok and "never overwrites" in report.problems[0].problem
    assert "--indicator-id" in report.problems[0].fix
