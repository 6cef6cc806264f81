"""Area profile: one area against its local authority and LLR (pure: data in, data out).

The spine chart follows Fingertips: for each indicator a bar spans the range of areas of
the same level across LLR (darker between the 25th and 75th percentiles), the LLR value
sits at the centre, better is to the right whatever the indicator's polarity, and the
area's value is a dot with its 95% CI, coloured by its comparison with LLR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from equity import config, geo, labels, options, palette, schema, selection, stats

AREA_TYPE_LABELS = {
    "la": "local authority",
    "ward": "ward",
    "msoa": "MSOA",
    "lsoa": "LSOA",
    "practice": "GP practice",
}
NEARBY_RADIUS_KM = 1.5
SPINE_COLUMNS = [
    "indicator_id",
    "indicator",
    "group",
    "period_end",
    "unit",
    "polarity",
    "value",
    "lower_ci",
    "upper_ci",
    "numerator",
    "denominator",
    "la_value",
    "llr_value",
    "range_min",
    "range_q25",
    "range_q75",
    "range_max",
    "areas_in_range",
    "comparison_la",
    "comparison_llr",
    "rag_llr",
    "is_synthetic",
    "is_modelled",
]


def area_label(name: str, area_type: str, code: str) -> str:
    """'St Matthews & Highfields North (MSOA, E02002844)' for the area picker."""
    return f"{name} ({AREA_TYPE_LABELS.get(area_type, area_type)}, {code})"


def search_options(areas: pd.DataFrame) -> pd.DataFrame:
    """Areas a profile can be shown for, one row per code, with their picker labels.

    MSOA 2011 rows are left out: they share codes with MSOA 2021, which are the ones shown.
    """
    usable = areas[areas["area_type"].isin(AREA_TYPE_LABELS)].drop_duplicates("area_code")
    order = {t: i for i, t in enumerate(AREA_TYPE_LABELS)}
    usable = usable.assign(type_order=usable["area_type"].map(order)).sort_values(
        ["type_order", "area_name"]
    )
    usable = usable.assign(
        label=[
            area_label(n, t, c)
            for n, t, c in zip(usable["area_name"], usable["area_type"], usable["area_code"])
        ]
    )
    return usable.drop(columns="type_order").reset_index(drop=True)


@dataclass(frozen=True)
class AreaPicker:
    """The Area profile's picker over every area, built once per extracts version and shared
    by every session (at England scale it holds ~48,000 areas; rebuilding it was half of a
    profile rerun). Read-only: callers must not change its lists, dicts or frame."""

    codes: list[str]  # in picker order: local authorities, wards, MSOAs, LSOAs, practices
    labels: dict[str, str]  # code -> 'Name (type, code)'
    rows: pd.DataFrame  # search_options' rows, indexed by area_code
    la_names: dict[str, str]  # local authority code -> name

    def place(self, code: str) -> Place:
        """The picked area as a Place (no local authority for an LA itself)."""
        row = self.rows.loc[code]
        return Place(
            code=code,
            name=row["area_name"],
            area_type=row["area_type"],
            la_code=None if row["area_type"] == "la" or pd.isna(row["la_code"]) else row["la_code"],
            lon=None if pd.isna(row["lon"]) else float(row["lon"]),
            lat=None if pd.isna(row["lat"]) else float(row["lat"]),
        )


def area_picker(areas: pd.DataFrame) -> AreaPicker:
    """The picker over these areas (areas_of_type rows of every profiled type)."""
    rows = search_options(areas).set_index("area_code")
    local_authorities = rows[rows["area_type"] == "la"]
    return AreaPicker(
        codes=rows.index.tolist(),
        labels=dict(zip(rows.index, rows["label"])),
        rows=rows,
        la_names=dict(zip(local_authorities.index, local_authorities["area_name"])),
    )


# Indicators published only for MSOA 2011 (Local Health SMRs, SARs) are shown on an MSOA
# 2021 profile from the row of the same code: 123 of the 125 codes are the same area; the
# two that changed have no MSOA 2011 row under their new code, so show nothing.
FALLBACK_LEVELS = {"msoa": "msoa11"}


def spine_level(breakdowns: pd.DataFrame, area_type: str) -> str:
    """The level whose rows an area's profile shows for one indicator: its own type, else
    the type it falls back to (FALLBACK_LEVELS) when only that one is published."""
    published = set(breakdowns["area_type"])
    fallback = FALLBACK_LEVELS.get(area_type)
    if area_type not in published and fallback in published:
        return fallback
    return area_type


def default_group(breakdowns: pd.DataFrame, level: str, indicator: pd.Series) -> dict | None:
    """The catalog's default period, sex and age band where the level has them, else None."""
    at_level = breakdowns[breakdowns["area_type"] == level]
    if at_level.empty:
        return None
    periods = sorted(pd.to_datetime(at_level["period_end"]).dt.date.unique(), reverse=True)
    period = periods[0]
    wanted = indicator.get("default_period_end")
    if wanted is not None and pd.notna(wanted):
        earlier = [p for p in periods if p <= pd.Timestamp(wanted).date()]
        period = earlier[0] if earlier else period
    sexes = set(at_level["sex"])
    sex = indicator["default_sex"] if indicator["default_sex"] in sexes else sorted(sexes)[0]
    bands = set(at_level["age_band"])
    age_band = indicator["default_age_band"]
    if age_band not in bands and not (age_band.endswith("+") and len(bands) > 1):
        age_band = "All" if "All" in bands else sorted(bands)[0]
    return {"on_or_before": period, "sex": sex, "age_band": age_band, "ethnic_group": "All"}


