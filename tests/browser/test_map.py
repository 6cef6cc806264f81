"""The map page in a real browser: deck.gl draws, and clicking an area opens its profile."""

from __future__ import annotations

import math
import re

from playwright.sync_api import Page, expect

from equity import config, db, geo

from .conftest import (
    SCREENSHOTS,
    assert_drawn,
    assert_no_app_errors,
    deck_canvas,
    open_page,
    wait_for_app_idle,
)

ST_MATTHEWS_CODE = "E02002844"
ST_MATTHEWS = "St Matthews & Highfields North"
TILE_SIZE = 512  # deck.gl's Web Mercator world is 512 px wide at zoom 0


def mercator_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    scale = TILE_SIZE * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * scale
    return x, y


def expected_st_matthews_offset() -> tuple[float, float]:
    """Where St Matthews's centroid should be, in px from the map centre, if the map opens
    fitted to the city's MSOAs (the page's default view). Only a starting point for the
    hover search below, which checks what is really under the pointer."""
    city = db.run_query("areas_of_type", area_type="msoa", la_code=config.CITY_CODE)
    geometries = geo.level_geometries("msoa")
    bounds = geo.geometries_bounds([geometries[c] for c in city["area_code"] if c in geometries])
    view = geo.fit_view(bounds)
    area = city.set_index("area_code").loc[ST_MATTHEWS_CODE]
    centre = mercator_px(view["longitude"], view["latitude"], view["zoom"])
    point = mercator_px(area["lon"], area["lat"], view["zoom"])
    return point[0] - centre[0], point[1] - centre[1]


def tooltip_at(page: Page, x: float, y: float) -> str:
    page.mouse.move(x, y)
    tooltip = page.locator(".deck-tooltip")
    try:
        expect(tooltip).to_be_visible(timeout=400)
    except AssertionError:
        return ""
    return tooltip.inner_text()


def find_area_on_map(page: Page, canvas, name: str) -> tuple[float, float]:
    """Screen point whose hover tooltip names the area: near the projected centroid first,
    then a coarse scan of the whole canvas (if the page's view differs from the default)."""
    box = canvas.bounding_box()
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    dx, dy = expected_st_matthews_offset()
    near = [(centre_x + dx + ox, centre_y + dy + oy) for ox in (0, -12, 12) for oy in (0, -12, 12)]
    grid = [
        (box["x"] + box["width"] * (i + 0.5) / 16, box["y"] + box["height"] * (j + 0.5) / 14)
        for j in range(14)
        for i in range(16)
    ]
    inside = [
        (x, y)
        for x, y in near + grid
        if box["x"] + 5 < x < box["x"] + box["width"] - 60
        and box["y"] + 5 < y < box["y"] + box["height"] - 5
    ]  # keep clear of the zoom buttons at the right
    for x, y in inside:
        if name in tooltip_at(page, x, y):
            return x, y
    raise AssertionError(f"no point on the map has a tooltip naming {name}")


def test_map_draws_a_choropleth(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    assert_no_app_errors(page)
    canvas = deck_canvas(page)
    chart = page.locator('[data-testid="stDeckGlJsonChart"]').first
    assert_drawn(chart.screenshot(path=SCREENSHOTS / "elements" / "map_canvas.png"), "the map")
    # The ranked bar chart beside it (Vega renders to a canvas or SVG).
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    assert canvas.bounding_box()["height"] >= 400


def test_clicking_an_area_opens_its_profile(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    canvas = deck_canvas(page)
    x, y = find_area_on_map(page, canvas, ST_MATTHEWS)
    page.mouse.click(x, y)
    try:
        expect(page).to_have_url(re.compile(r"/area\?(.*&)?area=" + ST_MATTHEWS_CODE))
    except AssertionError:
        assert_no_app_errors(page)  # say why, if the app raised (e.g. no profile page)
        raise
    wait_for_app_idle(page)
    assert_no_app_errors(page)
    expect(page.locator('[data-testid="stMain"] h1').first).to_contain_text(ST_MATTHEWS)
