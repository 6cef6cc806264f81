"""The map page in a real browser: the map draws, hovering names an area with its figures,
and clicking an area opens its profile."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import (
    SCREENSHOTS,
    assert_drawn,
    assert_no_app_errors,
    open_page,
    wait_for_app_idle,
)

ST_MATTHEWS_CODE = "E02002844"
ST_MATTHEWS = "St Matthews & Highfields North"
MAP = ".st-key-map"


def area_shape(page: Page, name: str):
    """The area's drawn shape (Vega labels each geoshape with the area's name)."""
    shape = page.locator(f'{MAP} path[aria-roledescription="geoshape"][aria-label="{name}"]')
    expect(shape).to_have_count(1)
    return shape


def point_on(page: Page, shape, name: str) -> tuple[float, float]:
    """A screen point where the area itself is what the pointer hits (not a label)."""
    box = shape.bounding_box()
    for fy in (0.5, 0.4, 0.6, 0.3, 0.7):
        for fx in (0.5, 0.4, 0.6, 0.3, 0.7):
            x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
            hit = page.evaluate(
                "([x, y]) => { const e = document.elementFromPoint(x, y);"
                " return e && e.getAttribute('aria-label'); }",
                [x, y],
            )
            if hit == name:
                return x, y
    raise AssertionError("no point of the shape is reachable with the pointer")


def test_map_draws_a_choropleth(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    assert_no_app_errors(page)
    chart = page.locator(MAP).locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible()
    assert_drawn(chart.screenshot(path=SCREENSHOTS / "elements" / "map.png"), "the map")
    assert page.locator(f'{MAP} path[aria-roledescription="geoshape"]').count() >= 30
    assert chart.bounding_box()["height"] >= 400
    # the ranked bar chart (below it)
    expect(page.locator('[data-testid="stVegaLiteChart"]').nth(1)).to_be_visible()


def test_hovering_an_area_shows_its_name_value_and_interval(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    x, y = point_on(page, area_shape(page, ST_MATTHEWS), ST_MATTHEWS)
    page.mouse.move(x, y)
    tooltip = page.locator("#vg-tooltip-element")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(ST_MATTHEWS)
    expect(tooltip).to_contain_text("64.3%")  # 2,198 of 3,418 aged 50+, as published
    expect(tooltip).to_contain_text("95% CI")


def test_clicking_an_area_opens_its_profile(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    x, y = point_on(page, area_shape(page, ST_MATTHEWS), ST_MATTHEWS)
    page.mouse.click(x, y)
    try:
        expect(page).to_have_url(re.compile(r"/area\?(.*&)?area=" + ST_MATTHEWS_CODE))
    except AssertionError:
        assert_no_app_errors(page)  # say why, if the app raised (e.g. no profile page)
        raise
    wait_for_app_idle(page)
    assert_no_app_errors(page)
    expect(page.locator('[data-testid="stMain"] h1').first).to_contain_text(ST_MATTHEWS)
