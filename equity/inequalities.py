"""Inequalities: indicators by deprivation and ethnic group, SII/RII, the life-expectancy
gap and the equity audit (pure functions: frames in, frames, sentences or charts out).

Convention (as PHE and ``equity.stats``): quantile 1 is the MOST deprived and sits at
rank 0, so the slope index of inequality (SII) is the fitted value in the least deprived
minus the most deprived. For uptake, a positive SII means the least deprived are
vaccinated or screened more; for life expectancy, a positive SII is the gap in years.
"""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import numpy as np
import pandas as pd

from equity import labels, stats
from equity.palette import SEX_COLOURS
from equity.schema import COUNT_COLUMNS

QUANTILE_COUNTS = {"decile": 10, "quintile": 5}
MIN_QUANTILES_FOR_SII = 5  # phe_sii's lower limit
SII_SEED = 1
SII_REPETITIONS = 10_000
# Levels an indicator can be pooled from, lowest first: counts are summed from these.
POOLING_LEVELS = ("lsoa", "msoa", "practice", "ward")
RATE_COLUMNS = ["value", "lower_ci", "upper_ci"]

DEPRIVATION_METHOD = (
    "Counts (numerators and denominators) of every area are summed within each IMD 2025 "
    "deprivation {quantile_type} of the area, and each pooled percentage gets a 95% Wilson "
    "score interval. Decile/quintile 1 is the most deprived. The slope index of inequality "
    "(SII) is the gap, in percentage points, between the fitted values for the least and "
    "the most deprived ends of a population-weighted regression on each {quantile_type}'s "
    "mid-point cumulative population rank (PHE method, proportions on the logit scale for "
    "the confidence interval, 10,000 seeded simulations); a positive SII means higher in "
    "less deprived areas. The relative index (RII) is the ratio of the same two ends."
)
LE_METHOD = (
    "Life expectancy of each deprivation {quantile_type} is the population-weighted mean "
    "of its areas' life expectancies (an approximation: a pooled life table would need "
    "deaths and populations by age). Its standard error comes from the areas' published "
    "95% CIs where they exist, otherwise from the spread of the areas' values. The gap is "
    "least deprived minus most deprived; the SII is the fitted gap across the whole "
    "deprivation range (PHE method, value type 'other')."
)
AUDIT_METHOD = (
    "Equity audit: uptake of one indicator for each combination of IMD 2025 deprivation "
    "{quantile_type} (1 = most deprived) and ethnic group, pooled from the {level} counts "
    "with a 95% Wilson score interval. Cells whose count, or eligible-minus-reached, is "
    "between 1 and {threshold} are suppressed (shown as *), and so are the percentages "
    "derived from them."
)


def pooling_level(levels: list[str]) -> str | None:
    """The lowest level an indicator has areas at, whose counts are pooled by quantile."""
    for level in POOLING_LEVELS:
        if level in levels:
            return level
    return None


def quantile_types(level: str) -> list[str]:
    """Practices carry only a quintile; geographic areas carry deciles and quintiles."""
    return ["quintile"] if level == "practice" else ["decile", "quintile"]


def most_deprived_first(frame: pd.DataFrame, quantile_count: int) -> tuple[pd.DataFrame, bool]:
    """Number quantiles so that 1 is the most deprived, using the mean IMD score.

    Areas carry IMD 2025 deciles with 1 = most deprived, but the practice quintiles that
    came with the practice life-expectancy file run the other way (1 = lowest score).
    Higher IMD scores are more deprived, so if the score rises with the quantile number
    the quantiles are renumbered. Returns the frame and whether it was renumbered.
    """
    scored = frame.dropna(subset=["quantile", "mean_imd_score"])
    if scored["quantile"].nunique() < 2:
        return frame, False
    by_quantile = scored.groupby("quantile")["mean_imd_score"].mean()
    correlation = np.corrcoef(by_quantile.index.astype(float), by_quantile.to_numpy())[0, 1]
    if correlation <= 0:
        return frame, False
    out = frame.copy()
    out["quantile"] = (quantile_count + 1 - out["quantile"].astype(int)).astype(int)
    return out.sort_values("quantile", kind="stable").reset_index(drop=True), True


