"""Every option of every selectbox on every page runs without an exception.

The URL fuzz covers values a link can carry; this covers the combinations a person clicks
through (an indicator without an "All" sex, an authority the demo data does not cover...).
Each widget is walked from the page's default selection, a bounded number of options each.
"""

from __future__ import annotations

from datetime import date

import pytest

from equity import db, options
from tests.conftest import open_page, registered_pages

MAX_OPTIONS = 8
# Minutes of reruns: outside `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw_values(extracts_dir) -> list:
    """Every value a page's selectbox could hold, so labels can be mapped back to values
    (AppTest's select_index re-formats the label, which breaks with a format_func)."""
    con = db.connection(extracts_dir).cursor()
    pool: list = list(options.LEVEL_LABELS) + ["all", "LLR"]
    pool += [r[0] for r in con.execute("SELECT indicator_id FROM indicators").fetchall()]
    pool += [r[0] for r in con.execute("SELECT area_code FROM areas").fetchall()]
    for column in ("sex", "age_band", "ethnic_group"):
        pool += [
            r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM indicator_values").fetchall()
        ]
    pool += ["50+", "65+", "80+", "16+"]
    periods = con.execute("SELECT DISTINCT period_end FROM indicator_values").fetchall()
    pool += [r[0] if isinstance(r[0], date) else r[0].date() for r in periods]
    return pool


def raw_for(box, label: str, pool: list):
    formatter = box.format_func
    for candidate in [label, *pool]:
        try:
            if str(formatter(candidate)) == label:
                return candidate
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            continue
    return None


@pytest.mark.parametrize("page", registered_pages())
def test_every_selectbox_option_runs(page, raw_values):
    at = open_page(page)
    assert not at.exception
    keys = [box.key for box in at.selectbox if box.key]
    assert keys, "the page has URL-keyed selectboxes"
    tried = 0
    for key in keys:
        at = open_page(page)
        boxes = [box for box in at.selectbox if box.key == key]
        if not boxes:
            continue  # drawn only in some views
        count = min(len(boxes[0].options), MAX_OPTIONS)
        for index in range(count):
            boxes = [box for box in at.selectbox if box.key == key]
            if not boxes or index >= len(boxes[0].options):
                break  # an earlier choice removed the widget or shortened its list
            label = boxes[0].options[index]
            raw = raw_for(boxes[0], label, raw_values)
            if raw is None:
                continue  # a page-specific choice (colour scheme, tab...) not in the pool
            boxes[0].set_value(raw).run()
            tried += 1
            assert not at.exception, f"{page}: {key} = {label}: " + (
                "\n".join(at.exception[0].stack_trace[-4:]) if at.exception[0].stack_trace else ""
            )
    assert tried >= len(keys)
