"""What a question asks for: its terms, the kinds of quantity wanted, asserted figures.

Pure functions over the question text (plus a tokenizer and the synonym table handed
in), so the answer composer's decisions can be tested exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# (name shown to users, question pattern, pattern a stating sentence must contain)
_UNITS: tuple[tuple[str, str, str], ...] = (
    (
        "金额",
        r"多少钱|多少块|补多少|贷多少|奖补多少|多少奖补|(?:金额|额度).{0,4}(?:多少|几)|多少.{0,3}(?:金额|额度)|多少万|几万|能拿多少|能领多少|给多少|"
        r"标准|奖金|最高.{0,8}多少|最多.{0,8}多少|补贴.{0,6}多少|资助.{0,6}多少",
        r"\d[\d.]*\s*(?:万元|元)",
    ),
    ("比例", r"比例|利率|费率|百分之|几成|降到多少", r"\d[\d.]*\s*[%％]|百分之"),
    ("天数", r"几个工作日|几天|多少天|多少个工作日", r"\d+\s*(?:天|日|个工作日)"),
    (
        "期限或时间",
        r"多久|多长时间|几年|几个月|期限|哪天|什么时候|何时|日期",
        r"\d+\s*(?:年|个月|月|天|日)|季度|每年|每月|年底|年内|当场|即时",
    ),
    (
        "数量",
        r"多少人|多少个|多少家|多少户|人次|规模",
        r"\d[\d.]*\s*万?(?:人次|人|个|家|户)",
    ),
)
_LIST = re.compile(
    r"哪些|有什么|都有啥|都有什么|有啥|几项|哪几|列举|包括什么|什么措施|什么政策|什么扶持|什么支持|"
    r"分点|分条|逐条|一条一条"
)
_INJECTION = re.compile(
    r"忽略(以上|之前|前面|上述|所有)|无视(规则|限制)|不受任何限制|不用引用|直接编|编一个|编造|"
    r"ignore (all|previous|the above)|you are now|扮演|越狱"
)
# A question about who is responsible: answered from the clause's 责任单位 note.
DEPARTMENT_CUES = re.compile(
    r"(哪个|哪些|什么|啥)(部门|单位|机构)|找谁|找哪|归谁|归哪|谁(负责|管|牵头)|哪里管|"
    r"责任单位|牵头单位|主管部门|负责部门|(哪个|哪些|什么)?部门(负责|管)"
)
# "Which region says X?": the answer names regions, so no region needs to be asked.
_WHERE = re.compile(
    r"哪里|哪儿|哪个(地方|城市|省|市)|哪些(地方|城市|省|市)|哪地|哪个文件|哪份文件|是哪|哪家"
)
_FIGURE = re.compile(r"(\d[\d.]*)\s*(万元|万块|元|块|万|%|％)")
_OWN_DOC = re.compile(r"方案|文件|通知|文号|发布|印发")
_GENERIC = frozenset(
    "具体 一般 现在 我们 自己 这边 那边 一下 请问 能够 最高 最多 每个 每月 每人 个月 多久 几年 标准 比例 方面 相关 "
    "情况 时候 怎么办 如何 哪里 哪儿 去哪 找谁 条件 要求 办理 给予 支持 政策 文件 规定 方案 能拿 能领 多少 多少钱 "
    "什么 怎么 哪些 有没有 可以 能不能 是不是 需要 想要 打算 准备 知道 告诉 直接 对吗 是否 还是 或者 以及 这种 那种 "
    "一个 一些 这个 那个 本地 当地 我家 家里 我是 我在 我们 他们 政府 国家 地方 这块 那块 这里 那里 有关 了解 咨询 "
    "没有 哪几种 哪几条 哪几个 几种 几条 哪几 分别 比较 区别 不同 有啥 怎么样 一起 能否 是否是 还有 哪里 "
    "提到 写了 提了 说了 规定 哪个 地方 城市".split()
)


@dataclass(frozen=True)
class Intent:
    """The parts of a question the composer needs."""

    # Ranking terms: question tokens + synonym expansions.
    terms: tuple[str, ...]
    # Content words of the question itself (coverage check).
    core_terms: tuple[str, ...]
    # Core term -> policy terms it maps to.
    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (kind, regex a stating sentence must match) per kind of quantity asked.
    units: tuple[tuple[str, str], ...] = ()
    # Regexes of quantities the question itself asserts.
    figures: tuple[str, ...] = ()
    is_list: bool = False
    # "多少" with no specific kind: prefer sentences with figures.
    wants_number: bool = False
    injection: bool = False
    asks_own_document: bool = False
    # "归哪个部门管？": the answer is the cited clause's 责任单位.
    asks_department: bool = False
    asks_where: bool = False
    # Topics of other policy areas the question is about (公积金, 个税…): refused.
    outside_topics: tuple[str, ...] = ()
    # Character pairs of the question (CJK only).
    bigrams: frozenset[str] = frozenset()

    @property
    def main_terms(self) -> tuple[str, ...]:
        """Core terms that are not pieces of a longer core term (养老金, not 养老 / 老金)."""
        return tuple(
            t
            for t in self.core_terms
            if not any(t != u and t in u for u in self.core_terms)
        )

    @property
    def unit_pattern(self) -> str:
        return "|".join(f"(?:{p})" for _, p in self.units)

    def variants(self, term: str) -> tuple[str, ...]:
        """A term and the policy terms it expands to."""
        return (term,) + tuple(self.expansions.get(term, ()))


def units_of(question: str) -> tuple[tuple[str, str], ...]:
    """Every kind of quantity a question asks for, with the pattern that states it."""
    found = tuple(
        (name, states) for name, asks, states in _UNITS if re.search(asks, question)
    )
    if (
        not found
        and "多少" in question
        and re.search(r"贷|补|钱|资助|奖|元|税|费|减免", question)
    ):
        found = ((_UNITS[0][0], _UNITS[0][2]),)
    return found


def figure_patterns(question: str) -> tuple[str, ...]:
    """Regexes matching, in a document, the amounts a question asserts (5万元, 450块…)."""
    unit_map = {"万块": "万元", "块": "元", "％": "%"}
    out = []
    for number, unit in _FIGURE.findall(question):
        unit = unit_map.get(unit, unit)
        out.append(rf"(?<![\d.]){re.escape(number)}\s*{re.escape(unit)}")
    return tuple(out)


def analyze(
    question: str,
    *,
    tokens: Callable[[str], list[str]],
    strip_regions: Callable[[str], str],
    synonyms: Mapping[str, tuple[str, ...]],
    expanded: tuple[str, ...] = (),
    outside: Callable[[str], tuple[str, ...]] = lambda q: (),
) -> Intent:
    """Build the :class:`Intent` of ``question``; pure given its collaborators.

    Args:
        tokens: the search tokenizer (jieba with the policy dictionary).
        strip_regions: removes place names (the search scope already encodes them).
        synonyms: colloquial → policy-term expansions.
        expanded: the policy terms the search added to the query.
        outside: the outside-the-corpus topics of a question (see answering.toml).
    """
    stripped = _INJECTION.sub(" ", strip_regions(question))
    # The department cue is not the topic ("这事归哪个部门管" asks about the last clause).
    words = [t for t in tokens(DEPARTMENT_CUES.sub(" ", stripped)) if len(t) >= 2]
    core = tuple(
        dict.fromkeys(
            t for t in words if t not in _GENERIC and not re.fullmatch(r"[\d.]+", t)
        )
    )
    terms = tuple(dict.fromkeys(core + tuple(expanded)))
    units = units_of(stripped)
    return Intent(
        terms=terms,
        core_terms=core,
        expansions=_expansions(stripped, core, synonyms),
        units=units,
        figures=figure_patterns(question),
        is_list=bool(_LIST.search(question)) and not units,
        wants_number=bool(re.search(r"多少|几", stripped)),
        injection=bool(_INJECTION.search(question)),
        asks_own_document=bool(_OWN_DOC.search(question)),
        asks_department=bool(DEPARTMENT_CUES.search(question)),
        asks_where=bool(_WHERE.search(question)),
        outside_topics=outside(question),
        bigrams=frozenset(
            b
            for b in (stripped[i : i + 2] for i in range(len(stripped) - 1))
            if re.fullmatch(r"[\u4e00-\u9fff]{2}", b)
        ),
    )


def _expansions(
    stripped: str, core: tuple[str, ...], synonyms: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """Core term -> the policy terms that the colloquial keys containing it expand to."""
    expansions: dict[str, tuple[str, ...]] = {}
    for key, terms in synonyms.items():
        if key in stripped:
            for t in core:
                if t in key or key in t:
                    expansions.setdefault(t, ())
                    expansions[t] += terms
    return expansions
