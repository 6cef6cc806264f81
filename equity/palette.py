"""Every colour the app draws with, in one presentation module.

The computational modules (stats, trends, profile, maps) say *which* category a thing is;
this module says what colour that category is, so a palette changes in one place.
"""

from __future__ import annotations

# Okabe-Ito (vermillion, yellow, blue, grey). Fingertips uses red / amber / green, which many
# colour-blind readers cannot separate; these stay distinguishable under the common
# colour-vision deficiencies and differ in lightness too, so they also survive greyscale
# printing. Charts should still label the category. Keys are stats.RAG_LABELS.
RAG_COLOURS = {
    "worse": "#D55E00",
    "similar": "#F0E442",
    "better": "#0072B2",
    "not compared": "#BBBBBB",
}

# Comparisons of a no-judgement indicator (stats.NO_JUDGEMENT_LABELS): a non-judging
# blue/orange pair (Okabe-Ito sky blue and orange, unlike the RAG blue and vermillion);
# "similar" near-white, "not compared" the same grey as the RAG scheme's.
NO_JUDGEMENT_COLOURS = {
    "lower_no_judgement": "#56B4E9",
    "similar_no_judgement": "#F7F7F7",
    "higher_no_judgement": "#E69F00",
    "not compared": "#BBBBBB",
}

# Every comparison category (stats.comparison_category) to its colour, for any polarity.
COMPARISON_COLOURS = {**RAG_COLOURS, **NO_JUDGEMENT_COLOURS}


def comparison_colours(categories) -> dict[str, str]:
    """The colour scheme for a set of comparison categories: the no-judgement pair when
    any category is a no-judgement one, else the RAG scheme (never a mix)."""
    if set(categories) & (set(NO_JUDGEMENT_COLOURS) - {"not compared"}):
        return NO_JUDGEMENT_COLOURS
    return RAG_COLOURS


# Okabe-Ito, for lines on a trend chart: the first series (the one asked about) gets the
# strongest.
SERIES_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

# Okabe-Ito vermillion and blue plus a neutral grey: an area, its local authority, LLR; then
# Okabe-Ito reddish purple for a named comparator (e.g. Leicestershire and Rutland).
PLACE_COLOURS = ("#D55E00", "#0072B2", "#7f7f7f", "#CC79A7")

# Okabe-Ito vermillion and blue, one per sex (schema.SEX_BREAKDOWNS) on the life-expectancy
# gap chart.
SEX_COLOURS = {"Female": "#D55E00", "Male": "#0072B2"}

# ColorBrewer YlGnBu, 5 classes: sequential, colour-blind safe, print friendly. Map classes
# take evenly spaced picks from it, lightest first.
SEQUENTIAL_PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")

# Neutral greys (no palette): areas with no shown value, and the map's background.
NO_DATA_COLOUR = "#e6e6e6"
MAP_BACKGROUND = "#f7f7f4"

# Data badges (SYNTHETIC, MODELLED): dark amber text on pale amber, contrast ratio 7.8:1
# (WCAG AA needs 4.5:1; tests/test_palette_accessibility.py checks it).
BADGE_TEXT = "#6B4400"
BADGE_BACKGROUND = "#FFF4D6"
