"""Choosing sites: maximal covering (the MCLP, solved by CBC through PuLP) and the greedy order.

``plan_sites`` picks p sites that reach the most weighted demand within a radius, then
lists the chosen sites in greedy order so each site's extra reach is visible;
``greedy_order`` gives the value of each extra site over all candidates.

Distances are straight lines in British National Grid (EPSG:27700) metres, not walking
distance along streets. All functions are pure: data in, data out.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pulp
from pyproj import Transformer
from scipy.spatial.distance import cdist

DEFAULT_RADIUS_M = 800.0

DISTANCE_NOTE = (
    "Distances are straight lines in British National Grid (EPSG:27700) metres, "
    "not walking distance along streets, so real walks are usually longer."
)

CANDIDATE_COLUMNS = [
    "site_id",
    "site_name",
    "lon",
    "lat",
    "easting",
    "northing",
    "source",
]


# --- coordinates -------------------------------------------------------------------------


# pyproj makes a transformer's PROJ pipeline once per thread that uses it (~70 ms), and
# Streamlit runs each rerun on a new thread, so every new plan paid for it again. The
# transforms run on one long-lived thread instead, which keeps its pipelines.
_projection_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyproj")


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _transform(source: str, target: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    def on_projection_thread():
        return _transformer(source, target).transform(
            np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        )

    out_x, out_y = _projection_thread.submit(on_projection_thread).result()
    return np.asarray(out_x, dtype=float), np.asarray(out_y, dtype=float)


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude (scalars or arrays) to British National Grid metres."""
    return _transform("EPSG:4326", "EPSG:27700", lon, lat)


