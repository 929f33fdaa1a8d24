"""Accessibility in a real headless Chromium: axe-core on every tab in light and dark,
Chinese page language in an English browser, no developer links, focus, touch targets.

axe-core is vendored (tests/app/vendor/axe.min.js, MPL-2.0) and injected by Playwright.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401  (pytest fixtures shared with the other browser tests)
    ARTIFACTS,
    _free_port,
    browser_type_launch_args,
    pytestmark,
    server,
)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DOC_LINK = "?doc=shanghai-2023-162&at=2500"


def _open(browser, url: str, *, ready: str = "#qa-question textarea", **context):
    ctx = browser.new_context(
        **{"locale": "en-US", "viewport": {"width": 1366, "height": 768}, **context}
    )
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector(ready, timeout=30_000)
    return ctx, page


def _axe(page) -> list[dict]:
    """Serious and critical axe violations on the page as it is now."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({id: v.id, impact: v.impact,
                         nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '
                                + (n.failureSummary || '').slice(0, 200))}))"""
    )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_any_tab(browser, server, scheme):  # noqa: F811
    target = "#docs-view section.target"
    ctx, page = _open(browser, server + DOC_LINK, ready=target, color_scheme=scheme)
    try:
        assert page.evaluate("document.body.classList.contains('dark')") == (
            scheme == "dark"
        )
        page.wait_for_timeout(600)  # the jump to the clause
        report = {"文件": _axe(page)}
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"documents-{scheme}.png"))
        page.get_by_role("tab", name="问答").click()
        page.locator("#qa-question textarea").wait_for()
        report["问答"] = _axe(page)
        page.get_by_role("tab", name="查条款").click()
        page.fill("#search-query textarea", "创业担保贷款 额度")
        page.keyboard.press("Enter")
        page.locator("#search-results .lk-row").nth(1).click(timeout=15_000)
        report["查条款"] = _axe(page)
        page.screenshot(path=str(ARTIFACTS / f"search-{scheme}.png"))
        page.fill("#search-query textarea", "紫色大象在月球上跳舞的量子力学")
        page.keyboard.press("Enter")
        page.get_by_text("没有找到相关条款").wait_for(timeout=15_000)
        report["查条款（无结果）"] = _axe(page)
        bad = {tab: v for tab, v in report.items() if v}
        assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
    finally:
        ctx.close()


def test_page_is_chinese_in_an_english_browser_and_has_no_api_link(browser, server):  # noqa: F811
    ctx, page = _open(browser, server)
    try:
        assert page.evaluate("navigator.language") == "zh-CN"
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        page.wait_for_timeout(500)  # Gradio sets lang again once its labels load
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        body = page.locator("body").inner_text()
        for english in ("Use via API", "Built with Gradio", "Settings", "API"):
            assert english not in body, english
        assert page.locator("footer a, a[href*='view=api']").count() == 0
        # labelled inputs: the lookup's search box has a visible label
        page.get_by_role("tab", name="查条款").click()
        assert page.get_by_label("关键词或问题").count() >= 1
    finally:
        ctx.close()


def test_focus_is_visible_and_phone_targets_are_large(browser, server):  # noqa: F811
    ctx, page = _open(browser, server, viewport={"width": 390, "height": 844})
    try:
        page.get_by_role("tab", name="查条款").click()
        page.fill("#search-query textarea", "创业担保贷款")
        page.keyboard.press("Tab")
        width = page.evaluate(
            "parseFloat(getComputedStyle(document.activeElement).outlineWidth) || 0"
        )
        assert page.evaluate("document.activeElement.id") == "search-go"
        assert width >= 2, f"no visible focus on 检索: outline {width}px"
        page.keyboard.press("Enter")
        page.locator("#search-results .lk-row").first.wait_for(timeout=15_000)
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, [role=tab], summary')]
                 .filter(e => e.offsetParent !== null)
                 .map(e => [e.innerText.trim().slice(0, 12) || e.getAttribute('aria-label')
                            || e.className, e.getBoundingClientRect().height])
                 .filter(([, h]) => h >= 4 && h < 40)  // 1 px: Gradio's hidden measuring copies"""
        )
        assert not small, small
    finally:
        ctx.close()


def test_loading_state_is_sticky_with_progress(browser, real_pipeline):
    from qa.app import create_app, launch

    release = threading.Event()

    def loader(status):
        status("正在建立索引…")
        release.wait(30)
        return real_pipeline

    demo = create_app(loader)
    try:
        url = launch(demo, port=_free_port(), block=False)
        ctx = browser.new_context(locale="zh-CN")
        page = ctx.new_page()
        page.goto(url)
        status = page.locator("#qa-status-bar")
        page.get_by_text("正在建立索引").wait_for(timeout=15_000)
        assert status.evaluate("e => getComputedStyle(e).position") == "sticky"
        assert page.locator(".qa-status .qa-progress").count() == 1
        assert page.locator(".qa-status[role=status]").count() == 1
        release.set()
        page.locator(".qa-status").wait_for(state="hidden", timeout=15_000)
        ctx.close()
    finally:
        release.set()
        demo.close()


def test_dropdowns_close_when_tabbed_through(browser, server):  # noqa: F811
    ctx, page = _open(browser, server)
    try:
        page.get_by_role("tab", name="查条款").click()
        page.focus("#search-go")
        for _ in range(4):  # 地区, 层级, 文件, 主题
            page.keyboard.press("Tab")
            page.wait_for_timeout(150)
        assert page.locator("[role=listbox]:visible").count() <= 1
    finally:
        ctx.close()
