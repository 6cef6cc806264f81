"""What every session shares for the life of a worker (a level's GeoJSON, the planner's
residents and walking network) is set aside from Python's garbage collection when loaded:
a full collection otherwise walks every coordinate list of every map, 0.2-0.9 s at England
scale with every viewer of the worker waiting (bench/FINDINGS.md)."""

from __future__ import annotations

import gc

from ui import cache


def _first_ring(geometry: dict) -> list:
    coordinates = geometry["coordinates"]
    while isinstance(coordinates[0][0], list):
        coordinates = coordinates[0]
    return coordinates


def test_a_levels_geometry_is_out_of_collections_yet_still_alive():
    cache._level_geometries.clear()
    gc.unfreeze()
    try:
        geometries = cache.level_geometries("lsoa")
        ring = _first_ring(next(iter(geometries.values())))
        assert gc.get_freeze_count() > len(geometries)
        collected = {id(obj) for obj in gc.get_objects()}  # the frozen generation is not listed
        assert id(ring) not in collected
        assert gc.is_tracked(ring)  # frozen, not untracked: reference counting still frees it
        gc.collect()
        assert cache.level_geometries("lsoa") is geometries
    finally:
        gc.unfreeze()


def test_nothing_is_frozen_by_a_query():
    gc.unfreeze()
    cache.run("indicator_catalog")
    assert gc.get_freeze_count() == 0
