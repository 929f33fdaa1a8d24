"""Region-aware hybrid search: dense (vector store) + BM25 fused by reciprocal rank.

``Retriever.search`` is thin: scope (``scope.py``) → one ranking per signal
(``rankings.py``) → fusion and the region-tier bonus (``fusion.py``) → hits. Every hit
says whether it is the asked region's own rule or a fallback.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.config import RetrievalSettings
from qa.corpus.gazetteer import Gazetteer
from qa.corpus.lexicon import Lexicon
from qa.embedding import Embedder
from qa.errors import QueryError
from qa.index import LoadedIndex
from qa.index.bm25 import TermStats
from qa.retrieval import fusion
from qa.retrieval.query import check_query
from qa.retrieval.rankings import dense_ranking, lexical_ranking, row_filter
from qa.retrieval.scope import scopes_for, strip_regions
from qa.text import expand_query, tokenize
from qa.types import Document, Hit, Scope, SearchResult

__all__ = ["Retriever", "Scope", "SearchResult"]


class Retriever:
    """Hybrid search over a loaded index."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        gazetteer: Gazetteer,
        docs: Sequence[Document],
        *,
        lexicon: Lexicon | None = None,
        settings: RetrievalSettings | None = None,
    ) -> None:
        self.index, self.embedder, self.gazetteer = index, embedder, gazetteer
        self.docs = {d.id: d for d in docs}
        self.doc_regions = frozenset(d.region for d in docs)
        self.lexicon = lexicon or Lexicon()
        self.settings = settings or RetrievalSettings()
        self.stats = TermStats(index.bm25, len(index.rows))
        self._row_regions = np.asarray(
            [c.region for c in index.rows], dtype=object
        )  # (n_rows,)
        self._row_kinds = [c.kind for c in index.rows]  # (n_rows,)

    def tokens(self, text: str) -> list[str]:
        """BM25 tokens of ``text`` (jieba search mode with the policy dictionary)."""
        return tokenize(text, user_dict=self.lexicon.user_dict)

    def strip_regions(self, question: str) -> str:
        """The question without its place names (the scope already encodes them)."""
        return strip_regions(question, self.gazetteer)

    def scopes(self, question: str, region: str | None = None) -> tuple[Scope, ...]:
        """The region scopes of a question: one per region named (two for a comparison)."""
        return scopes_for(question, region, self.gazetteer, self.doc_regions)

    def search(
        self,
        query: str,
        *,
        region: str | None = None,
        k: int = 5,
        level: str | None = None,
        doc_id: str | None = None,
        topic: str | None = None,
    ) -> SearchResult:
        """Ranked clauses for ``query`` within the region scope(s) it names."""
        query = check_query(query, max_chars=self.settings.max_query_chars)
        if not 1 <= k <= 100:
            raise QueryError(f"结果条数应在 1 到 100 之间，收到 {k}。")
        scopes = self.scopes(query, region)
        text, added = expand_query(self.strip_regions(query), self.lexicon.synonyms)
        qvec = self.embedder.encode_query([text])[0]  # (dim,)
        bm25_all = self.index.bm25.scores(self.tokens(text))  # (n_rows,)
        words = self.lexicon.topics.get(topic, (topic,)) if topic else ()
        rows_ok = row_filter(
            self.index.rows, self.docs, level=level, doc_id=doc_id, words=words
        )
        per_scope = [self._search_scope(s, qvec, bm25_all, rows_ok, k) for s in scopes]
        signals: dict[str, tuple[float, float]] = {}
        for _, sig in per_scope:
            signals.update(sig)
        hits = fusion.interleave([h for h, _ in per_scope], k)
        return SearchResult(query, tuple(hits), scopes, added, signals)

    def _search_scope(
        self,
        scope: Scope,
        qvec: np.ndarray,
        bm25_all: np.ndarray,
        rows_ok: np.ndarray | None,
        k: int,
    ) -> tuple[list[Hit], dict[str, tuple[float, float]]]:
        if scope.asked and not scope.allowed:
            return [], {}
        rows, s = self.index.rows, self.settings
        groups = scope.allowed if scope.asked else None
        depth = min(len(rows), max(s.depth_min, s.depth_per_k * k))
        dense, cos_of = dense_ranking(
            self.index.store, qvec, depth, groups=groups, rows_ok=rows_ok
        )
        lexical = lexical_ranking(
            bm25_all,
            depth,
            row_regions=self._row_regions,
            groups=groups,
            rows_ok=rows_ok,
        )
        chosen = {"hybrid": (dense, lexical), "dense": (dense,), "bm25": (lexical,)}
        fused = fusion.rrf(chosen[s.fusion], s.rrf_k)
        fused = fusion.chain_tier_bonus(
            fused, self._row_regions, scope, bonus=s.own_bonus, k=s.rrf_k
        )
        fused = fusion.kind_weights(fused, self._row_kinds, fusion.KIND_WEIGHTS)
        order = fusion.top_rows(fused, k)
        hits = [
            Hit(rows[r], fused[r], i + 1, scope.role(rows[r].region))
            for i, r in enumerate(order)
        ]
        signals = {
            rows[r].id: (
                cos_of.get(r, float(qvec @ self.index.vectors[r])),
                float(bm25_all[r]),
            )
            for r in order
        }
        return hits, signals
