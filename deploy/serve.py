"""`make serve WORKERS=N`: N `streamlit run app.py` workers on loopback behind nginx.

Each worker is its own process (Streamlit runs every session of a process on one
interpreter, so a second process is the way to use a second core). nginx listens on
127.0.0.1:PORT, keeps each browser on one worker (a cookie it sets itself, see
deploy/nginx.conf.template) and proxies the /_stcore/stream websocket. The config is
written from the template into a run folder (git-ignored) and nginx runs from there in the
foreground, without root. Ctrl-C or SIGTERM stops nginx and every worker; so does any of
them dying.

    .venv/bin/python -m deploy.serve --workers 2 --port 8501
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import websockets

from deploy import warm

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
RUN_ROOT = Path(__file__).resolve().parent / "run"
HOST = "127.0.0.1"  # loopback only: workers and proxy alike
MALLOC_ARENAS = "2"  # per worker; see running()
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


def stream_url(port: int) -> str:
    """The websocket a browser tab speaks to the app on (a worker's or the proxy's port)."""
    return f"ws://{HOST}:{port}/_stcore/stream"


class ServeError(RuntimeError):
    """A worker or the proxy would not start; the message says what to do."""


@dataclass
class Cluster:
    """What is running: the proxy's port and each worker's port and process."""

    port: int
    worker_ports: list[int]
    workers: list[subprocess.Popen]
    proxy: subprocess.Popen | None
    run_dir: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def nginx_binary() -> str:
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise ServeError("nginx is not installed: run scripts/install-proxy (as root) first")


def start_worker(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "ui.launch",  # `streamlit run app.py`, as `make run` starts it
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def healthy(port: int) -> bool:
    with contextlib.suppress(OSError):
        with urllib.request.urlopen(f"http://{HOST}:{port}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    return False


def wait_until_healthy(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServeError(f"the server on port {port} exited with {process.returncode}")
        if healthy(port):
            return
        time.sleep(0.3)
    raise ServeError(f"the server on port {port} was not healthy after {timeout:.0f} s")


def warm_workers(worker_ports: list[int], say: Callable[[str], None]) -> None:
    """Open every page once on each worker, the workers side by side (each its own core).

    A problem is reported, not fatal: a page shows its own message to viewers, and a worker
    that could not be warmed (a timeout, a dropped connection) still serves, only colder.
    """

    def warm_one(port: int) -> warm.Warmed:
        try:
            return warm.warm(stream_url(port))
        except (OSError, TimeoutError, websockets.WebSocketException) as error:
            return warm.Warmed(problems=[f"not warmed: {type(error).__name__}: {error}"])

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(worker_ports)) as pool:
        found = list(pool.map(warm_one, worker_ports))
    for worker_port, warmed in zip(worker_ports, found):
        for problem in warmed.problems:
            say(f"warming the worker on port {worker_port}: {problem}")
    say(f"warming {len(worker_ports)} worker(s) took {time.monotonic() - started:.0f} s")


def nginx_config(port: int, worker_ports: list[int], run_dir: Path) -> str:
    """The proxy's config: least connections for a browser's first request, then its
    `heesticky` cookie (the name of the worker that answered) keeps it there."""
    addresses = [f"{HOST}:{worker}" for worker in worker_ports]
    names = [f"w{number}" for number in range(1, len(worker_ports) + 1)]
    servers = "\n".join(
        f"        server {address} max_fails=3 fail_timeout=10s;" for address in addresses
    )
    routes = "\n".join(f"        {name} worker_{name};" for name in names)
    cookies = "\n".join(
        f'        "{address}" "heesticky={name}; Path=/; HttpOnly; SameSite=Lax";'
        for address, name in zip(addresses, names)
    )
    # Each worker's own group: its browsers go there, and to the others only when it is down.
    groups = "\n".join(
        f"    upstream worker_{name} {{\n"
        f"        server {address} max_fails=3 fail_timeout=10s;\n"
        + "".join(f"        server {other} backup;\n" for other in addresses if other != address)
        + "    }"
        for address, name in zip(addresses, names)
    )
    return (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("@RUN_DIR@", str(run_dir))
        .replace("@LISTEN_PORT@", str(port))
        .replace("@UPSTREAM_SERVERS@", servers)
        .replace("@WORKER_ROUTES@", routes)
        .replace("@WORKER_COOKIES@", cookies)
        .replace("@WORKER_UPSTREAMS@", groups)
    )


def start_proxy(port: int, worker_ports: list[int], run_dir: Path) -> subprocess.Popen:
    nginx = nginx_binary()
    config = run_dir / "nginx.conf"
    config.write_text(nginx_config(port, worker_ports, run_dir), encoding="utf-8")
    command = [nginx, "-p", str(run_dir), "-c", str(config), "-e", str(run_dir / "error.log")]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if check.returncode != 0:
        raise ServeError(f"nginx rejected {config}: {check.stderr.strip()}")
    return subprocess.Popen([*command, "-g", "daemon off;"], cwd=run_dir)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextlib.contextmanager
def running(
    workers: int,
    port: int | None = None,
    run_dir: Path | None = None,
    extracts_dir: Path | None = None,
    proxy: bool = True,
    warm: bool = True,
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
) -> Iterator[Cluster]:
    """Start the workers (all healthy, and with `warm` each page opened once: deploy/warm.py)
    and, with `proxy`, nginx in front; stop them all on exit.

    Without `proxy` there must be one worker, and it listens on `port` itself.
    """
    if not proxy and workers != 1:
        raise ValueError("without the proxy there is exactly one worker")
    port = port or free_port()
    run_dir = run_dir or RUN_ROOT / str(port)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        # One secret for all: a browser's XSRF cookie stays valid if it lands on another worker.
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
        # Streamlit reruns sessions on many threads, and glibc gives each its own malloc arena
        # that it rarely hands back: two arenas cut a worker's peak RSS in the meeting load
        # test from 755/808 to 666/719 MB at the same latency (bench/FINDINGS.md).
        "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", MALLOC_ARENAS),
    }
    if extracts_dir is not None:
        env["EQUITY_EXTRACTS_DIR"] = str(extracts_dir)
    worker_ports = [free_port() for _ in range(workers)] if proxy else [port]
    processes: list[subprocess.Popen] = []
    nginx = None
    try:
        for number, worker_port in enumerate(worker_ports):
            processes.append(start_worker(worker_port, env, run_dir / f"worker-{number}.log"))
        for worker_port, process in zip(worker_ports, processes):
            wait_until_healthy(worker_port, process)
        if warm:
            warm_workers(worker_ports, say)
        if proxy:
            nginx = start_proxy(port, worker_ports, run_dir)
            wait_until_healthy(port, nginx, timeout=15)
        yield Cluster(port, worker_ports, processes, nginx, run_dir)
    finally:
        for process in ([nginx] if nginx else []) + processes:
            stop(process)


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8501, help="the proxy's port on 127.0.0.1")
    parser.add_argument("--run-dir", type=Path, help=f"default {RUN_ROOT}/PORT")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 16:
        parser.error("--workers: 1 to 16")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with running(args.workers, args.port, args.run_dir) as cluster:
            print(
                f"serving {cluster.url} -> {args.workers} workers on ports "
                f"{', '.join(map(str, cluster.worker_ports))}; logs in {cluster.run_dir}; "
                "Ctrl-C stops all",
                file=sys.stderr,
            )
            while all(process.poll() is None for process in [cluster.proxy, *cluster.workers]):
                time.sleep(1)
            print("a worker or the proxy stopped; stopping the rest", file=sys.stderr)
            return 1
    except ServeError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0


if __name__ == "__main__":
    sys.exit(main())
