"""Health Equity Explorer: entry point (navigation, shared sidebar, start-up checks)."""

from __future__ import annotations

import streamlit as st

from equity import cache

st.set_page_config(page_title="Health Equity Explorer — LLR", page_icon="🩺", layout="wide")

problems = cache.extracts_problems()
if problems:
    st.title("Health Equity Explorer")
    st.error(
        "The data extracts are missing or damaged, so the app cannot show figures yet.\n\n"
        + "\n".join(f"- {problem}" for problem in problems)
        + "\n\nTo fix it, run **`make run`** (it rebuilds the extracts), or "
        "`python -m equity build`, from the project folder."
    )
    st.stop()

pages = [
    st.Page(
        "pages/where_to_act.py",
        title="Where to act",
        icon="🎯",
        default=True,
        url_path="where-to-act",
    ),
]
st.navigation(pages).run()
