"""Read a table a user supplied (a CSV, or a Parquet file where the caller allows it).

One reader for every upload (ingest's extracts, the planner's venues): size limit, encoding
refusal, delimiter sniffing, ragged rows, header checks and formula injection, each reported
the same way. Bad input never raises: every failure becomes a `Problem` with a spreadsheet
row number (header = row 1, first data row = row 2), the column, what is wrong and what to
do, and `format_problems` writes them as

    FILE, row N, column C: what is wrong — what to do

(`FILE: what is wrong — what to do` for the whole file). Sizes are in decimal units
(1 MB = 1,000,000 bytes).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from equity.config import FORMULA_STARTS

PROBLEMS_SHOWN = 20
# Per check, only this many Problem objects are kept (the total is still counted), so a
# 500,000-row file that is wrong everywhere cannot exhaust memory.
PROBLEMS_KEPT_PER_CHECK = 200
HEADER_ROW = 1
RESAVE_AS_UTF8 = (
    "re-save it as UTF-8: in Excel use Save As > 'CSV UTF-8 (Comma delimited)'; "
    "in a text editor choose encoding UTF-8"
)
SPLIT_FILE = "split it into smaller files (e.g. one per year or per indicator)"
Source = str | Path | bytes | IO[bytes]


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row: header = 1, first data row = 2; None for the whole file
    column: str | None  # the header as written (a spreadsheet letter where it is blank)
    problem: str
    fix: str


class Problems:
    """Problems found so far; a check with thousands of bad rows keeps only the first few."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, problem: str, fix: str) -> None:
        self.total += 1
        self.kept.append(Problem(row, column, problem, fix))

    def add_rows(
        self,
        mask: np.ndarray | pd.Series,
        row_numbers: np.ndarray,
        column: str | None,
        describe: Callable[[int], tuple[str, str]],
    ) -> None:
        """One problem per row under mask; describe(position) gives (problem, fix)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        self.total += len(positions)
        for position in positions[:PROBLEMS_KEPT_PER_CHECK]:
            problem, fix = describe(int(position))
            self.kept.append(Problem(int(row_numbers[position]), column, problem, fix))

    def __bool__(self) -> bool:
        return self.total > 0


def format_problems(
    filename: str | Path,
    problems: list[Problem],
    limit: int = PROBLEMS_SHOWN,
    total: int | None = None,
) -> list[str]:
    """`FILE, row N, column C: problem — fix` lines, the first `limit`, then a count line."""
    total = len(problems) if total is None else max(total, len(problems))
    lines = [
        f"{where(filename, item.row, item.column)}: {item.problem} — {item.fix}"
        for item in problems[:limit]
    ]
    hidden = total - min(limit, len(problems))
    if hidden > 0:
        lines.append(f"… and {hidden} more problem{'s' if hidden != 1 else ''}")
    return lines


def where(filename: str | Path, row: int | None = None, column: str | None = None) -> str:
    """`FILE`, `FILE, row N` or `FILE, row N, column C`: the start of every problem line."""
    parts = [str(filename)]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column}")
    return ", ".join(parts)


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_label(header: list[str], index: int) -> str:
    """The header as written, or the spreadsheet letter where the header cell is blank."""
    name = header[index].strip() if index < len(header) else ""
    return name or column_letter(index)


# --------------------------------------------------------------------------- the table


@dataclass
class Table:
    header: list[str]  # stripped, as written (case kept)
    frame: pd.DataFrame  # object columns 0..n-1, raw cells (str for CSV; None for blank Parquet)
    row_numbers: np.ndarray  # spreadsheet row of each frame row

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row, cells as stripped text, one per header column) for each row."""
        for row_number, cells in zip(
            self.row_numbers, self.frame.itertuples(index=False, name=None), strict=True
        ):
            yield int(row_number), ["" if is_blank(cell) else str(cell).strip() for cell in cells]

    def column(self, position: int) -> pd.Series:
        return self.frame.iloc[:, position].reset_index(drop=True)


def read_table(
    source: Source,
    problems: Problems,
    *,
    filename: str | None = None,
    max_bytes: int,
    parquet: bool = False,
    pad_short_rows: bool = False,
    too_large_fix: str = SPLIT_FILE,
) -> Table | None:
    """The table in `source` (a path, bytes or a binary file object), or None with problems.

    `parquet` also accepts Parquet files (recognised by their PAR1 signature).
    `pad_short_rows` treats missing trailing cells as blank instead of refusing the row.
    A path's size is checked before it is read; a stream is read to at most max_bytes + 1.
    """
    filename = filename or source_name(source)
    raw = _read_limited(source, max_bytes, problems, too_large_fix)
    if raw is None:
        return None
    if raw.startswith(b"PAR1"):
        if parquet:
            return _read_parquet(raw, problems)
        problems.add(
            None,
            None,
            "this is a Parquet file, not a CSV",
            "save it as CSV UTF-8 (comma-separated)",
        )
        return None
    if parquet and filename.lower().endswith(".parquet"):
        problems.add(
            None,
            None,
            "file ends in .parquet but is not a Parquet file (no PAR1 signature)",
            "export it again as Parquet, or save it as CSV UTF-8 with a .csv name",
        )
        return None
    if raw.startswith(b"PK\x03\x04"):
        problems.add(
            None,
            None,
            "this is an Excel workbook (or another zip file), not a CSV",
            "open it in Excel and use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'",
        )
        return None
    text = _decode(raw, problems)
    if text is None:
        return None
    return _parse_csv(text, problems, pad_short_rows)