def quantile_label(quantile: int, quantile_type: str) -> str:
    count = QUANTILE_COUNTS[quantile_type]
    if quantile == 1:
        return "1 most deprived"
    if quantile == count:
        return f"{count} least deprived"
    return str(int(quantile))


def proportion_sii(frame: pd.DataFrame) -> dict | None:
    """SII and RII (percentage points, seeded simulation CIs) from pooled quantile counts.

    None when fewer than five quantiles have counts (phe_sii's minimum). Numerators above
    their denominators (NIMS vintage, see the catalog caveat) are capped, as the Wilson
    macros do.
    """
    usable = frame[(frame["denominator"] > 0) & frame["numerator"].notna()]
    if len(usable) < MIN_QUANTILES_FOR_SII:
        return None
    count = np.minimum(usable["numerator"].to_numpy(float), usable["denominator"].to_numpy(float))
    return stats.slope_index_of_inequality(
        usable["quantile"].to_numpy(),
        usable["denominator"].to_numpy(float),
        value_type=stats.VALUE_TYPE_PROPORTION,
        multiplier=100,
        count=count,
        repetitions=SII_REPETITIONS,
        seed=SII_SEED,
    )


def sii_text(sii: dict | None, unit: str = "percentage points") -> str:
    if sii is None or not np.isfinite(sii["sii"]):
        return "SII not calculated (fewer than five quantiles with data)"
    limits = (
        f" (95% CI {sii['sii_lower']:.1f} to {sii['sii_upper']:.1f})"
        if np.isfinite(sii["sii_lower"])
        else ""
    )
    return f"SII {sii['sii']:+.1f} {unit}{limits}"


def rii_text(sii: dict | None) -> str:
    if sii is None or not np.isfinite(sii.get("rii", np.nan)):
        return "RII not calculated"
    limits = (
        f" (95% CI {sii['rii_lower']:.2f} to {sii['rii_upper']:.2f})"
        if np.isfinite(sii["rii_lower"])
        else ""
    )
    return f"RII {sii['rii']:.2f}{limits}"


def suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """Quantile or group rows with disclosive counts blanked (and their percentages)."""
    return stats.suppress_counts(
        frame,
        count_columns=COUNT_COLUMNS,
        rate_columns=RATE_COLUMNS,
        complement_pairs=[("numerator", "denominator")],
    )


def deprivation_headline(
    frame: pd.DataFrame, sii: dict | None, label: str, who: str, quantile_type: str
) -> str:
    """E.g. 'COVID-19 first dose, people aged 50+: 73% in the most deprived decile vs 86%
    in the least deprived (SII +14.2 percentage points)'."""
    shown = suppressed(frame).dropna(subset=["value"])
    if shown.empty:
        return f"{label}, {who}: no deprivation breakdown available"
    most, least = shown.iloc[0], shown.iloc[-1]
    direction = ""
    if sii is not None and np.isfinite(sii["sii_lower"]):
        if sii["sii_lower"] > 0:
            direction = " — significantly higher in less deprived areas"
        elif sii["sii_upper"] < 0:
            direction = " — significantly higher in more deprived areas"
        else:
            direction = " — no significant gradient"
    return (
        f"{label}, {who}: {most['value']:.0f}% in the most deprived {quantile_type} vs "
        f"{least['value']:.0f}% in the least deprived{direction}"
    )


def deprivation_display(frame: pd.DataFrame, quantile_type: str) -> pd.DataFrame:
    shown = suppressed(frame)
    return pd.DataFrame(
        {
            quantile_type.title(): [quantile_label(q, quantile_type) for q in shown["quantile"]],
            "Areas": shown["areas"],
            "Value": [labels.format_value(v, "percent") for v in shown["value"]],
            "95% CI": _ci_texts(shown),
            "Reached": [labels.format_count(v) for v in shown["numerator"]],
            "Eligible": [labels.format_count(v) for v in shown["denominator"]],
            "Mean IMD score": shown["mean_imd_score"].round(1),
        }
    )


