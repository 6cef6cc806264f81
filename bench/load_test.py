"""Load test: viewers of a meeting against one `streamlit run app.py`, or N behind nginx.

Each session speaks Streamlit's own websocket protocol (BackMsg/ForwardMsg protobufs, as the
browser does) instead of driving a browser, so 30 sessions fit on a 2-core machine and the
numbers measure the server, not Chromium. A session opens the app, then interacts: every
third interaction switches page, the others change a selectbox (indicator, level, age band,
…) to another of its options. The latency of an interaction is from sending the rerun to
the server's script_finished, plus fetching any maps' shapes file the session has not fetched
yet (as a browser would, gzip accepted). Two scenarios:

- meeting: 30 viewers open the shared link within 10 s, then each interacts every 5-15 s
  (think time, random, seeded) for 2 minutes;
- stress: 30 sessions at once, 10 interactions each, no think time;
- cost: one session alone, 40 interactions, each followed by a pause, measuring the server
  CPU time (utime + stime of the worker, from /proc) each interaction used: the figure
  the others are made of. Then a second session makes the same 40 clicks: the first
  viewer of a selection pays for its queries and charts, a second (as in a meeting, where
  viewers follow the same story) finds them cached.

Targets: one worker on its own port, or N workers behind nginx (deploy/serve.py, the same
as `make serve`); each worker's peak RSS comes from its /proc. Workers are warmed first
(deploy/warm.py) except for cost, or with --cold. Bounded: a per-interaction timeout and an
overall deadline; loopback only. Each run prints its p95 by kind of interaction (opening,
page switch, widget change) and its ten slowest interactions.

    python -m bench.load_test                   # the whole table -> bench/LOAD.md (~25 min)
    python -m bench.load_test --shipped-only    # the same, shipped data only
    python -m bench.load_test --scenario meeting --workers 2      # one run, printed
    python -m bench.load_test --scenario stress --sessions 4 --interactions 3
    python -m bench.load_test --scenario stress --sessions 10 --profile bench/scratch/stress.txt
    python -m bench.profile_summary bench/scratch/stress.txt   # where the CPU went, by page
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import websockets
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from deploy import serve, warm
from deploy.serve import HOST, free_port  # noqa: F401  (HOST, free_port: this module's API too)

REPO = Path(__file__).resolve().parent.parent
LOAD_MD = Path(__file__).resolve().parent / "LOAD.md"
LOGS_DIR = Path(__file__).resolve().parent / "scratch" / "load-logs"  # runs with errors
# Widgets a user changes in a meeting; the key is the suffix of the widget's id.
WIDGET_KEYS = ("indicator", "level", "age_band", "ethnic_group", "sex", "period", "within")


@dataclass(frozen=True)
class Scenario:
    name: str
    sessions: int
    interactions: int | None = None  # per session, counting the opening; None: until duration
    arrival_seconds: float = 0  # sessions open at uniform random moments in [0, this)
    think_seconds: tuple[float, float] | None = None  # pause before each interaction
    duration_seconds: float | None = None  # after its opening, a session stops interacting


MEETING = Scenario("meeting", 30, arrival_seconds=10, think_seconds=(5, 15), duration_seconds=120)
STRESS = Scenario("stress", 30, interactions=10)
COST = Scenario("cost", 2, interactions=40)  # one after the other, the same clicks
SCENARIOS = {scenario.name: scenario for scenario in (MEETING, STRESS, COST)}
# After an interaction of the cost scenario, wait this long before reading the worker's CPU
# time: Streamlit finishes some work (sending, collecting) after script_finished.
SETTLE_SECONDS = 0.5


def percentile_95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def action_kind(action: str) -> str:
    """'opening', 'page' (a switch to another page) or 'widget' (a changed control)."""
    if action == "open the app":
        return "opening"
    return "page" if action.startswith("open page") else "widget"


@dataclass
class SessionResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # cost scenario: per interaction
    fetched: list[str] = field(default_factory=list)  # files fetched (the maps' shapes)


@dataclass
class LoadResult:
    scenario: str
    workers: int
    proxied: bool
    sessions: int
    interactions: int | None
    latencies: list[float]
    errors: list[str]
    wall_seconds: float
    worker_rss_mb: list[float]  # at the end of the run, one per worker
    worker_hwm_mb: list[float]  # peak (VmHWM), one per worker
    sessions_per_worker: list[int]  # websockets each worker took (from nginx's log), if proxied
    cpu_count: int
    load_average: float = float("nan")  # 1-minute load average before the run (shared machine?)
    data: str = "shipped"
    warmed: bool = True  # every page opened once on each worker before the run (deploy/warm.py)
    # cost scenario: CPU seconds per interaction of the first viewer, then of the repeat
    cpu_first: list[float] = field(default_factory=list)
    cpu_repeat: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # cost scenario: the first viewer's
    # every interaction's kind, in the order of latencies: opening, page or widget
    kinds: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (latency, action), top 10
    fetched: list[str] = field(default_factory=list)  # every session's fetched files

    def p95_by_kind(self) -> dict[str, float]:
        """p95 latency of the openings, of the page switches and of the widget changes."""
        by_kind: dict[str, list[float]] = {}
        for kind, latency in zip(self.kinds, self.latencies):
            by_kind.setdefault(kind, []).append(latency)
        return {kind: percentile_95(values) for kind, values in by_kind.items()}

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_first) if self.cpu_first else float("nan")

    @property
    def cpu_repeat_median(self) -> float:
        return statistics.median(self.cpu_repeat) if self.cpu_repeat else float("nan")

    def cpu_by_page(self, seconds_list: list[float] | None = None) -> dict[str, list[float]]:
        """CPU seconds per interaction, by the page it happened on (opening or widget)."""
        pages: dict[str, list[float]] = {}
        for action, seconds in zip(self.actions, seconds_list or self.cpu_first):
            page = action.rpartition(" on ")[2] if " on " in action else action
            page = page.removeprefix("open page ").removeprefix("open the app") or "home"
            pages.setdefault(page, []).append(seconds)
        return pages

    @property
    def server_rss_mb(self) -> float:
        return max(self.worker_rss_mb)

    @property
    def server_hwm_mb(self) -> float:
        return max(self.worker_hwm_mb)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        return percentile_95(self.latencies)

    def kinds_text(self) -> str:
        """'opening 9.1 / page 3.2 / widget 1.1' (seconds, p95 of each kind)."""
        by_kind = self.p95_by_kind()
        return " / ".join(
            f"{kind} {by_kind[kind]:.1f}"
            for kind in ("opening", "page", "widget")
            if kind in by_kind
        )

    @property
    def setup(self) -> str:
        if not self.proxied:
            return "1 worker, direct" + ("" if self.warmed else ", cold")
        return f"{self.workers} worker{'s' if self.workers > 1 else ''} behind nginx" + (
            "" if self.warmed else ", cold"
        )

    def line(self) -> str:
        return (
            f"{self.data}, {self.scenario}, {self.setup}: {self.sessions} sessions "
            f"({' / '.join(map(str, self.sessions_per_worker))} per worker), "
            f"{len(self.latencies)} interactions done, {len(self.errors)} errors, "
            f"p50 {self.p50:.2f} s, p95 {self.p95:.2f} s, max {max(self.latencies or [0]):.2f} s, "
            f"p95 by kind {self.kinds_text()}, "
            f"wall {self.wall_seconds:.0f} s, peak RSS per worker "
            f"{' / '.join(f'{mb:.0f}' for mb in self.worker_hwm_mb)} MB"
            + (
                f", server CPU per interaction median {self.cpu_median:.3f} s "
                f"(the same clicks again: {self.cpu_repeat_median:.3f} s), by page "
                + ", ".join(
                    f"{page} {statistics.median(seconds):.3f}"
                    f"/{statistics.median(self.cpu_by_page(self.cpu_repeat)[page]):.3f}"
                    for page, seconds in sorted(self.cpu_by_page().items())
                )
                if self.cpu_first
                else ""
            )
        )


SHAPES_URL = re.compile(r'"url": ?"(app/static/[^"]+)"')


def _fetch(url: str, timeout: float) -> int:
    """GET a file as a browser would, compressed if the server will (the server pays for
    that); its size in bytes as sent."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return len(reply.read())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, all its threads (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(rest.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def websockets_per_worker(access_log: Path, worker_ports: list[int]) -> list[int]:
    """How many /_stcore/stream connections nginx sent to each worker (its access log)."""
    upstream = re.compile(r'"GET /_stcore/stream[^"]*" \d+ .*upstream=\S+:(\d+)')
    counts = Counter()
    if access_log.exists():
        for line in access_log.read_text(encoding="utf-8").splitlines():
            if match := upstream.search(line):
                counts[int(match[1])] += 1
    return [counts[port] for port in worker_ports]


