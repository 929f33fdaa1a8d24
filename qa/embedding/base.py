"""The embedder interface, the sentence-transformers adapter, and row normalization."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


@runtime_checkable
class Embedder(Protocol):
    """Embeds queries and documents into L2-normalized float32 rows."""

    name: str
    dim: int

    def encode_query(self, texts: list[str]) -> np.ndarray: ...  # (n, dim)

    def encode_document(self, texts: list[str]) -> np.ndarray: ...  # (n, dim)


class Backend(Protocol):
    dim: int

    def encode(self, texts: list[str], *, is_query: bool) -> np.ndarray: ...  # (n, dim)


class SentenceTransformerEmbedder:
    """An :class:`Embedder` over a ``SentenceTransformer`` (exposed as ``.st``).

    For packaged models the hot path calls the package's encoder directly (the same code
    ``.st`` runs, minus sentence-transformers' batching and torch round trip).
    """

    def __init__(
        self,
        name: str,
        st: SentenceTransformer | None,
        backend: Backend | None = None,
        *,
        make_st: Callable[[], SentenceTransformer] | None = None,
    ) -> None:
        self.name = name
        self._st = st
        self._make_st = (
            make_st  # builds the SentenceTransformer on first use of ``.st``
        )
        self._backend = backend
        dim: int | None
        if backend is not None:
            dim = backend.dim
        elif st is not None:
            dim = st.get_embedding_dimension()
        else:
            raise ValueError(f"model {name!r} needs a SentenceTransformer or a backend")
        if not dim:
            raise ValueError(f"model {name!r} does not report an embedding dimension")
        self.dim = int(dim)

    @property
    def st(self) -> SentenceTransformer:
        """The ``SentenceTransformer``; for packaged models built lazily (importing torch and
        sentence-transformers costs ~4.5 s, which the fast path does not need)."""
        if self._st is None:
            if self._make_st is None:
                raise ValueError(f"model {self.name!r} has no SentenceTransformer")
            self._st = self._make_st()
        return self._st

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)

    def encode_document(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        texts = as_text_list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._backend is not None:
            return normalize(self._backend.encode(texts, is_query=is_query))
        encode = self.st.encode_query if is_query else self.st.encode_document
        emb = encode(
            texts,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(emb, dtype=np.float32)  # (n, dim)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(name={self.name!r}, dim={self.dim})"


def as_text_list(texts: list[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValueError(
            "encode_query/encode_document take a list of strings, got one str"
        )
    return list(texts)


def normalize(x: np.ndarray) -> np.ndarray:
    """L2-normalize rows as float32; zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, 1e-12), dtype=np.float32)
