"""FAISS vector store: exact (IndexFlatIP) or approximate (HNSW), with region filtering.

Filtering uses FAISS ID selectors, so an approximate index still only returns rows of
the requested groups (no post-filtering that could leave fewer than k results).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def set_threads(n: int) -> None:
    """FAISS OpenMP threads. Single queries on 2 cores run several times faster with 1:
    idle OpenMP workers spin and steal the core the query embedder needs."""
    import faiss

    faiss.omp_set_num_threads(max(1, int(n)))


class FaissStore:
    """VectorStore over a FAISS ``IndexIDMap2`` (flat inner product or HNSW)."""

    def __init__(self, dim: int, index_type: str = "flat", *, ef_search: int = HNSW_EF_SEARCH) -> None:
        import faiss

        if index_type not in ("flat", "hnsw"):
            raise ValueError(f"index_type must be 'flat' or 'hnsw', got {index_type!r}")
        self.dim, self.index_type, self.ef_search = dim, index_type, ef_search
        if index_type == "flat":
            base = faiss.IndexFlatIP(dim)
        else:
            base = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        self._index = faiss.IndexIDMap2(base)
        self._groups: dict[str, np.ndarray] = {}  # group -> sorted int64 ids

    def add(self, ids: np.ndarray, vectors: np.ndarray, groups: Sequence[str]) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if not (len(ids) == len(vectors) == len(groups)):
            raise ValueError(f"ids/vectors/groups lengths differ: {len(ids)}/{len(vectors)}/{len(groups)}")
        self._index.add_with_ids(vectors, ids)
        groups_arr = np.asarray(list(groups), dtype=object)
        for g in set(groups):
            new = ids[groups_arr == g]
            self._groups[g] = np.union1d(self._groups.get(g, np.zeros(0, np.int64)), new)

    def remove(self, ids: np.ndarray) -> None:
        import faiss

        ids = np.asarray(ids, dtype=np.int64)
        if self.index_type == "hnsw":
            raise NotImplementedError("HNSW does not support removal; rebuild the index")
        self._index.remove_ids(faiss.IDSelectorBatch(ids))
        for g, members in self._groups.items():
            self._groups[g] = np.setdiff1d(members, ids)

    def _params(self, groups: Collection[str] | None):
        import faiss

        kw = {}
        if groups is not None:
            members = [self._groups[g] for g in groups if g in self._groups]
            allowed = np.concatenate(members) if members else np.zeros(0, np.int64)
            kw["sel"] = faiss.IDSelectorBatch(allowed)
            if len(allowed) == 0:
                return None
        if self.index_type == "hnsw":
            return faiss.SearchParametersHNSW(efSearch=self.ef_search, **kw)
        return faiss.SearchParameters(**kw) if kw else None

    def search(self, queries, k, *, groups=None):
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        n = len(queries)
        empty = (np.full((n, k), -np.inf, np.float32), np.full((n, k), -1, np.int64))
        if len(self) == 0:
            return empty
        params = self._params(groups)
        if params is None and groups is not None:
            return empty
        scores, ids = self._index.search(queries, k, params=params)
        scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
        return scores, ids.astype(np.int64)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, groups: dict[str, np.ndarray], index_type: str) -> FaissStore:
        import faiss

        store = cls.__new__(cls)
        store._index = faiss.read_index(str(path))
        store.dim, store.index_type, store.ef_search = store._index.d, index_type, HNSW_EF_SEARCH
        store._groups = {g: np.sort(np.asarray(v, np.int64)) for g, v in groups.items()}
        return store
