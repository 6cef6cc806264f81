"""The benchmark harness of issue 6: `python -m bench [--quick] [--rows N] [--skip-browser]`.

Steps (each writes a section of the results file):
1. generate (or reuse) an England-scale synthetic extract in bench/scratch/;
2. layout experiment on a mid-size extract: row-group size, sort order, compression, files;
3. every query in queries/ (not build_* or _macros): DuckDB vs naive and careful pandas,
   median and p95 over repeated runs, answers checked equal;
4. planner: 200 demand points x 150 candidates, p = 5;
5. AppTest: rerun time of every page on the shipped extracts after a widget change;
6. browser (Playwright, headless chromium): start -> first map/chart, filter -> repaint,
   and the server's peak RSS with the England-scale extract loaded.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from bench import baselines, generate, load_test
from equity import config, db

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
]

TARGETS = {
    "map_query_ms": 100.0,
    "naive_ratio": 20.0,
    "careful_ratio": 3.0,
    "page_rerun_ms": 300.0,
    "start_to_map_s": 4.0,
    "filter_to_repaint_s": 1.0,
    "planner_s": 2.0,
    "rss_mb": 600.0,
}
# Start-up is judged against the bare Vega map's start-up timed in the same run: the shared
# machine's speed varies about 2x between runs. When the ≤ 4 s target was set (2026-11-22,
# RESULTS.md at fe60ef1) that floor took 2.74 s, so the target is ≤ 4 / 2.74 of the floor.
FLOOR_WHEN_START_TARGET_SET_S = 2.74
START_OVER_FLOOR = TARGETS["start_to_map_s"] / FLOOR_WHEN_START_TARGET_SET_S
VEGA_FLOOR = "floor: one Vega map, nothing else"


@dataclass
class Settings:
    quick: bool = False
    rows: int = 50_000_000
    skip_browser: bool = False
    skip_pages: bool = False
    skip_layout: bool = False
    work: Path = generate.WORK_DIR
    results: Path = RESULTS
    repeats: int = 15
    slow_budget_s: float = 45.0

    @property
    def geography(self) -> generate.Geography:
        return generate.ENGLAND.scaled(1 / 16) if self.quick else generate.ENGLAND


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return float(np.percentile(self.seconds, 95))

    def text(self, unit: str = "ms") -> str:
        scale = 1000 if unit == "ms" else 1
        return (
            f"{self.median * scale:,.{0 if unit == 'ms' else 2}f} "
            f"(p95 {self.p95 * scale:,.{0 if unit == 'ms' else 2}f}, n={len(self.seconds)})"
        )


def timed(call: Callable[[], object], repeats: int, budget_s: float) -> tuple[Timing, object]:
    """Run `call` up to `repeats` times (at least once), stopping once the budget is spent."""
    timing, result, spent = Timing(), None, 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - started
        timing.seconds.append(elapsed)
        spent += elapsed
        if spent >= budget_s:
            break
    return timing, result


def verdict(value: float | None, target: float, higher_is_better: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "pass" if ok else "**miss**"


# ---------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        memory = "unknown"
    import duckdb
    import pyarrow
    import streamlit

    return {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpus (nproc)": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "load average at start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "streamlit": streamlit.__version__,
    }


# ---------------------------------------------------------------- extract


def ensure_extract(
    out: Path,
    rows: int,
    geo: generate.Geography,
    layout: generate.Layout,
    say: Callable[[str], None],
) -> generate.ExtractInfo:
    info = generate.existing(out, rows, 1, geo, layout)
    if info is not None:
        say(f"reusing {info.rows:,} rows in {out}")
        return info
    say(f"generating ~{rows:,} rows into {out}")
    info = generate.generate(out, rows=rows, geo=geo, layout=layout)
    say(f"generated {info.rows:,} rows in {info.seconds:.0f} s")
    return info


# ---------------------------------------------------------------- queries


def app_query_names() -> list[str]:
    """Every query the app runs: queries/*.sql except the build steps and macros."""
    return sorted(
        path.stem
        for path in config.QUERIES_DIR.glob("*.sql")
        if not path.stem.startswith(("build_", "_"))
    )


def query_parameters(name: str) -> list[str]:
    text = re.sub(r"--[^\n]*", "", db.query_text(name))
    return sorted(set(re.findall(r"\$([a-z_][a-z0-9_]*)", text)))


def default_params(info: generate.ExtractInfo) -> dict:
    """A realistic default selection of the synthetic extract, by parameter name."""
    latest = date.fromisoformat(info.period_ends[-1])
    return {
        "indicator_id": info.indicators[0],
        "on_or_before": latest,
        "period_end": latest,
        "level": "msoa",
        "area_type": "msoa",
        "la_code": None,
        "sex": "All",
        "age_band": "50+",
        "ethnic_group": "All",
        "benchmark_code": generate.REGION_CODE,
        "benchmark_type": "region",
        "area_code": "E02000001",
        "quantile_type": "decile",
        "ward_code": None,
        "dimensions": ["sex", "age_band", "ethnic_group"],  # an area profile's breakdowns
    }


def query_cases(info: generate.ExtractInfo) -> list[tuple[str, str, dict | None, str]]:
    """(query, case label, params or None when unknown, note)."""
    defaults = default_params(info)
    cases = []
    for name in app_query_names():
        wanted = query_parameters(name)
        if name == "area_values_for_indicators":  # lists, one entry per indicator
            group = {
                "indicator_ids": [defaults["indicator_id"]],
                "on_or_before": [defaults["on_or_before"]],
                "sexes": [defaults["sex"]],
                "age_bands": [defaults["age_band"]],
                "ethnic_groups": [defaults["ethnic_group"]],
            }
            params = {p: group.get(p, defaults.get(p)) for p in wanted}
            cases.append((name, "the map's selection as a list of one", params, ""))
            continue
        unknown = [p for p in wanted if p not in defaults]
        if unknown:
            cases.append((name, "default", None, f"unknown parameter(s) {', '.join(unknown)}"))
            continue
        params = {p: defaults[p] for p in wanted}
        if name == "area_values_with_benchmark":
            cases.append((name, "map: England, MSOA, 50+, vs England", params, ""))
            cases.append(
                (
                    name,
                    "one LA, LSOA, All ages, vs the LA",
                    params
                    | {
                        "level": "lsoa",
                        "la_code": "E06000001",
                        "age_band": "All",
                        "benchmark_code": "E06000001",
                        "benchmark_type": "la",
                    },
                    "",
                )
            )
        elif name == "areas_of_type":
            cases.append((name, "MSOAs of England", params, ""))
        elif name == "counts_by_ethnic_group":
            cases.append((name, "one MSOA", params, ""))
        elif name == "indicator_breakdowns":
            cases.append((name, "from the values files' footer index", params, ""))
        else:
            cases.append((name, "default", params, ""))
    return cases


@dataclass
class QueryRow:
    query: str
    case: str
    rows: int | None = None
    duckdb: Timing | None = None
    naive: Timing | None = None
    careful: Timing | None = None
    check: str = ""
    naive_note: str = ""

    def ratio(self, other: Timing | None) -> float | None:
        if other is None or self.duckdb is None:
            return None
        return other.median / self.duckdb.median


# The widgets' question as it was asked before values files carried a breakdowns index in
# their footers (equity/db.py): a DISTINCT over every values row. Timed beside the index.
BREAKDOWNS_BY_SCAN = (
    "SELECT DISTINCT period_end, area_type, sex, age_band, ethnic_group FROM indicator_values "
    "WHERE indicator_id = $indicator_id "
    "ORDER BY period_end, area_type, sex, age_band, ethnic_group"
)
BREAKDOWNS_SCAN_CASE = "before: DISTINCT over every values row (no footer index)"


def breakdowns_by_scan(extracts_dir: Path, indicator_id: str) -> pd.DataFrame:
    cursor = db.connection(extracts_dir).cursor()
    try:
        return cursor.execute(BREAKDOWNS_BY_SCAN, {"indicator_id": indicator_id}).df()
    finally:
        cursor.close()


def bench_breakdowns_scan(
    extracts_dir: Path, info: generate.ExtractInfo, settings: Settings
) -> QueryRow:
    """The scan the footer index replaced, checked against the index's answer."""
    indicator_id = info.indicators[0]
    expected = db.run_query(
        "indicator_breakdowns", extracts_dir=extracts_dir, indicator_id=indicator_id
    )
    row = QueryRow("indicator_breakdowns", BREAKDOWNS_SCAN_CASE)
    row.duckdb, answer = timed(
        lambda: breakdowns_by_scan(extracts_dir, indicator_id),
        settings.repeats * 2,
        settings.slow_budget_s / 2,
    )
    row.rows = len(answer)
    row.check = "same answer as the index" if answer.equals(expected) else "DIFFERS from the index"
    return row


def bench_queries(
    extracts_dir: Path, info: generate.ExtractInfo, settings: Settings, say
) -> list[QueryRow]:
    out = []
    db.reset(extracts_dir)
    for name, case, params, note in query_cases(info):
        row = QueryRow(name, case)
        if params is None:
            row.check = f"not timed: {note}"
            out.append(row)
            continue
        say(f"query {name} ({case})")
        # The first run opens the connection and reads Parquet footers; report warm runs.
        expected = db.run_query(name, extracts_dir=extracts_dir, **params)
        row.rows = len(expected)
        row.duckdb, _ = timed(
            lambda name=name, params=params: db.run_query(
                name, extracts_dir=extracts_dir, **params
            ),
            settings.repeats * 2,
            settings.slow_budget_s / 2,
        )
        pair = baselines.BASELINES.get(name)
        if pair is None:
            row.check = "no baseline (DuckDB only)"
            out.append(row)
            continue
        problems = []
        for label, function in zip(("naive", "careful"), pair):
            if label == "naive" and info.rows > GUARDED_ABOVE_ROWS:
                timing, answer, note = guarded_naive(name, extracts_dir, params, settings, say)
                if answer is None:
                    row.naive_note = note
                    continue
            else:
                timing, answer = timed(
                    lambda function=function, params=params: function(extracts_dir, **params),
                    settings.repeats,
                    settings.slow_budget_s,
                )
            setattr(row, label, timing)
            problems += [f"{label}: {p}" for p in baselines.differences(name, expected, answer)]
            del answer
        row.check = "identical" if not problems else "DIFFERS: " + "; ".join(problems)
        out.append(row)
        if name == "indicator_breakdowns":
            say("query indicator_breakdowns (full scan, before the footer index)")
            out.append(bench_breakdowns_scan(extracts_dir, info, settings))
    return out


# Above this size the naive baseline (every row into pandas, ~250 bytes a row) runs in a
# child process that is stopped at NAIVE_MEMORY_CAP_MB or NAIVE_TIME_CAP_S, so it cannot
# exhaust a shared machine; a stopped run is reported as a lower bound.
GUARDED_ABOVE_ROWS = 10_000_000
NAIVE_MEMORY_CAP_MB = 6_000
NAIVE_TIME_CAP_S = 90


def _naive_child(name: str, extracts_dir: str, params_json: str, out_path: str) -> None:
    """Child process body: one naive run, its time and answer written to out_path."""
    import json

    params = json.loads(params_json)
    for key in ("on_or_before", "period_end"):
        if params.get(key):
            params[key] = date.fromisoformat(params[key])
    naive, _careful = baselines.BASELINES[name]
    started = time.perf_counter()
    answer = naive(Path(extracts_dir), **params)
    seconds = time.perf_counter() - started
    answer.to_pickle(out_path)
    Path(out_path + ".seconds").write_text(str(seconds))


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def guarded_naive(name, extracts_dir, params, settings, say):
    """One naive run in a child process with memory and time caps: (timing, answer, note)."""
    import json
    import tempfile

    say(f"  naive {name} in a guarded child (caps {NAIVE_MEMORY_CAP_MB} MB, {NAIVE_TIME_CAP_S} s)")
    params_json = json.dumps(
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()}
    )
    with tempfile.TemporaryDirectory() as scratch:
        out_path = str(Path(scratch) / "answer.pkl")
        code = (
            "import sys; from bench.run import _naive_child; "
            "_naive_child(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])"
        )
        child = subprocess.Popen(
            [sys.executable, "-c", code, name, str(extracts_dir), params_json, out_path],
            cwd=REPO,
        )
        started, peak, stopped = time.perf_counter(), 0.0, ""
        while child.poll() is None:
            peak = max(peak, _rss_mb(child.pid))
            elapsed = time.perf_counter() - started
            if peak > NAIVE_MEMORY_CAP_MB or elapsed > NAIVE_TIME_CAP_S:
                stopped = f"stopped after {elapsed:.0f} s at {peak:,.0f} MB RSS"
                child.kill()
                child.wait()
                break
            time.sleep(0.1)
        if stopped or child.returncode != 0:
            note = stopped or f"failed (exit {child.returncode})"
            return None, None, note
        timing = Timing([float(Path(out_path + ".seconds").read_text())])
        return timing, pd.read_pickle(out_path), f"peak {peak:,.0f} MB"


# ---------------------------------------------------------------- layout experiment


LAYOUT_VARIANTS = [
    ("area order, 122,880-row groups, zstd (build today)", generate.Layout(), 1),
    ("area order, 20,480-row groups, zstd", generate.Layout(row_group_size=20_480), 1),
    ("area order, 1,048,576-row groups, zstd", generate.Layout(row_group_size=1_048_576), 1),
    ("area order, 122,880-row groups, snappy", generate.Layout(compression="snappy"), 1),
    ("shuffled (unsorted), 122,880-row groups, zstd", generate.Layout(order="shuffled"), 1),
    ("group order, 122,880-row groups, zstd", generate.Layout(order="group"), 1),
    (
        "group order, 20,480-row groups, zstd",
        generate.Layout(order="group", row_group_size=20_480),
        1,
    ),
    ("group order, 2 indicators in one file", generate.Layout(order="group"), 2),
    (
        "group order, 2 indicators, one file each",
        generate.Layout(order="group", file_per_indicator=True),
        2,
    ),
]


@dataclass
class LayoutRow:
    variant: str
    rows: int
    megabytes: float
    generate_s: float
    map_query: Timing
    breakdowns: Timing


def layout_experiment(settings: Settings, say) -> list[LayoutRow]:
    geo = settings.geography
    # Mid size: two weeks of England (6.4M rows); quick runs use the small geography.
    rows = 2 * generate.rows_per_week(geo)
    out = []
    for label, layout, n_indicators in LAYOUT_VARIANTS:
        folder = settings.work / "layout"
        shutil.rmtree(folder, ignore_errors=True)
        say(f"layout: {label}")
        # the experiment times the map and a full scan, which never read the area-major copy
        layout = replace(layout, area_major_copy=False)
        info = generate.generate(
            folder, rows=rows, n_indicators=n_indicators, geo=geo, layout=layout
        )
        params = {
            k: v
            for k, v in default_params(info).items()
            if k in query_parameters("area_values_with_benchmark")
        }
        db.reset(folder)
        db.run_query("area_values_with_benchmark", extracts_dir=folder, **params)
        map_timing, _ = timed(
            lambda: db.run_query("area_values_with_benchmark", extracts_dir=folder, **params),  # noqa: B023 (called at once)
            settings.repeats,
            settings.slow_budget_s / 3,
        )
        breakdown_timing, _ = timed(
            lambda folder=folder, indicator=info.indicators[0]: breakdowns_by_scan(
                folder, indicator
            ),
            max(3, settings.repeats // 3),
            settings.slow_budget_s / 3,
        )
        db.reset(folder)
        out.append(
            LayoutRow(
                label,
                info.rows,
                info.values_bytes / 1e6,
                info.seconds,
                map_timing,
                breakdown_timing,
            )
        )
    shutil.rmtree(settings.work / "layout", ignore_errors=True)
    return out


# ---------------------------------------------------------------- planner


def bench_planner_case(seed: int = 0, p: int = 5, radius_m: float = 800.0) -> dict:
    """Issue 4's benchmark: 200 demand points × 150 candidates over a city-sized square.

    Returns seconds (wall time of plan_sites: MCLP plus greedy order), the solver
    status and the people reached.
    """
    from equity.planner import optimise

    rng = np.random.default_rng(seed)
    side_m = 8000.0  # about the width of Leicester
    origin_easting, origin_northing = 453000.0, 298000.0
    demand = pd.DataFrame(
        {
            "easting": origin_easting + rng.uniform(0, side_m, 200),
            "northing": origin_northing + rng.uniform(0, side_m, 200),
            "people_missed": rng.integers(0, 400, 200).astype(float),
        }
    )
    demand["weight"] = demand["people_missed"]
    candidates = pd.DataFrame(
        {
            "site_id": [f"c{i}" for i in range(150)],
            "site_name": [f"Candidate {i}" for i in range(150)],
            "lon": np.zeros(150),
            "lat": np.zeros(150),
            "easting": origin_easting + rng.uniform(0, side_m, 150),
            "northing": origin_northing + rng.uniform(0, side_m, 150),
            "source": "benchmark",
        }
    )
    start = time.perf_counter()
    result = optimise.plan_sites(demand, candidates, p, radius_m)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "status": result.solver_status,
        "reached": result.total_reached,
    }


def bench_planner_spread_case(p: int = 5, radius_m: float = 800.0) -> dict:
    """The real case with demand spread over postcodes: Leicester, COVID first dose 50+,
    25 Mar 2021, GP practices, straight line × the default detour. Times prepare (the
    spreading and candidates) plus choose_sites (MCLP, greedy order) on the built extracts."""
    from equity.planner import cli, plan, venues, walking

    wards = db.run_query("areas_of_type", area_type="ward", la_code=None)
    where = plan.area_filter(
        config.CITY_CODE, "msoa", dict(zip(wards["area_code"], wards["la_code"]))
    )
    rows = db.run_query(
        "people_missed_by_area",
        **plan.demand_query_params(
            "covid_first_dose", date(2021, 3, 25), "msoa", where, age_band="50+"
        ),
    )
    people, practices = cli.read_residents(), venues.read_practice_sites()
    start = time.perf_counter()
    inputs = plan.prepare(
        rows, "msoa", plan.SOURCE_PRACTICES, radius_m, practices=practices,
        demand_mode="spread", people=people, age_band="50+", detour=walking.DEFAULT_DETOUR,
    )  # fmt: skip
    chosen = plan.choose_sites(inputs, p, radius_m)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "demand_points": len(inputs.demand),
        "candidates": len(inputs.candidates),
        "status": chosen.result.solver_status,
        "reached": chosen.result.total_reached,
    }


def bench_planner(settings: Settings) -> tuple[Timing, str]:
    """Issue 4's planner case over a few seeds: wall time of plan_sites each."""
    timing, case = Timing(), {}
    for seed in range(max(3, settings.repeats // 3)):
        case = bench_planner_case(seed=seed)
        timing.seconds.append(case["seconds"])
    note = f"bench.run.bench_planner_case, seeds 0..{len(timing.seconds) - 1}"
    return timing, f"{note}; last status {case.get('status')}"


# ---------------------------------------------------------------- pages (AppTest)


def app_pages() -> list[tuple[str, str]]:
    """(file, url path) of every page app.PAGES lists whose file exists."""
    text = (REPO / "app.py").read_text(encoding="utf-8")
    found = re.findall(r'\(\s*"([^"]+\.py)",\s*"[^"]*",\s*"[^"]*",\s*"([^"]+)"\s*\)', text)
    return [(path, url) for path, url in found if (REPO / path).is_file()]


@dataclass
class PageRow:
    page: str
    first_run: float | None = None
    widget: str = ""
    reruns: Timing | None = None
    note: str = ""


def _changeable_widget(at):
    """A selectbox with at least two options (age band first), as a user would change."""
    preferred = ("age_band", "sex", "level", "period", "indicator")
    boxes = [box for box in at.selectbox if len(box.options) >= 2]
    for key in preferred:
        for box in boxes:
            if box.key == key:
                return box
    return boxes[0] if boxes else None


def _raw_option(box, label: str):
    """The value AppTest must be given for an option shown as `label`.

    AppTest accepts a label only when the box's format_func raises on it; a dict's `.get`
    (the app's usual format_func) answers None instead, so map the label back through it.
    """
    table = getattr(box.format_func, "__self__", None)
    if isinstance(table, Mapping):
        return next((raw for raw, shown in table.items() if shown == label), label)
    return label


def bench_pages(settings: Settings, say) -> list[PageRow]:
    from streamlit.testing.v1 import AppTest

    rows = []
    reruns = 3 if settings.quick else settings.repeats
    for path, _url in app_pages():
        say(f"page {path}")
        row = PageRow(path)
        try:
            at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
            at.run()
            if path != app_pages()[0][0]:
                at.switch_page(path)
            started = time.perf_counter()
            at.run()
            row.first_run = time.perf_counter() - started
            if at.exception:
                row.note = f"exception: {at.exception[0].value}"[:120]
                rows.append(row)
                continue
            box = _changeable_widget(at)
            if box is None:
                row.note = "no selectbox to change; timed plain reruns"
                row.widget = "(none)"
                row.reruns, _ = timed(lambda: at.run(), reruns, 60)  # noqa: B023 (called at once)
                rows.append(row)
                continue
            key = box.key
            labels = list(box.options)
            options = [_raw_option(box, label) for label in labels]
            row.widget = f"{key or box.label}: {labels[0]} <-> {labels[1]}"
            timing = Timing()
            # Alternate between two values; the first change of each pair fills the caches.
            for i in range(reruns + 2):
                widget = at.selectbox(key=key) if key else _changeable_widget(at)
                widget.set_value(options[i % 2])
                started = time.perf_counter()
                at.run()
                if i >= 2:
                    timing.seconds.append(time.perf_counter() - started)
            row.reruns = timing
            if at.exception:
                row.note = f"exception after change: {at.exception[0].value}"[:120]
        except Exception as error:  # a page being written by someone else may not run yet
            row.note = f"{type(error).__name__}: {error}"[:120]
        rows.append(row)
    return rows


# ---------------------------------------------------------------- browser


def _wait_for_server(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("streamlit exited before serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("streamlit did not start")


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# The map's container (st.container(key="map")), whichever renderer draws it; the 'before'
# commit had no such container, so its pydeck chart is found by Streamlit's test id.
MAP_CHART = '.st-key-map, [data-testid="stDeckGlJsonChart"]'
FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
# The commit before the start-up work of issue 6 (scipy/mapclassify/geopandas on the map's
# cold path); the harness times it beside the working tree, in the same run.
BEFORE_REF = "917e25c"
# The commit before the load work of issue 12 (caches shared across sessions, charts
# converted once): its start-up is timed too, so that work is judged in the same run.
ROUND_START_REF = "7885190"
PAINTED_SHARE = 0.05  # share of the map's pixels that must carry fill colour


@dataclass
class StartApp:
    """One app to time from `streamlit run` to its map painted."""

    label: str
    script: Path
    url_path: str
    # How `make run` starts this app, if not `streamlit run script` (this tree: ui/launch.py,
    # which imports the app's libraries while the browser loads)
    launcher: str | None = None


@dataclass
class StartResult:
    painted: Timing = field(default_factory=Timing)  # streamlit run -> map pixels painted
    complete: Timing = field(default_factory=Timing)  # ... -> the whole page's run finished
    note: str = ""


@dataclass
class BrowserResult:
    starts: dict[str, StartResult] = field(default_factory=dict)
    repaints: Timing | None = None
    rss_mb: float | None = None
    note: str = ""

    def start(self, label: str) -> StartResult | None:
        return self.starts.get(label)


def painted_share(png: bytes) -> float:
    """Share of a screenshot's pixels with a clear colour (area fills), not the near-grey
    background, white outlines or an empty canvas."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((120, 120))
    pixels = np.asarray(image, dtype=int)
    return float(((pixels.max(axis=2) - pixels.min(axis=2)) > 40).mean())


def _wait_painted(page, timeout_s: float = 60) -> None:
    """Wait until the map shows its fills: an element being present is not a painted map."""
    chart = page.locator(MAP_CHART).first
    chart.wait_for(state="visible", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if painted_share(chart.screenshot(animations="disabled")) >= PAINTED_SHARE:
            return
    raise TimeoutError(f"the map showed no fills within {timeout_s:.0f} s")


def _wait_idle(page, timeout_ms: float = 60_000) -> None:
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout_ms,
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _wait_started(page, timeout_ms: float = 3_000) -> None:
    """Wait for the rerun a widget change triggers to begin (it may already be over)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            ".getAttribute('data-test-script-state') !== 'notRunning'",
            timeout=timeout_ms,
            polling="raf",
        )
    except PlaywrightTimeout:
        pass


def _select_option(page, label: str, option_index: int) -> bool:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    if box.count() == 0:
        return False
    field = box.locator("input").first
    # Clicked while Playwright scrolls it into view, the box takes focus but stays closed
    # (seen on the England extract's taller page): scroll first, then click.
    field.scroll_into_view_if_needed()
    field.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    options.nth(option_index).click()
    return True


class _Served:
    """`streamlit run <script>` plus a fresh headless chromium, torn down on exit."""

    def __init__(
        self, playwright, script: Path, extracts_dir: Path | None, launcher: str | None = None
    ):
        self.port = load_test.free_port()
        # Named explicitly: the 'before' checkout has no extracts of its own.
        env = dict(os.environ, EQUITY_EXTRACTS_DIR=str(extracts_dir or config.EXTRACTS_DIR))
        start = (
            [sys.executable, "-m", launcher]
            if launcher
            else [str(Path(sys.executable).with_name("streamlit")), "run", str(script)]
        )
        self.started = time.perf_counter()
        self.server = subprocess.Popen(
            [
                *start,
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=script.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        self.page = self.browser.new_page(viewport={"width": 1500, "height": 1100})

    def open(self, url_path: str) -> None:
        _wait_for_server(self.port, self.server)
        self.page.goto(f"http://127.0.0.1:{self.port}/{url_path}", timeout=60_000)

    def since_start(self) -> float:
        return time.perf_counter() - self.started

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()


THIS_TREE = "this tree"


def start_apps(settings: Settings, say) -> list[StartApp]:
    """The floors, the commits before the start-up work and before the load work (full runs),
    and the working tree."""
    apps = [
        StartApp(VEGA_FLOOR, FLOOR_APP, ""),
        StartApp("floor: one pydeck map, nothing else", FLOOR_APP, "?renderer=pydeck"),
    ]
    if not settings.quick:
        before = _before_worktree(settings.work / "before", BEFORE_REF, say)
        if before is not None:
            apps.append(StartApp(f"before ({BEFORE_REF})", before / "app.py", "map"))
        round_start = _before_worktree(settings.work / "round-start", ROUND_START_REF, say)
        if round_start is not None:
            apps.append(
                StartApp(f"before issue 12 ({ROUND_START_REF})", round_start / "app.py", "map")
            )
    apps.append(StartApp(THIS_TREE, REPO / "app.py", "map", launcher="ui.launch"))
    return apps


def _before_worktree(folder: Path, ref: str, say) -> Path | None:
    """A checkout of `ref` beside the repo (a git worktree), or None if git cannot make one."""
    if (folder / "app.py").is_file():
        return folder
    result = subprocess.run(
        ["git", "worktree", "add", "--force", "--detach", str(folder), ref],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        say(f"no 'before' app: git worktree failed: {result.stderr.strip()[:200]}")
        return None
    return folder


def bench_start(
    apps: list[StartApp], extracts_dir: Path | None, runs: int, say
) -> dict[str, StartResult]:
    """`streamlit run` -> map painted, for each app, interleaved so load drifts hit all alike."""
    from playwright.sync_api import sync_playwright

    results = {app.label: StartResult() for app in apps}
    with sync_playwright() as playwright:
        for run_index in range(runs):
            for app in apps:
                say(f"browser start {run_index + 1}/{runs}: {app.label}")
                served = _Served(playwright, app.script, extracts_dir, app.launcher)
                try:
                    served.open(app.url_path)
                    _wait_painted(served.page)
                    results[app.label].painted.seconds.append(served.since_start())
                    _wait_idle(served.page)
                    results[app.label].complete.seconds.append(served.since_start())
                except Exception as error:
                    results[app.label].note = f"{type(error).__name__}: {error}"[:160]
                finally:
                    served.close()
    return results


def bench_repaint(extracts_dir: Path | None, repaints: int, say) -> BrowserResult:
    """Filter change -> repaint on the Map page, and the server's peak memory meanwhile."""
    from playwright.sync_api import sync_playwright

    result = BrowserResult()
    with sync_playwright() as playwright:
        served = _Served(playwright, REPO / "app.py", extracts_dir, "ui.launch")
        try:
            served.open("map")
            _wait_painted(served.page)
            _wait_idle(served.page)
            timing = Timing()
            for i in range(repaints):
                say(f"browser repaint {i + 1}/{repaints}")
                changed_at = time.perf_counter()
                if not _select_option(served.page, "Age band", (i % 2) + 1):
                    result.note = "no 'Age band' selectbox to change"
                    break
                _wait_started(served.page)
                _wait_idle(served.page)
                _wait_painted(served.page)
                timing.seconds.append(time.perf_counter() - changed_at)
            result.repaints = timing if timing.seconds else None
        except Exception as error:
            result.note = f"{type(error).__name__}: {error}"[:160]
        finally:
            result.rss_mb = vm_hwm_mb(served.server.pid)
            served.close()
    return result


def bench_browser(
    extracts_dir: Path | None, apps: list[StartApp], runs: int, repaints: int, say
) -> BrowserResult:
    result = bench_repaint(extracts_dir, repaints, say)
    result.starts = bench_start(apps, extracts_dir, runs, say)
    return result


# ---------------------------------------------------------------- report


def _start_table(result: BrowserResult) -> list[str]:
    """`streamlit run` -> map painted per app, with each app's time over the floor's."""
    floor = next(
        (
            r
            for label, r in result.starts.items()
            if label.startswith("floor") and r.painted.seconds
        ),
        None,
    )
    lines = [
        "| app | → map painted (s) | → page complete (s) | ÷ floor | over floor (s) | note |",
        "|---|---|---|---|---|---|",
    ]
    for label, start in result.starts.items():
        painted = start.painted.median if start.painted.seconds else None
        ratio = over = "—"
        if floor and painted is not None:
            ratio = f"{painted / floor.painted.median:.2f}×"
            over = f"{painted - floor.painted.median:+.2f}"
        lines.append(
            f"| {label} | {start.painted.text('s') if painted else '—'} | "
            f"{start.complete.text('s') if start.complete.seconds else '—'} | {ratio} | {over} | "
            f"{start.note} |"
        )
    return lines + [""]


def _vega_floor(result: BrowserResult | None) -> float | None:
    """Median start -> painted of the bare Vega map in this run (the shipped-data browser
    block times it; the England block runs on the same machine in the same run)."""
    floor = result.start(VEGA_FLOOR) if result else None
    return floor.painted.median if floor and floor.painted.seconds else None


def _start_row(label: str, ours: StartResult | None, floor: float | None) -> str:
    """Start -> first map painted, judged by its ratio to the same run's Vega floor; in
    absolute seconds only when the floor has no timing (it failed to start or paint)."""
    measured = ours.painted.median if ours and ours.painted.seconds else None
    if measured is None:
        return f"| start → first map painted, {label} (s) | — | ≤ {TARGETS['start_to_map_s']:.0f} | n/a |"
    if floor is None:
        return (
            f"| start → first map painted, {label} (s) | {ours.painted.text('s')} | "
            f"≤ {TARGETS['start_to_map_s']:.0f} | "
            f"{verdict(measured, TARGETS['start_to_map_s'])} |"
        )
    return (
        f"| start → first map painted, {label} (s) | {ours.painted.text('s')}: "
        f"{measured / floor:.2f}× the Vega floor of this run ({floor:.2f} s) | "
        f"≤ {START_OVER_FLOOR:.2f}× the floor (≤ {TARGETS['start_to_map_s']:.0f} s when the "
        f"floor took {FLOOR_WHEN_START_TARGET_SET_S:.2f} s) | "
        f"{verdict(measured / floor, START_OVER_FLOOR)} |"
    )


def _ms(timing: Timing | None) -> str:
    return timing.text("ms") if timing else "—"


def _lower_bound(q: QueryRow) -> str:
    """A stopped naive run still bounds the ratio from below by the time it ran."""
    found = re.search(r"after (\d+) s", q.naive_note)
    if not found or not q.duckdb:
        return "—"
    return f"> {float(found.group(1)) / q.duckdb.median:,.0f}×"


def _ratio(value: float | None) -> str:
    return f"{value:,.1f}×" if value else "—"


def report(
    settings: Settings,
    info_machine: dict,
    extract: generate.ExtractInfo,
    queries: list[QueryRow],
    before: list[QueryRow],
    layouts: list[LayoutRow],
    planner_result: tuple[Timing, str] | None,
    pages: list[PageRow],
    browser_shipped: BrowserResult | None,
    browser_big: BrowserResult | None,
    total_s: float,
) -> str:
    lines = ["# Benchmark results (issue 6)", ""]
    lines.append(
        "Regenerate with `python -m bench` (full) or `python -m bench --quick`. "
        "Times are wall clock; each figure is the median with the 95th percentile and the "
        "number of runs (n). The machine is shared with other sessions, so the load average "
        "is recorded: medians are inflated when it exceeds the core count."
    )
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info_machine.items()]
    lines.append(f"| load average at end | {' '.join(f'{x:.1f}' for x in os.getloadavg())} |")
    lines.append(f"| harness wall time | {total_s / 60:.1f} min |")

    lines += ["", "## Summary against the targets", ""]
    lines += ["| figure | measured | target | result |", "|---|---|---|---|"]
    map_row = next((q for q in queries if q.query == "area_values_with_benchmark"), None)
    if map_row and map_row.duckdb:
        lines.append(
            f"| map query, England scale, DuckDB (ms) | {_ms(map_row.duckdb)} | "
            f"≤ {TARGETS['map_query_ms']:.0f} | "
            f"{verdict(map_row.duckdb.median * 1000, TARGETS['map_query_ms'])} |"
        )
        for label, key in (("naive", "naive_ratio"), ("careful", "careful_ratio")):
            ratio = map_row.ratio(getattr(map_row, label))
            shown = _ratio(ratio)
            if ratio is None and label == "naive" and map_row.naive_note:
                shown = f"{_lower_bound(map_row)} (naive {map_row.naive_note})"
                found = re.search(r"after (\d+) s", map_row.naive_note)
                ratio = float(found.group(1)) / map_row.duckdb.median if found else None
            lines.append(
                f"| map query: {label} pandas ÷ DuckDB | {shown} | ≥ {TARGETS[key]:.0f}× | "
                f"{verdict(ratio, TARGETS[key], higher_is_better=True)} |"
            )
    for page in pages:
        value = page.reruns.median * 1000 if page.reruns else None
        lines.append(
            f"| page rerun {page.page} (ms) | {_ms(page.reruns)} | "
            f"≤ {TARGETS['page_rerun_ms']:.0f} | {verdict(value, TARGETS['page_rerun_ms'])} |"
        )
    floor = _vega_floor(browser_shipped)
    for label, result in (("shipped data", browser_shipped), ("England extract", browser_big)):
        if result is None:
            continue
        lines.append(_start_row(label, result.start(THIS_TREE), floor))
        repaint = result.repaints.median if result.repaints else None
        lines.append(
            f"| filter change → repaint, {label} (s) | "
            f"{result.repaints.text('s') if result.repaints else '—'} | "
            f"≤ {TARGETS['filter_to_repaint_s']:.0f} | "
            f"{verdict(repaint, TARGETS['filter_to_repaint_s'])} |"
        )
    if browser_big is not None:
        rss = browser_big.rss_mb
        lines.append(
            f"| server peak RSS (VmHWM), England extract (MB) | {f'{rss:,.0f}' if rss else '—'} | "
            f"≤ {TARGETS['rss_mb']:.0f} | {verdict(rss, TARGETS['rss_mb'])} |"
        )
    if planner_result:
        timing, _ = planner_result
        lines.append(
            f"| planner 200 × 150, p = 5 (s) | {timing.text('s')} | ≤ {TARGETS['planner_s']:.0f} | "
            f"{verdict(timing.median, TARGETS['planner_s'])} |"
        )

    lines += ["", "## The England-scale extract", ""]
    geo = extract.geography
    lines.append(
        f"{extract.rows:,} `values` rows ({extract.values_bytes / 1e6:,.0f} MB of Parquet), "
        f"generated in {extract.seconds:.0f} s: {geo['lsoa']:,} LSOAs, {geo['msoa']:,} MSOAs, "
        f"{geo['ward']:,} wards, {geo['la']:,} LAs and England; {extract.weeks} weekly periods "
        f"({extract.period_ends[0]} to {extract.period_ends[-1]}); age (8 bands + All) × sex "
        "(3) × ethnic group (5 + All) at MSOA, ward, LA and England, age × sex at LSOA. "
        f"Layout: {extract.layout}. Folder: `{Path(extract.out).relative_to(REPO) if Path(extract.out).is_relative_to(REPO) else extract.out}`."
    )

    lines += ["", "## Queries: DuckDB vs pandas on the same Parquet (ms)", ""]
    lines += [
        "| query | case | rows | DuckDB | naive pandas | careful pandas | naive ÷ DuckDB | "
        "careful ÷ DuckDB | answers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for q in queries:
        lines.append(
            f"| {q.query} | {q.case} | {q.rows if q.rows is not None else '—'} | {_ms(q.duckdb)} | "
            f"{_ms(q.naive) if q.naive else (q.naive_note or '—')} | {_ms(q.careful)} | "
            f"{_ratio(q.ratio(q.naive)) if q.naive else _lower_bound(q)} | "
            f"{_ratio(q.ratio(q.careful))} | {q.check} |"
        )
    if before:
        lines += [
            "",
            "Before the layout change (the build's current sort order, area-major within a "
            "period), DuckDB only:",
            "",
            "| query | case | DuckDB |",
            "|---|---|---|",
        ]
        lines += [f"| {q.query} | {q.case} | {_ms(q.duckdb)} |" for q in before if q.duckdb]

    if layouts:
        lines += ["", "## Layout experiment (mid size, DuckDB, ms)", ""]
        lines += [
            "| layout | rows | MB | generate (s) | map query | breakdowns by full scan |",
            "|---|---|---|---|---|---|",
        ]
        for row in layouts:
            lines.append(
                f"| {row.variant} | {row.rows:,} | {row.megabytes:,.0f} | {row.generate_s:.1f} | "
                f"{_ms(row.map_query)} | {_ms(row.breakdowns)} |"
            )

    if planner_result:
        timing, note = planner_result
        lines += [
            "",
            "## Planner",
            "",
            f"200 demand × 150 candidates, p = 5: {timing.text('s')} s ({note}).",
        ]

    if pages:
        lines += ["", "## Page reruns (AppTest, shipped extracts, ms)", ""]
        lines += [
            "| page | first run (s) | widget changed | rerun | note |",
            "|---|---|---|---|---|",
        ]
        for page in pages:
            first = f"{page.first_run:.2f}" if page.first_run is not None else "—"
            lines.append(
                f"| {page.page} | {first} | {page.widget} | {_ms(page.reruns)} | {page.note} |"
            )

    for label, result in (("shipped extracts", browser_shipped), ("England extract", browser_big)):
        if result is None:
            continue
        lines += ["", f"## Browser ({label})", ""]
        lines += _start_table(result)
        if result.repaints:
            lines.append(f"- Map page, age band change → repaint: {result.repaints.text('s')} s")
        if result.rss_mb:
            lines.append(f"- server VmHWM: {result.rss_mb:,.0f} MB")
        if result.note:
            lines.append(f"- note: {result.note}")
    return "\n".join(lines) + "\n"


def run_benchmark(settings: Settings, say: Callable[[str], None] = print) -> str:
    started = time.perf_counter()
    info_machine = machine()
    geo = settings.geography
    rows = 200_000 if settings.quick else settings.rows
    settings.work.mkdir(parents=True, exist_ok=True)
    main_layout = generate.Layout(order="group")

    layouts = [] if settings.skip_layout else layout_experiment(settings, say)

    before: list[QueryRow] = []
    if not settings.quick:
        folder = settings.work / "england_area_order"
        before_layout = generate.Layout(area_major_copy=False)  # its queries are the map's
        info_before = ensure_extract(folder, rows, geo, before_layout, say)
        before = bench_queries_duckdb_only(folder, info_before, settings, say)
        db.reset(folder)

    folder = settings.work / ("quick" if settings.quick else "england")
    extract = ensure_extract(folder, rows, geo, main_layout, say)
    queries = bench_queries(folder, extract, settings, say)
    db.reset(folder)

    planner_result = bench_planner(settings)
    pages = [] if settings.skip_pages else bench_pages(settings, say)

    browser_shipped = browser_big = None
    if not settings.skip_browser:
        repaints, runs = (3, 1) if settings.quick else (7, 5)
        apps = start_apps(settings, say)
        browser_shipped = bench_browser(None, apps, runs, repaints, say)
        this_tree = [app for app in apps if app.script == REPO / "app.py"]
        browser_big = bench_browser(folder, this_tree, runs, repaints, say)

    text = report(
        settings,
        info_machine,
        extract,
        queries,
        before,
        layouts,
        planner_result,
        pages,
        browser_shipped,
        browser_big,
        time.perf_counter() - started,
    )
    settings.results.parent.mkdir(parents=True, exist_ok=True)
    settings.results.write_text(text, encoding="utf-8")
    say(f"wrote {settings.results}")
    return text


def bench_queries_duckdb_only(extracts_dir, info, settings, say) -> list[QueryRow]:
    """The map query and the breakdowns scan on another row order (DuckDB only)."""
    out = []
    db.reset(extracts_dir)
    for name, case, params, _note in query_cases(info):
        if params is None or name != "area_values_with_benchmark":
            continue
        say(f"before: {name} ({case})")
        db.run_query(name, extracts_dir=extracts_dir, **params)
        timing, _ = timed(
            lambda name=name, params=params: db.run_query(
                name, extracts_dir=extracts_dir, **params
            ),
            settings.repeats * 2,
            settings.slow_budget_s / 2,
        )
        out.append(QueryRow(name, case, duckdb=timing))
    out.append(bench_breakdowns_scan(extracts_dir, info, settings))
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="CI size (~200k rows), few repeats")
    parser.add_argument("--rows", type=int, default=50_000_000, help="values rows to generate")
    parser.add_argument("--skip-browser", action="store_true", help="no Playwright timings")
    parser.add_argument("--skip-pages", action="store_true", help="no AppTest page reruns")
    parser.add_argument("--skip-layout", action="store_true", help="no layout experiment")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing")
    parser.add_argument("--work", type=Path, default=generate.WORK_DIR, help="extract folder")
    parser.add_argument("--results", type=Path, default=None, help="Markdown output file")


def settings_from(args: argparse.Namespace) -> Settings:
    results = args.results or (args.work / "RESULTS-quick.md" if args.quick else RESULTS)
    return Settings(
        quick=args.quick,
        rows=args.rows,
        skip_browser=args.skip_browser,
        skip_pages=args.skip_pages,
        skip_layout=args.skip_layout,
        work=args.work,
        results=results,
        repeats=args.repeats or (3 if args.quick else 15),
        slow_budget_s=10.0 if args.quick else 45.0,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    settings = settings_from(args)
    run_benchmark(settings, say=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"results: {settings.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
