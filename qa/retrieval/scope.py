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

__all__ = ["Scope", "named_regions", "scope_of", "scopes_for", "strip_regions"]

# Several places named: a comparison only with a comparing word; otherwise the place the
# asker is in (after 在/到/来…) is the scope and the others are context (我是香港人，在天河…).
_COMPARE = re.compile(
    r"比较|对比|区别|不同|差别|差异|分别|各自|相比|一样|哪个(?:更|好|多|高)|和.{1,8}(?:比|呢)|vs",
    re.I,
)
_JOINED = re.compile(r"\s*(?:和|与|跟|及|以及|、|同|还是|对比|比)\s*")
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
    """The region scopes of a question: one per region named (two for a comparison)."""
    if region:
        try:
            names: tuple[str, ...] = (gazetteer.canonical(region),)
        except (KeyError, ValueError):
            raise QueryError(
                f"未知地区：{region}。请填写省、市或区县名称，如 上海市、广州市、番禺区。"
            ) from None
    else:
        names = named_regions(question, gazetteer, doc_regions)
    return tuple(scope_of(n, gazetteer, doc_regions) for n in names) or (Scope(),)


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
    """The scope of one asked region: its chain's regions that have documents."""
    chain = gazetteer.chain(name)
    allowed = tuple(r for r in chain if r in doc_regions)
    if not allowed:
        return Scope(name, "", (), f"{name}及其上级地区均无收录文件")
    if allowed[0] == name:
        return Scope(name, name, allowed, "")
    return Scope(
        name,
        "",
        allowed,
        f"{name}没有收录本地文件，以下为上级（{'、'.join(allowed)}）文件的规定",
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