def spine_row(
    level_values: pd.DataFrame,
    la_values: pd.DataFrame,
    *,
    area_code: str,
    la_code: str | None,
    indicator: pd.Series,
    group: str,
) -> dict | None:
    """One indicator's spine figures for the area, or None when the area has no value.

    `level_values`: every area of the area's level (area_values_with_benchmark with the
    LLR benchmark); `la_values`: the local authorities (same query at level 'la').
    """
    mine = level_values[level_values["area_code"] == area_code]
    if mine.empty:
        return None
    row = mine.iloc[0]
    polarity = indicator["polarity"]
    small = bool(stats.is_disclosive(row["numerator"]) or stats.is_disclosive(row["denominator"]))
    values = level_values["value"].dropna()
    la_row = la_values[la_values["area_code"] == la_code] if la_code else la_values.iloc[0:0]
    la_value = float(la_row["value"].iloc[0]) if len(la_row) else np.nan
    llr_value = row["benchmark_value"]
    comparable = pd.notna(row["value"]) and not small
    # Direction only here: the colour category (below) applies the polarity, which may be
    # no_judgement. A value without limits (e.g. MSOA life expectancy, SMRs) is "not compared".
    comparison_llr = stats.compare_to_benchmark(
        row["lower_ci"], row["upper_ci"], llr_value, None, comparable
    )
    comparison_la = stats.compare_to_benchmark(
        row["lower_ci"], row["upper_ci"], la_value, None, comparable
    )
    result = {
        "indicator_id": indicator.name,
        "indicator": indicator["short_label"],
        "group": group,
        "period_end": row["period_end"],
        "unit": indicator["unit"],
        "polarity": polarity,
        "value": np.nan if small else row["value"],
        "lower_ci": np.nan if small else row["lower_ci"],
        "upper_ci": np.nan if small else row["upper_ci"],
        "numerator": np.nan if small else row["numerator"],
        "denominator": np.nan if small else row["denominator"],
        "la_value": la_value,
        "llr_value": llr_value,
        "range_min": values.min(),
        "range_q25": values.quantile(0.25),
        "range_q75": values.quantile(0.75),
        "range_max": values.max(),
        "areas_in_range": int(values.size),
        "comparison_la": comparison_la,
        "comparison_llr": comparison_llr,
        "rag_llr": stats.comparison_category(comparison_llr, polarity),
        "is_synthetic": bool(row["is_synthetic"]),
        "is_modelled": bool(row["is_modelled"]),
    }
    return result


