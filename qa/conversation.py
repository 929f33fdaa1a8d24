"""Conversation history: follow-up detection, folding context in, the last answer's quotes.

Shared by the CLI batch (``"history"`` per line) and the web UI; the history arrives
already checked and normalised by :func:`qa.retrieval.query.check_history`.
"""

from __future__ import annotations

import re
from typing import Any

from qa.answer.intent import DEPARTMENT_CUES
from qa.corpus.gazetteer import Gazetteer

_FOLLOWUP_START = re.compile(r"^(那|那么|还有|另外|如果是|要是|换成|换作)")
# Words that point back at what was just discussed ("刚才那个贷款", "这事归谁管").
_POINTS_BACK = re.compile(
    r"这个|那个|这事|这件事|此事|这项|那项|该项|这些|那些|刚才|刚刚|上面|前面说|它的|具体找"
)
_QUOTE = re.compile(r"「([^「」]{4,})」")


def message_text(message: dict[str, Any]) -> str:
    """Text of a chat message whose content is a string or a list of parts (Gradio 6)."""
    content = message.get("content", "")
    if isinstance(content, list):
        return "".join(
            p.get("text", "") if isinstance(p, dict) else str(p) for p in content
        )
    return str(content or "")


def is_followup(question: str) -> bool:
    """A short or elliptical question, or one pointing back, that leans on the last turn."""
    core = re.sub(r"[\s\W]", "", question)
    return (
        bool(_FOLLOWUP_START.match(question.strip()))
        or len(core) <= 8
        or bool(_POINTS_BACK.search(question))
        or bool(DEPARTMENT_CUES.search(question))
        and len(core) <= 14
    )


def last_quotes(history: list[dict[str, Any]]) -> tuple[str, ...]:
    """The 「quotes」 of the last assistant message: the clauses just cited."""
    for m in reversed(history):
        if m.get("role") == "assistant":
            return tuple(dict.fromkeys(_QUOTE.findall(message_text(m))))
    return ()


def effective_query(
    history: list[dict[str, Any]], gazetteer: Gazetteer, *, max_chars: int = 500
) -> str:
    """What the last user turn really asked, its own follow-ups folded in turn by turn.

    "广州的贷款能网上办吗？" → "那辽宁呢？" gives "那辽宁呢？ 的贷款能网上办吗？", so a third
    turn "刚才那个贷款最高能贷多少？" keeps 辽宁 and the loan, not only "那辽宁呢？".
    """
    folded = ""
    for m in history:
        text = message_text(m).strip() if m.get("role") == "user" else ""
        if not text or len(text) > max_chars:
            continue
        if folded and is_followup(text):
            text = _fold(text, folded, gazetteer, max_chars)
        folded = text
    return folded


def contextualize(
    question: str,
    history: list[dict[str, Any]],
    gazetteer: Gazetteer,
    region: str | None = None,
    *,
    max_chars: int = 500,
) -> tuple[str, str | None]:
    """Fold the previous user turn into an elliptical follow-up question.

    "那上海呢？" after "广州开店能贷多少？" searches "开店能贷多少？ 那上海呢？" (region 上海市);
    "需要什么条件？" after "浦东创业担保贷款…" keeps 浦东's region and topic.

    A follow-up is judged on its own length: a previous question too long to have been
    answered is skipped, and the context folded in is cut so the query stays within
    ``max_chars``.

    Returns:
        (query to search, explicit region or None)
    """
    prev = effective_query(history, gazetteer, max_chars=max_chars)
    if not prev or not is_followup(question):
        return question, region
    return _fold(question, prev, gazetteer, max_chars), region


def _fold(question: str, prev: str, gazetteer: Gazetteer, max_chars: int) -> str:
    """``question`` with the previous query's context, within ``max_chars``."""
    room = max(0, max_chars - len(question) - 1)
    if gazetteer.resolve(question):
        kept = prev
        for s, e, _ in reversed(gazetteer.mentions(prev)):
            kept = kept[:s] + kept[e:]
        return f"{question} {kept[:room]}".strip()
    return f"{prev[len(prev) - room :] if room else ''} {question}".strip()
