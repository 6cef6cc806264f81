"""The one reader for uploaded tables: limits, encodings, delimiters, rows, headers, formulas,
and the one problem-line convention ("FILE, row N, column C: what is wrong — what to do")."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from equity import tables

PLANNER_FIXTURES = Path(__file__).resolve().parent / "data" / "planner"


def read(source, **kwargs) -> tuple[tables.Table | None, list[tables.Problem]]:
    problems = tables.Problems()
    kwargs.setdefault("max_bytes", 1_000_000)
    table = tables.read_table(source, problems, **kwargs)
    return table, problems.kept


def test_problem_lines_follow_one_convention() -> None:
    problems = [
        tables.Problem(3, "latitude", "not a number", "type decimal degrees"),
        tables.Problem(1, None, "columns are separated by tabs", "re-save as CSV"),
        tables.Problem(None, None, "file is empty", "export again"),
    ]
    assert tables.format_problems("v.csv", problems) == [
        "v.csv, row 3, column latitude: not a number — type decimal degrees",
        "v.csv, row 1: columns are separated by tabs — re-save as CSV",
        "v.csv: file is empty — export again",
    ]
    many = [tables.Problem(row, "x", "bad", "fix") for row in range(2, 30)]
    lines = tables.format_problems("v.csv", many, total=40)
    assert len(lines) == tables.PROBLEMS_SHOWN + 1 and lines[-1] == "… and 20 more problems"


def test_bytes_stream_and_path_give_the_same_table(tmp_path: Path) -> None:
    content = b"\xef\xbb\xbfname, postcode\nHall ,LE2 0TA\n\n,\nClinic,LE1 2NZ\n"
    path = tmp_path / "venues.csv"
    path.write_bytes(content)
    stream = io.BytesIO(content)
    stream.name = "uploaded.csv"
    for source in (content, stream, path):
        table, problems = read(source)
        assert problems == []
        assert table.header == ["name", "postcode"]  # BOM dropped, names stripped
        # blank rows are skipped; rows keep their spreadsheet numbers
        assert list(table.records()) == [(2, ["Hall", "LE2 0TA"]), (5, ["Clinic", "LE1 2NZ"])]
    assert tables.source_name(stream) == "uploaded.csv"
    assert tables.source_name(path) == "venues.csv"


def test_size_limit_in_decimal_units_for_streams_and_bytes() -> None:
    content = b"name,postcode\n" + b"Hall,LE2 0TA\n" * 20_000  # 260,014 bytes
    _, problems = read(content, max_bytes=200_000, too_large_fix="keep fewer columns")
    assert [(p.row, p.column) for p in problems] == [(None, None)]
    assert problems[0].problem == "file is 0.3 MB, over the 0.2 MB limit"
    assert problems[0].fix == "keep fewer columns"
    _, problems = read(io.BytesIO(content), max_bytes=200_000)
    assert problems[0].problem == "file is over the 0.2 MB limit"  # a stream is not read whole
    _, problems = read(b"")
    assert "empty" in problems[0].problem


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("name,x\n".encode("utf-16"), ("utf-16", "not utf-8")),
        (b"n\x00a\x00m\x00e\x00", ("nul bytes", "utf-16")),
        (b"PK\x03\x04rest", ("excel workbook",)),
        (b"PAR1rest", ("parquet file, not a csv",)),
    ],
)
def test_files_that_are_not_utf8_csv_are_refused_by_kind(content: bytes, words) -> None:
    table, problems = read(content)
    assert table is None and len(problems) == 1
    text = f"{problems[0].problem} — {problems[0].fix}".lower()
    assert all(word in text for word in words), text


def test_a_bad_byte_is_located_by_spreadsheet_row_and_column_header() -> None:
    # The latin-1 "é" is in row 3, third column, after a quoted name holding a comma.
    table, problems = read(PLANNER_FIXTURES / "bad_latin1.csv")
    assert table is None
    assert (problems[0].row, problems[0].column) == (3, "notes")
    assert "0xE9" in problems[0].problem and "'é'" in problems[0].problem
    assert problems[0].fix == tables.RESAVE_AS_UTF8


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs"), ("|", "bars")]
)
def test_other_delimiters_are_named(delimiter: str, name: str) -> None:
    content = f"name{delimiter}postcode\nHall{delimiter}LE2 0TA\n".encode()
    table, problems = read(content)
    assert table is None and (problems[0].row, problems[0].column) == (1, None)
    assert name in problems[0].problem and "comma-separated" in problems[0].fix


def test_stray_quotes_are_refused_not_swallowed() -> None:
    table, problems = read(b'name,postcode\n"Hall,LE2 0TA\nClinic,LE1 2NZ\n')
    assert table is None and "not a readable CSV" in problems[0].problem


def test_ragged_rows_are_refused_or_padded() -> None:
    content = b"name,postcode,notes\nHall,LE2 0TA\nClinic,LE1 2NZ,x,y\n"
    table, problems = read(content)
    assert [(p.row, p.problem) for p in problems] == [
        (2, "row has 2 cells but the header has 3"),
        (3, "row has 4 cells but the header has 3"),
    ]
    assert "missing cells" in problems[0].fix and "double quotes" in problems[1].fix
    assert len(table.frame) == 0
    table, problems = read(content, pad_short_rows=True)
    assert [p.row for p in problems] == [3]
    assert list(table.records()) == [(2, ["Hall", "LE2 0TA", ""])]


def test_parquet_only_where_the_caller_allows_it(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"name": ["Hall", None], "n": [1, 2]}), path)
    table, problems = read(path, parquet=True)
    assert problems == [] and table.header == ["name", "n"]
    assert list(table.records()) == [(2, ["Hall", "1"]), (3, ["", "2"])]
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"name\nHall\n")
    _, problems = read(fake, parquet=True)
    assert "not a Parquet file" in problems[0].problem


def test_header_checks() -> None:
    problems = tables.Problems()
    tables.check_header(
        ["area_code", "numerater", "area_code", "", "notes"],
        problems,
        required=("area_code", "numerator", "denominator"),
        optional=("value",),
    )
    found = {(p.row, p.column): p.problem for p in problems.kept}
    assert found == {
        (1, "area_code"): "column 'area_code' appears twice",
        (1, "numerater"): "unexpected column 'numerater' (did you mean 'numerator'?)",
        (1, "D"): "a column has no name",
        (1, "notes"): "unexpected column 'notes'",
        (1, "denominator"): "missing column 'denominator'",
    }


def test_header_checks_for_a_file_that_may_carry_other_columns() -> None:
    problems = tables.Problems()
    tables.check_header(
        ["Name", "NAME", "Postcode", "notes", ""],
        problems,
        required=("name",),
        optional=None,
        ignore_case=True,
    )
    assert [(p.column, p.problem) for p in problems.kept] == [
        ("NAME", "column 'NAME' appears twice")
    ]
    problems = tables.Problems()
    tables.check_header(["postcode"], problems, required=("name",), optional=None)
    assert [(p.column, p.problem) for p in problems.kept] == [("name", "missing column 'name'")]


def test_formula_cells_are_found_and_explained() -> None:
    cells = pd.Series(["=1+1", "Hall", None, "@SUM(A1)", "=1+1", "-3", "\tx", "a=b"], dtype=object)
    assert tables.formula_mask(cells).tolist() == [
        True,
        False,
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    assert not tables.starts_like_formula(None) and tables.starts_like_formula("+44")
    problem, fix = tables.formula_problem('=HYPERLINK("http://example.com")', "the name")
    assert problem.startswith("the name starts with '='") and "formula injection" in problem
    assert "HYPERLINK" not in problem and "remove the leading" in fix
    assert "a tab" in tables.formula_problem("\tx")[0]


def test_problems_keep_a_few_per_check_but_count_all() -> None:
    problems = tables.Problems()
    mask = np.ones(1000, dtype=bool)
    problems.add_rows(mask, np.arange(2, 1002), "x", lambda p: (f"bad {p}", "fix"))
    assert problems.total == 1000 and len(problems.kept) == tables.PROBLEMS_KEPT_PER_CHECK
    assert problems.kept[0] == tables.Problem(2, "x", "bad 0", "fix")


def test_column_letters() -> None:
    assert [tables.column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_missing_unreadable_and_folder_paths_are_problems_not_exceptions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, problems = read(tmp_path / "nowhere.csv")
    assert problems[0].problem == "file not found"
    _, problems = read(tmp_path)
    assert problems[0].problem == "is not a file"
    locked = tmp_path / "locked.csv"
    locked.write_bytes(b"name\nHall\n")

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    _, problems = read(locked)
    assert problems[0].problem == "cannot read the file (Permission denied)"