def spine_frame(rows: list[dict]) -> pd.DataFrame:
    """Spine rows with positions on a -1..1 scale: LLR at 0, better to the right."""
    frame = pd.DataFrame([r for r in rows if r], columns=SPINE_COLUMNS)
    if frame.empty:
        return frame.assign(
            **{c: pd.Series(dtype=float) for c in _POSITION_COLUMNS}, badge=pd.Series(dtype=str)
        )
    centre = frame["llr_value"].where(
        frame["llr_value"].notna(), frame["range_q25"] / 2 + frame["range_q75"] / 2
    )
    half = np.maximum(
        (frame["range_max"] - centre).abs(), (frame["range_min"] - centre).abs()
    ).replace(0, 1)
    direction = np.where(frame["polarity"] == schema.LOWER_IS_BETTER, -1.0, 1.0)
    for source, target in zip(_VALUE_COLUMNS, _POSITION_COLUMNS):
        frame[target] = ((frame[source] - centre) / half * direction).clip(-1.2, 1.2)
    # With lower-is-better the ends swap; keep start <= end for the bars.
    for low, high in (("pos_min", "pos_max"), ("pos_q25", "pos_q75"), ("pos_lower", "pos_upper")):
        a, b = frame[low].copy(), frame[high].copy()
        frame[low], frame[high] = np.fmin(a, b), np.fmax(a, b)
    frame["badge"] = [
        " / ".join(labels.data_badges(s, m))
        for s, m in zip(frame["is_synthetic"], frame["is_modelled"])
    ]
    return frame


_VALUE_COLUMNS = (
    "range_min",
    "range_q25",
    "range_q75",
    "range_max",
    "value",
    "lower_ci",
    "upper_ci",
    "la_value",
)
_POSITION_COLUMNS = (
    "pos_min",
    "pos_q25",
    "pos_q75",
    "pos_max",
    "pos_value",
    "pos_lower",
    "pos_upper",
    "pos_la",
)


def spine_chart(
    frame: pd.DataFrame, *, area_name: str, la_name: str, title: str, badges: list[str]
) -> alt.LayerChart:
    """Fingertips-style spine: grey range bars, LLR centre line, city tick, area dot + CI."""
    data = frame.copy()
    data["row"] = data["indicator"] + " — " + data["group"]
    for column in (
        "value",
        "lower_ci",
        "upper_ci",
        "la_value",
        "llr_value",
        "range_min",
        "range_max",
    ):
        data[f"{column}_text"] = [
            labels.format_value(v, u) for v, u in zip(data[column], data["unit"])
        ]
    data["data_note"] = data["badge"].replace("", "published data")
    data["compared_llr"] = [labels.comparison_category_text(c) for c in data["rag_llr"]]
    present = [c for c in palette.COMPARISON_COLOURS if c in set(data["rag_llr"])]
    order = data["row"].tolist()
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    tooltip = [
        alt.Tooltip("row:N", title="Indicator"),
        alt.Tooltip("value_text:N", title=area_name),
        alt.Tooltip("lower_ci_text:N", title="95% CI lower"),
        alt.Tooltip("upper_ci_text:N", title="95% CI upper"),
        alt.Tooltip("la_value_text:N", title=la_name),
        alt.Tooltip("llr_value_text:N", title="LLR"),
        alt.Tooltip("range_min_text:N", title="Lowest area"),
        alt.Tooltip("range_max_text:N", title="Highest area"),
        alt.Tooltip("comparison_llr:N", title="vs LLR"),
        alt.Tooltip("data_note:N", title="Data"),
    ]
    x_scale = alt.Scale(domain=[-1.25, 1.25])
    base = alt.Chart(data).encode(y=y)
    full = base.mark_bar(color="#dddddd", size=16).encode(
        x=alt.X(
            "pos_min:Q",
            scale=x_scale,
            title="← worse      LLR at centre      better →",
            axis=alt.Axis(labels=False, ticks=False, grid=False),
        ),
        x2=alt.X2("pos_max:Q"),
    )
    middle = base.mark_bar(color="#a9a9a9", size=16).encode(
        x=alt.X("pos_q25:Q"), x2=alt.X2("pos_q75:Q")
    )
    centre = (
        alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#000", size=2).encode(x=alt.X("x:Q"))
    )
    city = base.mark_tick(color="#000", thickness=3, size=20).encode(x=alt.X("pos_la:Q"))
    whisker = base.mark_rule(color="#222", size=2).encode(
        x=alt.X("pos_lower:Q"), x2=alt.X2("pos_upper:Q")
    )
    dot = base.mark_point(filled=True, size=160, stroke="#000", strokeWidth=1).encode(
        x=alt.X("pos_value:Q"),
        color=alt.Color(
            "compared_llr:N",
            title="Compared with LLR",
            scale=alt.Scale(
                domain=[labels.comparison_category_text(c) for c in present],
                range=[palette.COMPARISON_COLOURS[c] for c in present],
            ),
        ),
        tooltip=tooltip,
    )
    notes = [
        f"Dot: {area_name} with 95% CI; black tick: {la_name}; line: LLR",
        "Bar: range of areas of this type in LLR (dark: middle half)",
    ]
    if (data["polarity"] == schema.NO_JUDGEMENT).any():
        notes.append(
            "Indicators not judged better or worse (e.g. recorded prevalence): higher is to the "
            "right, coloured higher / similar / lower"
        )
    return (
        alt.layer(full, middle, centre, city, whisker, dot)
        .properties(
            title=alt.TitleParams(
                labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, *notes)
            ),
            height=alt.Step(34),
        )
        .configure_legend(orient="bottom")
    )


