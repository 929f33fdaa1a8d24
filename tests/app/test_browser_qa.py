"""The 问答 tab in a real headless Chromium with the real pipeline: a three-turn
conversation on a phone and a laptop, clean copy, 👎 with a reason exported as gold data,
新对话 and the region chip, conversations kept over a reload, bad input kept in the box."""

from __future__ import annotations

import json

import pytest
from test_browser import (  # noqa: F401  (pytest fixtures shared with the other browser tests)
    ARTIFACTS,
    browser_context_args,
    browser_type_launch_args,
    pytestmark,
    server,
)


def _open(page, server, width: int = 1366):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 768})
    page.goto(server)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    return page


def _bot(page, n: int):
    return page.locator("#qa-chat .message-row.bot-row").nth(n - 1)


def _wait_answer(page, n: int) -> None:
    _bot(page, n).locator("button.qa-copy").wait_for(timeout=30_000)


def _ask(page, question: str, n: int) -> None:
    page.fill("#qa-question textarea", question)
    page.click("#qa-send")
    _wait_answer(page, n)


def _choose_region(page, name: str) -> None:
    box = page.locator("#qa-region input")
    box.click()
    box.fill(name)
    page.get_by_role("option", name=name, exact=True).first.click()
    page.locator("#qa-chip").wait_for(state="visible", timeout=10_000)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.mark.parametrize("width", [390, 1366])
def test_three_turns_with_a_starter_a_suggestion_and_a_typed_question(
    page,
    server,  # noqa: F811
    width,
):
    page = _open(page, server, width)
    page.locator("#qa-starters button", has_text="宝妈在肇庆").click()  # sends at once
    _wait_answer(page, 1)
    first = _bot(page, 1)
    assert first.locator(".qa-headline").count() == 1
    assert "肇庆市" in first.locator(".qa-card .qa-badge").first.inner_text()
    suggestion = page.locator("#qa-suggest button:visible").first
    asked = suggestion.inner_text()
    suggestion.click()
    _wait_answer(page, 2)
    assert asked in page.locator("#qa-chat .message-row.user-row").nth(1).inner_text()
    _ask(page, "那上海呢？", 3)
    assert "上海市" in _bot(page, 3).inner_text()
    # The page is the one scrolling area: no nested scroll box around the chat.
    nested = page.evaluate(
        """() => [...document.querySelectorAll('#qa-chat, #qa-chat *')].filter(e => {
             const s = getComputedStyle(e); return /(auto|scroll)/.test(s.overflowY)
               && e.scrollHeight > e.clientHeight + 2; }).length"""
    )
    assert nested == 0
    width_px = page.evaluate("document.documentElement.scrollWidth")
    assert width_px <= width + 2, f"page scrolls sideways: {width_px}px"
    _shot(page, f"qa-conversation-{width}.png")


def test_copy_gives_clean_text(page, server):  # noqa: F811
    page = _open(page, server)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _ask(page, "广州和上海的创业培训有什么不同？", 1)
    _bot(page, 1).locator("button.qa-copy").click()
    page.wait_for_function("window.qaCopied !== undefined")
    copied = page.evaluate("window.qaCopied")
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard == copied
    assert "<" not in copied and "&#" not in copied and "qa-" not in copied
    assert "「" in copied and "《" in copied and "\n1. " in copied


def test_thumbs_down_with_a_reason_reaches_the_export(
    page,
    server,  # noqa: F811
    real_pipeline,
    tmp_path,
    monkeypatch,
):
    from qa.cli import main

    page = _open(page, server)
    _ask(page, "番禺区大学生创业有什么补贴？", 1)
    chat = page.locator("#qa-chat")  # the rating icons sit under the answer's row
    chat.get_by_label("踩").last.click()
    chat.get_by_label("Feedback").last.click()
    page.locator("button.extra-feedback-option", has_text="地区不对").click()
    out = tmp_path / "feedback.jsonl"
    monkeypatch.setenv("QA_FEEDBACK_PATH", str(real_pipeline.config.feedback_file))
    line: dict = {}
    for _ in range(50):  # the rating is stored by a background event
        assert main(["feedback", "export", "--jsonl", "--out", str(out)]) == 0
        lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        line = next((x for x in lines if x["question"].startswith("番禺区大学生")), {})
        if line.get("feedback", {}).get("reason") == "地区不对":
            break
        page.wait_for_timeout(200)
    assert line["feedback"]["reason"] == "地区不对" and not line["feedback"]["liked"]
    assert line["feedback"]["citations"] and line["feedback"]["answer"]
    assert {"id", "question", "type", "expected_regions", "evidence"} <= set(line)


def test_new_conversation_clears_the_chip_and_reload_keeps_the_list(page, server):  # noqa: F811
    page = _open(page, server)
    _choose_region(page, "广州市")
    assert "按 广州市 回答" in page.locator("#qa-chip").inner_text()
    _ask(page, "大学生创业有什么补贴？", 1)
    page.click("#qa-clear")  # 新对话
    page.locator("#qa-chip").wait_for(state="hidden", timeout=10_000)
    assert page.input_value("#qa-region input") == "自动识别"
    page.wait_for_function(
        "document.querySelectorAll('#qa-chat .message-row').length === 0"
    )
    _ask(page, "上海的创业培训有什么规定？", 1)
    assert "上海市" in _bot(page, 1).inner_text()  # not scoped to 广州市 any more
    page.reload()
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    history = page.locator("#qa-history")
    history.get_by_text("大学生创业有什么补贴").wait_for(timeout=10_000)
    assert history.get_by_text("上海的创业培训").count() == 1
    _wait_answer(page, 1)  # the current conversation is shown again
    history.get_by_text("大学生创业有什么补贴").click()
    page.wait_for_function(
        "[...document.querySelectorAll('#qa-chat .user-row')].some(e => e.innerText.includes('大学生创业'))"
    )


def test_a_region_named_in_the_question_wins_over_the_chip(page, server):  # noqa: F811
    page = _open(page, server)
    _choose_region(page, "广州市")
    _ask(page, "上海的创业培训有什么规定？", 1)
    assert "上海市" in _bot(page, 1).locator(".qa-card").first.inner_text()


@pytest.mark.parametrize(
    ("text", "message"), [("", "请输入"), ("长" * 630, "问题太长")]
)
def test_bad_input_stays_in_the_box(page, server, text, message):  # noqa: F811
    page = _open(page, server)
    page.fill("#qa-question textarea", text)
    page.click("#qa-send")
    page.locator("#qa-input-error .qa-notice").wait_for(timeout=10_000)
    assert message in page.locator("#qa-input-error").inner_text()
    assert page.input_value("#qa-question textarea") == text
    assert page.locator("#qa-chat .message-row").count() == 0
