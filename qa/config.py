"""One frozen configuration object, built once at the edge (CLI / app) and passed down.

Only :func:`Config.from_env` reads the environment (``QA_*`` variables); nothing deeper does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    """Settings of a policy-qa deployment (defaults = the embedded offline setup)."""

    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    # Embedding model: a packaged name (see qa.embedding.KNOWN_MODELS), any
    # sentence-transformers model name/path, or "fake" for tests.
    model: str = ""
    max_chars: int = 300
    # What to do when the index is missing or stale: "rebuild" or "fail".
    on_stale: str = "rebuild"
    # "flat" (exact), "hnsw" (approximate) or "auto" (hnsw above hnsw_threshold vectors).
    index_type: str = "auto"
    # Exact search stays under ~10 ms region-filtered even at 1e6 rows; above 5e5 rows
    # unfiltered exact search passes ~40 ms (bench/results/scale.md).
    hnsw_threshold: int = 500_000
    # Vector backend: "faiss", or a Milvus URI ("index/milvus.db", "http://host:19530").
    vector_backend: str = "faiss"
    milvus_token: str = ""
    top_k: int = 5
    # OpenAI-compatible chat model for optional LLM phrasing ("" = off).
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 20.0
    threads: int = 1

    def __post_init__(self) -> None:
        if self.on_stale not in ("rebuild", "fail"):
            raise ValueError(
                f"on_stale must be 'rebuild' or 'fail', got {self.on_stale!r}"
            )
        if self.index_type not in ("flat", "hnsw", "auto"):
            raise ValueError(
                f"index_type must be flat/hnsw/auto, got {self.index_type!r}"
            )
        if not 50 <= self.max_chars <= 5000:
            raise ValueError(
                f"max_chars must be within 50..5000, got {self.max_chars!r}"
            )
        if not 1 <= self.top_k <= 100:
            raise ValueError(f"top_k must be within 1..100, got {self.top_k!r}")

    @property
    def model_name(self) -> str:
        """The configured model, or the packaged default."""
        if self.model:
            return self.model
        from qa.embedding import DEFAULT_MODEL

        return DEFAULT_MODEL

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Config:
        """Build from ``QA_<FIELD>`` environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = getattr(cls, f.name, None)
            values[f.name] = _coerce(f.name, raw, default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _coerce(name: str, raw: str, default: object) -> object:
    try:
        if isinstance(default, Path):
            return Path(raw)
        if isinstance(default, bool):
            return raw.lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError as exc:
        raise ValueError(
            f"QA_{name.upper()}={raw!r} is not a valid {type(default).__name__}"
        ) from exc
    return raw
