"""A multiselect whose choices live in the URL as a comma-separated list (like ui.state)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from ui import state

_SEEDED = "_url_seeded_multiselect"


def multiselect(
    container,
    label: str,
    options: Sequence[str],
    key: str,
    format_func: Callable[[str], str] = str,
    help: str | None = None,
) -> list[str]:
    """On a session's first run the choices come from the URL (unknown ones are dropped
    with a notice); afterwards the widget owns them and writes them back to the URL."""
    options = list(options)
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key not in seeded:
        seeded.add(key)
        raw = st.query_params.get(key, "")
        wanted = [part.strip() for part in raw.split(",") if part.strip()]
        unknown = [value for value in wanted if value not in options]
        if unknown:
            shown = ", ".join(unknown)[:60]
            state.add_notice(
                f"The link's {label.lower()} “{shown}” are not among the choices here; "
                "they were left out."
            )
        st.session_state[key] = [value for value in wanted if value in options]
    else:
        # Choices that are no longer offered (another area or source) are let go.
        st.session_state[key] = [v for v in st.session_state.get(key, []) if v in options]
    chosen = container.multiselect(label, options, key=key, format_func=format_func, help=help)
    if chosen:
        st.query_params[key] = ",".join(chosen)
    elif key in st.query_params:
        del st.query_params[key]
    return list(chosen)
