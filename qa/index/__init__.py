"""The index stage: build (``build.py``), describe (``manifest.py``), load (here).

A loaded build holds every chunk, the chunk of each vector row, the vector store (FAISS
or Milvus, opened through :func:`qa.index.stores.open_store`) and the BM25 index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexBusy, IndexCorrupt, IndexError_, IndexMissing, IndexStale
from qa.index.bm25 import BM25Index
from qa.index.build import BuildReport, build_index, embed_text, resolve_index_type
from qa.index.integrity import check_chunks, check_files, check_shapes, corrupt
from qa.index.manifest import (
    CURRENT,
    FORMAT_VERSION,
    Manifest,
    build_manifest,
    read_manifest,
    staleness,
)
from qa.index.stores import VectorStore, open_store
from qa.types import Chunk, chunk_from_dict

__all__ = [
    "CURRENT",
    "BM25Index",
    "BuildReport",
    "IndexBusy",
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
    """Load the current build, checked against its manifest.

    Sizes of all files, hashes of the small ones, each chunk's text against its content
    id, and the store's dimension and row count are checked (``integrity.py``).

    Args:
        vector_backend: "faiss" (the index file of the build) or the Milvus URI the build
            was written to (``index/milvus.db`` for Milvus Lite, ``http://host:19530``).
    Raises:
        IndexMissing: no complete build; IndexStale: built by another format version;
        IndexCorrupt: a file is missing, altered or inconsistent (Chinese message).
    """
    # Resolved once, so a build swapped in meanwhile is not mixed with this one.
    build = (Path(index_dir) / CURRENT).resolve()
    manifest = build_manifest(build)
    if manifest is None:
        raise IndexMissing(
            f"索引不存在: {Path(index_dir) / CURRENT}。请运行 `qa index` 建立索引。"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStale(f"索引格式版本不同: {build}。请运行 `qa index` 重建索引。")
    check_files(build, manifest)
    try:
        loaded = _read_build(build, manifest, vector_backend, milvus_token, ef_search)
    except IndexError_:
        raise
    except Exception as exc:  # any unreadable piece means a corrupt build
        raise corrupt(f"{type(exc).__name__}: {exc}", build) from exc
    check_chunks(loaded.chunks, build)
    check_shapes(
        manifest,
        n_rows=len(loaded.rows),
        store_dim=int(loaded.store.dim),
        store_len=len(loaded.store),
        bm25_rows=loaded.bm25.n_docs,
        vectors_shape=loaded.vectors.shape,
        build_dir=build,
    )
    return loaded


def _read_build(
    build: Path,
    manifest: Manifest,
    vector_backend: str,
    milvus_token: str,
    ef_search: int,
) -> LoadedIndex:
    with open(build / "chunks.jsonl", encoding="utf-8") as f:
        chunks = [chunk_from_dict(json.loads(line)) for line in f]
    by_id = {c.id: c for c in chunks}
    rows = [by_id[i] for i in json.loads((build / "rows.json").read_text())]
    store = open_store(
        vector_backend,
        build,
        manifest,
        groups=_row_groups(rows),
        token=milvus_token,
        ef_search=ef_search,
    )
    bm25 = BM25Index.load(build / "bm25")
    vectors = np.load(build / "vectors.npy", mmap_mode="r")
    return LoadedIndex(manifest, chunks, rows, store, bm25, vectors)


def _row_groups(rows: list[Chunk]) -> dict[str, np.ndarray]:
    """Row numbers of each region (the FAISS per-region filters and graphs)."""
    groups: dict[str, list[int]] = {}
    for r, c in enumerate(rows):
        groups.setdefault(c.region, []).append(r)
    return {g: np.array(v) for g, v in groups.items()}
