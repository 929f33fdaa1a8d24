"""Find web-page furniture (breadcrumbs, counters, share buttons, related-link lists…).

Furniture is reported as ``[start, end)`` spans of the raw text, never removed from it:
offsets of everything else stay valid. The rules are general patterns of government
web pages and Word exports, not positions in particular files.
"""

from __future__ import annotations

import re

from qa.chunking.debris import (
    BARE_LABEL,
    INLINE_RULES,
    LINE_RULES,
    LINK_BLOCK_HEAD,
    PROSE_END,
    SHORT_ONLY,
    TAIL_RULES,
    TITLE_LABEL,
    is_menu_row,
)
from qa.chunking.headings import heading_rank
from qa.chunking.kinds import is_org_line
from qa.chunking.lines import Paragraph, iter_lines, strip_span
from qa.types import Document

_HEAD_LINES = 25  # a page title is repeated within the page head (first lines)
_REPEAT_GAP = 3  # kept lines between a title and its repeat in the page head
_VALUE_MAX = 80  # an info-box value on its own line is short


def find_furniture(text: str) -> list[tuple[int, int, str]]:
    """Return sorted ``(start, end, rule)`` spans of page furniture in ``text``."""
    spans: list[tuple[int, int, str]] = []
    state = {"links": False, "value": False, "box": False}
    head: dict[str, int] = {}
    kept = 0  # lines so far that are not debris
    in_head = True
    for start, end, _line in iter_lines(text):
        s, e = strip_span(text, start, end)
        line = text[s:e]
        if not line:
            continue
        rule = _line_rule(line, state)
        state["box"] = rule in ("info-box", "page-meta")
        if rule is None and in_head and len(line) >= 6:
            key = re.sub(r"\s+", "", line)
            seen = head.setdefault(key, kept)
            # A page repeats its title in its head (banner, then article), with only
            # debris or a line or two between; the same issuing body as 落款 further
            # down is not a repeat.
            if seen != kept and kept - seen <= _REPEAT_GAP and not is_org_line(line):
                rule = "repeated-title"
        kept += rule is None
        # The page head ends where the text starts: prose or a heading.
        in_head = (
            in_head
            and kept < _HEAD_LINES
            and not (
                rule is None
                and (PROSE_END.search(line) or heading_rank(line) is not None)
            )
        )
        if rule:
            spans.append((s, e, rule))
            continue
        for name, rx in TAIL_RULES + INLINE_RULES:
            for m in rx.finditer(line):
                spans.append((*strip_span(text, s + m.start(), s + m.end()), name))
    return sorted(spans)


def _line_rule(line: str, state: dict[str, bool]) -> str | None:
    """The debris rule a whole stripped line matches, or None; ``state`` carries the
    open related-links block and a pending info-box value across lines."""
    if state["value"]:
        state["value"] = False
        if len(line) <= _VALUE_MAX and not PROSE_END.search(line):
            return "info-box"
    if state["links"] and not PROSE_END.search(line):
        return "related-links"
    state["links"] = False
    if LINK_BLOCK_HEAD.match(line):
        state["links"] = True
        return "related-links"
    if BARE_LABEL.match(line):
        state["value"] = True
        return "info-box"
    if state["box"] and TITLE_LABEL.match(line):
        return "info-box"
    if is_menu_row(line):
        return "navigation"
    for name, rx in LINE_RULES:
        if len(line) <= SHORT_ONLY.get(name, len(line)) and rx.search(line):
            return name
    return None


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