def deprivation_download(frame: pd.DataFrame, quantile_type: str) -> pd.DataFrame:
    shown = suppressed(frame)
    columns = ["quantile", "areas", "period_end", *COUNT_COLUMNS, *RATE_COLUMNS]
    columns += ["mean_imd_score", "is_synthetic", "is_modelled"]
    out = shown[columns].rename(columns={"quantile": f"imd_{quantile_type}"})
    return out


def _ci_texts(frame: pd.DataFrame) -> list[str]:
    return [labels.format_ci(lo, hi) for lo, hi in zip(frame["lower_ci"], frame["upper_ci"])]


def _with_badge_tooltip(data: pd.DataFrame, tooltip: list, badges: list[str]) -> list:
    if badges:
        data["data_note"] = " / ".join(badges)
        tooltip.append(alt.Tooltip("data_note:N", title="Data"))
    return tooltip


def deprivation_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    quantile_type: str,
    badges: list[str],
    note: str,
    overall_value: float | None = None,
) -> alt.LayerChart:
    """Bars by deprivation quantile (most deprived left) with 95% CI whiskers."""
    data = suppressed(frame).copy()
    data["quantile_label"] = [quantile_label(q, quantile_type) for q in data["quantile"]]
    data["value_label"] = [labels.format_value(v, "percent") for v in data["value"]]
    order = data["quantile_label"].tolist()
    tooltip = [
        alt.Tooltip("quantile_label:N", title=f"IMD {quantile_type}"),
        alt.Tooltip("value_label:N", title="Value"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
        alt.Tooltip("numerator:Q", title="Reached", format=",.0f"),
        alt.Tooltip("denominator:Q", title="Eligible", format=",.0f"),
    ]
    tooltip = _with_badge_tooltip(data, tooltip, badges)
    x = alt.X(
        "quantile_label:N",
        sort=order,
        title=f"IMD 2025 {quantile_type}",
        axis=alt.Axis(labelAngle=0, labelLimit=120),
    )
    base = alt.Chart(data).encode(x=x)
    bars = base.mark_bar(color="#0072B2").encode(
        y=alt.Y("value:Q", title="%"),
        tooltip=tooltip,
    )
    whiskers = base.mark_rule(color="#222", size=2).encode(
        y=alt.Y("lower_ci:Q"), y2=alt.Y2("upper_ci:Q")
    )
    text = base.mark_text(dy=-8, fontSize=12).encode(
        y=alt.Y("upper_ci:Q"), text=alt.Text("value:Q", format=".0f")
    )
    layers = [bars, whiskers, text]
    if overall_value is not None and np.isfinite(overall_value):
        overall = pd.DataFrame({"overall": [overall_value], "label": ["All areas pooled"]})
        layers.append(
            alt.Chart(overall)
            .mark_rule(color="#000", strokeDash=[6, 3], size=2)
            .encode(
                y=alt.Y("overall:Q"), tooltip=[alt.Tooltip("label:N"), alt.Tooltip("overall:Q")]
            )
        )
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, note)
        ),
        height=360,
    )


# --- By ethnic group ------------------------------------------------------------------


def ethnic_headline(frame: pd.DataFrame, label: str, who: str, place: str) -> str:
    shown = suppressed(frame)
    groups = shown[(shown["ethnic_group"] != "All") & shown["value"].notna()]
    everyone = shown[shown["ethnic_group"] == "All"]["value"]
    if groups.empty:
        return f"{label}, {who} in {place}: no ethnic-group breakdown available"
    lowest = groups.loc[groups["value"].idxmin()]
    highest = groups.loc[groups["value"].idxmax()]
    overall = (
        f" ({everyone.iloc[0]:.0f}% overall)" if len(everyone) and everyone.notna().all() else ""
    )
    return (
        f"{label}, {who} in {place}: lowest in {lowest['ethnic_group']} residents "
        f"({lowest['value']:.0f}%), highest in {highest['ethnic_group']} "
        f"({highest['value']:.0f}%){overall}"
    )


