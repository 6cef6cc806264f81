"""Write the ingestion test corpus: good files and one bad file per problem (plus combinations).

Run `.venv/bin/python tests/data/ingest/make_corpus.py`; the output is deterministic and the
generated files are committed. tests/test_ingest.py states what each file must produce.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # run as a script from anywhere: import equity

from equity.ingest import LE_REQUIRED_COLUMNS  # noqa: E402
from equity.schema import FLAG_COLUMNS, VALUES_COLUMNS  # noqa: E402

# A user's file: the values columns without the flags (blank flags mean false).
HEADER = [name for name in VALUES_COLUMNS if name not in FLAG_COLUMNS]
COUNT_INDICATOR = "bowel_screening_local"
LE_INDICATOR = "life_expectancy_local"
LSOAS = ("E01013742", "E01013601", "E01013655", "E01013700")
LE_AREAS = (("E02002844", 1.0), ("E05010478", 1.6))  # (code, mortality multiplier)
LE_BANDS = (0, 1, *range(5, 95, 5))


def good_count_rows() -> list[list[str]]:
    """Bowel screening returns: 4 LSOAs x (All, Female, Male), one Somali row, an MSOA total."""
    rows = []
    for index, code in enumerate(LSOAS):
        for sex, eligible in (("All", 800 + 37 * index), ("Female", 410 + 19 * index)):
            screened = eligible * (55 + 3 * index) // 100
            rows.append(
                [COUNT_INDICATOR, code, "lsoa", "2021-04-01", "2022-03-31", sex, "60-74", "All"]
                + [str(screened), str(eligible), f"{100 * screened / eligible:.1f}", "", ""]
            )
        male_eligible = 800 + 37 * index - (410 + 19 * index)
        male_screened = male_eligible * (50 + 3 * index) // 100
        rows.append(
            [COUNT_INDICATOR, code, "lsoa", "2021-04-01", "2022-03-31", "Male", "60-74", "All"]
            + [str(male_screened), str(male_eligible), "", "", ""]
        )
    rows.append(
        [COUNT_INDICATOR, "E01013742", "lsoa", "2021-04-01", "2022-03-31", "All", "60-74", "Somali"]
        + ["12", "40", "30.0", "", ""]
    )
    rows.append(
        [COUNT_INDICATOR, "E02002844", "msoa", "2021-04-01", "2022-03-31", "All", "All", "All"]
        + ["1800", "3200", "", "", ""]
    )
    return rows


def good_le_value_rows() -> list[list[str]]:
    return [
        [LE_INDICATOR, "E06000016", "la", "2017-01-01", "2019-12-31", "Female", "All", "All"]
        + ["", "", "81.6", "81.3", "81.9"],
        [LE_INDICATOR, "E06000016", "la", "2017-01-01", "2019-12-31", "Male", "All", "All"]
        + ["", "", "77.4", "77.1", "77.7"],
        [LE_INDICATOR, "E02002844", "msoa", "2017-01-01", "2019-12-31", "All", "All", "All"]
        + ["", "", "76.2", "74.9", "77.5"],
    ]


def le_input_rows(drop_final_band_of: str | None = None) -> list[list[str]]:
    """Deaths and population by 5-year band (0, 1-4, 5-9, …, 90+) for two areas, 2017-2019."""
    rows = []
    for code, multiplier in LE_AREAS:
        for band in LE_BANDS:
            if code == drop_final_band_of and band == 90:
                continue
            population = 2600 if band == 0 else 10400 if band == 1 else 13000 - 90 * band
            rate = 0.004 if band == 0 else 0.0002 * 1.095**band
            deaths = round(population * min(rate * multiplier, 0.9))
            rows.append([code, str(band), str(deaths), str(population), "2017-01-01", "2019-12-31"])
    return rows


LE_INPUT_HEADER = [*LE_REQUIRED_COLUMNS, "period_start", "period_end"]


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def with_cell(rows: list[list[str]], sheet_row: int, column: str, value: str) -> list[list[str]]:
    """Copy of rows with one cell changed; sheet_row counts the header as row 1."""
    changed = [list(row) for row in rows]
    changed[sheet_row - 2][HEADER.index(column)] = value
    return changed


def without_column(header: list[str], rows: list[list[str]], column: str):
    position = header.index(column)
    return (
        [name for name in header if name != column],
        [[cell for i, cell in enumerate(row) if i != position] for row in rows],
    )


def corpus() -> dict[str, bytes]:
    good = good_count_rows()
    files: dict[str, str | bytes] = {}
    files["good_counts.csv"] = csv_text(HEADER, good)
    files["good_life_expectancy_values.csv"] = csv_text(HEADER, good_le_value_rows())
    files["good_life_expectancy_inputs.csv"] = csv_text(LE_INPUT_HEADER, le_input_rows())

    files["missing_column.csv"] = csv_text(*without_column(HEADER, good, "denominator"))
    files["renamed_column.csv"] = csv_text(
        [("areacode" if name == "area_code" else name) for name in HEADER], good
    )
    files["extra_column.csv"] = csv_text(HEADER + ["notes"], [row + ["checked"] for row in good])
    files["wrong_type.csv"] = csv_text(HEADER, with_cell(good, 4, "numerator", "twelve"))
    files["bad_date.csv"] = csv_text(HEADER, with_cell(good, 3, "period_start", "2021-02-30"))
    reversed_rows = with_cell(good, 5, "period_start", "2022-04-01")
    files["period_reversed.csv"] = csv_text(HEADER, reversed_rows)
    files["negative_count.csv"] = csv_text(HEADER, with_cell(good, 6, "numerator", "-3"))
    files["numerator_over_denominator.csv"] = csv_text(
        HEADER, with_cell(with_cell(good, 3, "numerator", "900"), 3, "denominator", "800")
    )
    files["value_out_of_range.csv"] = csv_text(
        HEADER, with_cell(good_le_value_rows(), 3, "value", "150")
    )
    files["unknown_area.csv"] = csv_text(HEADER, with_cell(good, 4, "area_code", "E01013724"))
    files["area_type_mismatch.csv"] = csv_text(HEADER, with_cell(good, 2, "area_code", "E02002844"))
    files["unknown_sex.csv"] = csv_text(HEADER, with_cell(good, 3, "sex", "F"))
    files["bad_age_band.csv"] = csv_text(HEADER, with_cell(good, 7, "age_band", "60 to 74"))
    files["null_category.csv"] = csv_text(HEADER, with_cell(good, 2, "sex", "NULL"))
    files["empty_ethnic_group.csv"] = csv_text(HEADER, with_cell(good, 4, "ethnic_group", ""))
    duplicated = [list(row) for row in good]
    duplicated[6 - 2] = list(good[3 - 2])
    files["duplicate_keys.csv"] = csv_text(HEADER, duplicated)
    files["empty.csv"] = b""
    files["header_only.csv"] = csv_text(HEADER, [])
    files["utf16.csv"] = csv_text(HEADER, good).encode("utf-16")  # Python writes a BOM
    files["latin1.csv"] = csv_text(
        HEADER, with_cell(good, 3, "ethnic_group", "Roma (Rómani)")
    ).encode("latin-1")
    files["semicolon.csv"] = csv_text(HEADER, good, delimiter=";")
    files["tab_separated.csv"] = csv_text(HEADER, good, delimiter="\t")
    files["too_large.csv"] = csv_text(HEADER, good * 4)  # good content; the test lowers the limit
    files["formula_injection.csv"] = csv_text(
        HEADER, with_cell(good, 4, "ethnic_group", '=HYPERLINK("http://example.com","Asian")')
    )
    files["shipped_collision.csv"] = csv_text(
        HEADER, [["covid_first_dose_demo"] + row[1:] for row in good]
    )
    files["missing_count.csv"] = csv_text(HEADER, with_cell(good, 5, "denominator", ""))
    files["unknown_indicator.csv"] = csv_text(HEADER, good)  # tested without the catalog flags
    files["not_parquet.parquet"] = csv_text(HEADER, good)
    ragged = csv_text(HEADER, good).splitlines()
    ragged[3] = ragged[3].replace(",All,", ",Asian, Indian,", 1)  # sheet row 4, unquoted comma
    files["ragged_row.csv"] = "\n".join(ragged) + "\n"
    files["bad_flag.csv"] = csv_text(
        HEADER + ["is_synthetic"],
        [row + ["maybe" if i == 1 else "false"] for i, row in enumerate(good)],
    )
    files["le_missing_band.csv"] = csv_text(
        LE_INPUT_HEADER, le_input_rows(drop_final_band_of="E05010478")
    )

    # accepted before the stricter checks: half a person, nobody to divide by, a value that
    # is not what its own counts give (140% where 656 / 800 is 82%)
    files["fractional_count.csv"] = csv_text(HEADER, with_cell(good, 4, "numerator", "12.5"))
    files["zero_denominator.csv"] = csv_text(
        HEADER, with_cell(with_cell(good, 4, "numerator", "0"), 4, "denominator", "0")
    )
    files["value_disagrees_with_counts.csv"] = csv_text(
        HEADER, with_cell(with_cell(good, 2, "numerator", "656"), 2, "value", "140.0")
    )

    # combination 1: one row wrong four ways (type, date, formula, area)
    combo = with_cell(good, 5, "numerator", "n/a")
    combo = with_cell(combo, 5, "period_end", "31/13/2022")
    combo = with_cell(combo, 5, "ethnic_group", "@SUM(A1:A9)")
    combo = with_cell(combo, 5, "area_code", "E0101")
    files["combo_one_row.csv"] = csv_text(HEADER, combo)
    # combination 2: more problems than are shown (every numerator over its denominator + bad sex)
    many = [row[:8] + [str(int(row[9]) + 1), row[9]] + row[10:] for row in good]
    many = many + [
        [COUNT_INDICATOR, "E01013742", "lsoa", f"2020-{month:02d}-01", f"2020-{month:02d}-28"]
        + ["All", "All", "All", "50", "10", "", "", ""]
        for month in range(1, 13)
    ]
    many = with_cell(many, 3, "sex", "women")
    files["combo_many_problems.csv"] = csv_text(HEADER, many)
    return {
        name: text.encode("utf-8") if isinstance(text, str) else text
        for name, text in files.items()
    }


def good_parquet_table() -> pa.Table:
    """The good counts as typed Parquet: real dates and integers, no value columns."""
    rows = good_count_rows()
    columns = list(zip(*rows, strict=True))
    by_name = dict(zip(HEADER, columns, strict=True))
    from datetime import date

    def as_date(text: str) -> date:
        return date.fromisoformat(text)

    return pa.table(
        {
            "indicator_id": pa.array(by_name["indicator_id"]),
            "area_code": pa.array(by_name["area_code"]),
            "area_type": pa.array(by_name["area_type"]),
            "period_start": pa.array([as_date(v) for v in by_name["period_start"]], pa.date32()),
            "period_end": pa.array([as_date(v) for v in by_name["period_end"]], pa.date32()),
            "sex": pa.array(by_name["sex"]),
            "age_band": pa.array(by_name["age_band"]),
            "ethnic_group": pa.array(by_name["ethnic_group"]),
            "numerator": pa.array([int(v) for v in by_name["numerator"]], pa.int64()),
            "denominator": pa.array([int(v) for v in by_name["denominator"]], pa.int64()),
            "is_synthetic": pa.array([False] * len(rows)),
        }
    )


def main() -> None:
    for name, content in corpus().items():
        (HERE / name).write_bytes(content)
    pq.write_table(good_parquet_table(), HERE / "good_counts.parquet")


if __name__ == "__main__":
    main()