# ----------------------------------------------------------------------------- one session


class Session:
    def __init__(
        self, port: int, rng: random.Random, timeout: float, worker_pid: int | None = None
    ) -> None:
        self.worker_pid = worker_pid  # given: measure the worker's CPU per interaction
        self.url = serve.stream_url(port)  # a worker's, or the proxy's
        self.app_url = f"http://{HOST}:{port}/"
        self.fetched: set[str] = set()  # files a browser would keep in its cache
        self.to_fetch: list[str] = []
        self.rng = rng
        self.timeout = timeout
        self.pages: list[str] = []
        self.page = ""
        self.widgets: dict[str, tuple[str, list[str]]] = {}  # key -> (widget id, options)
        self.result = SessionResult()

    async def rerun(self, socket_, state: ClientState, action: str) -> None:
        self.widgets = {}
        cpu_before = cpu_seconds(self.worker_pid) if self.worker_pid else 0.0
        started = time.perf_counter()

        def see(forward: ForwardMsg) -> None:
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._see_element(forward, action)
            elif kind == "navigation":
                self.pages = [page.url_pathname for page in forward.navigation.app_pages]
            elif kind == "page_not_found":
                self.result.errors.append(f"{action}: page not found")

        status = await warm.rerun(socket_, state, self.timeout, see)
        if status != "FINISHED_SUCCESSFULLY":
            self.result.errors.append(f"{action}: {status}")
        # A map's shapes are a file its chart fetches (equity/geo.py): the browser asks for
        # it once, and the map is drawn only when it has come, so it counts in the latency.
        for url in self.to_fetch:
            self.fetched.add(url)
            self.result.fetched.append(url)
            try:
                await asyncio.to_thread(_fetch, self.app_url + url, self.timeout)
            except OSError as error:
                self.result.errors.append(f"{action}: fetching {url}: {error}")
        self.to_fetch = []
        self.result.latencies.append(time.perf_counter() - started)
        self.result.actions.append(action)
        if self.worker_pid:
            await asyncio.sleep(SETTLE_SECONDS)
            self.result.cpu_seconds.append(cpu_seconds(self.worker_pid) - cpu_before)

    def _see_element(self, forward: ForwardMsg, action: str) -> None:
        delta = forward.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.result.errors.append(f"{action}: exception {element.exception.message[:200]}")
        elif kind == "vega_lite_chart":
            for url in SHAPES_URL.findall(element.vega_lite_chart.spec):
                if url not in self.fetched and url not in self.to_fetch:
                    self.to_fetch.append(url)
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

    async def run(self, scenario: Scenario) -> SessionResult:
        if scenario.arrival_seconds:
            await asyncio.sleep(self.rng.uniform(0, scenario.arrival_seconds))
        try:
            async with websockets.connect(
                self.url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout
            ) as socket_:
                await self.rerun(socket_, ClientState(), "open the app")
                opened = time.monotonic()
                step = 1
                while scenario.interactions is None or step < scenario.interactions:
                    if scenario.think_seconds:
                        await asyncio.sleep(self.rng.uniform(*scenario.think_seconds))
                    if scenario.duration_seconds is not None and (
                        time.monotonic() - opened > scenario.duration_seconds
                    ):
                        break
                    state, action = self.next_state(step)
                    await self.rerun(socket_, state, action)
                    step += 1
        except TimeoutError:
            self.result.errors.append("timed out waiting for the server")
        except (OSError, websockets.WebSocketException) as exc:
            self.result.errors.append(f"connection: {type(exc).__name__}: {exc}")
        return self.result


