"""Where to act's cross-session caches (ui/cache.py) answer as the functions they wrap: the
map's spec survives the cache's pickling, and the keys tell selections and areas apart."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from equity import compare, config, db, options, targets, targets_map, where_to_act
from equity.selection import Selection, area_values
from ui import cache, layout


@pytest.fixture(scope="module")
def first_doses(extracts_dir) -> tuple[Selection, str]:
    """Where to act's opening selection: first doses, over-50s, MSOAs in Leicester."""
    indicator = db.run_query("indicator_catalog").set_index("indicator_id").loc["covid_first_dose"]
    periods = options.breakdown_choices(
        db.run_query("indicator_breakdowns", indicator_id="covid_first_dose"), "msoa"
    )["periods"]
    period = periods[options.default_index(periods, indicator["default_period_end"])]
    return Selection("covid_first_dose", period, age_band="50+"), indicator["polarity"]


def test_ranked_targets_are_rank_targets_of_the_selection_and_differ_by_age_band(first_doses):
    selection, polarity = first_doses
    answers = {}
    for age_band in ("50+", "All"):
        chosen = dataclasses.replace(selection, age_band=age_band)
        frame, ranked = cache.ranked_targets(chosen, polarity)
        pd.testing.assert_frame_equal(frame, area_values(chosen))
        pd.testing.assert_frame_equal(ranked, targets.rank_targets(frame, polarity, False))
        ranked["area_name"] = "changed by the caller"  # copy-on-write: the cache keeps its own
        assert (
            cache.ranked_targets(chosen, polarity)[1]["area_name"] != "changed by the caller"
        ).all()
        answers[age_band] = ranked
    assert not answers["50+"]["denominator"].equals(answers["All"]["denominator"])


def test_the_targets_view_draws_the_same_charts_and_is_shared(first_doses):
    selection, polarity = first_doses
    frame, ranked = cache.ranked_targets(selection, polarity)
    catalog = db.run_query("indicator_catalog").set_index("indicator_id")
    indicator = catalog.loc[selection.indicator_id]
    city = set(
        db.run_query("areas_of_type", area_type="msoa", la_code=config.CITY_CODE)["area_code"]
    )
    areas = ranked[ranked["area_code"].isin(city)]
    worse = [c for c in ranked.loc[targets.is_target(ranked["rag"]), "area_code"] if c in city]
    assert worse  # St Matthews and others: the outline layer is not empty
    summary = where_to_act.headline(ranked, indicator, selection, {})
    expected_map = targets_map.targets_map(
        areas,
        cache.level_shapes("msoa"),
        worse,
        polarity=polarity,
        unit="percent",
        benchmark_name=summary.benchmark_text,
        title="Target areas in Leicester (outlined)",
        badges=summary.badges,
        legend_title="Compared with the benchmark",
    )
    view = cache.targets_view(selection, False)
    assert view.summary == summary
    pd.testing.assert_frame_equal(view.ranked, ranked)
    pd.testing.assert_frame_equal(view.worse, ranked[targets.is_target(ranked["rag"])])
    chart, drawn = view.city_map
    assert json.dumps(chart.to_dict(), sort_keys=True) == json.dumps(
        expected_map.to_dict(), sort_keys=True
    )
    assert drawn == layout.vega_lite(expected_map, False)
    bars, bars_drawn = view.bars
    assert bars_drawn["title"]["text"] == summary.chart_title
    assert bars_drawn == layout.vega_lite(bars, False)
    pd.testing.assert_frame_equal(view.table, targets.display_table(ranked, "percent"))

    again = cache.targets_view(selection, False)
    assert again.city_map is view.city_map and again.bars is view.bars  # shared, not rebuilt
    again.ranked["area_name"] = "changed by the caller"  # a session's frames are its own
    assert (
        cache.targets_view(selection, False).ranked["area_name"] != "changed by the caller"
    ).all()
    presented = cache.targets_view(selection, True)
    assert presented.city_map[1] == layout.vega_lite(expected_map, True) != drawn
    other = cache.targets_view(dataclasses.replace(selection, age_band="All"), False)
    assert other.summary.sentence != view.summary.sentence


@pytest.fixture(scope="module")
def city_targets(first_doses) -> tuple[pd.DataFrame, list[str], dict]:
    """The home page's map inputs: the city's areas, its targets, the map's other arguments."""
    selection, polarity = first_doses
    _, ranked = cache.ranked_targets(selection, polarity)
    city = set(
        db.run_query("areas_of_type", area_type="msoa", la_code=config.CITY_CODE)["area_code"]
    )
    areas = ranked[ranked["area_code"].isin(city)]
    worse = [c for c in ranked.loc[targets.is_target(ranked["rag"]), "area_code"] if c in city]
    spec = dict(
        polarity=polarity,
        unit="percent",
        benchmark_name="Leicester",
        title="Target areas in Leicester (outlined)",
        badges=[],
        legend_title="Compared with the benchmark",
    )
    return areas, worse, spec


