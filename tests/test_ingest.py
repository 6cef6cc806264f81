"""Ingestion of a user's extract: every bad file in the corpus is refused with the exact problem,
good files land in the values schema, and the store never changes unless an ingest succeeds."""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from equity import ingest, schema, tables

CORPUS = Path(__file__).resolve().parent / "data" / "ingest"

AREAS = pd.DataFrame(
    {
        "area_code": [
            "E01013742",
            "E01013601",
            "E01013655",
            "E01013700",
            "E02002844",
            "E05010478",
            "E06000016",
            "C82044",
        ],
        "area_type": ["lsoa", "lsoa", "lsoa", "lsoa", "msoa", "ward", "la", "practice"],
    }
)
CATALOG = pd.DataFrame(
    {
        "indicator_id": ["covid_first_dose", "covid_first_dose_demo", "gp_flu_local"],
        "label": ["COVID-19 first dose", "COVID-19 first dose (SYNTHETIC DEMO)", "Flu (local)"],
        "domain": ["vaccination", "vaccination", "vaccination"],
        "unit": ["percent", "percent", "percent"],
        "polarity": ["higher_is_better"] * 3,
        "target": [math.nan] * 3,
        "value_type": ["count"] * 3,
        "source": ["NHS England", "Synthetic: equity/synthetic.py", "user:earlier"],
        "licence": ["OGL", "OGL", "user-supplied"],
        "vintage": ["2021", "2021", "2021"],
        "method": ["Wilson"] * 3,
        "caveat": [""] * 3,
        "is_synthetic": [False, True, False],
        "is_modelled": [False] * 3,
    }
)
BOWEL = {
    "indicator_id": "bowel_screening_local",
    "label": "Bowel screening uptake (local returns)",
    "unit": "percent",
    "polarity": "higher_is_better",
}
LIFE = {
    "indicator_id": "life_expectancy_local",
    "label": "Life expectancy at birth (local)",
    "unit": "years",
    "polarity": "higher_is_better",
}


@dataclass
class Case:
    file: str
    expected: list[tuple[int | None, str | None, tuple[str, ...]]]  # (row, column, key words)
    new_indicator: dict | None = field(default_factory=lambda: BOWEL)
    max_bytes: int = ingest.DEFAULT_MAX_BYTES
    total: int | None = None  # total problems, when more exist than are listed in `expected`


