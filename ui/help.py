"""Help reading the app: the glossary (sidebar, and a popover in presenter mode) and the
"how to read this" note under each chart. The words live in equity/glossary.py."""

from __future__ import annotations

import streamlit as st

from equity import glossary


def _glossary_body() -> None:
    st.markdown("\n".join(f"- **{term}**: {text}" for term, text in glossary.GLOSSARY.items()))


def glossary_panel(presenting: bool) -> None:
    """The glossary on every page: a sidebar expander, or (sidebar hidden) a small popover."""
    if presenting:
        # Pinned to the top-right corner by layout's presenter CSS: no height taken.
        with st.container(key="presenter_glossary"), st.popover("Glossary", icon=":material/help:"):
            _glossary_body()
    else:
        with st.sidebar.expander("Glossary", icon=":material/help:"):
            _glossary_body()


def how_to_read(kind: str) -> None:
    """A folded plain-language note on reading one kind of chart (glossary.HOW_TO_READ)."""
    with st.expander("How to read this", icon=":material/help:"):
        st.markdown(glossary.HOW_TO_READ[kind])
