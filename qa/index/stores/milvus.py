"""Milvus backend for :class:`qa.store.VectorStore`: Milvus Lite file or Milvus server.

One code path for both: a URI ending in ``.db`` (``index/milvus.db``) opens Milvus Lite
in-process; ``http://host:19530`` talks to a server or cluster. pymilvus is imported only
when a store is built, so ``import qa`` stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

import numpy as np

INDEX_TYPES = ("FLAT", "HNSW")
_INSERT_BATCH = 4096  # rows per insert: keeps each gRPC message well under 64 MiB
_SEARCH_BATCH = 1024  # queries per search call (Milvus caps nq at 16384)
_HNSW_BUILD = {"M": 32, "efConstruction": 200}
_REGION_MAX_LEN = 256
_TEXT_MAX_LEN = 65535
# Milvus Lite holds one server (and the data-dir LOCK) per path per process; count the
# stores using each path so close() can release the lock once the last one is closed.
_LOCAL_OPEN: dict[str, int] = {}


def filter_expr(groups: Collection[str]) -> str:
    """Milvus boolean expression selecting rows whose region is one of ``groups``."""
    quoted = ", ".join(
        '"' + g.replace("\\", "\\\\").replace('"', '\\"') + '"' for g in groups
    )
    return f"region in [{quoted}]"


def _is_local(uri: str) -> bool:
    return uri.endswith(".db")


class MilvusStore:
    """VectorStore over a Milvus collection (id INT64, vector FLOAT_VECTOR, region VARCHAR).

    Scores are inner products (metric IP on unit vectors). With ``full_text=True`` the
    collection also keeps each row's text, tokenized by jieba, for :meth:`bm25_search`.
    """

    def __init__(
        self,
        uri: str,
        *,
        dim: int,
        collection: str = "policy_chunks",
        index_type: str = "FLAT",
        token: str | None = None,
        drop_existing: bool = False,
        full_text: bool = False,
        hnsw_ef: int = 512,
    ) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim!r}")
        if index_type not in INDEX_TYPES:
            raise ValueError(
                f"index_type must be one of {INDEX_TYPES}, got {index_type!r}"
            )
        self.dim = dim
        self.uri = uri
        self.collection = collection
        self.index_type = index_type
        self.full_text = full_text
        self._search_params = {
            "metric_type": "IP",
            "params": {"ef": hnsw_ef} if index_type == "HNSW" else {},
        }
        self._client = _connect(uri, token)
        try:
            if drop_existing and self._client.has_collection(collection):
                self._client.drop_collection(collection)
            if self._client.has_collection(collection):
                self._check_existing()
                # A reopened collection is "released"; search fails until it is loaded.
                self._client.load_collection(collection)
            else:
                self._create()
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("region", DataType.VARCHAR, max_length=_REGION_MAX_LEN)
        index = self._client.prepare_index_params()
        params = _HNSW_BUILD if self.index_type == "HNSW" else {}
        index.add_index(
            field_name="vector",
            index_type=self.index_type,
            metric_type="IP",
            params=params,
        )
        if self.full_text:
            schema.add_field(
                "text",
                DataType.VARCHAR,
                max_length=_TEXT_MAX_LEN,
                enable_analyzer=True,
                analyzer_params={"tokenizer": "jieba"},
            )
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(
                Function(
                    name="text_bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["text"],
                    output_field_names=["sparse"],
                )
            )
            index.add_index(
                field_name="sparse",
                index_type="SPARSE_INVERTED_INDEX",
                metric_type="BM25",
            )
        # Strong consistency: a search right after add() sees the rows (matters on a server).
        self._client.create_collection(
            self.collection,
            schema=schema,
            index_params=index,
            consistency_level="Strong",
        )

    def _check_existing(self) -> None:
        fields = {
            f["name"]: f
            for f in self._client.describe_collection(self.collection)["fields"]
        }
        if "vector" not in fields or "region" not in fields:
            raise ValueError(
                f"collection {self.collection!r} at {self.uri!r} was not built by MilvusStore "
                "(no vector/region field); pass drop_existing=True or another collection name"
            )
        found = int(fields["vector"].get("params", {}).get("dim", -1))
        if found != self.dim:
            raise ValueError(
                f"collection {self.collection!r} at {self.uri!r} has dim {found}, not {self.dim}; "
                "rebuild it with drop_existing=True (embedding model changed?)"
            )
        if self.full_text and "text" not in fields:
            raise ValueError(
                f"collection {self.collection!r} has no text field for full_text=True; "
                "rebuild it with drop_existing=True"
            )

    def add(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        groups: Sequence[str],
        *,
        texts: Sequence[str] | None = None,
    ) -> None:
        """Add rows and flush. texts is required when the store was built with full_text."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if not (len(ids) == len(vectors) == len(groups)):
            raise ValueError(
                f"ids/vectors/groups lengths differ: {len(ids)}/{len(vectors)}/{len(groups)}"
            )
        if len(np.unique(ids)) != len(ids):
            raise ValueError("ids must be unique within one add() call")
        if self.full_text and (texts is None or len(texts) != len(ids)):
            got = None if texts is None else len(texts)
            raise ValueError(
                f"full_text store needs one text per row ({len(ids)}), got {got}"
            )
        if len(ids) == 0:
            return
        for start in range(0, len(ids), _INSERT_BATCH):
            rows = []
            for i in range(start, min(start + _INSERT_BATCH, len(ids))):
                row = {"id": int(ids[i]), "vector": vectors[i], "region": groups[i]}
                if self.full_text and texts is not None:
                    row["text"] = texts[i]
                rows.append(row)
            self._client.insert(self.collection, rows)
        # Unflushed rows sit in a growing segment that is searched by brute force
        # (≈70x slower in Milvus Lite); sealing them builds the index.
        self._client.flush(self.collection)

    def remove(self, ids: np.ndarray) -> None:
        """Delete rows by id; unknown ids are ignored."""
        keys = [int(i) for i in np.asarray(ids, dtype=np.int64).reshape(-1)]
        if keys:
            self._client.delete(self.collection, ids=keys)
            self._client.flush(self.collection)

    def search(
        self, queries: np.ndarray, k: int, *, groups: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product; scores/ids (n_queries, k), padded with -inf / -1."""
        if k <= 0:
            raise ValueError(f"k must be positive, got {k!r}")
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        out = np.full((len(queries), k), -1, dtype=np.int64)
        if len(queries) == 0 or (groups is not None and len(groups) == 0):
            return scores, out
        expr = "" if groups is None else filter_expr(groups)
        for start in range(0, len(queries), _SEARCH_BATCH):
            batch = queries[start : start + _SEARCH_BATCH]
            hits = self._client.search(
                self.collection,
                data=list(batch),
                anns_field="vector",
                limit=k,
                filter=expr,
                search_params=self._search_params,
            )
            for qi, row in enumerate(hits, start=start):
                _fill(scores[qi], out[qi], row, sign=1.0)
        return scores, out

    def bm25_search(
        self, query_text: str, k: int, *, groups: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Milvus full-text (BM25, jieba) search; scores/ids (k,), higher is better.

        Milvus returns BM25 as a negative distance; it is negated here. IDF is computed
        per segment, so scores are comparable within one query only.
        """
        if not self.full_text:
            raise ValueError("bm25_search needs a store built with full_text=True")
        if k <= 0:
            raise ValueError(f"k must be positive, got {k!r}")
        scores = np.full(k, -np.inf, dtype=np.float32)
        out = np.full(k, -1, dtype=np.int64)
        if not query_text.strip() or (groups is not None and len(groups) == 0):
            return scores, out
        hits = self._client.search(
            self.collection,
            data=[query_text],
            anns_field="sparse",
            limit=k,
            filter="" if groups is None else filter_expr(groups),
            search_params={"metric_type": "BM25"},
        )
        _fill(scores, out, hits[0], sign=-1.0)
        return scores, out

    def __len__(self) -> int:
        res = self._client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def close(self) -> None:
        """Close the client; for Milvus Lite, release the data-dir lock with the last store."""
        client, self._client = getattr(self, "_client", None), None
        if client is None:
            return
        client.close()
        if _is_local(self.uri):
            path = os.path.abspath(self.uri)
            _LOCAL_OPEN[path] -= 1
            if _LOCAL_OPEN[path] == 0:
                del _LOCAL_OPEN[path]
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(path)

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fill(
    scores: np.ndarray, out: np.ndarray, hits: list[dict], *, sign: float
) -> None:
    """Copy one query's hits (best first) into preallocated (k,) rows."""
    for j, hit in enumerate(hits[: len(out)]):
        scores[j] = sign * hit["distance"]
        out[j] = hit["id"]


def _connect(uri: str, token: str | None):
    """MilvusClient for uri; a clear error when another process holds a Lite file."""
    from pymilvus import MilvusClient
    from pymilvus.exceptions import ConnectionConfigException

    if not _is_local(uri):
        return MilvusClient(uri=uri, token=token or "")
    path = os.path.abspath(uri)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        client = MilvusClient(uri=path)
    except ConnectionConfigException as e:
        if _locked_elsewhere(path):
            raise RuntimeError(
                f"Milvus Lite file {uri!r} is in use by another process (one process at a time); "
                "stop it (e.g. the running app) or use a Milvus server URI http://host:19530"
            ) from e
        raise
    _LOCAL_OPEN[path] = _LOCAL_OPEN.get(path, 0) + 1
    return client


def _locked_elsewhere(path: str) -> bool:
    """Whether another process holds the flock Milvus Lite takes on <path>/LOCK."""
    import fcntl

    lock = os.path.join(path, "LOCK")
    if not os.path.exists(lock):
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
