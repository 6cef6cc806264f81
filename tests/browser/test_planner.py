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


def test_a_demand_points_tooltip_names_it_and_ends_with_the_plans_badges(page: Page, app_url: str):
    """The badges travel once, in the deck's tooltip template (not in each point's data):
    hovering a demand point must still show them under the point's own lines."""
    open_page(page, app_url, "planner", title="Pop-up clinic planner")
    canvas = deck_canvas(page)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    tooltip = page.locator(".deck-tooltip")
    text = ""
    for row in range(3, 18):  # sweep the map until the pointer is over a point
        for column in range(3, 18):
            page.mouse.move(
                box["x"] + box["width"] * column / 20, box["y"] + box["height"] * row / 20
            )
            page.wait_for_timeout(30)
            if tooltip.count() and tooltip.first.is_visible():
                text = tooltip.first.inner_text()
                if "People missed:" in text:
                    break
        if "People missed:" in text:
            break
    assert "People missed:" in text, "no demand point found under the pointer"
    lines = text.splitlines()
    assert lines[0].endswith(")")  # "Area name (E02…)"
    assert any(line.startswith("⚠") and "MODELLED demand" in line for line in lines), text


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
