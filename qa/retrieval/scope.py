"""Which documents a question may be answered from: pure functions over the gazetteer.

The region a question names (or an explicit one) restricts the search to the documents
on its chain up to 全国: its own document first, then its parent's, then the national
one. A region with no document of its own never gets another region's rules presented
as its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from qa.corpus.gazetteer import Gazetteer
from qa.errors import QueryError
from qa.retrieval.query import HAS_TEXT
from qa.types import Scope

__all__ = [
    "Scope",
    "named_regions",
    "scope_of",
    "scopes_for",
    "strip_regions",
    "unknown_places",
]

# Several places named: a comparison only with a comparing word; otherwise the place the
# asker is in (after 在/到/来…) is the scope and the others are context (我是香港人，在天河…).
_COMPARE = re.compile(
    r"比较|对比|区别|不同|差别|差异|分别|各自|相比|一样|哪个(?:更|好|多|高)|和.{1,8}(?:比|呢)|vs",
    re.I,
)
_JOINED = re.compile(r"\s*(?:和|与|跟|及|以及|、|同|还是|对比|比)\s*")
# A word that reads as a place name: two characters and 省/市/县 (株州市, 火星市), not
# followed by what makes it an ordinary word (市场, 省级, 县城 …).
_PLACE_LIKE = re.compile(
    r"(?=([\u4e00-\u9fff]{2}[省市县])(?![场民区级内外份政面值长委属直辖容城镇里乡]))"
)
# Stems that make 省/市/县 an ordinary word (哪个市, 大城市, 本市, 全省, 上市 …).
_NOT_PLACE_CHARS = re.compile(
    r"[哪这那本该各全每某其此我外省市县个城都超上股门夜集菜地级两]"
)
_LOCATED = re.compile(r"(?:在|到|来|去|回|住|于)$")
# "Which region says X?" names places as part of X, not as a filter.
_WHICH_REGION = re.compile(
    r"(?:哪里|哪儿|哪个地方|哪个城市|哪个省|哪些地方|哪些城市|哪些省|哪地)的?"
    r"(?:政策|文件|方案|规定|提|写|说|把|明确|要求)|哪个文件|哪份文件"
)


def scopes_for(
    question: str,
    region: str | None,
    gazetteer: Gazetteer,
    doc_regions: Collection[str],
) -> tuple[Scope, ...]:
    """The region scopes of a question: one per region named (two for a comparison).

    A place named but ambiguous (鼓楼区) or not known (株州市) scopes the question to the
    national documents, with a note that says so.
    """
    if region:
        names: tuple[str, ...] = (_explicit(region, gazetteer),)
    else:
        names = named_regions(question, gazetteer, doc_regions)
    if names:
        return tuple(scope_of(n, gazetteer, doc_regions) for n in names)
    if _WHICH_REGION.search(question):
        return (Scope(),)
    note = _unresolved_note(question, gazetteer)
    if not note:
        return (Scope(),)
    national = ("全国",) if "全国" in doc_regions else ()
    return (Scope("全国", "全国", national, note),)


def _explicit(region: str, gazetteer: Gazetteer) -> str:
    try:
        return gazetteer.canonical(region)
    except (KeyError, ValueError):
        pass
    choices = dict(gazetteer.ambiguities(region.strip()))
    if region.strip() in choices:
        raise QueryError(
            f"地区“{region}”有多处：{'、'.join(choices[region.strip()])}。请填写其中之一。"
        ) from None
    raise QueryError(
        f"未知地区：{region}。请填写省、市或区县名称，如 上海市、广州市、番禺区。"
    ) from None


def _unresolved_note(question: str, gazetteer: Gazetteer) -> str:
    """The note for place names the gazetteer cannot pin down; "" when there are none."""
    ambiguous = gazetteer.ambiguities(question)
    if ambiguous:
        parts = [f"“{k}”有多处（{'、'.join(c)}）" for k, c in ambiguous]
        return f"{'；'.join(parts)}，请说明是哪一个；以下为全国文件的规定"
    unknown = unknown_places(question, gazetteer)
    if unknown:
        names = "、".join(f"“{u}”" for u in unknown)
        return f"未能识别地区{names}，以下为全国文件的规定"
    return ""


def unknown_places(question: str, gazetteer: Gazetteer) -> tuple[str, ...]:
    """Words that read as place names (…省 / …市 / …县) but name no known region."""
    known = [(s, e) for s, e, _ in gazetteer.mentions(question)]
    found = []
    for m in _PLACE_LIKE.finditer(question):
        word, start = m.group(1), m.start()
        if word in gazetteer or _NOT_PLACE_CHARS.search(word[:2]):
            continue
        if any(s < start + 3 and start < e for s, e in known):
            continue  # overlaps a known name (湖南株洲市, 广宁县)
        found.append(word)
    return tuple(dict.fromkeys(found))


def named_regions(
    question: str, gazetteer: Gazetteer, doc_regions: Collection[str]
) -> tuple[str, ...]:
    """The regions a question is about (several only when it compares them)."""
    if _WHICH_REGION.search(question):
        return ()
    mentions = gazetteer.mentions(question)
    joined = any(
        _JOINED.fullmatch(question[a[1] : b[0]]) for a, b in zip(mentions, mentions[1:])
    )
    if _COMPARE.search(question) or joined:
        mentioned = tuple(dict.fromkeys(n for _, _, n in mentions))
        if len(mentioned) > 1:
            return mentioned
    names = gazetteer.resolve(question)
    if len(names) <= 1:
        return names
    located = [
        n
        for s, _, n in mentions
        if n in names and _LOCATED.search(question[max(0, s - 2) : s])
    ]
    with_docs = [
        n
        for n in names
        if n in doc_regions or any(r in doc_regions for r in gazetteer.chain(n)[1:-1])
    ]
    return ((located or with_docs or list(names))[0],)


def scope_of(name: str, gazetteer: Gazetteer, doc_regions: Collection[str]) -> Scope:
    """The scope of one asked region: its chain's regions that have documents.

    A region without its own document says where it lies and whose documents answer
    (绵阳市属四川省；绵阳市及四川省均没有收录本地文件，以下为全国文件的规定).
    """
    chain = gazetteer.chain(name)
    allowed = tuple(r for r in chain if r in doc_regions)
    if not allowed:
        return Scope(name, "", (), f"{name}及其上级地区均无收录文件")
    if allowed[0] == name:
        return Scope(name, name, allowed, "")
    between = chain[1:-1]  # its parents below 全国: (株洲市, 湖南省)
    where = f"{name}属{''.join(reversed(between))}；" if between else ""
    if allowed == ("全国",) and between:
        return Scope(
            name,
            "",
            allowed,
            f"{where}{name}及{'、'.join(between)}均没有收录本地文件，以下为全国文件的规定",
        )
    return Scope(
        name,
        "",
        allowed,
        f"{where}{name}没有收录本地文件，以下为上级（{'、'.join(allowed)}）文件的规定",
    )


def strip_regions(question: str, gazetteer: Gazetteer) -> str:
    """The question without its place names (the scope already encodes them)."""
    out, last = [], 0
    for s, e, _ in gazetteer.mentions(question):
        out.append(question[last:s])
        last = e
    out.append(question[last:])
    stripped = "".join(out).strip()
    return stripped if HAS_TEXT.search(stripped) else question
