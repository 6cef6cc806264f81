"""The load test, small: 4 concurrent sessions x 3 interactions against a real server on
127.0.0.1 complete with no errors (no exception element, no failed rerun, no timeout)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_module():
    spec = importlib.util.spec_from_file_location("load_test", REPO / "bench" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_four_sessions_three_interactions_without_errors(extracts_dir: Path) -> None:
    load_test = load_module()
    result = load_test.run_load(4, 3, timeout=90, deadline=240, extracts_dir=extracts_dir)
    assert result.errors == []
    assert len(result.latencies) == 4 * 3
    assert all(latency > 0 for latency in result.latencies)
    assert result.server_hwm_mb >= result.server_rss_mb > 0
    # the home page's map: each session fetched its shapes file once, as a browser would
    shapes = [url for url in result.fetched if "/shapes/" in url]
    assert len(shapes) >= 4 and len(set(shapes)) < len(shapes)


def test_the_server_is_loopback_only() -> None:
    load_test = load_module()
    assert load_test.HOST == "127.0.0.1"
    port = load_test.free_port()
    assert 1024 < port < 65536


def test_load_md_carries_the_machine_reference_timed_in_its_run() -> None:
    load_test = load_module()
    seconds = load_test.machine_reference(repeats=1)
    assert 0 < seconds < 30
    report = load_test.markdown([], "python -m bench.load_test", 1.0, (0.25, 0.5))
    assert "**Machine reference**" in report and "0.250 s before the runs, 0.500 s after" in report
    assert "Machine reference" not in load_test.markdown([], "x", 1.0)  # not timed: not claimed
