"""Home page (Where to act) in a real browser, and the shareable URL."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from .conftest import (
    VIEWPORT,
    assert_no_app_errors,
    choose_option,
    dataframe_rows,
    open_page,
    selectbox_input,
    wait_for_app_idle,
)

ST_MATTHEWS = "St Matthews & Highfields North"


def headline(page: Page):
    """The finding sentence under the title (st.subheader)."""
    return page.locator('[data-testid="stMain"] h3').first


def test_home_ranks_st_matthews_in_the_top_three(page: Page, app_url: str):
    open_page(page, app_url, "", title="Where to act")
    assert_no_app_errors(page)
    top_three = dataframe_rows(page)[:3]
    assert len(top_three) == 3
    assert any(ST_MATTHEWS in cells for cells in top_three), top_three


def test_shared_url_restores_the_view_in_a_fresh_browser(
    page: Page, app_url: str, browser: Browser
):
    open_page(page, app_url, "", title="Where to act")
    expect(headline(page)).not_to_contain_text("65+")
    choose_option(page, "Age band", "65+")
    expect(headline(page)).to_contain_text("65+")
    shared_url = page.url
    assert "age_band=65%2B" in shared_url or "age_band=65+" in shared_url, shared_url

    fresh = browser.new_context(viewport=VIEWPORT)
    try:
        other = fresh.new_page()
        other.goto(shared_url)
        wait_for_app_idle(other, title="Where to act")
        assert_no_app_errors(other)
        expect(selectbox_input(other, "Age band")).to_have_value("65+")
        expect(headline(other)).to_contain_text("65+")
        # Restoring must not bring a "not available" fallback notice with it.
        expect(other.get_by_text("is not available here")).to_have_count(0)
    finally:
        fresh.close()
