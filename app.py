"""Health Equity Explorer: entry point (navigation, shared sidebar, start-up checks)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import cache, help, layout, search

ROOT = Path(__file__).resolve().parent

# (file, title, icon, url path) in menu order; a page appears once its file exists.
PAGES = [
    ("views/where_to_act.py", "Where to act", ":material/target:", "where-to-act"),
    ("views/map.py", "Map", ":material/map:", "map"),
    ("views/area_profile.py", "Area profile", ":material/location_on:", "area"),
    ("views/compare.py", "Compare areas", ":material/compare:", "compare"),
    ("views/inequalities.py", "Inequalities", ":material/balance:", "inequalities"),
    ("views/trends.py", "Trends & interventions", ":material/trending_up:", "trends"),
    ("views/planner.py", "Pop-up clinic planner", ":material/local_hospital:", "planner"),
    ("views/data_methods.py", "Data & methods", ":material/menu_book:", "data"),
]

st.set_page_config(
    page_title="Health Equity Explorer — LLR",
    page_icon=":material/health_and_safety:",
    layout="wide",
)

problems = cache.extracts_problems()
# Boundaries only feed the maps: if they are broken, say so and let everything else run.
map_problems = cache.map_problems()
if problems:
    st.title("Health Equity Explorer")
    st.error(
        "The data extracts are missing or damaged, so the app cannot show figures yet.\n\n"
        + "\n".join(f"- {problem}" for problem in problems)
        + "\n\nTo fix it, run **`make run`** (it rebuilds the extracts), or "
        "`python -m equity build`, from the project folder."
    )
    st.stop()

# The first page is the default and lives at "/": Streamlit answers its url_path with
# "Page not found", so it gets none.
pages = [
    st.Page(str(ROOT / path), title=title, icon=icon, default=True)
    if i == 0
    else st.Page(str(ROOT / path), title=title, icon=icon, url_path=url)
    for i, (path, title, icon, url) in enumerate(PAGES)
    if (ROOT / path).is_file()
]
navigation = st.navigation(pages)
if map_problems:
    st.warning(
        "The map boundaries cannot be read, so maps are unavailable; everything else works.\n\n"
        + "\n".join(f"- {problem}" for problem in map_problems)
        + "\n\nTo fix it, run **`make run`** (it rebuilds the extracts)."
    )
st.sidebar.caption("Health Equity Explorer · Leicester, Leicestershire and Rutland")
presenting = layout.presenter_mode()
search.search_box()
help.glossary_panel(presenting)
navigation.run()
