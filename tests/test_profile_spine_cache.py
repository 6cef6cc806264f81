"""The profile's spine and nearby-practice tables, moved out of views/area_profile.py into
equity.profile (so ui/cache.py can keep them across sessions), give what the page's inline
loops gave: `page_*` below are those loops as they were, kept as the reference."""

from __future__ import annotations

import pandas as pd
import pytest

from equity import config, db, labels, options, profile

PLACES = [
    "E02002844",  # St Matthews & Highfields North (MSOA; SMRs fall back to MSOA 2011)
    "E05010478",  # Wycliffe (ward)
    "E06000016",  # Leicester (local authority)
    "E01013742",  # Leicester 018A (LSOA)
    "C82099",  # Al-Waqas Medical Centre (practice)
    "C82657",  # a practice with no location: no nearby table
]


@pytest.fixture(scope="module")
def run(extracts_dir):
    """db.run_query, remembered, so the reference and the new code share the queries."""
    answers = {}

    def remembered(name, **params):
        key = (name, tuple(sorted((k, repr(v)) for k, v in params.items())))  # lists too
        if key not in answers:
            answers[key] = db.run_query(name, **params)
        return answers[key].copy()

    return remembered


@pytest.fixture(scope="module")
def catalog(run) -> pd.DataFrame:
    return run("indicator_catalog").set_index("indicator_id")


def place_of(code: str, run) -> profile.Place:
    """The Place the page builds for an area code (as views/area_profile.py does)."""
    areas = pd.concat(
        [run("areas_of_type", area_type=t, la_code=None) for t in profile.AREA_TYPE_LABELS]
    )
    return profile.area_picker(areas).place(code)


def page_spine(place, catalog, run):
    spine_rows, groups_used = [], {}
    for indicator_id, indicator in catalog.iterrows():
        breakdowns = run("indicator_breakdowns", indicator_id=indicator_id)
        level = profile.spine_level(breakdowns, place.area_type)
        group = profile.default_group(breakdowns, level, indicator)
        if group is None:
            continue
        common = dict(
            indicator_id=indicator_id,
            la_code=None,
            benchmark_code=config.LLR_CODE,
            benchmark_type="region",
            **group,
        )
        level_values = run("area_values_with_benchmark", level=level, **common)
        la_values = run("area_values_with_benchmark", level="la", **common)
        spine_rows.append(
            profile.spine_row(
                level_values,
                la_values,
                area_code=place.code,
                la_code=place.la_code,
                indicator=indicator,
                group=labels.group_phrase(group["age_band"], group["sex"], group["ethnic_group"])
                + ("" if level == place.area_type else f" ({options.LEVEL_LABELS[level]})"),
            )
        )
        groups_used[indicator_id] = (group, breakdowns)
    spine = profile.spine_frame(spine_rows)
    page_badges = labels.data_badges(bool(spine["is_synthetic"].any()), False) + labels.data_badges(
        False, bool(spine["is_modelled"].any())
    )
    return spine, groups_used, page_badges


def page_practices(place, catalog, run):
    practices = run("areas_of_type", area_type="practice", la_code=None)
    nearby = profile.nearby_practices(practices, place)
    if nearby.empty:
        return None
    practice_values = {}
    for indicator_id, indicator in catalog.iterrows():
        breakdowns = run("indicator_breakdowns", indicator_id=indicator_id)
        group = profile.default_group(breakdowns, "practice", indicator)
        if group is None:
            continue
        practice_values[indicator_id] = run(
            "area_values_with_benchmark",
            indicator_id=indicator_id,
            level="practice",
            la_code=None,
            benchmark_code=config.LLR_CODE,
            benchmark_type="region",
            **group,
        )
    return profile.practice_table(nearby, practice_values, catalog)


@pytest.mark.parametrize("code", PLACES)
def test_area_spine_is_what_the_page_built(code, catalog, run):
    place = place_of(code, run)
    spine, groups_used, page_badges = page_spine(place, catalog, run)
    result = profile.area_spine(place, catalog, run)
    pd.testing.assert_frame_equal(result.frame, spine)
    assert result.badges == page_badges
    assert result.default_groups == {i: group for i, (group, _) in groups_used.items()}
    if code == "E02002844":  # not vacuous: the reference story has real and synthetic rows
        assert len(spine) > 10 and labels.SYNTHETIC_BADGE in page_badges
        assert "covid_first_dose" in set(spine["indicator_id"])
        assert spine["group"].str.endswith("(MSOA 2011)").any()  # the fallback level is used