def source_name(source: Source) -> str:
    """The file name a problem line starts with."""
    if isinstance(source, (str, Path)):
        return Path(source).name
    if isinstance(source, bytes):
        return "upload.csv"
    return Path(getattr(source, "name", "") or "upload.csv").name


def _read_limited(
    source: Source, max_bytes: int, problems: Problems, too_large_fix: str
) -> bytes | None:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            problems.add(None, None, "file not found", "check the path and file name")
            return None
        except OSError as exc:
            problems.add(
                None,
                None,
                f"cannot open the file ({exc.strerror})",
                "check the path and its permissions",
            )
            return None
        if not path.is_file():
            problems.add(None, None, "is not a file", "give the path of a file")
            return None
        if size > max_bytes:  # checked before reading, so a huge file costs nothing
            _too_large(size, max_bytes, problems, too_large_fix)
            return None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.add(
                None,
                None,
                f"cannot read the file ({exc.strerror or exc})",
                "check the file's permissions",
            )
            return None
    elif isinstance(source, bytes):
        raw = source
    else:
        raw = source.read(max_bytes + 1)
    if len(raw) > max_bytes:
        # a stream was read only to max_bytes + 1, so its full size is unknown
        _too_large(
            len(raw) if isinstance(source, bytes) else None, max_bytes, problems, too_large_fix
        )
        return None
    if not raw:
        problems.add(
            None,
            None,
            "file is empty (0 bytes)",
            "export again: the file needs a header row and data rows",
        )
        return None
    return raw


def _too_large(size: int | None, max_bytes: int, problems: Problems, fix: str) -> None:
    limit = f"the {size_text(max_bytes)} limit"
    problem = f"file is {size_text(size)}, over {limit}" if size else f"file is over {limit}"
    problems.add(None, None, problem, fix)


def _decode(raw: bytes, problems: Problems) -> str | None:
    """UTF-8 text (Excel's BOM dropped), or None with the encoding named and how to re-save."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16 (little-endian, with BOM)"),
        (codecs.BOM_UTF16_BE, "UTF-16 (big-endian, with BOM)"),
    ):
        if raw.startswith(bom):
            problems.add(None, None, f"file is encoded as {name}, not UTF-8", RESAVE_AS_UTF8)
            return None
    if b"\x00" in raw[:4096]:
        problems.add(
            None,
            None,
            "file contains NUL bytes: it looks like UTF-16 without a BOM, not UTF-8",
            RESAVE_AS_UTF8,
        )
        return None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]  # Excel's "CSV UTF-8" writes this BOM; it is fine
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8")
        row, column_index = _position_in_csv(prefix)
        header = next(csv.reader(io.StringIO(prefix.split("\n", 1)[0])), [])
        column = column_label(header, column_index) if row > HEADER_ROW else None
        bad = raw[exc.start : exc.start + 1]
        try:
            raw.decode("cp1252")
            guess = "Windows-1252 (latin-1)"
        except UnicodeDecodeError:
            guess = "latin-1 (ISO-8859-1)"
        problems.add(
            row,
            column,
            f"byte 0x{bad.hex().upper()} ('{bad.decode('latin-1')}' in {guess}) is not UTF-8: "
            f"the file is saved as {guess}, not UTF-8",
            RESAVE_AS_UTF8,
        )
        return None


def _position_in_csv(prefix: str) -> tuple[int, int]:
    """Spreadsheet row (1-based) and column index (0-based) at the end of a CSV prefix."""
    # The sentinel keeps a final empty field (and an ending newline) visible to the parser;
    # a quoted cell spanning lines counts as one row, as a spreadsheet shows it.
    records = list(csv.reader(io.StringIO(prefix + "\x00", newline="")))
    if not records:
        return HEADER_ROW, 0
    return len(records), len(records[-1]) - 1


def _parse_csv(text: str, problems: Problems, pad_short_rows: bool) -> Table | None:
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        problems.add(
            HEADER_ROW,
            None,
            "the first row is blank: there is no header",
            "put the column names in row 1",
        )
        return None
    if "," not in first_line:
        for delimiter, name in (
            (";", "semicolons (;)"),
            ("\t", "tabs"),
            ("|", "vertical bars (|)"),
        ):
            if delimiter in first_line:
                problems.add(
                    HEADER_ROW,
                    None,
                    f"columns are separated by {name}, not commas",
                    "re-save as comma-separated CSV (Excel: 'CSV UTF-8 (Comma delimited)'; "
                    "in LibreOffice set the field delimiter to ',')",
                )
                return None
    try:
        # strict: a stray quote is refused rather than silently swallowing the rest of a row
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        problems.add(
            None,
            None,
            f"not a readable CSV ({exc})",
            'check for an unclosed or stray quote (") in a text cell',
        )
        return None
    header = [name.strip() for name in records[0]]
    width = len(header)
    cells: list[list[str]] = []
    row_numbers: list[int] = []
    for row_number, record in enumerate(records[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in record):
            continue  # blank rows (often trailing) carry nothing
        if len(record) < width and pad_short_rows:
            record = record + [""] * (width - len(record))
        if len(record) != width:
            problems.add(
                row_number,
                None,
                f"row has {len(record)} cells but the header has {width}",
                "a text cell probably contains a comma: put that cell in double quotes"
                if len(record) > width
                else "fill in the missing cells: every row needs one cell per column",
            )
            continue
        cells.append(record)
        row_numbers.append(row_number)
    frame = pd.DataFrame(cells, columns=range(width), dtype=object)
    return Table(header, frame, np.asarray(row_numbers, dtype=np.int64))


def _read_parquet(raw: bytes, problems: Problems) -> Table | None:
    try:
        frame = pq.read_table(io.BytesIO(raw)).to_pandas()
    except Exception as exc:  # pyarrow raises several types for corrupt files
        problems.add(
            None,
            None,
            f"cannot read the Parquet file ({type(exc).__name__}: {exc})",
            "export it again as Parquet, or save it as CSV UTF-8",
        )
        return None
    header = [str(name).strip() for name in frame.columns]
    cells = frame.astype(object).where(frame.notna(), None)
    cells.columns = range(len(header))
    return Table(header, cells, np.arange(HEADER_ROW + 1, len(cells) + HEADER_ROW + 1))


def is_blank(value: object) -> bool:
    """None, NaN, NaT or whitespace-only text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


