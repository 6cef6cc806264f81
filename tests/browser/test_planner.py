"""The pop-up clinic planner in a real browser: the result map draws and the table lists p sites."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import (
    SCREENSHOTS,
    assert_drawn,
    assert_no_app_errors,
    dataframe_rows,
    deck_canvas,
    open_page,
)

SITES = 4


def test_planner_draws_its_map_and_lists_p_sites(page: Page, app_url: str):
    open_page(page, app_url, f"planner?p={SITES}", title="Pop-up clinic planner")
    assert_no_app_errors(page)
    expect(page.get_by_role("spinbutton", name="Number of sites")).to_have_value(str(SITES))
    deck_canvas(page)
    assert_drawn(
        page.locator('[data-testid="stDeckGlJsonChart"]').first.screenshot(
            path=SCREENSHOTS / "elements" / "planner_canvas.png"
        ),
        "the plan map",
    )
    sites = dataframe_rows(page, which=0)
    assert len(sites) == SITES, sites
    assert all(any(cell.strip() for cell in row) for row in sites)
