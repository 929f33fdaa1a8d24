"""Integrity of a build: what the manifest records about its files, checked on load.

At build time :func:`file_records` lists the size and sha256 of every file of the build
(in the manifest under ``files``). On load :func:`check_files` compares sizes always and
hashes of files up to :data:`HASH_LIMIT`; :func:`check_chunks` re-derives each chunk's id
from its text (ids are content hashes); :func:`check_shapes` compares the vector store,
BM25 and vectors with the manifest. :func:`reusable_rows` decides which cached vectors a
new build may reuse. Every failure is :class:`~qa.errors.IndexCorrupt`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from qa.chunking.ids import chunk_id
from qa.errors import IndexCorrupt
from qa.index.manifest import MANIFEST_FILE, Manifest
from qa.types import Chunk

# Files up to this size are hashed on every load (milliseconds); larger ones (the vectors
# and FAISS file of a very large corpus) are only sized on load and hashed at build time.
HASH_LIMIT = 32 * 1024 * 1024
# Embedders return L2-normalized rows; a cached row whose norm is off is not trusted.
NORM_TOLERANCE = 1e-3


def corrupt(detail: str, where: Path) -> IndexCorrupt:
    return IndexCorrupt(
        f"索引已损坏（{detail}）：{where}。请运行 `qa index --rebuild` 重建。"
    )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_records(build_dir: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"size", "sha256"}}`` of every file of a build but the manifest."""
    out: dict[str, dict[str, Any]] = {}
    for p in sorted(build_dir.rglob("*")):
        rel = p.relative_to(build_dir).as_posix()
        if p.is_file() and rel != MANIFEST_FILE:
            out[rel] = {"size": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def file_intact(build_dir: Path, manifest: Manifest, rel: str) -> bool:
    """Whether one file of a build has the size and hash its manifest records."""
    rec = (manifest.get("files") or {}).get(rel)
    p = build_dir / rel
    try:
        return (
            isinstance(rec, dict)
            and p.stat().st_size == rec.get("size")
            and sha256_file(p) == rec.get("sha256")
        )
    except OSError:
        return False


def check_files(
    build_dir: Path, manifest: Manifest, *, hash_limit: int = HASH_LIMIT
) -> None:
    """Raise IndexCorrupt unless every recorded file is present with its size (and hash)."""
    records = manifest.get("files")
    if not isinstance(records, dict) or not records:
        raise corrupt("清单中没有文件校验信息", build_dir)
    for rel, rec in sorted(records.items()):
        p = build_dir / rel
        try:
            size = p.stat().st_size
        except OSError:
            raise corrupt(f"缺少文件 {rel}", build_dir) from None
        if not isinstance(rec, dict) or size != rec.get("size"):
            raise corrupt(f"文件 {rel} 的大小与清单记录不符", build_dir)
        if size <= hash_limit and sha256_file(p) != rec.get("sha256"):
            raise corrupt(f"文件 {rel} 的内容与清单记录不符", build_dir)


def id_matches_text(c: Chunk) -> bool:
    """Whether a chunk's id is the content hash of its document, heading path and text."""
    expected = chunk_id(c.doc_id, c.clause_path, c.text)
    if c.id == expected:
        return True
    # De-duplicated ids keep 13 hash characters and add "-NN" (qa.chunking.ids).
    head, sep, n = c.id.partition("-")
    return sep == "-" and head == expected[:13] and len(n) >= 2 and n.isdigit()


def check_chunks(chunks: list[Chunk], build_dir: Path) -> None:
    """Raise IndexCorrupt when a chunk's text no longer matches its id, or ids repeat."""
    for c in chunks:
        if not id_matches_text(c):
            raise corrupt(
                f"条款 {c.id} 的文本与其内容编号不符，文本被改动过", build_dir
            )
    if len({c.id for c in chunks}) != len(chunks):
        raise corrupt("条款编号重复", build_dir)


def check_shapes(
    manifest: Manifest,
    *,
    n_rows: int,
    store_dim: int,
    store_len: int,
    bm25_rows: int,
    vectors_shape: tuple[int, ...],
    build_dir: Path,
) -> None:
    """Raise IndexCorrupt when the store, BM25 or vectors disagree with the manifest."""
    dim = manifest.get("dim")
    if store_dim != dim:
        raise corrupt(f"向量索引维度 {store_dim} 与清单记录的 {dim} 不符", build_dir)
    if manifest.get("n_rows") != n_rows or store_len != n_rows or bm25_rows != n_rows:
        raise corrupt("向量数与条款数不一致", build_dir)
    if tuple(vectors_shape) != (n_rows, dim):
        raise corrupt(f"向量文件形状 {tuple(vectors_shape)} 与清单不符", build_dir)


def reusable_rows(vectors: np.ndarray, dim: int) -> np.ndarray:
    """Mask (n,) of cached vectors fit for reuse: right dimension, finite, unit norm."""
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        return np.zeros(len(vectors), dtype=bool)
    finite = np.isfinite(vectors).all(axis=1)
    norms = np.linalg.norm(np.where(finite[:, None], vectors, 0.0), axis=1)  # (n,)
    return finite & (np.abs(norms - 1.0) <= NORM_TOLERANCE)
