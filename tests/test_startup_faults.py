"""Start-up with missing, empty or corrupt extracts: a page that names the file and says
`make run`, never a traceback; a broken boundaries file only costs the map."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from equity import config, db
from tests.conftest import open_page, registered_pages


def delete(path: Path) -> None:
    path.unlink()


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def garbage(path: Path) -> None:
    path.write_bytes(b"PAR1 this is not a parquet file at all")


@pytest.fixture
def damaged_copy(tmp_path: Path, extracts_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh copy of the extracts the app is pointed at, for a test to damage."""
    copy = tmp_path / "extracts"
    shutil.copytree(extracts_dir, copy, copy_function=shutil.copy)  # new mtimes: new cache keys
    monkeypatch.setattr(config, "EXTRACTS_DIR", copy)
    db.reset()
    yield copy
    db.reset()


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("error", "warning", "markdown", "info") for e in getattr(at, kind)
    ]
    return "\n".join(str(part) for part in parts)


FATAL = [
    ("areas.parquet", delete),
    ("areas.parquet", truncate),
    ("indicators.parquet", empty),
    ("indicators.parquet", garbage),
    ("values_covid_nhse.parquet", empty),
    ("values_demo_covid.parquet", truncate),
    ("values_cervical_screening.parquet", garbage),
]


@pytest.mark.parametrize(
    ("filename", "damage"), FATAL, ids=[f"{name}-{fn.__name__}" for name, fn in FATAL]
)
def test_damaged_extract_gives_a_page_naming_it_and_the_fix(
    damaged_copy: Path, filename: str, damage: Callable[[Path], None]
) -> None:
    damage(damaged_copy / filename)
    at = open_page()
    assert not at.exception
    shown = texts(at)
    assert filename in shown and "make run" in shown


@pytest.mark.parametrize("damage", [delete, truncate], ids=["delete", "truncate"])
def test_broken_boundaries_only_cost_the_map(damaged_copy: Path, damage) -> None:
    for name in ("boundaries.parquet", "boundaries_simplified.parquet"):
        damage(damaged_copy / name)
    at = open_page()
    assert not at.exception
    assert at.title and at.title[0].value != "Health Equity Explorer"  # the page itself ran
    warning = " ".join(w.value for w in at.warning)
    assert "boundaries_simplified.parquet" in warning and "make run" in warning


def test_a_missing_values_file_leaves_the_rest_working(damaged_copy: Path) -> None:
    """One source's file gone (not damaged): the app runs on the others."""
    delete(damaged_copy / "values_life_expectancy_practice.parquet")
    at = open_page()
    assert not at.exception and not at.error


def test_map_page_with_broken_boundaries_says_so(damaged_copy: Path) -> None:
    delete(damaged_copy / "boundaries_simplified.parquet")
    at = open_page()
    map_page = next(page for page in registered_pages() if page.endswith("map.py"))
    at.switch_page(map_page).run()
    assert not at.exception
    shown = texts(at)
    assert "boundaries_simplified.parquet" in shown and "make run" in shown


def test_an_area_without_a_shape_is_left_off_the_maps_not_an_error(damaged_copy: Path) -> None:
    # Found by the load test on the England-scale extract: one ward had no GeoJSON, and
    # every page drawing wards raised. Such an area is simply not drawn.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from equity import geo

    path = damaged_copy / geo.BOUNDARIES_FILE
    table = pq.read_table(path)
    st_matthews = pa.compute.equal(table.column("area_code"), "E02002844")
    shapes = pa.compute.if_else(st_matthews, pa.scalar(None, pa.string()), table["geojson"])
    pq.write_table(
        table.set_column(table.schema.get_field_index("geojson"), "geojson", shapes), path
    )

    drawn = geo.level_shapes("msoa", damaged_copy, damaged_copy / "static")
    assert "E02002844" not in drawn and len(drawn.texts) == 126  # the other 126 still drawn
    served = json.loads(
        (damaged_copy / "static" / drawn.url.removeprefix("app/static/")).read_text()
    )
    assert len(served) == 126 and drawn.bounds_of(["E02002844"]) is None
    for page in ("views/where_to_act.py", "views/map.py"):
        at = open_page(page, {"level": "msoa"})
        assert not at.exception, page
