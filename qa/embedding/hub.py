"""Any sentence-transformers model from a local folder or the local Hugging Face cache.

Hub downloads happen only when the caller allows them (``offline=False``, from
``HF_HUB_OFFLINE=0`` at the edge); packaged models need none of this.
"""

from __future__ import annotations

from qa.embedding.backends import KNOWN_MODELS
from qa.embedding.base import SentenceTransformerEmbedder


def load_hub_or_local(
    name: str, threads: int | None, *, offline: bool = True
) -> SentenceTransformerEmbedder:
    """Load ``name`` with sentence-transformers; ValueError when it cannot be loaded."""
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
