"""Walking distance: straight line × a detour factor, or shortest paths on an
OpenStreetMap walking network when one has been loaded.

Without a street network a walk is estimated as the straight-line distance × a detour
factor (``DEFAULT_DETOUR``; see ``DETOUR_SOURCE``). With one (``python -m equity build
--walk-network FILE``) distances are shortest paths along walkable ways: each candidate
site and demand point is joined to its nearest network node by a straight line, and
scipy's Dijkstra runs from each site's node with the radius as its limit. ``read_osm`` is
the only function that reads a file (build time); the rest are pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_DETOUR = 1.3
DETOUR_SOURCE = (
    "Dill J. (2004) Measuring network connectivity for bicycling and walking, TRB 83rd Annual "
    "Meeting: pedestrian route directness (network ÷ straight-line distance) of 1.2–1.5 is "
    "typical of connected urban street networks; 1.3 is taken as a middle value"
)
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
NODES_FILE = "walk_nodes.parquet"
EDGES_FILE = "walk_edges.parquet"

# Ways people can walk along; motorways and trunk roads are left out, as are ways closed
# to people on foot (foot=no) or private.
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway", "path", "pedestrian", "residential", "living_street", "service",
        "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
        "primary_link", "steps", "track", "cycleway", "bridleway", "road", "corridor",
    }
)  # fmt: skip
CLOSED_ACCESS = frozenset({"no", "private"})


def is_walkable(tags: dict[str, str]) -> bool:
    """An OSM way's tags -> whether people on foot may use it."""
    if tags.get("highway") not in WALKABLE_HIGHWAYS:
        return False
    if tags.get("foot") in CLOSED_ACCESS:
        return False
    if tags.get("access") in CLOSED_ACCESS and tags.get("foot") not in {"yes", "designated"}:
        return False
    return True


def straight_distances(demand: pd.DataFrame, candidates: pd.DataFrame, detour: float) -> np.ndarray:
    """Estimated walks [demand, candidate]: straight-line BNG metres × detour."""
    from scipy.spatial.distance import cdist

    if not (detour >= 1.0 and np.isfinite(detour)):
        raise ValueError(f"the detour factor must be a number ≥ 1, got {detour!r}")
    return detour * cdist(
        demand[["easting", "northing"]].to_numpy(dtype=float),
        candidates[["easting", "northing"]].to_numpy(dtype=float),
    )


def detour_note(detour: float) -> str:
    return (
        f"Walking distance is estimated as the straight line × {detour:g} (detour factor; "
        f"{DETOUR_SOURCE}), so an {800:,} m walk reaches {800 / detour:,.0f} m as the crow flies."
    )


NETWORK_NOTE = (
    "Walking distances are shortest paths along the loaded OpenStreetMap walking network "
    "(footways, paths and streets open to people on foot), plus the straight line from each "
    f"point to its nearest network node. {OSM_ATTRIBUTION}."
)


# --- the network --------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkNetwork:
    """nodes: easting, northing, lon, lat (row = node index); edges: source, target,
    length_m (node indices; walkable both ways)."""

    nodes: pd.DataFrame
    edges: pd.DataFrame

    def graph(self):
        from scipy.sparse import coo_matrix

        n = len(self.nodes)
        source = self.edges["source"].to_numpy(dtype=np.int64)
        target = self.edges["target"].to_numpy(dtype=np.int64)
        length = self.edges["length_m"].to_numpy(dtype=float)
        # Both directions; a tiny floor so zero-length edges are not read as "no edge".
        weights = np.maximum(np.concatenate([length, length]), 1e-6)
        return coo_matrix(
            (weights, (np.concatenate([source, target]), np.concatenate([target, source]))),
            shape=(n, n),
        ).tocsr()


