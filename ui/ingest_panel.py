"""The "Add an extract" panel: upload, validation report, confirm, queryable at once.

The checks and the atomic write are equity.ingest's (the same as `python -m equity ingest`);
this module only draws them. Uploaded bytes are written to a temp file beside the extracts
folder, checked and deleted; the accepted rows live in session state until Confirm and are
never offered back as a download.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from equity import config, db, ingest, schema, tables
from equity.labels import escape_markdown

_REPORT = "_ingest_report"  # (what was checked, ValidationReport)
_DONE = "_ingest_done"  # the one-line summary of the last accepted extract


def report_lines(filename: str, report: ingest.ValidationReport) -> list[str]:
    """The first PROBLEMS_SHOWN problem lines and a count line, as the CLI prints them."""
    return tables.format_problems(filename, report.problems, total=report.problem_count)


def new_indicator_flags(indicator_id: str, label: str, unit: str, polarity: str) -> dict | None:
    """The catalog flags of a new indicator, or None when no id is given (an existing one)."""
    indicator_id = indicator_id.strip()
    if not indicator_id:
        return None
    return {
        "indicator_id": indicator_id,
        "label": label.strip(),
        "unit": unit,
        "polarity": polarity,
    }


def _show_report(filename: str, report: ingest.ValidationReport) -> None:
    if report.ok:
        st.success(escape_markdown(report.summary) + "  \nCheck it, then confirm to add it.")
        return
    count = report.problem_count
    st.error(
        f"Not added: {count} problem{'s' if count != 1 else ''} found in "
        f"{escape_markdown(filename)}. Nothing was changed. Fix the file and upload it again."
    )
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in report_lines(filename, report)))


def render_ingest_panel(extracts_dir: Path | None = None) -> None:
    """Upload → Validate → report → Confirm → written atomically and queryable at once."""
    extracts_dir = Path(extracts_dir or config.EXTRACTS_DIR)
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(escape_markdown(done))
    st.caption(
        "A CSV (UTF-8, comma-separated) or Parquet file in the values layout (see Data & "
        "methods), or life-expectancy inputs (deaths and population by age band). It stays on "
        "this machine: it is checked, added to the extracts and the upload is deleted."
    )
    uploaded = st.file_uploader(
        "Extract file", type=["csv", "parquet"], key="ingest_upload", accept_multiple_files=False
    )
    st.markdown("**New indicator** (leave the id empty if the file adds to one added before)")
    columns = st.columns(4)
    indicator_id = columns[0].text_input("Indicator id", key="ingest_id", max_chars=64)
    label = columns[1].text_input("Label", key="ingest_label", max_chars=200)
    unit = columns[2].selectbox("Unit", schema.UNITS, key="ingest_unit")
    polarity = columns[3].selectbox(
        "Polarity",
        schema.JUDGED_POLARITIES,
        key="ingest_polarity",
        format_func=lambda p: p.replace("_", " "),
    )
    flags = new_indicator_flags(indicator_id, label, unit, polarity)
    checked = (uploaded.name, uploaded.size, uploaded.file_id, repr(flags)) if uploaded else None
    if st.button("Validate", key="ingest_validate", disabled=uploaded is None, type="primary"):
        report = ingest.validate_upload(
            uploaded.name, uploaded.getvalue(), extracts_dir, new_indicator=flags
        )
        st.session_state[_REPORT] = (checked, report)
    stored = st.session_state.get(_REPORT)
    if stored is None or stored[0] != checked:
        st.session_state.pop(_REPORT, None)  # the file or fields changed: check again
        return
    report = stored[1]
    _show_report(uploaded.name, report)
    if report.ok and st.button("Confirm: add this extract", key="ingest_confirm"):
        added = ingest.add_validated_upload(report, uploaded.name, extracts_dir)
        st.session_state.pop(_REPORT, None)
        if not added.ok:
            _show_report(uploaded.name, added)
            return
        db.reset()  # new values_*.parquet: the next query opens a connection that sees it
        st.session_state[_DONE] = added.summary
        st.rerun()
