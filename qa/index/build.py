"""Build the search index: chunk → embed through the content-hash cache → write → swap.

Layout of ``index_dir``::

    current -> build-<time>-<hash>/  symlink, swapped atomically when a build completes
    build-<time>-<hash>/manifest.json  model, dim, corpus hash, counts, size + sha256 of files
                 chunks.jsonl      every chunk (indexed or not), in corpus order
                 rows.json         chunk id of each vector row (FAISS id = row number)
                 vectors.npy       (n_rows, dim) float32, L2-normalized
                 keys.json         embedding-cache key of each row (hash of the embedded text)
                 faiss.index, bm25/
    .build.lock                    flock held by the one running build

A build is written aside and swapped in (``lifecycle.py``): a build killed or failing at
any moment leaves ``current`` on the previous build, which still loads; ``--rebuild``
(``rebuild=True``) only skips the cache, it never deletes the serving build first.
Re-building re-embeds only rows whose embedded text changed (``cache.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
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
from qa.index.cache import embed_rows, embed_text, previous_vectors, text_key
from qa.index.integrity import file_records
from qa.index.lifecycle import (
    LOCK_WAIT_S,
    build_lock,
    new_build_name,
    prepare,
    prune,
    swap_current,
)
from qa.index.manifest import CURRENT, FORMAT_VERSION, MANIFEST_FILE, Manifest
from qa.index.stores import FAISS_FILE, write_store
from qa.text import TOKENIZER_VERSION, tokenize
from qa.types import Chunk, Document, to_dict


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
    rebuild: bool = False,
    status: Callable[[str], None] | None = None,
    lock_timeout: float = LOCK_WAIT_S,
) -> BuildReport:
    """Chunk the corpus, embed what changed, write a new build and swap it in atomically.

    Args:
        rebuild: embed every row again instead of reusing cached vectors
            (``qa index --rebuild``); the serving build stays until the swap.
        status: receives Chinese status lines (waiting for another build); by default
            they go to stderr when ``progress`` is on.
        lock_timeout: seconds to wait for another build of the same index directory.
    Raises:
        IndexBusy: another build held the lock longer than ``lock_timeout``.
    """
    say = status or (_to_stderr if progress else _quiet)
    index_dir = Path(config.index.index_dir)
    with build_lock(index_dir, timeout=lock_timeout, say=say):
        prepare(index_dir)
        return _build(config, embedder, docs, progress=progress, rebuild=rebuild)


def _build(
    config: Config,
    embedder: Embedder,
    docs: list[Document] | None,
    *,
    progress: bool,
    rebuild: bool,
) -> BuildReport:
    t0 = time.perf_counter()
    settings = config.index
    docs = load_corpus(settings.corpus_dir) if docs is None else docs
    chunks = chunk_corpus(docs, max_chars=settings.max_chars)
    rows = [c for c in chunks if c.indexed]
    texts = [embed_text(c) for c in rows]
    keys = [text_key(t) for t in texts]
    current = (Path(settings.index_dir) / CURRENT).resolve()
    cache, old_ids = previous_vectors(current, embedder, reuse=not rebuild)
    vectors, embedded = embed_rows(embedder, texts, keys, cache, progress)
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


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet(message: str) -> None:
    pass


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
    """Write the build aside, rename it to a fresh name, swap ``current``, prune old ones."""
    index_dir = Path(index_dir)
    digest = hashlib.sha1(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    name = new_build_name(index_dir, digest[:8])
    tmp = index_dir / f".tmp-{name}-{os.getpid()}"
    tmp.mkdir()
    try:
        _write_files(tmp, chunks, rows, keys, vectors, store, bm25)
        manifest = {**manifest, "files": file_records(tmp)}
        # The manifest is written last: a build dir without one is incomplete.
        _write_synced(
            tmp / MANIFEST_FILE, json.dumps(manifest, ensure_ascii=False, indent=1)
        )
        os.replace(tmp, index_dir / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # e.g. disk full: free the space again
        raise
    previous = swap_current(index_dir, name)
    prune(index_dir, keep={name, previous})
    return index_dir / name


def _write_files(
    tmp: Path,
    chunks: list[Chunk],
    rows: list[Chunk],
    keys: list[str],
    vectors: np.ndarray,
    store: Any,
    bm25: BM25Index,
) -> None:
    lines = (json.dumps(to_dict(c), ensure_ascii=False) + "\n" for c in chunks)
    _write_synced(tmp / "chunks.jsonl", "".join(lines))
    _write_synced(tmp / "rows.json", json.dumps([c.id for c in rows]))
    _write_synced(tmp / "keys.json", json.dumps(keys))
    np.save(tmp / "vectors.npy", vectors)
    store.save(tmp / FAISS_FILE)
    bm25.save(tmp / "bm25")
    for p in tmp.rglob("*"):
        if p.is_file():
            _fsync(p)


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
