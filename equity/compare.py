"""Compare and judge: the logic behind the Compare areas page and the judging aids other
pages add (rank certainty, recent trend, difference-in-differences, potential for
improvement). Pure functions: frames in, frames, dicts or Altair specs out.

Inputs are `area_values_with_benchmark` rows (one indicator, every area of a level, the
benchmark alongside) unless said otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from equity import labels, palette, stats
from equity.schema import HIGHER_IS_BETTER, JUDGED_POLARITIES, NO_JUDGEMENT

if TYPE_CHECKING:  # altair is imported where a chart is drawn
    import altair as alt

IMD_SCORE = "imd_score"  # the pseudo-indicator "IMD 2025 score" taken from the areas table
IMD_LABEL = "IMD 2025 score (higher = more deprived)"
CATEGORY_COLOURS = {**palette.RAG_COLOURS, **palette.NO_JUDGEMENT_COLOURS}
CATEGORY_NAMES = {
    **{label: label.capitalize() for label in stats.RAG_LABELS},
    **stats.NO_JUDGEMENT_DISPLAY,
}
_DARK_FILLS = {"#D55E00", "#0072B2"}  # white text reads better on these


def _small(frame: pd.DataFrame) -> pd.Series:
    """A row built on a count of 1 to the disclosure threshold (never shown)."""
    return pd.Series(
        stats.is_disclosive(frame["numerator"]) | stats.is_disclosive(frame["denominator"]),
        index=frame.index,
    )


def compared(frame: pd.DataFrame, polarity: str) -> pd.DataFrame:
    """Each area's comparison with its benchmark as a colour category, suppression marked.

    Adds `suppressed` (count 1–7: value withheld) and `category`: worse/similar/better for
    judged indicators, the no-judgement names for the others, "not compared" when
    suppressed or missing.
    """
    out = frame.copy()
    out["suppressed"] = _small(out).to_numpy()
    comparable = out["value"].notna() & ~out["suppressed"]
    comparison = stats.compare_to_benchmark(
        out["lower_ci"], out["upper_ci"], out["benchmark_value"], None, comparable
    )
    out["category"] = stats.comparison_category(comparison, polarity)
    return out


# The benchmark columns of area_values_with_benchmark and the area columns they copy.
BENCHMARK_COLUMNS = {
    "benchmark_code": "area_code",
    "benchmark_value": "value",
    "benchmark_lower_ci": "lower_ci",
    "benchmark_upper_ci": "upper_ci",
    "benchmark_numerator": "numerator",
    "benchmark_denominator": "denominator",
}


def within_against(
    everywhere: pd.DataFrame,
    la_code: str | None,
    benchmark_code: str,
    authorities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The query's rows for the areas within `la_code` (all: None) against `benchmark_code`,
    made from rows already asked: `everywhere` (area_values_for_indicators rows for every
    area of a level, against `benchmark_code` unless `authorities` is given) and
    `authorities` (the same indicators at level 'la', whose row for `benchmark_code` is
    each indicator's benchmark).

    The query filters its areas last and takes its benchmark from the benchmark area's own
    row, so these are the rows it would give; a benchmark not found is empty, as its LEFT
    JOIN leaves it.
    """
    out = everywhere if la_code is None else everywhere[everywhere["la_code"] == la_code]
    out = out.reset_index(drop=True)
    if authorities is None:
        return out
    own = authorities.loc[authorities["area_code"] == benchmark_code, ["indicator_id"]]
    for column, source in BENCHMARK_COLUMNS.items():
        own[column] = authorities.loc[own.index, source]
    benchmarks = out[["indicator_id"]].merge(own, on="indicator_id", how="left")
    for column in BENCHMARK_COLUMNS:
        out[column] = benchmarks[column].astype(everywhere[column].dtype)
    return out


# --- Overview: the "tartan rug" ----------------------------------------------------------


