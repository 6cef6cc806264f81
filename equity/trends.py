"""Trends and interventions: series for an area or group against comparisons, intervention
markers, and before/after differences with 95% CIs (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import altair as alt
import numpy as np
import pandas as pd

from equity import labels, palette, stats
from equity.schema import COMPARATOR

DATE_FORMAT = "%d %b %Y"
CHART_HEIGHT = 420

NEWCOMBE_METHOD = (
    "Before/after differences are the later percentage minus the earlier, with a 95% "
    "confidence interval by Newcombe's hybrid score method (method 10 of Newcombe 1998, "
    "built from the two Wilson score intervals; the method PHE recommends for a difference "
    "of two proportions). It treats the two dates as independent samples; for cumulative "
    "uptake in the same people that is conservative (the interval is wider than a paired "
    "one would be)."
)


@dataclass(frozen=True)
class Intervention:
    """Something done at a time and place for a group, to be marked on a trend chart."""

    start: date
    end: date | None
    place: str
    group: str
    label: str
    is_synthetic: bool = False  # built-in marks from the synthetic demo say so


def built_in_interventions(extracts_dir=None) -> list[Intervention]:
    """Interventions the build wrote into the extracts (queries/built_in_interventions.sql):
    the St Matthews pop-up clinic the synthetic demo models."""
    from equity import db

    rows = db.run_query("built_in_interventions", extracts_dir=extracts_dir)
    return [
        Intervention(
            start=pd.Timestamp(row.start).date(),
            end=None if pd.isna(row.end) else pd.Timestamp(row.end).date(),
            place=str(row.place),
            group=str(row.group),
            label=str(row.label),
            is_synthetic=bool(row.is_synthetic),
        )
        for row in rows.itertuples(index=False)
    ]


def parse_interventions(text: str) -> tuple[list[Intervention], list[str]]:
    """Interventions typed one per line as 'YYYY-MM-DD[..YYYY-MM-DD]; place; group; label'.

    Returns the interventions that parse and a sentence for each line that does not, so a
    malformed line (e.g. from a shared link) is reported, never raised.
    """
    interventions, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) < 2:
            problems.append(f"Intervention line {number} needs at least 'date; label'.")
            continue
        dates = parts[0].split("..")
        try:
            start = date.fromisoformat(dates[0].strip())
            end = date.fromisoformat(dates[1].strip()) if len(dates) > 1 else None
        except ValueError:
            problems.append(f"Intervention line {number}: “{parts[0][:20]}” is not a date.")
            continue
        if end is not None and end < start:
            problems.append(f"Intervention line {number} ends before it starts.")
            continue
        # 'date; label', 'date; place; label' or 'date; place; group; label'
        place = parts[1] if len(parts) >= 3 else ""
        group = parts[2] if len(parts) >= 4 else ""
        label = "; ".join(parts[min(len(parts) - 1, 3) :])
        if not label:
            problems.append(f"Intervention line {number} has no label.")
            continue
        interventions.append(Intervention(start, end, place, group, label[:80]))
    return interventions, problems


def format_interventions(interventions: list[Intervention]) -> str:
    lines = []
    for item in interventions:
        when = item.start.isoformat() + (f"..{item.end.isoformat()}" if item.end else "")
        lines.append(f"{when}; {item.place}; {item.group}; {item.label}")
    return "\n".join(lines)


def newcombe_difference(
    numerator_before, denominator_before, numerator_after, denominator_after, confidence=0.95
) -> dict:
    """Difference of two proportions (after minus before) with Newcombe's hybrid score CI.

    Newcombe (1998), method 10: with Wilson limits (l1, u1) for p1 and (l2, u2) for p2,
    d = p2 - p1, lower = d - sqrt((p2 - l2)^2 + (u1 - p1)^2),
    upper = d + sqrt((u2 - p2)^2 + (p1 - l1)^2). Returned in percentage points.
    """
    p1 = numerator_before / denominator_before
    p2 = numerator_after / denominator_after
    l1, u1 = stats.wilson_interval(numerator_before, denominator_before, confidence)
    l2, u2 = stats.wilson_interval(numerator_after, denominator_after, confidence)
    difference = p2 - p1
    lower = difference - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = difference + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return {
        "difference": float(100 * difference),
        "lower_ci": float(100 * lower),
        "upper_ci": float(100 * upper),
    }


def value_on(series: pd.DataFrame, when: date) -> pd.Series | None:
    """The series row for the latest period ending on or before ``when``."""
    # compared as datetime64, not as a Python date made for every row (that was most of a
    # Trends rerun: called for each chosen date of each series)
    periods = pd.to_datetime(series["period_end"]).to_numpy(dtype="datetime64[ns]")
    earlier = series[periods <= np.datetime64(when, "ns")]
    if earlier.empty:
        return None
    return earlier.iloc[-1]


def before_after(series: pd.DataFrame, dates: list[date]) -> pd.DataFrame:
    """Each consecutive pair of chosen dates (and first to last): values and the difference
    with Newcombe's 95% CI. Rows whose counts are disclosive are blanked."""
    rows = []
    chosen = sorted(set(dates))
    pairs = list(zip(chosen, chosen[1:]))
    if len(chosen) > 2:
        pairs.append((chosen[0], chosen[-1]))
    for before, after in pairs:
        first, second = value_on(series, before), value_on(series, after)
        if first is None or second is None:
            continue
        counts = [
            first["numerator"],
            first["denominator"],
            second["numerator"],
            second["denominator"],
        ]
        gaps = [
            first["denominator"] - first["numerator"],
            second["denominator"] - second["numerator"],
        ]
        if any(stats.is_disclosive(c) for c in counts + gaps) or min(counts[1], counts[3]) <= 0:
            diff = {"difference": np.nan, "lower_ci": np.nan, "upper_ci": np.nan}
            before_value = after_value = np.nan
        else:
            diff = newcombe_difference(*counts)
            before_value, after_value = first["value"], second["value"]
        rows.append(
            dict(
                before=pd.Timestamp(first["period_end"]).date(),
                after=pd.Timestamp(second["period_end"]).date(),
                before_value=before_value,
                after_value=after_value,
                difference=diff["difference"],
                lower_ci=diff["lower_ci"],
                upper_ci=diff["upper_ci"],
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "before",
            "after",
            "before_value",
            "after_value",
            "difference",
            "lower_ci",
            "upper_ci",
        ],
    )


