"""👍/👎 feedback on web answers, kept on this machine, exported as gold-set lines.

:class:`FeedbackStore` is the interface the web app writes through; :class:`SqliteFeedback`
keeps it in one local SQLite file (nothing leaves the machine). A server database can
replace it by implementing the same two methods. :func:`gold_line` turns one record into
the format of ``eval/gold.jsonl`` plus a ``"feedback"`` object, so feedback becomes
evaluation data.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

# The reasons a user may give with a 👎 (or a 👍), shown as chips in the UI.
REASONS = ("答非所问", "地区不对", "引用不对", "应该回答", "不该回答", "其他")
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer, with what the user saw."""

    conversation_id: str
    turn: int
    question: str
    liked: bool
    reason: str = ""
    answer: str = ""
    answered: bool = False
    region: str = ""
    # [{"doc_id", "region", "title", "doc_number", "clause", "quote"}, …]
    citations: tuple[dict, ...] = ()
    # The earlier turns: [{"role", "content"}, …]
    history: tuple[dict, ...] = ()
    created: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )

    def __post_init__(self) -> None:
        if self.reason and self.reason not in REASONS:
            raise ValueError(f"未知的反馈原因：{self.reason!r}")
        if not self.conversation_id or self.turn < 0:
            raise ValueError("反馈缺少对话编号或轮次。")


class FeedbackStore(Protocol):
    """Where feedback goes: one record per (conversation, turn), the latest wins."""

    def record(self, item: Feedback) -> None: ...

    def all(self) -> Iterator[Feedback]: ...


_SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
  conversation_id TEXT NOT NULL, turn INTEGER NOT NULL, created TEXT NOT NULL,
  record TEXT NOT NULL, PRIMARY KEY (conversation_id, turn))"""


class SqliteFeedback:
    """A :class:`FeedbackStore` in one SQLite file (created with its folder on first write)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(_SCHEMA)
        return conn

    def record(self, item: Feedback) -> None:
        row = json.dumps(asdict(item), ensure_ascii=False)
        with self._lock, self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?)",
                (item.conversation_id, item.turn, item.created, row),
            )
        conn.close()

    def all(self) -> Iterator[Feedback]:
        if not self.path.exists():
            return iter(())
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT record FROM feedback ORDER BY created, conversation_id, turn"
            ).fetchall()
        finally:
            conn.close()
        return iter([_from_json(r[0]) for r in rows])


def _from_json(text: str) -> Feedback:
    data = json.loads(text)
    data["citations"] = tuple(data.get("citations", ()))
    data["history"] = tuple(data.get("history", ()))
    return Feedback(**data)


def clip(text: object) -> str:
    """A bounded string (a rating never stores a huge value)."""
    return text[:MAX_TEXT] if isinstance(text, str) else ""


def gold_line(item: Feedback, *, number: int) -> dict:
    """One feedback record in the gold-set format, plus what the user said."""
    regions = sorted({c.get("region", "") for c in item.citations} - {""})
    if item.region:
        regions = [item.region]
    good = item.liked and not item.reason
    evidence = [
        {"doc_id": c.get("doc_id", ""), "text": c.get("quote", "")}
        for c in item.citations
        if good
    ]
    answerable: bool | None = _answerable(item)
    return {
        "id": f"fb{number:04d}",
        "question": item.question,
        "type": "feedback",
        "expected_regions": regions if good or item.reason != "地区不对" else [],
        "evidence": evidence,
        "key_facts": [],
        "answerable": answerable,
        "fallback": False,
        "feedback": {
            "liked": item.liked,
            "reason": item.reason,
            "answer": item.answer,
            "answered": item.answered,
            "region": item.region,
            "citations": list(item.citations),
            "history": list(item.history),
            "conversation_id": item.conversation_id,
            "turn": item.turn,
            "created": item.created,
        },
    }


def _answerable(item: Feedback) -> bool | None:
    """What the rating says about answerability; None where it says nothing."""
    if item.reason == "应该回答":
        return True
    if item.reason == "不该回答":
        return False
    if item.liked and not item.reason:
        return item.answered
    return None


def export_lines(store: FeedbackStore) -> Sequence[dict]:
    """Every record as a gold-set line, oldest first."""
    return [gold_line(item, number=i) for i, item in enumerate(store.all(), 1)]
