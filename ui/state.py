"""View state that round-trips through the URL (st.query_params).

On a session's first run a widget takes its value from the URL if the value is one of its
options, otherwise its default, and a notice says so; afterwards the widget owns the value
and every rerun writes the current value back to the URL, so the address bar is always a
shareable link to the view on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

_NOTICES = "_url_notices"
_SEEDED = "_url_seeded"


def to_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _seed(key: str, options: Sequence, default: Any, label: str) -> None:
    """Give the widget its first value from the URL (once per session and key)."""
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded and key in st.session_state:
        # Re-assigning keeps the value when another page (without this widget) ran in
        # between: Streamlit drops the state of widgets a run did not draw.
        value = st.session_state[key]
        st.session_state[key] = value if value in options else default
        return
    seeded.add(key)
    raw = st.query_params.get(key)
    value = default
    if raw is not None:
        matches = [option for option in options if to_text(option) == raw]
        if matches:
            value = matches[0]
        else:
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            add_notice(
                f"The link's {label.lower()} “{shown}” is not available here; "
                f"showing {to_text(default)} instead."
            )
    st.session_state[key] = value


def add_notice(message: str) -> None:
    notices = st.session_state.setdefault(_NOTICES, [])
    if message not in notices:
        notices.append(message)


def show_notices() -> None:
    for message in st.session_state.pop(_NOTICES, []):
        st.info(message, icon="ℹ️")


def selectbox(
    container,
    label: str,
    options: Sequence,
    key: str,
    default: Any = None,
    format_func: Callable[[Any], str] = to_text,
    help: str | None = None,
):
    """A selectbox whose value lives in the URL under `key`."""
    options = list(options)
    if not options:
        return None
    if default not in options:
        default = options[0]
    _seed(key, options, default, label)
    value = container.selectbox(label, options, key=key, format_func=format_func, help=help)
    st.query_params[key] = to_text(value)
    return value


def number(container, label: str, key: str, default: int, min_value: int, max_value: int, step=1):
    """An integer input whose value lives in the URL (out-of-range values fall back)."""
    options = range(min_value, max_value + 1)
    raw = st.query_params.get(key)
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded and key in st.session_state:
        st.session_state[key] = st.session_state[key]  # survive a visit to another page
    else:
        seeded.add(key)
        value = default
        if raw is not None:
            if raw.isdigit() and int(raw) in options:
                value = int(raw)
            else:
                add_notice(f"The link's {label.lower()} is not valid; showing {default} instead.")
        st.session_state[key] = value
    value = container.number_input(
        label, min_value=min_value, max_value=max_value, step=step, key=key
    )
    st.query_params[key] = str(int(value))
    return int(value)


def toggle(container, label: str, key: str, default: bool = False) -> bool:
    """A toggle whose value lives in the URL as 1/0 (absent means its default)."""
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded and key in st.session_state:
        st.session_state[key] = st.session_state[key]  # survive a visit to another page
    else:
        seeded.add(key)
        raw = st.query_params.get(key)
        value = default
        if raw is not None:
            if raw in ("1", "0"):
                value = raw == "1"
            else:
                add_notice(f"The link's {label.lower()} flag is not 0 or 1; ignoring it.")
        st.session_state[key] = value
    value = container.toggle(label, key=key)
    if value != default:
        st.query_params[key] = to_text(value)
    elif key in st.query_params:
        del st.query_params[key]  # the default needs no mention in a shared link
    return value
