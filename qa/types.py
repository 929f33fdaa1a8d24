"""The shared, immutable data types that flow through the pipeline.

corpus → Document; chunking → Chunk; retrieval → Hit; answer → Answer(Citation...).
Stages return new objects (``dataclasses.replace``); nothing is mutated in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("全国", "省", "市", "区")


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
    # "clause" (indexed), "preamble" (notice text before the first heading, indexed) or
    # "appendix" (a table row restating a body clause: linked, not indexed twice).
    kind: str = "clause"
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
    # "own": the asked region's own document; "fallback": a parent region's; "other":
    # no region was asked, or a region outside the asked chain.
    region_role: str = "other"


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


@dataclass(frozen=True)
class Answer:
    """The final answer: text for people, citations for verification."""

    question: str
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    region: str = ""
    notice: str = ""
    meta: dict = field(default_factory=dict, compare=False)
