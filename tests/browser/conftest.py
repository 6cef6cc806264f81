"""Browser fixtures: a real `streamlit run` of app.py driven by Playwright and Debian's chromium.

The server starts once per test session on a free localhost port (after the extracts exist)
and is stopped at the end; each test gets a fresh browser context, so nothing (cookies,
session state) leaks from one test into the next.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.load_test import free_port
from tests.conftest import REPO, app_pages

BROWSER_TESTS = Path(__file__).resolve().parent
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "streamlit.log"
CHROMIUM = "/usr/bin/chromium"
# Offline, quiet, container-safe chromium (no sandbox inside CI containers, no GPU).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1000}
SERVER_START_TIMEOUT_S = 60
APP_RUN_TIMEOUT_MS = 60_000
# The script-state attribute can read "notRunning" for a moment between a widget change and
# the rerun request reaching the server, so idleness must hold for this long to count.
IDLE_STABLE_MS = 600
# A rerun of a map page takes seconds on a busy 2-core runner; Playwright's 5 s default for
# expect() is too tight for assertions that wait on one.
expect.set_options(timeout=30_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is a browser test, so `make test-fast` leaves it out
    (this hook sees the whole session's items, hence the path check)."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


def page_url_path(url_path: str) -> str:
    """Streamlit serves the default (first) page at the root, whatever its url_path."""
    return "" if url_path == app_pages()[0][3] else url_path


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


@pytest.fixture(scope="session")
def app_url(extracts_dir: Path) -> Iterator[str]:
    """Base URL of the app as `make run` starts it (ui/launch.py: `streamlit run app.py`) on a
    free port; its log goes to tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = SERVER_LOG
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.launch",  # what `make run` starts: `streamlit run app.py`, preloading
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                # No file watcher: an edit made while the suite runs must not show the
                # "source changed" prompt or reload pages under a test.
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, so the stop below reaches children
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while not _healthy(base_url):
                if server.poll() is not None:
                    raise AssertionError(
                        f"streamlit exited with {server.returncode}; see {log_path}:\n"
                        + log_path.read_text(encoding="utf-8")[-2000:]
                    )
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"streamlit not healthy after {SERVER_START_TIMEOUT_S} s; see {log_path}"
                    )
                time.sleep(0.25)
            yield base_url
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (its own cookies and Streamlit session)."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(APP_RUN_TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def wait_for_app_idle(page: Page, timeout_ms: int = APP_RUN_TIMEOUT_MS, title: str | None = None):
    """Wait until the Streamlit script has finished and the page has settled.

    Idle means: connected to the server, the app root reports script state "notRunning",
    no "running" status widget (its running-man icon), no stale (greyed, awaiting rerun)
    elements and no loading skeletons, and that has held for IDLE_STABLE_MS. With `title`, the page's h1 must also contain it.
    """
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout_ms)
    if title is not None:
        heading = page.locator('[data-testid="stMain"] h1', has_text=title)
        crash = page.locator('[data-testid="stException"]')
        expect(heading.or_(crash).first).to_be_visible(timeout=timeout_ms)
        assert_no_app_errors(page)  # fail now, not after the timeout, if the script raised
    deadline = time.monotonic() + timeout_ms / 1000
    idle_since = None
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                return {
                    script: app ? app.getAttribute('data-test-script-state') : null,
                    status: document.querySelectorAll(
                        '[data-testid="stStatusWidget"] [data-testid^="stStatusWidget"][data-testid$="Icon"]'
                    ).length,
                    stale: document.querySelectorAll('[data-stale="true"]').length,
                    skeleton: document.querySelectorAll('[data-testid="stSkeleton"]').length,
                };
            }"""
        )
        idle = (
            state["script"] == "notRunning"
            and state["status"] == 0
            and state["stale"] == 0
            and state["skeleton"] == 0
        )
        if not idle:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif (time.monotonic() - idle_since) * 1000 >= IDLE_STABLE_MS:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"app still busy after {timeout_ms} ms (last state {state})")


def open_page(page: Page, app_url: str, path: str, title: str | None = None) -> None:
    """Load an app URL path (with any ?query) and wait for its script to finish."""
    page.goto(f"{app_url}/{path.lstrip('/')}")
    wait_for_app_idle(page, title=title)


def assert_no_app_errors(page: Page) -> None:
    """No Python exception box, no st.error message, and no 'Page not found' dialog."""
    for kind in ("stException", "stAlertContentError"):
        boxes = page.locator(f'[data-testid="{kind}"]')
        assert boxes.count() == 0, (
            f"{kind}: {boxes.first.inner_text()[:2000]}\n(the traceback is in {SERVER_LOG})"
        )
    assert page.get_by_text("Page not found").count() == 0, "Streamlit said: Page not found"


def selectbox_input(page: Page, label: str):
    """The text input of the selectbox labelled `label` (its value is the shown option)."""
    return page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True)


def choose_option(page: Page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`, as a user would, then wait for rerun."""
    box = selectbox_input(page, label)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
    wait_for_app_idle(page)


def dataframe_rows(page: Page, which: int = 0) -> list[list[str]]:
    """The cell texts of an st.dataframe's body rows (from the grid's accessible table)."""
    frame = page.locator('[data-testid="stDataFrame"]').nth(which)
    frame.scroll_into_view_if_needed()
    rows = frame.locator('tbody [role="row"]')
    expect(rows.first).to_be_attached()
    return [row.locator('[role="gridcell"]').all_inner_texts() for row in rows.all()]


def full_page_screenshot(page: Page, path: Path) -> bytes:
    """A screenshot of the whole app: Streamlit scrolls inside stMain, not the document,
    so grow the viewport to the content's height first (capped), then restore it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return main ? main.scrollHeight : document.documentElement.scrollHeight;
        }"""
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, 600), 9000)})
    page.wait_for_timeout(300)  # let charts re-measure after the resize
    wait_for_app_idle(page)
    image = page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    return image


def deck_canvas(page: Page, which: int = 0):
    """The deck.gl drawing canvas of the `which`-th st.pydeck_chart, once it has a size."""
    canvas = (
        page.locator('[data-testid="stDeckGlJsonChart"]')
        .nth(which)
        .locator("canvas#deckgl-overlay")
    )
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100, box
    return canvas


def colour_shares(png: bytes) -> list[float]:
    """Shares of the picture's pixels taken by each distinct RGB colour, largest first."""
    with Image.open(io.BytesIO(png)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    total = sum(count for count, _ in colours)
    return sorted((count / total for count, _ in colours), reverse=True)


def assert_drawn(png: bytes, what: str) -> None:
    """A drawn map has several colours in real quantity; a blank or failed WebGL canvas is
    one flat colour (perhaps with a few anti-aliased or text pixels)."""
    shares = colour_shares(png)
    substantial = [share for share in shares if share >= 0.005]
    assert shares[0] < 0.9, f"{what} is {shares[0]:.0%} one colour: blank?"
    assert len(substantial) >= 4, f"{what} has only {len(substantial)} colours over 0.5%"
