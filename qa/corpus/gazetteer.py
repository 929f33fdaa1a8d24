"""Region gazetteer: names, levels and parents of regions, and a resolver from text to regions.

The data lives in ``corpus/regions.toml`` (its header documents the format). This module is
pure: apart from :meth:`Gazetteer.load` it does no I/O.

Resolution scans the text left to right and takes the longest name or alias at each position
(浦东新区 over 浦东, 广州市 over 广州). Two data-driven rules keep ordinary words from firing:

* ``not_in`` — words such as 申请, 京东, 国家级 that contain a region's name; a match lying
  inside one of them is ignored.
* ``strict`` — aliases that are single characters or ordinary words (沪, 穗, 朝阳, 白云); they
  count only next to a context marker from ``[context]`` (在沪, 来穗, 穗企, 沪籍) or when they
  stand alone between punctuation (沪、穗两地).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from qa.config import data_dir
from qa.corpus import divisions, national
from qa.corpus.files import did_you_mean, read_toml
from qa.corpus.region_checks import build_lookup, check_rules, check_tree
from qa.corpus.region_checks import error as _error
from qa.corpus.regions import MatchRules, Region
from qa.errors import GazetteerError

_TOP_KEYS = frozenset({"context", "region", "divisions"})
_DIVISION_KEYS = frozenset({"source", "strict_short", "no_short"})
_REGION_KEYS = frozenset({"name", "level", "parent", "aliases", "strict", "not_in"})
_CONTEXT_KEYS = frozenset({"before", "after"})
# CJK ideographs (basic, extension A, compatibility); anything else is a word boundary.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Gazetteer:
    """Regions by canonical name, with lookups by alias and a text resolver."""

    def __init__(
        self,
        regions: Iterable[Region],
        rules: MatchRules | None = None,
        source: str = "<gazetteer>",
        ambiguous: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self._regions = tuple(regions)
        self._rules = rules or MatchRules()
        self._by_name = {r.name: r for r in self._regions}
        self._lookup = build_lookup(self._regions, source)
        # key -> (default or "", candidates): names several regions share.
        self._ambiguous = dict(ambiguous or {})
        check_tree(self._by_name, source)
        check_rules(self._rules, self._by_name, self._lookup, source)
        self._children: dict[str, list[str]] = {r.name: [] for r in self._regions}
        for region in self._regions:
            if region.parent:
                self._children[region.parent].append(region.name)
        keys = (*self._lookup, *self._ambiguous)
        self._longest = max((len(key) for key in keys), default=0)
        self._firsts = frozenset(key[0] for key in keys)

    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        """Read and validate a gazetteer file; GazetteerError names the file and the field.

        A file with a ``[divisions]`` table is merged over the national division table.
        """
        source = str(path)
        data = read_toml(Path(path), error=GazetteerError)
        regions, rules = _parse(data, source)
        if "divisions" not in data:
            return cls(regions, rules, source)
        options = _parse_divisions(data["divisions"], source)
        merged = national.merge(
            regions, rules, divisions.load_divisions(), options=options
        )
        return cls(merged.regions, merged.rules, source, merged.ambiguous)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip() in self._lookup

    def get(self, name: str) -> Region:
        """The region for a canonical name or alias; KeyError when unknown."""
        key = name.strip()
        if key not in self._lookup:
            raise KeyError(f"unknown region {name!r} / 未知地区“{name}”")
        return self._by_name[self._lookup[key]]

    def canonical(self, name: str) -> str:
        """Canonical name for a name or alias (穗 -> 广州市); ValueError when unknown."""
        key = name.strip()
        if key not in self._lookup:
            raise ValueError(f"未知地区“{name}” / unknown region {name!r}")
        return self._lookup[key]

    def chain(self, name: str) -> tuple[str, ...]:
        """The region and its ancestors up to 全国: ("番禺区", "广州市", "广东省", "全国")."""
        names = [self.get(name).name]
        while parent := self._by_name[names[-1]].parent:
            names.append(parent)
        return tuple(names)

    def children(self, name: str) -> tuple[str, ...]:
        """Direct sub-regions, in file order."""
        return tuple(self._children[self.get(name).name])

    def regions(self) -> tuple[Region, ...]:
        return self._regions

    def resolve(self, text: str) -> tuple[str, ...]:
        """Regions the text names, in order of first mention, most specific kept.

        A region is dropped when one of its descendants is also named (广州 + 天河 -> 天河区),
        so a comparison of two places keeps both.
        """
        named = list(dict.fromkeys(name for _, name in self._matches(text)))
        ancestors = {a for name in named for a in self.chain(name)[1:]}
        return tuple(name for name in named if name not in ancestors)

    def resolve_one(self, text: str) -> str | None:
        found = self.resolve(text)
        return found[0] if found else None

    def _matches(self, text: str) -> list[tuple[int, str]]:
        """(position, canonical name) of each place name, left to right, longest first."""
        return [(start, name) for start, _, name in self.mentions(text)]

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, canonical name)`` of each place name in ``text``, left to right.

        An ambiguous name counts when the text's other places pick one of its candidates
        (辽宁朝阳 -> 朝阳市) or it has a default; otherwise it is left out (see
        :meth:`ambiguities`).
        """
        found = self._scan(text)
        context = self._context(found)
        out = [(s, e, self._pick(k, context)) for s, e, k in found]
        return [m for m in out if m[2]]

    def ambiguities(self, text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``(name as written, candidates)`` for each ambiguous name the text leaves open."""
        found = self._scan(text)
        context = self._context(found)
        keys = [k for _, _, k in found if not self._pick(k, context)]
        return tuple((k, self._ambiguous[k][1]) for k in dict.fromkeys(keys))

    def _context(self, found: list[tuple[int, int, str]]) -> set[str]:
        """The unambiguous places found and their ancestors."""
        return {
            n
            for _, _, key in found
            if key not in self._ambiguous
            for n in self.chain(self._lookup[key])
        }

    def _pick(self, key: str, context: set[str]) -> str:
        """The region a key means given the text's other places; "" when undecided."""
        if key not in self._ambiguous:
            return self._lookup[key]
        default, candidates = self._ambiguous[key]
        for name in candidates:
            if any(a in context for a in self.chain(name)[1:-1]):
                return name
        return default

    def _scan(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, key)`` of each name or alias, left to right, longest first."""
        blocked = self._blocked_spans(text)
        found: list[tuple[int, int, str]] = []
        start = 0
        while start < len(text):
            key = None
            if text[start] in self._firsts:
                key = self._match_at(text, start, blocked)
            if key is None:
                start += 1
                continue
            found.append((start, start + len(key), key))
            start += len(key)
        return found

    def _match_at(
        self, text: str, start: int, blocked: Mapping[str, list[tuple[int, int]]]
    ) -> str | None:
        """Longest allowed name or alias at ``start``; shorter ones get their turn."""
        for size in range(min(self._longest, len(text) - start), 0, -1):
            key = text[start : start + size]
            name = self._lookup.get(key)
            if name is None and key in self._ambiguous:
                name = self._ambiguous[key][0] or key
            if name is None:
                continue
            end = start + size
            if any(s <= start and end <= e for s, e in blocked.get(name, ())):
                continue
            if key in self._rules.strict and not self._in_context(text, start, end):
                continue
            return key
        return None

    def _blocked_spans(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Per region, the spans of its ``not_in`` words found in the text."""
        spans: dict[str, list[tuple[int, int]]] = {}
        for name, words in self._rules.not_in.items():
            for word in words:
                at = text.find(word)
                while at != -1:
                    spans.setdefault(name, []).append((at, at + len(word)))
                    at = text.find(word, at + 1)
        return spans

    def _in_context(self, text: str, start: int, end: int) -> bool:
        """Whether a strict alias at [start, end) reads as a place name."""
        if any(text.endswith(m, 0, start) for m in self._rules.before):
            return True
        if any(text.startswith(m, end) for m in self._rules.after):
            return True
        if any(start >= n and text[start - n : start] in self._lookup for n in (2, 3)):
            return True  # right after another place: 辽宁朝阳, 北京朝阳
        left_edge = start == 0 or not _CJK.match(text[start - 1])
        right_edge = end == len(text) or not _CJK.match(text[end])
        return left_edge and right_edge


def _parse_divisions(table: Any, source: str) -> national.Overlay:
    """The ``[divisions]`` table: which data package, and how short forms may be used."""
    if not isinstance(table, dict):
        raise _error(source, "顶层", "divisions", "应为表（table）")
    _check_keys(table, _DIVISION_KEYS, source, "[divisions]")
    if table.get("source") != divisions.PACKAGE:
        raise _error(
            source,
            "[divisions]",
            "source",
            f"应为 {divisions.PACKAGE!r}（行政区划数据包）",
        )
    strict = _strings(table, "strict_short", source, "[divisions]")
    never = _strings(table, "no_short", source, "[divisions]")
    return national.Overlay(frozenset(strict), frozenset(never))


def _parse(data: Mapping[str, Any], source: str) -> tuple[list[Region], MatchRules]:
    """Turn the TOML tables into regions and match rules, checking field types."""
    _check_keys(data, _TOP_KEYS, source, "顶层")
    tables = data.get("region")
    if not isinstance(tables, list) or not tables:
        raise _error(source, "顶层", "region", "需要至少一个 [[region]] 表")
    regions: list[Region] = []
    strict: set[str] = set()
    not_in: dict[str, tuple[str, ...]] = {}
    for index, table in enumerate(tables):
        region, region_strict, region_not_in = _parse_region(table, index, source)
        regions.append(region)
        strict.update(region_strict)
        if region_not_in:
            not_in[region.name] = region_not_in
    context = data.get("context", {})
    if not isinstance(context, dict):
        raise _error(source, "顶层", "context", "应为表（table）")
    _check_keys(context, _CONTEXT_KEYS, source, "[context]")
    before = _strings(context, "before", source, "[context]")
    after = _strings(context, "after", source, "[context]")
    return regions, MatchRules(frozenset(strict), not_in, before, after)


def _parse_region(
    table: Any, index: int, source: str
) -> tuple[Region, tuple[str, ...], tuple[str, ...]]:
    where = f"[[region]] #{index + 1}"
    if not isinstance(table, dict):
        raise _error(source, where, "region", "应为表（table）")
    if isinstance(table.get("name"), str):
        where = f"[[region]] #{index + 1} ({table['name']})"
    _check_keys(table, _REGION_KEYS, source, where)
    for key in ("name", "level", "parent"):
        if not isinstance(table.get(key), str):
            raise _error(source, where, key, "缺少必填字段（字符串）")
    aliases = _strings(table, "aliases", source, where)
    strict = _strings(table, "strict", source, where)
    for alias in strict:
        if alias not in aliases:
            raise _error(
                source,
                where,
                "strict",
                f"{alias!r} 不是本地区的别名（须同时列在 aliases 中）",
            )
    region = Region(table["name"], table["level"], table["parent"], aliases)
    return region, strict, _strings(table, "not_in", source, where)


def _strings(
    table: Mapping[str, Any], key: str, source: str, where: str
) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _error(source, where, key, "应为非空字符串列表")
    return tuple(value)


def _check_keys(
    table: Mapping[str, Any], allowed: frozenset[str], source: str, where: str
) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _error(
            source,
            where,
            unknown[0],
            f"未知字段{did_you_mean(unknown[0], sorted(allowed))}"
            f"（可用字段: {', '.join(sorted(allowed))}）",
        )


@functools.lru_cache(maxsize=1)
def load_default() -> Gazetteer:
    """The repository's gazetteer, ``corpus/regions.toml``, loaded once."""
    return Gazetteer.load(data_dir("corpus") / "regions.toml")
