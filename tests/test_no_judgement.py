"""Indicators with no better direction (Fingertips' "no judgement", e.g. recorded
prevalence): compared as higher / similar / lower, in a non-judging colour pair, never
red/green and never "worse/better"; ratios formatted against England = 100; a named
comparator drawn as a line, never as an area."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from equity import charts, labels, maps, palette, profile, schema, targets, trends, where_to_act
from equity.selection import Selection
from tests.test_maps import area_frame
from tests.test_profile import spine_input

JUDGED_COLOURS = {palette.RAG_COLOURS["worse"], palette.RAG_COLOURS["better"]}
JUDGING_WORDS = ("worse", "better")


def prevalence_frame() -> pd.DataFrame:
    # benchmark 70%: area 0 clearly above, area 1 clearly below, area 2 about the same
    return area_frame([900, 300, 700], [1000, 1000, 1000], ["High", "Low", "Same"])


def all_colours(spec) -> set[str]:
    """Every '#rrggbb' anywhere in a Vega-Lite spec."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and node.startswith("#") and len(node) == 7:
            found.add(node.upper())

    walk(spec)
    return found


def test_no_judgement_ranking_lists_significantly_higher_and_lower_by_people_affected():
    ranked = targets.rank_targets(prevalence_frame(), schema.NO_JUDGEMENT)
    assert set(ranked["area_name"]) == {"High", "Low"}
    assert ranked["area_name"].tolist() == ["High", "Low"]  # 900 people affected before 300
    assert set(ranked["rag"]) == {"higher_no_judgement", "lower_no_judgement"}
    assert set(ranked["comparison"]) == {"higher", "lower"}
    assert ranked["people_affected"].tolist() == [900, 300]
    assert ranked["people_missed"].isna().all()
    assert not {"worse", "better"} & set(ranked["rag"])


def test_judged_ranking_is_unchanged_worse_first_by_people_missed():
    ranked = targets.rank_targets(prevalence_frame(), schema.HIGHER_IS_BETTER)
    assert ranked["area_name"].tolist() == ["Low"]
    assert ranked["rag"].tolist() == ["worse"] and ranked["people_missed"].tolist() == [700]


def test_no_judgement_map_colours_and_legend_never_judge():
    ranked = targets.rank_targets(prevalence_frame(), schema.NO_JUDGEMENT, only_worse=False)
    coloured, classes = maps.colour_areas(ranked, "comparison", schema.NO_JUDGEMENT)
    fills = set(coloured["fill_hex"])
    assert fills <= set(palette.NO_JUDGEMENT_COLOURS.values())
    assert not fills & JUDGED_COLOURS
    legend = maps.legend_entries(coloured, "comparison", classes, "percent", schema.NO_JUDGEMENT)
    assert [text for _, text in legend] == ["Lower", "Similar", "Higher"]
    note = maps.value_colour_note(schema.NO_JUDGEMENT)
    assert not any(
        word in note.lower().replace("not judged better or worse", "") for word in JUDGING_WORDS
    )
    title = maps.map_title(
        ranked,
        indicator_label="Hypertension",
        who="everyone",
        unit="percent",
        polarity=schema.NO_JUDGEMENT,
        benchmark_name="LLR",
        benchmark_value=70.0,
        noun="practices",
    )
    assert "1 of 3 practices significantly higher and 1 lower" in title
    assert "significantly worse" not in title


def test_no_judgement_bar_chart_and_spine_use_the_non_judging_pair():
    ranked = targets.rank_targets(prevalence_frame(), schema.NO_JUDGEMENT, only_worse=False)
    bars = charts.ranked_bars(
        ranked,
        title="t",
        unit="percent",
        benchmark_value=70.0,
        benchmark_label="LLR",
        badges=[],
    ).to_dict()
    assert not all_colours(bars) & JUDGED_COLOURS
    assert set(palette.NO_JUDGEMENT_COLOURS.values()) & all_colours(bars)
    rows = [
        spine_input(
            schema.NO_JUDGEMENT,
            comparison_llr="higher",
            rag_llr="higher_no_judgement",
            value=90.0,
            lower_ci=88.0,
            upper_ci=92.0,
        )
    ]
    spine = profile.spine_frame(rows)
    spec = profile.spine_chart(
        spine, area_name="A", la_name="Leicester", title="t", badges=[]
    ).to_dict()
    dot_scales = [
        layer["encoding"]["color"]["scale"]
        for layer in spec["layer"]
        if "color" in layer.get("encoding", {})
    ]
    assert dot_scales == [{"domain": ["Higher (not judged)"], "range": ["#E69F00"]}]
    assert "not judged better or worse" in json.dumps(spec["title"])