def ethnic_chart(frame: pd.DataFrame, *, title: str, badges: list[str]) -> alt.LayerChart:
    """Horizontal bars by ethnic group with 95% CIs; the 'All' figure as a dashed rule."""
    data = suppressed(frame)
    groups = data[data["ethnic_group"] != "All"].sort_values("value").copy()
    groups["value_label"] = [labels.format_value(v, "percent") for v in groups["value"]]
    tooltip = [
        alt.Tooltip("ethnic_group:N", title="Ethnic group"),
        alt.Tooltip("value_label:N", title="Value"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
        alt.Tooltip("numerator:Q", title="Reached", format=",.0f"),
        alt.Tooltip("denominator:Q", title="Eligible", format=",.0f"),
    ]
    tooltip = _with_badge_tooltip(groups, tooltip, badges)
    base = alt.Chart(groups).encode(
        y=alt.Y("ethnic_group:N", sort=groups["ethnic_group"].tolist(), title=None)
    )
    bars = base.mark_bar(color="#0072B2").encode(x=alt.X("value:Q", title="%"), tooltip=tooltip)
    whiskers = base.mark_rule(color="#222", size=2).encode(
        x=alt.X("lower_ci:Q"), x2=alt.X2("upper_ci:Q")
    )
    text = base.mark_text(align="left", dx=4).encode(
        x=alt.X("upper_ci:Q"), text=alt.Text("value:Q", format=".0f")
    )
    layers = [bars, whiskers, text]
    everyone = data[data["ethnic_group"] == "All"]
    if len(everyone) and everyone["value"].notna().all():
        rule = pd.DataFrame({"overall": [everyone["value"].iloc[0]], "label": ["Everyone"]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(color="#000", strokeDash=[6, 3], size=2)
            .encode(
                x=alt.X("overall:Q"), tooltip=[alt.Tooltip("label:N"), alt.Tooltip("overall:Q")]
            )
        )
    note = "Bars: value; lines: 95% CI; dashed: everyone"
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, note)
        ),
        height=alt.Step(34),
    )


def ethnic_display(frame: pd.DataFrame) -> pd.DataFrame:
    shown = suppressed(frame)
    return pd.DataFrame(
        {
            "Ethnic group": shown["ethnic_group"],
            "Value": [labels.format_value(v, "percent") for v in shown["value"]],
            "95% CI": _ci_texts(shown),
            "Reached": [labels.format_count(v) for v in shown["numerator"]],
            "Eligible": [labels.format_count(v) for v in shown["denominator"]],
        }
    )


def ethnic_download(frame: pd.DataFrame) -> pd.DataFrame:
    shown = suppressed(frame)
    return shown[["ethnic_group", "period_end", *COUNT_COLUMNS, *RATE_COLUMNS, "is_synthetic"]]


# --- Life-expectancy gap --------------------------------------------------------------


def life_expectancy_by_quantile(rows: pd.DataFrame, quantile_type: str) -> pd.DataFrame:
    """Population-weighted mean LE for each sex, period and deprivation quantile.

    ``rows``: area_code, period_end, sex, value, lower_ci, upper_ci, population,
    imd_score and imd_<quantile_type>. Quantiles are renumbered so 1 is most deprived.
    Returns sex, period_end, quantile, areas, population, value, se, lower_ci, upper_ci.
    """
    column = f"imd_{quantile_type}"
    usable = rows.dropna(subset=[column, "value", "population"]).copy()
    usable["quantile"] = usable[column].astype(int)
    z = stats.z_value(0.95)
    usable["area_se"] = (usable["upper_ci"] - usable["lower_ci"]) / (2 * z)
    records = []
    for (sex, period, quantile), group in usable.groupby(
        ["sex", "period_end", "quantile"], sort=True
    ):
        weights = group["population"].to_numpy(float)
        values = group["value"].to_numpy(float)
        mean = float(np.average(values, weights=weights))
        area_se = group["area_se"].to_numpy(float)
        if np.isfinite(area_se).all():
            se = float(np.sqrt(np.sum((weights * area_se) ** 2)) / weights.sum())
        elif len(values) > 1:
            se = float(np.std(values, ddof=1) / np.sqrt(len(values)))
        else:
            se = np.nan
        records.append(
            dict(
                sex=sex,
                period_end=period,
                quantile=quantile,
                areas=len(group),
                population=weights.sum(),
                value=mean,
                se=se,
                mean_imd_score=float(np.average(group["imd_score"], weights=weights)),
            )
        )
    table = pd.DataFrame(records)
    if table.empty:
        return table
    table, _ = most_deprived_first(table, QUANTILE_COUNTS[quantile_type])
    table = table.sort_values(["sex", "period_end", "quantile"]).reset_index(drop=True)
    table["lower_ci"] = table["value"] - z * table["se"]
    table["upper_ci"] = table["value"] + z * table["se"]
    return table