def from_bng(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 (longitude, latitude)."""
    return _transform("EPSG:27700", "EPSG:4326", easting, northing)


# --- optimisation ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """The chosen sites and what they reach.

    ``sites``: one row per chosen site in greedy order (must-keep sites first) with
    order, site_id, site_name, source, lon, lat, must_keep, people_reached (people missed
    first reached by this site, so the rows add up to the total), weighted_reached (the
    same under the demand weight rule), core20_people_reached, cumulative_reached,
    share_of_missed (cumulative_reached / all people missed).
    ``demand``: the demand points with coverable, covered, covering_site_id,
    covering_site_name (the first site in ``sites`` order within the radius) and
    nearest_site_m (straight-line distance to the nearest chosen site).
    ``greedy``: ``greedy_order`` over all candidates, the value of each extra site.
    """

    sites: pd.DataFrame
    demand: pd.DataFrame
    greedy: pd.DataFrame
    solver_status: str
    p: int
    radius_m: float
    total_missed: float
    total_reached: float
    coverable_missed: float
    total_weight: float
    weight_reached: float
    distance_note: str = DISTANCE_NOTE

    @property
    def share_reached(self) -> float:
        return _share(self.total_reached, self.total_missed)


def coverage_matrix(demand: pd.DataFrame, candidates: pd.DataFrame, radius_m: float) -> np.ndarray:
    """Boolean [demand, candidate]: within radius_m straight-line metres (EPSG:27700)."""
    distances = _distances(demand, candidates)
    return distances <= radius_m


def plan_sites(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    p: int,
    radius_m: float = DEFAULT_RADIUS_M,
    must_keep: Iterable[str] = (),
    greedy_steps: int | None = None,
    distances: np.ndarray | None = None,
) -> PlanResult:
    """Choose p candidate sites that reach the most weighted demand within radius_m.

    ``demand`` needs easting, northing, weight (from ``demand_points``); people_missed
    and is_core20 are used for reporting when present. ``candidates`` has the
    ``CANDIDATE_COLUMNS``. Sites in ``must_keep`` (site ids) are always chosen. Solved
    exactly as a Maximal Covering Location Problem (``_mclp_model``; CBC solver). The
    optimised (weighted) reach never falls as p grows. ``greedy_steps`` limits the
    greedy table (default: until no site adds anyone). ``distances`` ([demand, candidate]
    metres, e.g. walking estimates; inf where out of reach) replaces the straight lines.
    """
    demand, candidates, must_keep_ids = _validated_inputs(demand, candidates, radius_m, must_keep)
    _check_site_count(p, len(candidates), len(must_keep_ids))
    distances = _distances(demand, candidates) if distances is None else distances
    _check_distance_shape(distances, demand, candidates)
    covers = distances <= radius_m
    weights = demand["weight"].to_numpy(dtype=float)
    forced = candidates["site_id"].isin(must_keep_ids).to_numpy()

    chosen, solver_status = _solve_mclp(distances, weights, radius_m, p, forced)
    chosen_in_order = _greedy_sequence(
        covers,
        weights,
        allowed=chosen,
        forced=np.flatnonzero(forced),
        steps=len(chosen),
    )
    order = [index for index, _ in chosen_in_order]

    demand_out = _demand_coverage(demand, candidates, covers, distances, order)
    sites = _site_table(demand_out, candidates, covers, order, forced)
    greedy = greedy_order(
        demand, candidates, radius_m, greedy_steps, must_keep=must_keep_ids, distances=distances
    )

    people = demand_out["people_missed"].to_numpy(dtype=float)
    covered = demand_out["covered"].to_numpy()
    return PlanResult(
        sites=sites,
        demand=demand_out,
        greedy=greedy,
        solver_status=solver_status,
        p=p,
        radius_m=float(radius_m),
        total_missed=float(people.sum()),
        total_reached=float(people[covered].sum()),
        coverable_missed=float(people[demand_out["coverable"].to_numpy()].sum()),
        total_weight=float(weights.sum()),
        weight_reached=float(weights[covered].sum()),
    )


def greedy_order(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    radius_m: float = DEFAULT_RADIUS_M,
    k: int | None = None,
    must_keep: Iterable[str] = (),
    distances: np.ndarray | None = None,
) -> pd.DataFrame:
    """Add sites one at a time, each time the one reaching the most new weighted demand.

    Must-keep sites come first. Stops after k sites, or (k None) when no site adds anyone.
    Columns: step, site_id, site_name, must_keep, marginal_reached (people),
    marginal_weighted, cumulative_reached, share_of_missed.
    """
    demand, candidates, must_keep_ids = _validated_inputs(demand, candidates, radius_m, must_keep)
    if distances is None:
        covers = coverage_matrix(demand, candidates, radius_m)
    else:
        _check_distance_shape(distances, demand, candidates)
        covers = distances <= radius_m
    weights = demand["weight"].to_numpy(dtype=float)
    people = _people_missed(demand)
    forced = np.flatnonzero(candidates["site_id"].isin(must_keep_ids).to_numpy())
    steps = len(candidates) if k is None else min(int(k), len(candidates))
    sequence = _greedy_sequence(
        covers,
        weights,
        allowed=np.arange(len(candidates)),
        forced=forced,
        steps=steps,
        stop_when_no_gain=k is None,
    )
    rows = []
    reached = np.zeros(len(demand), dtype=bool)
    cumulative = 0.0
    for step, (index, marginal_weight) in enumerate(sequence, start=1):
        newly = covers[:, index] & ~reached
        reached |= newly
        marginal_people = float(people[newly].sum())
        cumulative += marginal_people
        rows.append(
            {
                "step": step,
                "site_id": candidates["site_id"].iat[index],
                "site_name": candidates["site_name"].iat[index],
                "must_keep": bool(index in forced),
                "marginal_reached": marginal_people,
                "marginal_weighted": marginal_weight,
                "cumulative_reached": cumulative,
                "share_of_missed": _share(cumulative, people.sum()),
            }
        )
    columns = [
        "step", "site_id", "site_name", "must_keep", "marginal_reached",
        "marginal_weighted", "cumulative_reached", "share_of_missed",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _solve_mclp(
    distances: np.ndarray,
    weights: np.ndarray,
    radius_m: float,
    p: int,
    forced: np.ndarray,
) -> tuple[np.ndarray, str]:
    """Indices of the chosen candidates and the solver's status word.

    Demand points with the same set of candidates in reach are merged first (weights
    summed) and points no candidate reaches are dropped: the optimum is the same, and
    thousands of postcode points become a few hundred rows for the solver.
    """
    covers = distances <= radius_m
    # Rows as bytes (packed bits) make np.unique fast on thousands of rows.
    packed = np.packbits(covers, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    pattern_weights = np.bincount(inverse.ravel(), weights=weights, minlength=len(first))
    patterns = covers[first]
    useful = patterns.any(axis=1) & (pattern_weights > 0)
    if not useful.any():  # nobody reachable: keep one row so the model is well formed
        useful[0] = True
    problem = _mclp_model(patterns[useful], pattern_weights[useful], p, np.flatnonzero(forced))
    with warnings.catch_warnings():
        # PuLP 3.3 marks its bundled CBC (PULP_CBC_CMD) for removal in 4.0; it is the CBC
        # that requirements.txt installs, so the warning is silenced, not acted on.
        warnings.simplefilter("ignore", DeprecationWarning)
        status_code = problem.solve(pulp.PULP_CBC_CMD(msg=False))
    status = pulp.LpStatus.get(status_code, str(status_code))
    if status != "Optimal":
        raise PlanningError(f"the optimiser did not find a plan (status: {status})")
    sites = problem.variablesDict()
    chosen = np.array(
        [j for j in range(covers.shape[1]) if (sites[f"site_{j}"].value() or 0) > 0.5], dtype=int
    )
    if len(chosen) != p:
        raise PlanningError(f"the optimiser returned {len(chosen)} sites instead of {p}")
    return chosen, status


def _mclp_model(
    covers: np.ndarray, weights: np.ndarray, p: int, forced: np.ndarray
) -> pulp.LpProblem:
    """The maximal covering location problem (Church & ReVelle 1974) as spopt's MCLP states
    it: maximise the weight of rows reached, exactly p sites, a row reached only if a chosen
    site covers it, forced sites chosen. Written here, sparsely: spopt's builder makes a
    term for every row and site, zero or not (0.12 s for 153 × 59), and importing spopt
    brought geopandas, scikit-learn and libpysal into every worker (~180 MB, ~4 s).
    tests/test_planner.py checks it against spopt's MCLP."""
    problem = pulp.LpProblem("mclp", pulp.LpMaximize)
    sites = [problem.add_variable(f"site_{j}", cat=pulp.LpBinary) for j in range(covers.shape[1])]
    reached = [problem.add_variable(f"reached_{i}", cat=pulp.LpBinary) for i in range(len(covers))]
    problem += pulp.LpAffineExpression(zip(reached, weights.tolist(), strict=True))
    problem += pulp.LpAffineExpression((site, 1) for site in sites) == p
    for row, reached_here in zip(covers, reached, strict=True):
        covering = pulp.LpAffineExpression((sites[j], 1) for j in np.flatnonzero(row).tolist())
        problem += covering - reached_here >= 0
    for j in forced.tolist():
        problem += sites[j] == 1
    return problem


class PlanningError(RuntimeError):
    """The optimiser could not produce a plan."""


def _greedy_sequence(
    covers: np.ndarray,
    weights: np.ndarray,
    allowed: np.ndarray,
    forced: np.ndarray,
    steps: int,
    stop_when_no_gain: bool = False,
) -> list[tuple[int, float]]:
    """(candidate index, marginal weight) in greedy order; forced ones first, ties by index."""
    reached = np.zeros(covers.shape[0], dtype=bool)
    remaining = sorted({int(i) for i in allowed})
    to_force = sorted({int(i) for i in forced})
    sequence: list[tuple[int, float]] = []
    # Every column's gain at once, then the pool's: taking the pool's columns first copied
    # and converted a (demand × pool) matrix at every step.
    as_numbers = covers.astype(float)
    while len(sequence) < steps and remaining:
        pool = to_force or remaining
        gains = ((weights * ~reached) @ as_numbers)[pool]
        best = int(np.argmax(gains))
        if not to_force and stop_when_no_gain and gains[best] <= 0:
            break
        index = pool[best]
        sequence.append((index, float(gains[best])))
        reached |= covers[:, index]
        remaining.remove(index)
        if index in to_force:
            to_force.remove(index)
    return sequence


def _demand_coverage(demand, candidates, covers, distances, order) -> pd.DataFrame:
    result = demand.copy()
    result["people_missed"] = _people_missed(demand)
    result["coverable"] = covers.any(axis=1)
    ordered_covers = covers[:, order]
    covered = ordered_covers.any(axis=1)
    first = np.argmax(ordered_covers, axis=1)
    site_ids = candidates["site_id"].to_numpy()[order]
    site_names = candidates["site_name"].to_numpy()[order]
    result["covered"] = covered
    result["covering_site_id"] = np.where(covered, site_ids[first], None)
    result["covering_site_name"] = np.where(covered, site_names[first], None)
    result["nearest_site_m"] = distances[:, order].min(axis=1)
    return result


def _site_table(demand_out, candidates, covers, order, forced) -> pd.DataFrame:
    people = demand_out["people_missed"].to_numpy(dtype=float)
    weights = demand_out["weight"].to_numpy(dtype=float)
    core20 = (
        demand_out["is_core20"].fillna(False).to_numpy(dtype=bool)
        if "is_core20" in demand_out
        else np.zeros(len(demand_out), dtype=bool)
    )
    reached = np.zeros(len(demand_out), dtype=bool)
    rows = []
    for position, index in enumerate(order, start=1):
        newly = covers[:, index] & ~reached
        reached |= newly
        rows.append(
            {
                "order": position,
                "site_id": candidates["site_id"].iat[index],
                "site_name": candidates["site_name"].iat[index],
                "source": candidates["source"].iat[index],
                "lon": float(candidates["lon"].iat[index]),
                "lat": float(candidates["lat"].iat[index]),
                "must_keep": bool(forced[index]),
                "people_reached": float(people[newly].sum()),
                "weighted_reached": float(weights[newly].sum()),
                "core20_people_reached": float(people[newly & core20].sum()),
            }
        )
    sites = pd.DataFrame(rows)
    sites["cumulative_reached"] = sites["people_reached"].cumsum()
    sites["share_of_missed"] = [
        _share(value, people.sum()) for value in sites["cumulative_reached"]
    ]
    return sites


def _validated_inputs(demand, candidates, radius_m, must_keep):
    require_columns(demand, ["easting", "northing", "weight"], "demand")
    require_columns(candidates, CANDIDATE_COLUMNS, "candidates")
    if demand.empty:
        raise ValueError("there are no demand points to plan for")
    if candidates.empty:
        raise ValueError("there are no candidate sites")
    weights = pd.to_numeric(demand["weight"], errors="coerce")
    if weights.isna().any() or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("demand weights must be finite numbers ≥ 0")
    if not (isinstance(radius_m, (int, float)) and radius_m > 0 and math.isfinite(radius_m)):
        raise ValueError(f"the radius must be a positive number of metres, got {radius_m!r}")
    check_unique_site_ids(candidates)
    must_keep_ids = list(dict.fromkeys(str(site) for site in must_keep))
    unknown = [site for site in must_keep_ids if site not in set(candidates["site_id"])]
    if unknown:
        raise ValueError(f"must-keep sites are not among the candidates: {', '.join(unknown)}")
    return (
        demand.reset_index(drop=True),
        candidates.reset_index(drop=True),
        must_keep_ids,
    )


def _check_site_count(p, n_candidates: int, n_must_keep: int) -> None:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"the number of sites must be a whole number ≥ 1, got {p!r}")
    if p > n_candidates:
        raise ValueError(f"asked for {p} sites but there are only {n_candidates} candidates")
    if n_must_keep > p:
        raise ValueError(f"{n_must_keep} must-keep sites but only {p} sites to choose")


def _distances(demand: pd.DataFrame, candidates: pd.DataFrame) -> np.ndarray:
    return cdist(
        demand[["easting", "northing"]].to_numpy(dtype=float),
        candidates[["easting", "northing"]].to_numpy(dtype=float),
    )


def _check_distance_shape(distances: np.ndarray, demand, candidates) -> None:
    if distances.shape != (len(demand), len(candidates)):
        raise ValueError(
            f"distances are {distances.shape}, expected {(len(demand), len(candidates))}"
        )


def _people_missed(demand: pd.DataFrame) -> np.ndarray:
    column = "people_missed" if "people_missed" in demand else "weight"
    return demand[column].to_numpy(dtype=float)


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def check_unique_site_ids(candidates: pd.DataFrame) -> None:
    duplicated = candidates["site_id"][candidates["site_id"].duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"site ids must be unique; repeated: {', '.join(map(str, duplicated[:5]))}"
        )


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing columns: {', '.join(missing)}")