def test_a_value_without_limits_is_not_compared_on_the_spine():
    level = pd.DataFrame(
        {
            "area_code": ["E02000001", "E02000002"],
            "value": [112.3, 87.6],
            "lower_ci": [np.nan, np.nan],
            "upper_ci": [np.nan, np.nan],
            "numerator": [np.nan, np.nan],
            "denominator": [np.nan, np.nan],
            "benchmark_value": [100.0, 100.0],
            "period_end": [pd.Timestamp("2020-12-31")] * 2,
            "is_synthetic": [False, False],
            "is_modelled": [False, False],
        }
    )
    indicator = pd.Series(
        {"short_label": "SMR all causes", "unit": "ratio", "polarity": schema.LOWER_IS_BETTER},
        name="smr_all_causes",
    )
    row = profile.spine_row(
        level,
        level.iloc[0:0],
        area_code="E02000001",
        la_code=None,
        indicator=indicator,
        group="everyone",
    )
    assert row["value"] == 112.3
    assert row["comparison_llr"] == "not compared" and row["rag_llr"] == "not compared"


def test_no_judgement_where_to_act_headline_never_says_worse():
    ranked = targets.rank_targets(prevalence_frame(), schema.NO_JUDGEMENT, only_worse=False)
    indicator = pd.Series(
        {
            "unit": "percent",
            "polarity": schema.NO_JUDGEMENT,
            "is_synthetic": False,
            "short_label": "Hypertension",
        }
    )
    selection = Selection(
        indicator_id="qof_hypertension_prevalence",
        on_or_before=date(2021, 3, 31),
        level="practice",
        la_code=None,
        sex="All",
        age_band="All",
        ethnic_group="All",
        benchmark_code="LLR",
    )
    summary = where_to_act.headline(ranked, indicator, selection)
    assert "1 areas significantly higher and 1 significantly lower" in summary.sentence
    assert "not judged better or worse" in summary.sentence
    assert "worse than" not in summary.sentence and "below" not in summary.sentence
    assert summary.worse_count == 2 and summary.missed_text == "1,200"
    assert "worse" not in summary.count_label and "missed" not in summary.people_label
    # the CSV download says higher/lower in its comparison column
    download = targets.download_frame(ranked)
    assert set(download["comparison"]) == {"higher", "lower", "similar"}


def test_where_to_act_method_note_follows_the_polarity():
    uptake = where_to_act.method_note(schema.HIGHER_IS_BETTER)
    assert "significantly below" in uptake and "people missed" in uptake
    prevalence = where_to_act.method_note(schema.NO_JUDGEMENT)
    assert "higher or lower" in prevalence and "people affected" in prevalence
    assert "missed" not in prevalence and "below the benchmark" not in prevalence
    assert "significantly above" in where_to_act.method_note(schema.LOWER_IS_BETTER)


def test_ratio_is_formatted_against_england():
    assert labels.format_value(112.34, "ratio") == "112.3 (England = 100)"
    assert labels.format_value(np.nan, "ratio") == labels.SUPPRESSED


def test_named_comparator_is_a_default_comparison_line_with_its_own_label():
    keys = [trends.EVERYONE, "la:E06000016", "comparator:LEICS_RUTLAND"]
    assert trends.default_comparisons(keys, is_story=False) == [
        trends.EVERYONE,
        "comparator:LEICS_RUTLAND",
    ]
    assert trends.comparison_label("comparator", "Leicestershire and Rutland") == (
        "Leicestershire and Rutland (named comparator)"
    )
    series = pd.DataFrame(
        {
            "area_code": ["E06000016", "LEICS_RUTLAND"],
            "area_type": ["la", "comparator"],
            "area_name": ["Leicester", "Leicestershire and Rutland"],
            "period_end": [pd.Timestamp("2022-08-31")] * 2,
            "numerator": [5000.0, 20000.0],
            "denominator": [10000.0, 30000.0],
            "value": [50.0, 66.7],
            "lower_ci": [49.0, 66.0],
            "upper_ci": [51.0, 67.2],
        }
    )
    frame = profile.series_frame(series, {"la": "Leicester", "region": "LLR"})
    assert frame["line"].tolist() == ["Leicester", "Leicestershire and Rutland (named comparator)"]
    spec = profile.trend_chart(
        frame, title="t", unit="percent", badges=[], order=["Leicester", "LLR"]
    ).to_dict()
    scale = spec["layer"][1]["encoding"]["color"]["scale"]
    assert scale["domain"][-1] == "Leicestershire and Rutland (named comparator)"
    assert len(scale["range"]) == len(scale["domain"])