def before_after_display(table: pd.DataFrame) -> pd.DataFrame:
    def significance(lo, hi):
        if pd.isna(lo):
            return labels.SUPPRESSED
        if lo > 0:
            return "significant rise"
        if hi < 0:
            return "significant fall"
        return "no significant change"

    shown = pd.DataFrame(
        {
            "From": table["before"],
            "To": table["after"],
            "Before": [labels.format_value(v, "percent") for v in table["before_value"]],
            "After": [labels.format_value(v, "percent") for v in table["after_value"]],
            "Difference (points)": [
                labels.SUPPRESSED if pd.isna(v) else f"{v:+.1f}" for v in table["difference"]
            ],
            "95% CI": [
                labels.SUPPRESSED if pd.isna(lo) else f"{lo:+.1f} to {hi:+.1f}"
                for lo, hi in zip(table["lower_ci"], table["upper_ci"])
            ],
            "Change": [
                significance(lo, hi) for lo, hi in zip(table["lower_ci"], table["upper_ci"])
            ],
        }
    )
    if "series" in table:
        shown.insert(0, "Series", table["series"])
    return shown


def suppressed_series(series: pd.DataFrame) -> pd.DataFrame:
    return stats.suppress_counts(
        series,
        count_columns=["numerator", "denominator"],
        rate_columns=["value", "lower_ci", "upper_ci"],
        complement_pairs=[("numerator", "denominator")],
    )


