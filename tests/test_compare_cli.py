"""`python -m equity targets --rank-uncertainty`: the probability column, plain CSV on stdout."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
TARGETS = [
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
    "--all",
    "--format",
    "csv",
]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "equity", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_rank_uncertainty_adds_a_probability_column_that_sums_to_k(extracts_dir):
    result = run_cli(*TARGETS, "--rank-uncertainty", "--k", "3")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))  # stdout is nothing but the CSV
    assert table.columns[-1] == "probability_among_worst"
    chances = table["probability_among_worst"]
    assert chances.between(0, 1).all()
    # Every area of the city is listed (--all), so the chances add up to k.
    assert abs(chances.sum() - 3) < 0.01
    # The lowest uptake is the likeliest to be among the worst three.
    assert chances[table["value"].idxmin()] == chances.max()
    assert chances[table["value"].idxmax()] < 0.01
    assert "among the 3 worst" in result.stderr


def test_rank_uncertainty_is_seeded_and_absent_unless_asked(extracts_dir):
    first = run_cli(*TARGETS, "--rank-uncertainty", "--k", "1")
    second = run_cli(*TARGETS, "--rank-uncertainty", "--k", "1")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    plain = run_cli(*TARGETS)
    assert "probability_among_worst" not in plain.stdout.splitlines()[0]


def test_rank_uncertainty_refuses_k_below_one(extracts_dir):
    result = run_cli(*TARGETS, "--rank-uncertainty", "--k", "0")
    assert result.returncode == 2
    assert "--k must be 1 or more" in result.stderr
    assert result.stdout == ""
