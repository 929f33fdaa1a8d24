"""Merge the national division table under the project's overlay (``corpus/regions.toml``).

The overlay wins: its regions keep their names, aliases and rules, and take the adcode of the
division they match (same full name, same parent). Every other division is added with

* its full name, qualified by its parent when two divisions share it (长春市朝阳区);
* for prefecture-level divisions only, the short form (株洲市 -> 株洲). County short forms
  (城关, 和平, 长安, 新华 …) are too often ordinary words; the overlay lists the ones it wants.

A name or alias that several regions share is *ambiguous*: the gazetteer picks one from the
context of the question (辽宁朝阳), falls back to the overlay's or the highest-level region,
or reports it. Pure: the tables are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from qa.corpus.divisions import Division, short_form
from qa.corpus.regions import MatchRules, Region

_RANK = {"全国": 0, "省": 1, "市": 2, "区": 3}


@dataclass(frozen=True)
class Overlay:
    """The ``[divisions]`` table of the overlay: how short forms may be used."""

    strict_short: frozenset[str] = frozenset()  # prefecture short forms needing context
    no_short: frozenset[str] = frozenset()  # short forms never used


@dataclass(frozen=True)
class Merged:
    regions: tuple[Region, ...]
    rules: MatchRules
    # key -> (default canonical name or "", every candidate canonical name)
    ambiguous: Mapping[str, tuple[str, tuple[str, ...]]]


def merge(
    overlay: Iterable[Region],
    rules: MatchRules,
    divisions: Iterable[Division],
    *,
    options: Overlay,
) -> Merged:
    """The overlay regions plus every division it does not already name."""
    overlay = tuple(overlay)
    divisions = tuple(divisions)
    by_code = {d.code: d for d in divisions}
    full_counts: dict[str, int] = {}
    for d in divisions:
        full_counts[d.name] = full_counts.get(d.name, 0) + 1
    own = {(r.name, r.parent): r for r in overlay}
    overlay_keys = {k: r.name for r in overlay for k in (r.name, *r.aliases)}
    names: dict[str, str] = {}  # adcode -> canonical name
    matched: set[str] = set()  # adcodes of divisions the overlay names
    regions = {r.name: r for r in overlay}
    for d in divisions:  # provinces first, so parents are named before children
        parent = names.get(d.parent, "全国")
        match = own.get((d.name, parent))
        if match is not None:
            names[d.code] = match.name
            matched.add(d.code)
            regions[match.name] = replace(match, code=d.code)
            continue
        name = d.name
        if full_counts[d.name] > 1 or name in overlay_keys or len(name) < 3:
            name = by_code[d.parent].name + d.name if d.parent else d.name
        names[d.code] = name
        regions[name] = Region(name, d.level, parent, (), code=d.code)
    keys = _division_keys(divisions, names, matched, overlay_keys, options)
    return _assign(regions, rules, overlay_keys, keys, options)


def _division_keys(
    divisions: tuple[Division, ...],
    names: Mapping[str, str],
    matched: set[str],
    overlay_keys: Mapping[str, str],
    options: Overlay,
) -> dict[str, set[str]]:
    """Every name a division may be called by -> the canonical names it may mean."""
    keys: dict[str, set[str]] = {}
    for d in divisions:
        if d.code in matched:
            continue  # the overlay lists its names
        forms = {d.name} if len(d.name) >= 3 else set()  # not 城区 / 东区 / 郊区
        short = short_form(d.name)
        if d.level == "市" and len(short) >= 2 and short not in options.no_short:
            forms.add(short)
        elif len(short) >= 2 and short in overlay_keys:
            forms.add(short)  # only as another reading of the overlay's 朝阳 / 白云
        for form in forms:
            keys.setdefault(form, set()).add(names[d.code])
    return keys


def _assign(
    regions: dict[str, Region],
    rules: MatchRules,
    overlay_keys: Mapping[str, str],
    keys: Mapping[str, set[str]],
    options: Overlay,
) -> Merged:
    """Unique keys become aliases; shared ones ambiguous, with a default where one is clear."""
    aliases: dict[str, list[str]] = {}
    ambiguous: dict[str, tuple[str, tuple[str, ...]]] = {}
    strict = set(rules.strict)
    for key, cands in keys.items():
        if key in overlay_keys:
            others = tuple(sorted(cands - {overlay_keys[key]}))
            if others:
                default = overlay_keys[key]
                ambiguous[key] = (default, (default, *others))
            continue
        if len(cands) == 1:
            (name,) = cands
            if key != name:
                aliases.setdefault(name, []).append(key)
                if key in options.strict_short:
                    strict.add(key)
            continue
        ordered = tuple(sorted(cands, key=lambda n: (_RANK[regions[n].level], n)))
        top = [n for n in ordered if regions[n].level == regions[ordered[0]].level]
        ambiguous[key] = (top[0] if len(top) == 1 else "", ordered)
    out = tuple(
        replace(r, aliases=(*r.aliases, *aliases.get(r.name, ())))
        for r in regions.values()
    )
    return Merged(out, replace(rules, strict=frozenset(strict)), ambiguous)
