"""deploy/warm.py: a worker is warmed by one headless session opening every page once."""

from __future__ import annotations

from pathlib import Path

from deploy import serve, warm


def test_warming_opens_every_page_of_the_app_without_a_problem(tmp_path: Path) -> None:
    said: list[str] = []
    with serve.running(1, serve.free_port(), tmp_path, proxy=False, warm=False) as cluster:
        warmed = warm.warm(serve.stream_url(cluster.port))
        serve.warm_workers(cluster.worker_ports, said.append)  # a second time: all cached
    assert warmed.problems == []
    # Every page of the navigation, the home page ("") among them, each once.
    assert len(warmed.pages) == len(set(warmed.pages)) == 8
    assert "" in warmed.pages and "planner" in warmed.pages and "area" in warmed.pages
    assert said and said[-1].startswith("warming 1 worker(s) took")
    assert not any("warming the worker" in line for line in said)


def test_warming_works_where_an_event_loop_already_runs(tmp_path: Path) -> None:
    """As under pytest with Playwright's sync API, or in any asyncio program."""
    import asyncio
    import concurrent.futures

    with serve.running(1, serve.free_port(), tmp_path, proxy=False, warm=False) as cluster:

        async def inside_a_loop() -> warm.Warmed:
            return warm.warm(serve.stream_url(cluster.port))

        # On a thread of its own: the full suite may already run Playwright's loop here.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            warmed = pool.submit(asyncio.run, inside_a_loop()).result()
    assert warmed.problems == [] and len(warmed.pages) == 8


def test_a_worker_that_cannot_be_warmed_is_reported_not_fatal() -> None:
    said: list[str] = []
    serve.warm_workers([serve.free_port()], said.append)  # nothing listens there
    assert any("not warmed" in line for line in said), said
    assert said[-1].startswith("warming 1 worker(s) took")