def life_expectancy_gaps(by_quantile: pd.DataFrame) -> pd.DataFrame:
    """Per sex and period: LE in the most and least deprived quantile, the gap and SII."""
    records = []
    for (sex, period), group in by_quantile.groupby(["sex", "period_end"], sort=True):
        group = group.sort_values("quantile")
        most, least = group.iloc[0], group.iloc[-1]
        sii = None
        if len(group) >= MIN_QUANTILES_FOR_SII and group["se"].notna().all():
            sii = stats.slope_index_of_inequality(
                group["quantile"].to_numpy(),
                group["population"].to_numpy(float),
                value=group["value"].to_numpy(float),
                value_type=stats.VALUE_TYPE_OTHER,
                standard_error=group["se"].to_numpy(float),
                repetitions=SII_REPETITIONS,
                seed=SII_SEED,
                rii=False,
            )
        records.append(
            dict(
                sex=sex,
                period_end=period,
                most_deprived=most["value"],
                least_deprived=least["value"],
                gap_years=least["value"] - most["value"],
                sii=np.nan if sii is None else sii["sii"],
                sii_lower=np.nan if sii is None else sii["sii_lower"],
                sii_upper=np.nan if sii is None else sii["sii_upper"],
            )
        )
    return pd.DataFrame(records)


def life_expectancy_headline(gaps: pd.DataFrame, period, place_word: str) -> str:
    """E.g. 'Men in the most deprived practices' areas live 9.1 years less than in the
    least deprived (2020); women 7.2 years'."""
    latest = gaps[gaps["period_end"] == period]
    if latest.empty:
        return "No life-expectancy gap available"
    parts = []
    for _, row in latest.sort_values("sex", ascending=False).iterrows():
        who = {"Male": "men", "Female": "women"}.get(row["sex"], row["sex"])
        parts.append(f"{row['gap_years']:.1f} years for {who}")
    year = pd.Timestamp(period).year
    return (
        f"Life expectancy gap between the most and least deprived {place_word}, {year}: "
        + " and ".join(parts)
    )


def life_expectancy_chart(
    by_quantile: pd.DataFrame, *, title: str, quantile_type: str, badges: list[str]
) -> alt.LayerChart:
    """Points with 95% CIs by deprivation quantile, one colour per sex."""
    data = by_quantile.copy()
    data["quantile_label"] = [quantile_label(q, quantile_type) for q in data["quantile"]]
    order = [quantile_label(q, quantile_type) for q in sorted(data["quantile"].unique())]
    tooltip = [
        alt.Tooltip("sex:N", title="Sex"),
        alt.Tooltip("quantile_label:N", title=f"IMD {quantile_type}"),
        alt.Tooltip("value:Q", title="Life expectancy (years)", format=".1f"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=".1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=".1f"),
        alt.Tooltip("areas:Q", title="Areas"),
    ]
    tooltip = _with_badge_tooltip(data, tooltip, badges)
    colour = alt.Color(
        "sex:N",
        scale=alt.Scale(domain=list(SEX_COLOURS), range=list(SEX_COLOURS.values())),
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "quantile_label:N",
            sort=order,
            title=f"IMD {quantile_type}",
            axis=alt.Axis(labelAngle=0, labelOverlap=False),
        ),
        color=colour,
    )
    points = base.mark_point(filled=True, size=90).encode(
        y=alt.Y("value:Q", title="Life expectancy at birth (years)", scale=alt.Scale(zero=False)),
        tooltip=tooltip,
    )
    whiskers = base.mark_rule(size=2).encode(y=alt.Y("lower_ci:Q"), y2=alt.Y2("upper_ci:Q"))
    line = base.mark_line(opacity=0.5).encode(y=alt.Y("value:Q"))
    note = "Points: population-weighted mean of areas; lines: 95% CI"
    return alt.layer(line, whiskers, points).properties(
        title=alt.TitleParams(
            labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, note)
        ),
        height=360,
    )


