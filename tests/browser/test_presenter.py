"""Presenter mode: the URL flag and the sidebar toggle hide the sidebar and enlarge text."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import (
    SCREENSHOTS,
    assert_no_app_errors,
    full_page_screenshot,
    open_page,
    wait_for_app_idle,
)


def title_font_px(page: Page) -> float:
    size = page.locator('[data-testid="stMain"] h1').first.evaluate(
        "element => getComputedStyle(element).fontSize"
    )
    assert size.endswith("px"), size
    return float(size[:-2])


def sidebar(page: Page):
    return page.locator('[data-testid="stSidebar"]')


def test_present_flag_in_the_url_hides_sidebar_and_enlarges_text(page: Page, app_url: str):
    open_page(page, app_url, "", title="Where to act")
    expect(sidebar(page)).to_be_visible()
    normal_size = title_font_px(page)

    open_page(page, app_url, "?present=1", title="Where to act")
    assert_no_app_errors(page)
    expect(sidebar(page)).to_be_hidden()
    assert title_font_px(page) > normal_size * 1.2
    full_page_screenshot(page, SCREENSHOTS / "presenter-where-to-act.png")


def test_sidebar_toggle_turns_presenter_mode_on(page: Page, app_url: str):
    open_page(page, app_url, "", title="Where to act")
    normal_size = title_font_px(page)
    toggle = sidebar(page).get_by_text("Presenter mode", exact=True)
    expect(toggle).to_be_visible()
    toggle.click()
    wait_for_app_idle(page)
    expect(sidebar(page)).to_be_hidden()
    assert title_font_px(page) > normal_size * 1.2
    assert "present=1" in page.url, page.url
