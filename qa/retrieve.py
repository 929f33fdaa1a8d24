"""Region-aware hybrid search: dense (FAISS) + BM25 fused by reciprocal rank.

The region a question names (or an explicit one) restricts the search to the documents
on its chain up to 全国: its own document first, then its parent's, then the national
one; every hit says whether it is the region's own rule or a fallback. A region with no
document of its own never gets another region's rules presented as its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from qa.types import Document, Hit

MAX_QUERY_CHARS = 500
RRF_K = 60
# Bonus for the asked region's own document, in units of a rank-1 RRF contribution.
OWN_BONUS = 0.12
_HAS_TEXT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# Several places named: a comparison only with a comparing word; otherwise the place the
# asker is in (after 在/到/来…) is the scope and the others are context (我是香港人，在天河…).
_COMPARE = re.compile(
    r"比较|对比|区别|不同|差别|差异|分别|各自|相比|一样|哪个(?:更|好|多|高)|和.{1,8}(?:比|呢)|vs",
    re.I,
)
_LOCATED = re.compile(r"(?:在|到|来|去|回|住|于)$")
# "Which region says X?" names places as part of X, not as a filter.
_WHICH_REGION = re.compile(
    r"(?:哪里|哪儿|哪个地方|哪个城市|哪个省|哪些地方|哪些城市|哪些省|哪地)的?"
    r"(?:政策|文件|方案|规定|提|写|说|把|明确|要求)|哪个文件|哪份文件"
)


class QueryError(ValueError):
    """A query that cannot be searched; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Scope:
    """Which documents a search may use and how to label them."""

    asked: str = ""  # canonical region the user asked about ("" = none)
    own: str = ""  # region whose documents count as the asked region's own
    allowed: tuple[
        str, ...
    ] = ()  # document regions searched, most specific first (() = all)
    note: str = ""  # Chinese note on the scope (fallback, no document…)

    def role(self, region: str) -> str:
        if not self.asked:
            return "other"
        return "own" if region == self.own else "fallback"


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    scopes: tuple[Scope, ...]
    expanded: tuple[str, ...] = ()
    signals: dict = field(
        default_factory=dict, compare=False
    )  # chunk id -> (cosine, bm25)


