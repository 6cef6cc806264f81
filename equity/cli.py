"""Command line: python -m equity build | targets | life-expectancy ..."""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from equity import config, schema
from equity.planner import cli as plan_cli


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2021-03-25") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m equity", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build data/extracts from data/sources")
    build.add_argument("--if-stale", action="store_true", help="only if sources or code changed")
    build.add_argument(
        "--walk-network",
        metavar="FILE",
        default=None,
        help="OpenStreetMap extract (.osm.pbf or .osm) whose walkable ways the planner uses",
    )

    targets = commands.add_parser(
        "targets", help="areas to act on, ranked by people missed (or affected)"
    )
    targets.add_argument("--indicator", required=True)
    targets.add_argument("--date", type=_date, required=True, help="latest period ending by")
    targets.add_argument("--level", choices=["ward", "msoa", "lsoa", "practice"], default="msoa")
    targets.add_argument("--area", default=config.CITY_CODE, help="local authority code, or 'all'")
    targets.add_argument("--age-band", default="All")
    targets.add_argument("--sex", default="All")
    targets.add_argument("--ethnic-group", default="All")
    targets.add_argument("--benchmark", default=None, help="benchmark area (default: --area)")
    targets.add_argument(
        "--all",
        action="store_true",
        help="list every area, not only the significantly worse (or, for an indicator not "
        "judged better or worse, the significantly higher or lower)",
    )
    targets.add_argument("--format", choices=["csv", "table"], default="table")
    targets.add_argument(
        "--rank-uncertainty",
        action="store_true",
        help="add probability_among_worst: the chance each area is truly among the --k worst",
    )
    targets.add_argument("--k", type=int, default=3, help="how many worst (default 3)")

    plan_cli.add_parser(commands)

    from equity import ingest

    ingest.add_ingest_arguments(
        commands.add_parser("ingest", help="validate and add a user's extract atomically")
    )

    commands.add_parser(
        "bench",
        help="benchmark at England scale (the same as `python -m bench`; code in bench/)",
        add_help=False,
    )

    life = commands.add_parser("life-expectancy", help="PHE life expectancy from deaths")
    life.add_argument("input", help="CSV: area_code,age_band_start,deaths,population")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _targets(args) -> int:
    from equity import compare, db, labels, targets
    from equity.selection import Selection, area_values

    # the built catalog: the shipped rows plus those the sources declare (e.g. QOF)
    indicators = db.run_query("indicator_catalog").set_index("indicator_id")
    if args.indicator not in indicators.index:
        known = ", ".join(indicators.index)
        return _fail(f"unknown indicator {args.indicator!r}; known: {known}")
    la_code = None if args.area.lower() == "all" else args.area
    benchmark = args.benchmark or la_code or config.LLR_CODE
    selection = Selection(
        indicator_id=args.indicator,
        on_or_before=args.date,
        level=args.level,
        la_code=la_code,
        sex=args.sex,
        age_band=args.age_band,
        ethnic_group=args.ethnic_group,
        benchmark_code=benchmark,
    )
    polarity = indicators.loc[args.indicator, "polarity"]
    values = area_values(selection)
    ranked = targets.rank_targets(values, polarity, only_worse=not args.all)
    out = ranked[targets.TARGET_COLUMNS].copy()
    if args.rank_uncertainty:
        if args.k < 1:
            return _fail(f"--k must be 1 or more, got {args.k}")
        chances = compare.probability_worst(values, polarity, args.k)
        out["probability_among_worst"] = out["area_code"].map(chances).round(4)
    for column in ("value", "lower_ci", "upper_ci", "benchmark_value"):
        out[column] = out[column].round(2)
    if args.format == "csv":
        out.to_csv(sys.stdout, index=False, float_format="%.10g")
    else:
        print(out.to_string(index=False))
    # Notes go to stderr so that stdout stays plain CSV (or a plain table).
    if indicators.loc[args.indicator, "polarity"] == schema.NO_JUDGEMENT:
        print(
            "note: this indicator is not judged better or worse; listed are areas "
            "significantly higher or lower than the benchmark, by people affected",
            file=sys.stderr,
        )
    indicator_is_synthetic = bool(indicators.loc[args.indicator, "is_synthetic"])
    for badge in labels.selection_badges(
        ranked["is_synthetic"], ranked["is_modelled"], indicator_is_synthetic
    ):
        print(f"note: {badge}", file=sys.stderr)
    if args.rank_uncertainty:
        print(
            f"note: probability_among_worst = chance of being truly among the {args.k} worst "
            f"of all areas compared ({compare.RANK_DRAWS} seeded draws)",
            file=sys.stderr,
        )
    return 0


def _life_expectancy(args) -> int:
    from equity import stats

    try:
        frame = pd.read_csv(args.input)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return _fail(f"{args.input}: cannot read as CSV ({error})")
    needed = ["area_code", "age_band_start", "deaths", "population"]
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        return _fail(f"{args.input}: row 1: missing column(s) {', '.join(missing)}; need {needed}")
    result = stats.life_expectancy_by_area(frame[needed])
    result[["area_code", "value", "lower_ci", "upper_ci"]].to_csv(
        sys.stdout, index=False, float_format="%.4f"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        # The benchmark is not part of the package: imported only when asked for.
        from bench.run import main as bench_main

        return bench_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "build":
        from equity import build

        status = build.main_build(force=not args.if_stale)
        if status or not args.walk_network:
            return status
        return plan_cli.load_walk_network(args.walk_network)
    if args.command == "targets":
        return _targets(args)
    if args.command == "plan":
        return plan_cli.run(args)
    if args.command == "life-expectancy":
        return _life_expectancy(args)
    if args.command == "ingest":
        from equity import ingest

        return ingest.run_ingest(args)
    return _fail(f"unknown command {args.command}")
