"""Fusion as pure functions of rankings: reciprocal rank, region-tier bonus, interleave."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from qa.types import Hit, Scope


def rrf(rankings: Sequence[Sequence[int]], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: row -> sum over rankings of 1 / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


def chain_tier_bonus(
    fused: dict[int, float],
    row_region: Sequence[str] | np.ndarray,
    scope: Scope,
    *,
    bonus: float,
    k: int,
) -> dict[int, float]:
    """The nearest region on the chain first, then its parent's, then 全国.

    Adds ``bonus`` (in units of a rank-1 RRF contribution) scaled by how near the row's
    region is to the asked one; a single-tier scope is unchanged.
    """
    tiers = len(scope.allowed)
    out = dict(fused)
    if tiers <= 1:
        return out
    for row in out:
        region = row_region[row]
        if region in scope.allowed:
            share = (tiers - 1 - scope.allowed.index(region)) / (tiers - 1)
            out[row] += bonus * share / (k + 1)
    return out


# Short generic chunks (a notice's 落款, a definition article) must not outrank the
# substantive clauses: their fused score is scaled down.
KIND_WEIGHTS = {"signature": 0.3, "definition": 0.7}


def kind_weights(
    fused: dict[int, float], row_kind: Sequence[str], weights: dict[str, float]
) -> dict[int, float]:
    """Fused scores with each row's kind weight applied (1.0 for unlisted kinds)."""
    return {
        row: score * weights.get(row_kind[row], 1.0) for row, score in fused.items()
    }


def top_rows(fused: dict[int, float], k: int) -> list[int]:
    """The ``k`` best rows (ties by row number)."""
    return sorted(fused, key=lambda r: (-fused[r], r))[:k]


def interleave(per_scope: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
    """Merge per-scope hit lists round-robin (one scope: unchanged), re-ranked 1..n."""
    lists = list(per_scope)
    merged: list[Hit] = []
    seen: set[str] = set()
    limit = k if len(lists) == 1 else k * len(lists)
    for i in range(max((len(h) for h in lists), default=0)):
        for hits in lists:
            if i < len(hits) and hits[i].chunk.id not in seen:
                seen.add(hits[i].chunk.id)
                merged.append(hits[i])
    return [replace(h, rank=i + 1) for i, h in enumerate(merged[:limit])]
