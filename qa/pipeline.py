"""The assembled pipeline, and the one way through a question.

``Pipeline.ask`` = check → split into parts → fold in the conversation → search →
analyze → compose → [LLM phrasing], with typed state between the steps; nothing
downstream calls back into the pipeline. ``Pipeline.load(config)`` wires everything
from the configuration (building the index on first use, or when stale unless
``on_stale="fail"``); ``Pipeline.from_parts`` takes already-built parts (bench, tests).
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from qa.answer import Composer, with_notice
from qa.answer.intent import analyze
from qa.answer.messages import INJECTION_NOTICE
from qa.answer.parts import merge_parts, question_parts
from qa.answer.validity import expiry_notice
from qa.config import Config
from qa.conversation import contextualize, last_quotes
from qa.corpus import load_checked
from qa.corpus.gazetteer import Gazetteer
from qa.corpus.lexicon import Lexicon
from qa.corpus.vocabulary import load_vocabulary
from qa.embedding import Embedder, load_embedder
from qa.errors import IndexError_, QueryError
from qa.index import LoadedIndex, build_index, load_index, read_manifest, staleness
from qa.retrieval import Retriever
from qa.retrieval.query import check_history, check_query, check_region
from qa.types import Answer, Chunk, Document, Hit, SearchResult


@dataclass(frozen=True)
class PartState:
    """One independent part of a question, with the query searched and its result."""

    question: str
    query: str
    result: SearchResult
    # Quotes of the conversation's last answer, when this part leans on it.
    previous: tuple[str, ...] = ()


@dataclass(frozen=True)
class AskState:
    """A question after retrieval: its parts, or the Chinese error of bad input."""

    question: str
    parts: tuple[PartState, ...] = ()
    error: str = ""


class Pipeline:
    """Search and answer over one corpus with one model."""

    def __init__(
        self,
        config: Config,
        docs: Sequence[Document],
        retriever: Retriever,
        composer: Composer,
        *,
        llm: Any = None,
    ) -> None:
        self.config, self.retriever, self.composer, self.llm = (
            config,
            retriever,
            composer,
            llm,
        )
        self.docs: Mapping[str, Document] = {d.id: d for d in docs}
        self.vocabulary = load_vocabulary(config.corpus_dir)
        self._chunks_by_doc: dict[str, list[Chunk]] = {}
        for c in retriever.index.chunks:
            self._chunks_by_doc.setdefault(c.doc_id, []).append(c)
        self._lock = (
            threading.Lock()
        )  # the embedder and FAISS serve one query at a time

    @classmethod
    def from_parts(
        cls,
        config: Config,
        docs: Sequence[Document],
        gazetteer: Gazetteer,
        index: LoadedIndex,
        embedder: Embedder,
        *,
        lexicon: Lexicon | None = None,
        llm: Any = None,
    ) -> Pipeline:
        """Wire a pipeline from parts that are already loaded."""
        retriever = Retriever(
            index,
            embedder,
            gazetteer,
            docs,
            lexicon=lexicon or Lexicon.load(config.corpus_dir),
            settings=config.retrieval,
        )
        composer = Composer(
            {d.id: d for d in docs},
            idf=retriever.stats.idf,
            weight=retriever.stats.weight,
            settings=config.answer,
        )
        return cls(config, docs, retriever, composer, llm=llm)

    @classmethod
    def load(
        cls,
        config: Config | None = None,
        *,
        embedder: Embedder | None = None,
        status: Callable[[str], None] | None = None,
    ) -> Pipeline:
        """Load everything; build or rebuild the index when needed.

        Args:
            embedder: an already loaded embedder (tests pass a fake or a shared one).
            status: called with Chinese progress messages (e.g. "正在建立索引…").
        """
        config = config or Config()
        docs, gazetteer, lexicon = load_checked(config.corpus_dir)
        _set_faiss_threads(config.index.threads)
        embedder = embedder or load_embedder(
            config.model_name,
            threads=config.index.threads,
            offline=config.index.hub_offline,
        )
        index = _ready_index(config, embedder, docs, status or (lambda _msg: None))
        llm = None
        if config.llm_enabled:
            from qa.llm import make_chat_model

            llm = make_chat_model(config.llm)
        return cls.from_parts(
            config, docs, gazetteer, index, embedder, lexicon=lexicon, llm=llm
        )

    # -- what the CLI, the web app and integrations use ---------------------------------
    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """Every chunk of one document, in text order (for the document view)."""
        return list(self._chunks_by_doc.get(doc_id, ()))

    def search(self, query: str, **kwargs: Any) -> SearchResult:
        """Ranked clauses (see :meth:`qa.retrieval.Retriever.search`)."""
        with self._lock:
            return self.retriever.search(query, **kwargs)

    def ask(
        self,
        question: str,
        *,
        region: str | None = None,
        history: list[dict[str, Any]] | None = None,
    ) -> Answer:
        """Answer a question with verbatim quotes; refusals are answers with answered=False."""
        t0 = time.perf_counter()
        answer = self.compose(self.retrieve(question, region=region, history=history))
        return replace(answer, latency_ms=(time.perf_counter() - t0) * 1000)

    def retrieve(
        self,
        question: str,
        *,
        region: str | None = None,
        history: list[dict[str, Any]] | None = None,
    ) -> AskState:
        """Check input, split multi-part questions, fold in the conversation, search.

        Bad input is returned as an :class:`AskState` with ``error``, not raised.
        """
        max_chars = self.config.retrieval.max_query_chars
        try:
            context = check_history(history)
            region = check_region(region)
            question = check_query(question, max_chars=max_chars)
            parts = []
            previous = last_quotes(context)
            for part in question_parts(question):
                query, part_region = contextualize(
                    part, context, self.retriever.gazetteer, region, max_chars=max_chars
                )
                k = self.config.retrieval.search_k
                result = self.search(query, region=part_region, k=k)
                leans = previous if query != part else ()
                parts.append(PartState(part, query, result, leans))
                context.append({"role": "user", "content": part})
            return AskState(question, tuple(parts))
        except QueryError as exc:
            shown = _shown(question)
            return AskState(shown, error=str(exc))

    def compose(self, state: AskState) -> Answer:
        """The grounded answer (optionally LLM-phrased) of a retrieved question."""
        if state.error:
            return Answer(state.question, state.error, False, error="bad_input")
        answers = [self._compose_part(p) for p in state.parts]
        if len(answers) == 1:
            answer = answers[0]
        else:
            answer = merge_parts(state.question, answers)
        if self.llm is not None and answer.answered:  # one call for all the parts
            from qa.llm import policy_terms, rephrase

            answer = rephrase(
                self.llm,
                answer,
                [p.result for p in state.parts],
                settings=self.config.llm,
                terms=policy_terms(self.retriever.lexicon.user_dict),
                titles={d.id: d.title for d in self.docs.values()},
            )
        return replace(answer, query=" | ".join(p.query for p in state.parts))

    def _cited_hits(
        self, quotes: tuple[str, ...], result: SearchResult
    ) -> tuple[Hit, ...]:
        """The clauses holding the quotes of the last answer, as hits in this scope."""
        hits: list[Hit] = []
        for quote in quotes:
            for doc in self.docs.values():
                at = doc.text.find(quote)
                if at < 0:
                    continue
                chunk = next(
                    (c for c in self.chunks_of(doc.id) if c.start <= at < c.end), None
                )
                if chunk and all(h.chunk.id != chunk.id for h in hits):
                    role = result.scopes[0].role(chunk.region)
                    hits.append(Hit(chunk, 1.0, len(hits) + 1, role))
                break
        return tuple(hits)

    def _compose_part(self, part: PartState) -> Answer:
        intent = analyze(
            part.question,
            tokens=self.retriever.tokens,
            strip_regions=self.retriever.strip_regions,
            synonyms=self.retriever.lexicon.synonyms,
            outside=self.vocabulary.outside_of,
            expanded=part.result.expanded,
        )
        prior = self._cited_hits(part.previous, part.result)
        answer = self.composer.compose(part.question, part.result, intent, prior=prior)
        answer = expiry_notice(answer, datetime.date.today().isoformat())
        if intent.injection:
            answer = with_notice(answer, INJECTION_NOTICE)
        return answer


def _shown(question: object) -> str:
    """The start of a rejected question, as echoed back (never a non-string)."""
    return question[:200] if isinstance(question, str) else ""


def _set_faiss_threads(n: int) -> None:
    from qa.index.stores.faiss import set_threads

    set_threads(n)


def _ready_index(
    config: Config, embedder: Embedder, docs: list[Document], say: Callable[[str], None]
) -> LoadedIndex:
    """The current index, built first when missing or stale and rebuilt when corrupt."""
    settings = config.index
    why = staleness(config, read_manifest(settings.index_dir), embedder.name, docs)
    if why:
        if settings.on_stale == "fail":
            raise IndexError_(f"{why}。请运行 `qa index` 重建索引。")
        say(f"正在建立索引…（{why}）")
        build_index(config, embedder, docs=docs, status=say)
    try:
        return _load(config)
    except IndexError_:
        if settings.on_stale == "fail":
            raise
        say("索引已损坏，正在重建索引…")
        build_index(config, embedder, docs=docs, status=say)
        return _load(config)


def _load(config: Config) -> LoadedIndex:
    s = config.index
    return load_index(
        s.index_dir,
        s.vector_backend,
        milvus_token=s.milvus_token,
        ef_search=s.hnsw_ef_search,
    )
