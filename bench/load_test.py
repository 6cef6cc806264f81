"""Load test: N concurrent sessions against one `streamlit run app.py` on 127.0.0.1.

Each session speaks Streamlit's own websocket protocol (BackMsg/ForwardMsg protobufs, as the
browser does) instead of driving a browser, so 30 sessions fit on a 2-core machine and the
numbers measure the server, not Chromium. A session opens the app, then makes M interactions:
every third switches page, the others change a selectbox (indicator, level, age band, …) to
another of its options. The latency of an interaction is from sending the rerun to the
server's script_finished. Bounded: N × M interactions, a per-interaction timeout and an
overall deadline; loopback only.

    .venv/bin/python bench/load_test.py                 # 30 sessions x 10 interactions
    .venv/bin/python bench/load_test.py --sessions 4 --interactions 3 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parent.parent
LOAD_MD = Path(__file__).resolve().parent / "LOAD.md"
HOST = "127.0.0.1"  # loopback only, whatever the caller passes
# Widgets a user changes in a meeting; the key is the suffix of the widget's id.
WIDGET_KEYS = ("indicator", "level", "age_band", "ethnic_group", "sex", "period", "within")


@dataclass
class SessionResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    sessions: int
    interactions: int
    latencies: list[float]
    errors: list[str]
    wall_seconds: float
    server_rss_mb: float
    server_hwm_mb: float
    cpu_count: int
    load_average: float = float("nan")  # 1-minute load average before the run (shared machine?)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=20, method="inclusive")[18]

    def line(self) -> str:
        return (
            f"{self.sessions} sessions x {self.interactions} interactions: "
            f"{len(self.latencies)} done, {len(self.errors)} errors, "
            f"p50 {self.p50:.2f} s, p95 {self.p95:.2f} s, max {max(self.latencies or [0]):.2f} s, "
            f"wall {self.wall_seconds:.0f} s, server RSS {self.server_rss_mb:.0f} MB "
            f"(peak VmHWM {self.server_hwm_mb:.0f} MB)"
        )


# ----------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(port: int, extracts_dir: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if extracts_dir is not None:
        env["EQUITY_EXTRACTS_DIR"] = str(extracts_dir)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "app.py"),
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_until_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {server.stderr.read().decode()[-2000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://{HOST}:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        time.sleep(0.3)
    raise TimeoutError(f"server on port {port} not healthy after {timeout:.0f} s")


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(rest.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


# ----------------------------------------------------------------------------- one session


class Session:
    def __init__(self, port: int, rng: random.Random, timeout: float) -> None:
        self.url = f"ws://{HOST}:{port}/_stcore/stream"
        self.rng = rng
        self.timeout = timeout
        self.pages: list[str] = []
        self.page = ""
        self.widgets: dict[str, tuple[str, list[str]]] = {}  # key -> (widget id, options)
        self.result = SessionResult()

    async def rerun(self, socket_, state: ClientState, action: str) -> None:
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        self.widgets = {}
        started = time.perf_counter()
        await socket_.send(message.SerializeToString())
        while True:
            raw = await asyncio.wait_for(socket_.recv(), self.timeout)
            forward = ForwardMsg.FromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._see_element(forward, action)
            elif kind == "navigation":
                self.pages = [page.url_pathname for page in forward.navigation.app_pages]
            elif kind == "page_not_found":
                self.result.errors.append(f"{action}: page not found")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # a rerun the app asked for (st.rerun): the interaction goes on
                if status != "FINISHED_SUCCESSFULLY":
                    self.result.errors.append(f"{action}: {status}")
                break
        self.result.latencies.append(time.perf_counter() - started)
        self.result.actions.append(action)

    def _see_element(self, forward: ForwardMsg, action: str) -> None:
        delta = forward.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.result.errors.append(f"{action}: exception {element.exception.message[:200]}")
        elif kind == "selectbox":
            box = element.selectbox
            for key in WIDGET_KEYS:
                if box.id.endswith(f"-{key}") and len(box.options) > 1 and not box.disabled:
                    self.widgets[key] = (box.id, list(box.options))

    def next_state(self, step: int) -> tuple[ClientState, str]:
        state = ClientState()
        if step % 3 == 0 and self.pages:
            choices = [page for page in self.pages if page != self.page] or self.pages
            self.page = self.rng.choice(choices)
            state.page_name = self.page
            return state, f"open page {self.page or 'home'}"
        state.page_name = self.page
        if not self.widgets:
            return state, "rerun"
        key = self.rng.choice(sorted(self.widgets))
        widget_id, options = self.widgets[key]
        widget = state.widget_states.widgets.add()
        widget.id = widget_id
        widget.string_value = self.rng.choice(options)
        return state, f"set {key} on {self.page or 'home'}"

    async def run(self, interactions: int) -> SessionResult:
        try:
            async with websockets.connect(
                self.url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout
            ) as socket_:
                await self.rerun(socket_, ClientState(), "open the app")
                for step in range(1, interactions):
                    state, action = self.next_state(step)
                    await self.rerun(socket_, state, action)
        except TimeoutError:
            self.result.errors.append("timed out waiting for the server")
        except (OSError, websockets.WebSocketException) as exc:
            self.result.errors.append(f"connection: {type(exc).__name__}: {exc}")
        return self.result


# ----------------------------------------------------------------------------- the run


async def _run_sessions(
    port: int, sessions: int, interactions: int, timeout: float, deadline: float, seed: int
) -> list[SessionResult]:
    runs = [
        Session(port, random.Random(seed + number), timeout).run(interactions)
        for number in range(sessions)
    ]
    return await asyncio.wait_for(asyncio.gather(*runs), deadline)


def run_load(
    sessions: int = 30,
    interactions: int = 10,
    *,
    timeout: float = 120,
    deadline: float = 900,
    seed: int = 5,
    extracts_dir: Path | None = None,
) -> LoadResult:
    """Start a server, run the sessions, stop the server; the measurements."""
    load_average = os.getloadavg()[0]
    port = free_port()
    server = start_server(port, extracts_dir)
    try:
        wait_until_healthy(port, server)
        started = time.perf_counter()
        try:
            # A thread of its own: the caller may already run an event loop (pytest with
            # Playwright's sync API alive), and asyncio.run refuses to nest.
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                results = pool.submit(
                    asyncio.run,
                    _run_sessions(port, sessions, interactions, timeout, deadline, seed),
                ).result()
        except TimeoutError:
            results = [SessionResult(errors=[f"overall deadline of {deadline:.0f} s passed"])]
        wall = time.perf_counter() - started
        rss, hwm = memory_mb(server.pid)
    finally:
        stop_server(server)
    return LoadResult(
        sessions=sessions,
        interactions=interactions,
        latencies=[latency for result in results for latency in result.latencies],
        errors=[error for result in results for error in result.errors],
        wall_seconds=wall,
        server_rss_mb=rss,
        server_hwm_mb=hwm,
        cpu_count=os.cpu_count() or 0,
        load_average=load_average,
    )


def markdown(result: LoadResult, command: str) -> str:
    return f"""# Load test

