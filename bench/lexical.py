"""BM25 at scale: tokens of the synthetic copies, index build and query time, and a
check that the derived tokens equal jieba's (``bench.synth.SynthCorpus.tokens``)."""

from __future__ import annotations

import random
import statistics
import time

from bench.util import rss_mb, timed_queries


def measure_bm25(ctx, sc, reps: int, res: dict, say):
    """Build BM25 over the copies' derived tokens and time one query per question."""
    from qa.index.bm25 import BM25Index

    t0 = time.perf_counter()
    token_lists = [sc.tokens(i, ctx.real_tokens) for i in range(len(sc))]
    res["bm25_tokens_s"] = round(time.perf_counter() - t0, 2)
    res["bm25_tokens_note"] = (
        "copies' tokens derived from cached jieba tokens of each (real clause, region) "
        "pair by digit mapping; jieba on every copy would take ~n×200 chars / 150k chars/s"
    )
    r0 = rss_mb()
    t0 = time.perf_counter()
    bm25 = BM25Index.build(token_lists)
    res["bm25_build_s"] = round(time.perf_counter() - t0, 2)
    res["bm25_rss_mib"] = round(rss_mb() - r0, 1)
    res["bm25_avg_tokens"] = round(statistics.fmean(len(t) for t in token_lists), 1)
    del token_lists
    nq = len(ctx.questions)
    w, c, _ = timed_queries(lambda i: bm25.scores(ctx.qtokens[i]), nq, reps)
    res["bm25_query_ms"], res["bm25_query_cpu_ms"] = w, c
    say(f"bm25: build {res['bm25_build_s']} s, query p95 {w['p95']} ms")
    return bm25


def token_check(ctx, n: int = 10_000, sample: int = 1500) -> dict:
    """Share of synthetic chunks whose derived tokens equal jieba on the real text."""
    from bench.synth import generate
    from qa.index import embed_text
    from qa.text import tokenize

    sc = generate(ctx.docs, ctx.rows, n, ctx.gazetteer, seed=0)
    rng = random.Random(3)
    idx = rng.sample(range(sc.n_real, len(sc)), min(sample, len(sc) - sc.n_real))
    t0 = time.perf_counter()
    truth = [tokenize(embed_text(sc.chunks[i]), user_dict=ctx.user_dict) for i in idx]
    jieba_s = time.perf_counter() - t0
    same = sum(1 for i, t in zip(idx, truth) if sc.tokens(i, ctx.real_tokens) == t)
    chars = sum(len(embed_text(sc.chunks[i])) for i in idx)
    return {
        "sample": len(idx),
        "exact_share": round(same / len(idx), 4),
        "jieba_chars_per_s": round(chars / jieba_s),
        "avg_chars": round(chars / len(idx), 1),
    }