def combine_series(named: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Stack each (name, series) with a 'series' column, suppression applied."""
    frames = []
    for name, frame in named:
        if frame.empty:
            continue
        out = suppressed_series(frame)
        out.insert(0, "series", name)
        frames.append(out)
    if not frames:
        return pd.DataFrame(
            columns=[
                "series",
                "period_end",
                "numerator",
                "denominator",
                "value",
                "lower_ci",
                "upper_ci",
            ]
        )
    combined = pd.concat(frames, ignore_index=True)
    combined["period_end"] = pd.to_datetime(combined["period_end"])
    return combined


def trend_headline(series: pd.DataFrame, dates: list[date], who: str, place: str) -> str:
    """E.g. 'Somali people aged 50+ in Leicester: 49% → 60% → 78% (23 Mar, 30 Mar, 17 Aug
    2021)'."""
    points = []
    for when in sorted(set(dates)):
        row = value_on(series, when)
        if row is None or pd.isna(row["value"]):
            continue
        points.append((pd.Timestamp(row["period_end"]).date(), row["value"]))
    subject = f"{who[0].upper()}{who[1:]} in {place}"
    if not points:
        return f"{subject}: no data at the chosen dates"
    values = " → ".join(f"{value:.0f}%" for _, value in points)
    days = ", ".join(when.strftime("%-d %b") for when, _ in points)
    return f"{subject}: {values} ({days} {points[-1][0].year})"


def series_chart(
    combined: pd.DataFrame,
    *,
    title: str,
    badges: list[str],
    interventions: list[Intervention],
    marked_dates: list[date],
    unit: str = "percent",
) -> alt.LayerChart:
    """Lines with 95% CI bands per series; interventions as shaded spans or rules with
    labels; the chosen before/after dates as dotted rules with the first series' values."""
    data = combined.copy()
    data["value_label"] = [labels.format_value(v, unit) for v in data["value"]]
    data["reached"] = [labels.format_count(v) for v in data["numerator"]]
    data["eligible"] = [labels.format_count(v) for v in data["denominator"]]
    names = list(dict.fromkeys(data["series"]))
    colour_scale = alt.Scale(domain=names, range=list(palette.SERIES_COLOURS[: len(names)]))
    colour = alt.Color(
        "series:N",
        sort=names,
        scale=colour_scale,
        legend=alt.Legend(
            orient="bottom",
            direction="vertical",
            title=None,
            labelLimit=500,
            symbolType="stroke",
            symbolOpacity=1,
            symbolStrokeWidth=3,
        ),
    )
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("period_end:T", title="Week ending", format=DATE_FORMAT),
        alt.Tooltip("value_label:N", title="Value"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
        alt.Tooltip("reached:N", title="Reached"),
        alt.Tooltip("eligible:N", title="Eligible"),
    ]
    if badges:
        data["data_note"] = " / ".join(badges)
        tooltip.append(alt.Tooltip("data_note:N", title="Data"))
    x = alt.X(
        "period_end:T", title="Period ending", axis=alt.Axis(format="%b %Y", tickCount="month")
    )
    base = alt.Chart(data).encode(x=x, color=colour)
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.18)
        .encode(
            x=x,
            y=alt.Y("lower_ci:Q"),
            y2=alt.Y2("upper_ci:Q"),
            color=colour,
        )
    )
    line = base.mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        y=alt.Y("value:Q", title="%" if unit == "percent" else unit, scale=alt.Scale(zero=False)),
        tooltip=tooltip,
    )
    layers: list = [band, line]
    if interventions:
        marks = pd.DataFrame(
            {
                "start": [pd.Timestamp(i.start) for i in interventions],
                "end": [pd.Timestamp(i.end or i.start) for i in interventions],
                "label": [
                    i.label + (" (synthetic)" if i.is_synthetic else "") for i in interventions
                ],
                "where": [" ".join(p for p in (i.place, i.group) if p) for i in interventions],
            }
        )
        mark_tooltip = [
            alt.Tooltip("label:N", title="Intervention"),
            alt.Tooltip("start:T", title="From", format=DATE_FORMAT),
            alt.Tooltip("end:T", title="To", format=DATE_FORMAT),
            alt.Tooltip("where:N", title="Place / group"),
        ]
        marked = alt.Chart(marks)
        layers.append(
            marked.mark_rect(color="#999999", opacity=0.25).encode(
                x=alt.X("start:T"), x2=alt.X2("end:T"), tooltip=mark_tooltip
            )
        )
        layers.append(
            marked.mark_rule(color="#444444", size=2).encode(
                x=alt.X("start:T"), tooltip=mark_tooltip
            )
        )
        layers.append(
            # label at the top of the band, clear of the lines climbing below it
            marked.mark_text(
                align="left", baseline="top", dx=6, dy=4, fontSize=12, color="#222"
            ).encode(x=alt.X("end:T"), y=alt.YValue(0), text=alt.Text("label:N"))
        )
    if marked_dates and names:
        first = data[data["series"] == names[0]]
        picked = []
        for when in marked_dates:
            row = value_on(first, when)
            if row is not None and pd.notna(row["value"]):
                picked.append({"period_end": row["period_end"], "value": row["value"]})
        if picked:
            points = pd.DataFrame(picked)
            points["text"] = [f"{v:.0f}%" for v in points["value"]]
            dots = alt.Chart(points).encode(x=alt.X("period_end:T"), y=alt.Y("value:Q"))
            layers.append(dots.mark_point(size=140, color="#000", filled=False, strokeWidth=2))
            layers.append(
                dots.mark_text(dy=-14, fontSize=14, fontWeight="bold", color="#000").encode(
                    text=alt.Text("text:N")
                )
            )
    note = "Lines: value; bands: 95% CI; grey: interventions; circles: before/after dates"
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, note)
        ),
        height=CHART_HEIGHT,
        width=760,
    )