def test_targets_map_numbers_the_worst_targets_and_names_them_in_its_key(city_targets):
    """Beside the ranked bars (a ~380 px column) the names printed on the map overlapped and
    the map was ~250 px: now the worst few are numbered in the bars' order, named in a key."""
    areas, worse, arguments = city_targets
    assert len(worse) > targets_map.MAX_LABELS
    spec = targets_map.targets_map(areas, cache.level_shapes("msoa"), worse, **arguments).to_dict()
    assert spec["height"] >= 600
    on_map = {
        row["text"]
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text"
        for row in layer["data"]["values"]
    }
    assert on_map == {str(n) for n in range(1, targets_map.MAX_LABELS + 1)}
    key = next(
        layer["encoding"]["shape"]["scale"]["domain"]
        for layer in spec["layer"]
        if "scale" in layer.get("encoding", {}).get("shape", {})  # not the shapes' geojson
    )
    names = areas.set_index("area_code").loc[worse[: targets_map.MAX_LABELS], "area_name"]
    assert key == [f"{n}  {name}" for n, name in enumerate(names, start=1)]
    assert any("St Matthews & Highfields North" in entry for entry in key)


def test_cached_judging_and_missed_by_group_match_their_functions(first_doses):
    selection, polarity = first_doses
    frame, ranked = cache.ranked_targets(selection, polarity)
    for k in (3, 5):
        chances = cache.probability_worst(selection, polarity, k)
        pd.testing.assert_series_equal(chances, compare.probability_worst(frame, polarity, k))
        chances.iloc[0] = -1.0  # a caller's change stays its own (copy-on-write)
        assert cache.probability_worst(selection, polarity, k).iloc[0] != -1.0
    usable = compare.usable_for_improvement(frame)
    assert 0 < len(usable) <= len(frame)
    for unit in ("area", "decile"):
        assert cache.potential_for_improvement(
            selection, polarity, 80.0, unit
        ) == compare.potential_for_improvement(usable, 80.0, polarity, unit)
    other = dataclasses.replace(selection, age_band="All")
    assert cache.potential_for_improvement(
        other, polarity, 80.0, "area"
    ) != cache.potential_for_improvement(selection, polarity, 80.0, "area")
    for area_code in ranked["area_code"].head(2):
        params = dict(
            indicator_id=selection.indicator_id,
            dimension="age_band",
            on_or_before=selection.on_or_before,
            area_code=area_code,
            area_type="msoa",
            la_code=config.CITY_CODE,
            age_band="50+",
        )
        asked = {k: v for k, v in params.items() if k != "dimension"}
        sums = db.run_query("area_breakdown_by_group", dimensions=["age_band"], **asked)
        expected = where_to_act.missed_by_group(sums, area_code, "age_band")
        assert not expected.empty
        pd.testing.assert_frame_equal(cache.missed_by_group(**params), expected)


def test_a_built_chart_is_shared_for_the_same_figures_and_rebuilt_for_others(first_doses):
    from equity import charts

    selection, polarity = first_doses
    _, ranked = cache.ranked_targets(selection, polarity)
    arguments = dict(
        title="Lowest areas",
        unit="percent",
        benchmark_value=75.3,
        benchmark_label="Leicester: 75.3%",
        badges=[],
    )
    first = cache.built_chart(charts.ranked_bars, False, ranked, **arguments)
    assert cache.built_chart(charts.ranked_bars, False, ranked.copy(), **arguments) is first
    # the key is the frame's content: one value changed, same shape and names, another chart
    changed = ranked.copy()
    changed.loc[changed.index[0], "value"] += 1.0
    assert cache.built_chart(charts.ranked_bars, False, changed, **arguments) is not first
    chart, drawn = first
    expected = charts.ranked_bars(ranked, **arguments)
    assert json.dumps(chart.to_dict(), sort_keys=True) == json.dumps(
        expected.to_dict(), sort_keys=True
    )
    assert drawn == layout.vega_lite(expected, False)
    # its own title (a loop over tooltip headings once overwrote it with "People")
    assert drawn["title"]["text"] == "Lowest areas"
    # other figures, another title or presenting: another chart
    _, fewer = cache.built_chart(charts.ranked_bars, False, ranked.head(3), **arguments)
    _, retitled = cache.built_chart(
        charts.ranked_bars, False, ranked, **{**arguments, "title": "Other"}
    )
    _, presented = cache.built_chart(charts.ranked_bars, True, ranked, **arguments)
    assert (
        len(
            {
                json.dumps(d, sort_keys=True, default=str)
                for d in (drawn, fewer, retitled, presented)
            }
        )
        == 4
    )


def test_a_frames_fingerprint_follows_its_content_not_its_memory_layout():
    frame = pd.DataFrame({"name": ["A", None, "C"], "value": [1.5, float("nan"), 3.0]})
    same = pd.concat([frame.iloc[:2], frame.iloc[2:]]).copy()  # rebuilt: other blocks
    assert cache._frame_fingerprint(same) == cache._frame_fingerprint(frame)
    others = [
        frame.assign(name=["A", "None", "C"]),  # None is not the text "None"
        frame.assign(value=[1.5, float("nan"), 3.000001]),
        frame.rename(columns={"value": "rate"}),
        frame.assign(value=frame["value"].astype("float32")),
        frame.iloc[::-1],
        frame.set_axis([5, 6, 7]),
    ]
    prints = {cache._frame_fingerprint(f) for f in [frame, *others]}
    assert len(prints) == 1 + len(others)
