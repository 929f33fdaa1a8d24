"""Plain handlers shared by the UI and the API: no gradio here.

Each takes a :class:`~qa.app.lazy.LazyPipeline` and returns JSON-friendly data or
rendered HTML; user-facing errors are Chinese messages, never tracebacks.
"""

from __future__ import annotations

import logging
import time

from qa.app.lazy import LazyPipeline, LoadFailed
from qa.app.lookup import results_html, rows_of, terms_of
from qa.app.render import (
    answer_dict,
    answer_html,
    clause_html,
    esc,
    read_aloud,
    search_dict,
)
from qa.errors import QaError, QueryError
from qa.retrieval.query import check_history, check_region

AUTO = "自动识别"


ALL = "全部"


SEARCH_K = 20


INTERNAL_ERROR = "系统出错，未能完成本次查询，请稍后再试；也可拨打12333人力资源社会保障服务热线咨询。"


# The chat keeps only its last turns as context for follow-ups (the API bounds history
# at qa.retrieval.query.MAX_HISTORY_*): a long conversation never grows past them.
CHAT_CONTEXT_MESSAGES = 6
CHAT_CONTEXT_CHARS = 6_000
# Messages kept on screen (each answer carries its citation cards).
CHAT_SHOWN_MESSAGES = 40
MAX_FILTER_CHARS = 100
MAX_K = 100


# -- handlers (plain functions over a LazyPipeline; the UI and the API share them) -------
def _region_arg(region: str | None) -> str | None:
    region = region.strip() if isinstance(region, str) else region
    return None if region in ("", AUTO, ALL) else region


def _shown(text: object) -> str:
    """The start of the question echoed back (never a huge or non-string value)."""
    return text[:200] if isinstance(text, str) else ""


