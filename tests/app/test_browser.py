"""The web app in a real headless Chromium (Debian's), with the real pipeline.

Screenshots go to test-artifacts/ (gitignored); the good ones are copied to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} missing: apt-get install -y chromium fonts-wqy-microhei",
    ),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium instead of a downloaded one (``playwright install`` cannot run here)."""
    args = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1366, "height": 768},
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(real_pipeline):
    from qa.app import create_app, launch

    demo = create_app(real_pipeline)
    yield launch(demo, port=_free_port(), block=False)
    demo.close()


@pytest.fixture
def ready(page, server):
    page.goto(server)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    return page


def _shot(page, name: str, **kwargs) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), **kwargs)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _ask(page, question: str, n_answers: int) -> None:
    page.fill("#qa-question textarea", question)
    page.click("#qa-send")
    page.locator("#qa-chat .message-row.bot-row").nth(n_answers - 1).locator(
        ".qa-card, .qa-notice"
    ).first.wait_for(timeout=20_000)


def test_ask_shows_a_verbatim_quote_with_its_region_then_follows_up(
    ready, real_pipeline
):
    page = ready
    _ask(page, "我在浦东开奶茶店能贷多少款？利息谁出？", 1)
    first = page.locator("#qa-chat .message-row.bot-row").nth(0)
    card = first.locator(".qa-card").first
    assert "上海市" in card.locator(".qa-badge").first.inner_text()
    texts = {_squash(d.text) for d in real_pipeline.docs.values()}
    quote = _squash(card.locator("mark").first.inner_text())
    assert len(quote) >= 8 and any(quote in t for t in texts), quote
    _shot(page, "qa-tab.png")
    _ask(page, "那广州呢？", 2)
    second = page.locator("#qa-chat .message-row.bot-row").nth(1)
    assert "广州市" in second.inner_text()
    page.click("#qa-clear")
    page.wait_for_function(
        "document.querySelectorAll('#qa-chat .message-row').length === 0"
    )


def test_markup_in_a_question_is_shown_not_run(ready):
    page = ready
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _ask(page, "<script>alert(1)</script><img src=x onerror=alert(2)> **粗体**", 1)
    user = page.locator("#qa-chat .message-row.user-row").first
    assert (
        "<script>alert(1)</script>" in user.inner_text()
        and "**粗体**" in user.inner_text()
    )
    assert user.locator("img, script, strong").count() == 0 and dialogs == []


def test_search_with_a_region_filter_lists_clauses(ready):
    page = ready
    page.get_by_role("tab", name="查条款").click()
    page.fill("#search-query textarea", "创业担保贷款")
    page.locator("#search-region input").fill("广州市")
    page.keyboard.press("Enter")
    t0 = time.perf_counter()
    page.click("#search-go")
    rows = page.locator("#search-results .lk-row")
    page.locator("#search-results .lk-row", has_text="穗人社函").first.wait_for(
        timeout=10_000
    )
    elapsed = time.perf_counter() - t0
    regions = [
        r.locator(".lk-where").inner_text().split(" · ")[0] for r in rows.all()[:5]
    ]
    assert regions[0] == "广州市" and all(
        r in ("广州市", "广东省", "全国") for r in regions
    ), regions
    print(f"\nsearch through the UI: {elapsed * 1000:.0f} ms; regions: {regions}")
    assert elapsed < 1.5, elapsed
    where = rows.nth(1).locator(".lk-where").inner_text()
    rows.nth(1).click()
    pane = page.locator("#search-results .lk-pane:not([hidden])")
    assert pane.locator("textarea").input_value().startswith("根据" + regions[1])
    assert where.split(" · ")[1] in pane.locator(".qa-card").inner_text()
    _shot(page, "search-tab.png", full_page=True)


def test_documents_tab_and_deep_link(ready, server):
    page = ready
    page.get_by_role("tab", name="文件").click()
    assert page.locator("#docs-table [role=row]").count() >= 5
    page.locator("#docs-doc input").click()
    page.get_by_role("option", name=re.compile("上海市")).click()
    page.locator("#docs-view .doc-h").first.wait_for()
    assert "二、工作举措" in page.locator("#docs-view").inner_text()
    assert page.locator("#docs-view .doc-nav details[open] li").count() >= 5  # contents
    _shot(page, "documents-tab.png", full_page=True)
    page.goto(f"{server}?doc=shanghai-2023-162&at=2500")
    target = page.locator("#docs-view section.target")
    target.wait_for(timeout=10_000)
    assert "创业政策扶持" in target.inner_text()


def test_phone_layout(page, server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    _ask(page, "宝妈在肇庆有什么就业支持？", 1)
    assert "肇庆市" in page.locator("#qa-chat .message-row.bot-row").first.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"page scrolls sideways on a phone: {width}px"
    _shot(page, "phone.png")


def test_page_opens_while_the_index_builds(page, real_pipeline):
    from qa.app import create_app, launch

    release = threading.Event()

    def loader(status):
        status("正在建立索引…")
        release.wait(30)
        return real_pipeline

    demo = create_app(loader)
    try:
        page.goto(launch(demo, port=_free_port(), block=False))
        page.get_by_text("正在建立索引").wait_for(timeout=15_000)
        _shot(page, "loading.png")
        release.set()
        page.locator(".qa-status").wait_for(state="hidden", timeout=15_000)
        page.locator("#qa-region input").click()
        page.get_by_role("option", name="上海市").wait_for(timeout=5_000)
    finally:
        release.set()
        demo.close()
