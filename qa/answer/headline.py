"""The direct answer line: one short span of the top quote that answers, with its region.

"答：肇庆市文件规定，符合条件的创业者可申请最高50万元个人贷款" — the span is cut from the
quote at clause punctuation (，；、 between clauses), so it stays verbatim and verifiable
against the cited sentence; it is never a paraphrase. Pure functions, no models.
"""

from __future__ import annotations

import re

from qa.answer.intent import Intent
from qa.types import Citation

# Clause boundaries inside a sentence: the span is one or two of these pieces.
_PIECE_END = re.compile(r"(?<=[，,；;：:])")
MAX_HEADLINE_CHARS = 80


def pieces(quote: str) -> list[tuple[int, int]]:
    """(start, end) of each comma-separated piece of ``quote``, trailing marks excluded."""
    out, at = [], 0
    for part in _PIECE_END.split(quote):
        text = part.rstrip("，,；;：:。！？!?")
        if text.strip():
            out.append((at, at + len(text)))
        at += len(part)
    return out


def best_span(quote: str, intent: Intent) -> str:
    """The piece of ``quote`` that best answers: states the asked quantity, shares terms."""
    spans = pieces(quote)
    if not spans:
        return ""
    unit = intent.unit_pattern if intent.units else ""
    # Terms not inside a longer term (创业担保贷款, not also 创业 / 担保 / 贷款).
    terms = [
        t for t in intent.terms if not any(t != u and t in u for u in intent.terms)
    ]

    def shared(span: tuple[int, int]) -> int:
        text = quote[span[0] : span[1]]
        return sum(1 for t in terms if any(v in text for v in intent.variants(t)))

    def score(span: tuple[int, int]) -> float:
        text = quote[span[0] : span[1]]
        stated = 10.0 if unit and re.search(unit, text) else 0.0
        figure = 5.0 if intent.wants_number and re.search(r"\d", text) else 0.0
        return stated + figure + shared(span) - 0.001 * span[0]

    best = max(spans, key=score)
    start, end = best
    # A piece that only states the figure ("期限原则上不超过1年") reads with the piece
    # before it when that one names the subject and the pair stays short.
    i = spans.index(best)
    if i and not shared(best) and shared(spans[i - 1]):
        if end - spans[i - 1][0] <= MAX_HEADLINE_CHARS:
            start = spans[i - 1][0]
    return quote[start:end][:MAX_HEADLINE_CHARS]


def direct_headline(citation: Citation, intent: Intent) -> str:
    """ "答：<region>文件规定，<span>" for a direct answer ("" when nothing fits)."""
    if intent.is_list:
        return ""
    span = best_span(citation.quote, intent)
    return f"答：{citation.region}文件规定，{span}" if span else ""


def department_headline(citation: Citation) -> str:
    """ "答：<region>文件中，责任单位为 …" from the quoted 责任单位 note."""
    if not citation.departments:
        return ""
    return f"答：{citation.region}文件中，责任单位为{'、'.join(citation.departments)}"


def comparison_headline(citations: tuple[Citation, ...], intent: Intent) -> str:
    """ "答：全国：…；辽宁省：…" — one span per region compared."""
    parts = [
        f"{c.region}：{span}" for c in citations if (span := best_span(c.quote, intent))
    ]
    return "答：" + "；".join(parts) if len(parts) >= 2 else ""