def api_ask(
    lazy: LazyPipeline,
    question: str,
    region: str | None = None,
    history: list | None = None,
) -> dict:
    """/ask: the answer with its citations; bad input gives ok=False, code=bad_input.

    The history is checked (bounded) first, before any other work on the request.
    """
    try:
        context = check_history(history)
        p = lazy.get()
        ans = p.ask(question, region=_region_arg(region), history=context)
        return answer_dict(p, ans)
    except Exception as exc:  # noqa: BLE001 - a message for the user, the traceback to the log
        message, code = _user_error(exc)
        return {
            "ok": False,
            "error": message,
            "code": code,
            "reason": code,
            "question": _shown(question),
            "answered": False,
            "answer": message,
            "headline": "",
            "region": "",
            "notice": "",
            "citations": [],
            "related": [],
            "latency_ms": 0.0,
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
    try:
        p, result = _search(lazy, query, region, level, doc_id, topic, k)
        return {**search_dict(p, result), "code": ""}
    except Exception as exc:  # noqa: BLE001
        return _search_error(exc, query)


def _search(lazy: LazyPipeline, query, region, level, doc_id, topic, k):
    """(pipeline, SearchResult) with the filters checked; raises on bad input."""
    named = (("level", level), ("doc_id", doc_id), ("topic", topic))
    filters = {name: _filter(name, value) for name, value in named}
    region = check_region(_region_arg(region))
    p = lazy.get()
    return p, p.search(query, region=region, k=_k(k), **filters)


def _search_error(exc: Exception, query: object) -> dict:
    message, code = _user_error(exc)
    return {
        "ok": False,
        "error": message,
        "code": code,
        "query": _shown(query),
        "scopes": [],
        "notes": [],
        "hits": [],
    }


def _filter(name: str, value: object) -> str | None:
    if value in ("", ALL, None):
        return None
    if not isinstance(value, str) or len(value) > MAX_FILTER_CHARS:
        raise QueryError(f"筛选条件 {name} 应为简短文字。")
    return value


def _k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not 1 <= k <= MAX_K:
        raise QueryError(f"k 应为 1 到 {MAX_K} 之间的整数。")
    return int(k)


def _user_error(exc: Exception) -> tuple[str, str]:
    """(Chinese message, code): bad input and loading are for users; the rest is logged."""
    if isinstance(exc, QaError):
        return str(exc), "bad_input"
    if isinstance(exc, (TimeoutError, LoadFailed)):
        return str(exc), "unavailable"
    logging.getLogger(__name__).exception("request failed")
    return INTERNAL_ERROR, "internal"


def _chat_context(history: list[dict]) -> list[dict]:
    """The last few turns, within a character budget (oldest dropped first)."""
    kept = history[-CHAT_CONTEXT_MESSAGES:]
    while kept and sum(len(m["content"]) for m in kept) > CHAT_CONTEXT_CHARS:
        kept = kept[1:]
    return kept


def chat_turn(
    lazy: LazyPipeline, question: str, region: str, state: dict, *, turn: int = -1
):
    """Generator for the 问答 tab: show the question at once, then the answer and its cards.

    The last step's state carries ``"answer"``: the Answer shown (None after an error).
    """
    state = {
        "messages": list(state["messages"])[-CHAT_SHOWN_MESSAGES:],
        "history": _chat_context(list(state["history"])),
    }
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
    ans = None
    try:
        p = lazy.get()
        region_arg = None if names_a_place(p, question) else _region_arg(region)
        ans = p.ask(question, region=region_arg, history=state["history"])
        reply = answer_html(p, ans, turn=turn)
        if not ans.error:
            state["history"] = _chat_context(
                state["history"]
                + [
                    {"role": "user", "content": question.strip()},
                    {"role": "assistant", "content": ans.text},
                ]
            )
    except Exception as exc:  # noqa: BLE001
        reply = f'<div class="qa-notice">{esc(_user_error(exc)[0])}</div>'
    state["messages"].append({"role": "assistant", "content": reply})
    yield state["messages"], {**state, "answer": ans}, ""


def names_a_place(pipeline, question: object) -> bool:
    """Whether the question names a region the gazetteer knows (then the chosen region
    must not override it: 选了番禺区，问“上海呢” is answered for 上海市)."""
    gazetteer = getattr(getattr(pipeline, "retriever", None), "gazetteer", None)
    if gazetteer is None or not isinstance(question, str):
        return False
    return bool(gazetteer.resolve(question))


def lookup(lazy: LazyPipeline, query, region, level, doc_id, topic) -> dict:
    """/search's payload plus, per hit, its cosine and BM25 signals and the query terms."""
    try:
        p, result = _search(lazy, query, region, level, doc_id, topic, SEARCH_K)
    except Exception as exc:  # noqa: BLE001
        return _search_error(exc, query)
    out = search_dict(p, result)
    for h in out["hits"]:
        cos, bm25 = result.signals.get(h["chunk_id"], (None, None))
        h["cosine"], h["bm25"] = cos, bm25
    tokens: list[str] = getattr(p.retriever, "tokens", lambda _: [])(result.query)
    out["terms"] = terms_of(tokens, result.expanded)
    return out


def search_table(lazy: LazyPipeline, query, region, level, doc_id, topic):
    """The 查条款 tab: (result rows, hits, notes HTML, first clause HTML, first reply).

    Rows are the relevant hits only (relevance 高/中/低), pieces of one clause and
    identical clauses grouped; no row means "没有找到相关条款".
    """
    t0 = time.perf_counter()
    out = lookup(lazy, query, region, level, doc_id, topic)
    ms = (time.perf_counter() - t0) * 1000
    if not out["ok"]:
        return [], [], f'<div class="qa-notice">{esc(out["error"])}</div>', "", ""
    notes = "".join(f'<div class="qa-notice">{esc(n)}</div>' for n in out["notes"])
    rows = rows_of(out["hits"], out["terms"])
    info = (
        f'<div class="qa-meta">共 {len(rows)} 条相关条款 · 用时 {ms:.0f} 毫秒 · '
        "按 / 搜索，↑↓ 选择，回车打开，C 复制答复</div>"
    )
    first = rows[0]["hit"] if rows else None
    return (
        rows,
        [r["hit"] for r in rows],
        notes + (info if rows else ""),
        clause_html(first) if first else "",
        read_aloud(first) if first else "",
    )


def search_view(lazy: LazyPipeline, query, region, level, doc_id, topic) -> str:
    """The 查条款 results as one HTML block: the list and its detail pane, or a message.

    An empty query shows a hint rather than an error (filters run the search on change).
    """
    if not (isinstance(query, str) and query.strip()):
        return '<div class="lk"><div class="qa-meta">请输入关键词或问题后检索。</div></div>'
    t0 = time.perf_counter()
    out = lookup(lazy, query, region, level, doc_id, topic)
    if not out["ok"]:
        return f'<div class="lk"><div class="qa-notice">{esc(out["error"])}</div></div>'
    ms = (time.perf_counter() - t0) * 1000
    notes = "".join(f'<div class="qa-notice">{esc(n)}</div>' for n in out["notes"])
    rows = rows_of(out["hits"], out["terms"])
    info = (
        f'<div class="qa-meta lk-info">共 {len(rows)} 条相关条款 · 用时 {ms:.0f} 毫秒 · '
        "按 / 搜索，↑↓ 选择，回车打开，C 复制答复</div>"
    )
    return results_html(rows, notes=notes, info=info)
