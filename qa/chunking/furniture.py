"""Find web-page furniture (breadcrumbs, counters, share buttons, related-link lists…).

Furniture is reported as ``[start, end)`` spans of the raw text, never removed from it:
offsets of everything else stay valid. The rules are general patterns of government
web pages and Word exports, not positions in particular files.
"""

from __future__ import annotations

import re

from qa.chunking.lines import Paragraph, iter_lines, strip_span
from qa.types import Document

# A whole line is furniture when it matches one of these (after stripping whitespace).
_LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "breadcrumb",
        re.compile(r"^(当前位置|您现在的位置|你的位置|您所在的位置)\s*[:：]"),
    ),
    ("breadcrumb", re.compile(r"^首页\s*[>＞»/]")),
    (
        "page-meta",
        re.compile(
            r"^(来源|发布|发布机构|发布日期|公开方式|索引号|信息来源|文章来源|责任编辑|编辑)\s*[:：]"
        ),
    ),
    ("counter", re.compile(r"^(浏览次数|阅读次数|点击数|访问量|浏览量)\s*[:：]")),
    (
        "share-print",
        re.compile(
            r"^(分享文章到|分享到|返回顶部|打印页面|打印本页|关闭本页|关闭窗口|扫一扫在手机打开当前页|"
            r"【打印】|【关闭】|【字体|\[打印\]|\[关闭\])"
        ),
    ),
    ("promo", re.compile(r"^(特色服务推荐|相关推荐|推荐阅读|热点推荐|专题推荐)\s*$")),
    ("separator", re.compile(r"^[-—=_*·]{5,}$")),
)

# Furniture from a marker to the end of its line (the line may start with real text).
_TAIL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("page-meta", re.compile(r"(发表时间|发布时间|发布日期|更新时间)\s*[:：].*$")),
)

# Furniture anywhere inside a line.
_INLINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("word-bookmark", re.compile(r"\[bookmark:[^\]\n]*\]")),
)

# A heading that opens a list of links to other pages; the block runs over the following
# lines that read like link titles (no sentence-ending punctuation) up to the first prose.
_LINK_BLOCK_HEAD = re.compile(
    r"^(相关内容|相关链接|相关文章|相关阅读|相关文件|相关新闻|延伸阅读)\s*[:：]?\s*$"
)
_PROSE_END = re.compile(r"[。；！？]$")


def find_furniture(text: str) -> list[tuple[int, int, str]]:
    """Return sorted ``(start, end, rule)`` spans of page furniture in ``text``."""
    spans: list[tuple[int, int, str]] = []
    in_link_block = False
    for start, end, _line in iter_lines(text):
        s, e = strip_span(text, start, end)
        stripped = text[s:e]
        if not stripped:
            continue
        if in_link_block and not _PROSE_END.search(stripped):
            spans.append((s, e, "related-links"))
            continue
        in_link_block = False
        if _LINK_BLOCK_HEAD.match(stripped):
            in_link_block = True
            spans.append((s, e, "related-links"))
            continue
        rule = next((name for name, rx in _LINE_RULES if rx.search(stripped)), None)
        if rule:
            spans.append((s, e, rule))
            continue
        for name, rx in _TAIL_RULES + _INLINE_RULES:
            for m in rx.finditer(stripped):
                spans.append((*strip_span(text, s + m.start(), s + m.end()), name))
    return sorted(spans)


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
