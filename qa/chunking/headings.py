"""Heading schemes of policy texts: 一、 > （一）/(一) > 1. > (1), and inline 一是…二是 items."""

from __future__ import annotations

import re

_CN_NUM = "一二三四五六七八九十"


# Heading patterns by rank: a heading pops every open heading of equal or lower rank.
_HEADINGS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^[{_CN_NUM}]+、"),
    re.compile(rf"^[（(][{_CN_NUM}]+[）)]"),
    re.compile(r"^\d{1,2}[.．、](?!\d)"),
    re.compile(r"^[（(]\d{1,2}[）)]"),
)


_ITEM = re.compile(rf"(?:^|(?<=[。；;]))\s*([{_CN_NUM}]是)")


TITLE_MAX = 30


PREAMBLE = "前言"


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


def inline_items(text: str, start: int, end: int) -> list[tuple[int, int, str | None]]:
    """Split ``text[start:end]`` at inline ``一是/二是…`` items: (start, end, item title)."""
    cuts = [start + m.start(1) for m in _ITEM.finditer(text[start:end])]
    if len(cuts) < 2:
        return [(start, end, None)]
    pieces: list[tuple[int, int, str | None]] = (
        [(start, cuts[0], None)] if text[start : cuts[0]].strip() else []
    )
    for a, b in zip(cuts, cuts[1:] + [end]):
        pieces.append((a, b, heading_title(text[a:b])))
    return pieces
