"""Words shown with numbers: data badges, formatted values, headline sentences."""

from __future__ import annotations

import math
import re
import textwrap

import pandas as pd

SYNTHETIC_BADGE = "SYNTHETIC DEMO DATA — not real counts"
MODELLED_BADGE = "MODELLED ESTIMATE — apportioned or modelled, not a direct count"
SUPPRESSED = "*"


def data_badges(is_synthetic: bool, is_modelled: bool) -> list[str]:
    badges = []
    if is_synthetic:
        badges.append(SYNTHETIC_BADGE)
    elif is_modelled:
        badges.append(MODELLED_BADGE)
    return badges


def selection_badges(
    is_synthetic_rows, is_modelled_rows, indicator_is_synthetic: bool
) -> list[str]:
    """Badges for a selection: synthetic if any row is; modelled for all rows or for some."""
    is_synthetic_rows = list(is_synthetic_rows)
    is_modelled_rows = [bool(m) for m in is_modelled_rows]
    if indicator_is_synthetic or any(bool(s) for s in is_synthetic_rows):
        return [SYNTHETIC_BADGE]
    if is_modelled_rows and all(is_modelled_rows):
        return [MODELLED_BADGE]
    if any(is_modelled_rows):
        count = sum(is_modelled_rows)
        return [
            f"{count} of {len(is_modelled_rows)} areas MODELLED (apportioned from other "
            "geographies); the rest are published counts — see the Data column"
        ]
    return []


def format_value(value, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return SUPPRESSED
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "years":
        return f"{value:.1f} years"
    if unit == "ratio":  # standardised ratios (SMR, SAR): England is 100 by construction
        return f"{value:.1f} (England = 100)"
    return f"{value:,.1f}"


def comparison_category_text(category: str) -> str:
    """A comparison colour category (stats.comparison_category) in words for a legend:
    'worse' stays 'worse'; a no-judgement one reads e.g. 'Higher (not judged)'."""
    from equity import stats

    if category in stats.NO_JUDGEMENT_DISPLAY and category != "not compared":
        return f"{stats.NO_JUDGEMENT_DISPLAY[category]} (not judged)"
    return category


def format_ci(lower, upper) -> str:
    """'62.7 – 65.9', or the suppression marker when either limit is missing."""
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return SUPPRESSED
    return f"{lower:.1f} – {upper:.1f}"


def format_count(count) -> str:
    if count is None or (isinstance(count, float) and math.isnan(count)):
        return SUPPRESSED
    return f"{count:,.0f}"


def group_phrase(age_band: str, sex: str, ethnic_group: str) -> str:
    """'people aged 50+', 'Somali women aged 50+', 'everyone' ..."""
    noun = {"Female": "women", "Male": "men"}.get(sex, "people")
    who = f"{ethnic_group} {noun}" if ethnic_group != "All" else noun
    if age_band == "All":
        return who if who != "people" else "everyone"
    return f"{who} aged {age_band}"


# Characters per line of a chart's title and subtitle. Presenting at 1024 px wide, a chart
# has about 780 px for them (Streamlit limits titles to its width less 40 px) at 24 px and
# 16 px: about 75 and 115 characters of Source Sans. Longer lines are cut with "…", and
# a centred title over a narrow plot runs off the edge.
TITLE_LINE_CHARS = 60
SUBTITLE_LINE_CHARS = 100


def wrap_title(text: str, width: int = TITLE_LINE_CHARS) -> list[str]:
    """Chart titles state the finding in a sentence; wrap it rather than cut it off."""
    return textwrap.wrap(text, width) or [""]


def chart_subtitle(badges: list[str], *notes: str | None) -> list[str]:
    """A chart's subtitle lines: each badge (synthetic, modelled) with a warning sign, then
    the notes, wrapped to fit; the badges travel with the chart into its PNG and SVG
    downloads. A badge is one line: cut short, it still warns; wrapped, its tail would."""
    notes_lines = [
        line for note in notes if note for line in textwrap.wrap(note, SUBTITLE_LINE_CHARS)
    ]
    return [f"⚠ {badge}" for badge in badges] + notes_lines


# Everything Streamlit's markdown gives a meaning to: CommonMark emphasis, links, images,
# headings, lists, tables and HTML, plus its own :emoji: and :red[colour] shortcodes,
# ~~strike~~ and $math$.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Text from a user's file shown literally in st.markdown (a cell could hold a link,
    an image or HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _outside_brackets(text: str, separator: str) -> int:
    """Where `separator` first occurs outside (…), or -1."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith(separator, index):
            return index
    return -1


def presenter_line(sentence: str) -> str:
    """A page's headline cut to one line for a projector: the finding after the subject
    ("COVID-19 first dose, people aged 50+: …", which the chart title just below repeats)
    up to its first full stop, semicolon or dash."""
    line = sentence
    subject_end = _outside_brackets(line, ": ")
    if subject_end > 0:
        line = line[subject_end + 2 :]
    ends = [at for at in (_outside_brackets(line, s) for s in (". ", "; ", " — ")) if at > 0]
    if ends:
        line = line[: min(ends)]
    line = line.strip()
    return f"{line[:1].upper()}{line[1:]}" if line else sentence
