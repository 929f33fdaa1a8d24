"""Checks of gazetteer data: unique names, a well-formed tree, rules that fit the regions."""

from __future__ import annotations

from collections.abc import Mapping

from qa.corpus.regions import MatchRules, Region
from qa.errors import GazetteerError
from qa.types import LEVELS

_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def error(source: str, where: str, field_name: str, message: str) -> GazetteerError:
    return GazetteerError(f"{source}: {where}: field '{field_name}': {message}")


def build_lookup(regions: tuple[Region, ...], source: str) -> dict[str, str]:
    """Map every canonical name and alias to its canonical name; duplicates are errors."""
    lookup: dict[str, str] = {}
    for region in regions:
        where = f"地区 {region.name!r}"
        for field_name, keys in (("name", (region.name,)), ("aliases", region.aliases)):
            for key in keys:
                if not key or key != key.strip():
                    raise error(
                        source, where, field_name, f"名称为空或首尾有空白: {key!r}"
                    )
                if key in lookup:
                    raise error(
                        source,
                        where,
                        field_name,
                        f"名称或别名 {key!r} 重复（已属于 {lookup[key]!r}）",
                    )
                lookup[key] = region.name
    return lookup


def check_tree(by_name: Mapping[str, Region], source: str) -> None:
    """Levels known, parents known, each level strictly below its parent's (so no cycles)."""
    for region in by_name.values():
        if region.level not in _RANK:
            raise error(
                source,
                f"地区 {region.name!r}",
                "level",
                f"未知层级 {region.level!r}（应为 {'/'.join(LEVELS)}）",
            )
    roots = [r.name for r in by_name.values() if r.level == "全国"]
    if len(roots) != 1:
        raise error(
            source,
            "全部地区",
            "level",
            f"须有且只有一个层级为 全国 的地区，实有 {roots}",
        )
    for region in by_name.values():
        where = f"地区 {region.name!r}"
        if region.level == "全国":
            if region.parent:
                raise error(source, where, "parent", "全国没有上级地区，parent 应为空")
            continue
        parent = by_name.get(region.parent)
        if parent is None:
            raise error(
                source,
                where,
                "parent",
                f"未知上级地区 {region.parent!r}（须为 regions.toml 中的规范名称）",
            )
        if _RANK[parent.level] >= _RANK[region.level]:
            raise error(
                source,
                where,
                "parent",
                f"层级 {region.level} 必须低于上级 {parent.name} 的层级 {parent.level}"
                "（上级关系成环时也会报此错）",
            )


def check_rules(
    rules: MatchRules,
    by_name: Mapping[str, Region],
    lookup: Mapping[str, str],
    source: str,
) -> None:
    """Strict aliases are aliases; each not_in word contains a name of its region."""
    for alias in rules.strict:
        if alias not in lookup or alias in by_name:
            raise error(
                source,
                f"strict 别名 {alias!r}",
                "strict",
                "不是任何地区的别名",
            )
    for name, words in rules.not_in.items():
        region = by_name.get(name)
        if region is None:
            raise error(source, f"地区 {name!r}", "not_in", "未知地区")
        for word in words:
            if not any(key in word for key in (region.name, *region.aliases)):
                raise error(
                    source,
                    f"地区 {name!r}",
                    "not_in",
                    f"{word!r} 不含该地区的名称或别名",
                )
