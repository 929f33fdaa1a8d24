"""The index stage: build (``build.py``), describe (``manifest.py``), load (here).

A loaded build holds every chunk, the chunk of each vector row, the vector store (FAISS
or Milvus, opened through :func:`qa.index.stores.open_store`) and the BM25 index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexCorrupt, IndexError_, IndexMissing, IndexStale
from qa.index.bm25 import BM25Index
from qa.index.build import BuildReport, build_index, embed_text, resolve_index_type
from qa.index.manifest import CURRENT, Manifest, read_manifest, staleness
from qa.index.stores import VectorStore, open_store
from qa.types import Chunk, chunk_from_dict

__all__ = [
    "CURRENT",
    "BM25Index",
    "BuildReport",
    "IndexCorrupt",
    "IndexError_",
    "IndexMissing",
    "IndexStale",
    "LoadedIndex",
    "Manifest",
    "build_index",
    "embed_text",
    "load_index",
    "read_manifest",
    "resolve_index_type",
    "staleness",
]


@dataclass(frozen=True)
class LoadedIndex:
    """A loaded build: chunks, row mapping, vector store and BM25."""

    manifest: Manifest
    chunks: list[Chunk]
    rows: list[Chunk]
    store: VectorStore
    bm25: BM25Index
    vectors: np.ndarray  # (n_rows, dim), memory-mapped


def load_index(
    index_dir: Path,
    vector_backend: str = "faiss",
    *,
    milvus_token: str = "",
    ef_search: int = 128,
) -> LoadedIndex:
    """Load the current build; raises IndexError_ naming the fix when it is unreadable.

    Args:
        vector_backend: "faiss" (the index file of the build) or the Milvus URI the build
            was written to (``index/milvus.db`` for Milvus Lite, ``http://host:19530``).
    """
    cur = Path(index_dir) / CURRENT
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissing(f"索引不存在: {cur}。请运行 `qa index` 建立索引。")
    try:
        chunks = [
            chunk_from_dict(json.loads(line))
            for line in (cur / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        by_id = {c.id: c for c in chunks}
        rows = [by_id[i] for i in json.loads((cur / "rows.json").read_text())]
        store = open_store(
            vector_backend,
            cur,
            manifest,
            groups=_row_groups(rows),
            token=milvus_token,
            ef_search=ef_search,
        )
        bm25 = BM25Index.load(cur / "bm25")
        vectors = np.load(cur / "vectors.npy", mmap_mode="r")
    except Exception as exc:  # any unreadable piece means a corrupt build
        raise IndexCorrupt(
            f"索引已损坏 ({type(exc).__name__}: {exc})。请运行 `qa index --rebuild` 重建。"
        ) from exc
    if len(store) != len(rows) or bm25.n_docs != len(rows):
        raise IndexCorrupt(
            "索引已损坏（向量数与条款数不一致）。请运行 `qa index --rebuild` 重建。"
        )
    return LoadedIndex(manifest, chunks, rows, store, bm25, vectors)


def _row_groups(rows: list[Chunk]) -> dict[str, np.ndarray]:
    """Row numbers of each region (the FAISS per-region filters and graphs)."""
    groups: dict[str, list[int]] = {}
    for r, c in enumerate(rows):
        groups.setdefault(c.region, []).append(r)
    return {g: np.array(v) for g, v in groups.items()}