def rug_long(values: dict[str, pd.DataFrame], catalog: pd.DataFrame) -> pd.DataFrame:
    """One row per area and indicator: value (NaN when suppressed), category, badges."""
    parts = []
    for indicator_id, frame in values.items():
        if frame.empty:
            continue
        indicator = catalog.loc[indicator_id]
        part = compared(frame, indicator["polarity"])
        part = part.assign(
            indicator_id=indicator_id,
            indicator=indicator["short_label"],
            unit=indicator["unit"],
        )
        for column in ("value", "lower_ci", "upper_ci", "numerator", "denominator"):
            part[column] = part[column].mask(part["suppressed"])
        parts.append(part)
    columns = [
        "area_code",
        "area_name",
        "imd_score",
        "is_core20",
        "indicator_id",
        "indicator",
        "unit",
        "period_end",
        "value",
        "lower_ci",
        "upper_ci",
        "numerator",
        "denominator",
        "benchmark_value",
        "category",
        "suppressed",
        "is_synthetic",
        "is_modelled",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def rug_wide(long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(values, categories, suppressed): areas as rows (code, name first; most deprived
    first, by IMD score), indicators as columns in the order given; values are numbers so
    a column sorts as numbers."""
    order = list(dict.fromkeys(long["indicator"]))
    areas = long.drop_duplicates("area_code").sort_values(
        ["imd_score", "area_name"], ascending=[False, True], na_position="last"
    )
    names = areas.set_index("area_code")["area_name"]

    def pivot(column):
        table = long.pivot(index="area_code", columns="indicator", values=column)
        return table.reindex(index=names.index, columns=order)

    values = pivot("value").astype(float)
    values.insert(0, "Area", names)
    values.insert(0, "Code", names.index)
    categories = pivot("category").reset_index(drop=True)
    suppressed = pivot("suppressed").fillna(False).astype(bool).reset_index(drop=True)
    values.columns.name = None
    return values.reset_index(drop=True), categories, suppressed


def rug_styler(values: pd.DataFrame, categories: pd.DataFrame, suppressed: pd.DataFrame):
    """A pandas Styler: each cell coloured by its category, "*" where suppressed."""
    indicator_columns = [c for c in values.columns if c not in ("Code", "Area")]

    def colours(_):
        css = pd.DataFrame("", index=values.index, columns=values.columns)
        for column in indicator_columns:
            fills = categories[column].map(CATEGORY_COLOURS)
            css[column] = [
                ""
                if pd.isna(fill)
                else f"background-color: {fill}; color: {'white' if fill in _DARK_FILLS else 'black'}"
                for fill in fills
            ]
        return css

    styler = values.style.apply(colours, axis=None).format(precision=1, na_rep="–")
    for column in indicator_columns:
        rows = suppressed.index[suppressed[column]]
        if len(rows):
            styler = styler.format(
                lambda _: stats.SUPPRESSED_MARKER, subset=pd.IndexSlice[rows, [column]]
            )
    return styler


def rug_download(long: pd.DataFrame) -> pd.DataFrame:
    """The rug as a long CSV: suppressed values blank and flagged, categories named."""
    out = long.copy()
    out["comparison"] = out["category"].map(CATEGORY_NAMES)
    out["value"] = out["value"].round(2)
    return out.drop(columns=["category"])


def legend_markdown(polarities: set[str]) -> str:
    """A colour key for the categories the rug can show (judged and no-judgement)."""
    keys = list(stats.RAG_LABELS)
    if NO_JUDGEMENT in polarities:
        keys = [k for k in keys if k != "not compared"] + list(stats.NO_JUDGEMENT_LABELS)
    swatches = [
        f"<span style='background:{CATEGORY_COLOURS[k]};padding:0 0.6em;border:1px solid #999'>"
        f"&nbsp;</span> {CATEGORY_NAMES[k]}"
        for k in keys
    ]
    return " &nbsp; ".join(swatches)


# --- Side by side ------------------------------------------------------------------------


def side_by_side(long: pd.DataFrame, area_codes: list[str], benchmark_name: str) -> pd.DataFrame:
    """Indicators as rows, one column per chosen area and the benchmark: "value (category)",
    "*" where suppressed."""
    chosen = long[long["area_code"].isin(area_codes)]
    names = dict(zip(chosen["area_code"], chosen["area_name"]))
    rows = []
    for indicator, group in long.groupby("indicator", sort=False):
        unit = group["unit"].iloc[0]
        row = {"Indicator": indicator}
        for code in area_codes:
            match = group[group["area_code"] == code]
            if match.empty:
                text = "no data"
            elif bool(match["suppressed"].iloc[0]):
                text = stats.SUPPRESSED_MARKER
            else:
                category = CATEGORY_NAMES.get(match["category"].iloc[0], "")
                text = f"{labels.format_value(match['value'].iloc[0], unit)} ({category.lower()})"
            row[names.get(code, code)] = text
        benchmark = group["benchmark_value"].iloc[0]
        row[benchmark_name] = "–" if pd.isna(benchmark) else labels.format_value(benchmark, unit)
        rows.append(row)
    return pd.DataFrame(rows)


# --- Funnel plot -------------------------------------------------------------------------


FUNNEL_LABELS = 8  # at most this many outliers are named on the chart


def funnel_points(frame: pd.DataFrame) -> tuple[pd.DataFrame, float, int]:
    """Areas on a proportion funnel: (points, benchmark proportion 0-1, areas left out).

    The centre line is the benchmark area's own proportion (its numerator over its
    denominator) when it has counts, else the pooled proportion of the areas shown.
    Areas built on counts of 1–7, or with no counts, are left out (never plotted).
    """
    usable = frame[frame["numerator"].notna() & (frame["denominator"] > 0) & ~_small(frame)].copy()
    usable["numerator"] = np.minimum(usable["numerator"], usable["denominator"])
    left_out = len(frame) - len(usable)
    bench_x = frame["benchmark_numerator"].dropna()
    bench_n = frame["benchmark_denominator"].dropna()
    if len(bench_x) and len(bench_n) and float(bench_n.iloc[0]) > 0:
        proportion = min(float(bench_x.iloc[0]) / float(bench_n.iloc[0]), 1.0)
    elif len(usable):
        proportion = float(usable["numerator"].sum() / usable["denominator"].sum())
    else:
        return usable.assign(significance=pd.Series(dtype=object)), float("nan"), left_out
    usable["value"] = 100 * usable["numerator"] / usable["denominator"]
    usable["significance"] = stats.funnel_significance_proportion(
        usable["numerator"], usable["denominator"], proportion
    )
    usable["outlier"] = usable["significance"].isin([stats.FUNNEL_LOW_998, stats.FUNNEL_HIGH_998])
    # Name only the most extreme outliers (by z score), so the labels stay legible.
    z = (usable["numerator"] / usable["denominator"] - proportion) / np.sqrt(
        proportion * (1 - proportion) / usable["denominator"]
    )
    extreme = z.abs()[usable["outlier"]].nlargest(FUNNEL_LABELS).index
    usable["labelled"] = usable.index.isin(extreme)
    return usable.reset_index(drop=True), proportion, left_out


FUNNEL_COLOURS = {
    stats.FUNNEL_LOW_998: "#D55E00",
    stats.FUNNEL_LOW_95: "#E69F00",
    stats.FUNNEL_NOT_SIGNIFICANT: "#999999",
    stats.FUNNEL_HIGH_95: "#56B4E9",
    stats.FUNNEL_HIGH_998: "#0072B2",
}


def funnel_chart(
    points: pd.DataFrame, proportion: float, *, title: str, benchmark_name: str, badges: list[str]
) -> alt.LayerChart:
    """Values against denominators, 95% and 99.8% limits around the benchmark, the areas
    outside 99.8% named (the FUNNEL_LABELS most extreme)."""
    import altair as alt

    limits = stats.funnel_limits_proportion(
        proportion, stats.funnel_plot_denominators(points["denominator"])
    )
    lines = limits.melt(
        id_vars="denominator",
        value_vars=["lower_998", "lower_95", "baseline", "upper_95", "upper_998"],
        var_name="limit",
        value_name="limit_value",
    )
    lines["Limit"] = lines["limit"].map(
        {
            "lower_998": "99.8% limits",
            "upper_998": "99.8% limits",
            "lower_95": "95% limits",
            "upper_95": "95% limits",
            "baseline": f"{benchmark_name} ({100 * proportion:.1f}%)",
        }
    )
    x = alt.X("denominator:Q", title="Denominator (people eligible)")
    limit_lines = (
        alt.Chart(lines)
        .mark_line(color="#555555")
        .encode(
            x=x,
            y=alt.Y("limit_value:Q", title="Percent"),
            detail=alt.Detail("limit:N"),
            strokeDash=alt.StrokeDash("Limit:N", title=None),
        )
    )
    shown = points.assign(
        value_text=[labels.format_value(v, "percent") for v in points["value"]],
        badge=" / ".join(badges),
    )
    dots = (
        alt.Chart(shown)
        .mark_circle(size=70, opacity=0.9)
        .encode(
            x=x,
            y=alt.Y("value:Q"),
            color=alt.Color(
                "significance:N",
                title="Compared with the limits",
                scale=alt.Scale(domain=list(FUNNEL_COLOURS), range=list(FUNNEL_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("area_name:N", title="Area"),
                alt.Tooltip("value_text:N", title="Value"),
                alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
                alt.Tooltip("denominator:Q", title="Denominator", format=",.0f"),
                alt.Tooltip("significance:N", title="Funnel"),
                alt.Tooltip("badge:N", title="Data"),
            ],
        )
    )
    names = (
        alt.Chart(shown[shown["labelled"]])
        .mark_text(align="left", dx=6, fontSize=11)
        .encode(x=x, y=alt.Y("value:Q"), text=alt.Text("area_name:N"))
    )
    return alt.layer(limit_lines, dots, names).properties(
        title=alt.TitleParams(title, subtitle=labels.chart_subtitle(badges)), height=420
    )


def funnel_table(points: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Area": points["area_name"],
            "Code": points["area_code"],
            "Value": [labels.format_value(v, "percent") for v in points["value"]],
            "Numerator": [labels.format_count(v) for v in points["numerator"]],
            "Denominator": [labels.format_count(v) for v in points["denominator"]],
            "Funnel": points["significance"],
        }
    )


# --- Two indicators ----------------------------------------------------------------------


def pearson_with_ci(x, y, confidence: float = 0.95) -> dict:
    """Pearson's r with its confidence interval by Fisher's z transformation.

    z = atanh(r), SE = 1 / sqrt(n - 3), limits tanh(z -/+ z_crit SE). Pairs with a missing
    value are dropped; fewer than four pairs (or no spread) gives NaN.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    keep = ~np.isnan(xs) & ~np.isnan(ys)
    xs, ys = xs[keep], ys[keep]
    n = int(keep.sum())
    nan = {"r": float("nan"), "lower_ci": float("nan"), "upper_ci": float("nan"), "n": n}
    if n < 4 or np.std(xs) == 0 or np.std(ys) == 0:
        return nan
    r = float(np.corrcoef(xs, ys)[0, 1])
    r_clipped = np.clip(r, -0.9999999, 0.9999999)
    z = np.arctanh(r_clipped)
    half = stats.z_value(confidence) / np.sqrt(n - 3)
    return {
        "r": r,
        "lower_ci": float(np.tanh(z - half)),
        "upper_ci": float(np.tanh(z + half)),
        "n": n,
    }


def correlation_text(result: dict, x_label: str, y_label: str) -> str:
    if not np.isfinite(result["r"]):
        return f"Too few areas with both figures ({result['n']}) to estimate a correlation."
    strength = abs(result["r"])
    word = "strong" if strength >= 0.7 else "moderate" if strength >= 0.4 else "weak"
    direction = "positive" if result["r"] > 0 else "negative"
    significant = result["lower_ci"] > 0 or result["upper_ci"] < 0
    return (
        f"Across {result['n']} areas, {x_label} and {y_label}: Pearson r = {result['r']:.2f} "
        f"(95% CI {result['lower_ci']:.2f} to {result['upper_ci']:.2f}), a {word} {direction} "
        + ("correlation." if significant else "correlation that could be chance (the CI spans 0).")
    )


def imd_values(areas: pd.DataFrame) -> pd.DataFrame:
    """The IMD score as an indicator-like frame (areas table: no counts, nothing suppressed)."""
    return pd.DataFrame(
        {
            "area_code": areas["area_code"],
            "area_name": areas["area_name"],
            "is_core20": areas["is_core20"],
            "value": areas["imd_score"],
            "numerator": np.nan,
            "denominator": np.nan,
            "is_synthetic": False,
            "is_modelled": False,
        }
    )


def paired(x_frame: pd.DataFrame, y_frame: pd.DataFrame) -> pd.DataFrame:
    """Areas with both figures shown (neither suppressed): area, x, y, Core20, badges."""

    def usable(frame):
        keep = frame[frame["value"].notna() & ~_small(frame)]
        return keep[["area_code", "area_name", "is_core20", "value", "is_synthetic", "is_modelled"]]

    both = usable(x_frame).merge(
        usable(y_frame)[["area_code", "value", "is_synthetic", "is_modelled"]],
        on="area_code",
        suffixes=("_x", "_y"),
    )
    both["is_synthetic"] = both["is_synthetic_x"].astype(bool) | both["is_synthetic_y"].astype(bool)
    both["is_modelled"] = both["is_modelled_x"].astype(bool) | both["is_modelled_y"].astype(bool)
    both["Core20"] = np.where(both["is_core20"].fillna(False).astype(bool), "Core20", "Other")
    return both.rename(columns={"value_x": "x", "value_y": "y"})[
        ["area_code", "area_name", "Core20", "x", "y", "is_synthetic", "is_modelled"]
    ]


def pairs_table(pairs: pd.DataFrame, x_label: str, y_label: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Area": pairs["area_name"],
            "Code": pairs["area_code"],
            "Core20": pairs["Core20"],
            x_label: pairs["x"].round(1),
            y_label: pairs["y"].round(1),
            "Data": [
                " / ".join(labels.data_badges(bool(s_), bool(m))) or "published"
                for s_, m in zip(pairs["is_synthetic"], pairs["is_modelled"])
            ],
        }
    )


