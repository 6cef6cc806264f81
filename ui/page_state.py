"""Keep the shared selection (indicator, level, ...) when the user moves between pages.

Streamlit forgets a widget's value when a page with a different widget of the same key
is shown (the widget identity includes the page). Re-assigning the value before the
widget is created makes the new page's widget start from it, so the choice carries over.
ui.state then checks it is one of the new widget's options.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st


def keep_widget_values(keys: Iterable[str]) -> None:
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
