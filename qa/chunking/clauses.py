"""Clause units under their headings, 责任单位 notes, and sentence-bounded pieces."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.chunking.headings import (
    PREAMBLE,
    heading_rank,
    heading_title,
    inline_items,
    is_heading_only,
)
from qa.chunking.ids import chunk_id
from qa.chunking.lines import Paragraph, strip_span
from qa.types import Chunk, ChunkKind, Document

DEFAULT_MAX_CHARS = 300


_SENTENCE_END = re.compile(r"[。；;！？!?]+[”’」）)]*|\n")


_DEPT_OPEN = {"（": "）", "(": ")", "[": "]", "【": "】"}


@dataclass
class Unit:
    path: tuple[str, ...]
    start: int
    end: int
    kind: ChunkKind


def clause_units(paras: list[Paragraph]) -> list[Unit]:
    """Group paragraphs into clause units; heading-only lines attach to the next unit."""
    units: list[Unit] = []
    stack: list[tuple[int, str]] = []
    pending: int | None = None  # start of heading-only lines waiting for their text
    current: Unit | None = None
    for p in paras:
        if p.after_furniture:
            current = None
        rank = heading_rank(p.text)
        if rank is not None:
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, heading_title(p.text)))
            current = None
            if is_heading_only(p.text):
                pending = p.start if pending is None else pending
                continue
        if current is None:
            path = tuple(t for _, t in stack) or (PREAMBLE,)
            current = Unit(
                path,
                p.start if pending is None else pending,
                p.end,
                "clause" if stack else "preamble",
            )
            units.append(current)
            pending = None
        current.end = p.end
    if pending is not None:
        units.append(
            Unit(tuple(t for _, t in stack), pending, paras[-1].end, "heading")
        )
    return units


def split_departments(
    text: str, start: int, end: int
) -> tuple[int, tuple[str, ...], tuple[int, int]]:
    """Find a trailing ``（责任单位：…）`` note in ``text[start:end]``.

    Returns:
        (new end of the clause text, department names, span of the note or (0, 0)).
    """
    at = text.rfind("责任单位", start, end)
    if at <= start or text[at - 1] not in _DEPT_OPEN:
        return end, (), (0, 0)
    open_at, close = at - 1, _DEPT_OPEN[text[at - 1]]
    depth, i = 0, open_at
    while i < end:
        ch = text[i]
        depth += ch == text[open_at] or ch in "（("
        depth -= ch == close or ch in "）)"
        if depth == 0:
            break
        i += 1
    if depth != 0 or text[i + 1 : end].strip():
        return end, (), (0, 0)
    body = re.sub(r"^责任单位\s*[:：]\s*", "", text[at:i])
    clause_end = strip_span(text, start, open_at)[1]
    return clause_end, split_names(body), (open_at, i + 1)


def split_names(body: str) -> tuple[str, ...]:
    """Split a department list on 、，, outside parentheses: 各县(市、区)人民政府 stays whole."""
    names, depth, cur = [], 0, ""
    for ch in body:
        depth += ch in "（(["
        depth -= ch in "）)]"
        if depth == 0 and ch in "、,，;；":
            names.append(cur.strip())
            cur = ""
        else:
            cur += ch
    names.append(cur.strip())
    return tuple(n for n in names if n)


def sentence_pieces(
    text: str, start: int, end: int, max_chars: int
) -> list[tuple[int, int]]:
    """Pack whole sentences of ``text[start:end]`` into pieces of at most ``max_chars``.

    A piece only ends at a sentence end (。；！？ or a line break); a single sentence
    longer than ``max_chars`` stays whole.
    """
    bounds = [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
    if not bounds or bounds[-1] != end:
        bounds.append(end)
    pieces, piece_start, last = [], start, start
    for b in bounds:
        if b - piece_start > max_chars and last > piece_start:
            pieces.append(strip_span(text, piece_start, last))
            piece_start = last
        last = b
    pieces.append(strip_span(text, piece_start, end))
    return [(s, e) for s, e in pieces if s < e]


def unit_chunks(doc: Document, unit: Unit, max_chars: int) -> list[Chunk]:
    text = doc.text
    end, depts, dept_span = split_departments(text, unit.start, unit.end)
    out = []
    for a, b, item in inline_items(text, unit.start, end):
        path = unit.path + ((item,) if item else ())
        for s, e in sentence_pieces(text, a, b, max_chars):
            out.append(
                Chunk(
                    id=chunk_id(doc.id, path, text[s:e]),
                    doc_id=doc.id,
                    region=doc.region,
                    clause_path=path,
                    start=s,
                    end=e,
                    text=text[s:e],
                    departments=depts,
                    kind=unit.kind,
                    departments_span=dept_span,
                )
            )
    return out