@pytest.mark.parametrize("code", PLACES)
def test_nearby_practice_table_is_what_the_page_built(code, catalog, run):
    place = place_of(code, run)
    expected = page_practices(place, catalog, run)
    result = profile.nearby_practice_table(place, catalog, run)
    if expected is None:
        assert result is None
        assert code == "C82657"  # only the practice without a location has none near
        return
    display, download, badges = result
    pd.testing.assert_frame_equal(display, expected[0])
    pd.testing.assert_frame_equal(download, expected[1])
    assert badges == expected[2]
    assert len(display) >= 1 and display.shape[1] > 10


def page_section(place, la_name, indicator, period, age_band, sex, ethnic_group, run):
    """The profile's trend and breakdown charts and tables, as the page's fragment made them
    before equity.profile.section: (trend chart or None, [(dimension, chart, display)])."""
    names = {place.area_type: place.name, "la": la_name, "region": "LLR"}
    order = list(dict.fromkeys([place.name, la_name, "LLR"]))
    who = labels.group_phrase(age_band, sex, ethnic_group)
    area = dict(area_code=place.code, area_type=place.area_type, la_code=place.la_code)
    series = run(
        "area_indicator_series",
        indicator_id=indicator.name,
        sex=sex,
        age_band=age_band,
        ethnic_group=ethnic_group,
        **area,
    )
    badges = labels.data_badges(
        bool(indicator["is_synthetic"]) or bool(series["is_synthetic"].any()),
        bool(indicator["is_modelled"]) or bool(series["is_modelled"].any()),
    )
    trend = None
    if series["period_end"].nunique() > 1:
        trend = profile.trend_chart(
            profile.series_frame(series, names),
            title=f"{indicator['short_label']}, {who}: {place.name}, {la_name} and LLR",
            unit=indicator["unit"],
            badges=badges,
            order=order,
        )
    groups = run("area_indicator_groups", indicator_id=indicator.name, on_or_before=period, **area)
    tabs = []
    if indicator["value_type"] == "count" and not groups.empty:
        for dimension in [d for d in profile.BREAKDOWN_DIMENSIONS if groups[d].nunique() > 1]:
            band = "All" if dimension == "age_band" else age_band
            sums = run(
                "area_breakdown_by_group",
                indicator_id=indicator.name,
                on_or_before=period,
                dimensions=[dimension],
                age_band=band,
                **area,
            )
            table = profile.breakdown(sums, dimension)
            label = profile.BREAKDOWN_DIMENSIONS[dimension].lower()
            chart = profile.breakdown_chart(
                table,
                dimension,
                names=names,
                title=f"{indicator['short_label']} by {label}"
                + (f", aged {band}" if band != "All" else "")
                + f": {place.name} vs {la_name}, {period.isoformat()}",
                badges=badges,
                order=order,
            )
            display = profile.breakdown_display(table, dimension, names, indicator["unit"])
            tabs.append((dimension, chart, display))
    return trend, tabs


@pytest.mark.parametrize("age_band", ["50+", "All"])
def test_profile_section_is_what_the_page_built(age_band, catalog, run):
    import json

    from ui import cache

    place = place_of("E02002844", run)
    indicator = catalog.loc["covid_first_dose_demo"]
    period = options.breakdown_choices(
        run("indicator_breakdowns", indicator_id=indicator.name), place.area_type
    )["periods"][-1]
    trend, tabs = page_section(place, "Leicester", indicator, period, age_band, "All", "All", run)
    section = profile.section(
        place,
        "Leicester",
        indicator,
        period,
        age_band,
        "All",
        "All",
        run=run,
        draw=lambda chart: chart.to_dict(),
    )
    assert trend is not None and len(tabs) >= 2  # not vacuous: a trend and breakdowns
    assert section.trend[1] == trend.to_dict()
    assert [b.dimension for b in section.breakdowns] == [d for d, _, _ in tabs]
    for made, (_, chart, display) in zip(section.breakdowns, tabs):
        assert json.dumps(made.chart[1], default=str) == json.dumps(chart.to_dict(), default=str)
        pd.testing.assert_frame_equal(made.display, display)
    assert set(section.place_series["area_code"]) == {place.code}

    shared = cache.profile_section(
        place, "Leicester", indicator.name, period, age_band, "All", "All", False
    )
    again = cache.profile_section(
        place, "Leicester", indicator.name, period, age_band, "All", "All", False
    )
    assert again is shared  # every session gets the one section, not a rebuild
    other = cache.profile_section(
        place,
        "Leicester",
        indicator.name,
        period,
        "All" if age_band != "All" else "50+",
        "All",
        "All",
        False,
    )
    assert other.trend[1] != shared.trend[1]
