"""The gazetteer's records: a region and the rules for matching its names in text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Region:
    name: str  # canonical, e.g. "番禺区"; qualified when two share a name ("长春市朝阳区")
    level: str  # "全国" | "省" | "市" | "区"
    parent: str  # "" for 全国
    aliases: tuple[str, ...]
    code: str = field(
        default="", compare=False
    )  # 6-digit adcode ("" for 全国, overlay-only)


@dataclass(frozen=True)
class MatchRules:
    """How names may match, beyond plain longest-match (see qa.corpus.gazetteer)."""

    strict: frozenset[str] = frozenset()  # aliases that need context
    not_in: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # region -> words
    before: tuple[str, ...] = ()  # markers right before a strict alias
    after: tuple[str, ...] = ()  # markers right after a strict alias
