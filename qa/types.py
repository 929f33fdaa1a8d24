"""The shared, immutable data types that flow through the pipeline.

corpus → Document; chunking → Chunk; retrieval → Hit; answer → Answer(Citation...).
Stages return new objects (``dataclasses.replace``); nothing is mutated in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal, get_args

LEVELS = ("全国", "省", "市", "区")
Level = Literal["全国", "省", "市", "区"]
# "clause" (indexed), "preamble" (notice text before the first heading, indexed),
# "heading" (a heading with no text under it) or "appendix" (a table row restating a
# body clause: linked, not indexed twice). Short generic chunks, indexed but candidates
# for down-weighting: "definition" (a term's definition, 本办法所称…是指…) and
# "signature" (a notice's 落款: issuing bodies and date).
ChunkKind = Literal[
    "clause", "preamble", "heading", "appendix", "definition", "signature"
]
CHUNK_KINDS: tuple[str, ...] = get_args(ChunkKind)
# "own": the asked region's own document; "fallback": a parent region's; "other": no
# region was asked, or a region outside the asked chain.
RegionRole = Literal["own", "fallback", "other"]
REGION_ROLES: tuple[str, ...] = get_args(RegionRole)


@dataclass(frozen=True)
class Document:
    """One policy document: metadata plus its raw text, byte for byte as published."""

    id: str
    title: str
    region: str
    level: str
    parent_region: str
    issuers: tuple[str, ...]
    doc_number: str
    date: str
    file: str
    seed: str
    text: str
    derived: tuple[str, ...] = ()
    notes: str = ""
    # The date the text says it applies until (YYYY-MM-DD / YYYY-MM / YYYY), "" if none.
    valid_until: str = ""


@dataclass(frozen=True)
class Chunk:
    """One clause (or one sentence-bounded piece of a long clause) of a document.

    Invariant: ``document.text[start:end] == text``.
    """

    id: str
    doc_id: str
    region: str
    clause_path: tuple[str, ...]
    start: int
    end: int
    text: str
    departments: tuple[str, ...] = ()
    kind: ChunkKind = "clause"
    # For appendix rows: the id of the body chunk this row restates ("" if none found).
    restates: str = ""
    # For body chunks: ids of appendix rows that restate this chunk.
    restated_by: tuple[str, ...] = ()
    # [start, end) of the trailing （责任单位：…） note, kept out of ``text``; (0, 0) if none.
    departments_span: tuple[int, int] = (0, 0)

    @property
    def indexed(self) -> bool:
        """Whether the chunk goes into the search index (appendix restatements do not)."""
        return self.kind != "appendix" or not self.restates

    @property
    def heading(self) -> str:
        """The clause heading path as shown to users, e.g. ``二、工作措施 > （六）…``."""
        return " > ".join(self.clause_path)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score and rank; scores never live on the chunk."""

    chunk: Chunk
    score: float
    rank: int
    region_role: RegionRole = "other"


@dataclass(frozen=True)
class Citation:
    """A verbatim quote with its provenance; ``quote == doc.text[start:end]``."""

    doc_id: str
    title: str
    region: str
    level: str
    doc_number: str
    clause: str
    quote: str
    start: int
    end: int
    score: float
    fallback: bool = False
    departments: tuple[str, ...] = ()
    # The document's issue date and the date it says it applies until ("" = not stated).
    date: str = ""
    valid_until: str = ""


@dataclass(frozen=True)
class Answer:
    """The final answer: text for people, citations for verification.

    ``error`` is set (a code such as ``"bad_input"``) when the question could not be
    processed at all; ``why`` says why the documents do not answer (a refusal).
    """

    question: str
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    region: str = ""
    notice: str = ""
    why: str = ""
    # One short line that answers (the asked figure / condition / department, a verbatim
    # span of the top quote, with its region); "" when none could be extracted.
    headline: str = ""
    # Refusal reason code: no_document, slot_not_stated, topic_absent,
    # asserted_figure_absent, injection, not_verbatim ("" when answered).
    reason: str = ""
    error: str = ""
    query: str = ""
    parts: int = 1
    latency_ms: float = 0.0
    llm_removed_quotes: int = 0

    @property
    def meta(self) -> Mapping[str, Any]:
        """Read-only view of the diagnostic fields that are set (not the default)."""
        names = ("why", "reason", "error", "query", "latency_ms", "llm_removed_quotes")
        out: dict[str, Any] = {n: getattr(self, n) for n in names if getattr(self, n)}
        if self.parts > 1:
            out["parts"] = self.parts
        return MappingProxyType(out)


# -- JSON: one serializer for the CLI, the web API, eval and bench --------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_dict(obj: Document | Chunk | Hit | Citation | Scope) -> dict[str, Any]:
    """A shared frozen type as JSON-friendly data (tuples become lists)."""
    if isinstance(obj, Hit):
        return {
            "chunk": to_dict(obj.chunk),
            "score": obj.score,
            "rank": obj.rank,
            "region_role": obj.region_role,
        }
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


