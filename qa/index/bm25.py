"""BM25 (bm25s, sparse matrices) over pre-tokenized chunks, built once at index time.

Term statistics (document frequency, IDF) live here with the index they describe.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class BM25Index:
    """BM25 (bm25s, sparse matrices) over pre-tokenized chunks; rows = chunk rows."""

    def __init__(self, retriever, n_docs: int) -> None:
        self._r = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> BM25Index:
        import bm25s

        r = bm25s.BM25()
        # An empty document would break bm25s; give it a placeholder token.
        r.index([toks or ["\u0000"] for toks in token_lists], show_progress=False)
        return cls(r, len(token_lists))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens: (n_docs,) float32."""
        if not tokens or self.n_docs == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._r.get_scores(tokens), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self._r.save(str(directory), show_progress=False)
        (directory / "n_docs.json").write_text(json.dumps(self.n_docs))

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        import bm25s

        r = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(r, json.loads((directory / "n_docs.json").read_text()))


class TermStats:
    """Document frequency and IDF of query terms over the indexed rows (cached)."""

    def __init__(self, bm25: BM25Index, n_rows: int) -> None:
        self._bm25, self._n = bm25, max(1, n_rows)
        self._df: dict[str, int] = {}

    def doc_freq(self, term: str) -> int:
        """Number of indexed clauses containing the token ``term``."""
        if term not in self._df:
            self._df[term] = int((self._bm25.scores([term]) > 0).sum())
        return self._df[term]

    def idf(self, term: str) -> float:
        return float(np.log(1.0 + self._n / (1 + self.doc_freq(term))))

    def weight(self, term: str) -> float:
        """IDF of a corpus term; 0 for a word no clause contains."""
        return self.idf(term) if self.doc_freq(term) > 0 else 0.0
