"""Growth curves on a synthetic national corpus (see ``bench.synth``): 10^4 .. 10^6 chunks.

    python -m bench.scale --sizes 1e4 1e5            # measure, merge into <out>/scale.json
    python -m bench.scale --sizes 1e6 --no-answer    # the big one on its own (< 8 min)
    python -m bench.scale --milvus 1e4 1e5           # Milvus Lite FLAT/HNSW (optional)
    python -m bench.scale --report                   # scale.md + scale.png from scale.json

Per size: synthetic corpus generation, vector synthesis, FAISS flat and HNSW (M=32) build
time and RSS growth, single-query latency p50/p95 with and without a region filter (the
chain of a random city), HNSW recall@10 against exact search for a grid of efSearch
values, region filtering on the served HNSW store vs a per-region ``FaissStore`` built for
the measured chains (``bench.vectors``), BM25 build and query time (``bench.lexical``),
and the full answer latency (``Pipeline.ask`` over a synthetic ``LoadedIndex`` wired by
``Pipeline.from_parts``, ``bench.answer``). Milvus Lite: ``bench.milvus``; outputs:
``bench.report``; the shared context (real index, model, questions): ``bench.context``.

Copies' vectors are SYNTHETIC (real clause vector + Gaussian noise, renormalized), not
model output; query vectors are the real model's embeddings of the gold questions.
FAISS builds use 2 OpenMP threads, searches 1 (as served: ``threads = 1``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from bench.answer import answer_only, measure_answers
from bench.context import ROOT, SIGMA, Ctx, city_chains
from bench.lexical import measure_bm25, token_check
from bench.milvus import milvus_bench, milvus_only
from bench.report import write_report
from bench.util import maxrss_mb, rss_mb
from bench.vectors import measure_flat, measure_hnsw, measure_subindexes


# -- one size -----------------------------------------------------------------------------------
def run_size(ctx: Ctx, n: int, args) -> dict:
    res: dict = {
        "n": n,
        "vectors": f"synthetic: real clause vector + N(0, {SIGMA}²) per dim, renormalized",
    }

    def say(msg):
        print(f"[{n:>8}] {msg}", flush=True)

    reps, nq = (args.reps if n < 500_000 else min(args.reps, 2)), len(ctx.questions)
    qv = ctx.qvecs
    sc, vecs, groups = _corpus(ctx, n, res, say)
    chains = city_chains(ctx, set(groups), nq)
    res["filter_share_mean"] = round(
        float(np.mean([np.isin(groups, list(ch)).mean() for ch in chains[:20]])), 4
    )
    flat, exact = measure_flat(qv, vecs, groups, chains, reps, res, say)
    hnsw, ef_pick = measure_hnsw(
        qv, vecs, groups, chains, exact, sc.source, reps, res, say
    )
    if not args.no_subindex:
        measure_subindexes(
            qv, vecs, groups, chains, exact, hnsw, args.sub_cities, reps, res, say
        )
    bm25 = measure_bm25(ctx, sc, reps, res, say)
    if n in args.answer_sizes:
        stores = {"flat": flat, f"hnsw(ef={ef_pick})": hnsw}
        res["answer"] = measure_answers(ctx, sc, vecs, stores, bm25, args, say)
    if n in args.milvus:
        res["milvus"] = milvus_bench(
            ctx, n, vecs, groups, chains, exact.ids, exact.f_ids, args
        )
    res["rss_mib_end"] = round(rss_mb(), 1)
    res["maxrss_mib"] = round(maxrss_mb(), 1)
    return res


def _corpus(ctx: Ctx, n: int, res: dict, say):
    """Generate the corpus and synthesize its vectors, timed; (corpus, vectors, groups)."""
    from bench.synth import generate, synth_vectors

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
    return sc, vecs, groups


# -- command line -------------------------------------------------------------------------------
def _size(s: str) -> int:
    return int(float(s))


def build_parser() -> argparse.ArgumentParser:
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
    return ap


def measure(data: dict, args, out: Path, path: Path) -> None:
    """Every requested measurement, merged into ``data`` and saved after each size."""
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
    for n in sorted(set(args.sizes) | set(args.milvus)):
        prev = data["sizes"].get(str(n), {})
        if n not in args.sizes:  # milvus only: keep the stored FAISS results
            res = dict(prev)
            res["milvus"] = milvus_only(ctx, n, args)
        else:
            res = run_size(ctx, n, args)
            if "milvus" in prev and "milvus" not in res:
                res["milvus"] = prev["milvus"]
        data["sizes"][str(n)] = res
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.no_answer:
        args.answer_sizes = []
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = out / "scale.json"
    data = json.loads(path.read_text()) if path.exists() else {"sizes": {}}
    if args.sizes or args.milvus or args.token_check or args.answer_only:
        measure(data, args, out, path)
    if data["sizes"] and all("flat_search_ms" in r for r in data["sizes"].values()):
        write_report(data, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