def read_osm(path: str | Path) -> WalkNetwork:
    """Walkable ways of an OpenStreetMap extract (.osm.pbf or .osm XML) as a WalkNetwork."""
    # pyosmium reads both pbf and XML locally; osmnx would fetch from Overpass over the
    # network and pandana is a heavier dependency for what Dijkstra in scipy already does.
    import osmium

    from equity.planner.optimise import to_bng

    node_index: dict[int, int] = {}
    lons: list[float] = []
    lats: list[float] = []
    sources: list[int] = []
    targets: list[int] = []
    for way in osmium.FileProcessor(str(path)).with_locations():
        if not way.is_way() or not is_walkable(dict(way.tags)):
            continue
        previous = None
        for node in way.nodes:
            if not node.location.valid():
                previous = None
                continue
            index = node_index.get(node.ref)
            if index is None:
                index = node_index[node.ref] = len(lons)
                lons.append(node.location.lon)
                lats.append(node.location.lat)
            if previous is not None and previous != index:
                sources.append(previous)
                targets.append(index)
            previous = index
    if not sources:
        raise ValueError(f"{path}: no walkable ways (highway=footway, residential, …) found")
    easting, northing = to_bng(lons, lats)
    nodes = pd.DataFrame({"easting": easting, "northing": northing, "lon": lons, "lat": lats})
    source = np.asarray(sources)
    target = np.asarray(targets)
    length = np.hypot(easting[source] - easting[target], northing[source] - northing[target])
    edges = pd.DataFrame({"source": source, "target": target, "length_m": length})
    return WalkNetwork(nodes=nodes, edges=edges)


def write_network(network: WalkNetwork, extracts_dir: Path) -> dict[str, int]:
    nodes = network.nodes.assign(node=np.arange(len(network.nodes)))
    nodes.to_parquet(extracts_dir / NODES_FILE, index=False)
    network.edges.to_parquet(extracts_dir / EDGES_FILE, index=False)
    return {NODES_FILE: len(network.nodes), EDGES_FILE: len(network.edges)}


def _snap(network: WalkNetwork, points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node index and the straight-line metres to it, per point."""
    from scipy.spatial import cKDTree

    tree = cKDTree(network.nodes[["easting", "northing"]].to_numpy(dtype=float))
    gap, index = tree.query(points[["easting", "northing"]].to_numpy(dtype=float))
    return np.asarray(index, dtype=np.int64), np.asarray(gap, dtype=float)


def site_node_distances(
    network: WalkNetwork, candidates: pd.DataFrame, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """[candidate, node] walking metres from each site (inf beyond the radius), and each
    site's own straight-line gap to the network (already included)."""
    from scipy.sparse.csgraph import dijkstra

    site_nodes, site_gap = _snap(network, candidates)
    along = dijkstra(network.graph(), directed=False, indices=site_nodes, limit=float(radius_m))
    return along + site_gap[:, None], site_gap


def network_distances(
    network: WalkNetwork, demand: pd.DataFrame, candidates: pd.DataFrame, radius_m: float
) -> np.ndarray:
    """Walking metres [demand, candidate] along the network; inf where beyond the radius."""
    from_sites, _ = site_node_distances(network, candidates, radius_m)
    demand_nodes, demand_gap = _snap(network, demand)
    return from_sites[:, demand_nodes].T + demand_gap[:, None]


def catchment_outlines(
    network: WalkNetwork, sites: pd.DataFrame, radius_m: float
) -> dict[str, list[list[float]]]:
    """{site_id: [[lon, lat], …]}: the convex hull of the network nodes within a walk of
    radius_m of each site (its walking isochrone, drawn on the map). Sites reaching fewer
    than three non-collinear nodes are left out (the map draws their circle)."""
    from scipy.spatial import ConvexHull, QhullError

    from_sites, _ = site_node_distances(network, sites, radius_m)
    outlines = {}
    for row, site_id in enumerate(sites["site_id"]):
        inside = np.flatnonzero(from_sites[row] <= radius_m)
        if len(inside) < 3:
            continue
        xy = network.nodes[["easting", "northing"]].to_numpy(dtype=float)[inside]
        try:
            hull = ConvexHull(xy)
        except QhullError:
            continue
        corners = network.nodes.iloc[inside[hull.vertices]]
        outlines[str(site_id)] = corners[["lon", "lat"]].to_numpy().tolist()
    return outlines
