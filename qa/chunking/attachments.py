"""Split a document at its ``附件`` lines and tell a plan from a table by what follows.

The most common layout of a published policy is a short notice (印发…的通知), a bare
``附件`` line, then the plan itself with its own headings. Only when what follows reads
as a table (a row of short column headers, or lines of cells) is it an appendix table;
otherwise it is parsed as the main structure under the attachment's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.chunking.headings import heading_rank, heading_title
from qa.chunking.kinds import signature_runs
from qa.chunking.lines import Paragraph

ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*$")
TITLED_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]\s*(\S.{0,78})$")
_LOOK = 12  # paragraphs read after the 附件 line to decide
_HEADER_CELL = re.compile(r"^[\u4e00-\u9fffA-Za-z（）()/]{1,6}$")
_CELL_SEP = re.compile(r"\t|\s*[|｜]\s*|[ \u3000\xa0]{2,}")
_TITLE_MAX = 80


@dataclass(frozen=True)
class Segment:
    """A run of paragraphs: the body, or one attachment (a plan or a table)."""

    paras: list[Paragraph]
    table: bool = False
    # For a plan attachment: its title as the parent heading, and how many leading
    # paragraphs (the 附件 line and the title lines) open its first unit.
    root: tuple[str, ...] = ()
    lead: int = 0


def segments(paras: list[Paragraph]) -> list[Segment]:
    """The body before the first attachment, then one segment per attachment.

    An attachment starts at a bare ``附件`` / ``附件2`` line, or at an ``附件1：title``
    line right after the 落款 (elsewhere such a line lists the notice's attachments).
    """
    after_signature = {b for _, b in signature_runs(paras)}
    cuts = [
        i
        for i, p in enumerate(paras)
        if ATTACHMENT.match(p.text)
        or (i in after_signature and TITLED_ATTACHMENT.match(p.text))
    ]
    out = [Segment(paras[: cuts[0] if cuts else len(paras)])]
    for a, b in zip(cuts, cuts[1:] + [len(paras)]):
        out.append(_attachment(paras[a:b]))
    return [s for s in out if s.paras]


def cells(text: str) -> list[str]:
    """The cells of a table row rendered on one line (tab, bar or wide-space separated)."""
    return [c for c in _CELL_SEP.split(text) if c.strip()]


def looks_like_table(paras: list[Paragraph]) -> bool:
    """Whether the paragraphs after an ``附件`` line read as a table.

    A table shows a header row (two or more short cells on consecutive lines, or one
    line of three or more cells) or several lines of cells before any prose heading.
    """
    head = paras[:_LOOK]
    short_run = run = 0
    for p in head:
        run = run + 1 if _HEADER_CELL.match(p.text) else 0
        short_run = max(short_run, run)
    cell_lines = sum(len(cells(p.text)) >= 3 for p in head)
    return short_run >= 2 or cell_lines >= 2


def _attachment(paras: list[Paragraph]) -> Segment:
    rest = paras[1:]
    if looks_like_table(rest):
        return Segment(paras, table=True)
    n = 0
    while n < len(rest) and _is_title_line(rest[n].text):
        n += 1
    titled = TITLED_ATTACHMENT.match(paras[0].text)
    if titled:
        return Segment(paras, root=(heading_title(titled.group(1)),), lead=1)
    label = re.sub(r"[\s:：]+", "", paras[0].text)
    root = (heading_title("".join(p.text for p in rest[:n])) if n else label,)
    return Segment(paras, root=root, lead=1 + n)


def _is_title_line(text: str) -> bool:
    """A title line: short, no heading number, no sentence end, not an addressee line."""
    return (
        len(text) <= _TITLE_MAX
        and heading_rank(text) is None
        and not re.search(r"[。；：:]$", text)
    )
