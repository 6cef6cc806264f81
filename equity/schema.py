"""The `values` contract (docs/ARCHITECTURE.md) in one place: columns, dtypes, keys and the
vocabularies its categories and the catalog draw from.

Build, synthetic, ingest, stats, the ingest panel and the tests import these names instead of
writing the lists again, so a new column or category is added here once.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

# --------------------------------------------------------------------------- values columns

# pandas dtypes of an in-memory values frame, in file column order.
VALUES_DTYPES: dict[str, str] = {
    "indicator_id": "str",
    "area_code": "str",
    "area_type": "str",
    "period_start": "datetime64[ns]",
    "period_end": "datetime64[ns]",
    "sex": "str",
    "age_band": "str",
    "ethnic_group": "str",
    "numerator": "float64",
    "denominator": "float64",
    "value": "float64",
    "lower_ci": "float64",
    "upper_ci": "float64",
    "is_synthetic": "bool",
    "is_modelled": "bool",
}
VALUES_COLUMNS = tuple(VALUES_DTYPES)


def _arrow_type(dtype: str) -> pa.DataType:
    if dtype == "str":
        return pa.string()
    if dtype.startswith("datetime"):
        return pa.date32()  # periods are calendar dates in the files
    return pa.from_numpy_dtype(np.dtype(dtype))


# Arrow types of a values Parquet file.
VALUES_ARROW_SCHEMA = pa.schema(
    [(name, _arrow_type(dtype)) for name, dtype in VALUES_DTYPES.items()]
)

PERIOD_COLUMNS = ("period_start", "period_end")
CATEGORY_COLUMNS = ("sex", "age_band", "ethnic_group")
# One row per key: an indicator for one area, period and breakdown.
KEY_COLUMNS = ("indicator_id", "area_code", "area_type", *PERIOD_COLUMNS, *CATEGORY_COLUMNS)
# A user's file must carry every key column; the rest depend on the indicator's value type.
REQUIRED_VALUES_COLUMNS = KEY_COLUMNS
COUNT_COLUMNS = ("numerator", "denominator")
VALUE_COLUMNS = ("value", "lower_ci", "upper_ci")
FLAG_COLUMNS = ("is_synthetic", "is_modelled")
# Files are sorted so DuckDB can skip row groups by indicator and period.
SORT_COLUMNS = ("indicator_id", "period_end", "area_type", "area_code")
# The build also orders each area's breakdowns, so its output is byte-for-byte repeatable.
BUILD_SORT_COLUMNS = (*SORT_COLUMNS, *CATEGORY_COLUMNS)

# --------------------------------------------------------------------------- vocabularies

ALL = "All"  # the explicit "everyone" category: never blank or NULL
SEXES = (ALL, "Female", "Male")
SEX_BREAKDOWNS = tuple(sex for sex in SEXES if sex != ALL)
AREA_TYPES = ("la", "ward", "msoa", "msoa11", "lsoa", "practice", "region")
# A named comparator that is not one of our areas (UKHSA's combined "Leicestershire and
# Rutland"): a benchmark only, never listed, mapped or uploaded to as an area.
COMPARATOR = "comparator"

# Catalog vocabularies. Code that branches on polarity names these constants, so a further
# polarity is added here and only code that must treat it differently changes.
HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
# Compared (higher / similar / lower) but never judged better or worse, as Fingertips does
# for e.g. recorded prevalence.
NO_JUDGEMENT = "no_judgement"
# Polarities with a better direction: RAG colours, "worst" rankings, user uploads.
JUDGED_POLARITIES = (HIGHER_IS_BETTER, LOWER_IS_BETTER)
POLARITIES = (*JUDGED_POLARITIES, NO_JUDGEMENT)
DOMAINS = (
    "life_expectancy",
    "screening",
    "vaccination",
    "context",
    "mortality",
    "admissions",
    "prevalence",
    "behaviours",
)
# Each unit's plausible value range (percent is 0–100, not a fraction).
# "ratio" is a standardised ratio (SMR, SAR: England = 100), published without counts.
UNIT_RANGES = {
    "percent": (0.0, 100.0),
    "years": (0.0, 130.0),
    "rate": (0.0, math.inf),
    "ratio": (0.0, math.inf),  # e.g. standardised ratios (100 = as expected); value-type
}
UNITS = tuple(UNIT_RANGES)
VALUE_TYPES = ("count", "value")

# Catalog rows that `ingest` added carry source "user:<name>".
USER_SOURCE_PREFIX = "user:"
