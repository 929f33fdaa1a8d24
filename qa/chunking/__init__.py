"""Split a policy document into clause chunks that follow its own structure.

Headings: ``一、`` > ``（一）``/``(一)`` > ``1.`` > ``(1)``, and inline ``一是…二是…`` items.
Each chunk is one clause (or a sentence-bounded piece of a long one) with its heading
path and ``[start, end)`` offsets into the raw text: ``doc.text[start:end] == chunk.text``.
A trailing ``（责任单位：…）`` note becomes the clause's ``departments``. An appendix table
that restates the body (``qa.chunking.appendix``) is parsed into rows linked to the body clauses.
"""

from __future__ import annotations

import re

from qa.chunking.appendix import appendix_chunks
from qa.chunking.clauses import DEFAULT_MAX_CHARS, clause_units, unit_chunks
from qa.chunking.furniture import paragraphs
from qa.chunking.ids import dedupe_ids
from qa.types import Chunk, Document

CHUNKER_VERSION = "1"


_APPENDIX = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*$")


def chunk_document(doc: Document, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """Split one document into clause chunks (body, preamble and appendix rows)."""
    if max_chars < 50:
        raise ValueError(f"max_chars must be >= 50, got {max_chars!r}")
    paras = paragraphs(doc)
    cut = next((i for i, p in enumerate(paras) if _APPENDIX.match(p.text)), len(paras))
    chunks: list[Chunk] = []
    for unit in clause_units(paras[:cut]):
        chunks.extend(unit_chunks(doc, unit, max_chars))
    if cut < len(paras):
        chunks = appendix_chunks(doc, paras[cut:], chunks)
    return dedupe_ids(chunks)


def chunk_corpus(
    docs: list[Document], *, max_chars: int = DEFAULT_MAX_CHARS
) -> list[Chunk]:
    """Chunk every document, in corpus order."""
    return [c for d in docs for c in chunk_document(d, max_chars=max_chars)]
