"""The sentence-transformers module over a packaged model (imports torch: load lazily).

``qa.embedding.packaged.packaged_encoder_class()`` imports this module on first use, so
``import qa.embedding`` stays cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules import InputModule

from qa.config import DEFAULT_MODEL
from qa.embedding.backends import KNOWN_MODELS, make_backend


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
        self.backend = backend if backend is not None else make_backend(model, threads)

    def preprocess(  # type: ignore[override]  # text only
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
        self.save_config(output_path)  # the weights live in the package, not the folder

    @classmethod
    def load(  # type: ignore[override]  # hub options arrive in kwargs
        cls, model_name_or_path: str, subfolder: str = "", **kwargs: Any
    ) -> PackagedEncoder:
        hub_keys = ("token", "cache_folder", "revision", "local_files_only")
        hub_kwargs = {k: kwargs[k] for k in hub_keys if k in kwargs}
        config = cls.load_config(model_name_or_path, subfolder=subfolder, **hub_kwargs)
        return cls(**config)
