"""The scale benchmark's outputs: ``scale.md`` (tables, goals, complexity) and
``scale.png`` (latency and memory curves), from the measurements in ``scale.json``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.context import SIGMA
from bench.util import verdict
from bench.vectors import EF_GRID, RECALL_GOAL


def write_report(data: dict, out: Path) -> None:
    """(Re)write ``<out>/scale.md`` and ``<out>/scale.png`` and print the markdown."""
    (out / "scale.md").write_text(render(data), encoding="utf-8")
    plot(data, out / "scale.png")
    print((out / "scale.md").read_text())


def _fmt(x, nd=2):
    return "–" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def render(data: dict) -> str:
    sizes = sorted(data["sizes"].values(), key=lambda r: r["n"])
    L = _intro(data)
    for section in (
        _build_table,
        _search_table,
        _sweep_table,
        _answer_table,
        _sub_notes,
        _milvus_table,
    ):
        L += section(sizes)
    L += _token_note(data)
    L += ["", "## Goals", ""] + [f"- {g}" for g in goals(data)]
    L += ["", "## Complexity", "", complexity(sizes)]
    if data.get("notes"):
        L += ["", "## Notes", ""] + [f"- {x}" for x in data["notes"]]
    return "\n".join(L) + "\n"


def _intro(data: dict) -> list[str]:
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
    return L


def _build_table(sizes: list[dict]) -> list[str]:
    L: list[str] = []
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
    return L


def _search_table(sizes: list[dict]) -> list[str]:
    L: list[str] = []
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
    return L


def _sweep_table(sizes: list[dict]) -> list[str]:
    L: list[str] = []
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
    return L


def _answer_table(sizes: list[dict]) -> list[str]:
    L: list[str] = []
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
    return L


def _sub_notes(sizes: list[dict]) -> list[str]:
    L: list[str] = []
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
    return L


def _milvus_table(sizes: list[dict]) -> list[str]:
    L: list[str] = []
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
    return L


def _token_note(data: dict) -> list[str]:
    L: list[str] = []
    if data.get("token_check"):
        t = data["token_check"]
        L += [
            "",
            f"BM25 tokens of copies are derived (digit mapping of cached jieba tokens); on a sample of "
            f"{t['sample']} copies they equal jieba's output for {100 * t['exact_share']:.1f}%. jieba ran at "
            f"{t['jieba_chars_per_s']:,} chars/s here (avg {t['avg_chars']} chars/chunk).",
        ]
    return L


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
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), dpi=80)
    _latency_axes(a1, sizes)
    _memory_axes(a2, sizes)
    fig.suptitle("policy-qa scale (synthetic vectors for copies)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _latency_axes(a1, sizes: list[dict]) -> None:
    ns = [r["n"] for r in sizes]
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


def _memory_axes(a2, sizes: list[dict]) -> None:
    ns = [r["n"] for r in sizes]
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
