"""Find, see, share in a real browser: Material icons, the map as the hero (full width; on
Where to act the targets outlined), postcode search, table alternatives, keyboard use,
presenter mode's first screen at 1024x768, and a map SVG that carries its legend."""

from __future__ import annotations

import re
import unicodedata

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    SCREENSHOTS,
    app_pages,
    assert_no_app_errors,
    full_page_screenshot,
    open_page,
    page_url_path,
    wait_for_app_idle,
)
from .test_map import ST_MATTHEWS, ST_MATTHEWS_CODE, area_shape, point_on

MAIN = '[data-testid="stMain"]'
CHART = '[data-testid="stVegaLiteChart"], [data-testid="stDeckGlJsonChart"]'
PRESENTER_VIEWPORT = {"width": 1024, "height": 768}
WIDE_VIEWPORT = {"width": 1440, "height": 1000}
# Pages whose main figure is a chart or map (Data & methods is tables and text).
CHART_PAGES = {"where-to-act", "map", "area", "inequalities", "trends", "planner"}
ST_MATTHEWS_POSTCODE = "LE2 0AA"  # OS Code-Point Open; inside MSOA E02002844


def is_emoji(character: str) -> bool:
    return unicodedata.category(character) == "So" or 0x1F000 <= ord(character) <= 0x1FAFF


def test_navigation_icons_are_material_symbols_not_emoji(page: Page, app_url: str):
    open_page(page, app_url, "", title="Where to act")
    links = page.locator('[data-testid="stSidebarNavLink"]')
    expect(links).to_have_count(len(app_pages()))
    for link in links.all():
        icon = link.locator('[data-testid="stIconMaterial"]')
        expect(icon).to_have_count(1)
        font = icon.evaluate("element => getComputedStyle(element).fontFamily")
        assert "Material Symbols" in font, font
        assert not any(is_emoji(c) for c in link.inner_text()), link.inner_text()
    # the icon font has loaded, so the ligatures draw as icons, not as words or boxes
    assert page.evaluate("() => document.fonts.check('24px \"Material Symbols Rounded\"')")
    page.locator('[data-testid="stSidebar"]').screenshot(
        path=SCREENSHOTS / "elements" / "sidebar-icons.png"
    )


