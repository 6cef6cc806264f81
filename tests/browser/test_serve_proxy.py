"""`make serve`: two workers behind nginx (deploy/serve.py) serve one real browser session.

The browser opens the app through the proxy, changes a widget and switches page; the page
must work, both workers must be healthy, and every request of that browser (the page, its
assets and the /_stcore/stream websocket) must have reached one and the same worker.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from deploy import serve

from .conftest import (
    APP_RUN_TIMEOUT_MS,
    VIEWPORT,
    assert_no_app_errors,
    choose_option,
    open_page,
    selectbox_input,
    wait_for_app_idle,
)

ROUTED = re.compile(r'"(?P<request>[^"]*)" \d+ route=(?P<route>\S+) upstream=(?P<upstream>\S+)')


@pytest.fixture(scope="module")
def two_workers(extracts_dir: Path, tmp_path_factory) -> Iterator[serve.Cluster]:
    run_dir = tmp_path_factory.mktemp("serve")
    with serve.running(2, serve.free_port(), run_dir, extracts_dir) as cluster:
        yield cluster


def routed_requests(access_log: Path, route: str) -> list[tuple[str, str]]:
    """(request line, upstream) of every logged request with this affinity key."""
    lines = access_log.read_text(encoding="utf-8").splitlines()
    matches = (ROUTED.search(line) for line in lines)
    return [(m["request"], m["upstream"]) for m in matches if m and m["route"] == route]


def test_every_worker_runs_with_two_malloc_arenas(two_workers: serve.Cluster):
    for worker in two_workers.workers:
        environment = Path(f"/proc/{worker.pid}/environ").read_bytes().split(b"\0")
        assert b"MALLOC_ARENA_MAX=2" in environment, worker.args


def test_one_browser_stays_on_one_worker_behind_the_proxy(
    browser: Browser, two_workers: serve.Cluster
):
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(APP_RUN_TIMEOUT_MS)
    served_by: set[str] = set()
    page = context.new_page()
    page.on(
        "response",
        lambda response: served_by.add(response.headers.get("x-served-by", "no header")),
    )
    try:
        open_page(page, two_workers.url, "", title="Where to act")
        assert_no_app_errors(page)
        choose_option(page, "Age band", "65+")
        expect(selectbox_input(page, "Age band")).to_have_value("65+")
        assert_no_app_errors(page)

        page.locator('[data-testid="stSidebarNav"]').get_by_text("Data & methods").click()
        wait_for_app_idle(page, title="Data & methods")
        assert_no_app_errors(page)
        # The same session carried the view over: the new page's URL keeps the age band.
        address = urlsplit(page.url)
        assert address.path == "/data" and "age_band=65%2B" in address.query, page.url

        cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
    finally:
        context.close()  # closes the websocket, so nginx logs it

    assert all(serve.healthy(port) for port in two_workers.worker_ports)
    assert len(served_by) == 1 and served_by <= {
        f"127.0.0.1:{port}" for port in two_workers.worker_ports
    }, served_by
    route = cookies["heesticky"]
    access_log = two_workers.run_dir / "access.log"
    deadline = time.monotonic() + 10
    while not any("/_stcore/stream" in r for r, _ in routed_requests(access_log, route)):
        assert time.monotonic() < deadline, "nginx never logged the browser's websocket"
        time.sleep(0.2)
    upstreams = {upstream for _, upstream in routed_requests(access_log, route)}
    assert upstreams == served_by, upstreams
