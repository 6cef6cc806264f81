"""Presenter mode shows each page's headline on one line: the finding after its subject."""

from __future__ import annotations

import pytest

from equity.labels import presenter_line


@pytest.mark.parametrize(
    ("sentence", "line"),
    [
        (
            "COVID-19 first dose, people aged 50+: 14 areas significantly below Leicester "
            "(75.3%). Most people missed: Spinney Hill Road 62.1%; St Matthews 64.3%",
            "14 areas significantly below Leicester (75.3%)",
        ),
        (
            "COVID-19 first dose, people aged 50+: lowest in Leicester City Centre (51.3%); "
            "14 of 38 areas significantly worse than Leicester (75.3%)",
            "Lowest in Leicester City Centre (51.3%)",
        ),
        (
            "COVID-19 first dose, people aged 50+ in LLR: 73% in the most deprived decile vs "
            "87% in the least deprived — significantly higher in less deprived areas",
            "73% in the most deprived decile vs 87% in the least deprived",
        ),
        # a colon or full stop inside brackets is not the end of the subject or finding
        (
            "Smoking (QOF: 15+): 9.7% (C82001. 2023) in the practice; LLR 12%",
            "9.7% (C82001. 2023) in the practice",
        ),
        # nothing to cut: the sentence stands
        ("5 sites within 800 m reach 26%", "5 sites within 800 m reach 26%"),
    ],
)
def test_presenter_line_keeps_the_finding(sentence: str, line: str) -> None:
    assert presenter_line(sentence) == line


def test_presenter_line_never_returns_nothing() -> None:
    assert presenter_line("Leicester: ") == "Leicester: "