def spine_table(frame: pd.DataFrame, area_name: str, la_name: str) -> pd.DataFrame:
    """The spine as a readable table (suppressed values already blank, shown as '*')."""
    return pd.DataFrame(
        {
            "Indicator": frame["indicator"],
            "Group": frame["group"],
            "Period ending": pd.to_datetime(frame["period_end"]).dt.date.astype(str),
            area_name: [labels.format_value(v, u) for v, u in zip(frame["value"], frame["unit"])],
            "95% CI": [
                labels.format_ci(lo, hi) for lo, hi in zip(frame["lower_ci"], frame["upper_ci"])
            ],
            la_name: [_benchmark_text(v, u) for v, u in zip(frame["la_value"], frame["unit"])],
            "LLR": [_benchmark_text(v, u) for v, u in zip(frame["llr_value"], frame["unit"])],
            f"vs {la_name}": frame["comparison_la"],
            "vs LLR": frame["comparison_llr"],
            "Data": frame["badge"].replace("", "published"),
        }
    )


def _benchmark_text(value, unit: str) -> str:
    return "not published" if pd.isna(value) else labels.format_value(value, unit)


def spine_download(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in SPINE_COLUMNS if c not in ("unit", "polarity")]
    return frame[columns]


def profile_headline(frame: pd.DataFrame, area_name: str, la_name: str) -> str:
    """The finding in words: the first real indicator against the local authority."""
    if frame.empty:
        return f"{area_name}: no indicators are published for this type of area"
    ordered = frame.sort_values(["is_synthetic", "is_modelled"], kind="stable")
    compared = ordered[ordered["value"].notna() & ordered["la_value"].notna()]
    if compared.empty:
        return f"{area_name}: {len(frame)} indicators shown against LLR"
    first = compared.iloc[0]
    worse = int(
        (
            frame["comparison_la"].isin(["lower", "higher"])
            & (
                stats.comparison_rag(
                    frame["comparison_la"].to_numpy(), frame["polarity"].to_numpy()
                )
                == "worse"
            )
        ).sum()
    )
    return (
        f"{area_name}: {first['indicator']} {labels.format_value(first['value'], first['unit'])} "
        f"({first['group']}) vs "
        f"{labels.format_value(first['la_value'], first['unit'])} in {la_name}; "
        f"significantly worse than {la_name} on {worse} of {len(frame)} indicators"
    )