# --------------------------------------------------------------------------- header checks


def check_header(
    header: list[str],
    problems: Problems,
    *,
    required: tuple[str, ...] = (),
    optional: tuple[str, ...] | None = (),
    missing_hint: Callable[[str], str] = lambda name: f"add a column named '{name}'",
    ignore_case: bool = False,
) -> None:
    """Duplicate, unnamed, unexpected (with a did-you-mean) and missing columns, on row 1.

    `optional=None` allows any other column (they are ignored); `ignore_case` matches
    headers to names case-insensitively (the names themselves are given in lower case).
    """
    names = [name.lower() for name in header] if ignore_case else list(header)
    known = list(required) + list(optional or ())
    seen: set[str] = set()
    for written, name in zip(header, names, strict=True):
        if name and name in seen:
            problems.add(
                HEADER_ROW,
                written,
                f"column '{written}' appears twice",
                "delete or rename one of them",
            )
        seen.add(name)
    missing = [name for name in required if name not in seen]
    explained: set[str] = set()
    for index, (written, name) in enumerate(zip(header, names, strict=True)):
        if not name:
            if optional is not None:
                problems.add(
                    HEADER_ROW,
                    column_letter(index),
                    "a column has no name",
                    "give it one of the expected names, or delete it",
                )
            continue
        if optional is None or name in known:
            continue
        absent = [candidate for candidate in known if candidate not in seen]
        suggestion = nearest(name.lower(), absent) or nearest(name.lower(), known)
        if suggestion and suggestion not in seen:
            explained.add(suggestion)
            problems.add(
                HEADER_ROW,
                written,
                f"unexpected column '{written}' (did you mean '{suggestion}'?)",
                f"rename it to '{suggestion}'",
            )
        elif suggestion:
            problems.add(
                HEADER_ROW,
                written,
                f"unexpected column '{written}' ('{suggestion}' is already there)",
                "delete this column",
            )
        else:
            problems.add(
                HEADER_ROW,
                written,
                f"unexpected column '{written}'",
                f"delete it; the expected columns are {', '.join(known)}",
            )
    for name in missing:
        if name not in explained:
            problems.add(HEADER_ROW, name, f"missing column '{name}'", missing_hint(name))


def nearest(word: str, candidates: list[str], cutoff: float = 0.6) -> str | None:
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return found[0] if found else None


# --------------------------------------------------------------------------- formula injection


def starts_like_formula(text: object) -> bool:
    """Text a spreadsheet would run as a formula (config.FORMULA_STARTS)."""
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def formula_mask(cells: pd.Series) -> np.ndarray:
    """Which cells start like a formula (tested once per distinct cell: files repeat them)."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    flagged = np.array([starts_like_formula(value) for value in uniques] + [False], dtype=bool)
    return flagged[codes]  # code -1 (missing) picks the final False


def formula_problem(text: str, what: str = "text") -> tuple[str, str]:
    """(problem, fix) for a cell or field that starts like a formula.

    Only the first character is shown: the formula itself is never echoed back."""
    shown = {"\t": "a tab", "\r": "a carriage return"}.get(text[0], f"'{text[0]}'")
    return (
        f"{what} starts with {shown}, which spreadsheets run as a formula (formula injection)",
        "remove the leading = + - @ (or the whole formula) and write the plain text",
    )
