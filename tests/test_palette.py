"""Every colour lives in equity.palette and is keyed by the categories it colours."""

from __future__ import annotations

import re

from equity import palette, schema, stats

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def test_every_palette_entry_is_a_hex_colour() -> None:
    for name in dir(palette):
        value = getattr(palette, name)
        if not name.isupper():
            continue
        colours = (
            value.values()
            if isinstance(value, dict)
            else [value]
            if isinstance(value, str)
            else value
        )
        assert all(HEX.match(colour) for colour in colours), name


def test_category_palettes_cover_exactly_their_categories() -> None:
    assert list(palette.RAG_COLOURS) == list(stats.RAG_LABELS)
    assert set(palette.NO_JUDGEMENT_COLOURS) == set(stats.NO_JUDGEMENT_LABELS)
    assert tuple(palette.SEX_COLOURS) == schema.SEX_BREAKDOWNS
    # a no-judgement comparison never borrows the RAG "better"/"worse" colours
    judged = {palette.RAG_COLOURS["better"], palette.RAG_COLOURS["worse"]}
    assert not judged & set(palette.NO_JUDGEMENT_COLOURS.values())


def test_series_palettes_are_distinct() -> None:
    for colours in (palette.SERIES_COLOURS, palette.PLACE_COLOURS, palette.SEQUENTIAL_PALETTE):
        assert len(set(colours)) == len(colours)