def life_expectancy_display(gaps: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Period ending": pd.to_datetime(gaps["period_end"]).dt.date,
            "Sex": gaps["sex"],
            "Most deprived (years)": gaps["most_deprived"].round(1),
            "Least deprived (years)": gaps["least_deprived"].round(1),
            "Gap (years)": gaps["gap_years"].round(1),
            "SII (years)": gaps["sii"].round(1),
            "SII 95% CI": [
                f"{lo:.1f} – {hi:.1f}" if np.isfinite(lo) else "—"
                for lo, hi in zip(gaps["sii_lower"], gaps["sii_upper"])
            ],
        }
    )


# --- Equity audit ---------------------------------------------------------------------


def audit_cells(frame: pd.DataFrame, quantile_count: int) -> pd.DataFrame:
    """Quantile × ethnic group cells, most deprived = 1, suppression applied."""
    oriented, _ = most_deprived_first(frame, quantile_count)
    return suppressed(oriented)


def audit_table(cells: pd.DataFrame, quantile_type: str) -> pd.DataFrame:
    """One row per deprivation quantile, one column per ethnic group ('All' first):
    'value% (reached/eligible)' with suppressed cells as '*'."""
    groups = ["All", *sorted(g for g in cells["ethnic_group"].unique() if g != "All")]
    rows = []
    for quantile, group in cells.groupby("quantile", sort=True):
        row = {f"IMD {quantile_type}": quantile_label(quantile, quantile_type)}
        by_group = group.set_index("ethnic_group")
        for name in groups:
            if name not in by_group.index:
                row[name] = "—"
                continue
            cell = by_group.loc[name]
            if pd.isna(cell["value"]):
                row[name] = labels.SUPPRESSED
            else:
                row[name] = (
                    f"{cell['value']:.0f}% ({labels.format_count(cell['numerator'])}/"
                    f"{labels.format_count(cell['denominator'])})"
                )
        rows.append(row)
    return pd.DataFrame(rows)


def audit_download(cells: pd.DataFrame, quantile_type: str) -> pd.DataFrame:
    columns = ["quantile", "ethnic_group", "areas", "period_end", *COUNT_COLUMNS, *RATE_COLUMNS]
    columns += ["suppressed", "is_synthetic", "is_modelled"]
    return cells[columns].rename(columns={"quantile": f"imd_{quantile_type}"})


def audit_headline(cells: pd.DataFrame, label: str, who: str, quantile_type: str) -> str:
    groups = cells[(cells["ethnic_group"] != "All") & cells["value"].notna()]
    if groups.empty:
        return f"{label}, {who}: no equity audit cells to show"
    lowest = groups.loc[groups["value"].idxmin()]
    highest = groups.loc[groups["value"].idxmax()]
    return (
        f"{label}, {who}: from {lowest['value']:.0f}% ({lowest['ethnic_group']}, "
        f"{quantile_type} {quantile_label(lowest['quantile'], quantile_type)}) to "
        f"{highest['value']:.0f}% ({highest['ethnic_group']}, {quantile_type} "
        f"{quantile_label(highest['quantile'], quantile_type)})"
    )


