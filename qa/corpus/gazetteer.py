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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.config import data_dir
from qa.corpus.files import did_you_mean, read_toml
from qa.errors import GazetteerError
from qa.types import LEVELS

_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_TOP_KEYS = frozenset({"context", "region"})
_REGION_KEYS = frozenset({"name", "level", "parent", "aliases", "strict", "not_in"})
_CONTEXT_KEYS = frozenset({"before", "after"})
# CJK ideographs (basic, extension A, compatibility); anything else is a word boundary.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Region:
    name: str  # canonical, e.g. "番禺区"
    level: str  # "全国" | "省" | "市" | "区"
    parent: str  # "" for 全国
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class MatchRules:
    """How names may match, beyond plain longest-match (see the module docstring)."""

    strict: frozenset[str] = frozenset()  # aliases that need context
    not_in: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # region -> words
    before: tuple[str, ...] = ()  # markers right before a strict alias
    after: tuple[str, ...] = ()  # markers right after a strict alias


def _error(source: str, where: str, field_name: str, message: str) -> GazetteerError:
    return GazetteerError(f"{source}: {where}: field '{field_name}': {message}")


class Gazetteer:
    """Regions by canonical name, with lookups by alias and a text resolver."""

    def __init__(
        self,
        regions: Iterable[Region],
        rules: MatchRules | None = None,
        source: str = "<gazetteer>",
    ) -> None:
        self._regions = tuple(regions)
        self._rules = rules or MatchRules()
        self._by_name = {r.name: r for r in self._regions}
        self._lookup = _build_lookup(self._regions, source)
        _check_tree(self._by_name, source)
        _check_rules(self._rules, self._by_name, self._lookup, source)
        self._children: dict[str, list[str]] = {r.name: [] for r in self._regions}
        for region in self._regions:
            if region.parent:
                self._children[region.parent].append(region.name)
        self._longest = max((len(key) for key in self._lookup), default=0)

    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        """Read and validate a gazetteer file; GazetteerError names the file and the field."""
        source = str(path)
        data = read_toml(Path(path), error=GazetteerError)
        regions, rules = _parse(data, source)
        return cls(regions, rules, source)

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
        """``(start, end, canonical name)`` of each place name in ``text``, left to right."""
        blocked = self._blocked_spans(text)
        found: list[tuple[int, int, str]] = []
        start = 0
        while start < len(text):
            key = self._match_at(text, start, blocked)
            if key is None:
                start += 1
                continue
            found.append((start, start + len(key), self._lookup[key]))
            start += len(key)
        return found

    def _match_at(
        self, text: str, start: int, blocked: Mapping[str, list[tuple[int, int]]]
    ) -> str | None:
        """Longest allowed name or alias at ``start``; shorter ones get their turn."""
        for size in range(min(self._longest, len(text) - start), 0, -1):
            key = text[start : start + size]
            name = self._lookup.get(key)
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
        left_edge = start == 0 or not _CJK.match(text[start - 1])
        right_edge = end == len(text) or not _CJK.match(text[end])
        return left_edge and right_edge


def _build_lookup(regions: tuple[Region, ...], source: str) -> dict[str, str]:
    """Map every canonical name and alias to its canonical name; duplicates are errors."""
    lookup: dict[str, str] = {}
    for region in regions:
        where = f"地区 {region.name!r}"
        for field_name, keys in (("name", (region.name,)), ("aliases", region.aliases)):
            for key in keys:
                if not key or key != key.strip():
                    raise _error(
                        source, where, field_name, f"名称为空或首尾有空白: {key!r}"
                    )
                if key in lookup:
                    raise _error(
                        source,
                        where,
                        field_name,
                        f"名称或别名 {key!r} 重复（已属于 {lookup[key]!r}）",
                    )
                lookup[key] = region.name
    return lookup


def _check_tree(by_name: Mapping[str, Region], source: str) -> None:
    """Levels known, parents known, each level strictly below its parent's (so no cycles)."""
    for region in by_name.values():
        if region.level not in _RANK:
            raise _error(
                source,
                f"地区 {region.name!r}",
                "level",
                f"未知层级 {region.level!r}（应为 {'/'.join(LEVELS)}）",
            )
    roots = [r.name for r in by_name.values() if r.level == "全国"]
    if len(roots) != 1:
        raise _error(
            source,
            "全部地区",
            "level",
            f"须有且只有一个层级为 全国 的地区，实有 {roots}",
        )
    for region in by_name.values():
        where = f"地区 {region.name!r}"
        if region.level == "全国":
            if region.parent:
                raise _error(source, where, "parent", "全国没有上级地区，parent 应为空")
            continue
        parent = by_name.get(region.parent)
        if parent is None:
            raise _error(
                source,
                where,
                "parent",
                f"未知上级地区 {region.parent!r}（须为 regions.toml 中的规范名称）",
            )
        if _RANK[parent.level] >= _RANK[region.level]:
            raise _error(
                source,
                where,
                "parent",
                f"层级 {region.level} 必须低于上级 {parent.name} 的层级 {parent.level}"
                "（上级关系成环时也会报此错）",
            )


def _check_rules(
    rules: MatchRules,
    by_name: Mapping[str, Region],
    lookup: Mapping[str, str],
    source: str,
) -> None:
    """Strict aliases are aliases; each not_in word contains a name of its region."""
    for alias in rules.strict:
        if alias not in lookup or alias in by_name:
            raise _error(
                source,
                f"strict 别名 {alias!r}",
                "strict",
                "不是任何地区的别名",
            )
    for name, words in rules.not_in.items():
        region = by_name.get(name)
        if region is None:
            raise _error(source, f"地区 {name!r}", "not_in", "未知地区")
        for word in words:
            if not any(key in word for key in (region.name, *region.aliases)):
                raise _error(
                    source,
                    f"地区 {name!r}",
                    "not_in",
                    f"{word!r} 不含该地区的名称或别名",
                )


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