`{command}` — one `streamlit run app.py` server on 127.0.0.1; each session speaks
Streamlit's websocket protocol (as a browser tab does): open the app, then every third
interaction switches page (Where to act, Map, Inequalities, Trends, …) and the others change a
selectbox (indicator, level, age band, ethnic group, sex, period, within) to another option.
Latency = rerun sent → `script_finished` received. All sessions start at once (a meeting
room opening the link together). Server memory from /proc (VmRSS at the end, VmHWM = peak).

| measured {datetime.now(UTC):%Y-%m-%d} on {result.cpu_count} CPU cores | value |
|---|---|
| sessions × interactions | {result.sessions} × {result.interactions} |
| interactions completed | {len(result.latencies)} |
| errors | {len(result.errors)} |
| p50 interaction latency | {result.p50:.2f} s |
| p95 interaction latency | {result.p95:.2f} s |
| max interaction latency | {max(result.latencies or [0]):.2f} s |
| wall time | {result.wall_seconds:.0f} s |
| server RSS at end | {result.server_rss_mb:.0f} MB |
| server peak RSS (VmHWM) | {result.server_hwm_mb:.0f} MB |
| machine load average before the run | {result.load_average:.1f} |

Errors (first 10): {"; ".join(result.errors[:10]) or "none"}

Reading it: every session starts at the same moment and Streamlit runs each rerun on a thread
of one Python process, so reruns queue for the cores; a latency here is mostly waiting behind
the other sessions' reruns (about {result.wall_seconds / max(len(result.latencies), 1):.2f} s
of server time per interaction), not the cost of one rerun on a quiet server.

A smaller run (4 sessions × 3 interactions) is `tests/test_load_small.py` in CI.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--interactions", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120, help="per interaction, seconds")
    parser.add_argument("--deadline", type=float, default=900, help="whole run, seconds")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help=f"do not write {LOAD_MD.name}")
    args = parser.parse_args(argv)
    if not (1 <= args.sessions <= 200 and 1 <= args.interactions <= 100):
        parser.error("keep it bounded: 1-200 sessions, 1-100 interactions")
    result = run_load(
        args.sessions,
        args.interactions,
        timeout=args.timeout,
        deadline=args.deadline,
        seed=args.seed,
    )
    print(result.line())
    for error in result.errors[:10]:
        print(f"  error: {error}", file=sys.stderr)
    if not args.no_write:
        command = (
            f"python bench/load_test.py --sessions {args.sessions} "
            f"--interactions {args.interactions}"
        )
        LOAD_MD.write_text(markdown(result, command), encoding="utf-8")
    return 0 if not result.errors else 1


if __name__ == "__main__":
    sys.exit(main())