def audit_heatmap(
    cells: pd.DataFrame, *, title: str, quantile_type: str, badges: list[str]
) -> alt.LayerChart:
    """Heatmap of uptake, deprivation down, ethnic group across; suppressed cells grey '*'."""
    data = cells.copy()
    data["quantile_label"] = [quantile_label(q, quantile_type) for q in data["quantile"]]
    data["cell_text"] = [labels.SUPPRESSED if pd.isna(v) else f"{v:.0f}%" for v in data["value"]]
    data["value_label"] = [labels.format_value(v, "percent") for v in data["value"]]
    data["reached"] = [labels.format_count(v) for v in data["numerator"]]
    data["eligible"] = [labels.format_count(v) for v in data["denominator"]]
    groups = ["All", *sorted(g for g in data["ethnic_group"].unique() if g != "All")]
    order = [quantile_label(q, quantile_type) for q in sorted(data["quantile"].unique())]
    tooltip = [
        alt.Tooltip("quantile_label:N", title=f"IMD {quantile_type}"),
        alt.Tooltip("ethnic_group:N", title="Ethnic group"),
        alt.Tooltip("value_label:N", title="Value"),
        alt.Tooltip("reached:N", title="Reached"),
        alt.Tooltip("eligible:N", title="Eligible"),
    ]
    tooltip = _with_badge_tooltip(data, tooltip, badges)
    base = alt.Chart(data).encode(
        x=alt.X("ethnic_group:N", sort=groups, title="Ethnic group", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("quantile_label:N", sort=order, title=f"IMD 2025 {quantile_type}"),
    )
    shown_cells = base.transform_filter("isValid(datum.value)").mark_rect(stroke="white")
    rects = shown_cells.encode(
        color=alt.Color("value:Q", title="%", scale=alt.Scale(scheme="viridis")),
        tooltip=tooltip,
    )
    # Suppressed cells are drawn grey with '*' (a null value would otherwise vanish).
    blanks = (
        base.transform_filter("!isValid(datum.value)")
        .mark_rect(stroke="white", color="#DDDDDD")
        .encode(tooltip=tooltip)
    )
    text = base.mark_text(fontSize=13).encode(
        text=alt.Text("cell_text:N"),
        color=alt.condition(
            "isValid(datum.value) && datum.value < 60", alt.value("white"), alt.value("black")
        ),
    )
    note = "Cells: % reached (* = suppressed, counts 1–7)"
    return alt.layer(rects, blanks, text).properties(
        title=alt.TitleParams(
            labels.wrap_title(title), subtitle=labels.chart_subtitle(badges, note)
        ),
        height=alt.Step(40),
        width=alt.Step(90),
    )


def audit_report_html(
    *,
    title: str,
    subtitle: str,
    chart_svg: str,
    table: pd.DataFrame,
    method_note: str,
    source: str,
    badges: list[str],
    generated: date,
) -> str:
    """A one-page, self-contained HTML report: inline SVG chart, table, method, source.

    No external fonts, scripts or images, so it opens offline and prints to one page.
    Every piece of text is escaped; the SVG comes from vl-convert (our own chart).
    """
    badge_html = "".join(f'<p class="badge">⚠ {html.escape(b)}</p>' for b in badges)
    table_html = table.to_html(index=False, escape=True, border=0, classes="audit")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{font-family: Arial, Helvetica, sans-serif; margin: 24px; color: #222; max-width: 1000px}}
h1 {{font-size: 20px; margin-bottom: 4px}} .sub {{color: #555; margin-top: 0}}
.badge {{background: #FFF3CD; border: 1px solid #C9A400; padding: 6px 10px; font-weight: bold}}
table.audit {{border-collapse: collapse; font-size: 12px; margin: 12px 0}}
table.audit th, table.audit td {{border: 1px solid #BBB; padding: 4px 8px; text-align: right}}
table.audit th {{background: #EEE}} .note {{font-size: 11px; color: #444}}
@media print {{ body {{margin: 8mm}} @page {{size: A4 landscape}} }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="sub">{html.escape(subtitle)}</p>
{badge_html}
<div class="chart">{chart_svg}</div>
{table_html}
<p class="note"><b>Method.</b> {html.escape(method_note)}</p>
<p class="note"><b>Source.</b> {html.escape(source)}</p>
<p class="note">Generated by Health Equity Explorer on {generated.isoformat()}.</p>
</body></html>
"""
