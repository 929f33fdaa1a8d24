"""Milvus Lite at scale (optional): FLAT and HNSW collections of the synthetic vectors,
insert + index time, single-query latency and recall@10 against exact search."""

from __future__ import annotations

import shutil
import time

import numpy as np

from bench.context import K, city_chains, synthetic
from bench.util import timed_queries
from bench.vectors import recall_at_k


def milvus_bench(ctx, n, vecs, groups, chains, exact_ids, exact_f_ids, args) -> dict:
    """Both index kinds in turn, each in a fresh Milvus Lite database under ``ctx.out``."""
    return {
        kind: _milvus_kind(
            ctx, n, kind, vecs, groups, chains, exact_ids, exact_f_ids, args.reps
        )
        for kind in ("FLAT", "HNSW")
    }


def _milvus_kind(
    ctx, n, kind, vecs, groups, chains, exact_ids, exact_f_ids, reps
) -> dict:
    from qa.index.stores.milvus import MilvusStore

    nq = len(ctx.questions)
    d = ctx.out / f"milvus-{n}-{kind}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    uri = str(d / "bench.db")
    t0 = time.perf_counter()
    store = MilvusStore(
        uri, dim=vecs.shape[1], index_type=kind, drop_existing=True, hnsw_ef=64
    )
    store.add(np.arange(n), vecs, groups)
    build = time.perf_counter() - t0
    w, c, got = timed_queries(lambda i: store.search(ctx.qvecs[i : i + 1], K), nq, reps)
    rec = recall_at_k(exact_ids, [g[1][0] for g in got])
    wf, cf, gotf = timed_queries(
        lambda i: store.search(ctx.qvecs[i : i + 1], K, groups=chains[i]), nq, reps
    )
    recf = recall_at_k(exact_f_ids, [g[1][0] for g in gotf])
    store.close()
    print(
        f"[{n:>8}] milvus {kind}: insert+index {build:.1f} s, p95 {w['p95']} ms recall {rec['recall']}, "
        f"filtered p95 {wf['p95']} ms recall {recf['recall']}",
        flush=True,
    )
    shutil.rmtree(d, ignore_errors=True)
    return {
        "insert_and_index_s": round(build, 2),
        "search_ms": w,
        "recall": rec["recall"],
        "filtered_ms": wf,
        "filtered_recall": recf["recall"],
        "note": "Milvus Lite in-process; HNSW M=32 efConstruction=200, ef=64",
    }


def milvus_only(ctx, n: int, args) -> dict:
    """Milvus at size ``n`` alone, exact references from a numpy store (no FAISS run)."""
    from qa.index.stores.base import NumpyStore

    sc, vecs, groups = synthetic(ctx, n)
    ref = NumpyStore(vecs.shape[1])
    ref.add(np.arange(n), vecs, groups)
    chains = city_chains(ctx, set(groups), len(ctx.questions))
    ex = [ref.search(ctx.qvecs[i : i + 1], K)[1][0] for i in range(len(ctx.questions))]
    exf = [
        ref.search(ctx.qvecs[i : i + 1], K, groups=chains[i])[1][0]
        for i in range(len(ctx.questions))
    ]
    return milvus_bench(ctx, n, vecs, groups, chains, ex, exf, args)