def test_map_takes_the_main_column(page: Page, app_url: str):
    page.set_viewport_size(WIDE_VIEWPORT)
    open_page(page, app_url, "map", title="Map")
    chart = page.locator('.st-key-map [data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible()
    column = page.evaluate(
        """() => { const e = document.querySelector('[data-testid="stMainBlockContainer"]');
        const s = getComputedStyle(e);
        return e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"""
    )
    width = chart.bounding_box()["width"]
    assert width >= 0.9 * column, f"map {width:.0f} px of a {column:.0f} px column"
    # the shapes themselves are drawn large, not just the chart's box
    shapes = page.evaluate(
        """() => { const boxes = Array.from(document.querySelectorAll(
            '.st-key-map path[aria-roledescription="geoshape"]')).map(p => p.getBoundingClientRect());
        return Math.max(...boxes.map(b => b.bottom)) - Math.min(...boxes.map(b => b.top)); }"""
    )
    assert shapes >= 450, f"the areas span only {shapes:.0f} px"


def test_home_map_outlines_and_labels_st_matthews_and_opens_its_profile(page: Page, app_url: str):
    open_page(page, app_url, "", title="Where to act")
    home_map = page.locator(".st-key-map")
    expect(home_map.locator("svg text", has_text=ST_MATTHEWS).first).to_be_attached()
    outlines = home_map.locator('path[stroke="#141414"]')
    assert outlines.count() >= 1, "no target outline drawn"
    shape = area_shape(page, ST_MATTHEWS)
    shape.scroll_into_view_if_needed()  # the map beside the bars runs below the first screen
    x, y = point_on(page, shape, ST_MATTHEWS)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/area\?(.*&)?area=" + ST_MATTHEWS_CODE))
    wait_for_app_idle(page)
    expect(page.locator(f"{MAIN} h1").first).to_contain_text(ST_MATTHEWS)


def test_postcode_search_lands_on_the_st_matthews_profile(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    box = page.locator('[data-testid="stSidebar"]').get_by_role(
        "textbox", name="Find a postcode or place"
    )
    box.fill("le2 0aa")
    box.press("Enter")
    expect(page.locator(f"{MAIN} h1").first).to_contain_text(ST_MATTHEWS)
    wait_for_app_idle(page)
    assert_no_app_errors(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text(ST_MATTHEWS_POSTCODE, exact=True)).to_be_visible()
    expect(sidebar.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()  # marked on a map
    box = sidebar.get_by_role("textbox", name="Find a postcode or place")
    box.fill("LE2 9ZZ")
    box.press("Enter")
    expect(sidebar.get_by_text("LE2 9ZZ was not found", exact=False)).to_be_visible()
    assert_no_app_errors(page)


@pytest.mark.parametrize("path", ["", "map"])
def test_every_chart_has_a_table_alternative(page: Page, app_url: str, path: str):
    open_page(page, app_url, path)
    charts = page.locator(f"{MAIN} [data-testid='stVegaLiteChart']").count()
    tables = page.locator(f"{MAIN} [data-testid='stExpander']", has_text="Show as table")
    assert charts >= 2
    assert tables.count() >= charts, (charts, tables.count())
    tables.first.locator("summary").click()
    cells = tables.first.locator("table td")
    expect(cells.first).to_be_visible()


def test_controls_are_reachable_and_operable_by_keyboard(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    page.locator(f"{MAIN} h1").first.click()  # start from the page, not the address bar
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.getAttribute('aria-label') || e.innerText || e.tagName) : null; }"
        )
        reached.append(label)
        if label == "Age band":
            break
    age_band = page.locator(f"{MAIN}").get_by_role("combobox", name=re.compile("Age band"))
    assert age_band.evaluate("element => element === document.activeElement"), reached
    assert len({r for r in reached if r}) >= 5, reached  # several controls on the way
    page.keyboard.type("65+")
    page.keyboard.press("Enter")
    wait_for_app_idle(page)
    expect(age_band).to_have_value("65+")
    assert "age_band=65" in page.url


@pytest.mark.parametrize(
    ("page_file", "url_path"),
    [pytest.param(file, url, id=url) for file, _, _, url in app_pages()],
)
def test_presenter_first_screen_shows_the_main_chart(
    page: Page, app_url: str, page_file: str, url_path: str
):
    page.set_viewport_size(WIDE_VIEWPORT)
    open_page(page, app_url, page_url_path(url_path))
    assert_no_app_errors(page)
    page.screenshot(path=str(SCREENSHOTS / "1440" / f"{url_path}.png"))
    page.set_viewport_size(PRESENTER_VIEWPORT)
    path = page_url_path(url_path)
    open_page(page, app_url, f"{path}?present=1" if "?" not in path else f"{path}&present=1")
    assert_no_app_errors(page)
    page.screenshot(path=str(SCREENSHOTS / "presenter-1024x768" / f"{url_path}.png"))
    headline = page.locator(f"{MAIN} .st-key-headline h3")
    if url_path in CHART_PAGES:
        expect(headline.first).to_be_visible()
        # One line, and all of it: not wrapped (height of one line) and not cut (ellipsis).
        fit = headline.first.evaluate(
            "e => ({height: e.getBoundingClientRect().height,"
            " line: parseFloat(getComputedStyle(e).lineHeight),"
            " scroll: e.scrollWidth, client: e.clientWidth, text: e.innerText})"
        )
        assert fit["height"] < 1.5 * fit["line"] + 8, fit
        assert fit["scroll"] <= fit["client"] + 1, f"headline cut off: {fit}"
    # Each data badge holds all of its text, however many lines it wraps to at 1024 px.
    for badge in page.locator(f'{MAIN} [data-testid="stAlert"]').all():
        fit = badge.evaluate(
            "e => ({box: e.getBoundingClientRect().bottom,"
            " text: e.querySelector('p').getBoundingClientRect().bottom})"
        )
        assert fit["text"] <= fit["box"], f"badge text spills out of its box: {fit}"
    if url_path in CHART_PAGES:
        chart = page.locator(f"{MAIN} :is({CHART})").first
        expect(chart).to_be_attached()
        top = chart.bounding_box()["y"]
        assert top < PRESENTER_VIEWPORT["height"] - 100, f"main chart starts at {top:.0f} px"


def test_exported_map_svg_carries_its_legend(page: Page, app_url: str):
    open_page(page, app_url, "map", title="Map")
    button = page.locator(".st-key-map").get_by_role("button", name=re.compile("SVG"))
    expect(button).to_be_visible()
    assert button.bounding_box()["width"] >= 50  # "SVG" in full, not "S…"
    with page.expect_download() as download:
        button.click()
    svg = download.value.path().read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "darker = worse" in svg  # the legend title ("COVID-19 first dose (%), darker = worse")
    assert re.search(r"51\.3%\s*–\s*68\.7%", svg)  # a legend class label
    assert "Source: NHS England" in svg
    full_page_screenshot(page, SCREENSHOTS / "map-full-width.png")


def test_a_tables_csv_is_written_when_its_button_is_clicked(page: Page, app_url: str):
    """CSV downloads are deferred (made on click, not on every rerun): the file still comes,
    with its data badges as '#' lines above the rows."""
    open_page(page, app_url, "map", title="Map")
    page.get_by_text("download the map's data").click()  # the expander holding the table
    button = page.get_by_role("button", name=re.compile("Download CSV")).first
    expect(button).to_be_visible()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".csv")
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("# ")  # the modelled-data badge of the default selection
    assert "E02002844" in text  # St Matthews & Highfields North is among the rows
