"""The area profile in a real browser: its Trends and breakdowns section reruns on its own
(a fragment) when its indicator changes, and the link follows."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import assert_no_app_errors, open_page, selectbox_input, wait_for_app_idle

ST_MATTHEWS = "E02002844"
MAIN = '[data-testid="stMain"]'


def test_changing_the_trends_indicator_updates_the_section_and_the_link(page: Page, app_url: str):
    open_page(page, app_url, f"area?area={ST_MATTHEWS}", title="St Matthews")
    assert_no_app_errors(page)
    spine_title = page.locator(f"{MAIN} h1").inner_text()
    # the list is long and drawn lazily: type to narrow it, as a user would
    box = selectbox_input(page, "Indicator")
    box.click()
    page.keyboard.type("second dose")
    page.get_by_role("option", name="COVID-19 second dose", exact=True).click()
    wait_for_app_idle(page)
    assert_no_app_errors(page)
    expect(selectbox_input(page, "Indicator")).to_have_value("COVID-19 second dose")
    assert "indicator=covid_second_dose" in page.url
    # the section now speaks of the second dose; the page above it is still there
    expect(page.get_by_text("COVID-19 second dose", exact=False).first).to_be_visible()
    assert page.locator(f"{MAIN} h1").inner_text() == spine_title
    # the area itself did not change
    assert f"area={ST_MATTHEWS}" in page.url