def series_download(combined: pd.DataFrame) -> pd.DataFrame:
    columns = ["series", "period_end", "numerator", "denominator", "value", "lower_ci"]
    columns += ["upper_ci", "suppressed", "is_synthetic", "is_modelled"]
    out = combined[[c for c in columns if c in combined.columns]].copy()
    out["period_end"] = pd.to_datetime(out["period_end"]).dt.date
    return out


# --- View choices -----------------------------------------------------------------------

TREND_LEVELS = {"la": "City / local authority", "ward": "Ward", "msoa": "MSOA (2021)"}
EVERYONE = "group:All"  # comparison: everyone of the same age and sex in the same area
# The St Matthews story: the default selection of the synthetic weekly extract.
STORY_INDICATOR = "covid_first_dose_demo"
STORY_DATES = (date(2021, 3, 23), date(2021, 3, 30), date(2021, 8, 17))
STORY_GROUP = {"age_band": "50+", "sex": "All", "ethnic_group": "Somali"}
STORY_COMPARISONS = (EVERYONE, "ward:E05010478")
DEFAULT_AREAS = {"la": "E06000016", "ward": "E05010478", "msoa": "E02002844"}
# A named comparator (schema.COMPARATOR, e.g. LEICS_RUTLAND for school flu uptake) is a
# line to compare with, shown by default, never an area to pick, map or rank.
COMPARISON_LEVELS = ("la", "region", COMPARATOR, "ward", "msoa")


def comparison_label(area_type: str, name: str) -> str:
    """'Leicester (city)', 'Leicestershire and Rutland (named comparator)'."""
    if area_type == COMPARATOR:
        return f"{name} (named comparator)"
    prefix = TREND_LEVELS.get(area_type, "Region")
    return f"{name} ({prefix.split(' ')[0].lower()})"


def default_comparisons(keys, is_story: bool) -> list[str]:
    """The story's comparisons, else everyone in the area plus any named comparator."""
    if is_story:
        return list(STORY_COMPARISONS)
    named = [key for key in keys if key != EVERYONE and parse_comparison(key)[0] == COMPARATOR]
    return [EVERYONE, *named]


def comparison_key(area_type: str, area_code: str) -> str:
    return f"{area_type}:{area_code}"


def parse_comparison(key: str) -> tuple[str, str]:
    area_type, _, code = key.partition(":")
    return area_type, code


def default_dates(periods: list[date], indicator_id: str) -> list[date]:
    """The story's three dates for the demo; otherwise first, middle and last period."""
    ordered = sorted(periods)
    if indicator_id == STORY_INDICATOR and all(d in ordered for d in STORY_DATES):
        return list(STORY_DATES)
    if not ordered:
        return []
    return [ordered[0], ordered[len(ordered) // 2], ordered[-1]]


def before_after_all(named: list[tuple[str, pd.DataFrame]], dates: list[date]) -> pd.DataFrame:
    """before_after for every (name, series), stacked with a 'series' column."""
    tables = []
    for name, series in named:
        if series.empty:
            continue
        table = before_after(series, dates)
        table.insert(0, "series", name)
        tables.append(table)
    if not tables:
        return pd.DataFrame(
            columns=[
                "series",
                *before_after(
                    pd.DataFrame(columns=["period_end", "numerator", "denominator", "value"]), []
                ).columns,
            ]
        )
    return pd.concat(tables, ignore_index=True)
