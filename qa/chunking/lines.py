"""Lines of raw policy text with offsets: the units every chunking step works on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


def iter_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, line)`` for each line, ``end`` excluding the line break."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        yield pos, pos + len(line), line
        pos += len(raw)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True)
class Paragraph:
    """A line of policy text with furniture and surrounding whitespace trimmed off."""

    start: int
    end: int
    text: str
    # Page furniture lies between the previous paragraph and this one: a chunk (one
    # contiguous span of raw text) must not run across it.
    after_furniture: bool = False
