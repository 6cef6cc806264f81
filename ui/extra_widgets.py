"""URL-synced widgets that ui/state.py does not have yet: multiselect and text area.

Same contract as ui/state.py: on a session's first run the widget takes its value from the
URL if valid, otherwise its default with a notice; afterwards the widget owns the value and
writes it back to the URL on every rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui import state

_SEEDED = "_url_seeded_extra"
LIST_SEPARATOR = ","


def _first_run(key: str) -> bool:
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded and key in st.session_state:
        return False
    seeded.add(key)
    return True


def multiselect(
    container,
    label: str,
    options: Sequence,
    key: str,
    default: Sequence = (),
    format_func: Callable[[Any], str] = state.to_text,
) -> list:
    """A multiselect stored in the URL as comma-separated option texts."""
    options = list(options)
    by_text = {state.to_text(option): option for option in options}
    default = [d for d in default if d in options]
    if _first_run(key):
        value = default
        raw = st.query_params.get(key)
        if raw is not None:
            texts = [t for t in raw.split(LIST_SEPARATOR) if t]
            unknown = [t for t in texts if t not in by_text]
            value = [by_text[t] for t in texts if t in by_text]
            if unknown:
                shown = ", ".join(unknown)[:40]
                state.add_notice(
                    f"The link's {label.lower()} “{shown}” is not available here; ignoring it."
                )
        st.session_state[key] = value
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    value = container.multiselect(label, options, key=key, format_func=format_func)
    st.query_params[key] = LIST_SEPARATOR.join(state.to_text(v) for v in value)
    return value


def text_area(
    container, label: str, key: str, default: str = "", max_chars: int = 2000, help=None
) -> str:
    """A text area stored in the URL (cut to max_chars, so a long link cannot flood it)."""
    if _first_run(key):
        raw = st.query_params.get(key)
        value = default if raw is None else raw[:max_chars]
        st.session_state[key] = value
    value = container.text_area(label, key=key, max_chars=max_chars, help=help)
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]
    return value


def tab_notice(key: str, labels: Sequence[str]) -> None:
    """st.tabs(bind='query-params') drops an unknown tab silently; say so instead."""
    raw = st.query_params.get(key)
    if raw is not None and raw not in labels and _first_run(f"{key}__tab"):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        state.add_notice(f"The link's view “{shown}” is not available here; showing {labels[0]}.")


def keep_across_pages(*keys: str) -> None:
    """Carry shared widget values (indicator, period, ...) over from another page.

    Streamlit resets a keyed widget to its default when a page with a different widget
    under the same key runs, unless the value was last set by the script; re-setting it
    here marks it so. (ui/state.py's seeding could do this for every key.)
    """
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
