"""Shared fixtures and helpers: the built extracts (make test builds them before pytest runs),
app.PAGES read without running app.py, and one way to open a page in AppTest.

Helpers are plain functions here, imported as `from tests.conftest import ...`; test modules
never import one another.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from equity import build, config

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
# Per script run. Generous: a page with a map or a plan takes seconds on a busy 2-core runner,
# and a run that really hangs still fails.
APP_RUN_TIMEOUT_S = 120
# Session keys where ui/ remembers which widgets were already given their value from the URL.
URL_SEEDED_PREFIX = "_url_seeded"
# The shipped Fingertips export (91547, smoking), ingested as a user would bring one.
SMOKING_EXPORT = (
    REPO
    / "data/sources/smoking/heec_fingertips91547_smoking_prevalence_qof_gp_llr_2022-23_2023-24.csv"
)


@pytest.fixture(autouse=True)
def audit_log(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ingests in tests write their audit lines here, never to data/audit/ingest.log."""
    path = tmp_path_factory.mktemp("audit") / "ingest.log"
    monkeypatch.setenv("EQUITY_INGEST_AUDIT_LOG", str(path))  # equity.ingest.AUDIT_LOG_ENV
    return path


@pytest.fixture(scope="session")
def extracts_dir() -> Path:
    """The project's extracts, built if missing or stale (as `make test` does)."""
    if build.is_stale():
        build.build()
    return config.EXTRACTS_DIR


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def app_pages() -> list[tuple[str, str, str, str]]:
    """app.PAGES (file, title, icon, url path), read without running app.py."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "PAGES" for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("app.py has no PAGES list")


def registered_pages() -> list[str]:
    """The files of app.PAGES that exist (the app skips the others), default page first."""
    return [path for path, *_ in app_pages() if (REPO / path).is_file()]


def new_session(params: Mapping[str, str] | None = None) -> AppTest:
    """app.py in a new browser session whose URL carries `params`; not run yet."""
    at = AppTest.from_file(str(APP), default_timeout=APP_RUN_TIMEOUT_S)
    at.query_params.update(params or {})
    return at


def open_page(page: str | None = None, params: Mapping[str, str] | None = None) -> AppTest:
    """A link to `page` (an app.PAGES file; None for the default page) carrying `params`,
    opened in a new browser session: its first run, which must not raise."""
    url_path = {file: url for file, _, _, url in app_pages()}.get(page)
    if page is None or page == registered_pages()[0]:
        at = new_session(params)
    elif url_path == Path(page).stem:
        at = new_session(params).switch_page(page)  # before a run AppTest matches file names
    else:
        # switch_page finds a page by its st.navigation url_path only after a first run, so
        # the default page runs once on a bare URL; then ui's once-a-session "seeded from
        # the URL" marks are dropped so the page reads the link, as in a new browser.
        at = new_session().run()
        for key in [key for key in at.session_state if key.startswith(URL_SEEDED_PREFIX)]:
            del at.session_state[key]
        at.query_params.clear()
        at.query_params.update(params or {})
        at.switch_page(page)
    at.run()
    assert not at.exception, (page, dict(params or {}), at.exception[0].value)
    return at


def open_expanders(at: AppTest) -> list[str]:
    """Open every expander whose content is made only when opened (a key and
    on_change="rerun": the charts' "Show as table", the Map's data), as a viewer clicking
    each would, and rerun. The keys opened; the page must not raise."""
    keys = []
    for expander in at.expander:
        widget_id = expander.proto.id  # "$$ID-<hash>-<key>" when the expander has a key
        if widget_id.startswith("$$ID-"):
            keys.append(widget_id.split("-", 2)[2])
    for key in keys:
        at.session_state[key] = True
    if keys:
        at.run()
        assert not at.exception, at.exception[0].value
    return keys


def notices(at: AppTest) -> list[str]:
    """The st.info messages of the last run (where pages say a URL value was not used)."""
    return [element.value for element in at.info]


def json_records(node) -> list[list[dict]]:
    """Every list of records inside a JSON document (chart data, map layers), depth first."""
    found = []
    if isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
        found.append(node)
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        found += json_records(child)
    return found
