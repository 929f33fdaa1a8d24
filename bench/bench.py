"""Speed and memory of the real pipeline on the real corpus with the default model.

    python -m bench.bench [--reps 5] [--out bench/out]

Measures (warm = model and index loaded, one warm-up pass done):

* index build into a fresh directory (embedding every clause, FAISS, BM25, write) and chunks/s;
* warm per-question latency of ``Pipeline.search`` (k=8, as the composer asks) and of
  ``Pipeline.ask`` over every gold question, p50/p95/p99 per repetition, medians reported;
* batch throughput: the ``qa ask --jsonl`` loop in-process (parse line, ask, serialize);
* cold start of ``qa ask`` as a subprocess (process start -> answer printed), index present,
  OS page cache warm; median of 5 (``bench.cold``);
* peak RSS (ru_maxrss) of this process and of the subprocess.

Writes ``<out>/bench.json`` and ``<out>/bench.md`` and prints PASS/MISS per goal.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench.cold import bench_cold
from bench.util import maxrss_mb, median_summary, rss_mb, summarize, time_each, verdict

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold.jsonl"
GOALS = {  # metric key -> (goal, unit, label)
    "answer_p95_ms": (100.0, "ms", "warm answer p95"),
    "search_p95_ms": (50.0, "ms", "warm search p95"),
    "cold_ask_s": (3.0, "s", "cold `qa ask` (subprocess)"),
    "answer_vs_baseline_p95": (
        1.5,
        "×",
        "warm answer p95 / tutorial baseline retrieval-only p95 (same run)",
    ),
    "build_s": (60.0, "s", "index build (fresh dir)"),
}
COLD_QUESTION = "我在四会开个小公司，能申请多少创业担保贷款？"


def gold_questions() -> list[dict]:
    return [
        json.loads(line)
        for line in GOLD.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _machine() -> dict:
    try:
        load = os.getloadavg()
    except OSError:
        load = ()
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def bench_build(out: Path, embedder, reps: int) -> tuple[dict, Path]:
    """Build into fresh index dirs ``reps`` times; the first one is kept for serving."""
    from qa.config import Config
    from qa.index import build_index

    times, report = [], None
    keep = out / "index"
    for i in range(reps):
        d = keep if i == 0 else out / f"index-tmp-{i}"
        shutil.rmtree(d, ignore_errors=True)
        report = build_index(Config.of(index_dir=d), embedder)
        times.append(report.seconds)
        if i:
            shutil.rmtree(d, ignore_errors=True)
        print(
            f"  build {i + 1}/{reps}: {report.seconds:.1f} s ({report.n_chunks} chunks, "
            f"{report.n_rows} rows embedded {report.embedded})",
            flush=True,
        )
    med = statistics.median(times)
    return {
        "seconds_each": [round(t, 2) for t in times],
        "seconds_median": round(med, 2),
        "n_chunks": report.n_chunks,
        "n_rows": report.n_rows,
        "chunks_per_s": round(report.n_chunks / med, 2),
        "rows_per_s": round(report.n_rows / med, 2),
        "note": "build_index() in-process with the model already loaded: chunking, embedding every "
        "indexed clause (no cache: fresh directory), FAISS, BM25 (jieba), writing files",
    }, keep


def bench_warm(pipeline, questions: list[dict], reps: int) -> dict:
    from eval.baseline import NaiveBaseline

    k = pipeline.config.retrieval.search_k  # what the composer asks for
    qs = [q["question"] for q in questions]
    # The LangChain-tutorial RAG's retrieval alone (same model), timed in the same run.
    baseline = NaiveBaseline(pipeline.docs.values(), pipeline.retriever.embedder)
    # Warm-up pass: jieba dictionaries, first-call allocations, caches.
    for q in qs:
        pipeline.ask(q)
    runs: dict[str, list] = {}
    lines = [
        json.dumps({"id": q["id"], "question": q["question"]}, ensure_ascii=False)
        for q in questions
    ]
    for r in range(reps):
        for key, value in _warm_rep(pipeline, qs, k).items():
            runs.setdefault(key, []).append(value)
        times = time_each(lambda q: baseline.search(q, k=1), qs, [])
        runs.setdefault("baseline_search", []).append(summarize(times))
        runs.setdefault("batch_qps", []).append(_batch_qps(pipeline, lines))
        print(
            f"  rep {r + 1}/{reps}: search p95 {runs['search'][-1]['p95']:.1f} ms, answer p95 "
            f"{runs['answer'][-1]['p95']:.1f} ms, batch {runs['batch_qps'][-1]:.1f} q/s",
            flush=True,
        )
    return {
        "questions": len(qs),
        "k": k,
        "search_ms": median_summary(runs["search"]),
        "answer_ms": median_summary(runs["answer"]),
        "baseline_search_ms": median_summary(runs["baseline_search"]),
        "answer_meta_latency_ms": median_summary(runs["answer_meta"]),
        "search_cpu_ms": median_summary(runs["search_cpu"]),
        "answer_cpu_ms": median_summary(runs["answer_cpu"]),
        "search_runs": runs["search"],
        "answer_runs": runs["answer"],
        "batch_qps_each": [round(x, 2) for x in runs["batch_qps"]],
        "batch_qps_median": round(statistics.median(runs["batch_qps"]), 2),
    }


def _warm_rep(pipeline, qs: list[str], k: int) -> dict:
    """One repetition: summaries of search and ask wall/CPU times and of
    ``Answer.latency_ms``."""
    cpu: list[float] = []
    out = {
        "search": summarize(time_each(lambda q: pipeline.search(q, k=k), qs, cpu)),
        "search_cpu": summarize(cpu),
    }
    metas: list[float] = []
    cpu = []

    def ask(q):
        metas.append(pipeline.ask(q).latency_ms)

    out["answer"] = summarize(time_each(ask, qs, cpu))
    out["answer_cpu"] = summarize(cpu)
    out["answer_meta"] = summarize(metas)
    return out


def _batch_qps(pipeline, lines: list[str]) -> float:
    """The `qa ask --jsonl` loop of qa.cli._ask_batch, in-process, output to a buffer."""
    from qa.cli import answer_line

    sink = io.StringIO()
    t0 = time.perf_counter()
    for line in lines:
        item = json.loads(line)
        ans = pipeline.ask(item["question"], region=item.get("region"))
        sink.write(
            json.dumps(answer_line(ans, id_=item["id"]), ensure_ascii=False) + "\n"
        )
    return len(lines) / (time.perf_counter() - t0)


def render_md(res: dict) -> str:
    w, b = res["warm"], res["build"]
    lines = [
        "# policy-qa benchmark (real corpus, default model)",
        "",
        f"Model `{res['model']}`, {b['n_chunks']} chunks / {b['n_rows']} indexed rows, "
        f"{w['questions']} gold questions, {res['reps']} repetitions (medians of per-rep percentiles). "
        f"Machine: {res['machine']['cpus']} CPUs, load average at start {res['machine']['loadavg_at_start']} "
        "(other processes were running; numbers are medians).",
        "",
        "| metric | p50 | p95 | p99 | mean | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, key in (
        (f"search (k={w['k']}), ms", "search_ms"),
        ("answer (`ask`), ms", "answer_ms"),
        ("search, CPU ms of this process", "search_cpu_ms"),
        ("answer, CPU ms of this process", "answer_cpu_ms"),
    ):
        s = w[key]
        lines.append(
            f"| {name} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {s['mean']:.1f} | {s['max']:.1f} |"
        )
    lines += _value_rows(res) + ["", "## Goals", ""]
    lines += [f"- {g}" for g in res["goals"]]
    return "\n".join(lines) + "\n"


def _value_rows(res: dict) -> list[str]:
    w, b, c = res["warm"], res["build"], res["cold"]
    return [
        "",
        "| metric | value |",
        "|---|---:|",
        f"| batch throughput (`qa ask --jsonl` loop, in-process) | {w['batch_qps_median']:.1f} questions/s |",
        f"| cold `qa ask` subprocess: start → answer printed (median of {len(c['first_output_s_each'])}) | {c['first_output_s_median']:.2f} s |",
        f"| cold `qa ask` subprocess: start → exit | {c['exit_s_median']:.2f} s (CPU {c['cpu_s_median']:.2f} s) |",
        "| cold stages, s since process start (median of 3 probes) | "
        + ", ".join(
            f"{k} {v:.2f}" if not isinstance(v, bool) else f"{k} {v}"
            for k, v in c["stages_s_since_start"].items()
        )
        + " |",
        f"| index build, fresh dir (median of {len(b['seconds_each'])}) | {b['seconds_median']:.1f} s |",
        f"| build rate | {b['chunks_per_s']:.1f} chunks/s ({b['rows_per_s']:.1f} embedded rows/s) |",
        f"| model load (in-process) | {res['model_load_s']:.2f} s |",
        f"| pipeline load (index present, model loaded) | {res['pipeline_load_s']:.2f} s |",
        f"| peak RSS, benchmark process (ru_maxrss) | {res['rss']['peak_mib']:.0f} MiB |",
        f"| RSS after loading pipeline / after warm runs | {res['rss']['after_load_mib']:.0f} / {res['rss']['after_warm_mib']:.0f} MiB |",
        f"| peak RSS, `qa ask` subprocess | {c['peak_rss_mib_median']:.0f} MiB |",
    ]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--reps", type=int, default=5, help="repetitions of the warm runs (default 5)"
    )
    ap.add_argument(
        "--build-reps", type=int, default=3, help="index builds (default 3)"
    )
    ap.add_argument(
        "--cold-reps", type=int, default=5, help="cold subprocess runs (default 5)"
    )
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    return ap


def _goals(values: dict) -> list[str]:
    return [
        f"{label} ≤ {goal:g} {unit}: {verdict(values[key], goal)}"
        for key, (goal, unit, label) in GOALS.items()
    ]


def measure(args, out: Path) -> dict:
    """Every measurement of the real-corpus benchmark, as one result dict."""
    from qa.config import Config
    from qa.embedding import load_embedder
    from qa.index.stores.faiss import set_threads
    from qa.pipeline import Pipeline

    config = Config()
    set_threads(config.index.threads)
    t0 = time.perf_counter()
    embedder = load_embedder(config.model_name, threads=config.index.threads)
    model_load = time.perf_counter() - t0
    print(f"model {embedder.name} loaded in {model_load:.2f} s", flush=True)
    print("index build:", flush=True)
    build, index_dir = bench_build(out, embedder, max(1, args.build_reps))
    t0 = time.perf_counter()
    pipeline = Pipeline.load(
        Config.of(index_dir=index_dir, on_stale="fail"), embedder=embedder
    )
    pipeline_load = time.perf_counter() - t0
    after_load = rss_mb()
    questions = gold_questions()
    print(f"warm runs over {len(questions)} gold questions:", flush=True)
    warm = bench_warm(pipeline, questions, max(1, args.reps))
    after_warm = rss_mb()
    print("cold start:", flush=True)
    cold = bench_cold(index_dir, COLD_QUESTION, max(1, args.cold_reps), out)
    return {
        "model": embedder.name,
        "reps": args.reps,
        "machine": _machine(),
        "model_load_s": round(model_load, 3),
        "pipeline_load_s": round(pipeline_load, 3),
        "build": build,
        "warm": warm,
        "cold": cold,
        "rss": {
            "peak_mib": round(maxrss_mb(), 1),
            "after_load_mib": round(after_load, 1),
            "after_warm_mib": round(after_warm, 1),
            "note": "peak includes the index builds (model inference) in this process",
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    res = measure(args, out)
    warm, cold, build = res["warm"], res["cold"], res["build"]
    res["values"] = {
        "answer_p95_ms": warm["answer_ms"]["p95"],
        "search_p95_ms": warm["search_ms"]["p95"],
        "cold_ask_s": cold["first_output_s_median"],
        "answer_vs_baseline_p95": round(
            warm["answer_ms"]["p95"] / max(warm["baseline_search_ms"]["p95"], 1e-9), 2
        ),
        "build_s": build["seconds_median"],
    }
    res["goals"] = _goals(res["values"])
    (out / "bench.json").write_text(json.dumps(res, ensure_ascii=False, indent=1))
    md = render_md(res)
    (out / "bench.md").write_text(md, encoding="utf-8")
    print()
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
