"""Data & methods: the catalog as people read it, the source notes, the statistical methods
in words, and a download of any selection's values (pure functions; the only file reading is
of the shipped source notes, so pages never touch files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from equity import compare, config, labels, stats

# The provenance notes shipped in data/sources, in reading order, with a short title.
SOURCE_DOCUMENTS = (
    ("SOURCES.md", "Sources, licences and geography"),
    ("SOURCES_HEALTH.md", "Health data sources"),
    ("SOURCES_MORE.md", "More population and boundary sources"),
    ("SOURCES_EXTRA.md", "More health data: QOF, smoking, Local Health, school flu"),
    ("SYNTHETIC.md", "The synthetic demo extracts: model and calibration"),
)

STATISTICAL_METHODS = """
**Percentages and their 95% confidence intervals.** Every percentage is a numerator (people
vaccinated or screened) over a denominator (people eligible). Counts are added up first —
across age bands for "50+", across small areas for a ward or a deprivation decile — and
the percentage is worked out from the totals. The 95% confidence interval is the Wilson
score interval, as in Fingertips (PHEindicatormethods `phe_proportion`). It stays within
0–100% and behaves well for small counts.

**Comparing an area with a benchmark.** An area is *significantly higher* or *lower* than
its benchmark (Leicester, or LLR) when the whole of its 95% CI lies above or below the
benchmark's value; otherwise it is *similar*. Colours are the colour-blind-safe Okabe–Ito
blue / yellow / vermillion, not red–amber–green, and every chart also labels them in words.

**Deprivation.** Areas carry the English Indices of Deprivation 2025 (IMD 2025) decile and
quintile. 1 means most deprived. Wards and MSOAs get a population-weighted score from
their LSOAs. GP practices get the quintile that came with the practice life-expectancy
file; the app renumbers it so that 1 is the most deprived here too.

**Slope and relative index of inequality (SII, RII).** Each decile's value is plotted
against the midpoint of its share of the population, ranked from most to least deprived
(0 to 1). A population-weighted straight line is fitted. The SII is the fitted value at
the least-deprived end minus the value at the most-deprived end. A positive SII means
higher values in less deprived areas. For vaccination, that means the most deprived miss
out. For life expectancy, it is the gap in years. The RII is the ratio of the two ends.
The 95% CIs are simulated as in PHEindicatormethods `phe_sii`: 10,000 seeded draws per
decile (on the logit scale for proportions).

**Life expectancy.** Published life expectancies are shown as they are. The gap between
deprivation groups uses the population-weighted mean of the areas in each group. The
Chiang II life table (`phe_life_expectancy`) is used wherever deaths and populations by
age are available. Life expectancy at birth by MSOA is Local Health's published 2015-19
figure (MSOA 2011; no intervals published, so none are shown). A 2021 MSOA unchanged since
2011 takes the same figure. Wards, and 2021 MSOAs that were split or merged, are *modelled*:
the mean of the MSOA 2011 figures over their LSOA pieces, weighted by mid-2020 population.

**Before/after differences.** The difference between two dates is the later percentage
minus the earlier. Its 95% CI comes from Newcombe's hybrid score method, which combines
the two Wilson intervals and is what PHE recommends. The method treats the two dates as
independent samples. For cumulative uptake in the same people, that makes the interval
wider than it needs to be.

**Pop-up clinic planner: where people live and how far they walk.** By default each
area's people missed are spread over where its residents live: among its LSOAs by the
Census 2021 residents of the target age band (a band that cuts a census band takes its
share of the years of age; 65+ counts as 65–89), then equally among each LSOA's postcodes
(OS Code-Point Open has no delivery-point counts). This is *modelled* and labelled so; the
area-centroid plan is kept for comparison. Without a street network a walk is the straight
line × a detour factor (default {detour}; {detour_source}). With an OpenStreetMap walking
network loaded (`python -m equity build --walk-network FILE`), walks are shortest paths
along footways, paths and streets open to people on foot (Dijkstra, scipy), and the map
shows © OpenStreetMap contributors, ODbL. Who is in each catchment (age band, ethnic group,
main language and English, Somali in Leicester) is people missed in reach × the Census 2021
residents' share of each group: modelled, because the uptake counts are not broken down
that way.

