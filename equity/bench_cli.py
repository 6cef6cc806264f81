"""`python -m equity bench`: the benchmark harness of issue 6 (code in bench/)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `bench` subcommand on the CLI's subparsers."""
    from bench import run as bench_run

    parser = subparsers.add_parser(
        "bench",
        help="benchmark at England scale: DuckDB vs pandas, page reruns, browser timings",
    )
    bench_run.add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from bench import run as bench_run

    settings = bench_run.settings_from(args)
    bench_run.run_benchmark(settings, say=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"results: {settings.results}")
    return 0
