"""Full answer latency at scale: ``Pipeline.ask`` over a synthetic ``LoadedIndex``.

The pipeline is wired by :meth:`qa.pipeline.Pipeline.from_parts`, the constructor
production's ``Pipeline.load`` uses, so the retriever and the composer (with the term
statistics of the synthetic BM25 index) are the served ones. The vector store, BM25 index
and query embedder are wrapped to time each stage; the rest of p50 is fusion, intent
analysis and composing.
"""

from __future__ import annotations

import time

import numpy as np

from bench.util import percentile, timed_queries


class _Timed:
    """Proxy that adds each call's wall time of one method to a bucket."""

    def __init__(self, obj, method: str, bucket: dict, key: str) -> None:
        self._obj, self._method, self._bucket, self._key = obj, method, bucket, key

    def __getattr__(self, name):
        attr = getattr(self._obj, name)
        if name != self._method:
            return attr

        def wrapped(*a, **kw):
            t0 = time.perf_counter()
            try:
                return attr(*a, **kw)
            finally:
                self._bucket.setdefault(self._key, []).append(
                    (time.perf_counter() - t0) * 1000
                )

        return wrapped


def synthetic_pipeline(ctx, sc, vecs, store, bm25, bucket: dict):
    """The production pipeline over the synthetic corpus, its stages timed into ``bucket``."""
    from qa.index import LoadedIndex
    from qa.pipeline import Pipeline

    index = LoadedIndex(
        {"synthetic": True, "n_rows": len(sc)},
        sc.chunks,
        sc.chunks,
        _Timed(store, "search", bucket, "vector_search"),
        _Timed(bm25, "scores", bucket, "bm25_scores"),
        vecs,
    )
    return Pipeline.from_parts(
        ctx.pipeline.config,
        sc.docs,
        ctx.gazetteer,
        index,
        _Timed(ctx.embedder, "encode_query", bucket, "embed_query"),
        lexicon=ctx.lexicon,
    )


def answer_latency(ctx, sc, vecs, store, bm25, args) -> dict:
    """``Pipeline.ask`` over the gold questions with a synthetic LoadedIndex; stage split."""
    bucket: dict = {}
    p = synthetic_pipeline(ctx, sc, vecs, store, bm25, bucket)
    qs = (
        ctx.questions[: args.answer_questions]
        if args.answer_questions
        else ctx.questions
    )
    try:
        p.ask(qs[0])
    except Exception as exc:  # a broken composer: measure search alone, say so
        return _search_only(p, qs, bucket, args.reps, exc)
    bucket.clear()
    answered = []

    def ask(i):
        a = p.ask(qs[i])
        answered.append(a.answered)

    w, c, _ = timed_queries(ask, len(qs), args.reps)
    stages = _stages(bucket, w)
    return {
        "ms": w,
        "cpu_ms": c,
        "questions": len(qs),
        "stages_p50_ms": stages,
        "answered_share": round(float(np.mean(answered)), 3),
    }


def _search_only(p, qs, bucket: dict, reps: int, exc: Exception) -> dict:
    """``Pipeline.search`` at the composer's k, when ``ask`` failed with ``exc``."""
    k = p.config.retrieval.search_k
    bucket.clear()
    w, c, _ = timed_queries(lambda i: p.search(qs[i], k=k), len(qs), reps)
    stages = _stages(bucket, w)
    return {
        "ms": w,
        "cpu_ms": c,
        "questions": len(qs),
        "stages_p50_ms": stages,
        "error": f"ask failed ({type(exc).__name__}: {exc}); measured Pipeline.search(k={k}) only",
    }


def _stages(bucket: dict, total: dict) -> dict:
    """Per-stage median ms per question (calls per question summed), and the rest of p50."""
    out = {k: round(percentile(v, 50), 2) for k, v in bucket.items()}
    out["rest (p50 total - stage medians)"] = round(total["p50"] - sum(out.values()), 2)
    for k, v in bucket.items():
        out[f"{k} p95"] = round(percentile(v, 95), 2)
    return out


def measure_answers(ctx, sc, vecs, stores: dict, bm25, args, say) -> dict:
    """:func:`answer_latency` with each of ``stores`` (name -> vector store)."""
    out = {}
    for name, store in stores.items():
        a = out[name] = answer_latency(ctx, sc, vecs, store, bm25, args)
        say(
            f"answer ({name}): p50 {a['ms']['p50']} ms p95 {a['ms']['p95']} ms; "
            f"stages {a['stages_p50_ms']} {a.get('error', '')}"
        )
    return out


def answer_only(ctx, n: int, prev: dict, args) -> dict:
    """Re-measure only the full answer at size ``n`` (flat, and HNSW at the stored efSearch)."""
    from bench.context import synthetic
    from bench.vectors import built_store
    from qa.index.bm25 import BM25Index

    sc, vecs, groups = synthetic(ctx, n)
    stores = {"flat": built_store("flat", np.arange(n), vecs, groups)[0]}
    if not args.no_hnsw_answer:
        ef = prev.get("hnsw_ef_picked", 128)
        hnsw = built_store("hnsw", np.arange(n), vecs, groups, ef_search=ef)[0]
        stores[f"hnsw(ef={ef})"] = hnsw
    bm25 = BM25Index.build([sc.tokens(i, ctx.real_tokens) for i in range(n)])

    def say(msg):
        print(f"[{n:>8}] {msg}", flush=True)

    return measure_answers(ctx, sc, vecs, stores, bm25, args, say)
