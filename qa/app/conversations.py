"""The 问答 tab's conversations, follow-up suggestions and ratings: no gradio here.

The conversations live in the browser (a ``gr.BrowserState``) as one JSON-friendly dict:
``{"current": id, "conversations": [conversation, …]}``, newest first. Each conversation
keeps its messages (as shown), the history sent with follow-ups, the region it is scoped
to, and per answer what a rating must store (question, answer, citations).
"""

from __future__ import annotations

import re
import uuid

from qa.app.handlers import AUTO, CHAT_SHOWN_MESSAGES
from qa.app.lazy import LazyPipeline
from qa.errors import QueryError
from qa.feedback import REASONS, Feedback, FeedbackStore, SqliteFeedback, clip
from qa.retrieval.query import check_query

MAX_CONVERSATIONS = 10
TITLE_CHARS = 18
DEPARTMENT_FOLLOW_UP = "这项措施归哪个部门负责？"
_TURN = re.compile(r'data-turn="(\d+)"')
_NUMBERING = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]?\s*")


def empty_store() -> dict:
    return {"current": "", "conversations": []}


def new_conversation() -> dict:
    return {
        "id": uuid.uuid4().hex[:12],
        "title": "新对话",
        "messages": [],
        "history": [],
        "region": AUTO,
        "turns": {},
        "next_turn": 0,
    }


def _valid(store: object) -> dict:
    ok = isinstance(store, dict) and isinstance(store.get("conversations"), list)
    return store if ok else empty_store()  # type: ignore[return-value]


def current(store: object) -> dict:
    """The conversation being shown (a new, unsaved one when there is none)."""
    store = _valid(store)
    for conv in store["conversations"]:
        if conv.get("id") == store["current"]:
            return conv
    return new_conversation()


def put(store: object, conv: dict) -> dict:
    """``store`` with ``conv`` saved first and made current (oldest dropped past the cap)."""
    others = [c for c in _valid(store)["conversations"] if c.get("id") != conv["id"]]
    return {"current": conv["id"], "conversations": [conv, *others][:MAX_CONVERSATIONS]}


def switch(store: object, conv_id: str) -> dict:
    store = _valid(store)
    known = any(c.get("id") == conv_id for c in store["conversations"])
    return {**store, "current": conv_id if known else store["current"]}


def choices(store: object) -> list[tuple[str, str]]:
    """(title, id) of each saved conversation, newest first."""
    return [(c["title"], c["id"]) for c in _valid(store)["conversations"]]


def input_error(question: object) -> str:
    """The Chinese message for a question that must not be sent ("" when it may)."""
    try:
        check_query(question)
    except QueryError as exc:
        return str(exc)
    return ""


def chip_text(region: object) -> str:
    """The region chip: what the conversation is scoped to ("" when nothing is chosen)."""
    if not isinstance(region, str) or region.strip() in ("", AUTO):
        return ""
    return f"按 {region.strip()} 回答 ×"