# ----------------------------------------------------------------------------- the run


async def _run_sessions(
    port: int,
    scenario: Scenario,
    timeout: float,
    deadline: float,
    seed: int,
    worker_pid: int | None = None,
) -> list[SessionResult]:
    if scenario.name == COST.name:  # one viewer after another, making the same clicks

        async def one_after_another() -> list[SessionResult]:
            return [
                await Session(port, random.Random(seed), timeout, worker_pid).run(scenario)
                for _ in range(scenario.sessions)
            ]

        return await asyncio.wait_for(one_after_another(), deadline)
    runs = [
        Session(port, random.Random(seed + number), timeout, worker_pid).run(scenario)
        for number in range(scenario.sessions)
    ]
    return await asyncio.wait_for(asyncio.gather(*runs), deadline)


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def run_scenario(
    scenario: Scenario,
    *,
    workers: int = 1,
    proxy: bool | None = None,
    timeout: float = 120,
    deadline: float = 900,
    seed: int = 5,
    extracts_dir: Path | None = None,
    data: str = "shipped",
    profile: Path | None = None,
    warm: bool = True,
) -> LoadResult:
    """Start the worker(s) (behind nginx when `proxy`, by default when workers > 1), run the
    scenario's sessions against them, stop everything; the measurements. With `profile`,
    py-spy samples the first worker meanwhile (bench/profile_summary.py reads the file)."""
    proxy = workers > 1 if proxy is None else proxy
    load_average = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="load-test-") as run_dir:
        with (
            serve.running(
                workers, None, Path(run_dir), extracts_dir, proxy=proxy, warm=warm, say=_stderr
            ) as cluster,
            sampling(cluster.workers[0].pid, profile),
        ):
            started = time.perf_counter()
            try:
                # A thread of its own: the caller may already run an event loop (pytest with
                # Playwright's sync API alive), and asyncio.run refuses to nest.
                with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                    results = pool.submit(
                        asyncio.run,
                        _run_sessions(
                            cluster.port,
                            scenario,
                            timeout,
                            deadline,
                            seed,
                            # CPU per interaction only means something for a lone session
                            cluster.workers[0].pid if scenario.name == COST.name else None,
                        ),
                    ).result()
            except TimeoutError:
                results = [SessionResult(errors=[f"overall deadline of {deadline:.0f} s passed"])]
            wall = time.perf_counter() - started
            memory = [memory_mb(worker.pid) for worker in cluster.workers]
        errors = [error for result in results for error in result.errors]
        if errors:  # the app redacts tracebacks in the page; the workers' logs have them
            kept = LOGS_DIR / f"{data}-{scenario.name}-{workers}"
            shutil.copytree(
                run_dir, kept, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.pid")
            )
        # After the with: nginx has stopped, so its log holds every websocket.
        per_worker = (
            websockets_per_worker(Path(run_dir) / "access.log", cluster.worker_ports)
            if proxy
            else [scenario.sessions]
        )
    return LoadResult(
        scenario=scenario.name,
        workers=workers,
        proxied=proxy,
        sessions=scenario.sessions,
        interactions=scenario.interactions,
        latencies=[latency for result in results for latency in result.latencies],
        fetched=[url for result in results for url in result.fetched],
        kinds=[action_kind(action) for result in results for action in result.actions],
        slowest=sorted(
            (
                (latency, action)
                for result in results
                for latency, action in zip(result.latencies, result.actions)
            ),
            reverse=True,
        )[:10],
        errors=errors,
        wall_seconds=wall,
        worker_rss_mb=[rss for rss, _ in memory],
        worker_hwm_mb=[hwm for _, hwm in memory],
        sessions_per_worker=per_worker,
        cpu_count=os.cpu_count() or 0,
        load_average=load_average,
        data=data,
        warmed=warm,
        cpu_first=results[0].cpu_seconds if scenario.name == COST.name else [],
        cpu_repeat=results[-1].cpu_seconds if scenario.name == COST.name else [],
        actions=results[0].actions if scenario.name == COST.name else [],
    )


