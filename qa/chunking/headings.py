"""Heading schemes of policy texts.

Regulations (办法 / 规定 / 细则): 第X编 > 第X章 > 第X节 > 第X条, where an article's
（一）（二） lines are items of its text. Plans and notices: 一、 > （一）/(一) > 1. > (1),
and inline 一是…二是 items.
"""

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


_ARTICLE_NUM = rf"[{_CN_NUM}百零〇两\d]+"
# Article structure, ranked above the plan scheme: -4 编, -3 章, -2 节, -1 条. A 条 is
# followed by a space or its text (not by 规定/的…, which cite another article).
_ARTICLES: tuple[tuple[int, re.Pattern[str]], ...] = (
    (-4, re.compile(rf"^第{_ARTICLE_NUM}编(?=[\s\u3000]|$)")),
    (-3, re.compile(rf"^第{_ARTICLE_NUM}章(?=[\s\u3000]|$)")),
    (-2, re.compile(rf"^第{_ARTICLE_NUM}节(?=[\s\u3000]|$)")),
    (-1, re.compile(rf"^第{_ARTICLE_NUM}条(?![规的款项中之所至和及、，,。])")),
)
ARTICLE = -1
ARTICLE_LABEL = _ARTICLES[-1][1]


def heading_rank(text: str) -> int | None:
    """The rank of the heading that starts ``text`` (0 = 一、, negative = 章/条), or None."""
    for rank, rx in _ARTICLES:
        if rx.match(text):
            return rank
    return next((rank for rank, rx in enumerate(_HEADINGS) if rx.match(text)), None)


def article_title(text: str, rank: int) -> str:
    """``第二条`` for an article; ``第一章 总则`` (spaces normalised) for a part."""
    m = next(rx for r, rx in _ARTICLES if r == rank).match(text)
    assert m is not None
    if rank == ARTICLE:
        return m.group()
    rest = re.sub(r"[\s\u3000]+", "", text[m.end() :])
    return heading_title(f"{m.group()} {rest}" if rest else m.group())


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