def check_query(text: object) -> str:
    """Return the stripped query or raise QueryError with a clear Chinese message."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("请输入问题或关键词。")
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"问题太长（{len(text)} 字），请精简到 {MAX_QUERY_CHARS} 字以内再问。"
        )
    if not _HAS_TEXT.search(text):
        raise QueryError("没有识别到文字内容，请用中文描述您的问题。")
    return text


class Retriever:
    """Hybrid search over a loaded index."""

    def __init__(
        self,
        index,
        embedder,
        gazetteer,
        docs: list[Document],
        *,
        synonyms=None,
        user_dict: str = "",
        topics: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.index, self.embedder, self.gazetteer = index, embedder, gazetteer
        self.docs = {d.id: d for d in docs}
        self.doc_regions = {d.region for d in docs}
        self.synonyms = synonyms or {}
        self.user_dict = user_dict
        self.topics = topics or {}
        self._df: dict[str, int] = {}
        self._row_regions = np.asarray(
            [c.region for c in index.rows], dtype=object
        )  # (n_rows,)
        # Which rankings are fused: "hybrid" (dense + BM25, the default), "dense" or "bm25"
        # (the single-ranking modes exist for the ablation in eval/ablation.py).
        self.fusion = "hybrid"

    # -- term statistics -------------------------------------------------------------
    def doc_freq(self, term: str) -> int:
        """Number of indexed clauses containing the token ``term`` (from the BM25 index)."""
        if term not in self._df:
            self._df[term] = int((self.index.bm25.scores([term]) > 0).sum())
        return self._df[term]

    def idf(self, term: str) -> float:
        n = max(1, len(self.index.rows))
        return float(np.log(1.0 + n / (1 + self.doc_freq(term))))

    def weight(self, term: str) -> float:
        """IDF of a corpus term; 0 for a word no clause contains."""
        return self.idf(term) if self.doc_freq(term) > 0 else 0.0

    # -- regions ---------------------------------------------------------------------
    def scopes(self, question: str, region: str | None = None) -> tuple[Scope, ...]:
        """The region scopes of a question: one per region named (two for a comparison)."""
        if region:
            try:
                names = (self.gazetteer.canonical(region),)
            except (KeyError, ValueError):
                raise QueryError(
                    f"未知地区：{region}。请填写省、市或区县名称，如 上海市、广州市、番禺区。"
                ) from None
        else:
            names = self._named_regions(question)
        return tuple(self.scope_of(n) for n in names) or (Scope(),)

    def _named_regions(self, question: str) -> tuple[str, ...]:
        if _WHICH_REGION.search(question):
            return ()
        mentions = self.gazetteer.mentions(question)
        joined = any(
            re.fullmatch(
                r"\s*(?:和|与|跟|及|以及|、|同|还是|对比|比)\s*", question[a[1] : b[0]]
            )
            for a, b in zip(mentions, mentions[1:])
        )
        if _COMPARE.search(question) or joined:
            mentioned = tuple(dict.fromkeys(n for _, _, n in mentions))
            if len(mentioned) > 1:
                return mentioned
        names = self.gazetteer.resolve(question)
        if len(names) <= 1:
            return names
        located = [
            n
            for s, _, n in self.gazetteer.mentions(question)
            if n in names and _LOCATED.search(question[max(0, s - 2) : s])
        ]
        with_docs = [
            n
            for n in names
            if n in self.doc_regions
            or any(r in self.doc_regions for r in self.gazetteer.chain(n)[1:-1])
        ]
        return ((located or with_docs or list(names))[0],)

    def scope_of(self, name: str) -> Scope:
        chain = self.gazetteer.chain(name)
        allowed = tuple(r for r in chain if r in self.doc_regions)
        if not allowed:
            return Scope(name, "", (), f"{name}及其上级地区均无收录文件")
        if allowed[0] == name:
            return Scope(name, name, allowed, "")
        return Scope(
            name,
            "",
            allowed,
            f"{name}没有收录本地文件，以下为上级（{'、'.join(allowed)}）文件的规定",
        )

    def strip_regions(self, question: str) -> str:
        """The question without its place names (the scope already encodes them)."""
        out, last = [], 0
        for s, e, _ in self.gazetteer.mentions(question):
            out.append(question[last:s])
            last = e
        out.append(question[last:])
        stripped = "".join(out).strip()
        return stripped if _HAS_TEXT.search(stripped) else question

    # -- search ----------------------------------------------------------------------
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
        """Ranked clauses for ``query``; see the module docstring for region handling."""
        from qa.bm25 import expand_query

        query = check_query(query)
        if not 1 <= k <= 100:
            raise QueryError(f"结果条数应在 1 到 100 之间，收到 {k}。")
        scopes = self.scopes(query, region)
        text, added = expand_query(self.strip_regions(query), self.synonyms)
        qvec = self.embedder.encode_query([text])[0]  # (dim,)
        qtokens = self.tokens(text)
        bm25_all = self.index.bm25.scores(qtokens)  # (n_rows,)
        rows_ok = self._filter_rows(level, doc_id, topic)
        per_scope = [self._search_scope(s, qvec, bm25_all, rows_ok, k) for s in scopes]
        hits, signals = _interleave(per_scope, k)
        return SearchResult(query, tuple(hits), scopes, added, signals)

    def tokens(self, text: str) -> list[str]:
        """BM25 tokens of ``text`` (jieba search mode with the policy dictionary)."""
        from qa.bm25 import tokenize

        return tokenize(text, user_dict=self.user_dict)

    def _filter_rows(self, level, doc_id, topic) -> np.ndarray | None:
        if not (level or doc_id or topic):
            return None
        words = self.topics.get(topic, (topic,)) if topic else ()
        ok = np.zeros(len(self.index.rows), bool)
        for r, c in enumerate(self.index.rows):
            d = self.docs.get(c.doc_id)
            ok[r] = (
                d is not None
                and (not level or d.level == level)
                and (not doc_id or c.doc_id == doc_id)
                and (not words or any(w in c.text for w in words))
            )
        return ok

    def _search_scope(self, scope: Scope, qvec, bm25_all, rows_ok, k):
        n = len(self.index.rows)
        groups = scope.allowed if scope.asked else None
        if scope.asked and not scope.allowed:
            return [], {}
        depth = min(n, max(50, 10 * k))
        cos, ids = self.index.store.search(qvec[None, :], depth, groups=groups)
        dense = [int(i) for i in ids[0] if i >= 0 and (rows_ok is None or rows_ok[i])]
        mask = bm25_all > 0
        if groups is not None:
            mask &= np.isin(self._row_regions, list(groups))
        if rows_ok is not None:
            mask &= rows_ok
        candidates = np.flatnonzero(
            mask
        )  # BM25 matches only: O(postings), not O(n log n)
        if len(candidates) > depth:
            candidates = candidates[
                np.argpartition(-bm25_all[candidates], depth - 1)[:depth]
            ]
        lexical = [
            int(i) for i in candidates[np.lexsort((candidates, -bm25_all[candidates]))]
        ]
        fused: dict[int, float] = {}
        rankings = {"hybrid": (dense, lexical), "dense": (dense,), "bm25": (lexical,)}[
            self.fusion
        ]
        for ranking in rankings:
            for rank, row in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        cos_of = {int(i): float(c) for i, c in zip(ids[0], cos[0]) if i >= 0}
        # The nearest region on the chain first, then its parent's, then 全国.
        tiers = len(scope.allowed)
        for row in fused:
            region = self.index.rows[row].region
            if tiers > 1 and region in scope.allowed:
                share = (tiers - 1 - scope.allowed.index(region)) / (tiers - 1)
                fused[row] += OWN_BONUS * share / (RRF_K + 1)
        order = sorted(fused, key=lambda r: (-fused[r], r))[:k]
        hits = [
            Hit(
                self.index.rows[r],
                fused[r],
                i + 1,
                scope.role(self.index.rows[r].region),
            )
            for i, r in enumerate(order)
        ]
        signals = {
            self.index.rows[r].id: (
                cos_of.get(r, float(qvec @ self.index.vectors[r])),
                float(bm25_all[r]),
            )
            for r in order
        }
        return hits, signals


def _interleave(per_scope: list, k: int) -> tuple[list[Hit], dict]:
    """Merge per-scope hit lists round-robin (one scope: unchanged), re-ranked 1..n."""
    from dataclasses import replace

    signals: dict = {}
    for _, sig in per_scope:
        signals.update(sig)
    lists = [hits for hits, _ in per_scope]
    merged, seen = [], set()
    limit = k if len(lists) == 1 else k * len(lists)
    for i in range(max((len(h) for h in lists), default=0)):
        for hits in lists:
            if i < len(hits) and hits[i].chunk.id not in seen:
                seen.add(hits[i].chunk.id)
                merged.append(hits[i])
    merged = merged[:limit]
    return [replace(h, rank=i + 1) for i, h in enumerate(merged)], signals
