"""The naive baseline a LangChain tutorial gives, for comparison with the real retriever.

``RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)`` over the raw corpus
files (page furniture, appendix tables and all), the same embedding model as the system,
and an exact FAISS inner-product index; no clause structure, no BM25, no region handling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50


@dataclass(frozen=True)
class BaselineChunk:
    """One splitter chunk located in its document: ``doc_text[start:end] == text``."""

    doc_id: str
    region: str
    start: int
    end: int
    text: str


def split_documents(docs) -> list[BaselineChunk]:
    """Split every document's raw text with the tutorial splitter, keeping offsets.

    Args:
        docs: iterable of objects with ``id``, ``region`` and ``text`` (qa.types.Document).
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    out: list[BaselineChunk] = []
    for doc in docs:
        for piece in splitter.create_documents([doc.text]):
            start = int(piece.metadata["start_index"])
            text = piece.page_content
            if start < 0 or doc.text[start : start + len(text)] != text:
                start = doc.text.find(
                    text
                )  # the splitter's own lookup failed; locate it
            if start < 0:
                raise ValueError(f"baseline chunk not found in {doc.id}: {text[:40]!r}")
            out.append(
                BaselineChunk(doc.id, doc.region, start, start + len(text), text)
            )
    return out


class NaiveBaseline:
    """Dense top-k over splitter chunks with the system's embedder (FAISS IndexFlatIP)."""

    def __init__(self, docs, embedder) -> None:
        import faiss

        self.embedder = embedder
        self.chunks = split_documents(docs)
        vectors = np.ascontiguousarray(
            embedder.encode_document([c.text for c in self.chunks]), dtype=np.float32
        )  # (n, dim)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def search(self, question: str, k: int = 10) -> list[BaselineChunk]:
        """The ``k`` chunks with the highest cosine to the question, best first."""
        qvec = np.ascontiguousarray(
            self.embedder.encode_query([question]), dtype=np.float32
        )  # (1, dim)
        _, ids = self.index.search(qvec, min(k, len(self.chunks)))
        return [self.chunks[int(i)] for i in ids[0] if i >= 0]