SCATTER_SELECTION = "area"


def scatter_chart(
    pairs: pd.DataFrame, *, x_label: str, y_label: str, title: str, badges: list[str]
) -> alt.LayerChart:
    """The two indicators against each other, Core20 areas as filled diamonds, a fitted
    line; clicking a point selects its area_code (selection name SCATTER_SELECTION)."""
    import altair as alt

    pick = alt.selection_point(name=SCATTER_SELECTION, fields=["area_code"], on="click")
    base = alt.Chart(pairs).encode(
        x=alt.X("x:Q", title=x_label, scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=y_label, scale=alt.Scale(zero=False)),
    )
    points = (
        base.mark_point(size=80, filled=True, opacity=0.85)
        .encode(
            shape=alt.Shape(
                "Core20:N",
                title="IMD national quintile 1",
                scale=alt.Scale(domain=["Core20", "Other"], range=["diamond", "circle"]),
            ),
            color=alt.Color(
                "Core20:N",
                scale=alt.Scale(
                    domain=["Core20", "Other"],
                    range=[palette.PLACE_COLOURS[0], palette.PLACE_COLOURS[1]],
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("area_name:N", title="Area"),
                alt.Tooltip("area_code:N", title="Code"),
                alt.Tooltip("x:Q", title=x_label, format=".1f"),
                alt.Tooltip("y:Q", title=y_label, format=".1f"),
                alt.Tooltip("Core20:N"),
            ],
        )
        .add_params(pick)
    )
    line = base.transform_regression("x", "y").mark_line(color="#555555", strokeDash=[4, 3])
    return alt.layer(points, line).properties(
        title=alt.TitleParams(title, subtitle=labels.chart_subtitle(badges)), height=420
    )


def selected_code(selection: dict | None, name: str = SCATTER_SELECTION) -> str | None:
    """The area_code a chart click selected, or None."""
    chosen = (selection or {}).get(name) or []
    if isinstance(chosen, list) and chosen and isinstance(chosen[0], dict):
        return chosen[0].get("area_code")
    return None


# --- Rank certainty ----------------------------------------------------------------------

RANK_SEED = 1
RANK_DRAWS = 10_000


def probability_worst(frame: pd.DataFrame, polarity: str, k: int) -> pd.Series:
    """P(area is truly among the k worst) for every area of `frame` (unsuppressed rows of
    area_values_with_benchmark), indexed by area_code; seeded, so the same every run.

    Counts give the Jeffreys posterior; value-type rows (life expectancy) a normal from
    their CI. Areas without figures get NaN and take no part. No-judgement: all NaN.
    """
    codes = frame["area_code"]
    result = pd.Series(np.nan, index=codes.to_numpy(), dtype=float)
    if polarity not in JUDGED_POLARITIES:
        return result
    has_counts = frame["numerator"].notna() & (frame["denominator"] > 0) & frame["numerator"].ge(0)
    if has_counts.sum() >= len(frame) / 2:
        usable = frame[has_counts]
        if usable.empty:
            return result
        kwargs = {
            "numerator": np.minimum(usable["numerator"], usable["denominator"]),
            "denominator": usable["denominator"],
        }
    else:
        usable = frame[frame[["value", "lower_ci", "upper_ci"]].notna().all(axis=1)]
        usable = usable[usable["upper_ci"] >= usable["lower_ci"]]
        kwargs = {k_: usable[k_] for k_ in ("value", "lower_ci", "upper_ci")}
    if usable.empty:
        return result
    k = max(1, min(int(k), len(usable)))
    probabilities = stats.probability_among_worst(
        k, polarity, draws=RANK_DRAWS, seed=RANK_SEED, **kwargs
    )
    result.loc[usable["area_code"].to_numpy()] = probabilities
    return result


def probability_text(probability) -> str:
    if probability is None or pd.isna(probability):
        return "–"
    if probability > 0.995:
        return ">99%"
    if probability < 0.005:
        return "<1%"
    return f"{100 * probability:.0f}%"


# --- Recent trend ------------------------------------------------------------------------


def recent_trend(series: pd.DataFrame) -> str:
    """Fingertips' recent-trend marker for one area's series (oldest first): from counts
    when it has them, else from values and CIs; "cannot be calculated" under 5 periods."""
    series = series.sort_values("period_end")
    if len(series) < stats.TREND_POINTS:
        return stats.TREND_CANNOT_CALCULATE
    if series["numerator"].notna().all() and series["denominator"].notna().all():
        numerator = np.minimum(series["numerator"], series["denominator"])
        return stats.recent_trend_proportion(numerator, series["denominator"])["marker"]
    return stats.recent_trend_from_ci(series["value"], series["lower_ci"], series["upper_ci"])[
        "marker"
    ]


def trend_badge(marker: str, polarity: str) -> str:
    """ "Recent trend: increasing (getting better)" — the direction judged by polarity."""
    text = f"Recent trend (last {stats.TREND_POINTS} periods): {marker}"
    if marker in (stats.TREND_INCREASING, stats.TREND_DECREASING) and polarity in JUDGED_POLARITIES:
        better = (marker == stats.TREND_INCREASING) == (polarity == HIGHER_IS_BETTER)
        text += " (getting better)" if better else " (getting worse)"
    return text


# --- Difference-in-differences -----------------------------------------------------------


def difference_in_differences(
    target_before: tuple[float, float],
    target_after: tuple[float, float],
    comparison_before: tuple[float, float],
    comparison_after: tuple[float, float],
    confidence: float = 0.95,
) -> dict:
    """(change in the target group) - (change in the comparison), in percentage points.

    Each argument is (numerator, denominator). The four proportions are treated as
    independent, so Var = sum of p (1 - p) / n over the four; the interval is
    estimate -/+ z sqrt(Var). Returns estimate, lower_ci, upper_ci, the two changes and
    the verdict "more" / "less" / "no different".
    """
    proportions, variance = [], 0.0
    for numerator, denominator in (
        target_before,
        target_after,
        comparison_before,
        comparison_after,
    ):
        if not denominator or denominator <= 0 or numerator is None or np.isnan(numerator):
            raise ValueError("each period needs a numerator and a denominator above zero")
        p = min(float(numerator) / float(denominator), 1.0)
        proportions.append(p)
        variance += p * (1 - p) / float(denominator)
    target_change = proportions[1] - proportions[0]
    comparison_change = proportions[3] - proportions[2]
    estimate = target_change - comparison_change
    half = stats.z_value(confidence) * np.sqrt(variance)
    lower, upper = estimate - half, estimate + half
    verdict = "more" if lower > 0 else "less" if upper < 0 else "no different"
    return {
        "target_change": 100 * target_change,
        "comparison_change": 100 * comparison_change,
        "estimate": 100 * estimate,
        "lower_ci": 100 * lower,
        "upper_ci": 100 * upper,
        "verdict": verdict,
    }


def did_sentence(result: dict, target: str, comparison: str) -> str:
    span = f"{result['estimate']:+.1f} points (95% CI {result['lower_ci']:+.1f} to {result['upper_ci']:+.1f})"
    if result["verdict"] == "more":
        return f"{target} rose significantly more than {comparison}: {span}."
    if result["verdict"] == "less":
        return f"{target} rose significantly less than {comparison}: {span}."
    return f"{target} did not rise significantly more than {comparison}: {span}."


def did_table(series_by_name: dict[str, pd.DataFrame], target: str, before, after) -> pd.DataFrame:
    """The target series against each comparison series between two dates (the nearest
    periods on or before each date); rows with a suppressed or missing count are left
    out with a note."""
    from equity import trends

    def counts(series, when):
        row = trends.value_on(series, when)
        if row is None or pd.isna(row["numerator"]) or not row["denominator"]:
            return None
        shown = (row["numerator"], row["denominator"], row["denominator"] - row["numerator"])
        if any(stats.is_disclosive(count) for count in shown):
            return None
        return (float(row["numerator"]), float(row["denominator"]))

    target_counts = (counts(series_by_name[target], before), counts(series_by_name[target], after))
    rows = []
    for name, series in series_by_name.items():
        if name == target:
            continue
        other = (counts(series, before), counts(series, after))
        if None in target_counts or None in other:
            rows.append(
                {"Comparison": name, "Result": "not calculated (suppressed or missing counts)"}
            )
            continue
        result = difference_in_differences(*target_counts, *other)
        rows.append(
            {
                "Comparison": name,
                "Target change (pts)": round(result["target_change"], 1),
                "Comparison change (pts)": round(result["comparison_change"], 1),
                "Difference (pts)": round(result["estimate"], 1),
                "95% CI": labels.format_ci(result["lower_ci"], result["upper_ci"]),
                "Result": did_sentence(result, target, name),
            }
        )
    return pd.DataFrame(rows)


# --- Potential for improvement -----------------------------------------------------------


def _raise_to(numerator, denominator, benchmark: float, polarity: str):
    """Counts after every unit worse than the benchmark reaches it (benchmark in 0-1)."""
    target = benchmark * denominator
    if polarity == HIGHER_IS_BETTER:
        return np.maximum(numerator, target)
    return np.minimum(numerator, target)


def _gap_and_sii(by_decile: pd.DataFrame, count_column: str) -> tuple[float, float]:
    from equity import inequalities

    deciles = by_decile.sort_values("quantile")
    rates = 100 * deciles[count_column] / deciles["denominator"]
    gap = float(rates.iloc[-1] - rates.iloc[0]) if len(deciles) >= 2 else float("nan")
    sii = inequalities.proportion_sii(
        deciles[["quantile", "denominator"]].assign(numerator=deciles[count_column])
    )
    return gap, (float(sii["sii"]) if sii else float("nan"))


def usable_for_improvement(frame: pd.DataFrame) -> pd.DataFrame:
    """The areas potential_for_improvement can count: with a numerator and a decile."""
    return frame.dropna(subset=["numerator", "imd_decile"])


def potential_for_improvement(
    frame: pd.DataFrame, benchmark_value: float, polarity: str, unit_of_change: str = "area"
) -> dict:
    """What changes if every area (unit_of_change "area") or every deprivation decile
    ("decile") worse than the benchmark (percent) reached it.

    `frame`: counts per area with `imd_decile` (1 most deprived). Returns people (the
    extra numerator: people reached for higher-is-better, fewer events for
    lower-is-better), the overall value before/after (%), the gap least minus most
    deprived decile before/after (points) and the SII before/after (points).
    """
    if polarity not in JUDGED_POLARITIES:
        raise ValueError("a no-judgement indicator has no better value to reach")
    usable = frame[frame["numerator"].notna() & (frame["denominator"] > 0)].copy()
    usable["numerator"] = np.minimum(usable["numerator"], usable["denominator"])
    benchmark = float(benchmark_value) / 100
    if unit_of_change == "area":
        usable["improved"] = _raise_to(
            usable["numerator"], usable["denominator"], benchmark, polarity
        )
        by_decile = usable.groupby("imd_decile", as_index=False)[
            ["numerator", "improved", "denominator"]
        ].sum()
    elif unit_of_change == "decile":
        by_decile = usable.groupby("imd_decile", as_index=False)[["numerator", "denominator"]].sum()
        by_decile["improved"] = _raise_to(
            by_decile["numerator"], by_decile["denominator"], benchmark, polarity
        )
    else:
        raise ValueError("unit_of_change must be 'area' or 'decile'")
    by_decile = by_decile.rename(columns={"imd_decile": "quantile"})
    total = by_decile["denominator"].sum()
    gap_before, sii_before = _gap_and_sii(by_decile, "numerator")
    gap_after, sii_after = _gap_and_sii(by_decile, "improved")
    return {
        "people": float(abs(by_decile["improved"].sum() - by_decile["numerator"].sum())),
        "value_before": float(100 * by_decile["numerator"].sum() / total),
        "value_after": float(100 * by_decile["improved"].sum() / total),
        "gap_before": gap_before,
        "gap_after": gap_after,
        "sii_before": sii_before,
        "sii_after": sii_after,
        "units_changed": int(
            (by_decile["improved"] != by_decile["numerator"]).sum()
            if unit_of_change == "decile"
            else (usable["improved"] != usable["numerator"]).sum()
        ),
    }


def improvement_table(result: dict) -> pd.DataFrame:
    def pts(value):
        return "–" if pd.isna(value) else f"{value:.1f}"

    return pd.DataFrame(
        {
            "Measure": [
                "Overall value (%)",
                "Gap, least minus most deprived decile (points)",
                "Slope index of inequality (points)",
            ],
            "Now": [
                pts(result["value_before"]),
                pts(result["gap_before"]),
                pts(result["sii_before"]),
            ],
            "If all reached the benchmark": [
                pts(result["value_after"]),
                pts(result["gap_after"]),
                pts(result["sii_after"]),
            ],
        }
    )


DID_METHOD = (
    "Difference in differences: (after - before) in the target group minus (after - before) "
    "in the comparison, in percentage points; 95% CI from the sum of the four proportions' "
    "binomial variances p(1 - p)/n, treating them as independent (cumulative uptake in the "
    "same people is positively correlated over time, so this interval is conservative)."
)

# The methods of this module in words, appended to the Data & methods page.
METHODS = """
**Comparing areas (the overview).** Each cell is an area's value for one indicator, at the
indicator's default group and latest period, coloured by its comparison with the parent
benchmark (95% CI, as above). Indicators without a better direction are shown as higher /
similar / lower in their own sky-blue / near-white / orange, never as better or worse.

**Funnel plots.** Each area's percentage is plotted against its denominator. The control
limits around the benchmark's percentage p are p ± z √(p(1 − p)/n) at each denominator n,
with z = 1.96 (95%) and 3.09 (99.8%), as PHEindicatormethods `phe_funnels`. An area outside
the 99.8% limits is named. Only proportions are drawn; rates and life expectancy are not.

**Correlation of two indicators.** Pearson's r across the areas that have both figures, with
a 95% CI by Fisher's z transformation: tanh(atanh(r) ± 1.96 / √(n − 3)). A correlation
between areas is not a correlation between people (the ecological fallacy).

**How sure is the ranking?** For each area, 10,000 seeded draws of its true percentage from
the Jeffreys posterior Beta(x + ½, n − x + ½) (values with a CI: a normal with SE from the
CI); the chance of being among the k worst is the share of draws in which it is.

**Recent trend.** As Fingertips: over the latest five periods, the chi-squared test for trend
in proportions (values with CIs: weighted regression), significant at 99.8% and robust to
leaving out any one point; fewer than five periods: cannot be calculated.

**Difference in differences.** The change in the target group minus the change in the
comparison, in percentage points; the 95% CI uses the sum of the four proportions' binomial
variances p(1 − p)/n, treating them as independent (for cumulative uptake in the same people
this makes the interval wider than it needs to be).

**Potential for improvement.** Every area (or deprivation decile) worse than the benchmark is
given the benchmark's percentage of its own denominator; the extra people, the overall
percentage, the gap between the least and most deprived deciles and the SII are then
recomputed from the changed counts.
""".strip()


REACH_EFFECT_COLUMNS = {"numerator", "denominator", "people_missed", "covered", "imd_quintile"}


def has_reach_effect(demand: pd.DataFrame) -> bool:
    """Whether reach_effect can be worked out: the counts and quintiles are there."""
    return REACH_EFFECT_COLUMNS <= set(demand.columns) and not demand["numerator"].isna().all()


def reach_effect(demand: pd.DataFrame, quantile_column: str = "imd_quintile") -> dict:
    """The planner's loop: if everyone missed within reach of the chosen sites were
    reached (vaccinated), how the whole area's value, the most-to-least deprived gap and
    the SII would move. ``demand``: the planner's demand points (numerator, denominator,
    people_missed, covered and the IMD quantile, 1 most deprived). Spread demand has many
    points per area (postcodes), each carrying its area's counts: with an area_code column
    the points are first added up to one row per area. An upper bound: not everyone
    within reach comes."""
    usable = _reached_by_area(demand, quantile_column)
    usable = usable[usable["numerator"].notna() & (usable["denominator"] > 0)].copy()
    usable["numerator"] = np.minimum(usable["numerator"], usable["denominator"])
    usable["improved"] = np.minimum(usable["numerator"] + usable["gained"], usable["denominator"])
    by_quantile = (
        usable.dropna(subset=[quantile_column])
        .groupby(quantile_column, as_index=False)[["numerator", "improved", "denominator"]]
        .sum()
        .rename(columns={quantile_column: "quantile"})
    )
    total = usable["denominator"].sum()
    gap_before, sii_before = _gap_and_sii(by_quantile, "numerator")
    gap_after, sii_after = _gap_and_sii(by_quantile, "improved")
    return {
        "people": float(usable["improved"].sum() - usable["numerator"].sum()),
        "value_before": float(100 * usable["numerator"].sum() / total),
        "value_after": float(100 * usable["improved"].sum() / total),
        "gap_before": gap_before,
        "gap_after": gap_after,
        "sii_before": sii_before,
        "sii_after": sii_after,
        "units_changed": int((usable["improved"] != usable["numerator"]).sum()),
    }


def _reached_by_area(demand: pd.DataFrame, quantile_column: str) -> pd.DataFrame:
    """One row per area: its counts and quantile, and gained, the people missed at its
    points within reach (without area_code, each point is its own area)."""
    covered = demand["covered"].fillna(False).astype(bool)
    points = demand.assign(
        gained=pd.to_numeric(demand["people_missed"], errors="coerce")
        .where(covered, 0.0)
        .fillna(0.0)
    )
    if "area_code" not in points:
        return points
    return points.groupby("area_code", as_index=False).agg(
        numerator=("numerator", "first"),
        denominator=("denominator", "first"),
        gained=("gained", "sum"),
        **{quantile_column: (quantile_column, "first")},
    )
