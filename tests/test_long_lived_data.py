"""What every session shares for the life of a worker (the planner's residents and walking
network) is set aside from Python's garbage collection when loaded: a full collection walks
every container object alive, which took 0.2-0.9 s at England scale with every viewer of the
worker waiting (bench/FINDINGS.md). The maps' shapes are kept as text, which no collection
walks, and never parsed whole."""

from __future__ import annotations

import gc

from ui import cache


def test_the_planners_residents_are_out_of_collections_yet_still_alive():
    cache._planner_residents.clear()
    gc.unfreeze()
    try:
        residents = cache.planner_residents()
        assert gc.get_freeze_count() > 0
        collected = {id(obj) for obj in gc.get_objects()}  # the frozen generation is not listed
        assert id(residents) not in collected
        assert gc.is_tracked(residents)  # frozen, not untracked: reference counting frees it
        gc.collect()
        assert cache.planner_residents() is residents
    finally:
        gc.unfreeze()


def test_a_levels_shapes_are_text_and_nothing_of_them_is_parsed():
    cache._level_shapes.clear()
    shapes = cache.level_shapes("lsoa")
    assert len(shapes.texts) > 500
    assert all(type(text) is str for text in shapes.texts.values())
    assert not any(gc.is_tracked(text) for text in shapes.texts.values())  # never walked
    assert cache.level_shapes("lsoa") is shapes  # one copy, shared


def test_nothing_is_frozen_by_a_query():
    gc.unfreeze()
    cache.run("indicator_catalog")
    assert gc.get_freeze_count() == 0
