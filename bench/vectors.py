"""Vector search at scale on synthetic vectors (``bench.synth.synth_vectors``).

Exact search (FAISS flat, with and without the region filter) is the reference; HNSW
(M=32) is swept over efSearch for recall@10 against it; per-region HNSW graphs answer
the region-filtered queries. Every store is a :class:`qa.index.stores.faiss.FaissStore`,
as served. Builds use 2 FAISS threads, searches 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bench.context import K
from bench.util import rss_mb, timed_queries

EF_GRID = (16, 32, 64, 128, 256, 512, 1024)
RECALL_GOAL = 0.95


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


@dataclass
class Exact:
    """Exact top-k of every query: unfiltered and region-filtered, ids and scores."""

    ids: list
    scores: list
    f_ids: list
    f_scores: list


def built_store(index_type: str, ids, vecs, groups, **kw):
    """A FaissStore built with 2 FAISS threads (searches then get 1): (store, s, ΔRSS)."""
    from qa.index.stores.faiss import FaissStore, set_threads

    set_threads(2)
    r0 = rss_mb()
    t0 = time.perf_counter()
    store = FaissStore(vecs.shape[1], index_type, **kw)
    store.add(ids, vecs, groups)
    seconds = time.perf_counter() - t0
    mib = rss_mb() - r0
    set_threads(1)
    return store, seconds, mib


def measure_flat(qv, vecs, groups, chains, reps: int, res: dict, say):
    """Exact search: build, latency with and without the region filter; (store, Exact)."""
    nq = len(qv)
    flat, s, mib = built_store("flat", np.arange(len(vecs)), vecs, groups)
    res["flat_build_s"], res["flat_rss_mib"] = round(s, 2), round(mib, 1)
    w, c, exact = timed_queries(lambda i: flat.search(qv[i : i + 1], K), nq, reps)
    res["flat_search_ms"], res["flat_search_cpu_ms"] = w, c
    w, c, exact_f = timed_queries(
        lambda i: flat.search(qv[i : i + 1], K, groups=chains[i]), nq, reps
    )
    res["flat_filtered_ms"], res["flat_filtered_cpu_ms"] = w, c
    say(
        f"flat: build {res['flat_build_s']} s, p95 {res['flat_search_ms']['p95']} ms, filtered p95 "
        f"{res['flat_filtered_ms']['p95']} ms"
    )
    return flat, Exact(
        [e[1][0] for e in exact],
        [e[0][0] for e in exact],
        [e[1][0] for e in exact_f],
        [e[0][0] for e in exact_f],
    )


def measure_hnsw(qv, vecs, groups, chains, exact: Exact, source, reps, res, say):
    """HNSW: build, then the efSearch sweep; (store at the picked efSearch, that ef)."""
    hnsw, s, mib = built_store("hnsw", np.arange(len(vecs)), vecs, groups)
    res["hnsw_build_s"], res["hnsw_rss_mib"] = round(s, 2), round(mib, 1)
    say(f"hnsw: build {res['hnsw_build_s']} s, +{res['hnsw_rss_mib']} MiB")
    grid = {}
    for ef in EF_GRID:
        hnsw.ef_search = ef
        if ef > 512 and grid[512]["recall"] >= RECALL_GOAL:
            continue
        g = grid[ef] = _grid_point(hnsw, qv, chains, exact, source, reps)
        say(
            f"hnsw ef={ef}: p95 {g['search_ms']['p95']} ms recall {g['recall']} (tie-tol {g.get('recall_tie_tolerant')}); "
            f"selector-filtered p95 {g['filtered_ms']['p95']} ms recall {g['filtered_recall']}"
        )
    res["hnsw_grid"] = {str(k): v for k, v in grid.items()}
    ok = [ef for ef in grid if grid[ef]["recall"] >= RECALL_GOAL]
    ef_pick = ok[0] if ok else max(grid)
    res["hnsw_ef_picked"] = ef_pick
    res["hnsw_ef_rule"] = (
        f"smallest efSearch with unfiltered recall@{K} ≥ {RECALL_GOAL} (else the largest tried)"
    )
    hnsw.ef_search = ef_pick
    return hnsw, ef_pick


def _grid_point(hnsw, qv, chains, exact: Exact, source, reps: int) -> dict:
    """Latency and recall of ``hnsw`` at its current efSearch, unfiltered and filtered."""
    nq = len(qv)
    w, c, got = timed_queries(lambda i: hnsw.search(qv[i : i + 1], K), nq, reps)
    rec = recall_at_k(
        exact.ids, [g[1][0] for g in got], exact.scores, [g[0][0] for g in got]
    )
    wf, cf, gotf = timed_queries(
        lambda i: hnsw.search(qv[i : i + 1], K, groups=chains[i]), nq, reps
    )
    recf = recall_at_k(
        exact.f_ids, [g[1][0] for g in gotf], exact.f_scores, [g[0][0] for g in gotf]
    )
    rec["source_recall"] = source_recall(exact.ids, [g[1][0] for g in got], source)
    return {
        "search_ms": w,
        "search_cpu_ms": c,
        **rec,
        "filtered_ms": wf,
        "filtered_cpu_ms": cf,
        "filtered_recall": recf["recall"],
        "filtered_recall_tie_tolerant": recf.get("recall_tie_tolerant"),
    }


def sub_queries(chains, n: int, sub_cities: int) -> list[int]:
    """The queries the per-region graphs are measured on: all of them, or at large n
    those of the first ``sub_cities`` cities (graphs are then built for their chains only,
    timing extrapolated by rows)."""
    qsel = list(range(len(chains)))
    if sub_cities and n >= 500_000:
        cities = list(dict.fromkeys(ch[0] for ch in chains))[:sub_cities]
        qsel = [i for i in range(len(chains)) if chains[i][0] in cities]
    return qsel


def measure_subindexes(
    qv, vecs, groups, chains, exact: Exact, hnsw, sub_cities, reps, res, say
):
    """Per-region HNSW graphs (``FaissStore("hnsw")`` over the rows the measured chains
    need; a filtered query searches its chain's graphs and merges) at the efSearch
    picked for ``hnsw``, compared with ``hnsw`` itself on the same queries."""
    n, nq, ef_pick = len(vecs), len(qv), hnsw.ef_search
    qsel = sub_queries(chains, n, sub_cities)
    need = {g for i in qsel for g in chains[i]}
    keep = np.flatnonzero(np.isin(np.asarray(groups, dtype=object), list(need)))
    kept = [groups[j] for j in keep]
    subs, built, mib = built_store("hnsw", keep, vecs[keep], kept, ef_search=ef_pick)
    res["sub_build_s"] = round(built * n / max(1, len(keep)), 2)
    res["sub_build_note"] = (
        f"built {len(set(kept))} of {res['n_groups']} regions ({len(keep)} rows) in "
        f"{built:.1f} s; scaled to all rows"
        if len(keep) < n
        else "all regions"
    ) + "; FaissStore('hnsw'): its per-region graphs and a global graph over those rows"
    res["sub_rss_mib"] = round(mib * n / max(1, len(keep)), 1)
    w, c, got = timed_queries(
        lambda j: subs.search(qv[qsel[j] : qsel[j] + 1], K, groups=chains[qsel[j]]),
        len(qsel),
        reps,
    )
    rec = recall_at_k(
        [exact.f_ids[i] for i in qsel],
        [g[1][0] for g in got],
        [exact.f_scores[i] for i in qsel],
        [g[0][0] for g in got],
    )
    res["sub_filtered"] = {
        "ef": ef_pick,
        "queries": len(qsel),
        "ms": w,
        "cpu_ms": c,
        **rec,
    }
    if len(qsel) < nq:
        _same_queries(hnsw, qv, chains, qsel, exact, reps, res["sub_filtered"])
    say(
        f"sub-indexes: build {res['sub_build_s']} s, p95 {w['p95']} ms recall {rec['recall']}"
    )


def _same_queries(hnsw, qv, chains, qsel, exact: Exact, reps, out: dict) -> None:
    """The served store's filtered search on the same queries, like for like."""
    ws, _, gs = timed_queries(
        lambda j: hnsw.search(qv[qsel[j] : qsel[j] + 1], K, groups=chains[qsel[j]]),
        len(qsel),
        reps,
    )
    out["selector_same_queries_ms"] = ws
    out["selector_same_queries_recall"] = recall_at_k(
        [exact.f_ids[i] for i in qsel], [g[1][0] for g in gs]
    )["recall"]
