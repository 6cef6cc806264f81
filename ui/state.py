"""View state that round-trips through the URL (st.query_params): every URL-synced widget.

One seeding rule for all of them: on a session's first run a widget takes its value from
the URL if the value is valid, otherwise its default, and a notice says so; afterwards the
widget owns the value and every rerun writes it back to the URL, so the address bar is
always a shareable link to the view on screen.

Streamlit 1.67's own tools, and where we keep ours instead (and why):
- Text areas: `bind="query-params"` (free text has no invalid value to warn about, and
  Streamlit cuts a URL value to max_chars itself).
- Tabs: `st.tabs(bind="query-params")` in the pages; tab_notice adds the notice it lacks.
- Selectboxes, ours: the URL holds an option's code (E02002844, 2021-03-31), not its label
  as the built-in binding would, and a value that is not an option gets a notice
  (tests/test_url_fuzz.py) instead of being dropped silently.
- Numbers, ours: an out-of-range value gets a notice, and the value stays in the URL at
  its default (shared planner links always say how many sites).
- Toggles, ours: shared links say 1/0 (?present=1); the built-in binding reads only
  true/false, and a bad flag gets a notice.
- Multiselects, ours: the URL holds one comma-separated list (the built-in repeats the
  parameter) and unknown choices get a notice.
- Carry-over between pages, ours (the seeding rule re-sets each value from the script):
  `persist_state="session"` keeps a value while its widget is not drawn, but when the next
  page draws a widget of the same key with other options, the browser's choice for the old
  widget wins and e.g. age band 80+ came back as "All" and sex as "Female" (tried in an
  AppTest going Where to act -> Data & methods -> Map). A value set by the script wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

_NOTICES = "_url_notices"
_SEEDED = "_url_seeded"
LIST_SEPARATOR = ","
PERSIST = "session"  # a value outlives pages that do not draw its widget


def to_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _shown(raw: str, limit: int = 40) -> str:
    return raw if len(raw) <= limit else raw[:limit] + "…"


def _first_run(key: str) -> bool:
    """True once per session and key (or when the value was lost): read the URL now."""
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded and key in st.session_state:
        # Set by the script, the value outranks what the browser sends back for a widget
        # of the same key on the page just left (whose options may differ).
        st.session_state[key] = st.session_state[key]
        return False
    seeded.add(key)
    return True


def add_notice(message: str) -> None:
    notices = st.session_state.setdefault(_NOTICES, [])
    if message not in notices:
        notices.append(message)


def show_notices() -> None:
    for message in st.session_state.pop(_NOTICES, []):
        st.info(message, icon=":material/info:")


def selectbox(
    container,
    label: str,
    options: Sequence,
    key: str,
    default: Any = None,
    format_func: Callable[[Any], str] = to_text,
    help: str | None = None,
):
    """A selectbox whose value lives in the URL under `key` (as the option's text)."""
    options = list(options)
    if not options:
        return None
    if default not in options:
        default = options[0]
    if _first_run(key):
        raw = st.query_params.get(key)
        value = default
        if raw is not None:
            matches = [option for option in options if to_text(option) == raw]
            if matches:
                value = matches[0]
            else:
                add_notice(
                    f"The link's {label.lower()} “{_shown(raw)}” is not available here; "
                    f"showing {to_text(default)} instead."
                )
        st.session_state[key] = value
    elif st.session_state[key] not in options:
        st.session_state[key] = default  # carried over from a page with other options
    value = container.selectbox(
        label, options, key=key, format_func=format_func, help=help, persist_state=PERSIST
    )
    st.query_params[key] = to_text(value)
    return value


def number(container, label: str, key: str, default: int, min_value: int, max_value: int, step=1):
    """An integer input whose value lives in the URL (out-of-range values fall back)."""
    if _first_run(key):
        raw = st.query_params.get(key)
        value = default
        if raw is not None:
            if raw.isdigit() and len(raw) < 10 and min_value <= int(raw) <= max_value:
                value = int(raw)
            else:
                add_notice(f"The link's {label.lower()} is not valid; showing {default} instead.")
        st.session_state[key] = value
    value = container.number_input(
        label,
        min_value=min_value,
        max_value=max_value,
        step=step,
        key=key,
        persist_state=PERSIST,
    )
    st.query_params[key] = str(int(value))
    return int(value)


def toggle(container, label: str, key: str, default: bool = False) -> bool:
    """A toggle whose value lives in the URL as 1/0 (absent means its default)."""
    if _first_run(key):
        raw = st.query_params.get(key)
        value = default
        if raw is not None:
            if raw in ("1", "0"):
                value = raw == "1"
            else:
                add_notice(f"The link's {label.lower()} flag is not 0 or 1; ignoring it.")
        st.session_state[key] = value
    value = container.toggle(label, key=key, persist_state=PERSIST)
    _write_unless_default(key, to_text(value), value == default)
    return value


def multiselect(
    container,
    label: str,
    options: Sequence,
    key: str,
    default: Sequence = (),
    format_func: Callable[[Any], str] = to_text,
    help: str | None = None,
) -> list:
    """A multiselect stored in the URL as comma-separated option texts (absent: default).

    Unknown choices in the link are left out with a notice; choices no longer offered
    (another area or source) are let go."""
    options = list(options)
    by_text = {to_text(option): option for option in options}
    default = [choice for choice in default if choice in options]
    if _first_run(key):
        value = default
        raw = st.query_params.get(key)
        if raw is not None:
            texts = [text.strip() for text in raw.split(LIST_SEPARATOR) if text.strip()]
            unknown = [text for text in texts if text not in by_text]
            value = [by_text[text] for text in texts if text in by_text]
            if unknown:
                add_notice(
                    f"The link's {label.lower()} “{_shown(', '.join(unknown))}” are not "
                    "available here; they were left out."
                )
        st.session_state[key] = value
    else:
        st.session_state[key] = [choice for choice in st.session_state[key] if choice in options]
    value = container.multiselect(
        label, options, key=key, format_func=format_func, help=help, persist_state=PERSIST
    )
    _write_unless_default(key, LIST_SEPARATOR.join(map(to_text, value)), value == default)
    return list(value)


def text_area(
    container, label: str, key: str, default: str = "", max_chars: int = 2000, help=None
) -> str:
    """A text area bound to the URL by Streamlit (cut to max_chars, so a long link cannot
    flood it; absent from the URL while it holds its default)."""
    value = container.text_area(
        label,
        value=default,
        key=key,
        max_chars=max_chars,
        help=help,
        bind="query-params",
    )
    return value or ""


def tab_notice(key: str, labels: Sequence[str]) -> None:
    """st.tabs(bind='query-params') drops an unknown tab silently; say so instead."""
    raw = st.query_params.get(key)
    if raw is not None and raw not in labels and _first_run(f"{key}__tab"):
        add_notice(f"The link's view “{_shown(raw)}” is not available here; showing {labels[0]}.")


def _write_unless_default(key: str, text: str, is_default: bool) -> None:
    if not is_default:
        st.query_params[key] = text
    elif key in st.query_params:
        del st.query_params[key]  # the default needs no mention in a shared link
