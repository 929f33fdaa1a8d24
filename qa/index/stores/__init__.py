"""Vector stores behind one protocol, opened through one registry.

``vector_backend`` is ``"faiss"`` (the index file inside each build) or a Milvus URI
(``index/milvus.db`` for Milvus Lite, ``http://host:19530`` for a server). The kind is
decided once, here (:func:`backend_kind`), instead of by string tests in every caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np

from qa.errors import SettingsError
from qa.index.stores.base import NumpyStore, VectorStore

BackendKind = Literal["faiss", "milvus"]
FAISS_FILE = "faiss.index"

__all__ = [
    "FAISS_FILE",
    "BackendKind",
    "NumpyStore",
    "VectorStore",
    "backend_kind",
    "open_store",
    "write_store",
]


def backend_kind(spec: str) -> BackendKind:
    """``"faiss"`` or ``"milvus"`` for a ``vector_backend`` setting."""
    if spec == "faiss":
        return "faiss"
    if spec.startswith(("http://", "https://", "tcp://", "unix:")) or spec.endswith(
        ".db"
    ):
        return "milvus"
    raise SettingsError(
        f"向量库设置 {spec!r} 无效：应为 faiss、Milvus Lite 文件（*.db）或 http://host:19530"
    )


def milvus_collection(manifest: Mapping[str, Any]) -> str:
    """The Milvus collection a build's vectors are written to."""
    return f"policy_{manifest['corpus_hash']}_{manifest['dim']}"


def _open_faiss(build_dir: Path, manifest: Mapping[str, Any], **kw: Any) -> VectorStore:
    from qa.index.stores.faiss import FaissStore

    return FaissStore.load(
        build_dir / FAISS_FILE,
        kw["groups"],
        manifest["index_type"],
        ef_search=kw.get("ef_search", 128),
    )


def _open_milvus(
    build_dir: Path, manifest: Mapping[str, Any], **kw: Any
) -> VectorStore:
    from qa.index.stores.milvus import MilvusStore

    return MilvusStore(
        kw["spec"],
        dim=int(manifest["dim"]),
        collection=manifest["milvus"]["collection"],
        token=kw.get("token") or None,
    )


_OPENERS: dict[BackendKind, Callable[..., VectorStore]] = {
    "faiss": _open_faiss,
    "milvus": _open_milvus,
}


def open_store(
    spec: str,
    build_dir: Path,
    manifest: Mapping[str, Any],
    *,
    groups: dict[str, np.ndarray],
    token: str = "",
    ef_search: int = 128,
) -> VectorStore:
    """Open the vector store of a build for the configured backend."""
    opener = _OPENERS[backend_kind(spec)]
    return opener(
        build_dir, manifest, spec=spec, groups=groups, token=token, ef_search=ef_search
    )


def write_store(
    spec: str,
    manifest: Mapping[str, Any],
    vectors: np.ndarray,
    regions: list[str],
    *,
    token: str = "",
) -> dict[str, str] | None:
    """Write a build's vectors to an external backend; None for FAISS (kept in the build).

    Returns:
        what the manifest records about the external collection (``uri``, ``collection``).
    """
    if backend_kind(spec) == "faiss":
        return None
    from qa.index.stores.milvus import MilvusStore

    collection = milvus_collection(manifest)
    index_type = "HNSW" if manifest["index_type"] == "hnsw" else "FLAT"
    store = MilvusStore(
        spec,
        dim=int(manifest["dim"]),
        collection=collection,
        index_type=index_type,
        drop_existing=True,
        token=token or None,
    )
    try:
        store.add(np.arange(len(regions)), vectors, regions)
    finally:
        store.close()
    return {"uri": spec, "collection": collection}
