"""Plain-language help: what the words mean, and how to read each kind of chart.

Text only (no streamlit): ui/help.py shows it in the sidebar, in presenter mode and under
charts, so the wording lives in one place and tests can check it covers every chart kind.
"""

from __future__ import annotations

GLOSSARY = {
    "LSOA": "Lower-layer Super Output Area: a small neighbourhood of about 1,500 people "
    "(ONS 2021 boundaries). The smallest area the app maps.",
    "MSOA": "Middle-layer Super Output Area: a neighbourhood of about 7,500 people, made of "
    "four or five LSOAs (e.g. St Matthews & Highfields North).",
    "Core20": "The 20% most deprived neighbourhoods in England by the national Index of "
    "Multiple Deprivation (IMD quintile 1). NHS England's Core20PLUS5 targets them.",
    "IMD decile": "The Index of Multiple Deprivation ranks every LSOA in England; decile 1 is "
    "the most deprived tenth, decile 10 the least deprived.",
    "SII": "Slope Index of Inequality: the gap, in the indicator's own units, between the most "
    "and least deprived ends of a line fitted across all deprivation deciles.",
    "RII": "Relative Index of Inequality: the same gap as the SII, divided by the average, so "
    "indicators with different scales can be compared.",
    "Wilson interval": "The 95% confidence interval used for percentages (Wilson score "
    "method, as in PHE Fingertips): the range the true value probably lies in, given the "
    "numbers counted.",
    "Suppression": "Counts from 1 to 7 are hidden (shown as *) so no one can be identified; "
    "rates built on them are not shown either.",
    "Modelled": "An estimate from a statistical model, not a direct count (marked MODELLED).",
    "Synthetic": "Made-up demonstration data shaped like the real thing, used where real "
    "figures are not published (marked SYNTHETIC). Never quote it as fact.",
    "No judgement": "An indicator where higher is neither better nor worse (e.g. population "
    "share): areas are shown as higher or lower than the benchmark, in blue and orange, "
    "not as better or worse.",
    "SMR": "Standardised Mortality Ratio: observed deaths divided by the deaths expected if "
    "the area had the benchmark's age-specific rates, times 100 (100 = as expected).",
}

HOW_TO_READ = {
    "spine": "Each row is an indicator. The dot is this area, the line down the middle is "
    "the LLR average, and the bar behind shows the range across areas. Dots to the left are "
    "worse, to the right better; colour says whether the difference is significant.",
    "map": "Each shape is an area, coloured by its value (darker = worse) or by whether it "
    "is significantly better or worse than the benchmark. Hover for figures; click to open "
    "the area's profile. Labels name the most extreme areas.",
    "funnel": "Each dot is an area. The funnel lines are the 95% and 99.8% limits around "
    "the benchmark: dots outside them differ by more than chance, and small areas (left) "
    "need a bigger difference to stand out.",
    "sii": "Each point is a deprivation decile, most deprived on the left. The fitted line's "
    "slope is the SII: the steeper it is, the bigger the gap between the most and least "
    "deprived.",
    "trend": "Each line is a place or group over time, with its 95% confidence interval "
    "shaded. Vertical markers show interventions such as a pop-up clinic.",
    "planner map": "Blue neighbourhoods are within reach of a chosen site, orange ones are "
    "not; bigger dots mean more people missed. Numbered black dots are the chosen sites, "
    "grey dots other candidate venues.",
    "ranked bars": "Areas are sorted worst first. Bar length is the value, the whiskers its "
    "95% confidence interval, the vertical line the benchmark; colour says whether the area "
    "is significantly better, similar or worse.",
    "targets map": "The city's neighbourhoods; the target areas (significantly below the "
    "benchmark) are outlined and named. Click one to open its profile.",
}

ACCESSIBILITY_STATEMENT = """
We aim for WCAG 2.2 level AA. This is what is checked by the project's tests, and what is not.

**Met (tested on every change)**
- Every chart and map has a **Show as table** alternative under it with the same figures, as a
  plain HTML table a screen reader can walk.
- Colours are colour-blind safe: comparisons use Okabe-Ito colours and maps a ColorBrewer
  YlGnBu ramp; a test simulates protanopia, deuteranopia and tritanopia (Machado 2009) and
  checks every pair of comparison colours and every step of the map ramp stays clearly
  different. Comparisons are also written out in words (tooltips, tables), never colour alone.
- Data badges (SYNTHETIC, MODELLED) have a text contrast of at least 4.5:1 (tested: 7.8:1).
- Controls can be reached with the Tab key and changed with the keyboard (tested in a browser).
- Icons come from the Material Symbols font shipped with the app, so they show on any
  machine, offline; every icon sits next to a text label.
- Each kind of chart has a plain-language "How to read this" note, and a glossary is on every
  page (sidebar; a Glossary button in presenter mode).

**Not met, or not yet checked**
- Areas on the maps are chosen by mouse click only; with a keyboard, use the area picker
  ("Open an area's profile") or the postcode and place search in the sidebar instead.
- Charts are drawn as graphics: a screen reader hears their title, not each mark; use the table.
- Downloaded PNG images carry no alternative text (the SVG keeps its title text).
- Streamlit's own widget colours and focus outlines have not been audited by us, and no full
  manual audit with a screen reader has been done.
"""
