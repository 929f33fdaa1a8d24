"""The assembled pipeline: corpus + gazetteer + embedder + index + retriever + composer.

``Pipeline.load(config)`` is what the CLI, the web app and the evaluation use. It builds
the index on first use (or when stale, unless ``on_stale="fail"``), so a fresh install
answers without a manual step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from qa.config import Config
from qa.types import Answer, Document


class Pipeline:
    """Search and answer over one corpus with one model."""

    def __init__(
        self, config: Config, docs: list[Document], retriever, composer, *, llm=None
    ) -> None:
        self.config, self.retriever, self.composer, self.llm = (
            config,
            retriever,
            composer,
            llm,
        )
        self.docs = {d.id: d for d in docs}
        self._lock = (
            threading.Lock()
        )  # the embedder and FAISS are used one query at a time

    @classmethod
    def load(
        cls,
        config: Config | None = None,
        *,
        embedder=None,
        status: Callable[[str], None] | None = None,
    ) -> Pipeline:
        """Load everything; build or rebuild the index when needed.

        Args:
            embedder: an already loaded embedder (tests pass a fake or a shared one).
            status: called with Chinese progress messages (e.g. "正在建立索引…").
        """
        from qa.answer import Composer
        from qa.bm25 import load_synonyms, load_topics
        from qa.corpus import load_corpus
        from qa.embedding import load_embedder
        from qa.index import (
            IndexError_,
            build_index,
            load_index,
            read_manifest,
            staleness,
        )
        from qa.regions import Gazetteer
        from qa.retrieve import Retriever

        config = config or Config.from_env()
        say = status or (lambda _msg: None)
        docs = load_corpus(config.corpus_dir)
        gazetteer = Gazetteer.load(config.corpus_dir / "regions.toml")
        for d in docs:
            if d.region not in gazetteer:
                raise ValueError(
                    f"documents.toml: 文档 {d.id} 的地区 {d.region!r} 不在 regions.toml 中"
                )
        from qa.store_faiss import set_threads

        set_threads(config.threads)
        embedder = embedder or load_embedder(config.model_name, threads=config.threads)
        why = staleness(config, read_manifest(config.index_dir), embedder.name, docs)
        if why:
            if config.on_stale == "fail":
                raise IndexError_(f"{why}。请运行 `qa index` 重建索引。")
            say(f"正在建立索引…（{why}）")
            build_index(config, embedder, docs=docs)
        try:
            index = load_index(
                config.index_dir,
                config.vector_backend,
                milvus_token=config.milvus_token,
            )
        except IndexError_:
            if config.on_stale == "fail":
                raise
            say("索引已损坏，正在重建索引…")
            build_index(config, embedder, docs=docs)
            index = load_index(
                config.index_dir,
                config.vector_backend,
                milvus_token=config.milvus_token,
            )
        synonyms_file = config.corpus_dir / "synonyms.toml"
        retriever = Retriever(
            index,
            embedder,
            gazetteer,
            docs,
            synonyms=load_synonyms(synonyms_file),
            user_dict=str(config.corpus_dir / "policy_terms.txt"),
            topics=load_topics(synonyms_file),
        )
        llm = None
        if config.llm_enabled:
            from qa.chain import make_chat_model

            llm = make_chat_model(config)
        composer = Composer(
            {d.id: d for d in docs}, idf=retriever.idf, weight=retriever.weight
        )
        return cls(config, docs, retriever, composer, llm=llm)

    def search(self, query: str, **kwargs):
        """Ranked clauses (see :meth:`qa.retrieve.Retriever.search`)."""
        with self._lock:
            return self.retriever.search(query, **kwargs)

    def ask(
        self,
        question: str,
        *,
        region: str | None = None,
        history: list[dict] | None = None,
    ) -> Answer:
        """Answer a question with verbatim quotes; refusals are answers with answered=False."""
        from qa.answer import answer_question

        t0 = time.perf_counter()
        ans = answer_question(self, question, region=region, history=history)
        ans.meta["latency_ms"] = (time.perf_counter() - t0) * 1000
        return ans
