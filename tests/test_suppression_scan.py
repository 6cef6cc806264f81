"""Disclosure control everywhere: on views where the data hold counts of 1 to 7, no page shows
one in a table, metric, text, chart dataset, map layer/tooltip or CSV download."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from equity import config, db
from tests.conftest import json_records, open_expanders, open_page, registered_pages

SMALL = config.SUPPRESS_MAX_COUNT
PERIOD = "2021-03-23"
# A selection of the synthetic extract that is full of small counts: Somali women aged 75-79 in
# each Leicester LSOA (and, second, the same group by ward).
SELECTIONS = [
    {
        "indicator": "covid_first_dose_demo",
        "level": "lsoa",
        "within": config.CITY_CODE,
        "period": PERIOD,
        "sex": "Female",
        "age_band": "75-79",
        "ethnic_group": "Somali",
        "benchmark": config.CITY_CODE,
    },
    {
        "indicator": "covid_first_dose_demo",
        "level": "ward",
        "within": config.CITY_CODE,
        "period": PERIOD,
        "sex": "Male",
        "age_band": "80+",
        "ethnic_group": "Somali",
    },
]
# Columns that hold counts of people, whatever a page calls them.
COUNT_NAME = re.compile(
    r"numerator|denominator|missed|reached|eligible|vaccinated|screened|unscreened|"
    r"people|persons|count|deaths|^n$|^n_|_n$|number",
    re.I,
)
PART_WHOLE = [("numerator", "denominator"), ("reached", "eligible"), ("vaccinated", "eligible")]
SMALL_IN_TEXT = re.compile(
    r"(?<![\d.,%])([1-7])(?![\d.,%])\s+(?:more\s+|fewer\s+)?"
    r"(?:people|person|residents|patients|women|men|vaccinated|unvaccinated|screened|missed|"
    # "3 of 38 areas" (or "5 of 5 chosen sites") counts places or indicators, not people:
    # not disclosive
    r"of\s+\d+(?![\d,]*\s+(?:chosen\s+)?(?:indicators|areas|neighbourhoods|wards|sites|"
    r"practices)))",
    re.I,
)


def small(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(
        values.astype(str).str.replace(",", "").str.strip(), errors="coerce"
    ).astype(float)
    return (numbers > 0) & (numbers <= SMALL)


def frame_leaks(frame: pd.DataFrame, where: str) -> list[str]:
    leaks = []
    columns = {str(c): c for c in frame.columns}
    for name, column in columns.items():
        derived = re.search(r"rank|%|percent|rate|share|proportion|ratio|ci\b", name, re.I)
        if COUNT_NAME.search(name) and not derived:
            hits = frame[column][small(frame[column])]
            if len(hits):
                leaks.append(f"{where}: column {name!r} shows {hits.iloc[0]!r}")
    lowered = {name.lower(): column for name, column in columns.items()}
    for part, whole in PART_WHOLE:
        if part in lowered and whole in lowered:
            p = pd.to_numeric(frame[lowered[part]], errors="coerce")
            w = pd.to_numeric(frame[lowered[whole]], errors="coerce")
            gap = w - p
            if ((gap > 0) & (gap <= SMALL)).any():
                leaks.append(f"{where}: {whole} - {part} is a small count")
    return leaks


def text_leaks(text: str, where: str) -> list[str]:
    found = SMALL_IN_TEXT.search(text)
    return [f"{where}: text {found.group(0)!r}"] if found else []


class CapturedMedia:
    """Keeps the media stores and file managers AppTest creates, so downloads can be read:
    CSV files are written only when their button is clicked (a deferred download), which is
    what executing the deferred callable here does."""

    stores: list[MemoryMediaFileStorage] = []
    managers: list[MediaFileManager] = []

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch) -> None:
        for kind, kept in ((MemoryMediaFileStorage, cls.stores), (MediaFileManager, cls.managers)):
            real_init = kind.__init__

            def init(self, *args, _real=real_init, _kept=kept, **kwargs):
                _real(self, *args, **kwargs)
                _kept.append(self)

            monkeypatch.setattr(kind, "__init__", init)

    @classmethod
    def read(cls, url: str) -> bytes | None:
        filename = url.rsplit("/", 1)[-1]
        for store in reversed(cls.stores):
            try:
                return bytes(store.get_file(filename).content)
            except Exception:  # not in this store
                continue
        return None

    @classmethod
    def download(cls, proto) -> bytes | None:
        """A download button's file: its stored bytes, or its deferred callable's output."""
        if not proto.deferred_file_id:
            return cls.read(proto.url)
        for manager in reversed(cls.managers):
            try:
                return cls.read(manager.execute_deferred(proto.deferred_file_id))
            except MediaFileStorageError:  # not this manager's
                continue
        return None


def page_leaks(at: AppTest, page: str) -> tuple[list[str], int]:
    """(leaks, number of things scanned)."""
    leaks: list[str] = []
    scanned = 0
    for element in [*at.dataframe, *at.table]:
        scanned += 1
        leaks += frame_leaks(element.value, f"{page} table")
    for element in at.metric:
        scanned += 1
        if COUNT_NAME.search(element.label) and small(pd.Series([element.value])).any():
            leaks.append(f"{page} metric {element.label!r} = {element.value!r}")
    for kind in ("markdown", "caption", "text", "title", "header", "subheader", "info",
                 "warning", "success", "error"):  # fmt: skip
        for element in getattr(at, kind):
            scanned += 1
            leaks += text_leaks(str(element.value), f"{page} {kind}")
    for chart in at.get("vega_lite_chart"):
        scanned += 1
        for dataset in chart.proto.datasets:
            frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
            leaks += frame_leaks(frame, f"{page} chart data")
        spec = json.loads(chart.proto.spec)
        for records in json_records(spec):
            leaks += frame_leaks(pd.DataFrame(records), f"{page} chart inline data")
        leaks += text_leaks(chart.proto.spec, f"{page} chart spec")
    for deck in at.get("deck_gl_json_chart"):
        scanned += 1
        spec = json.loads(deck.proto.json)
        for records in json_records(spec.get("layers", [])):
            leaks += frame_leaks(pd.json_normalize(records), f"{page} map layer/tooltip")
        leaks += text_leaks(json.dumps(spec.get("tooltip", "")), f"{page} map tooltip")
    for button in at.download_button:
        if button.label != "Download CSV":  # PNG, SVG and HTML are drawn from the same data
            continue
        # written on click, not held as bytes by every session on every rerun
        assert button.proto.deferred_file_id, f"{page}: {button.label!r} written eagerly"
        content = CapturedMedia.download(button.proto)
        assert content is not None, f"{page}: CSV download {button.label!r} not found"
        scanned += 1
        lines = [
            line for line in content.decode("utf-8-sig").splitlines() if not line.startswith("#")
        ]
        frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str)
        leaks += frame_leaks(frame, f"{page} CSV {button.label!r}")
    return leaks, scanned


def test_the_views_do_hold_small_counts(extracts_dir: Path) -> None:
    """The scan is only meaningful if the data behind the views have counts of 1..7."""
    for selection, benchmark_type in zip(SELECTIONS, ("la", "la"), strict=True):
        rows = db.run_query(
            "area_values_with_benchmark",
            indicator_id=selection["indicator"],
            on_or_before=pd.Timestamp(PERIOD).date(),
            level=selection["level"],
            la_code=config.CITY_CODE,
            sex=selection["sex"],
            age_band=selection["age_band"],
            ethnic_group=selection["ethnic_group"],
            benchmark_code=config.CITY_CODE,
            benchmark_type=benchmark_type,
        )
        counts = rows[["numerator", "denominator"]].to_numpy(dtype=float)
        assert ((counts > 0) & (counts <= SMALL)).any(), selection


@pytest.mark.parametrize("selection", SELECTIONS, ids=[v["level"] for v in SELECTIONS])
def test_no_page_shows_a_small_count(
    selection: dict, extracts_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    CapturedMedia.install(monkeypatch)
    small_area = _an_area_with_small_counts(selection)
    leaks: list[str] = []
    pages_scanned = {}
    for page in registered_pages():
        at = open_page(page, dict(selection, area=small_area))
        assert not at.exception, (page, at.exception[0].value)
        open_expanders(at)  # the tables under the charts are made only when opened
        found, scanned = page_leaks(at, page)
        leaks += found
        pages_scanned[page] = scanned
    assert all(pages_scanned.values()), pages_scanned
    assert not leaks, "\n".join(dict.fromkeys(leaks)) + f"\nscanned: {pages_scanned}"


def _an_area_with_small_counts(selection: dict) -> str:
    rows = db.run_query(
        "area_values_with_benchmark",
        indicator_id=selection["indicator"],
        on_or_before=pd.Timestamp(PERIOD).date(),
        level=selection["level"],
        la_code=config.CITY_CODE,
        sex=selection["sex"],
        age_band=selection["age_band"],
        ethnic_group=selection["ethnic_group"],
        benchmark_code=config.CITY_CODE,
        benchmark_type="la",
    )
    numerators = rows["numerator"].to_numpy(dtype=float)
    return str(rows.loc[np.flatnonzero((numerators > 0) & (numerators <= SMALL))[0], "area_code"])


def test_the_scanner_finds_what_it_looks_for() -> None:
    leaky = pd.DataFrame({"Area": ["a", "b"], "People missed": [3, 120], "Value": [5.0, 50.0]})
    assert frame_leaks(leaky, "t") and not frame_leaks(leaky.iloc[[1]], "t")
    assert frame_leaks(pd.DataFrame({"Reached": [95], "Eligible": [100]}), "t")
    assert text_leaks("Only 4 people were missed", "t")
    assert not text_leaks("4.5% of 120 people; 2021-03-23; 75-79", "t")
    assert not text_leaks("Centroid vs spread demand: 5 of 5 chosen sites differ", "t")
    assert text_leaks("the centroid plan's sites 5 of 40 missed", "t")  # people, not sites
    assert text_leaks("5 of 40 chosen people", "t")
