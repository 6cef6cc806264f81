"""Every page of app.PAGES opens in a real browser without errors; a full-page screenshot of
each goes to tests/artifacts/screenshots/<url path>.png for people to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    REPO,
    SCREENSHOTS,
    app_pages,
    assert_no_app_errors,
    full_page_screenshot,
    open_page,
    page_url_path,
)


@pytest.mark.parametrize(
    ("page_file", "url_path"),
    [pytest.param(file, url, id=url) for file, _, _, url in app_pages()],
)
def test_page_opens_and_is_captured(page: Page, app_url: str, page_file: str, url_path: str):
    assert (REPO / page_file).is_file(), f"{page_file} (/{url_path}) is not written yet"
    open_page(page, app_url, page_url_path(url_path))
    assert_no_app_errors(page)  # includes "Page not found", so the URL reached the page
    title = page.locator('[data-testid="stMain"] h1').first
    expect(title).to_be_visible()
    assert title.inner_text().strip(), "the page has an empty title"
    image = full_page_screenshot(page, SCREENSHOTS / f"{url_path}.png")
    assert len(image) > 20_000, "the screenshot is suspiciously small"
