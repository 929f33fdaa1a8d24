"""PDF files: page text through pypdf, laid out again as the document's lines.

A PDF has no paragraphs, only positioned lines. Three repairs, each only where safe:

- page numbers (``- 3 -``, ``— 3 —``, ``第 3 页 共 9 页``, a bare number) at a page's
  top or bottom are dropped;
- running headers and footers — the same first or last line (digits ignored) on at
  least half of the pages, two pages at least — are dropped;
- a line broken by the page width is joined to the next: the line is nearly as long as
  the longest lines of the document, does not end a sentence, and the next line does not
  start a heading or an indented paragraph.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from qa.ingest.base import Extraction

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－]*(?:\d{1,4}|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)[\s\-—–－]*$"
)
_SENTENCE_END = tuple("。；：！？”」』）)》】…")
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、]|第[一二三四五六七八九十百\d]+[章节条]|附件)"
)
_INDENT = ("\u3000", " ", "\xa0", "\t")
_FULL = 0.85  # a line this close to the longest lines was wrapped by the page width


def read_pdf(path: Path) -> Extraction:
    """The text of every page, furniture dropped and wrapped lines joined."""
    import pypdf

    reader = pypdf.PdfReader(str(path))
    pages = [(page.extract_text() or "").split("\n") for page in reader.pages]
    pages = drop_furniture(pages)
    lines = [line for page in pages for line in page]
    title = (reader.metadata.title or "") if reader.metadata else ""
    return Extraction(text="\n".join(join_wrapped(lines)), kind="pdf", title=title)


def drop_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Pages without their page numbers and running headers / footers."""
    pages = [_trim_numbers(_strip_blank(p)) for p in pages]
    if len(pages) < 2:
        return pages
    edges: Counter[str] = Counter()
    for page in pages:
        edges.update({_shape(line) for line in (page[:1] + page[-1:])})
    need = max(2, (len(pages) + 1) // 2)
    running = {shape for shape, n in edges.items() if n >= need and shape}
    out = []
    for page in pages:
        while page and _shape(page[0]) in running:
            page = page[1:]
        while page and _shape(page[-1]) in running:
            page = page[:-1]
        out.append(_trim_numbers(page))
    return out


def _strip_blank(page: list[str]) -> list[str]:
    while page and not page[0].strip():
        page = page[1:]
    while page and not page[-1].strip():
        page = page[:-1]
    return page


def _trim_numbers(page: list[str]) -> list[str]:
    if page and _PAGE_NUMBER.match(page[-1]):
        page = _strip_blank(page[:-1])
    if page and _PAGE_NUMBER.match(page[0]):
        page = _strip_blank(page[1:])
    return page


def _shape(line: str) -> str:
    """A line with its digits and blanks removed (页眉 with a changing page number)."""
    return re.sub(r"[\d\s]+", "", line)


def join_wrapped(lines: list[str]) -> list[str]:
    """Lines with page-width wraps joined (see the module docstring for when)."""
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if not lengths:
        return lines
    full = lengths[int(0.9 * (len(lengths) - 1))] * _FULL
    out: list[str] = []
    for line in lines:
        if out and _wrapped(out[-1], line, full):
            out[-1] = out[-1].rstrip() + line
        else:
            out.append(line)
    return out


def _wrapped(previous: str, line: str, full: float) -> bool:
    previous = previous.rstrip()
    return (
        bool(previous)
        and bool(line.strip())
        and len(previous) >= full
        and not previous.endswith(_SENTENCE_END)
        and not line.startswith(_INDENT)
        and not _HEADING.match(line)
    )
