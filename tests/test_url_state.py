"""ui/state.py across pages, and where streamlit may be imported."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")


def test_shared_choices_carry_over_pages_that_do_not_draw_them(extracts_dir):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.selectbox(key="level").set_value("ward").run()
    at.selectbox(key="age_band").set_value("80+").run()
    assert not at.exception
    # Area profile has no "level" widget; Data & methods has one with other options.
    for page in ["views/area_profile.py", "views/data_methods.py", "views/map.py"]:
        at.query_params.clear()  # the carry-over must not depend on the URL
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.session_state["age_band"] == "80+", page
    assert at.selectbox(key="level").value == "ward"
    assert at.selectbox(key="age_band").value == "80+"
    assert at.query_params["level"] == "ward"  # and the map's link says so again


def test_streamlit_is_imported_only_outside_equity():
    pattern = re.compile(r"^\s*(import|from) streamlit", re.M)
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "equity").glob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