**Disclosure control.** A count between 1 and {threshold} is never shown: not in a table,
tooltip, chart label or download. That includes "eligible minus reached" when it would
reveal a small number. The percentage and CI worked out from such a count are blanked
too. Zeros are shown.

**Real, modelled and synthetic.** *Real* figures are published counts. *Modelled* figures
are apportioned to other geographies (for example MSOA 2011 to ward by population), or
come from a statistical model. *Synthetic* figures are generated by a seeded model for
demonstration and are not real counts. Modelled and synthetic figures carry a badge on
every chart, table and download.
""".strip()


@dataclass(frozen=True)
class SourceDocument:
    filename: str
    title: str
    markdown: str


def source_documents(sources_dir: Path | None = None) -> list[SourceDocument]:
    """The shipped provenance notes (those that exist), for the methods page to render."""
    folder = Path(sources_dir or config.SOURCES_DIR)
    documents = []
    for filename, title in SOURCE_DOCUMENTS:
        path = folder / filename
        if path.is_file():
            documents.append(SourceDocument(filename, title, path.read_text(encoding="utf-8")))
    return documents


def statistical_methods() -> str:
    from equity.planner import walking

    text = STATISTICAL_METHODS + "\n\n" + compare.METHODS
    return (
        text.replace("{threshold}", str(config.SUPPRESS_MAX_COUNT))
        .replace("{detour}", f"{walking.DEFAULT_DETOUR:g}")
        .replace("{detour_source}", walking.DETOUR_SOURCE)
    )


def data_kind(is_synthetic: bool, is_modelled: bool) -> str:
    if is_synthetic:
        return "synthetic"
    if is_modelled:
        return "modelled"
    return "real"


def catalog_table(catalog: pd.DataFrame) -> pd.DataFrame:
    """The indicator catalog as people read it: one row per indicator."""
    return pd.DataFrame(
        {
            "Indicator": catalog["label"],
            "Id": catalog["indicator_id"],
            "Data": [
                data_kind(bool(s), bool(m))
                for s, m in zip(catalog["is_synthetic"], catalog["is_modelled"])
            ],
            "Unit": catalog["unit"],
            "Source": catalog["source"],
            "Licence": catalog["licence"],
            "Vintage": catalog["vintage"],
            "Method": catalog["method"],
            "Caveat": catalog["caveat"],
        }
    )


def catalog_counts(catalog: pd.DataFrame) -> dict[str, int]:
    kinds = [
        data_kind(bool(s), bool(m)) for s, m in zip(catalog["is_synthetic"], catalog["is_modelled"])
    ]
    return {kind: kinds.count(kind) for kind in ("real", "modelled", "synthetic")}


VIEW_COLUMNS = [
    "area_code",
    "area_name",
    "area_type",
    "la_code",
    "period_start",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "lower_ci",
    "upper_ci",
    "imd_decile",
    "imd_quintile",
    "is_synthetic",
    "is_modelled",
]


def view_download(frame: pd.DataFrame, sex: str, age_band: str, ethnic_group: str) -> pd.DataFrame:
    """Values of one indicator selection as downloaded: suppression applied, the group named."""
    out = stats.suppress_counts(
        frame,
        count_columns=["numerator", "denominator"],
        rate_columns=["value", "lower_ci", "upper_ci"],
        complement_pairs=[("numerator", "denominator")],
    )
    out = out[[c for c in VIEW_COLUMNS if c in out.columns] + ["suppressed"]].copy()
    out.insert(3, "sex", sex)
    out.insert(4, "age_band", age_band)
    out.insert(5, "ethnic_group", ethnic_group)
    for column in ("period_start", "period_end"):
        out[column] = pd.to_datetime(out[column]).dt.date
    return out


def view_display(download: pd.DataFrame, unit: str, value_type: str) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "Area": download["area_name"],
            "Code": download["area_code"],
            "Value": [labels.format_value(v, unit) for v in download["value"]],
            "95% CI": [
                labels.format_ci(lo, hi)
                for lo, hi in zip(download["lower_ci"], download["upper_ci"])
            ],
            "Numerator": [labels.format_count(v) for v in download["numerator"]],
            "Denominator": [labels.format_count(v) for v in download["denominator"]],
            "IMD decile": download["imd_decile"],
        }
    )
    if value_type != "count":  # published values (life expectancy): no counts to show
        table = table.drop(columns=["Numerator", "Denominator"])
    return table