def group_text(age_band: str, sex: str, ethnic_group: str) -> str:
    return labels.group_phrase(age_band, sex, ethnic_group)


def series_frame(series: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Trend rows with small counts suppressed and a display name per line."""
    out = stats.suppress_counts(
        series,
        count_columns=["numerator", "denominator"],
        rate_columns=["value", "lower_ci", "upper_ci"],
        complement_pairs=[("numerator", "denominator")],
    )
    out["line"] = [
        f"{n} (named comparator)" if t == schema.COMPARATOR else names.get(t, n)
        for t, n in zip(out["area_type"], out["area_name"])
    ]
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out


def place_scale(names: list[str]) -> alt.Scale:
    """The area in vermillion, its local authority in blue, LLR in grey, on every chart."""
    return alt.Scale(domain=names, range=list(palette.PLACE_COLOURS[: len(names)]))


def trend_chart(
    frame: pd.DataFrame, *, title: str, unit: str, badges: list[str], order: list[str]
) -> alt.LayerChart:
    """Lines for the area, its local authority, LLR and any named comparator, with the
    area's 95% CI band."""
    axis_title = "%" if unit == "percent" else unit
    data = frame.copy()
    order = [*order, *(line for line in dict.fromkeys(data["line"]) if line not in order)]
    data["value_text"] = [labels.format_value(v, unit) for v in data["value"]]
    data["data_note"] = " / ".join(badges) or "published data"
    base = alt.Chart(data).encode(x=alt.X("period_end:T", title="Period ending"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("lower_ci:Q", title=axis_title),
        y2=alt.Y2("upper_ci:Q"),
        color=alt.Color("line:N", title=None, scale=place_scale(order)),
    )
    lines = base.mark_line(point=True).encode(
        y=alt.Y("value:Q"),
        color=alt.Color(
            "line:N", title=None, scale=place_scale(order), legend=alt.Legend(orient="bottom")
        ),
        tooltip=[
            alt.Tooltip("line:N", title="Area"),
            alt.Tooltip("period_end:T", title="Period ending"),
            alt.Tooltip("value_text:N", title="Value"),
            alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
            alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
            alt.Tooltip("data_note:N", title="Data"),
        ],
    )
    return alt.layer(band, lines).properties(
        title=alt.TitleParams(
            labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, "Shaded: 95% CI")
        ),
        height=320,
    )


BREAKDOWN_DIMENSIONS = {"age_band": "Age band", "sex": "Sex", "ethnic_group": "Ethnic group"}


def breakdown(sums: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The `dimension` rows of queries/area_breakdown_by_group.sql (counts already summed in
    SQL, with Wilson CIs) named for their dimension, with small counts and their
    complements suppressed."""
    table = (
        sums[sums["dimension"] == dimension]
        .rename(columns={"group_value": dimension})
        .drop(columns=["band_order", "dimension"])
    )
    return stats.suppress_counts(
        table.reset_index(drop=True),
        count_columns=["numerator", "denominator"],
        rate_columns=["value", "lower_ci", "upper_ci"],
        complement_pairs=[("numerator", "denominator")],
    )


def breakdown_chart(
    frame: pd.DataFrame,
    dimension: str,
    *,
    names: dict[str, str],
    title: str,
    badges: list[str],
    order: list[str],
) -> alt.LayerChart:
    """Grouped dots with 95% CIs: the area against its local authority for each group."""
    data = frame.copy()
    data["where"] = data["area_type"].map(lambda t: names.get(t, t))
    data["value_text"] = [labels.format_value(v, "percent") for v in data["value"]]
    data["data_note"] = " / ".join(badges) or "published data"
    y = alt.Y(
        f"{dimension}:N",
        title=BREAKDOWN_DIMENSIONS[dimension],
        sort=list(dict.fromkeys(data[dimension])),
    )
    offset = alt.YOffset("where:N")
    base = alt.Chart(data).encode(y=y, yOffset=offset)
    whiskers = base.mark_rule(size=2).encode(
        x=alt.X("lower_ci:Q", title="%"),
        x2=alt.X2("upper_ci:Q"),
        color=alt.Color(
            "where:N", title=None, scale=place_scale(order), legend=alt.Legend(orient="bottom")
        ),
    )
    dots = base.mark_point(filled=True, size=90).encode(
        x=alt.X("value:Q"),
        color=alt.Color("where:N", scale=place_scale(order), legend=None),
        tooltip=[
            alt.Tooltip("where:N", title="Area"),
            alt.Tooltip(f"{dimension}:N", title=BREAKDOWN_DIMENSIONS[dimension]),
            alt.Tooltip("value_text:N", title="Value"),
            alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
            alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
            alt.Tooltip("data_note:N", title="Data"),
        ],
    )
    return alt.layer(whiskers, dots).properties(
        title=alt.TitleParams(
            labels.wrap_title(title),
            subtitle=labels.chart_subtitle(badges, "Dots: value; lines: 95% CI"),
        ),
        height=alt.Step(16),
    )


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    area_type: str
    la_code: str | None
    lon: float | None
    lat: float | None


def nearby_practices(
    practices: pd.DataFrame, place: Place, radius_km: float = NEARBY_RADIUS_KM
) -> pd.DataFrame:
    """GP practices within radius_km of the area's centroid (a practice: itself included)."""
    if place.lon is None or place.lat is None or pd.isna(place.lon) or pd.isna(place.lat):
        return practices.iloc[0:0].assign(distance_km=pd.Series(dtype=float))
    return geo.points_within(practices, place.lon, place.lat, radius_km)


def practice_table(
    nearby: pd.DataFrame, indicator_values: dict[str, pd.DataFrame], catalog: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(display table, download frame, badges) for the practices near an area.

    `indicator_values`: {indicator_id: area_values_with_benchmark rows at practice level}.
    Values from rows with small counts are suppressed; synthetic columns are marked.
    """
    display = pd.DataFrame(
        {
            "Practice": nearby["area_name"].to_numpy(),
            "Code": nearby["area_code"].to_numpy(),
            "Distance (km)": nearby["distance_km"].round(2).to_numpy(),
            "List size": [labels.format_count(v) for v in nearby["population"]],
        }
    )
    download = display.drop(columns="List size").assign(list_size=nearby["population"].to_numpy())
    badges: list[str] = []
    for indicator_id, values in indicator_values.items():
        info = catalog.loc[indicator_id]
        safe = stats.suppress_counts(
            values,
            count_columns=["numerator", "denominator"],
            rate_columns=["value", "lower_ci", "upper_ci"],
            complement_pairs=[("numerator", "denominator")],
        ).set_index("area_code")
        synthetic = bool(info["is_synthetic"]) or bool(values["is_synthetic"].any())
        modelled = bool(info["is_modelled"]) or bool(values["is_modelled"].any())
        note = " (synthetic)" if synthetic else " (modelled)" if modelled else ""
        if note.strip(" ()") in info["short_label"].lower():
            note = ""
        column = f"{info['short_label']}{note}"
        found = safe.reindex(nearby["area_code"])
        display[column] = [labels.format_value(v, info["unit"]) for v in found["value"]]
        download[f"{indicator_id}_value"] = found["value"].to_numpy()
        download[f"{indicator_id}_lower_ci"] = found["lower_ci"].to_numpy()
        download[f"{indicator_id}_upper_ci"] = found["upper_ci"].to_numpy()
        for badge in labels.data_badges(synthetic, modelled):
            if badge not in badges:
                badges.append(badge)
    return display, download, badges


# The spine and practice tables take the query runner, run(name, **params) -> DataFrame,
# rather than the rows: which queries to ask depends on the data (each indicator's
# breakdowns decide the level and group of its values query). The app passes its cached
# runner, so these per-query caches stay shared with the other pages; tests pass db.run_query.
QueryRunner = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Spine:
    """An area's spine: `frame` (spine_frame rows, one per indicator it has a value for),
    `default_groups` ({indicator_id: default_group} for every indicator published at the
    area's level, the Trends section's starting choice) and the page's data `badges`."""

    frame: pd.DataFrame
    default_groups: dict[str, dict]
    badges: list[str]


def area_spine(place: Place, catalog: pd.DataFrame, run: QueryRunner) -> Spine:
    """Every catalog indicator published for the place's type of area, at its default group,
    against the place's local authority and LLR."""
    chosen = {}  # indicator_id: (level, group), in the catalog's order
    for indicator_id, indicator in catalog.iterrows():
        breakdowns = run("indicator_breakdowns", indicator_id=indicator_id)
        level = spine_level(breakdowns, place.area_type)
        group = default_group(breakdowns, level, indicator)
        if group is not None:
            chosen[indicator_id] = (level, group)
    # One query per level for all its indicators (a query each was ~45 ms, mostly planning)
    groups = {indicator_id: group for indicator_id, (_, group) in chosen.items()}
    authorities = _all_of_llr(run, groups, "la")
    at_level = {
        level: _all_of_llr(run, {i: g for i, (lv, g) in chosen.items() if lv == level}, level)
        for level in dict.fromkeys(level for level, _ in chosen.values())
    }
    rows = []
    for indicator_id, (level, group) in chosen.items():
        rows.append(
            spine_row(
                at_level[level][indicator_id],
                authorities[indicator_id],
                area_code=place.code,
                la_code=place.la_code,
                indicator=catalog.loc[indicator_id],
                group=labels.group_phrase(group["age_band"], group["sex"], group["ethnic_group"])
                + ("" if level == place.area_type else f" ({options.LEVEL_LABELS[level]})"),
            )
        )
    frame = spine_frame(rows)
    badges = labels.data_badges(bool(frame["is_synthetic"].any()), False) + labels.data_badges(
        False, bool(frame["is_modelled"].any())
    )
    return Spine(frame=frame, default_groups=groups, badges=badges)


def _all_of_llr(run: QueryRunner, groups: dict[str, dict], level: str) -> dict[str, pd.DataFrame]:
    """{indicator_id: its area_values_with_benchmark rows for every area of the level against
    LLR} for every indicator of `groups` (no rows: an empty frame), from one query."""
    if not groups:
        return {}
    rows = selection.all_of_llr(run, groups, level)
    found = selection.by_indicator(rows)
    none = rows.iloc[0:0].drop(columns="indicator_id")
    return {indicator_id: found.get(indicator_id, none) for indicator_id in groups}


def nearby_practice_table(
    place: Place, catalog: pd.DataFrame, run: QueryRunner
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]] | None:
    """practice_table for the practices near the place, each indicator published by practice
    at its default group; None when no practice is near (or the place has no location)."""
    nearby = nearby_practices(run("areas_of_type", area_type="practice", la_code=None), place)
    if nearby.empty:
        return None
    groups = {}
    for indicator_id, indicator in catalog.iterrows():
        breakdowns = run("indicator_breakdowns", indicator_id=indicator_id)
        group = default_group(breakdowns, "practice", indicator)
        if group is not None:
            groups[indicator_id] = group
    return practice_table(nearby, _all_of_llr(run, groups, "practice"), catalog)


def la_name_of(place: Place, la_names: dict[str, str]) -> str:
    if place.area_type == "la":
        return "LLR"
    return la_names.get(place.la_code or "", "its local authority")


LLR_NAME = "LLR"
CITY_CODE = config.CITY_CODE


def breakdown_display(table: pd.DataFrame, dimension: str, names: dict[str, str], unit: str):
    """A breakdown as people read it: place, group, value with CI, counts ('*' if small)."""
    return pd.DataFrame(
        {
            "Place": table["area_type"].map(names).fillna(table["area_code"]),
            BREAKDOWN_DIMENSIONS[dimension]: table[dimension],
            "Value": [labels.format_value(v, unit) for v in table["value"]],
            "95% CI": [
                labels.format_ci(lo, hi) for lo, hi in zip(table["lower_ci"], table["upper_ci"])
            ],
            "Reached": [labels.format_count(v) for v in table["numerator"]],
            "Eligible": [labels.format_count(v) for v in table["denominator"]],
            "Data": [
                " / ".join(labels.data_badges(bool(s), bool(m))) or "published"
                for s, m in zip(table["is_synthetic"], table["is_modelled"])
            ],
        }
    )


@dataclass(frozen=True)
class Breakdown:
    """One tab of the profile's breakdowns: the chart (and its drawn dict) and the table."""

    dimension: str
    chart: tuple  # (breakdown_chart, its drawn dict)
    display: pd.DataFrame  # breakdown_display
    download: pd.DataFrame


@dataclass(frozen=True)
class Section:
    """The profile's "Trends and breakdowns" for one indicator, period and group. Shared
    between sessions by the app's cache: read it, never change it."""

    place_series: pd.DataFrame  # the place's own periods (the recent-trend badge)
    badges: list[str]
    trend: tuple | None  # (trend_chart, its drawn dict); None with one period
    breakdowns: list[Breakdown]


def section(
    place: Place,
    la_name: str,
    indicator: pd.Series,
    period,
    age_band: str,
    sex: str,
    ethnic_group: str,
    run: QueryRunner,
    draw: Callable,
) -> Section:
    """The trend of `indicator` (a catalog row named by its indicator_id) for the place, its
    authority and LLR, and, for counts, its breakdown by each dimension that varies; `draw`
    turns a chart into the dict the page draws."""
    indicator_id = indicator.name
    names = {place.area_type: place.name, "la": la_name, "region": "LLR"}
    place_order = list(dict.fromkeys([place.name, la_name, "LLR"]))
    area = dict(area_code=place.code, area_type=place.area_type, la_code=place.la_code)
    series = run(
        "area_indicator_series",
        indicator_id=indicator_id,
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
        who = labels.group_phrase(age_band, sex, ethnic_group)
        chart = trend_chart(
            series_frame(series, names),
            title=f"{indicator['short_label']}, {who}: {place.name}, {la_name} and LLR",
            unit=indicator["unit"],
            badges=badges,
            order=place_order,
        )
        trend = (chart, draw(chart))
    breakdowns = []
    groups = run("area_indicator_groups", indicator_id=indicator_id, on_or_before=period, **area)
    if indicator["value_type"] == "count" and not groups.empty:
        dimensions = [d for d in BREAKDOWN_DIMENSIONS if groups[d].nunique() > 1]
        # The age split shows every band; the others sum the bands of the chosen age group.
        band_of = {d: "All" if d == "age_band" else age_band for d in dimensions}
        # one query per age group asked (one when it is 'All'): each reads the area's rows
        sums_at = {
            band: run(
                "area_breakdown_by_group",
                indicator_id=indicator_id,
                on_or_before=period,
                dimensions=[d for d in dimensions if band_of[d] == band],
                age_band=band,
                **area,
            )
            for band in dict.fromkeys(band_of.values())
        }
        for dimension in dimensions:
            band = band_of[dimension]
            table = breakdown(sums_at[band], dimension)
            label = BREAKDOWN_DIMENSIONS[dimension].lower()
            chart = breakdown_chart(
                table,
                dimension,
                names=names,
                title=f"{indicator['short_label']} by {label}"
                + (f", aged {band}" if band != "All" else "")
                + f": {place.name} vs {la_name}, {period.isoformat()}",
                badges=badges,
                order=place_order,
            )
            breakdowns.append(
                Breakdown(
                    dimension=dimension,
                    chart=(chart, draw(chart)),
                    display=breakdown_display(table, dimension, names, indicator["unit"]),
                    download=table.drop(columns="suppressed"),
                )
            )
    return Section(
        place_series=series[series["area_code"] == place.code],
        badges=badges,
        trend=trend,
        breakdowns=breakdowns,
    )