BAD_CASES = [
    Case("missing_column.csv", [(1, "denominator", ("missing column", "add a column"))]),
    Case("renamed_column.csv", [(1, "areacode", ("did you mean 'area_code'", "rename"))]),
    Case("extra_column.csv", [(1, "notes", ("unexpected column", "delete"))]),
    Case("wrong_type.csv", [(4, "numerator", ("'twelve'", "not a number"))]),
    Case("bad_date.csv", [(3, "period_start", ("cannot read date", "2021-02-30", "yyyy-mm-dd"))]),
    Case("period_reversed.csv", [(5, "period_end", ("before period_start", "swap"))]),
    Case("negative_count.csv", [(6, "numerator", ("negative", "-3"))]),
    Case("numerator_over_denominator.csv", [(3, "numerator", ("900", "larger than", "800"))]),
    Case("value_out_of_range.csv", [(3, "value", ("150", "outside", "years", "0–130"))], LIFE),
    Case("unknown_area.csv", [(4, "area_code", ("unknown area code", "e01013724", "e01013742"))]),
    Case("area_type_mismatch.csv", [(2, "area_type", ("e02002844", "msoa", "write msoa"))]),
    Case("unknown_sex.csv", [(3, "sex", ("'f'", "all, female, male", "write female"))]),
    Case("bad_age_band.csv", [(7, "age_band", ("'60 to 74'", "write 60-74"))]),
    Case("null_category.csv", [(2, "sex", ("'null'", "write all"))]),
    Case("empty_ethnic_group.csv", [(4, "ethnic_group", ("empty", "write all"))]),
    Case("duplicate_keys.csv", [(6, "area_code", ("duplicate of row 3",))]),
    Case("empty.csv", [(None, None, ("empty", "0 bytes"))]),
    Case("header_only.csv", [(None, None, ("header", "no data rows"))]),
    Case("utf16.csv", [(None, None, ("utf-16", "not utf-8", "re-save it as utf-8"))]),
    Case("latin1.csv", [(3, "ethnic_group", ("latin-1", "0xf3", "re-save it as utf-8"))]),
    Case("semicolon.csv", [(1, None, ("semicolons", "comma-separated"))]),
    Case("tab_separated.csv", [(1, None, ("tabs", "comma-separated"))]),
    Case("too_large.csv", [(None, None, ("over the 1,000 bytes limit", "split"))], max_bytes=1000),
    Case("formula_injection.csv", [(4, "ethnic_group", ("formula injection", "'='"))]),
    Case("shipped_collision.csv", [(2, "indicator_id", ("covid_first_dose_demo", "synthetic"))]),
    Case("missing_count.csv", [(5, "denominator", ("empty",))]),
    Case("unknown_indicator.csv", [(2, "indicator_id", ("not in the catalog", "--label"))], None),
    Case("not_parquet.parquet", [(None, None, ("not a parquet file",))]),
    Case("ragged_row.csv", [(4, None, ("14 cells", "header has 13", "double quotes"))]),
    Case("bad_flag.csv", [(3, "is_synthetic", ("'maybe'", "true or false"))]),
    Case(
        "le_missing_band.csv", [(22, "age_band_start", ("e05010478", "lacks age bands 90"))], LIFE
    ),
    Case(
        "combo_one_row.csv",
        [
            (5, "numerator", ("'n/a'", "not a number")),
            (5, "period_end", ("cannot read date", "31/13/2022")),
            (5, "ethnic_group", ("formula injection", "'@'")),
            (5, "area_code", ("unknown area code", "e0101")),
        ],
    ),
    Case("fractional_count.csv", [(4, "numerator", ("12.5", "not a whole number"))]),
    Case("zero_denominator.csv", [(4, "denominator", ("denominator is 0",))]),
    Case(
        "value_disagrees_with_counts.csv",
        [(2, "value", ("value 140.0 disagrees", "656 / denominator 800", "= 82"))],
    ),
    # 26 numerators over their denominators and one bad sex: 20 shown, then "… and 7 more"
    Case(
        "combo_many_problems.csv",
        [(2, "numerator", ("801", "larger than", "800")), (3, "sex", ("'women'", "write female"))],
        total=27,
    ),
]

LINE = re.compile(r"^(?P<path>[^,:]+)(?:, row (?P<row>\d+))?(?:, column (?P<col>[^:]+))?: .+ — .+$")


def sha256_of_every_file(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if path.is_file()
    }


