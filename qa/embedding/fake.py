"""A deterministic, model-free embedder for unit tests."""

from __future__ import annotations

import zlib

import numpy as np

from qa.embedding.base import as_text_list, normalize


class FakeEmbedder:
    """Deterministic model-free embedder for unit tests.

    Hashes character unigrams and bigrams (crc32, stable across processes) into ``dim``
    buckets and L2-normalizes, so texts sharing characters get positive cosines.
    Queries and documents are embedded alike.
    """

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise ValueError(f"FakeEmbedder dim must be >= 2, got {dim!r}")
        self.dim = dim
        self.name = f"fake:{dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        texts = as_text_list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams or [""]:  # "" gives an empty text a unit vector too
                out[row, zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        return normalize(out)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_document(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def __repr__(self) -> str:
        return f"FakeEmbedder(dim={self.dim})"


def parse_fake_dim(name: str) -> int:
    if name == "fake":
        return 64
    raw = name.partition(":")[2]
    if not raw.isdigit():
        raise ValueError(f"fake embedder must be 'fake' or 'fake:<dim>', got {name!r}")
    return int(raw)
