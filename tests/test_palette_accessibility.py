"""The palettes stay readable for colour-blind readers, and badge text meets WCAG AA.

Colour-vision deficiency is simulated with the Machado, Oliveira & Fernandes (2009)
matrices at full severity, applied in linear RGB; colours are compared by CIE76 ΔE in
CIELAB (D65). A ΔE of about 10 or more reads as clearly different at a glance.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from equity import palette

MACHADO_2009 = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
D65_WHITE = np.array([0.95047, 1.0, 1.08883])
MIN_DELTA_E = 10.0  # between any two comparison categories, under every deficiency
MIN_RAMP_STEP_DELTA_E = 8.0  # between neighbouring classes of the map's ramp


def _linear_rgb(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = SRGB_TO_XYZ @ np.clip(linear, 0, 1) / D65_WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_as(hex_colour: str, deficiency: str | None) -> np.ndarray:
    """CIELAB of the colour as a person with the deficiency (None: typical vision) sees it."""
    linear = _linear_rgb(hex_colour)
    if deficiency is not None:
        linear = MACHADO_2009[deficiency] @ linear
    return _lab(linear)


def delta_e(a: str, b: str, deficiency: str | None) -> float:
    return float(np.linalg.norm(seen_as(a, deficiency) - seen_as(b, deficiency)))


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio from relative luminance."""

    def luminance(colour: str) -> float:
        return float(np.array([0.2126, 0.7152, 0.0722]) @ _linear_rgb(colour))

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


DEFICIENCIES = [None, *MACHADO_2009]


def test_the_simulation_is_not_a_no_op():
    # Red and green, the classic confusion pair, collapse under deuteranopia: the
    # simulation must see that, or the checks below would prove nothing.
    assert delta_e("#d62728", "#2ca02c", None) > 40
    assert delta_e("#d62728", "#2ca02c", "deuteranopia") < 25
    assert delta_e("#ffffff", "#ffffff", "protanopia") == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("deficiency", DEFICIENCIES, ids=lambda d: d or "typical")
@pytest.mark.parametrize(
    "colours",
    [palette.RAG_COLOURS, palette.NO_JUDGEMENT_COLOURS],
    ids=["rag", "no_judgement"],
)
def test_comparison_colours_stay_distinguishable(colours, deficiency):
    for (name_a, a), (name_b, b) in itertools.combinations(colours.items(), 2):
        difference = delta_e(a, b, deficiency)
        assert difference >= MIN_DELTA_E, (
            f"{name_a} {a} and {name_b} {b} differ by only ΔE {difference:.1f} "
            f"for {deficiency or 'typical vision'}"
        )


@pytest.mark.parametrize("deficiency", DEFICIENCIES, ids=lambda d: d or "typical")
def test_map_ramp_steps_stay_distinguishable(deficiency):
    ramp = palette.SEQUENTIAL_PALETTE
    for a, b in itertools.pairwise(ramp):
        assert delta_e(a, b, deficiency) >= MIN_RAMP_STEP_DELTA_E, (a, b, deficiency)
    # and the ramp still runs one way in lightness, so "darker = worse" holds for everyone
    lightness = [seen_as(colour, deficiency)[0] for colour in ramp]
    assert lightness == sorted(lightness, reverse=True)


def test_badge_text_meets_wcag_aa_contrast():
    ratio = contrast_ratio(palette.BADGE_TEXT, palette.BADGE_BACKGROUND)
    assert ratio >= 4.5, f"badge contrast {ratio:.2f}:1 is below WCAG AA (4.5:1)"


def test_contrast_ratio_matches_the_wcag_extremes():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