def values_rows(indicator_id: str, codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "area_code": codes,
            "area_type": "lsoa",
            "period_start": pd.Timestamp("2021-01-01"),
            "period_end": pd.Timestamp("2021-03-31"),
            "sex": "All",
            "age_band": "All",
            "ethnic_group": "All",
            "numerator": 10.0,
            "denominator": 20.0,
            "value": math.nan,
            "lower_ci": math.nan,
            "upper_ci": math.nan,
            "is_synthetic": indicator_id.endswith("_demo"),
            "is_modelled": False,
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An extracts folder with the files a build and an earlier user ingest leave behind."""
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    AREAS.to_parquet(extracts / "areas.parquet")
    CATALOG.to_parquet(extracts / "indicators.parquet")
    ingest.conform_to_values_schema(
        values_rows("covid_first_dose_demo", ["E01013742", "E01013601"])
    ).to_parquet(extracts / "values_synthetic.parquet")
    ingest.conform_to_values_schema(values_rows("gp_flu_local", ["E01013655"])).to_parquet(
        extracts / "values_user_earlier.parquet"
    )
    return extracts


def run(store: Path, file: str, new_indicator: dict | None, **kwargs) -> ingest.ValidationReport:
    return ingest.ingest_file(
        CORPUS / file,
        store,
        areas=AREAS,
        catalog=pd.read_parquet(store / "indicators.parquet"),
        new_indicator=new_indicator,
        **kwargs,
    )


def test_corpus_is_what_make_corpus_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, content in module.corpus().items():
        assert (CORPUS / name).read_bytes() == content, f"{name} is stale: run make_corpus.py"
    listed = {case.file for case in BAD_CASES}
    generated = set(module.corpus()) - {
        name for name in module.corpus() if name.startswith("good_")
    }
    assert generated == listed, "every bad corpus file has a test case and vice versa"


@pytest.mark.parametrize("case", BAD_CASES, ids=[case.file for case in BAD_CASES])
def test_bad_file_is_refused_with_the_exact_problem(store: Path, case: Case) -> None:
    before = sha256_of_every_file(store)
    report = run(store, case.file, case.new_indicator, max_bytes=case.max_bytes)

    assert not report.ok and report.frame is None
    found = {(problem.row, problem.column): problem for problem in report.problems}
    if case.total is None:
        assert set(found) == {(row, column) for row, column, _ in case.expected}
        assert report.problem_count == len(case.expected)
    else:
        assert report.problem_count == case.total
    for row, column, words in case.expected:
        problem = found[(row, column)]
        text = f"{problem.problem} — {problem.fix}".lower()
        for word in words:
            assert word in text, f"{word!r} not in {text!r}"
        assert problem.fix.strip()
    assert sha256_of_every_file(store) == before
    assert not (store / f"values_user_{Path(case.file).stem}.parquet").exists()


@pytest.mark.parametrize("case", BAD_CASES, ids=[case.file for case in BAD_CASES])
def test_refusal_lines_name_file_row_and_column(store: Path, case: Case) -> None:
    report = run(store, case.file, case.new_indicator, max_bytes=case.max_bytes)
    lines = tables.format_problems(case.file, report.problems, total=report.problem_count)
    shown = min(len(report.problems), tables.PROBLEMS_SHOWN)
    for line, problem in zip(lines[:shown], report.problems[:shown], strict=True):
        match = LINE.match(line)
        assert match and match["path"] == case.file, line
        assert match["row"] == (str(problem.row) if problem.row is not None else None)
        assert (match["col"] or None) == problem.column
    hidden = report.problem_count - shown
    assert len(lines) == shown + (1 if hidden else 0)
    if hidden:
        assert lines[-1] == f"… and {hidden} more problems"


def test_format_problems_limits_to_twenty_with_a_count_line() -> None:
    problems = [tables.Problem(row, "sex", "bad", "fix it") for row in range(2, 27)]
    lines = tables.format_problems("x.csv", problems)
    assert lines[0] == "x.csv, row 2, column sex: bad — fix it"
    assert len(lines) == 21 and lines[-1] == "… and 5 more problems"
    assert tables.format_problems("x.csv", [tables.Problem(None, None, "p", "f")]) == [
        "x.csv: p — f"
    ]


def test_latin1_is_named_as_such_not_as_a_crash(store: Path) -> None:
    report = run(store, "latin1.csv", BOWEL)
    assert "ó" in report.problems[0].problem  # the offending character, decoded as latin-1


def test_good_csv_lands_in_the_values_schema_and_nothing_else_changes(store: Path) -> None:
    before = sha256_of_every_file(store)
    report = run(store, "good_counts.csv", BOWEL, source_name="bowel_returns")
    assert report.ok, report.problems
    assert "ignored" in report.summary and "recomputed" in report.summary
    assert "values_user_bowel_returns.parquet" in report.summary

    frame = report.frame
    assert list(frame.columns) == list(schema.VALUES_COLUMNS)
    for name, dtype in schema.VALUES_DTYPES.items():
        assert str(frame[name].dtype) == dtype, name
    assert frame[["value", "lower_ci", "upper_ci"]].isna().all().all()
    assert not frame["is_synthetic"].any() and not frame["is_modelled"].any()

    source = pd.read_csv(CORPUS / "good_counts.csv", dtype={"numerator": float})
    assert len(frame) == len(source)
    assert frame["numerator"].sum() == source["numerator"].sum()
    somali = frame[frame["ethnic_group"] == "Somali"].iloc[0]
    assert (somali["numerator"], somali["denominator"]) == (12.0, 40.0)

    after = sha256_of_every_file(store)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {"values_user_bowel_returns.parquet", "indicators.parquet"}
    written = pq.read_table(store / "values_user_bowel_returns.parquet")
    assert written.schema.field("period_start").type == pa.date32()
    assert written.num_rows == len(frame)
    catalog = pd.read_parquet(store / "indicators.parquet")
    assert list(catalog["indicator_id"]) == [*CATALOG["indicator_id"], "bowel_screening_local"]
    row = catalog.set_index("indicator_id").loc["bowel_screening_local"]
    assert (row["unit"], row["value_type"], row["source"]) == (
        "percent",
        "count",
        "user:bowel_returns",
    )
    assert row["is_synthetic"] == False  # noqa: E712 (numpy bool)
    assert list(catalog.columns) == list(CATALOG.columns)


def test_good_parquet_matches_the_good_csv(store: Path) -> None:
    from_csv = ingest.validate_extract(
        CORPUS / "good_counts.csv", AREAS, CATALOG, new_indicator=BOWEL
    )
    from_parquet = run(store, "good_counts.parquet", BOWEL)
    assert from_parquet.ok, from_parquet.problems
    assert "ignored" not in from_parquet.summary  # no value columns in that file
    pd.testing.assert_frame_equal(from_parquet.frame, from_csv.frame)
    assert (store / "values_user_good_counts.parquet").exists()


def test_value_type_indicator_keeps_its_values(store: Path) -> None:
    report = run(store, "good_life_expectancy_values.csv", LIFE)
    assert report.ok, report.problems
    female = report.frame[report.frame["sex"] == "Female"].iloc[0]
    assert (female["value"], female["lower_ci"], female["upper_ci"]) == (81.6, 81.3, 81.9)
    assert report.frame[["numerator", "denominator"]].isna().all().all()


def test_life_expectancy_inputs_become_value_rows(store: Path) -> None:
    from equity.stats import life_expectancy_by_area

    report = run(store, "good_life_expectancy_inputs.csv", LIFE)
    assert report.ok, report.problems
    assert "phe method" in report.summary.lower()
    frame = report.frame.set_index("area_code")
    assert set(frame.index) == {"E02002844", "E05010478"}
    assert frame.loc["E02002844", "area_type"] == "msoa"
    assert frame.loc["E05010478", "area_type"] == "ward"
    assert (frame[["sex", "age_band", "ethnic_group"]] == "All").all().all()
    # the ward's mortality is 1.6x the MSOA's in every band, so it must live shorter
    assert frame.loc["E05010478", "value"] < frame.loc["E02002844", "value"]
    inputs = pd.read_csv(CORPUS / "good_life_expectancy_inputs.csv")
    direct = life_expectancy_by_area(inputs[inputs["area_code"] == "E02002844"].iloc[:, :4])
    assert frame.loc["E02002844", "value"] == pytest.approx(direct["value"].iloc[0])
    assert (frame["lower_ci"] < frame["value"]).all() and (frame["value"] < frame["upper_ci"]).all()


def test_dry_run_writes_nothing(store: Path) -> None:
    before = sha256_of_every_file(store)
    report = run(store, "good_counts.csv", BOWEL, dry_run=True)
    assert report.ok and "dry run" in report.summary
    assert sha256_of_every_file(store) == before


def test_reingest_replaces_that_indicator_only_and_other_sources_cannot_take_it(
    store: Path,
) -> None:
    assert run(store, "good_counts.csv", BOWEL, source_name="returns").ok
    again = run(store, "good_counts.parquet", BOWEL, source_name="returns")
    assert again.ok, again.problems
    assert len(pd.read_parquet(store / "values_user_returns.parquet")) == len(again.frame)

    before = sha256_of_every_file(store)
    elsewhere = run(store, "good_counts.csv", BOWEL, source_name="someone_else")
    assert not elsewhere.ok
    assert "user:returns" in elsewhere.problems[0].problem
    assert sha256_of_every_file(store) == before


def test_interrupted_first_replace_leaves_the_store_identical(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sha256_of_every_file(store)

    def interrupted(*_args, **_kwargs):
        raise OSError("simulated power cut")

    monkeypatch.setattr(os, "replace", interrupted)
    report = run(store, "good_counts.csv", BOWEL, source_name="earlier")
    monkeypatch.undo()
    assert not report.ok and "simulated power cut" in report.problems[0].problem
    assert sha256_of_every_file(store) == before  # also: no temp or backup files left


@pytest.mark.parametrize("source", ["earlier", "brand_new"])
def test_interrupted_second_replace_rolls_the_first_back(
    store: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """Values are replaced, then the catalog write fails: the values file must be restored."""
    before = sha256_of_every_file(store)
    real_replace = os.replace
    calls = []

    def fail_on_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("simulated crash between the two renames")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_second)
    report = run(store, "good_counts.csv", BOWEL, source_name=source)
    monkeypatch.undo()
    assert not report.ok
    assert len(calls) >= 2  # values replaced, then the catalog failed
    assert sha256_of_every_file(store) == before


def test_two_ingests_at_once_both_land(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ingest reads the catalog, then writes it back with its row; without the lock the
    slower one would overwrite the other's row."""
    real_read_catalog = ingest._read_catalog

    def slow_read_catalog(extracts_dir):
        catalog = real_read_catalog(extracts_dir)
        time.sleep(0.3)
        return catalog

    monkeypatch.setattr(ingest, "_read_catalog", slow_read_catalog)
    start = threading.Barrier(2)
    reports = {}

    def ingest_one(file: str, new_indicator: dict, source: str) -> None:
        start.wait()
        reports[source] = run(store, file, new_indicator, source_name=source)

    threads = [
        threading.Thread(target=ingest_one, args=("good_counts.csv", BOWEL, "bowel")),
        threading.Thread(target=ingest_one, args=("good_life_expectancy_values.csv", LIFE, "life")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert all(report.ok for report in reports.values()), reports
    catalog = pd.read_parquet(store / "indicators.parquet")
    assert {"bowel_screening_local", "life_expectancy_local"} <= set(catalog["indicator_id"])
    assert len(pd.read_parquet(store / "values_user_bowel.parquet")) == 14
    assert len(pd.read_parquet(store / "values_user_life.parquet")) == 3
    assert not [p for p in store.iterdir() if p.name.endswith((".tmp", ".bak"))]


def test_size_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: 60 MB on paper, nothing on disk

    def no_reading(*_args, **_kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    report = ingest.validate_extract(big, AREAS, CATALOG, new_indicator=BOWEL)
    assert not report.ok and "over the 50.0 MB limit" in report.problems[0].problem


def test_new_indicator_flags_are_checked(store: Path) -> None:
    flags = dict(BOWEL, unit="percentage", polarity="up", label="=cmd|' /C calc'!A0")
    report = run(store, "good_counts.csv", flags)
    text = " ".join(problem.problem for problem in report.problems)
    assert "--unit 'percentage'" in text and "--polarity 'up'" in text and "formula" in text
    shipped = run(store, "good_counts.csv", dict(BOWEL, indicator_id="covid_first_dose"))
    assert "shipped indicator" in shipped.problems[0].problem


def test_every_shipped_indicator_id_is_refused() -> None:
    from equity.catalog import catalog_frame

    shipped = catalog_frame()
    for indicator_id in shipped["indicator_id"]:
        report = ingest.validate_extract(
            CORPUS / "good_counts.csv",
            AREAS,
            shipped,
            new_indicator=dict(BOWEL, indicator_id=indicator_id),
        )
        assert not report.ok and "never overwrites" in report.problems[0].problem


def test_unreadable_input_never_raises(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1" + os.urandom(200))
    for path in (garbage, tmp_path / "missing.csv", tmp_path):
        report = ingest.validate_extract(path, AREAS, CATALOG, new_indicator=BOWEL)
        assert not report.ok and report.problems


def test_cli_glue_prints_summary_or_problems(store: Path, capsys: pytest.CaptureFixture) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    ingest.add_ingest_arguments(parser)
    common = ["--extracts-dir", str(store), "--indicator-id", "bowel_screening_local"]
    flags = ["--label", "Bowel (local)", "--unit", "percent", "--polarity", "higher_is_better"]
    ok = ingest.run_ingest(
        parser.parse_args([str(CORPUS / "good_counts.csv"), *common, *flags, "--dry-run"])
    )
    out = capsys.readouterr()
    assert ok == 0 and len(out.out.strip().splitlines()) == 1 and "OK" in out.out
    refused = ingest.run_ingest(
        parser.parse_args([str(CORPUS / "unknown_sex.csv"), *common, *flags])
    )
    out = capsys.readouterr()
    assert refused == 2 and "row 3, column sex" in out.err and "Traceback" not in out.err


# --------------------------------------------------------------------------- margins and rollup

# Two wards of one LA: ward A has LSOAs a1, a2 (MSOA M1); ward B has b1, b2 (MSOA M2).
PARENT_AREAS = pd.DataFrame(
    {
        "area_code": ["L1A1", "L1A2", "L1B1", "L1B2", "W_A", "W_B", "M_1", "M_2", "E06000016"],
        "area_type": ["lsoa"] * 4 + ["ward"] * 2 + ["msoa"] * 2 + ["la"],
        "la_code": ["E06000016"] * 9,
        "ward_code": ["W_A", "W_A", "W_B", "W_B", "W_A", "W_B", None, None, None],
        "msoa_code": ["M_1", "M_1", "M_2", "M_2", None, None, "M_1", "M_2", None],
    }
)
FLU = {
    "indicator_id": "flu_local",
    "label": "Flu",
    "unit": "percent",
    "polarity": "higher_is_better",
}


def lsoa_extract(path: Path, codes: list[str], sexes: list[str]) -> Path:
    rows = []
    for position, code in enumerate(codes):
        for offset, sex in enumerate(sexes):
            denominator = 100 + 10 * position + offset
            rows.append(
                {
                    "indicator_id": "flu_local",
                    "area_code": code,
                    "area_type": "lsoa",
                    "period_start": "2021-01-01",
                    "period_end": "2021-12-31",
                    "sex": sex,
                    "age_band": "65+",
                    "ethnic_group": "All",
                    "numerator": denominator // 2 + position,
                    "denominator": denominator,
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_lsoa_extract_gains_margins_parents_and_wilson_intervals(tmp_path: Path) -> None:
    from equity.stats import wilson_interval

    codes = ["L1A1", "L1A2", "L1B1", "L1B2"]
    path = lsoa_extract(tmp_path / "flu.csv", codes, ["Female", "Male"])
    report = ingest.validate_extract(path, PARENT_AREAS, CATALOG, new_indicator=FLU)
    assert report.ok, report.problems
    frame = report.frame
    source = pd.read_csv(path)

    leaf = frame[frame["area_type"] == "lsoa"]
    by_sex = leaf.pivot_table(index="area_code", columns="sex", values="numerator")
    # the file had no sex 'All': it is added as Female + Male; age band '65+' gets its 'All'
    assert (by_sex["All"] == by_sex["Female"] + by_sex["Male"]).all()
    assert set(frame["age_band"]) == {"65+", "All"}

    for ward, children in (("W_A", ["L1A1", "L1A2"]), ("W_B", ["L1B1", "L1B2"])):
        for sex in ("Female", "Male"):
            expected = source[source["area_code"].isin(children) & (source["sex"] == sex)]
            got = frame[
                (frame["area_code"] == ward) & (frame["sex"] == sex) & (frame["age_band"] == "65+")
            ]
            assert got["area_type"].tolist() == ["ward"]
            assert got["numerator"].iloc[0] == expected["numerator"].sum()
            assert got["denominator"].iloc[0] == expected["denominator"].sum()
    la_all = frame[(frame["area_type"] == "la") & (frame["sex"] == "All")]
    assert set(la_all["numerator"]) == {source["numerator"].sum()}
    assert set(frame.loc[frame["area_type"] == "msoa", "area_code"]) == {"M_1", "M_2"}

    lower, upper = wilson_interval(frame["numerator"], frame["denominator"])
    assert frame["value"].to_numpy() == pytest.approx(
        100 * frame["numerator"] / frame["denominator"]
    )
    assert frame["lower_ci"].to_numpy() == pytest.approx(100 * lower)
    assert frame["upper_ci"].to_numpy() == pytest.approx(100 * upper)
    assert not frame.duplicated(list(schema.KEY_COLUMNS)).any()


def test_rollup_keeps_the_files_own_totals_and_skips_incomplete_parents(tmp_path: Path) -> None:
    # sex already has 'All' rows: no second sex margin; ward B lacks L1B2 so it is not made
    path = lsoa_extract(tmp_path / "flu.csv", ["L1A1", "L1A2", "L1B1"], ["All", "Female", "Male"])
    report = ingest.validate_extract(path, PARENT_AREAS, CATALOG, new_indicator=FLU)
    assert report.ok, report.problems
    frame = report.frame
    source = pd.read_csv(path)
    leaf_all = frame[(frame["area_type"] == "lsoa") & (frame["sex"] == "All")]
    leaf_all = leaf_all[leaf_all["age_band"] == "65+"].set_index("area_code")["numerator"]
    file_all = source[source["sex"] == "All"].set_index("area_code")["numerator"]
    pd.testing.assert_series_equal(
        leaf_all.sort_index(), file_all.sort_index().astype(float), check_names=False
    )
    assert set(frame.loc[frame["area_type"] == "ward", "area_code"]) == {"W_A"}
    assert "la" not in set(frame["area_type"])  # the LA misses L1B2 too
    assert "only partly in the file" in report.summary


def test_accepted_rollup_is_written_as_one_file(tmp_path: Path) -> None:
    store = tmp_path / "extracts"
    store.mkdir()
    PARENT_AREAS.to_parquet(store / "areas.parquet")
    CATALOG.to_parquet(store / "indicators.parquet")
    path = lsoa_extract(tmp_path / "flu.csv", ["L1A1", "L1A2", "L1B1", "L1B2"], ["Female"])
    report = ingest.ingest_file(
        path, store, areas=PARENT_AREAS, catalog=CATALOG, new_indicator=FLU, source_name="flu"
    )
    assert report.ok, report.problems
    written = pd.read_parquet(store / "values_user_flu.parquet")
    assert len(written) == len(report.frame)
    assert set(written["area_type"]) == {"lsoa", "msoa", "ward", "la", "region"}
    assert [p.name for p in store.iterdir() if p.name.startswith("values_")] == [
        "values_user_flu.parquet"
    ]


def test_a_code_shared_by_msoa_2011_and_2021_is_accepted_as_either(tmp_path: Path) -> None:
    areas = pd.DataFrame({"area_code": ["E02002844", "E02002844"], "area_type": ["msoa11", "msoa"]})
    path = tmp_path / "shared.csv"
    rows = values_rows("flu_local", ["E02002844", "E02002844"]).drop(columns=["value"])
    rows["area_type"] = ["msoa", "msoa11"]
    rows[list(schema.REQUIRED_VALUES_COLUMNS) + ["numerator", "denominator"]].to_csv(
        path, index=False
    )
    report = ingest.validate_extract(path, areas, CATALOG, new_indicator=FLU)
    assert report.ok, report.problems
    assert sorted(report.frame["area_type"]) == ["msoa", "msoa11"]
    rows["area_type"] = ["lsoa", "msoa"]
    rows[list(schema.REQUIRED_VALUES_COLUMNS) + ["numerator", "denominator"]].to_csv(
        path, index=False
    )
    refused = ingest.validate_extract(path, areas, CATALOG, new_indicator=FLU)
    assert "write msoa or msoa11" in refused.problems[0].fix
