"""`python -m equity plan`: choose pop-up clinic sites from the command line.

Prints one row per chosen site (site_id, site_name, lat, lon, people_reached,
cumulative_reached, share_of_missed). With --format csv stdout is plain CSV (header first);
the data badges (SYNTHETIC, MODELLED), weight rule, solver status and notes go to stderr. Any problem with
the request or a venues file exits with status 2 and a message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from equity import config

EXIT_OK = 0
EXIT_BAD_REQUEST = 2


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2021-03-25") from error


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `plan` command on an argparse subparsers object."""
    plan = subparsers.add_parser(
        "plan",
        help="pop-up clinic sites that reach the most people missed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("--indicator", required=True, help="e.g. covid_first_dose")
    plan.add_argument(
        "--date", type=_date, default=None, help="latest period ending by (default: latest)"
    )
    plan.add_argument(
        "--area",
        default=config.CITY_CODE,
        help="local authority code, 'all' for all of LLR, or a ward code (E05…)",
    )
    plan.add_argument("--age-band", default="All", help="'All', '50+' or an exact band")
    plan.add_argument("--sex", default="All")
    plan.add_argument("--ethnic-group", default="All")
    plan.add_argument(
        "--sites",
        choices=["practices", "centroids", "venues"],
        default=None,
        help="candidate sites (default: practices, or venues with --venues)",
    )
    plan.add_argument("--venues", default=None, help="CSV: name, latitude/longitude or postcode")
    plan.add_argument("--p", type=int, default=5, help="number of sites (default 5)")
    plan.add_argument("--radius-m", type=float, default=800.0, help="reach in metres (800)")
    plan.add_argument(
        "--core20-weight",
        type=float,
        default=1.0,
        help="count people missed in Core20 areas this many times (≥ 1; default 1)",
    )
    plan.add_argument("--must-keep", default="", help="site ids always chosen, comma-separated")
    plan.add_argument("--format", choices=["csv", "table"], default="table")
    return plan


def _fail(*messages: str) -> int:
    for message in messages:
        print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_REQUEST


def run(args: argparse.Namespace) -> int:
    """Plan sites for the parsed `plan` arguments; 0 on success, 2 on a bad request."""
    from equity import catalog, db, options
    from equity.planner import optimise, plan, presentation, venues

    indicators = catalog.catalog_frame().set_index("indicator_id")
    if args.indicator not in indicators.index:
        return _fail(f"unknown indicator {args.indicator!r}; known: {', '.join(indicators.index)}")
    indicator = indicators.loc[args.indicator]
    source = args.sites or ("venues" if args.venues else "practices")
    if source == "venues" and not args.venues:
        return _fail("--sites venues needs --venues FILE.csv")
    if args.venues and source != "venues":
        return _fail(f"--venues cannot be combined with --sites {source}")
    if args.p < 1:
        return _fail(f"--p must be at least 1, got {args.p}")
    if not args.radius_m > 0:
        return _fail(f"--radius-m must be a positive number of metres, got {args.radius_m}")
    if not args.core20_weight >= 1:
        return _fail(f"--core20-weight must be 1 or more, got {args.core20_weight}")

    breakdowns = db.run_query("indicator_breakdowns", indicator_id=args.indicator)
    level = plan.demand_level(breakdowns["area_type"])
    if indicator["value_type"] != "count" or level is None:
        return _fail(
            f"{args.indicator} has no counts by LSOA, MSOA or ward, so there are no "
            "people missed to plan for"
        )
    choices = options.breakdown_choices(breakdowns, level)
    for flag, value, available in (
        ("--age-band", args.age_band, choices["age_bands"]),
        ("--sex", args.sex, choices["sexes"]),
        ("--ethnic-group", args.ethnic_group, choices["ethnic_groups"]),
    ):
        if value not in available:
            return _fail(f"{flag} {value!r} is not available for {args.indicator}; "
                         f"choose from {', '.join(available)}")  # fmt: skip

    wards = db.run_query("areas_of_type", area_type="ward", la_code=None)
    try:
        where = plan.area_filter(
            args.area, level, dict(zip(wards["area_code"], wards["la_code"], strict=True))
        )
    except plan.PlanInputError as error:
        return _fail(str(error))
    params = plan.demand_query_params(
        args.indicator,
        args.date or date.max,
        level,
        where,
        sex=args.sex,
        age_band=args.age_band,
        ethnic_group=args.ethnic_group,
    )
    area_rows = db.run_query("people_missed_by_area", **params)

    practices = venue_sites = None
    try:
        if source == "practices":
            practices = venues.read_practice_sites()
        elif source == "venues":
            venue_sites = venues.read_venues(
                args.venues, venues.read_postcodes(), filename=args.venues
            )
    except venues.VenueFileError as error:
        hidden = error.total_problems - len(error.problems)
        more = [f"… and {hidden} more problems"] if hidden else []
        return _fail(f"{error.filename}: venues file refused", *error.problems, *more)
    except OSError as error:
        return _fail(f"cannot read {args.venues}: {error.strerror or error}")

    try:
        chosen = plan.make_plan(
            area_rows,
            level,
            source,
            args.p,
            radius_m=args.radius_m,
            core20_weight=args.core20_weight,
            must_keep=plan.parse_site_list(args.must_keep),
            practices=practices,
            venues=venue_sites,
        )
    except plan.PlanInputError as error:
        return _fail(str(error))

    _print_sites(chosen, args.format)
    for note in [
        *([where.note] if where.note else []),
        *chosen.notes,
        chosen.rule_text,
        presentation.reach_summary(chosen.result),
        f"Solver status: {chosen.result.solver_status} (spopt MCLP, CBC).",
        optimise.DISTANCE_NOTE,
    ]:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _print_sites(chosen, output_format: str) -> None:
    """The sites table on stdout; with csv, plain CSV only (the badges go to stderr)."""
    from equity import exports
    from equity.planner import presentation

    sites = presentation.site_table(chosen.result)[presentation.SITE_COLUMNS]
    if output_format == "csv":
        for badge in chosen.badges:
            print(f"note: {badge}", file=sys.stderr)
        escaped = sites.copy()
        escaped["site_name"] = escaped["site_name"].map(exports.escape_formula)
        escaped.to_csv(sys.stdout, index=False, float_format="%.10g")
    else:
        for badge in chosen.badges:
            print(f"# {badge}")
        shown = sites.copy()
        for column in ("people_reached", "cumulative_reached"):
            shown[column] = [_count_text(value) for value in shown[column]]
        shown["share_of_missed"] = [
            "*" if value != value else f"{100 * value:.1f}%" for value in shown["share_of_missed"]
        ]
        print(shown.to_string(index=False))


def _count_text(value: float) -> str:
    return "*" if value != value else f"{value:,.0f}"  # NaN is a suppressed count
