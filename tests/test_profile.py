"""Area profile logic: search labels, spine positions, breakdowns, nearby practices."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from equity import catalog as catalog_module
from equity import db, profile, stats


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return pd.DataFrame(catalog_module.INDICATORS).set_index("indicator_id")


def spine_input(polarity="higher_is_better", **overrides) -> dict:
    row = {
        "indicator_id": "x",
        "indicator": "X",
        "group": "everyone",
        "period_end": pd.Timestamp("2021-03-25"),
        "unit": "percent",
        "polarity": polarity,
        "value": 60.0,
        "lower_ci": 55.0,
        "upper_ci": 65.0,
        "numerator": 600.0,
        "denominator": 1000.0,
        "la_value": 70.0,
        "llr_value": 80.0,
        "range_min": 40.0,
        "range_q25": 70.0,
        "range_q75": 85.0,
        "range_max": 90.0,
        "areas_in_range": 20,
        "comparison_la": "lower",
        "comparison_llr": "lower",
        "rag_llr": "worse",
        "is_synthetic": False,
        "is_modelled": False,
    }
    row.update(overrides)
    return row


def test_st_matthews_is_findable_by_name_and_code_and_msoa11_duplicates_are_dropped(extracts_dir):
    areas = db.run_query("areas_of_type", area_type="msoa", la_code=None)
    old = db.run_query("areas_of_type", area_type="msoa11", la_code=None)
    options = profile.search_options(pd.concat([areas, old]))
    assert options["area_code"].is_unique
    assert set(options["area_type"]) == {"msoa"}
    label = options.set_index("area_code").loc["E02002844", "label"]
    assert "St Matthews & Highfields North" in label and "E02002844" in label and "MSOA" in label


def test_area_picker_orders_types_and_makes_places(extracts_dir):
    areas = pd.concat(
        [db.run_query("areas_of_type", area_type=t, la_code=None) for t in profile.AREA_TYPE_LABELS]
    )
    picker = profile.area_picker(areas)
    types = [picker.rows.loc[code, "area_type"] for code in picker.codes]
    order = list(profile.AREA_TYPE_LABELS)
    assert [order.index(t) for t in types] == sorted(order.index(t) for t in types)
    assert len(picker.codes) == len(set(picker.codes)) == len(picker.labels)
    st_matthews = picker.place("E02002844")
    assert st_matthews.name == "St Matthews & Highfields North"
    assert st_matthews.area_type == "msoa" and st_matthews.la_code == "E06000016"
    assert picker.la_names[st_matthews.la_code] == "Leicester"
    assert st_matthews.lon is not None and 52.5 < st_matthews.lat < 52.7
    leicester = picker.place("E06000016")
    assert leicester.area_type == "la" and leicester.la_code is None  # an LA has no parent LA
    assert picker.labels["E02002844"] == profile.area_label(
        "St Matthews & Highfields North", "msoa", "E02002844"
    )


def test_spine_puts_llr_at_the_centre_and_better_to_the_right():
    frame = profile.spine_frame([spine_input()])
    row = frame.iloc[0]
    assert row["pos_value"] < 0  # 60% is below LLR's 80%, and higher is better
    assert row["pos_lower"] <= row["pos_value"] <= row["pos_upper"]
    assert row["pos_min"] == pytest.approx(-1.0)  # the furthest area sets the half-width
    flipped = profile.spine_frame([spine_input("lower_is_better")]).iloc[0]
    assert flipped["pos_value"] > 0  # lower than LLR is better when lower is better
    assert flipped["pos_min"] <= flipped["pos_max"]
    assert flipped["pos_lower"] <= flipped["pos_upper"]


def test_spine_row_suppresses_small_counts_and_compares_with_both_benchmarks(catalog):
    level = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "value": [50.0, 80.0, 90.0],
            "lower_ci": [45.0, 78.0, 88.0],
            "upper_ci": [55.0, 82.0, 92.0],
            "numerator": [5.0, 800.0, 900.0],
            "denominator": [10.0, 1000.0, 1000.0],
            "benchmark_value": 75.0,
            "is_synthetic": False,
            "is_modelled": False,
            "period_end": pd.Timestamp("2021-03-25"),
        }
    )
    las = pd.DataFrame({"area_code": ["LA"], "value": [70.0]})
    indicator = catalog.loc["covid_first_dose"]
    small = profile.spine_row(
        level, las, area_code="A", la_code="LA", indicator=indicator, group="g"
    )
    assert np.isnan(small["value"]) and np.isnan(small["numerator"])
    assert small["comparison_llr"] == "not compared"
    big = profile.spine_row(level, las, area_code="C", la_code="LA", indicator=indicator, group="g")
    assert big["comparison_llr"] == "higher" and big["rag_llr"] == "better"
    assert big["comparison_la"] == "higher"
    assert (big["range_min"], big["range_max"]) == (50.0, 90.0)
    assert (
        profile.spine_row(level, las, area_code="Z", la_code="LA", indicator=indicator, group="g")
        is None
    )


def groups_frame() -> pd.DataFrame:
    rows = []
    for band, n, d in [
        ("16-49", 100, 1000),
        ("50-54", 40, 60),
        ("55-59", 50, 70),
        ("All", 190, 1130),
    ]:
        rows.append(("All", band, "All", n, d))
    rows += [("All", "50-54", "Somali", 3, 20), ("All", "55-59", "Somali", 2, 15)]
    rows += [("All", "50-54", "White", 37, 40), ("All", "55-59", "White", 48, 55)]
    frame = pd.DataFrame(
        rows, columns=["sex", "age_band", "ethnic_group", "numerator", "denominator"]
    )
    return frame.assign(
        area_code="E02002844", area_type="msoa", is_synthetic=True, is_modelled=True
    )


def breakdown_sums(dimension: str, age_band: str = "All") -> pd.DataFrame:
    """queries/area_breakdown_by_group.sql run on groups_frame() (no extracts needed)."""
    con = duckdb.connect()
    con.execute(db.query_text("_macros"))
    rows = groups_frame().assign(
        indicator_id="demo",
        period_end=pd.Timestamp("2021-03-23"),
        value=np.nan,
        lower_ci=np.nan,
        upper_ci=np.nan,
    )
    con.register("indicator_values_by_area", rows)  # the view the one-area questions read
    # the query takes the unit (and a rate's multiplier) from the catalog
    con.register(
        "indicators",
        pd.DataFrame({"indicator_id": ["demo"], "unit": ["percent"], "multiplier": [np.nan]}),
    )
    params = dict(
        indicator_id="demo",
        on_or_before="2021-03-25",
        area_code="E02002844",
        area_type="msoa",
        la_code="E06000016",
        dimensions=[dimension],
        age_band=age_band,
    )
    return con.execute(db.query_text("area_breakdown_by_group"), params).df()


def test_breakdown_by_age_uses_the_all_margins_and_orders_bands():
    table = profile.breakdown(breakdown_sums("age_band"), "age_band")
    assert table["age_band"].tolist() == ["16-49", "50-54", "55-59"]
    expected = stats.proportion_with_ci(40, 60)
    row = table[table["age_band"] == "50-54"].iloc[0]
    assert row["value"] == pytest.approx(expected["value"])
    assert row["lower_ci"] == pytest.approx(expected["lower_ci"])


def test_breakdown_by_age_within_50_plus_keeps_only_those_bands():
    table = profile.breakdown(breakdown_sums("age_band", "50+"), "age_band")
    assert table["age_band"].tolist() == ["50-54", "55-59"]


def test_breakdown_by_ethnic_group_sums_bands_for_50_plus_and_suppresses_small_counts():
    table = profile.breakdown(breakdown_sums("ethnic_group", "50+"), "ethnic_group").set_index(
        "ethnic_group"
    )
    white = table.loc["White"]
    assert (white["numerator"], white["denominator"]) == (85, 95)
    assert white["value"] == pytest.approx(100 * 85 / 95)
    somali = table.loc["Somali"]  # 3 + 2 = 5 vaccinated: disclosive
    assert somali["suppressed"] and np.isnan(somali["numerator"]) and np.isnan(somali["value"])


def test_nearby_practices_are_within_the_radius_nearest_first():
    practices = pd.DataFrame(
        {
            "area_code": ["near", "far", "nowhere", "nearer"],
            "area_name": ["n", "f", "x", "nn"],
            "lon": [-1.12, -1.30, np.nan, -1.121],
            "lat": [52.645, 52.64, np.nan, 52.638],
            "population": [5000.0, 8000.0, 1.0, 6000.0],
        }
    )
    place = profile.Place("E02002844", "St Matthews", "msoa", "E06000016", -1.1209, 52.6379)
    nearby = profile.nearby_practices(practices, place)
    assert nearby["area_code"].tolist() == ["nearer", "near"]
    assert (nearby["distance_km"] <= profile.NEARBY_RADIUS_KM).all()
    nowhere = profile.Place("X", "x", "msoa", None, None, None)
    assert profile.nearby_practices(practices, nowhere).empty


def test_practice_table_suppresses_small_counts_and_badges_synthetic_columns(catalog):
    nearby = pd.DataFrame(
        {
            "area_code": ["P1", "P2"],
            "area_name": ["One", "Two"],
            "distance_km": [0.2, 1.0],
            "population": [9000.0, 5000.0],
        }
    )
    values = {
        "bowel_screening_demo": pd.DataFrame(
            {
                "area_code": ["P1", "P2"],
                "numerator": [6.0, 400.0],
                "denominator": [10.0, 500.0],
                "value": [60.0, 80.0],
                "lower_ci": [30.0, 76.0],
                "upper_ci": [85.0, 83.0],
                "is_synthetic": True,
                "is_modelled": True,
            }
        )
    }
    display, download, badges = profile.practice_table(nearby, values, catalog)
    column = [
        c
        for c in display.columns
        if c.startswith(catalog.loc["bowel_screening_demo", "short_label"])
    ][0]
    assert display[column].tolist() == ["*", "80.0%"]
    assert np.isnan(download["bowel_screening_demo_value"].iloc[0])
    assert any("SYNTHETIC" in b for b in badges)
    assert "synthetic" in column.lower()


def test_default_group_follows_the_catalog_where_the_level_has_it(extracts_dir, catalog):
    breakdowns = db.run_query("indicator_breakdowns", indicator_id="covid_first_dose")
    group = profile.default_group(breakdowns, "msoa", catalog.loc["covid_first_dose"])
    assert group["age_band"] == "50+" and group["sex"] == "All"
    assert (
        group["on_or_before"].isoformat() == catalog.loc["covid_first_dose", "default_period_end"]
    )
    assert profile.default_group(breakdowns, "practice", catalog.loc["covid_first_dose"]) is None


def test_st_matthews_spine_shows_first_dose_below_the_city(extracts_dir, catalog):
    indicator = catalog.loc["covid_first_dose"]
    common = dict(
        indicator_id="covid_first_dose",
        on_or_before=pd.Timestamp("2021-03-25").date(),
        la_code=None,
        sex="All",
        age_band="50+",
        ethnic_group="All",
        benchmark_code="LLR",
        benchmark_type="region",
    )
    level = db.run_query("area_values_with_benchmark", level="msoa", **common)
    las = db.run_query("area_values_with_benchmark", level="la", **common)
    row = profile.spine_row(
        level, las, area_code="E02002844", la_code="E06000016", indicator=indicator, group="50+"
    )
    assert row["comparison_la"] == "lower" and row["rag_llr"] == "worse"
    assert row["range_min"] <= row["value"] <= row["range_max"]
    frame = profile.spine_frame([row])
    assert frame.iloc[0]["pos_value"] < frame.iloc[0]["pos_la"] < 0.5


def test_breakdown_display_formats_values_and_hides_small_counts():
    table = pd.DataFrame(
        {
            "area_code": ["E02002844", "E06000016"],
            "area_type": ["msoa", "la"],
            "ethnic_group": ["Somali", "Somali"],
            "numerator": [float("nan"), 330.0],
            "denominator": [12.0, 675.0],
            "value": [float("nan"), 48.888],
            "lower_ci": [float("nan"), 45.1],
            "upper_ci": [float("nan"), 52.7],
            "is_synthetic": [True, True],
            "is_modelled": [True, True],
        }
    )
    shown = profile.breakdown_display(
        table, "ethnic_group", {"msoa": "St Matthews", "la": "Leicester"}, "percent"
    )
    assert shown["Place"].tolist() == ["St Matthews", "Leicester"]
    assert shown["Value"].tolist() == ["*", "48.9%"]
    assert shown["Reached"].tolist() == ["*", "330"]
    assert shown["95% CI"].tolist() == ["*", "45.1 – 52.7"]
    assert shown["Data"].str.contains("SYNTHETIC").all()


def test_spine_title_and_notes_are_wrapped_to_fit_a_presenting_chart():
    """Presenting at 1024 px the spine's one-line title (73 characters at 24 px) ran past
    the chart's edge; its lines now fit, from the chart's left edge, in the page's font."""
    from equity import charts, labels

    name = "St Matthews & Highfields North"
    chart = profile.spine_chart(
        profile.spine_frame([spine_input()]),
        area_name=name,
        la_name="Leicester",
        title=f"{name} against Leicester and LLR on 26 indicators",
        badges=[labels.SYNTHETIC_BADGE, labels.MODELLED_BADGE],
    )
    spec = charts.for_projector(chart).to_dict()
    title = spec["title"]
    assert isinstance(title["text"], list) and len(title["text"]) == 2
    assert all(len(line) <= labels.TITLE_LINE_CHARS for line in title["text"])
    assert title["subtitle"][:2] == [f"⚠ {labels.SYNTHETIC_BADGE}", f"⚠ {labels.MODELLED_BADGE}"]
    assert all(len(line) <= labels.SUBTITLE_LINE_CHARS for line in title["subtitle"])
    assert spec["config"]["title"]["anchor"] == "start"
    assert spec["config"]["title"]["font"] == charts.APP_FONT
    assert spec["config"]["legend"]["orient"] == "bottom"  # kept under the projector's sizes
