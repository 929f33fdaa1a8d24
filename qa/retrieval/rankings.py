"""One function per ranking signal: dense (vector store), lexical (BM25), row filters.

Each returns row numbers best first; fusion (``fusion.py``) combines them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from qa.index.stores import VectorStore
from qa.types import Chunk, Document


def dense_ranking(
    store: VectorStore,
    qvec: np.ndarray,
    depth: int,
    *,
    groups: Collection[str] | None,
    rows_ok: np.ndarray | None,
) -> tuple[list[int], dict[int, float]]:
    """Rows nearest to ``qvec`` (dim,) within ``groups``; also their cosines."""
    cos, ids = store.search(qvec[None, :], depth, groups=groups)
    ranking = [int(i) for i in ids[0] if i >= 0 and (rows_ok is None or rows_ok[i])]
    cos_of = {int(i): float(c) for i, c in zip(ids[0], cos[0]) if i >= 0}
    return ranking, cos_of


def lexical_ranking(
    bm25_all: np.ndarray,
    depth: int,
    *,
    row_regions: np.ndarray,
    groups: Collection[str] | None,
    rows_ok: np.ndarray | None,
) -> list[int]:
    """Rows with a BM25 match, best first (ties by row), at most ``depth``.

    Args:
        bm25_all: (n_rows,) BM25 score of every row for the query.
        row_regions: (n_rows,) region of every row.
    """
    mask = bm25_all > 0
    if groups is not None:
        mask &= np.isin(row_regions, list(groups))
    if rows_ok is not None:
        mask &= rows_ok
    candidates = np.flatnonzero(mask)  # BM25 matches only: O(postings), not O(n log n)
    if len(candidates) > depth:
        candidates = candidates[
            np.argpartition(-bm25_all[candidates], depth - 1)[:depth]
        ]
    return [int(i) for i in candidates[np.lexsort((candidates, -bm25_all[candidates]))]]


def row_filter(
    rows: Sequence[Chunk],
    docs: Mapping[str, Document],
    *,
    level: str | None,
    doc_id: str | None,
    words: tuple[str, ...],
) -> np.ndarray | None:
    """(n_rows,) bool mask of rows passing the level / document / topic filters."""
    if not (level or doc_id or words):
        return None
    ok = np.zeros(len(rows), bool)
    for r, c in enumerate(rows):
        d = docs.get(c.doc_id)
        ok[r] = (
            d is not None
            and (not level or d.level == level)
            and (not doc_id or c.doc_id == doc_id)
            and (not words or any(w in c.text for w in words))
        )
    return ok
