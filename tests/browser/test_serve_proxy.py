"""`make serve`: two workers behind nginx (deploy/serve.py) serve one real browser session.

The browser opens the app through the proxy, changes a widget and switches page; the page
must work, both workers must be healthy, and every request of that browser (the page, its
assets and the /_stcore/stream websocket) must have reached one and the same worker.
"""

from __future__ import annotations

import contextlib
import re
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect
from websockets.sync.client import connect

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


def served_by(url: str, cookie: str | None) -> tuple[str, str]:
    """(the worker that answered, the Set-Cookie it came with) for one GET of the app."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers["X-Served-By"], reply.headers.get("Set-Cookie", "")


def test_a_room_arriving_at_once_is_split_evenly_between_the_workers(
    two_workers: serve.Cluster,
):
    """Six viewers without a cookie, each holding its websocket open: three per worker
    (least connections; a hash of a random id splits six evenly only 20 times in 64)."""

    # The sync client: Playwright's sync API already runs an event loop in this thread.
    with contextlib.ExitStack() as held:
        workers = [
            held.enter_context(
                connect(serve.stream_url(two_workers.port), subprotocols=["streamlit"])
            ).response.headers["X-Served-By"]
            for _ in range(6)
        ]
    placed = Counter(workers)
    assert sorted(placed.values()) == [3, 3], placed
    assert set(placed) == {f"127.0.0.1:{port}" for port in two_workers.worker_ports}


def test_the_affinity_cookie_names_a_worker_and_a_made_up_one_counts_as_none(
    two_workers: serve.Cluster,
):
    addresses = [f"127.0.0.1:{port}" for port in two_workers.worker_ports]
    for number, address in enumerate(addresses, start=1):
        for _ in range(3):
            worker, cookie = served_by(two_workers.url, f"heesticky=w{number}")
            assert worker == address and cookie.startswith(f"heesticky=w{number};"), cookie
    # An address, or a name that is not one of ours, does not steer the proxy: the request
    # is placed as a new browser's, and the cookie it gets back names the worker it got.
    for made_up in ("127.0.0.1:1", "w9", "worker_w1"):
        worker, cookie = served_by(two_workers.url, f"heesticky={made_up}")
        assert worker in addresses, worker
        assert cookie.startswith(f"heesticky=w{addresses.index(worker) + 1};"), cookie


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
