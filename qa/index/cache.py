"""The embedding cache: vectors of the current build that a new build may reuse.

Rows are keyed by the hash of their embedded text, so an unchanged clause keeps its vector
and only edited or new ones are embedded. Nothing is reused on trust: the previous build
must come from the same model and dimension, its vector file must match its manifest, and
each reused row must be finite and unit-norm and its key must hash the text of the chunk
it belongs to. Anything off is embedded again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa.embedding import Embedder
from qa.index.integrity import file_intact, reusable_rows
from qa.index.manifest import MANIFEST_FILE
from qa.types import Chunk, chunk_from_dict

EMBED_BATCH = 32
VECTORS_FILE = "vectors.npy"

Cache = dict[str, np.ndarray]


def embed_text(chunk: Chunk) -> str:
    """The text a chunk is embedded and BM25-indexed as: heading path, then clause text."""
    return f"{chunk.heading}\n{chunk.text}"


def text_key(text: str) -> str:
    """The cache key of an embedded text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def previous_vectors(
    build: Path, embedder: Embedder, *, reuse: bool
) -> tuple[Cache, set[str]]:
    """(vectors of ``build`` fit for reuse keyed by text hash, chunk ids of its rows).

    Args:
        build: the current build folder (``current`` resolved), possibly absent or corrupt.
        reuse: False for ``qa index --rebuild``: nothing is reused, only ids are reported.
    """
    try:
        manifest = json.loads((build / MANIFEST_FILE).read_text())
        row_ids = json.loads((build / "rows.json").read_text())
        old_ids = set(row_ids)
    except (OSError, ValueError, TypeError):
        return {}, set()
    try:
        if not reuse or not _same_model(manifest, embedder):
            return {}, old_ids
        return _checked_cache(build, manifest, row_ids, embedder.dim), old_ids
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return {}, old_ids


def _same_model(manifest: dict, embedder: Embedder) -> bool:
    return (
        manifest.get("model") == embedder.name and manifest.get("dim") == embedder.dim
    )


def _checked_cache(build: Path, manifest: dict, row_ids: list[str], dim: int) -> Cache:
    if "files" in manifest and not file_intact(build, manifest, VECTORS_FILE):
        return {}
    keys = json.loads((build / "keys.json").read_text())
    vectors = np.load(build / VECTORS_FILE)  # (n_rows, dim)
    if not len(keys) == len(row_ids) == len(vectors):
        return {}
    chunks = {}
    with open(build / "chunks.jsonl", encoding="utf-8") as f:
        for line in f:
            c = chunk_from_dict(json.loads(line))
            chunks[c.id] = c
    ok = reusable_rows(vectors, dim)
    cache: Cache = {}
    for i, (key, cid) in enumerate(zip(keys, row_ids)):
        row = chunks.get(cid)
        if ok[i] and row is not None and text_key(embed_text(row)) == key:
            cache[key] = np.array(vectors[i], dtype=np.float32)
    return cache


def embed_rows(
    embedder: Embedder,
    texts: list[str],
    keys: list[str],
    cache: Cache,
    progress: bool,
) -> tuple[np.ndarray, int]:
    """Vectors of every row, reusing cached ones; returns (vectors, number embedded)."""
    todo = [i for i, k in enumerate(keys) if k not in cache]
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)  # (n_rows, dim)
    for i, k in enumerate(keys):
        if k in cache:
            vectors[i] = cache[k]
    for start in _batches(len(todo), EMBED_BATCH, progress):
        batch = todo[start : start + EMBED_BATCH]
        vectors[batch] = embedder.encode_document([texts[i] for i in batch])
    return vectors, len(todo)


def _batches(n: int, size: int, progress: bool) -> Iterable[int]:
    starts = range(0, n, size)
    if progress and n > size:
        from tqdm import tqdm

        return tqdm(starts, desc="嵌入条款", unit="批")
    return starts
