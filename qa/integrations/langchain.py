"""LangChain at the edge: a ``BaseRetriever`` adapter and the answer chain as a runnable.

Both wrap a :class:`qa.pipeline.Pipeline` handed in; langchain is imported inside the
functions, so ``import qa`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.pipeline import Pipeline


def policy_retriever(pipeline: Pipeline, *, k: int = 5) -> Any:
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


def answer_chain(pipeline: Pipeline) -> Any:
    """The answer pipeline as a LangChain runnable: retrieve step | compose step.

    Input: ``{"question", "region"?, "history"?}`` or a plain question string.
    Output: :class:`qa.types.Answer`.
    """
    from langchain_core.runnables import RunnableLambda

    def retrieve(inp: Any) -> Any:
        if isinstance(inp, str):
            inp = {"question": inp}
        return pipeline.retrieve(
            inp.get("question", ""),
            region=inp.get("region"),
            history=inp.get("history"),
        )

    return RunnableLambda(retrieve, name="policy_retrieve") | RunnableLambda(
        pipeline.compose, name="policy_compose"
    )
