"""Downloads: CSV with suppression and formula-injection escaping, charts as PNG/SVG."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import vl_convert as vlc

from equity.config import FORMULA_STARTS
from equity.vega import export_json

if TYPE_CHECKING:  # altair takes 0.25 s to import; only the type is needed here
    import altair as alt


def escape_formula(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame, badges: list[str]) -> bytes:
    """CSV text: one '# badge' line per data warning, then the table with text escaped."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_formula)
    header = "".join(f"# {badge}\n" for badge in badges)
    return (header + out.to_csv(index=False)).encode("utf-8")


def chart_png(spec: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(export_json(spec), scale=scale)


def chart_svg(spec: alt.TopLevelMixin) -> bytes:
    return vlc.vegalite_to_svg(export_json(spec)).encode("utf-8")
