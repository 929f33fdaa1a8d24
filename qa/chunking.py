"""Split a policy document into clause chunks that follow its own structure.

Headings: ``一、`` > ``（一）``/``(一)`` > ``1.`` > ``(1)``, and inline ``一是…二是…`` items.
Each chunk is one clause (or a sentence-bounded piece of a long one) with its heading
path and ``[start, end)`` offsets into the raw text: ``doc.text[start:end] == chunk.text``.
A trailing ``（责任单位：…）`` note becomes the clause's ``departments``. An appendix table
that restates the body (``qa.appendix``) is parsed into rows linked to the body clauses.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from qa.furniture import find_furniture, iter_lines, strip_span
from qa.types import Chunk, Document

CHUNKER_VERSION = "1"
DEFAULT_MAX_CHARS = 300
PREAMBLE = "前言"

_CN_NUM = "一二三四五六七八九十"
# Heading patterns by rank: a heading pops every open heading of equal or lower rank.
_HEADINGS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^[{_CN_NUM}]+、"),
    re.compile(rf"^[（(][{_CN_NUM}]+[）)]"),
    re.compile(r"^\d{1,2}[.．、](?!\d)"),
    re.compile(r"^[（(]\d{1,2}[）)]"),
)
_ITEM = re.compile(rf"(?:^|(?<=[。；;]))\s*([{_CN_NUM}]是)")
_SENTENCE_END = re.compile(r"[。；;！？!?]+[”’」）)]*|\n")
_APPENDIX = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*$")
_DEPT_OPEN = {"（": "）", "(": ")", "[": "]", "【": "】"}
TITLE_MAX = 30


@dataclass(frozen=True)
class Paragraph:
    """A line of policy text with furniture and surrounding whitespace trimmed off."""

    start: int
    end: int
    text: str
    # Page furniture lies between the previous paragraph and this one: a chunk (one
    # contiguous span of raw text) must not run across it.
    after_furniture: bool = False


def paragraphs(doc: Document) -> list[Paragraph]:
    """Non-empty lines of ``doc`` minus page furniture, with raw offsets."""
    furniture = find_furniture(doc.text)
    out: list[Paragraph] = []
    prev_end = 0
    for start, end, _ in iter_lines(doc.text):
        s, e = _trim_furniture(doc.text, start, end, furniture)
        if s < e:
            gap = any(fs < s and fe > prev_end for fs, fe, _ in furniture)
            out.append(Paragraph(s, e, doc.text[s:e], gap))
            prev_end = e
    return out


def _trim_furniture(text: str, s: int, e: int, furniture) -> tuple[int, int]:
    s, e = strip_span(text, s, e)
    changed = True
    while changed and s < e:
        changed = False
        for fs, fe, _ in furniture:
            if fs <= s < fe:
                s, changed = fe, True
            if fs < e <= fe:
                e, changed = fs, True
        s, e = strip_span(text, s, e) if s < e else (s, s)
    return s, max(s, e)


def heading_rank(text: str) -> int | None:
    """The rank of the heading that starts ``text`` (0 = top level), or None."""
    return next((rank for rank, rx in enumerate(_HEADINGS) if rx.match(text)), None)


def heading_title(text: str) -> str:
    """The heading label: text up to the first sentence end, at most TITLE_MAX chars."""
    title = re.split(r"[。；;]", text, maxsplit=1)[0].strip()
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def is_heading_only(text: str) -> bool:
    """A short line with no sentence inside it: a heading with no clause text."""
    return len(text) <= 40 and not re.search(r"[。；;]", text[:-1])


@dataclass
class _Unit:
    path: tuple[str, ...]
    start: int
    end: int
    kind: str


def _units(paras: list[Paragraph]) -> list[_Unit]:
    """Group paragraphs into clause units; heading-only lines attach to the next unit."""
    units: list[_Unit] = []
    stack: list[tuple[int, str]] = []
    pending: int | None = None  # start of heading-only lines waiting for their text
    current: _Unit | None = None
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
            current = _Unit(
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
            _Unit(tuple(t for _, t in stack), pending, paras[-1].end, "heading")
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


def _items(text: str, start: int, end: int) -> list[tuple[int, int, str | None]]:
    """Split ``text[start:end]`` at inline ``一是/二是…`` items: (start, end, item title)."""
    cuts = [start + m.start(1) for m in _ITEM.finditer(text[start:end])]
    if len(cuts) < 2:
        return [(start, end, None)]
    pieces = [(start, cuts[0], None)] if text[start : cuts[0]].strip() else []
    for a, b in zip(cuts, cuts[1:] + [end]):
        pieces.append((a, b, heading_title(text[a:b])))
    return pieces


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


def chunk_id(doc_id: str, path: tuple[str, ...], text: str) -> str:
    """Content hash of a chunk: stable across rebuilds and across edits elsewhere."""
    key = "\x00".join((doc_id, " > ".join(path), text))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def chunk_document(doc: Document, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """Split one document into clause chunks (body, preamble and appendix rows)."""
    if max_chars < 50:
        raise ValueError(f"max_chars must be >= 50, got {max_chars!r}")
    from qa.appendix import appendix_chunks  # appendix builds on this module

    paras = paragraphs(doc)
    cut = next((i for i, p in enumerate(paras) if _APPENDIX.match(p.text)), len(paras))
    chunks: list[Chunk] = []
    for unit in _units(paras[:cut]):
        chunks.extend(_unit_chunks(doc, unit, max_chars))
    if cut < len(paras):
        chunks = appendix_chunks(doc, paras[cut:], chunks)
    return _dedupe_ids(chunks)


def _unit_chunks(doc: Document, unit: _Unit, max_chars: int) -> list[Chunk]:
    text = doc.text
    end, depts, dept_span = split_departments(text, unit.start, unit.end)
    out = []
    for a, b, item in _items(text, unit.start, end):
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


def _dedupe_ids(chunks: list[Chunk]) -> list[Chunk]:
    seen: dict[str, int] = {}
    out = []
    for c in chunks:
        n = seen.get(c.id, 0)
        seen[c.id] = n + 1
        out.append(c if n == 0 else replace(c, id=f"{c.id[:13]}-{n:02d}"))
    return out


def chunk_corpus(
    docs: list[Document], *, max_chars: int = DEFAULT_MAX_CHARS
) -> list[Chunk]:
    """Chunk every document, in corpus order."""
    return [c for d in docs for c in chunk_document(d, max_chars=max_chars)]
