"""`python -m equity plan`: choose pop-up clinic sites from the command line.

Prints one row per chosen site (site_id, site_name, lat, lon, people_reached,
cumulative_reached, share_of_missed, demand, then who they reach: modelled people missed
by age band, ethnic group, main language and Somali ethnicity). --demand spread (default)
spreads each area's people missed over its residents' postcodes (modelled) and also
reports how the centroid plan differs. Walks follow the OpenStreetMap walking network when
one was loaded (build --walk-network), else the straight line × --detour.
With --format csv stdout is plain CSV (header first);
the data badges (SYNTHETIC, MODELLED), weight rule, solver status and notes go to stderr. Any problem with
the request or a venues file exits with status 2 and a message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

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
    plan.add_argument(
        "--demand",
        choices=["spread", "centroid"],
        default="spread",
        help="spread: people where they live (postcodes, modelled; default); centroid: "
        "one point per area",
    )
    plan.add_argument(
        "--detour",
        type=float,
        default=None,
        help="walking detour factor over the straight line without a network (default 1.3)",
    )
    plan.add_argument(
        "--distance",
        choices=["auto", "network", "straight"],
        default="auto",
        help="walks along the loaded OSM network (auto: when loaded) or straight × detour",
    )
    plan.add_argument("--format", choices=["csv", "table"], default="table")
    return plan


def _fail(*messages: str) -> int:
    for message in messages:
        print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_REQUEST


def run(args: argparse.Namespace) -> int:
    """Plan sites for the parsed `plan` arguments; 0 on success, 2 on a bad request."""
    from equity import catalog, db, options
    from equity.planner import plan, presentation, spread, venues, walking

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
    detour = walking.DEFAULT_DETOUR if args.detour is None else args.detour
    if not (1 <= detour <= 3):
        return _fail(f"--detour must be between 1 and 3, got {detour}")
    network = None if args.distance == "straight" else read_walk_network()
    if args.distance == "network" and network is None:
        return _fail("no walking network is loaded: run python -m equity build --walk-network FILE")

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

    people = read_residents()
    must_keep = plan.parse_site_list(args.must_keep)

    def plan_for(demand_mode: str):
        inputs = plan.prepare(
            area_rows,
            level,
            source,
            args.radius_m,
            args.core20_weight,
            must_keep,
            practices=practices,
            venues=venue_sites,
            demand_mode=demand_mode,
            people=people,
            age_band=args.age_band,
            detour=detour,
            network=network,
        )
        return inputs, plan.choose_sites(inputs, args.p, args.radius_m, must_keep)

    try:
        inputs, chosen = plan_for(args.demand)
        comparison = None
        if args.demand == spread.DEMAND_SPREAD:
            _, centroid_plan = plan_for(spread.DEMAND_CENTROID)
            comparison = plan.compare_demand(inputs, chosen, centroid_plan, args.radius_m)
    except plan.PlanInputError as error:
        return _fail(str(error))
    groups = plan.catchment_groups(chosen, level, people, args.age_band)

    _print_sites(chosen, groups, args.format)
    for note in [
        *([where.note] if where.note else []),
        *chosen.notes,
        chosen.rule_text,
        presentation.reach_summary(chosen.result),
        *([comparison.text()] if comparison else []),
        spread.COMPOSITION_NOTE,
        f"Solver status: {chosen.result.solver_status} (MCLP, CBC).",
        chosen.distance_note,
    ]:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def read_residents():
    """Where people live, from the extracts (queries/)."""
    from equity import db
    from equity.planner import plan

    lsoas = db.run_query("areas_of_type", area_type="lsoa", la_code=None)
    return plan.Residents(
        lsoas=lsoas[["area_code", "msoa_code", "ward_code", "lon", "lat"]],
        groups=db.run_query("resident_groups"),
        postcodes=db.run_query("postcode_points"),
    )


def read_walk_network(folder: Path | None = None):
    """The loaded OpenStreetMap walking network (in ``folder``, default the extracts), or
    None when there is none."""
    from equity import db
    from equity.planner import walking

    folder = Path(folder or config.EXTRACTS_DIR)
    nodes_path = folder / walking.NODES_FILE
    edges_path = folder / walking.EDGES_FILE
    if not (nodes_path.is_file() and edges_path.is_file()):
        return None
    return walking.WalkNetwork(
        nodes=db.run_query("walk_network_nodes", path=str(nodes_path)),
        edges=db.run_query("walk_network_edges", path=str(edges_path)),
    )


def load_walk_network(path: str, folder: Path | None = None) -> int:
    """`build --walk-network FILE`: keep the walkable ways of an OSM extract in the extracts."""
    from equity.planner import walking

    try:
        network = walking.read_osm(path)
    except (OSError, RuntimeError, ValueError) as error:
        return _fail(f"{path}: cannot read the walking network: {error}")
    counts = walking.write_network(network, Path(folder or config.EXTRACTS_DIR))
    for name, count in counts.items():
        print(f"{name}: {count:,} rows", file=sys.stderr)
    print(f"note: walking network from {path}; {walking.OSM_ATTRIBUTION}", file=sys.stderr)
    return EXIT_OK


def _print_sites(chosen, groups, output_format: str) -> None:
    """The sites table on stdout; with csv, plain CSV only (the badges go to stderr)."""
    from equity import exports
    from equity.planner import presentation

    sites = presentation.reach_table(chosen, groups)
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
        for column in presentation.count_columns(shown):
            shown[column] = [_count_text(value) for value in shown[column]]
        shown["share_of_missed"] = [
            "*" if value != value else f"{100 * value:.1f}%" for value in shown["share_of_missed"]
        ]
        print(shown.to_string(index=False))


def _count_text(value: float) -> str:
    return "*" if value != value else f"{value:,.0f}"  # NaN is a suppressed count
