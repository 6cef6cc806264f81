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
    wait_for_app_idle,
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


def _upload(page: Page, name: str, text: str) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    wait_for_app_idle(page)


def test_planner_plans_uploaded_venues_and_names_a_bad_file(page: Page, app_url: str):
    open_page(page, app_url, "planner?sites=venues&p=2", title="Pop-up clinic planner")
    _upload(
        page,
        "venues.csv",
        "name,latitude,longitude\n"
        "Mosque hall,52.6452,-1.1230\n"
        "Library,52.6360,-1.1330\n"
        "Community centre,52.6200,-1.1000\n",
    )
    assert_no_app_errors(page)
    names = {row[1].strip() for row in dataframe_rows(page, which=0)}
    assert len(names) == 2 and names <= {"Mosque hall", "Library", "Community centre"}, names
    deck_canvas(page)
    _upload(page, "broken.csv", "name,latitude,longitude\nHall,not a number,-1.12\n")
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("broken.csv was not used")
    expect(error).to_contain_text("row")
    assert page.locator('[data-testid="stException"]').count() == 0
