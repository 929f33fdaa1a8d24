"""Plain handlers shared by the UI and the API: no gradio here.

Each takes a :class:`~qa.app.lazy.LazyPipeline` and returns JSON-friendly data or
rendered HTML; user-facing errors are Chinese messages, never tracebacks.
"""

from __future__ import annotations

import logging
import time

from qa.app.lazy import LazyPipeline, LoadFailed
from qa.app.render import (
    answer_dict,
    answer_html,
    clause_html,
    esc,
    hit_row,
    read_aloud,
    search_dict,
)
from qa.conversation import plain_history
from qa.errors import QaError

AUTO = "自动识别"


ALL = "全部"


SEARCH_K = 20


INTERNAL_ERROR = "系统出错，未能完成本次查询，请稍后再试；也可拨打12333人力资源社会保障服务热线咨询。"


# -- handlers (plain functions over a LazyPipeline; the UI and the API share them) -------
def _region_arg(region: str | None) -> str | None:
    region = (region or "").strip()
    return None if region in ("", AUTO, ALL) else region


def api_ask(
    lazy: LazyPipeline,
    question: str,
    region: str | None = None,
    history: list | None = None,
) -> dict:
    """/ask: the answer with its citations; a bad question gives ok=False and a Chinese error."""
    try:
        p = lazy.get()
        ans = p.ask(
            question, region=_region_arg(region), history=plain_history(history)
        )
        return answer_dict(p, ans)
    except Exception as exc:  # noqa: BLE001 - a message for the user, the traceback to the log
        return {
            "ok": False,
            "error": _user_error(exc),
            "question": str(question)[:500],
            "citations": [],
            "related": [],
        }


def api_search(
    lazy: LazyPipeline,
    query: str,
    region: str | None = None,
    level: str | None = None,
    doc_id: str | None = None,
    topic: str | None = None,
    k: int = SEARCH_K,
) -> dict:
    """/search: ranked clauses; filters are optional ("" or 全部 = no filter)."""
    none = ("", ALL, None)
    try:
        p = lazy.get()
        result = p.search(
            query,
            region=_region_arg(region),
            k=int(k),
            level=None if level in none else level,
            doc_id=None if doc_id in none else doc_id,
            topic=None if topic in none else topic,
        )
        return search_dict(p, result)
    except Exception as exc:  # noqa: BLE001
        return {
            "ok": False,
            "error": _user_error(exc),
            "query": str(query)[:500],
            "notes": [],
            "hits": [],
        }


def _user_error(exc: Exception) -> str:
    """QueryError and loading messages are for users; anything else is logged, not shown."""
    if isinstance(exc, (QaError, TimeoutError, LoadFailed)):
        return str(exc)
    logging.getLogger(__name__).exception("request failed")
    return INTERNAL_ERROR


def chat_turn(lazy: LazyPipeline, question: str, region: str, state: dict):
    """Generator for the 问答 tab: show the question at once, then the answer and its cards."""
    state = {"messages": list(state["messages"]), "history": list(state["history"])}
    shown = question.strip() if isinstance(question, str) else ""
    shown = esc(
        shown if len(shown) <= 600 else shown[:600] + "…"
    )  # the full text is not echoed
    state["messages"].append({"role": "user", "content": f"<div>{shown}</div>"})
    yield (
        state["messages"] + [{"role": "assistant", "content": "正在查找相关文件…"}],
        state,
        "",
    )
    try:
        p = lazy.get()
        ans = p.ask(question, region=_region_arg(region), history=state["history"])
        reply = answer_html(p, ans)
        state["history"] += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": ans.text},
        ]
    except Exception as exc:  # noqa: BLE001
        reply = f'<div class="qa-notice">{esc(_user_error(exc))}</div>'
    state["messages"].append({"role": "assistant", "content": reply})
    yield state["messages"], state, ""


def search_table(lazy: LazyPipeline, query, region, level, doc_id, topic):
    """The 查条款 tab: rows for the table, the hits kept for row selection, and notes."""
    t0 = time.perf_counter()
    out = api_search(lazy, query, region, level, doc_id, topic)
    ms = (time.perf_counter() - t0) * 1000
    if not out["ok"]:
        return [], [], f'<div class="qa-notice">{esc(out["error"])}</div>', "", ""
    notes = "".join(f'<div class="qa-notice">{esc(n)}</div>' for n in out["notes"])
    info = f'<div class="qa-meta">共 {len(out["hits"])} 条 · 用时 {ms:.0f} 毫秒 · 点击一行查看全文</div>'
    first = out["hits"][0] if out["hits"] else None
    return (
        [hit_row(h) for h in out["hits"]],
        out["hits"],
        notes + info,
        clause_html(first) if first else "",
        read_aloud(first) if first else "",
    )
