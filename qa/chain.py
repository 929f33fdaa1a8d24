"""LangChain at the edge: a retriever adapter, the answer chain, optional LLM phrasing.

The default chain is ``PolicyRetriever | composer`` and needs no LLM. With a chat model
configured (any OpenAI-compatible endpoint), the grounded answer is rephrased by the LLM;
every 「quote」 in its output is checked verbatim against the cited clauses and
unverifiable quotes are removed. Errors and timeouts fall back to the grounded answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa.types import Answer

_QUOTE = re.compile(r"「([^「」]{2,})」")


def make_chat_model(config):
    """An OpenAI-compatible chat model from the config (base URL, model, key, timeout)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=config.llm_base_url,
        model=config.llm_model,
        api_key=config.llm_api_key or "not-needed",
        timeout=config.llm_timeout_s,
        max_retries=0,
        temperature=0,
    )


def verify_quotes(text: str, sources: list[str]) -> tuple[str, int]:
    """Remove every 「quote」 that is not a verbatim substring of some source clause.

    Returns:
        (text with unverifiable quotes replaced by a marker, number removed)
    """
    removed = 0

    def check(m: re.Match) -> str:
        nonlocal removed
        if any(m.group(1) in s for s in sources):
            return m.group(0)
        removed += 1
        return "〔未能核实的引文已删除〕"

    return _QUOTE.sub(check, text), removed


def rephrase(llm, answer: Answer, result, config) -> Answer:
    """Let the LLM phrase the answer; keep only verbatim quotes; fall back on any error."""
    from qa.prompts import render

    sources = [h.chunk.text for h in result.hits]
    clauses = "\n".join(
        f"[{i}] {h.chunk.region}《{h.chunk.heading}》：{h.chunk.text}"
        for i, h in enumerate(result.hits[:5], 1)
    )
    messages = [
        ("system", render("answer_system")),
        (
            "user",
            render(
                "answer_user",
                question=answer.question,
                draft=answer.text,
                clauses=clauses,
                scope_note=answer.notice or "无",
            ),
        ),
    ]
    try:
        reply = llm.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
    except (
        Exception
    ) as exc:  # network, timeout, bad endpoint: the grounded answer stands
        return replace(
            answer,
            notice=(
                answer.notice
                + f" 大模型改写失败（{type(exc).__name__}），以下为原文摘录答案。"
            ).strip(),
        )
    text, removed = verify_quotes(text, sources)
    if not _QUOTE.search(text):
        return replace(
            answer,
            notice=(
                answer.notice + " 大模型输出没有可核实的原文引用，已改用原文摘录答案。"
            ).strip(),
        )
    answer.meta["llm_removed_quotes"] = removed
    return replace(answer, text=text, meta=answer.meta)


def policy_retriever(pipeline, *, k: int = 5):
    """A LangChain ``BaseRetriever`` over the project's own region-aware search."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document as LCDocument
    from langchain_core.retrievers import BaseRetriever

    class PolicyRetriever(BaseRetriever):
        region: str | None = None

        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun
        ):
            result = pipeline.search(query, region=self.region, k=k)
            return [
                LCDocument(
                    page_content=h.chunk.text,
                    metadata={
                        "doc_id": h.chunk.doc_id,
                        "region": h.chunk.region,
                        "clause": h.chunk.heading,
                        "start": h.chunk.start,
                        "end": h.chunk.end,
                        "score": h.score,
                        "rank": h.rank,
                        "region_role": h.region_role,
                        "departments": list(h.chunk.departments),
                    },
                )
                for h in result.hits
            ]

    return PolicyRetriever()


def answer_chain(pipeline):
    """The answer pipeline as a LangChain runnable: retrieve step | compose step.

    Input: ``{"question", "region"?, "history"?}`` or a plain question string.
    Output: :class:`qa.types.Answer`.
    """
    from langchain_core.runnables import RunnableLambda

    from qa.answer import compose_step, retrieve_step

    def retrieve(inp) -> dict:
        if isinstance(inp, str):
            inp = {"question": inp}
        return retrieve_step(
            pipeline,
            inp.get("question", ""),
            region=inp.get("region"),
            history=inp.get("history"),
        )

    return RunnableLambda(retrieve, name="policy_retrieve") | RunnableLambda(
        lambda state: compose_step(pipeline, state), name="policy_compose"
    )
