"""The 查条款 hotline lookup in a real headless Chromium, at desktop and phone widths.

Screenshots go to test-artifacts/ (gitignored); the good ones are copied to docs/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from test_browser import (  # noqa: F401  (pytest fixtures shared with the other browser tests)
    ARTIFACTS,
    browser_context_args,
    browser_type_launch_args,
    pytestmark,
    server,
)

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def lookup(context, page, server):  # noqa: F811
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(server)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    page.get_by_role("tab", name="查条款").click()
    return page


def _search(page, query: str) -> None:
    page.fill("#search-query textarea", query)
    page.keyboard.press("Enter")


def _rows(page):
    return page.locator("#search-results .lk-row")


def _first_row_text(page) -> str:
    return _rows(page).first.inner_text()


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= -1 and box["y"] + 40 <= height


@pytest.mark.parametrize("size", SIZES)
def test_hotline_lookup_filter_open_and_copy(lookup, size):
    page = lookup
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    _search(page, "创业担保贷款")
    _rows(page).first.wait_for(timeout=15_000)
    before = [r.inner_text() for r in _rows(page).all()]
    # every row: a relevance label, highlighted words, region · 文号 · clause, 责任单位
    for row in _rows(page).all()[:5]:
        text = row.inner_text()
        assert re.search(r"相关度 [高中低]", text) and "责任单位" in text, text
        assert row.locator(".lk-snip mark").count() >= 1, text
        assert not re.search(r"\b0\.\d{3,}", text), text  # no raw scores
    # changing a filter re-runs the search (no button press)
    page.locator("#search-topic input").click()
    page.get_by_role("option", name="培训", exact=True).click()
    page.wait_for_function(
        "t => { const r = document.querySelector('#search-results .lk-row');"
        " return r && r.innerText !== t; }",
        arg=before[0],
        timeout=15_000,
    )
    after = [r.inner_text() for r in _rows(page).all()]
    assert after != before
    # open the second row: its clause and reply are shown, in view
    second = _rows(page).nth(1)
    second.click()
    pane = page.locator("#search-results .lk-pane:not([hidden])")
    assert pane.get_attribute("data-i") == "1"
    assert _in_view(page, pane.locator(".qa-card"))
    reply = pane.locator("textarea").input_value()
    assert reply.startswith("根据")
    # C copies the reply
    second.focus()
    page.keyboard.press("c")
    page.get_by_text("已复制答复口径").wait_for(timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == reply
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size][0] + 2, f"page scrolls sideways: {width}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lookup-{size}.png"))


def test_nonsense_query_says_nothing_relevant(lookup):
    page = lookup
    _search(page, "紫色大象在月球上跳舞的量子力学")
    page.get_by_text("没有找到相关条款").wait_for(timeout=15_000)
    assert _rows(page).count() == 0


def test_keyboard_slash_arrows_enter_copy(lookup):
    page = lookup
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.closest('#search-query') !== null"), (
        "/ does not focus the search box"
    )
    page.keyboard.type("零工市场")
    page.keyboard.press("Enter")
    _rows(page).nth(2).wait_for(timeout=15_000)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.dataset.i") == "1"
    page.keyboard.press("Enter")
    pane = page.locator("#search-results .lk-pane:not([hidden])")
    assert pane.get_attribute("data-i") == "1"
    assert _rows(page).nth(1).get_attribute("aria-current") == "true"
    page.keyboard.press("c")
    page.get_by_text("已复制答复口径").wait_for(timeout=5_000)


def test_detail_pane_stays_in_view_while_scrolling_the_list(lookup):
    page = lookup
    _search(page, "创业培训补贴")
    _rows(page).nth(10).wait_for(timeout=15_000)
    _rows(page).nth(10).scroll_into_view_if_needed()
    card = page.locator("#search-results .lk-pane:not([hidden]) .qa-card")
    assert _in_view(page, card), card.bounding_box()
