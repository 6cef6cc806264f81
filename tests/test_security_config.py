"""Safe by default: localhost only, XSRF on, an upload limit, error details hidden; serving a
meeting room is an explicit, documented step; uploads are never offered back."""

from __future__ import annotations

import tomllib
from pathlib import Path

from equity import ingest

REPO = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_server_binds_to_loopback_with_xsrf_and_an_upload_limit() -> None:
    server = CONFIG["server"]
    assert server["address"] == "127.0.0.1"
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True
    assert 1 <= server["maxUploadSize"] <= 200  # megabytes
    # the upload widget's limit is no looser than what ingest would accept
    assert server["maxUploadSize"] * 1_000_000 <= ingest.DEFAULT_MAX_BYTES * 1.05
    assert CONFIG["client"]["showErrorDetails"] == "none"  # no tracebacks to the browser


def test_readme_documents_serving_a_meeting_room_as_an_explicit_option() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Serving to a meeting room", 1)
    assert len(section) == 2, "README needs a 'Serving to a meeting room' section"
    text = section[1].split("\n## ", 1)[0]
    assert "--server.address" in text and "XSRF" in text and "upload" in text.lower()


def test_the_upload_panel_never_offers_the_file_back() -> None:
    source = (REPO / "ui" / "ingest_panel.py").read_text(encoding="utf-8")
    assert "download_button" not in source and "st.image" not in source
    assert "validate_upload" in source  # bytes go through the temp-file-and-delete path
