"""Build, save and load the search index (FAISS + BM25 + chunks + manifest).

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

import dataclasses
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.chunking import CHUNKER_VERSION, chunk_corpus
from qa.config import Config
from qa.corpus import corpus_hash, load_corpus
from qa.types import Chunk, Document

FORMAT_VERSION = 1
CURRENT = "current"


class IndexError_(RuntimeError):
    """The index is missing, corrupt or stale; the message says how to fix it."""


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


def resolve_index_type(config: Config, n_rows: int) -> str:
    """``flat`` below ``hnsw_threshold`` rows, ``hnsw`` above, unless configured."""
    if config.index_type != "auto":
        return config.index_type
    return "hnsw" if n_rows >= config.hnsw_threshold else "flat"


def build_index(
    config: Config,
    embedder,
    *,
    docs: list[Document] | None = None,
    progress: bool = False,
) -> BuildReport:
    """Chunk the corpus, embed what changed, write a new build and swap it in atomically."""
    from qa.bm25 import TOKENIZER_VERSION, BM25Index, tokenize
    from qa.store_faiss import FaissStore

    t0 = time.perf_counter()
    docs = load_corpus(config.corpus_dir) if docs is None else docs
    chunks = chunk_corpus(docs, max_chars=config.max_chars)
    rows = [c for c in chunks if c.indexed]
    texts = [embed_text(c) for c in rows]
    keys = [_key(t) for t in texts]
    cache, old_ids = _previous(config, embedder)
    todo = [i for i, k in enumerate(keys) if k not in cache]
    vectors = np.zeros((len(rows), embedder.dim), dtype=np.float32)  # (n_rows, dim)
    for i, k in enumerate(keys):
        if k in cache:
            vectors[i] = cache[k]
    for start in _batches(len(todo), 32, progress):
        batch = todo[start : start + 32]
        vectors[batch] = embedder.encode_document([texts[i] for i in batch])
    index_type = resolve_index_type(config, len(rows))
    store = FaissStore(embedder.dim, index_type)
    store.add(np.arange(len(rows)), vectors, [c.region for c in rows])
    user_dict = config.corpus_dir / "policy_terms.txt"
    bm25 = BM25Index.build([tokenize(t, user_dict=user_dict) for t in texts])
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": embedder.name,
        "dim": embedder.dim,
        "corpus_hash": corpus_hash(docs),
        "chunker_version": CHUNKER_VERSION,
        "max_chars": config.max_chars,
        "tokenizer": TOKENIZER_VERSION,
        "index_type": index_type,
        "n_chunks": len(chunks),
        "n_rows": len(rows),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if config.vector_backend != "faiss":
        manifest["milvus"] = _fill_milvus(config, manifest, rows, vectors, index_type)
    path = _write_build(
        config.index_dir, manifest, chunks, rows, keys, vectors, store, bm25
    )
    new_ids = {c.id for c in rows}
    return BuildReport(
        len(chunks),
        len(rows),
        len(todo),
        len(rows) - len(todo),
        len(new_ids - old_ids),
        len(old_ids - new_ids),
        time.perf_counter() - t0,
        path,
    )


def _fill_milvus(
    config: Config,
    manifest: dict,
    rows: list[Chunk],
    vectors: np.ndarray,
    index_type: str,
) -> dict:
    """Write the vectors to the Milvus collection named after this build (replacing it)."""
    from qa.store_milvus import MilvusStore

    collection = f"policy_{manifest['corpus_hash']}_{manifest['dim']}"
    store = MilvusStore(
        config.vector_backend,
        dim=int(manifest["dim"]),
        collection=collection,
        index_type="HNSW" if index_type == "hnsw" else "FLAT",
        drop_existing=True,
        token=config.milvus_token or None,
    )
    try:
        store.add(np.arange(len(rows)), vectors, [c.region for c in rows])
    finally:
        store.close()
    return {"uri": config.vector_backend, "collection": collection}


def _batches(n: int, size: int, progress: bool):
    starts = range(0, n, size)
    if progress and n > size:
        from tqdm import tqdm

        return tqdm(starts, desc="嵌入条款", unit="批")
    return starts


def _previous(config: Config, embedder) -> tuple[dict[str, np.ndarray], set[str]]:
    """Vectors of the current build keyed by embedded-text hash (same model only)."""
    cur = Path(config.index_dir) / CURRENT
    try:
        manifest = json.loads((cur / "manifest.json").read_text())
        if manifest["model"] != embedder.name or manifest["dim"] != embedder.dim:
            return {}, set(json.loads((cur / "rows.json").read_text()))
        keys = json.loads((cur / "keys.json").read_text())
        vectors = np.load(cur / "vectors.npy")
        return dict(zip(keys, vectors)), set(
            json.loads((cur / "rows.json").read_text())
        )
    except (OSError, ValueError, KeyError):
        return {}, set()


def _write_build(
    index_dir: Path, manifest, chunks, rows, keys, vectors, store, bm25
) -> Path:
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = (
        "build-"
        + hashlib.sha1(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:10]
    )
    tmp = index_dir / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(dataclasses.asdict(c), ensure_ascii=False) + "\n")
    (tmp / "rows.json").write_text(json.dumps([c.id for c in rows]))
    (tmp / "keys.json").write_text(json.dumps(keys))
    np.save(tmp / "vectors.npy", vectors)
    store.save(tmp / "faiss.index")
    bm25.save(tmp / "bm25")
    # The manifest is written last: a build dir without one is incomplete.
    (tmp / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1)
    )
    final = index_dir / name
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    link_tmp = index_dir / f".current-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)  # atomic swap
    _clean_old(index_dir, keep=name)
    return final


def _clean_old(index_dir: Path, keep: str) -> None:
    for p in index_dir.iterdir():
        if p.name.startswith(("build-", ".tmp-")) and p.name != keep and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict | None:
    """The current build's manifest, or None when there is no complete build."""
    try:
        return json.loads((Path(index_dir) / CURRENT / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def staleness(
    config: Config, manifest: dict | None, model_name: str, docs: list[Document]
) -> str:
    """Why the index cannot serve this config and corpus ("" when it can), in Chinese."""
    if manifest is None:
        return "索引不存在或不完整"
    if manifest.get("format_version") != FORMAT_VERSION:
        return "索引格式版本不同"
    if manifest.get("model") != model_name:
        return f"索引由模型 {manifest.get('model')} 建立，当前配置的模型是 {model_name}"
    if manifest.get("corpus_hash") != corpus_hash(docs):
        return "语料已变更（文档或元数据与建索引时不同）"
    if (
        manifest.get("chunker_version") != CHUNKER_VERSION
        or manifest.get("max_chars") != config.max_chars
    ):
        return "分块规则已变更"
    from qa.bm25 import TOKENIZER_VERSION

    if manifest.get("tokenizer") != TOKENIZER_VERSION:
        return "分词规则已变更"
    if (
        config.vector_backend != "faiss"
        and (manifest.get("milvus") or {}).get("uri") != config.vector_backend
    ):
        return f"向量库 {config.vector_backend} 尚未写入当前索引"
    return ""


@dataclass
class LoadedIndex:
    """A loaded build: chunks, row mapping, vector store and BM25."""

    manifest: dict
    chunks: list[Chunk]
    rows: list[Chunk]
    store: object
    bm25: object
    vectors: np.ndarray


def load_index(
    index_dir: Path, vector_backend: str = "faiss", *, milvus_token: str = ""
) -> LoadedIndex:
    """Load the current build; raises IndexError_ naming the fix when it is unreadable.

    Args:
        vector_backend: "faiss" (the index file of the build) or the Milvus URI the build
            was written to (``index/milvus.db`` for Milvus Lite, ``http://host:19530``).
    """
    from qa.bm25 import BM25Index
    from qa.store_faiss import FaissStore

    cur = Path(index_dir) / CURRENT
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexError_(f"索引不存在: {cur}。请运行 `qa index` 建立索引。")
    try:
        chunks = [
            _chunk_from_json(json.loads(line))
            for line in (cur / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        by_id = {c.id: c for c in chunks}
        rows = [by_id[i] for i in json.loads((cur / "rows.json").read_text())]
        groups: dict[str, list[int]] = {}
        for r, c in enumerate(rows):
            groups.setdefault(c.region, []).append(r)
        if vector_backend == "faiss":
            store = FaissStore.load(
                cur / "faiss.index",
                {g: np.array(v) for g, v in groups.items()},
                manifest["index_type"],
            )
        else:
            from qa.store_milvus import MilvusStore

            store = MilvusStore(
                vector_backend,
                dim=int(manifest["dim"]),
                collection=manifest["milvus"]["collection"],
                token=milvus_token or None,
            )
        bm25 = BM25Index.load(cur / "bm25")
        vectors = np.load(cur / "vectors.npy", mmap_mode="r")
    except Exception as exc:  # any unreadable piece means a corrupt build
        raise IndexError_(
            f"索引已损坏 ({type(exc).__name__}: {exc})。请运行 `qa index --rebuild` 重建。"
        ) from exc
    if len(store) != len(rows) or bm25.n_docs != len(rows):
        raise IndexError_(
            "索引已损坏（向量数与条款数不一致）。请运行 `qa index --rebuild` 重建。"
        )
    return LoadedIndex(manifest, chunks, rows, store, bm25, vectors)


def _chunk_from_json(d: dict) -> Chunk:
    d["clause_path"] = tuple(d["clause_path"])
    d["departments"] = tuple(d["departments"])
    d["restated_by"] = tuple(d["restated_by"])
    d["departments_span"] = tuple(d["departments_span"])
    return Chunk(**d)