@contextlib.contextmanager
def sampling(pid: int, output: Path | None):
    """py-spy on a worker while the block runs: the Python stacks holding the GIL (what
    costs CPU), as collapsed stacks in `output`. Nothing when output is None."""
    if output is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "--pid", str(pid), "--gil", "--rate", "100"]
    command += ["--format", "raw", "--output", str(output), "--nonblocking"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def run_load(sessions: int = 30, interactions: int = 10, **options) -> LoadResult:
    """The stress scenario with these sizes: all sessions at once, no think time."""
    return run_scenario(replace(STRESS, sessions=sessions, interactions=interactions), **options)


def england_extract(say=print) -> Path:
    """The England-scale extract of the benchmark (bench/README.md), generated if missing."""
    from bench import generate, run  # the harness imports this module: import it late

    folder = generate.WORK_DIR / "england"
    run.ensure_extract(
        folder, run.Settings().rows, generate.ENGLAND, generate.Layout(order="group"), say
    )
    return folder


def machine_reference(repeats: int = 5) -> float:
    """Wall seconds (median of `repeats`) for a fixed single-core task of the kind a rerun
    does: build, serialise, parse and sort 60,000 small records. Timed before and after the
    runs, it says how fast the (shared) machine was, so LOAD.md files from different hours
    can be set side by side: a run whose reference took 1.8x longer had a 1.8x slower machine."""
    import json

    rng = random.Random(0)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rows = [
            {"area_code": f"E{rng.randrange(10**8):08d}", "value": rng.random(), "n": i}
            for i in range(60_000)
        ]
        parsed = json.loads(json.dumps(rows))
        parsed.sort(key=lambda row: (row["area_code"], row["value"]))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# ----------------------------------------------------------------------------- the report


def short(error: str) -> str:
    """An error without Streamlit's redaction notice (the worker's log has the traceback)."""
    return re.sub(r"This app has encountered an error\..*", "(traceback in the worker log)", error)


def markdown(
    results: list[LoadResult],
    command: str,
    minutes: float,
    reference: tuple[float, float] | None = None,
) -> str:
    costs = [r for r in results if r.cpu_first]
    pages = sorted({page for r in costs for page in r.cpu_by_page()})
    cost_rows = "\n".join(
        f"| {r.data} | {r.cpu_median:.3f} | {r.cpu_repeat_median:.3f} | "
        + " | ".join(
            f"{statistics.median(r.cpu_by_page()[page]):.2f} / "
            f"{statistics.median(r.cpu_by_page(r.cpu_repeat)[page]):.2f}"
            if page in r.cpu_by_page()
            else "—"  # this viewer's clicks never reached the page
            for page in pages
        )
        + " |"
        for r in costs
    )
    cost_table = (
        "| data | first viewer: median s | same clicks again: median s | "
        + " | ".join(f"{page} s" for page in pages)
        + " |\n|"
        + "---|" * (3 + len(pages))
        + "\n"
        + cost_rows
    )
    results = [r for r in results if not r.cpu_first]
    rows = "\n".join(
        f"| {r.data} | {r.scenario} | {r.setup} | "
        f"{' / '.join(map(str, r.sessions_per_worker))} | {len(r.latencies)} | "
        f"{len(r.errors)} | {r.p50:.2f} | {r.p95:.2f} | {r.kinds_text()} | "
        f"{max(r.latencies or [0]):.2f} | "
        f"{r.wall_seconds:.0f} | {' / '.join(f'{mb:.0f}' for mb in r.worker_hwm_mb)} | "
        f"{r.load_average:.1f} |"
        for r in results
    )
    errors = "\n".join(
        f"- {r.data}, {r.scenario}, {r.setup}: "
        + "; ".join(f"{count} × {error}" for error, count in Counter(map(short, r.errors)).items())
        for r in results
        if r.errors
    )
    cpu_count = results[0].cpu_count if results else 0
    machine = (
        f"**Machine reference** (`machine_reference`: a fixed single-core task of the kind a rerun"
        f" does, wall time): {reference[0]:.3f} s before the runs, {reference[1]:.3f} s after."
        " Set LOAD.md files from different hours side by side through it: a run whose"
        " reference took 1.8× longer had a 1.8× slower machine.\n\n"
        if reference
        else ""
    )
    return f"""# Load test

`{command}` ({minutes:.0f} min), measured {datetime.now(UTC):%Y-%m-%d} on {cpu_count} CPU
cores, every run in the same invocation. Each session speaks Streamlit's websocket protocol
(as a browser tab does): it opens the app, then every third interaction switches page (Where
to act, Map, Inequalities, Trends, …) and the others change a selectbox (indicator, level,
age band, ethnic group, sex, period, within) to another option. Latency = rerun sent →
`script_finished` received, over every interaction including the opening; "p95 by kind"
splits it into the openings, the page switches and the widget changes.

- **meeting**: {MEETING.sessions} viewers open the shared link within
  {MEETING.arrival_seconds:.0f} s, then each interacts every
  {MEETING.think_seconds[0]:.0f}–{MEETING.think_seconds[1]:.0f} s (random, seeded) for
  {MEETING.duration_seconds / 60:.0f} minutes.
- **stress**: {STRESS.sessions} sessions at once, {STRESS.interactions} interactions each, no
  think time.

Setups: one `streamlit run app.py` on its own port (what `make run` starts), or workers
behind nginx exactly as `make serve WORKERS=2` starts them (deploy/serve.py; a session
without the affinity cookie goes to the worker with the fewest open connections).
For meeting and stress every worker is first warmed as `make serve` does (deploy/warm.py:
each page opened once, so imports and each page's default view are ready; a meeting's
server has been up since the presenter opened the link); the cost scenario starts cold.
Data: the shipped LLR extract, and the England-scale synthetic extract of bench/README.md
(`EQUITY_EXTRACTS_DIR=bench/scratch/england`). Peak RSS is each worker's VmHWM from /proc.
The load average is the machine's 1-minute figure before the run: this machine is shared,
so a run that started on a busy machine is slower for reasons outside the app.

{machine}**Server CPU per interaction** (scenario *cost*: one viewer alone, {COST.interactions}
interactions; then a second viewer making the same clicks; CPU time of the worker process
over each interaction and the {SETTLE_SECONDS} s after it; by page: first / again):

{cost_table}

**Latency under load:**

| data | scenario | setup | sessions per worker | interactions done | errors | p50 s | p95 s | p95 by kind s | max s | wall s | peak RSS per worker MB | load avg before |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
{rows}

Errors, by kind (tracebacks: the workers' logs, kept in `bench/scratch/load-logs/`):

{errors or "none"}

Reading it: Streamlit runs every rerun of a process on threads of one Python interpreter, so
one worker uses about one core however many viewers it has, and reruns queue behind each
other; a second worker is a second interpreter and can use the second core. That is the
whole gain available on {cpu_count} cores: beyond one worker per core, workers only add
memory (each holds its own copy of the app's caches; see the RSS column). In the meeting
scenario most of the time is think time, so the latency a viewer feels is what matters; in
stress the queue is the point. Across machines, the same proxy spreads sessions over workers
on several hosts (docs/DEPLOY.md).

A smaller run (4 sessions × 3 interactions, one worker) is `tests/test_load_small.py` in
CI; two workers behind nginx with a real browser are `tests/browser/test_serve_proxy.py`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="one run, printed")
    parser.add_argument("--workers", type=int, default=1, help="with --scenario; > 1: nginx")
    parser.add_argument("--proxy", action="store_true", help="with --scenario: nginx even for 1")
    parser.add_argument("--england", action="store_true", help="with --scenario: England data")
    parser.add_argument("--sessions", type=int, help="with --scenario: instead of 30")
    parser.add_argument("--interactions", type=int, help="with --scenario stress: instead of 10")
    parser.add_argument("--shipped-only", action="store_true", help="the table without England")
    parser.add_argument("--timeout", type=float, default=120, help="per interaction, seconds")
    parser.add_argument("--deadline", type=float, default=900, help="per run, seconds")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--cold", action="store_true", help="with --scenario: do not warm the workers first"
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not write {LOAD_MD.name}")
    parser.add_argument(
        "--profile", type=Path, help="with --scenario: py-spy the worker into this file"
    )
    args = parser.parse_args(argv)
    options = {"timeout": args.timeout, "deadline": args.deadline, "seed": args.seed}

    if args.scenario:
        scenario = SCENARIOS[args.scenario]
        if args.sessions:
            scenario = replace(scenario, sessions=args.sessions)
        if args.interactions and scenario.interactions:
            scenario = replace(scenario, interactions=args.interactions)
        if not (1 <= scenario.sessions <= 200 and 1 <= (scenario.interactions or 1) <= 100):
            parser.error("keep it bounded: 1-200 sessions, 1-100 interactions")
        if not 1 <= args.workers <= 8:
            parser.error("--workers: 1 to 8")
        say = lambda text: print(text, file=sys.stderr)  # noqa: E731
        result = run_scenario(
            scenario,
            workers=args.workers,
            proxy=args.proxy or None,
            extracts_dir=england_extract(say) if args.england else None,
            data="England" if args.england else "shipped",
            profile=args.profile,
            warm=not args.cold and scenario.name != COST.name,
            **options,
        )
        results = [result]
    else:
        started = time.perf_counter()
        reference_before = machine_reference()
        datasets: list[tuple[str, Path | None]] = [("shipped", None)]
        if not args.shipped_only:
            datasets.append(("England", england_extract(lambda t: print(t, file=sys.stderr))))
        results = []
        for data, extracts_dir in datasets:
            for scenario in (COST, MEETING, STRESS):
                for workers in (1,) if scenario is COST else (1, 2):
                    result = run_scenario(
                        scenario,
                        workers=workers,
                        extracts_dir=extracts_dir,
                        data=data,
                        warm=scenario is not COST,  # cost: every first view is the app's work
                        **options,
                    )
                    print(result.line(), file=sys.stderr, flush=True)
                    results.append(result)
        if not args.no_write:
            command = "python -m bench.load_test" + (" --shipped-only" if args.shipped_only else "")
            minutes = (time.perf_counter() - started) / 60
            reference = (reference_before, machine_reference())
            LOAD_MD.write_text(markdown(results, command, minutes, reference), encoding="utf-8")
    for result in results:
        print(result.line())
        print(
            "  slowest: "
            + "; ".join(f"{action} {latency:.1f} s" for latency, action in result.slowest),
            file=sys.stderr,
        )
        for error in result.errors[:10]:
            print(f"  error: {error}", file=sys.stderr)
    return 0 if not any(result.errors for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
