"""Compare areas in a real browser: the page opens, the overview lists St Matthews, and
switching tab works and is kept in the URL."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import assert_no_app_errors, dataframe_rows, open_page, wait_for_app_idle

ST_MATTHEWS = "St Matthews & Highfields North"


def test_compare_overview_shows_st_matthews(page: Page, app_url: str):
    open_page(page, app_url, "compare", title="Compare areas")
    assert_no_app_errors(page)
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    rows = dataframe_rows(page)
    assert any(ST_MATTHEWS in cells for cells in rows), rows[:5]


def test_switching_tab_shows_the_funnel_and_keeps_it_in_the_url(page: Page, app_url: str):
    open_page(page, app_url, "compare", title="Compare areas")
    page.get_by_role("tab", name="Funnel plot").click()
    wait_for_app_idle(page)
    assert_no_app_errors(page)
    expect(page.get_by_text("outside the 99.8% limits")).to_be_visible()
    assert "view=Funnel" in page.url, page.url
