"""The "Add an extract" panel: upload, validation report, confirm, queryable at once.

The checks and the atomic write are equity.ingest's (the same as `python -m equity ingest`);
this module only draws them. Uploaded bytes are written to a temp file beside the extracts
folder, checked and deleted; the accepted rows live in session state until Confirm and are
never offered back as a download.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from equity import config, db, ingest, mappings, schema, tables
from equity.labels import escape_markdown
from ui import cache

_REPORT = "_ingest_report"  # (what was checked, ValidationReport)
_DONE = "_ingest_done"  # the one-line summary of the last accepted extract
MAPPINGS_DIR = config.SOURCES_DIR / "mappings"
_NO_MAPPING = "None: values layout or Fingertips export"
_UPLOADED_MAPPING = "Upload a mapping (TOML)"
RATE_MULTIPLIERS = (100, 1_000, 10_000, 100_000, 1_000_000)
# Shown on the Data & methods page above the panel (and said again in the README).
FINGERTIPS_HOWTO = (
    "To bring in an OHID Fingertips indicator, download it with Fingertips' **Download data** "
    "and upload the CSV as it is: it is recognised by its header, rows for areas outside LLR "
    "are left out (counted in one line) and it becomes `fingertips_<ID>`, labelled with its "
    "Indicator Name unless you give an id and label. Choose its unit (percent; rate, with its "
    "multiplier; years; ratio) and polarity, which the export does not carry; a table of "
    "another shape needs a mapping file (examples in `data/sources/mappings/`)."
)


def report_lines(filename: str, report: ingest.ValidationReport) -> list[str]:
    """The first PROBLEMS_SHOWN problem lines and a count line, as the CLI prints them."""
    return tables.format_problems(filename, report.problems, total=report.problem_count)


def new_indicator_flags(
    indicator_id: str, label: str, unit: str, polarity: str, multiplier: float | None = None
) -> dict:
    """The form's catalog flags. A values file uses them only with an id (without one it adds
    to an indicator added before); a Fingertips export or mapped table always takes unit,
    polarity and multiplier, and id and label only when given."""
    flags = {"unit": unit, "polarity": polarity}
    if unit == "rate" and multiplier:
        flags["multiplier"] = multiplier
    if indicator_id.strip():
        flags["indicator_id"] = indicator_id.strip()
    if label.strip():
        flags["label"] = label.strip()
    return flags


def _session_who() -> str:
    """Who the audit log names for an upload: "upload" and the Streamlit session."""
    context = get_script_run_ctx()
    return f"upload:{context.session_id}" if context else "upload"


def _chosen_mapping() -> tuple[mappings.Mapping | None, str]:
    """The mapping picked (shipped or uploaded), or None; and a key for "what was checked"."""
    shipped = sorted(path.name for path in MAPPINGS_DIR.glob("*.toml"))
    choice = st.selectbox(
        "Mapping file (for other table shapes)",
        [_NO_MAPPING, *shipped, _UPLOADED_MAPPING],
        key="ingest_mapping",
    )
    if choice == _NO_MAPPING:
        return None, ""
    try:
        if choice == _UPLOADED_MAPPING:
            uploaded = st.file_uploader("Mapping (TOML)", type=["toml"], key="ingest_mapping_file")
            if uploaded is None:
                return None, ""
            text = uploaded.getvalue().decode("utf-8")
            return mappings.parse_mapping(
                text, uploaded.name
            ), f"{uploaded.name}:{uploaded.file_id}"
        return mappings.load_mapping(MAPPINGS_DIR / choice), choice
    except (mappings.MappingError, UnicodeDecodeError, OSError) as error:
        st.error(f"The mapping cannot be used: {escape_markdown(str(error))}")
        return None, ""


def _show_report(filename: str, report: ingest.ValidationReport) -> None:
    if report.ok:
        st.success(escape_markdown(report.summary) + "  \nCheck it, then confirm to add it.")
        if report.unplaced:
            st.warning(
                "Columns the mapping could not place (left unused): "
                + escape_markdown(", ".join(report.unplaced))
            )
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
    mapping, mapping_key = _chosen_mapping()
    st.markdown("**New indicator** (leave the id empty if the file adds to one added before)")
    columns = st.columns(5)
    indicator_id = columns[0].text_input("Indicator id", key="ingest_id", max_chars=64)
    label = columns[1].text_input("Label", key="ingest_label", max_chars=200)
    unit = columns[2].selectbox("Unit", schema.UNITS, key="ingest_unit")
    multiplier = columns[3].selectbox(
        "Rate per",
        RATE_MULTIPLIERS,
        index=RATE_MULTIPLIERS.index(100_000),
        key="ingest_multiplier",
        format_func=lambda m: f"{m:,} people",
        disabled=unit != "rate",
        help="Count-based rates only: value = count / denominator x this",
    )
    polarity = columns[4].selectbox(
        "Polarity",
        schema.POLARITIES,
        key="ingest_polarity",
        format_func=lambda p: p.replace("_", " "),
    )
    flags = new_indicator_flags(indicator_id, label, unit, polarity, multiplier)
    checked = (
        (uploaded.name, uploaded.size, uploaded.file_id, repr(flags), mapping_key)
        if uploaded
        else None
    )
    if st.button("Validate", key="ingest_validate", disabled=uploaded is None, type="primary"):
        report = ingest.validate_upload(
            uploaded.name,
            uploaded.getvalue(),
            extracts_dir,
            new_indicator=flags,
            mapping=mapping,
            who=_session_who(),
        )
        st.session_state[_REPORT] = (checked, report)
    stored = st.session_state.get(_REPORT)
    if stored is None or stored[0] != checked:
        st.session_state.pop(_REPORT, None)  # the file or fields changed: check again
        return
    report = stored[1]
    _show_report(uploaded.name, report)
    if report.ok and st.button("Confirm: add this extract", key="ingest_confirm"):
        added = ingest.add_validated_upload(report, uploaded.name, extracts_dir, who=_session_who())
        st.session_state.pop(_REPORT, None)
        if not added.ok:
            _show_report(uploaded.name, added)
            return
        db.reset()  # new values_*.parquet: the next query opens a connection that sees it
        cache.forget_extracts_version()
        st.session_state[_DONE] = added.summary
        st.rerun()
