"""Clause units under their headings, 责任单位 notes, and sentence-bounded pieces."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.chunking.headings import (
    ARTICLE,
    ARTICLE_LABEL,
    PREAMBLE,
    article_title,
    heading_rank,
    heading_title,
    inline_items,
    is_heading_only,
)
from qa.chunking.ids import chunk_id
from qa.chunking.kinds import is_definition, signature_runs
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


SIGNATURE = "落款"


@dataclass
class _State:
    """What :func:`clause_units` carries from one paragraph to the next."""

    root: tuple[str, ...]
    stack: list[tuple[int, str]]
    pending: int | None = None  # start of heading-only lines waiting for their text
    current: Unit | None = None

    def path(self) -> tuple[str, ...]:
        return self.root + tuple(t for _, t in self.stack)


def clause_units(
    paras: list[Paragraph], *, root: tuple[str, ...] = (), lead: int = 0
) -> list[Unit]:
    """Group paragraphs into clause units; heading-only lines attach to the next unit.

    ``root`` is a parent path for every unit (an attachment's title); the first ``lead``
    paragraphs (the 附件 line and title) open the first unit like a heading. A 落款
    block becomes its own ``signature`` unit.
    """
    units: list[Unit] = []
    st = _State(root, [], paras[0].start if lead and paras else None)
    signature = {i for a, b in signature_runs(paras) for i in range(a, b)}
    listing = False
    for i, p in enumerate(paras):
        if i < lead:
            continue
        if p.after_furniture or (i in signature) != (i - 1 in signature):
            st.current = None
        if i in signature:
            if st.pending is not None and st.current is None:
                units.append(Unit(st.path(), st.pending, paras[i - 1].end, "heading"))
                st.pending = None
            _extend(st, units, p, (SIGNATURE,), "signature")
            continue
        listing = _attachment_list(p.text, listing)
        if not listing and _open_heading(st, p.text):
            st.current = None
            if _heading_only(p.text, paras[i + 1].text if i + 1 < len(paras) else ""):
                st.pending = p.start if st.pending is None else st.pending
                continue
        kind: ChunkKind = "clause" if st.stack else "preamble"
        _extend(st, units, p, st.path() if st.stack or root else (PREAMBLE,), kind)
    if st.pending is not None:
        units.append(Unit(st.path(), st.pending, paras[-1].end, "heading"))
    return units


_LIST_HEAD = re.compile(r"^附\s*件\s*[:：]")
_LIST_ITEM = re.compile(r"^\d{1,2}\s*[.．、]\s*\S.{0,60}$")


def _attachment_list(text: str, listing: bool) -> bool:
    """Whether ``text`` belongs to a notice's list of attachments (``附件：1.…`` then
    ``2.…`` lines): its numbered lines are titles, not headings."""
    if _LIST_HEAD.match(text):
        return True
    return listing and bool(_LIST_ITEM.match(text)) and not text.endswith("。")


def _heading_only(text: str, after: str) -> bool:
    """A heading line with no clause text: a 章/节 line, a bare 第X条, or a short plan
    heading. An article's one sentence is its text, not a title; so is a short plan
    item's sentence, unless a sub-heading follows it (``（一）落实补贴。`` + ``1.…``)."""
    rank = heading_rank(text)
    if rank is not None and rank < 0:
        return rank != ARTICLE or not ARTICLE_LABEL.sub("", text).strip()
    if not is_heading_only(text):
        return False
    if not re.search(r"[。；;]$", text):
        return True
    below = heading_rank(after)
    return below is not None and rank is not None and below > rank


def _open_heading(st: _State, text: str) -> bool:
    """Push the heading that starts ``text`` (if any) onto the open headings."""
    rank = heading_rank(text)
    in_article = bool(st.stack) and st.stack[-1][0] == ARTICLE
    if rank is None or (in_article and rank >= 0):
        return False  # an article's （一）（二） lines are items of its text
    while st.stack and st.stack[-1][0] >= rank:
        st.stack.pop()
    title = article_title(text, rank) if rank < 0 else heading_title(text)
    st.stack.append((rank, title))
    return True


def _extend(
    st: _State, units: list[Unit], p: Paragraph, path: tuple[str, ...], kind: ChunkKind
) -> None:
    """Add ``p`` to the open unit, or open a new one (taking pending headings)."""
    if st.current is None:
        start = p.start if st.pending is None else st.pending
        st.current = Unit(path, start, p.end, kind)
        units.append(st.current)
        st.pending = None
    st.current.end = p.end


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


def _unit_kind(text: str, unit: Unit) -> ChunkKind:
    """``definition`` for a clause that defines a term, else the unit's own kind."""
    if unit.kind != "clause":
        return unit.kind
    lines = [
        ln.strip(" \t\u3000\xa0") for ln in text[unit.start : unit.end].splitlines()
    ]
    lines = [ln for ln in lines if ln]
    # Skip the 章/节 (and plan) heading lines that open the unit.
    while len(lines) > 1 and is_heading_only(lines[0]):
        lines = lines[1:]
    return "definition" if is_definition("\n".join(lines)) else "clause"


def unit_chunks(doc: Document, unit: Unit, max_chars: int) -> list[Chunk]:
    text = doc.text
    end, depts, dept_span = split_departments(text, unit.start, unit.end)
    kind = _unit_kind(text, unit)
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
                    kind=kind,
                    departments_span=dept_span,
                )
            )
    return out