def _tuples(kind: type, data: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for f in fields(kind):
        if f.name in data:
            value = data[f.name]
            out[f.name] = tuple(value) if isinstance(value, list) else value
    return out


def chunk_from_dict(data: Mapping[str, Any]) -> Chunk:
    """Inverse of :func:`to_dict` for a chunk (as stored in ``chunks.jsonl``)."""
    return Chunk(**_tuples(Chunk, data))


def citation_from_dict(data: Mapping[str, Any]) -> Citation:
    """Inverse of :func:`citation_json` (extra keys such as ``clause_text`` are ignored)."""
    return Citation(**_tuples(Citation, data))


def citation_json(c: Citation) -> dict[str, Any]:
    """The documented JSON of one citation (docs/API.md)."""
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "region": c.region,
        "level": c.level,
        "doc_number": c.doc_number,
        "clause": c.clause,
        "quote": c.quote,
        "start": c.start,
        "end": c.end,
        "score": round(float(c.score), 6),
        "fallback": bool(c.fallback),
        "departments": list(c.departments),
        "date": c.date,
        "valid_until": c.valid_until,
    }


def answer_json(ans: Answer, *, message: str = "") -> dict[str, Any]:
    """The documented JSON of one answer, shared by ``qa ask --json``, batch and /ask.

    Args:
        message: the Chinese error message when ``ans.error`` is set (defaults to the
            answer text, which carries it).
    """
    return {
        "ok": not ans.error,
        "error": (message or ans.text) if ans.error else "",
        "code": ans.error or ("refused" if ans.why else ""),
        "reason": ans.error or ans.reason or ("topic_absent" if ans.why else ""),
        "question": ans.question,
        "answered": bool(ans.answered),
        "answer": ans.text,
        "headline": ans.headline,
        "region": ans.region,
        "notice": ans.notice,
        "citations": [citation_json(c) for c in ans.citations],
        "related": [citation_json(c) for c in ans.related],
        "latency_ms": round(float(ans.latency_ms), 2),
    }


def answer_from_json(data: Mapping[str, Any]) -> Answer:
    """Rebuild an :class:`Answer` from :func:`answer_json` output."""
    code = str(data.get("code", ""))
    return Answer(
        question=data.get("question", ""),
        text=data.get("answer", ""),
        answered=bool(data.get("answered")),
        citations=tuple(citation_from_dict(c) for c in data.get("citations", [])),
        related=tuple(citation_from_dict(c) for c in data.get("related", [])),
        region=data.get("region", ""),
        notice=data.get("notice", ""),
        error=code if not data.get("ok", True) else "",
        reason=str(data.get("reason", "")),
        headline=str(data.get("headline", "")),
        latency_ms=float(data.get("latency_ms", 0.0)),
    )


def hit_json(hit: Hit, doc: Document) -> dict[str, Any]:
    """The documented JSON of one search hit (``qa search --json`` and /search)."""
    c = hit.chunk
    return {
        "rank": hit.rank,
        "score": round(float(hit.score), 6),
        "region": c.region,
        "level": doc.level,
        "region_role": hit.region_role,
        "chunk_id": c.id,
        "doc_id": c.doc_id,
        "title": doc.title,
        "doc_number": doc.doc_number,
        "clause": c.heading,
        "departments": list(c.departments),
        "start": c.start,
        "end": c.end,
        "text": c.text,
    }


@dataclass(frozen=True)
class Scope:
    """Which documents a search may use and how to label them."""

    asked: str = ""  # canonical region the user asked about ("" = none)
    own: str = ""  # region whose documents count as the asked region's own
    allowed: tuple[str, ...] = ()  # document regions searched, most specific first
    note: str = ""  # Chinese note on the scope (fallback, no document…)

    def role(self, region: str) -> RegionRole:
        if not self.asked:
            return "other"
        return "own" if region == self.own else "fallback"


@dataclass(frozen=True)
class SearchResult:
    """Hits of one search with the region scopes that produced them."""

    query: str
    hits: tuple[Hit, ...]
    scopes: tuple[Scope, ...]
    expanded: tuple[str, ...] = ()
    # chunk id -> (cosine, bm25): the raw signals behind each hit, for diagnostics.
    signals: Mapping[str, tuple[float, float]] = field(
        default_factory=dict, compare=False
    )

    def to_dict(self, docs: Mapping[str, Document]) -> dict[str, Any]:
        """The documented JSON of a search (``qa search --json`` and /search)."""
        return {
            "ok": True,
            "error": "",
            "query": self.query,
            "scopes": [to_dict(s) for s in self.scopes],
            "notes": [s.note for s in self.scopes if s.note],
            "hits": [hit_json(h, docs[h.chunk.doc_id]) for h in self.hits],
        }
