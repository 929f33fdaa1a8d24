"""Split a policy document into clause chunks that follow its own structure.

Headings: regulations' ``第X章`` > ``第X节`` > ``第X条`` (an article's （一）（二） items stay
in it); plans' ``一、`` > ``（一）``/``(一)`` > ``1.`` > ``(1)``, and inline ``一是…二是…`` items.
Each chunk is one clause (or a sentence-bounded piece of a long one) with its heading
path and ``[start, end)`` offsets into the raw text: ``doc.text[start:end] == chunk.text``.
Web-page debris (``qa.chunking.furniture``) becomes no chunk. A trailing ``（责任单位：…）``
note becomes the clause's ``departments``. Each ``附件`` is judged by what follows it
(``qa.chunking.attachments``): the plan itself is chunked under its title; a table that
restates the body (``qa.chunking.appendix``) is parsed into rows linked to the body
clauses. A 落款 is a ``signature`` chunk, a definition clause a ``definition`` chunk.
"""

from __future__ import annotations

from qa.chunking.appendix import appendix_chunks
from qa.chunking.attachments import segments
from qa.chunking.clauses import DEFAULT_MAX_CHARS, clause_units, unit_chunks
from qa.chunking.furniture import paragraphs
from qa.chunking.ids import dedupe_ids
from qa.types import Chunk, Document

# "2": 落款 blocks split out as signature chunks; definition kind; article structure.
CHUNKER_VERSION = "2"


def chunk_document(doc: Document, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """Split one document into clause chunks (body, preamble and appendix rows)."""
    if max_chars < 50:
        raise ValueError(f"max_chars must be >= 50, got {max_chars!r}")
    chunks: list[Chunk] = []
    for seg in segments(paragraphs(doc)):
        if seg.table:
            chunks = appendix_chunks(doc, seg.paras, chunks)
            continue
        for unit in clause_units(seg.paras, root=seg.root, lead=seg.lead):
            chunks.extend(unit_chunks(doc, unit, max_chars))
    return dedupe_ids(chunks)


def chunk_corpus(
    docs: list[Document], *, max_chars: int = DEFAULT_MAX_CHARS
) -> list[Chunk]:
    """Chunk every document, in corpus order."""
    return [c for d in docs for c in chunk_document(d, max_chars=max_chars)]
