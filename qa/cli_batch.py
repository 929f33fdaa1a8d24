"""``qa ask --jsonl``: one output line for every input line, whatever the line holds.

The input is read as bytes and split on ``\\n``; each line is decoded on its own (a
UTF-8 BOM on line 1 and a trailing ``\\r`` are dropped), so one bad line — invalid
UTF-8, not JSON, not an object, a non-string ``question`` or ``region``, a malformed
``history`` — gives one ``ok: false`` record naming its line number, and the batch goes on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from qa.errors import QueryError
from qa.retrieval.query import check_history, check_region
from qa.terminal import dumps, no_surrogates
from qa.types import answer_json

BOM = b"\xef\xbb\xbf"
# The id of a line whose id could not be read: the record carries the line number.
NO_ID: Any = object()
# A longer line is reported as bad without being held in memory.
MAX_LINE_BYTES = 1_000_000
# Integers with more digits than Python converts by default stay text (as ids).
_MAX_INT_DIGITS = 4000
_KINDS = {
    dict: "对象",
    list: "列表",
    str: "文字",
    int: "数字",
    float: "数字",
    bool: "布尔值",
    type(None): "null",
}


@dataclass(frozen=True)
class Item:
    """One readable input line: what ``Pipeline.ask`` gets."""

    line: int
    id: Any
    question: str
    region: str | None = None
    history: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BadLine:
    """An input line that cannot be asked, with what could be read of it."""

    line: int
    message: str
    id: Any = NO_ID
    question: str = ""


@dataclass
class Tally:
    """What the batch did, for the summary on stderr and the exit status."""

    answered: int = 0
    refused: int = 0
    bad: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.refused + self.bad

    def summary(self) -> str:
        return (
            f"批量完成：共 {self.total} 行，已回答 {self.answered}，"
            f"拒答 {self.refused}，无效 {self.bad}。"
        )


def answer_line(ans, *, id_=None) -> dict:
    """One answer as printed by ``qa ask --json`` / ``--jsonl``: its id, then the
    shared answer JSON (:func:`qa.types.answer_json`)."""
    return {"id": id_, **answer_json(ans)}


class ByteLines(Protocol):
    """What the batch reads from: a binary file, or stdin's buffer."""

    def readline(self, limit: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


def open_input(path: str) -> ByteLines:
    """The batch input as bytes (``-`` = stdin); raises OSError before any model loads."""
    if path == "-":
        return _Borrowed(sys.stdin.buffer)
    return open(path, "rb")  # noqa: SIM115 - closed by run()


class _Borrowed:
    """stdin's binary buffer, left open when the batch ends."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw

    def readline(self, limit: int = -1, /) -> bytes:
        return self.raw.readline(limit)

    def close(self) -> None:
        pass


def lines(stream: ByteLines) -> Iterator[tuple[int, bytes | None]]:
    """(line number, raw bytes without the newline), or None for an over-long line."""
    n = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        n += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            _skip_rest(stream)
            yield n, None
            continue
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        yield n, raw.removeprefix(BOM) if n == 1 else raw


def _skip_rest(stream: ByteLines) -> None:
    """Read past the end of the current line without keeping it."""
    while chunk := stream.readline(MAX_LINE_BYTES):
        if chunk.endswith(b"\n"):
            return


def parse(n: int, raw: bytes | None) -> Item | BadLine | None:
    """The item of one input line, a :class:`BadLine`, or None for a blank line."""
    if raw is None:
        return BadLine(n, f"第 {n} 行太长（超过 {MAX_LINE_BYTES} 字节）。")
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _undecodable(n, raw, exc)
    try:
        data = _loads(text)
    except RecursionError:
        return BadLine(n, f"第 {n} 行的 JSON 嵌套太深。")
    except ValueError as exc:
        col = (
            f"（第 {exc.colno} 个字符处）"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        return BadLine(n, f"第 {n} 行不是有效的 JSON{col}。")
    return _item(n, data)


def _loads(text: str) -> Any:
    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def integer(s: str) -> int | str:
        return int(s) if len(s) <= _MAX_INT_DIGITS else s

    def number(s: str) -> float | str:
        value = float(s)
        return value if value not in (float("inf"), float("-inf")) else s

    return json.loads(
        text, parse_constant=constant, parse_int=integer, parse_float=number
    )


def _undecodable(n: int, raw: bytes, exc: UnicodeDecodeError) -> BadLine:
    """A line that is not UTF-8; its id is still echoed when the rest can be read."""
    id_ = NO_ID
    try:
        data = _loads(raw.decode("utf-8", "replace"))
        id_ = data.get("id", NO_ID) if isinstance(data, dict) else NO_ID
    except (ValueError, RecursionError):
        pass
    byte = raw[exc.start]
    hint = "（文件似乎是 UTF-16 编码）" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
    return BadLine(
        n,
        f"第 {n} 行不是有效的 UTF-8 文本：第 {exc.start + 1} 个字节 0x{byte:02X} 无法解码"
        f"{hint}，请把文件保存为 UTF-8。",
        id=id_,
    )


def _item(n: int, data: Any) -> Item | BadLine:
    if not isinstance(data, dict):
        kind = _KINDS.get(type(data), type(data).__name__)
        return BadLine(n, f"第 {n} 行应为 JSON 对象（{{…}}），收到的是{kind}。")
    id_ = data.get("id", n)
    if "question" not in data:
        return BadLine(n, f"第 {n} 行缺少 question 字段。", id=id_)
    question = data["question"]
    if not isinstance(question, str):
        kind = _KINDS.get(type(question), type(question).__name__)
        return BadLine(n, f"第 {n} 行的 question 应为文字，收到的是{kind}。", id=id_)
    question = no_surrogates(question)
    try:
        region = check_region(data.get("region"))
        history = check_history(data.get("history"))
    except QueryError as exc:
        return BadLine(n, f"第 {n} 行：{exc}", id=id_, question=question)
    return Item(
        n,
        id_,
        question,
        region=no_surrogates(region) if region else None,
        history=[{**m, "content": no_surrogates(m["content"])} for m in history],
    )


def bad_record(bad: BadLine) -> dict:
    """The output record of an input line that could not be asked."""
    return {
        "id": bad.line if bad.id is NO_ID else bad.id,
        "line": bad.line,
        "ok": False,
        "error": bad.message,
        "code": "bad_input",
        "reason": "bad_input",
        "question": bad.question,
        "answered": False,
        "answer": bad.message,
        "headline": "",
        "region": "",
        "notice": "",
        "citations": [],
        "related": [],
        "latency_ms": 0.0,
    }


def answer_record(item: Item, ans) -> dict:
    """The output record of an asked line; a rejected question names its line."""
    record = {"id": item.id, "line": item.line, **answer_json(ans)}
    if not record["ok"]:
        record["error"] = f"第 {item.line} 行：{record['error']}"
    return record


def run(pipeline, stream: ByteLines, *, debug: bool = False) -> Tally:
    """Ask every line of ``stream``, printing one JSON line each; the summary is the
    caller's. An unexpected failure on one line is reported on that line (unless
    ``debug``) and the batch goes on."""
    tally = Tally()
    try:
        for n, raw in lines(stream):
            parsed = parse(n, raw)
            if parsed is None:
                continue
            record = _record(pipeline, parsed, debug=debug)
            if not record["ok"]:
                tally.bad += 1
            elif record["answered"]:
                tally.answered += 1
            else:
                tally.refused += 1
            say_json(record, line=n)
    finally:
        stream.close()
    return tally


def _record(pipeline, parsed: Item | BadLine, *, debug: bool) -> dict:
    if isinstance(parsed, BadLine):
        return bad_record(parsed)
    try:
        ans = pipeline.ask(
            parsed.question, region=parsed.region, history=parsed.history
        )
    except Exception as exc:  # one line's failure must not end the batch
        if debug:
            raise
        message = f"第 {parsed.line} 行处理失败（{type(exc).__name__}：{exc}）。"
        return {
            **bad_record(BadLine(parsed.line, message, id=parsed.id)),
            "code": "error",
            "reason": "error",
        }
    return answer_record(parsed, ans)


def say_json(data: dict, *, line: int) -> None:
    """One JSON line on stdout, flushed (a reader sees each answer as it comes); a
    record that cannot be written as JSON (an id nested too deep) is replaced by the
    bad-line record of its line."""
    try:
        text = dumps(data)
    except (RecursionError, TypeError, ValueError):
        message = f"第 {line} 行的 id 无法写成 JSON。"
        text = dumps(bad_record(BadLine(line, message, id=line)))
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


__all__ = ["Tally", "answer_line", "open_input", "run"]
