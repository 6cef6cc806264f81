"""The real indicators of every topic on each page: QOF prevalence (no judgement) by
practice, Local Health life expectancy and SMRs by MSOA (values without limits), school flu
uptake with its named comparator; and the `targets` command at practice level."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from equity import db, palette, profile
from tests.conftest import json_records, open_page
from tests.test_app_map_profile import map_spec
from tests.test_cli import run_cli

QOF = "qof_hypertension_prevalence"
FLU = "flu_vaccination_school_age"
COMPARATOR = "LEICS_RUTLAND"
ST_MATTHEWS = "E02002844"
JUDGED_COLOURS = {palette.RAG_COLOURS["worse"], palette.RAG_COLOURS["better"]}


def test_targets_at_practice_level_lists_practices_higher_or_lower_by_people_affected(
    extracts_dir,
):
    result = run_cli(
        "targets",
        "--indicator",
        QOF,
        "--date",
        "2021-03-31",
        "--level",
        "practice",
        "--area",
        "all",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    ranked = pd.read_csv(io.StringIO(result.stdout))
    assert len(ranked) > 10
    assert set(ranked["comparison"]) == {"higher", "lower"}
    assert ranked["people_missed"].isna().all()
    affected = ranked["people_affected"].dropna()
    assert affected.is_monotonic_decreasing and (affected == ranked["numerator"].dropna()).all()
    assert "not judged better or worse" in result.stderr
    assert "worse" not in result.stdout


def test_map_colours_practices_by_comparison_without_judging(extracts_dir):
    at = open_page(
        "views/map.py",
        {"indicator": QOF, "level": "practice", "within": "all", "colour": "comparison"},
    )
    spec = map_spec(at)
    points = [row for rows in json_records(spec) if "fill_hex" in rows[0] for row in rows]
    assert len(points) > 100
    fills = {point["fill_hex"] for point in points}
    assert fills <= set(palette.NO_JUDGEMENT_COLOURS.values())
    assert {"#56B4E9", "#E69F00"} <= fills and not fills & JUDGED_COLOURS
    assert "significantly higher" in at.subheader[0].value
    assert "worse" not in at.subheader[0].value.replace("better or worse", "")
    # The legend is drawn inside the Vega map (its colour scale), so exports carry it too.
    legend = " ".join(str(label) for domain in _scale_domains(spec) for label in domain)
    assert "Higher" in legend and "Lower" in legend
    assert "worse" not in legend.lower().replace("better or worse", "")


def _scale_domains(node):
    """Every colour-scale domain in a Vega-Lite spec (nested layers included)."""
    if isinstance(node, dict):
        if isinstance(node.get("domain"), list):
            yield node["domain"]
        for value in node.values():
            yield from _scale_domains(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scale_domains(item)


def test_where_to_act_says_a_no_judgement_indicator_has_no_worse(extracts_dir):
    at = open_page(None, {"indicator": QOF, "level": "practice", "within": "all"})
    sentence = at.subheader[0].value
    assert "significantly higher" in sentence and "not judged better or worse" in sentence
    labels = [metric.label for metric in at.metric]
    assert "Areas significantly higher or lower (no judgement)" in labels
    assert "People affected in those areas" in labels
    table = at.dataframe[0].value
    assert set(table["Compared with benchmark"].head(5)) <= {"higher", "lower"}


def test_msoa_profile_shows_real_life_expectancy_and_smrs_not_compared(extracts_dir):
    at = open_page("views/area_profile.py", {"area": ST_MATTHEWS})
    table = at.dataframe[0].value
    rows = table.set_index("Indicator")
    assert "Life expectancy at birth" in rows.index
    smrs = table[table["Indicator"].str.contains("SMR|mortality", case=False)]
    assert len(smrs) >= 1
    assert smrs.iloc[0]["95% CI"] == "*" and smrs.iloc[0]["vs LLR"] == "not compared"
    assert "(England = 100)" in smrs.iloc[0].iloc[3]
    assert "(MSOA 2011)" in smrs.iloc[0]["Group"]


def test_trends_draw_the_named_comparator_as_a_line_never_an_area(extracts_dir):
    at = open_page(
        "views/trends.py",
        {"indicator": FLU, "level": "la", "area": "E06000016", "age_band": "4-5"},
    )
    area_picker = next(box for box in at.selectbox if box.label == "Area")
    assert area_picker.options == ["Leicester"]  # shown by name; never the comparator
    compare = next(box for box in at.multiselect if box.label == "Compare with")
    assert f"comparator:{COMPARATOR}" in compare.value  # drawn by default
    assert any("(named comparator)" in option for option in compare.options)
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert any("Leicestershire and Rutland" in spec for spec in specs)  # its line's name


def test_comparator_is_absent_from_map_data_and_area_pickers(extracts_dir):
    for level in ("la", "region"):
        mapped = db.run_query(
            "area_values_with_benchmark",
            indicator_id=FLU,
            on_or_before=date(2023, 1, 31),
            level=level,
            la_code=None,
            sex="All",
            age_band="4-5",
            ethnic_group="All",
            benchmark_code="LLR",
            benchmark_type="region",
        )
        assert COMPARATOR not in set(mapped["area_code"])
    picker = db.run_query("areas_with_indicator", indicator_id=FLU, area_type="la")
    assert COMPARATOR not in set(picker["area_code"]) and "E06000016" in set(picker["area_code"])
    every_type = pd.concat(
        [db.run_query("areas_of_type", area_type=t, la_code=None) for t in profile.AREA_TYPE_LABELS]
    )
    assert COMPARATOR not in set(profile.search_options(every_type)["area_code"])
    # ... but it is in the profile's trend series for Leicester, as a named line
    series = db.run_query(
        "area_indicator_series",
        indicator_id=FLU,
        area_code="E06000016",
        area_type="la",
        la_code=None,
        sex="All",
        age_band="4-5",
        ethnic_group="All",
    )
    lines = profile.series_frame(series, {"la": "Leicester", "region": "LLR"})["line"]
    assert any("(named comparator)" in line for line in lines)


@pytest.mark.parametrize("view", ["views/inequalities.py", "views/data_methods.py"])
def test_other_pages_open_on_a_qof_indicator(extracts_dir, view):
    at = open_page(view, {"indicator": QOF, "within": "all"})
    text = " ".join(
        [s.value for s in at.subheader]
        + [m.value for m in at.markdown]
        + [c.value for c in at.caption]
    )
    if view.endswith("inequalities.py"):
        assert "quintile" in text.lower()
    else:
        frames = " ".join(df.value.to_csv() for df in at.dataframe)
        assert "QOF" in frames and "Open Government Licence" in frames
