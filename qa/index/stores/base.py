"""Vector-store interface and the brute-force reference implementation.

Every backend (FAISS flat/HNSW, Milvus) implements :class:`VectorStore`; the contract
tests run each one against :class:`NumpyStore`. Stores know nothing of chunks: they keep
int64 ids, unit-norm float32 vectors and one filter group per row (the issuing region),
and return ids; retrieval maps ids back to chunks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorStore(Protocol):
    """Inner-product search over normalized vectors with an optional group filter."""

    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray, groups: Sequence[str]) -> None:
        """Add rows. ids: (n,) int64, unique; vectors: (n, dim) float32; groups: n names."""

    def remove(self, ids: np.ndarray) -> None:
        """Remove rows by id; unknown ids are ignored."""

    def search(
        self, queries: np.ndarray, k: int, *, groups: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product, optionally only rows whose group is in ``groups``.

        Args:
            queries: (n_queries, dim) float32.
        Returns:
            scores (n_queries, k) float32 and ids (n_queries, k) int64, best first,
            padded with -inf / -1 when fewer than k rows qualify.
        """

    def __len__(self) -> int: ...


class NumpyStore:
    """Exact brute-force search in numpy: the reference every backend must match."""

    def __init__(self, dim: int) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim!r}")
        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._groups = np.zeros(0, dtype=object)

    def add(self, ids: np.ndarray, vectors: np.ndarray, groups: Sequence[str]) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if not (len(ids) == len(vectors) == len(groups)):
            raise ValueError(
                f"ids/vectors/groups lengths differ: {len(ids)}/{len(vectors)}/{len(groups)}"
            )
        self._ids = np.concatenate([self._ids, ids])
        self._vectors = np.concatenate([self._vectors, vectors])
        self._groups = np.concatenate(
            [self._groups, np.asarray(list(groups), dtype=object)]
        )

    def remove(self, ids: np.ndarray) -> None:
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        self._ids, self._vectors, self._groups = (
            self._ids[keep],
            self._vectors[keep],
            self._groups[keep],
        )

    def search(self, queries, k, *, groups=None):
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.dim)
        n = len(queries)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        out = np.full((n, k), -1, dtype=np.int64)
        mask = (
            np.ones(len(self._ids), bool)
            if groups is None
            else np.isin(self._groups, list(groups))
        )
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            return scores, out
        sims = queries @ self._vectors[rows].T  # (n_queries, n_rows)
        # Ties broken by id so every backend can be compared exactly.
        for qi in range(n):
            order = np.lexsort((self._ids[rows], -sims[qi]))[:k]
            scores[qi, : len(order)] = sims[qi, order]
            out[qi, : len(order)] = self._ids[rows][order]
        return scores, out

    def __len__(self) -> int:
        return len(self._ids)
