"""Build the search index: chunk → embed through the content-hash cache → write → swap.

Layout of ``index_dir``::

    current -> build-<hash>/       symlink, swapped atomically when a build completes
    build-<hash>/manifest.json     model, dim, corpus hash, chunker version, counts
                 chunks.jsonl      every chunk (indexed or not), in corpus order
                 rows.json         chunk id of each vector row (FAISS id = row number)
                 vectors.npy       (n_rows, dim) float32, L2-normalized
                 keys.json         embedding-cache key of each row (hash of the embedded text)
                 faiss.index, bm25/

A crash mid-build leaves ``current`` pointing at the previous build, which still loads.
Re-building re-embeds only rows whose embedded text changed (content-hash cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.chunking import CHUNKER_VERSION, chunk_corpus
from qa.config import Config, IndexSettings
from qa.corpus import corpus_hash, load_corpus
from qa.corpus.lexicon import USER_DICT_FILE
from qa.embedding import Embedder
from qa.index.bm25 import BM25Index
from qa.index.manifest import CURRENT, FORMAT_VERSION, MANIFEST_FILE, Manifest
from qa.index.stores import FAISS_FILE, write_store
from qa.text import TOKENIZER_VERSION, tokenize
from qa.types import Chunk, Document, to_dict

EMBED_BATCH = 32


@dataclass(frozen=True)
class BuildReport:
    n_chunks: int
    n_rows: int
    embedded: int
    reused: int
    added: int
    removed: int
    seconds: float
    path: Path


def embed_text(chunk: Chunk) -> str:
    """The text a chunk is embedded and BM25-indexed as: heading path, then clause text."""
    return f"{chunk.heading}\n{chunk.text}"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def resolve_index_type(settings: IndexSettings, n_rows: int) -> str:
    """``flat`` below ``hnsw_threshold`` rows, ``hnsw`` above, unless configured."""
    if settings.index_type != "auto":
        return settings.index_type
    return "hnsw" if n_rows >= settings.hnsw_threshold else "flat"


def build_index(
    config: Config,
    embedder: Embedder,
    *,
    docs: list[Document] | None = None,
    progress: bool = False,
) -> BuildReport:
    """Chunk the corpus, embed what changed, write a new build and swap it in atomically."""
    t0 = time.perf_counter()
    settings = config.index
    docs = load_corpus(settings.corpus_dir) if docs is None else docs
    chunks = chunk_corpus(docs, max_chars=settings.max_chars)
    rows = [c for c in chunks if c.indexed]
    texts = [embed_text(c) for c in rows]
    keys = [_key(t) for t in texts]
    cache, old_ids = _previous(settings.index_dir, embedder)
    vectors, embedded = _embed(embedder, texts, keys, cache, progress)
    manifest = _manifest(settings, embedder, docs, len(chunks), len(rows))
    regions = [c.region for c in rows]
    store = _faiss_store(settings, embedder.dim, manifest["index_type"])
    store.add(np.arange(len(rows)), vectors, regions)
    user_dict = settings.corpus_dir / USER_DICT_FILE
    bm25 = BM25Index.build([tokenize(t, user_dict=user_dict) for t in texts])
    external = write_store(
        settings.vector_backend, manifest, vectors, regions, token=settings.milvus_token
    )
    if external:
        manifest["milvus"] = external
    path = _write_build(
        settings.index_dir, manifest, chunks, rows, keys, vectors, store, bm25
    )
    new_ids = {c.id for c in rows}
    return BuildReport(
        len(chunks),
        len(rows),
        embedded,
        len(rows) - embedded,
        len(new_ids - old_ids),
        len(old_ids - new_ids),
        time.perf_counter() - t0,
        path,
    )


def _embed(
    embedder: Embedder,
    texts: list[str],
    keys: list[str],
    cache: dict[str, np.ndarray],
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


def _manifest(
    settings: IndexSettings,
    embedder: Embedder,
    docs: list[Document],
    n_chunks: int,
    n_rows: int,
) -> Manifest:
    return {
        "format_version": FORMAT_VERSION,
        "model": embedder.name,
        "dim": embedder.dim,
        "corpus_hash": corpus_hash(docs),
        "chunker_version": CHUNKER_VERSION,
        "max_chars": settings.max_chars,
        "tokenizer": TOKENIZER_VERSION,
        "index_type": resolve_index_type(settings, n_rows),
        "n_chunks": n_chunks,
        "n_rows": n_rows,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _faiss_store(settings: IndexSettings, dim: int, index_type: str) -> Any:
    from qa.index.stores.faiss import FaissStore

    return FaissStore(
        dim,
        index_type,
        ef_search=settings.hnsw_ef_search,
        m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
    )


def _batches(n: int, size: int, progress: bool) -> Iterable[int]:
    starts = range(0, n, size)
    if progress and n > size:
        from tqdm import tqdm

        return tqdm(starts, desc="嵌入条款", unit="批")
    return starts


def _previous(
    index_dir: Path, embedder: Embedder
) -> tuple[dict[str, np.ndarray], set[str]]:
    """Vectors of the current build keyed by embedded-text hash (same model only)."""
    cur = Path(index_dir) / CURRENT
    try:
        manifest = json.loads((cur / MANIFEST_FILE).read_text())
        old_ids = set(json.loads((cur / "rows.json").read_text()))
        if manifest["model"] != embedder.name or manifest["dim"] != embedder.dim:
            return {}, old_ids
        keys = json.loads((cur / "keys.json").read_text())
        vectors = np.load(cur / "vectors.npy")
        return dict(zip(keys, vectors)), old_ids
    except (OSError, ValueError, KeyError):
        return {}, set()


def _write_build(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    rows: list[Chunk],
    keys: list[str],
    vectors: np.ndarray,
    store: Any,
    bm25: BM25Index,
) -> Path:
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    name = "build-" + digest[:10]
    tmp = index_dir / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(to_dict(c), ensure_ascii=False) + "\n")
    (tmp / "rows.json").write_text(json.dumps([c.id for c in rows]))
    (tmp / "keys.json").write_text(json.dumps(keys))
    np.save(tmp / "vectors.npy", vectors)
    store.save(tmp / FAISS_FILE)
    bm25.save(tmp / "bm25")
    # The manifest is written last: a build dir without one is incomplete.
    (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    final = index_dir / name
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    _swap_current(index_dir, name)
    _clean_old(index_dir, keep=name)
    return final


def _swap_current(index_dir: Path, name: str) -> None:
    link_tmp = index_dir / f".current-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)  # atomic swap


def _clean_old(index_dir: Path, keep: str) -> None:
    for p in index_dir.iterdir():
        if p.name.startswith(("build-", ".tmp-")) and p.name != keep and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
