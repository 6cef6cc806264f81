"""The upload panel: a bad upload gets a readable report and changes nothing; a good one is
added on Confirm, becomes queryable at once, and the uploaded bytes do not linger."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from equity import config, db, ingest, tables
from tests.conftest import SMOKING_EXPORT as SMOKING

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "ingest"
PANEL_APP = REPO / "tests" / "apps" / "ingest_panel_app.py"
BOWEL = {
    "indicator_id": "bowel_screening_local",
    "label": "Bowel (local)",
    "unit": "percent",
    "polarity": "higher_is_better",
}


@pytest.fixture
def store(tmp_path: Path, extracts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built extracts the panel writes into (never the real ones)."""
    copy = tmp_path / "extracts"
    copy.mkdir()
    for path in extracts_dir.glob("*.parquet"):
        if not path.name.startswith("boundaries"):
            shutil.copy2(path, copy / path.name)
    monkeypatch.setattr(config, "EXTRACTS_DIR", copy)
    yield copy
    db.reset(copy)


def upload(at: AppTest, name: str, content: bytes, **fields: str) -> AppTest:
    at.file_uploader(key="ingest_upload").set_value((name, content, "text/csv"))
    for key, value in fields.items():
        at.text_input(key=f"ingest_{key}").set_value(value)
    at.run()
    at.button(key="ingest_validate").click().run()
    return at


def leftovers(store: Path) -> list[str]:
    return [p.name for p in store.parent.iterdir() if p.name.startswith(".upload.")]


def test_bad_upload_lists_problems_and_changes_nothing(store: Path) -> None:
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    at = AppTest.from_file(str(PANEL_APP), default_timeout=60).run()
    assert at.button(key="ingest_validate").disabled  # nothing uploaded yet
    content = (CORPUS / "combo_many_problems.csv").read_bytes()
    upload(at, "returns.csv", content, id="bowel_screening_local", label="Bowel (local)")
    assert not at.exception
    cli = ingest.validate_extract(
        CORPUS / "combo_many_problems.csv",
        ingest.read_areas(store),
        None,
        new_indicator=BOWEL,
    )
    count = cli.problem_count
    assert count > tables.PROBLEMS_SHOWN
    assert f"{count} problems" in at.error[0].value and "returns" in at.error[0].value
    items = [line for line in at.markdown[-1].value.splitlines() if line.startswith("- ")]
    hidden = count - tables.PROBLEMS_SHOWN
    assert len(items) == tables.PROBLEMS_SHOWN + 1 and f"{hidden} more problems" in items[-1]
    assert "row 2, column numerator" in items[0].replace("\\", "")
    assert not [b for b in at.button if b.key == "ingest_confirm"]
    assert {p.name: p.read_bytes() for p in store.iterdir()} == before
    assert not leftovers(store)


def test_good_upload_is_added_on_confirm_and_queryable_at_once(store: Path) -> None:
    from ui import cache

    at = AppTest.from_file(str(PANEL_APP), default_timeout=60).run()
    content = (CORPUS / "good_counts.csv").read_bytes()
    upload(at, "bowel returns.csv", content, id="bowel_screening_local", label="Bowel (local)")
    assert not at.exception and not at.error
    assert "OK" in at.success[0].value
    assert not (store / "values_user_bowel_returns.parquet").exists()  # not before Confirm
    db.run_query("indicator_catalog")  # a connection opened before the ingest
    at.button(key="ingest_confirm").click().run()
    assert not at.exception
    assert "→ values_user_bowel_returns.parquet" in at.success[0].value.replace("\\", "")
    assert (store / "values_user_bowel_returns.parquet").exists()
    catalog = db.run_query("indicator_catalog")
    assert "bowel_screening_local" in set(catalog["indicator_id"])
    breakdowns = cache.run("indicator_breakdowns", indicator_id="bowel_screening_local")
    assert {"lsoa", "msoa"} <= set(breakdowns["area_type"])  # the new file is seen
    assert not leftovers(store)


def test_markdown_in_a_file_is_shown_literally() -> None:
    from equity.labels import escape_markdown

    assert escape_markdown("[x](http://evil) ![i](u) <b>") == (
        "\\[x\\]\\(http://evil\\) \\!\\[i\\]\\(u\\) \\<b\\>"
    ).replace("://", "\\://")


def test_escape_markdown_covers_every_character_markdown_acts_on() -> None:
    from equity.labels import escape_markdown

    special = "\\`*_{}[]()#+-.!|<>~$:"
    assert escape_markdown(special) == "".join("\\" + c for c in special)
    plain = "Spinney Hills 2021 row 2, column numerator; 80 people"
    assert escape_markdown(plain) == plain  # letters, digits, spaces and , ; untouched
    shown = escape_markdown("~~gone~~ $x$ :red[alert] # Title")
    assert "~~" not in shown and ":red[" not in shown and not shown.startswith("#")


def test_validate_upload_names_the_upload_and_deletes_the_temp_file(tmp_path: Path) -> None:
    store = tmp_path / "extracts"
    store.mkdir()
    report = ingest.validate_upload("x.csv", b"", store)
    assert not report.ok and "x.csv" in report.summary and ".upload." not in report.summary
    assert not leftovers(store)


def test_fingertips_export_is_taken_as_it_is_with_every_polarity_and_unit(store: Path) -> None:
    at = AppTest.from_file(str(PANEL_APP), default_timeout=60).run()
    assert "no judgement" in at.selectbox(key="ingest_polarity").options  # shown with spaces
    assert "ratio" in at.selectbox(key="ingest_unit").options
    at.selectbox(key="ingest_polarity").set_value("lower_is_better")
    upload(at, "smoking.csv", SMOKING.read_bytes(), id="smoking_local")
    assert not at.exception and not at.error, [e.value for e in at.error]
    summary = at.success[0].value.replace("\\", "")
    assert "smoking_local" in summary and "left out 128" in summary
    at.button(key="ingest_confirm").click().run()
    assert not at.exception
    assert (store / "values_user_smoking.parquet").exists()
    catalog = db.run_query("indicator_catalog").set_index("indicator_id")
    assert catalog.loc["smoking_local", "polarity"] == "lower_is_better"


def test_uploaded_mapping_shows_the_columns_it_could_not_place(store: Path) -> None:
    mapping = REPO / "data" / "sources" / "mappings" / "smoking_qof_2023_24.toml"
    edited = mapping.read_text(encoding="utf-8").replace('"Value note", ', "")
    at = AppTest.from_file(str(PANEL_APP), default_timeout=60).run()
    at.selectbox(key="ingest_mapping").set_value("Upload a mapping (TOML)").run()
    at.file_uploader(key="ingest_mapping_file").set_value(
        ("edited.toml", edited.encode("utf-8"), "application/toml")
    )
    upload(at, "smoking.csv", SMOKING.read_bytes(), id="smoking_2023_local")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Value note" in at.warning[0].value
    assert not (store / "values_user_smoking.parquet").exists()  # not before Confirm