def finish_turn(conv: dict, state: dict, question: str, region: str) -> dict:
    """The conversation after one answered (or failed) turn."""
    ans, turn = state.get("answer"), conv.get("next_turn", 0)
    turns = dict(conv.get("turns", {}))
    if ans is not None:
        turns[str(turn)] = _turn_record(ans, conv.get("history", []))
    keep = {str(t) for t in range(turn - CHAT_SHOWN_MESSAGES // 2, turn + 1)}
    title = conv["title"] if conv.get("messages") else question.strip()[:TITLE_CHARS]
    return {
        **conv,
        "title": title or "新对话",
        "messages": state["messages"],
        "history": state["history"],
        "region": region if isinstance(region, str) else AUTO,
        "turns": {k: v for k, v in turns.items() if k in keep},
        "next_turn": turn + 1,
    }


def _turn_record(ans, history: list) -> dict:
    cites = ans.citations if ans.answered else ans.related
    return {
        "question": clip(ans.question),
        "answer": clip(ans.text),
        "answered": bool(ans.answered),
        "region": ans.region,
        "history": list(history),
        "citations": [
            {
                "doc_id": c.doc_id,
                "region": c.region,
                "title": c.title,
                "doc_number": c.doc_number,
                "clause": c.clause,
                "quote": c.quote,
            }
            for c in cites
        ],
    }


def suggestions(pipeline, ans) -> list[str]:
    """2–3 follow-up questions from the cited clauses and the answer's region."""
    if ans is None or ans.error:
        return []
    cites = ans.citations or ans.related
    top = cites[0] if cites else None
    out = []
    if ans.answered and top is not None and top.departments:
        out.append(DEPARTMENT_FOLLOW_UP)
    parent = _parent(pipeline, ans.region)
    if parent:
        out.append(f"{parent}的规定呢？")
    for heading in _neighbour_headings(pipeline, top) if top is not None else ():
        out.append(f"那{heading}呢？" if "“" in heading else f"那“{heading}”呢？")
    return out[:3]


def _parent(pipeline, region: str) -> str:
    gazetteer = getattr(getattr(pipeline, "retriever", None), "gazetteer", None)
    if gazetteer is None or not region or region not in gazetteer:
        return ""
    chain = gazetteer.chain(region)
    return chain[1] if len(chain) > 1 else ""


def _neighbour_headings(pipeline, cite) -> list[str]:
    """The headings of the measures after (then before) the cited one, same document."""
    pieces = sorted(pipeline.chunks_of(cite.doc_id), key=lambda c: (c.start, -c.end))
    here = next((c for c in pieces if c.start <= cite.start < c.end), None)
    if here is None:
        return []
    after = [c for c in pieces if c.start >= here.end]
    before = [c for c in reversed(pieces) if c.end <= here.start]
    out: list[str] = []
    for c in after + before:
        if c.kind != here.kind or c.clause_path == here.clause_path:
            continue
        heading = _NUMBERING.sub("", c.clause_path[-1]).strip(" 。：:")
        if 2 <= len(heading) <= 24 and heading not in out:
            out.append(heading)
        if len(out) == 2:
            break
    return out


def rated_turn(value: object) -> int | None:
    """The turn number a rated message carries (``data-turn`` in its HTML)."""
    m = _TURN.search(str(value))
    return int(m.group(1)) if m else None


def feedback_of(conv: dict, turn: int, liked: object) -> Feedback | None:
    """The record for a 👍 (True), 👎 (False) or a reason (one of REASONS) on ``turn``."""
    seen = conv.get("turns", {}).get(str(turn))
    if seen is None:
        return None
    reason = liked if isinstance(liked, str) and liked in REASONS else ""
    thumbs_up = liked is True or liked == "Like"
    return Feedback(
        conversation_id=str(conv["id"]),
        turn=turn,
        question=seen["question"],
        liked=thumbs_up and not reason,
        reason=reason,
        answer=seen["answer"],
        answered=seen["answered"],
        region=seen["region"],
        citations=tuple(seen["citations"]),
        history=tuple(seen["history"]),
    )


_STORES: dict[str, FeedbackStore] = {}


def feedback_store(lazy: LazyPipeline) -> FeedbackStore | None:
    """The store configured for the loaded pipeline (``Config.feedback_file``)."""
    config = getattr(lazy.get(), "config", None)
    if config is None:
        return None
    path = str(config.feedback_file)
    if path not in _STORES:
        _STORES[path] = SqliteFeedback(path)
    return _STORES[path]


def rate(
    store: FeedbackStore | None, browser: object, value: object, liked: object
) -> bool:
    """Record one rating of a message of the current conversation; False when unknown."""
    turn = rated_turn(value)
    item = feedback_of(current(browser), turn, liked) if turn is not None else None
    if store is None or item is None:
        return False
    store.record(item)
    return True
