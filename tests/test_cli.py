"""The command line: ranking targets and computing life expectancy, as scripts use them."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "equity", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_targets_csv_puts_st_matthews_in_the_top_three(extracts_dir):
    result = run_cli(
        "targets",
        "--indicator",
        "covid_first_dose",
        "--age-band",
        "50+",
        "--date",
        "2021-03-25",
        "--level",
        "msoa",
        "--area",
        "E06000016",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert header[:11] == [
        "rank",
        "area_code",
        "area_name",
        "value",
        "lower_ci",
        "upper_ci",
        "numerator",
        "denominator",
        "people_missed",
        "comparison",
        "is_synthetic",
    ]
    table = pd.read_csv(io.StringIO(result.stdout))
    top_three = table.head(3)
    assert "E02002844" in set(top_three["area_code"])
    st_matthews = table.set_index("area_code").loc["E02002844"]
    assert st_matthews["area_name"] == "St Matthews & Highfields North"
    assert st_matthews["value"] == pytest.approx(64.31, abs=0.01)
    assert st_matthews["lower_ci"] < st_matthews["value"] < st_matthews["upper_ci"]
    assert st_matthews["people_missed"] == st_matthews["denominator"] - st_matthews["numerator"]
    assert st_matthews["comparison"] == "lower"
    assert not table["is_synthetic"].any()
    # Ranked by people missed among significantly-lower areas; every row is "lower".
    assert (table["comparison"] == "lower").all()
    assert table["people_missed"].is_monotonic_decreasing
    assert table["rank"].tolist() == list(range(1, len(table) + 1))


def test_targets_date_picks_the_latest_period_on_or_before(extracts_dir):
    march = run_cli(
        "targets",
        "--indicator",
        "covid_first_dose",
        "--age-band",
        "50+",
        "--date",
        "2021-06-30",
        "--format",
        "csv",
        "--all",
    )
    july = run_cli(
        "targets",
        "--indicator",
        "covid_first_dose",
        "--age-band",
        "50+",
        "--date",
        "2021-07-15",
        "--format",
        "csv",
        "--all",
    )
    assert march.returncode == 0 and july.returncode == 0
    march_table = pd.read_csv(io.StringIO(march.stdout))
    july_table = pd.read_csv(io.StringIO(july.stdout))
    assert set(march_table["period_end"]) == {"2021-03-25"}
    assert set(july_table["period_end"]) == {"2021-07-15"}
    assert len(march_table) == 38  # --all lists every city MSOA


def test_targets_ward_level_is_flagged_as_modelled(extracts_dir):
    result = run_cli(
        "targets",
        "--indicator",
        "covid_first_dose",
        "--age-band",
        "50+",
        "--date",
        "2021-03-25",
        "--level",
        "ward",
        "--format",
        "csv",
        "--all",
    )
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 21
    assert table["is_modelled"].all()
    # stdout is plain CSV (header first); the MODELLED badge is a note on stderr.
    assert result.stdout.startswith("rank,area_code,")
    assert "note: MODELLED" in result.stderr


def test_targets_unknown_indicator_is_a_clear_error(extracts_dir):
    result = run_cli("targets", "--indicator", "nonsense", "--date", "2021-03-25")
    assert result.returncode == 2
    assert "unknown indicator 'nonsense'" in result.stderr
    assert "Traceback" not in result.stderr


def test_life_expectancy_command_matches_the_phe_reference(tmp_path):
    reference = pd.read_csv(REFERENCE / "life_expectancy_input.csv")
    expected = pd.read_csv(REFERENCE / "life_expectancy_expected.csv")
    cases = ["main", "widecis_area2", "low_pops"]
    data = reference[reference["case_id"].isin(cases)].rename(
        columns={"case_id": "area_code", "startage": "age_band_start"}
    )
    path = tmp_path / "deaths.csv"
    data.to_csv(path, index=False)
    result = run_cli("life-expectancy", str(path))
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(io.StringIO(result.stdout)).set_index("area_code")
    assert list(out.columns) == ["value", "lower_ci", "upper_ci"]
    at_birth = expected[expected["le_age"] == 0].set_index("case_id")
    assert out.loc["main", "value"] == pytest.approx(at_birth.loc["main", "value"], abs=1e-4)
    assert out.loc["main", "lower_ci"] == pytest.approx(at_birth.loc["main", "lowercl"], abs=1e-4)
    assert pd.isna(out.loc["low_pops", "value"])  # under 5,000 person-years: withheld
    # widecis_area2 at birth is computed (its CI is under 20 years there)
    assert out.loc["widecis_area2", "value"] == pytest.approx(
        at_birth.loc["widecis_area2", "value"], abs=1e-4
    )


def test_life_expectancy_command_names_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("area,deaths\nX,1\n")
    result = run_cli("life-expectancy", str(path))
    assert result.returncode == 2
    assert "missing column(s) area_code, age_band_start, population" in result.stderr


def test_the_package_does_not_import_its_benchmark():
    """`python -m equity bench` hands over to `python -m bench`, imported only then."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, equity.cli, equity.trends, equity.planner.plan; "
         "print(sorted(m for m in sys.modules if m == 'bench' or m.startswith('bench.')))"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
    result = run_cli("bench", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: python -m bench" in result.stdout and "--quick" in result.stdout
