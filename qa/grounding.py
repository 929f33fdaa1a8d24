"""Claim-by-claim grounding of LLM text against the clauses it was shown (pure).

The reply is split into sentences (never inside a quote). A sentence is *grounded* when,
after normalization (NFKC width folding, no whitespace, no thousands separators):

1. every quoted span, in any bracket style (「」『』“”‘’""''【】《》), is a verbatim
   substring of a source;
2. every figure (amount, count, period, date, percentage, multiple) equals, by value and
   unit, a figure of some source: "50万元" == "500000元" == "五十万元", "1年" == "12个月";
3. every programme name it mentions occurs in a source: the known terms handed in, and
   any name ending in a programme word (补贴, 担保贷款, 基金…) together with the two
   characters before it (its qualifier: "全额贴息", "场租补贴");
4. every negation (不用, 无需, 免, 没有…) occurs in a source with the same words around
   it: a flipped claim ("不用贴息" beside a clause saying "给予贴息") is only allowed when
   a clause states the same flip. Statements of absence the prompt asks for ("文件中没有
   规定") are allowed.

Sentences that fail are removed; the caller decides what to do when nothing verifiable
remains (see :attr:`Grounded.evidence`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

_PAIRS = {"「": "」", "『": "』", "“": "”", "‘": "’", "【": "】", "《": "》"}
_SYMMETRIC = "\"'"
_QUOTE_CHARS = "".join(_PAIRS) + "".join(_PAIRS.values()) + _SYMMETRIC
_QUOTE_RE = re.compile(
    "|".join(
        f"{re.escape(o)}([^{re.escape(c)}]*){re.escape(c)}" for o, c in _PAIRS.items()
    )
    + "|"
    + "|".join(f"{q}([^{q}\\n]*){q}" for q in _SYMMETRIC)
)
_ENDERS = "。！？!?；;\n"
# A verified quote counts as evidence only with this many characters (not "「最高」").
MIN_EVIDENCE_CHARS = 4

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_MAGNITUDE = {"": 1, "千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}
# After a Chinese numeral without a magnitude these make an article, not a count.
_CLASSIFIERS = ("个", "项", "次", "名", "家", "所", "间", "套", "批", "场", "期")
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)"
_MAG = r"(?:万亿|亿|万|千)?"
# Units after a number; longest first. Periods fold into months or days.
_UNITS = (
    "元 人次 个月 周岁 岁 年 月 日 天 周 小时 学时 课时 倍 % 人 户 家 个 项 次 名 所 期 场 批 套 间 平方米"
).split()
_UNIT_RE = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_DATE = re.compile(
    r"((?:19|20)\d{2})年(\d{1,2})月(?:(\d{1,2})日)?"
    r"|((?:19|20)\d{2})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?!\d)"
)
_PERCENT_CN = re.compile(rf"百分之({_NUM})")
_FIGURE = re.compile(rf"({_NUM})({_MAG})({_UNIT_RE})?")
_UNIT_FOLD = {"个月": ("月", 1), "月": ("月", 1), "年": ("月", 12), "周": ("天", 7)}
_UNIT_FOLD |= {"日": ("天", 1), "周岁": ("岁", 1)}
# Not figures: list markers, "[2]" clause references of the prompt, ordinals.
_NOT_FIGURE = re.compile(
    r"(?m)^\s*\d{1,2}(?:[.、)](?!\d))|[\[(]\d{1,2}[\])]|第[\d一二三四五六七八九十]+"
)

_PROGRAMME_WORDS = (
    "担保贷款 贴息贷款 专项资金 扶持资金 补贴 补助 资助 奖补 奖励 贴息 基金 津贴 贷款 减免"
).split()
_PROGRAMME_RE = re.compile("|".join(_PROGRAMME_WORDS))
# A qualifier before a programme word stops at these (verbs, particles, numbers, units).
_QUALIFIER_STOP = set(
    "可以申请享受给予获得领取发放提供的和与及或等按对向为由在是有将把被从其该此并且还也都最高元万亿"
)
_QUALIFIER_STOP |= set("零〇一二两三四五六七八九十百千个项次年月日")

_NEGATION = re.compile(r"没有|无需|无须|不用|不能|不可|不予|不得|不需|未|免|不|无|非")
# Words that contain a negation character but negate nothing.
_NOT_NEGATION = re.compile(
    r"无论|不论|不管|不仅|不但|不断|非常|未来|不久|不同|避免|以免"
)
# Statements of absence the prompt asks for ("文件中没有规定").
_ABSENCE = re.compile(
    r"(?:没有|未|无)(?:明确|作|具体)?(?:规定|提及|提到|涉及|说明|找到|载明|写明)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Grounded:
    """The grounded part of a text and what was removed."""

    text: str
    removed: tuple[str, ...] = ()  # the removed sentences, as written
    removed_quotes: int = 0  # unverifiable quoted spans
    evidence: int = 0  # verified quotes of at least MIN_EVIDENCE_CHARS characters


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), no whitespace, no thousands separators."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def _bare(text: str) -> str:
    """Normalized text without quote brackets (nested quotes compare by their words)."""
    return normalize(text).translate({ord(c): None for c in _QUOTE_CHARS})


def split_sentences(text: str) -> list[str]:
    """Sentences with their end marks, never split inside a bracket; "".join() == text."""
    out, start, closers = [], 0, []
    open_sym: set[str] = set()
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            closers.append(_PAIRS[ch])
        elif closers and ch == closers[-1]:
            closers.pop()
        elif ch in _SYMMETRIC:
            open_sym ^= {ch}
        elif ch in _ENDERS and not closers and not open_sym:
            out.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def quotes(text: str) -> list[tuple[str, str]]:
    """(opening bracket, inner text) of every quoted span, any bracket style."""
    return [
        (m.group(0)[0], next(g for g in m.groups() if g is not None))
        for m in _QUOTE_RE.finditer(text)
    ]


def _cn_int(s: str) -> int:
    """A Chinese numeral below 10,000 ("三十六", "二百", "十") as an int."""
    if all(c in _CN_DIGITS for c in s):  # "二〇二四", "五"
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, digit = 0, 0
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        else:
            total += (digit or 1) * _CN_SMALL[c]
            digit = 0
    return total + digit


def _number(s: str) -> float:
    if s[0].isdigit():
        return float(s)
    whole, _, frac = s.partition("点")
    value = float(_cn_int(whole)) if whole else 0.0
    if frac:
        value += float("0." + "".join(str(_CN_DIGITS[c]) for c in frac))
    return value


def figures(text: str) -> set[tuple[str, float]]:
    """(unit, value) of every figure in ``text``; unit "" when the number stands alone."""
    s = normalize(_NOT_FIGURE.sub("|", unicodedata.normalize("NFKC", text)))
    found: set[tuple[str, float]] = set()
    for m in _DATE.finditer(s):
        y, mo, d = m[1] or m[4], m[2] or m[5], m[3] or m[6] or 0
        found.add(("date", float(f"{y}{int(mo):02d}{int(d):02d}")))
    s = _DATE.sub(" ", s)
    for m in _PERCENT_CN.finditer(s):
        found.add(("%", _number(m[1])))
    s = _PERCENT_CN.sub(" ", s)
    for m in _FIGURE.finditer(s):
        num, mag, unit = m[1], m[2], m[3] or ""
        if not num[0].isdigit() and not mag and unit in ("", *_CLASSIFIERS):
            continue  # a word, not a figure: "一是", "十分", "一个", "一项"
        value = _number(num) * _MAGNITUDE[mag]
        unit, factor = _UNIT_FOLD.get(unit, (unit, 1))
        found.add((unit, round(value * factor, 6)))
    return found


def _figure_ok(fig: tuple[str, float], known: set[tuple[str, float]]) -> bool:
    unit, value = fig
    if unit:
        return fig in known
    return any(v == value for _, v in known)  # "最高50万" matches "50万元"


def _names(sentence: str, terms: Collection[str]) -> set[str]:
    """Programme names in a normalized sentence: known terms, and programme words with
    their qualifier (up to two characters before, stopping at verbs and numbers)."""
    found = {t for t in terms if t and t in sentence}
    previous_end = 0
    for m in _PROGRAMME_RE.finditer(sentence):
        start = m.start()
        while start > max(previous_end, m.start() - 2) and _CJK.match(
            sentence[start - 1]
        ):
            if sentence[start - 1] in _QUALIFIER_STOP:
                break
            start -= 1
        found.add(sentence[start : m.end()])
        previous_end = m.end()
    return found


def _negations(sentence: str) -> list[str]:
    """Each negation with the words it negates (two CJK characters after it, or, at the
    end of a phrase as in "利息全免", the two before it)."""
    s = _ABSENCE.sub(" ", _NOT_NEGATION.sub(" ", sentence))
    out = []
    for m in _NEGATION.finditer(s):
        after = re.match(r"[\u4e00-\u9fff]{1,2}", s[m.end() :])
        if after:
            out.append(m.group(0) + after.group(0))
        else:
            before = re.search(r"[\u4e00-\u9fff]{1,2}$", s[: m.start()])
            out.append((before.group(0) if before else "") + m.group(0))
    return out


@dataclass(frozen=True)
class _Sources:
    texts: tuple[str, ...]  # normalized, quote brackets removed
    figures: frozenset[tuple[str, float]]

    def contain(self, phrase: str) -> bool:
        return any(phrase in t for t in self.texts)


def _check(
    sentence: str, src: _Sources, terms: Collection[str]
) -> tuple[bool, int, int]:
    """(grounded?, unverifiable quotes, verified evidence quotes) of one sentence."""
    spans = [(opener, _bare(q)) for opener, q in quotes(sentence)]
    bad = sum(1 for _, q in spans if not src.contain(q))
    good = sum(
        1
        for opener, q in spans
        if opener != "《" and len(q) >= MIN_EVIDENCE_CHARS and src.contain(q)
    )
    s = _bare(sentence)
    known = set(src.figures)
    ok = (
        bad == 0
        and all(_figure_ok(f, known) for f in figures(sentence))
        and all(src.contain(n) for n in _names(s, terms))
        and all(src.contain(n) for n in _negations(s))
    )
    return ok, bad, good if ok else 0


def ground(
    text: str, sources: Sequence[str], *, terms: Collection[str] = ()
) -> Grounded:
    """Keep the sentences of ``text`` whose every claim is found in ``sources``.

    Args:
        sources: the clause texts (and their region/title labels) shown to the model.
        terms: known programme names (the policy vocabulary) that must be grounded too.
    """
    src = _Sources(
        tuple(_bare(s) for s in sources),
        frozenset(f for s in sources for f in figures(s)),
    )
    kept: list[str] = []
    removed: list[str] = []
    bad_quotes = evidence = 0
    for sentence in split_sentences(text):
        ok, bad, good = _check(sentence, src, terms)
        bad_quotes += bad
        evidence += good
        (kept if ok else removed).append(sentence)
    body = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()
    return Grounded(
        body, tuple(s.strip() for s in removed if s.strip()), bad_quotes, evidence
    )


def verify_quotes(text: str, sources: Sequence[str]) -> tuple[str, int]:
    """Replace every quote (any bracket style) not verbatim in a source by a marker.

    Returns:
        (text with unverifiable quotes replaced, number replaced)
    """
    texts = [_bare(s) for s in sources]
    removed = 0

    def check(m: re.Match) -> str:
        nonlocal removed
        inner = next(g for g in m.groups() if g is not None)
        if any(_bare(inner) in t for t in texts):
            return m.group(0)
        removed += 1
        return "〔未能核实的引文已删除〕"

    return _QUOTE_RE.sub(check, text), removed
