"""Evaluate retrieval and answers on the gold set ``eval/gold.jsonl``; write one report.

    python -m eval.evaluate [--model NAME] [--out eval/out] [--no-baseline]
                            [--only retrieval|answers] [--compare-models]

Retrieval: evidence recall@1/3/5, all-evidence-covered@5, MRR and top-1 region accuracy on
answerable items, for the system and (same run, same embedder) the naive LangChain baseline.
Answers (``Pipeline.ask``): key-fact recall, quote faithfulness, citation region accuracy,
answered / refusal rates, refusal precision/recall, fallback correctness and latency.
The metric functions are pure and unit-tested in ``tests/test_eval.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold.jsonl"
DEFAULT_OUT = ROOT / "eval" / "out"
KS = (1, 3, 5)
SEARCH_DEPTH = 10  # hits fetched per question; MRR counts a first cover up to this rank


@dataclass(frozen=True)
class Span:
    """A located piece of text: ``[start, end)`` in document ``doc_id``."""

    doc_id: str
    start: int
    end: int
    region: str = ""
    text: str = ""


# -- pure metric functions ---------------------------------------------------------------
def load_gold(path: Path = GOLD) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def find_all(text: str, needle: str) -> list[int]:
    """Every start offset of ``needle`` in ``text`` (overlapping occurrences included)."""
    out, i = [], text.find(needle) if needle else -1
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def locate_evidence(
    evidence: Iterable[dict], doc_texts: dict[str, str]
) -> list[list[Span]]:
    """For each evidence entry, all places where its text occurs in its document."""
    located = []
    for ev in evidence:
        text = doc_texts.get(ev["doc_id"], "")
        located.append(
            [
                Span(ev["doc_id"], s, s + len(ev["text"]))
                for s in find_all(text, ev["text"])
            ]
        )
    return located


def overlaps(a: Span, b: Span) -> bool:
    """Same document and the half-open ranges share at least one character."""
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end


def covers(hit: Span, occurrences: Sequence[Span]) -> bool:
    """A hit covers an evidence span when it overlaps any of the span's occurrences."""
    return any(overlaps(hit, occ) for occ in occurrences)


def first_cover_rank(
    hits: Sequence[Span], evidence: Sequence[Sequence[Span]]
) -> int | None:
    """1-based rank of the first hit covering any evidence span; None when no hit does."""
    for rank, hit in enumerate(hits, 1):
        if any(covers(hit, occ) for occ in evidence):
            return rank
    return None


def all_covered(
    hits: Sequence[Span], evidence: Sequence[Sequence[Span]], k: int
) -> bool:
    """Whether every evidence span is covered by some hit within the top ``k``."""
    top = hits[:k]
    return bool(evidence) and all(any(covers(h, occ) for h in top) for occ in evidence)


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of items whose first cover rank is ≤ k (None = never covered)."""
    return _mean([r is not None and r <= k for r in ranks])


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank of the first cover (0 for items never covered)."""
    return _mean([1.0 / r if r else 0.0 for r in ranks])


def refusal_precision_recall(
    refused: Sequence[bool], should_refuse: Sequence[bool]
) -> dict:
    """Precision and recall of refusals (positive class = refused); None for 0/0."""
    tp = sum(r and s for r, s in zip(refused, should_refuse))
    fp = sum(r and not s for r, s in zip(refused, should_refuse))
    fn = sum(s and not r for r, s in zip(refused, should_refuse))
    return {
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default); None for no values."""
    if not values:
        return None
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def key_fact_recall(
    facts: Sequence[str], texts: Iterable[str]
) -> tuple[float, list[str]]:
    """Share of key facts appearing verbatim in any of ``texts``, and the missing ones."""
    blob = "\n".join(texts)
    missing = [f for f in facts if f not in blob]
    return (1.0 - len(missing) / len(facts) if facts else 1.0), missing


def quote_faithful(citation, doc_texts: dict[str, str]) -> bool:
    """A quote is faithful when it is exactly ``doc.text[start:end]`` of an existing document."""
    text = doc_texts.get(citation.doc_id)
    return (
        text is not None
        and bool(citation.quote)
        and citation.quote in text
        and text[citation.start : citation.end] == citation.quote
    )


def _mean(values: Sequence[float | bool]) -> float:
    return float(sum(values)) / len(values) if values else 0.0


# -- retrieval ---------------------------------------------------------------------------
Searcher = Callable[[dict], list[Span]]


def system_searcher(pipeline, depth: int = SEARCH_DEPTH) -> Searcher:
    """The project's retriever as a searcher (passes the item's explicit region)."""

    def search(item: dict) -> list[Span]:
        res = pipeline.search(item["question"], region=item.get("region"), k=depth)
        return [
            Span(
                h.chunk.doc_id, h.chunk.start, h.chunk.end, h.chunk.region, h.chunk.text
            )
            for h in res.hits[:depth]
        ]

    return search


def baseline_searcher(baseline, depth: int = SEARCH_DEPTH) -> Searcher:
    """The naive baseline as a searcher (ignores any region)."""

    def search(item: dict) -> list[Span]:
        return [
            Span(c.doc_id, c.start, c.end, c.region, c.text)
            for c in baseline.search(item["question"], k=depth)
        ]

    return search


def retrieval_row(
    item: dict, hits: list[Span], doc_texts: dict[str, str], error: str = ""
) -> dict:
    """Per-item retrieval outcome."""
    evidence = locate_evidence(item["evidence"], doc_texts)
    top_region = hits[0].region if hits else None
    return {
        "id": item["id"],
        "type": item["type"],
        "question": item["question"],
        "expected_regions": item["expected_regions"],
        "rank": first_cover_rank(hits, evidence),
        "all_covered@5": all_covered(hits, evidence, 5),
        "top_region": top_region,
        "region_ok": top_region in item["expected_regions"],
        "error": error,
        "top": [
            {
                "doc_id": h.doc_id,
                "region": h.region,
                "start": h.start,
                "text": h.text[:60],
            }
            for h in hits[:3]
        ],
    }


def run_retrieval(
    items: Sequence[dict], searcher: Searcher, doc_texts: dict[str, str]
) -> list[dict]:
    """Search every answerable item; a QueryError becomes an item with no hits."""
    from qa.errors import QueryError

    rows = []
    for item in items:
        if not item["answerable"]:
            continue
        try:
            hits, error = searcher(item), ""
        except QueryError as exc:
            hits, error = [], f"QueryError: {exc}"
        rows.append(retrieval_row(item, hits, doc_texts, error))
    return rows


def summarize_retrieval(rows: Sequence[dict]) -> dict:
    """Aggregate retrieval rows: overall and per question type."""

    def block(rs: Sequence[dict]) -> dict:
        ranks = [r["rank"] for r in rs]
        out = {"n": len(rs), **{f"recall@{k}": recall_at_k(ranks, k) for k in KS}}
        out.update(
            {
                "all_covered@5": _mean([r["all_covered@5"] for r in rs]),
                "mrr": mrr(ranks),
                "region_acc": _mean([r["region_ok"] for r in rs]),
            }
        )
        return out

    by_type = defaultdict(list)
    for r in rows:
        by_type[r["type"]].append(r)
    multi = [r for r in rows if r["type"] in ("list", "comparison")]
    return {
        **block(rows),
        "all_covered@5_list_comparison": block(multi)["all_covered@5"],
        "by_type": {t: block(rs) for t, rs in sorted(by_type.items())},
    }


def retrieval_failures(rows: Sequence[dict], k: int = 3) -> list[dict]:
    """Items missing the evidence in the top ``k`` or with a wrong top-1 region, worst first."""
    bad = [r for r in rows if not (r["rank"] and r["rank"] <= k) or not r["region_ok"]]
    return sorted(bad, key=lambda r: (-(r["rank"] or 99), r["region_ok"], r["id"]))


# -- answers -----------------------------------------------------------------------------
def answer_row(item: dict, answer, doc_texts: dict[str, str], error: str = "") -> dict:
    """Per-item answer outcome and the list of problems found."""
    cits = tuple(answer.citations) if answer is not None else ()
    texts = [answer.text if answer is not None else ""] + [c.quote for c in cits]
    kf, missing = key_fact_recall(item["key_facts"], texts)
    answered = bool(answer is not None and answer.answered)
    top = cits[0] if cits else None
    row = {
        "id": item["id"],
        "type": item["type"],
        "question": item["question"],
        "answerable": item["answerable"],
        "fallback": item["fallback"],
        "answered": answered,
        "key_fact_recall": kf,
        "missing_facts": missing,
        "n_citations": len(cits),
        "n_faithful": sum(quote_faithful(c, doc_texts) for c in cits),
        "top_region": top.region if top else None,
        "expected_regions": item["expected_regions"],
        "region_ok": bool(top and top.region in item["expected_regions"]),
        "fallback_ok": bool(top and top.fallback),
        "error": error,
        "latency_ms": answer.meta.get("latency_ms") if answer is not None else None,
        "answer": answer.text[:200] if answer is not None else "",
    }
    row["problems"] = answer_problems(row)
    return row


def answer_problems(row: dict) -> list[str]:
    """What went wrong with one answered (or refused) item, in words."""
    if row["error"]:
        return [row["error"]]
    problems = []
    if not row["answerable"]:
        return ["answered an out-of-scope question"] if row["answered"] else []
    if not row["answered"]:
        problems.append("refused an answerable question")
    if row["missing_facts"]:
        problems.append("missing key facts: " + ", ".join(row["missing_facts"]))
    if not row["region_ok"]:
        problems.append(
            f"top citation region {row['top_region']} not in {row['expected_regions']}"
        )
    if row["fallback"] and not row["fallback_ok"]:
        problems.append("top citation not marked fallback")
    if row["n_faithful"] < row["n_citations"]:
        problems.append(f"{row['n_citations'] - row['n_faithful']} unfaithful quote(s)")
    return problems


def run_answers(
    items: Sequence[dict], pipeline, doc_texts: dict[str, str]
) -> list[dict]:
    """Ask every item; a QueryError counts as a refusal, any other exception as an error."""
    from qa.errors import QueryError

    rows = []
    for item in items:
        answer, error = None, ""
        try:
            answer = pipeline.ask(item["question"], region=item.get("region"))
        except QueryError:
            pass  # answered=False: the input was rejected, which is a refusal
        except Exception as exc:  # noqa: BLE001 - one broken item must not end the run
            error = f"{type(exc).__name__}: {exc}"
        rows.append(answer_row(item, answer, doc_texts, error))
    return rows


def summarize_answers(rows: Sequence[dict]) -> dict:
    """Aggregate answer rows: overall and per question type."""
    out = _answer_block(rows)
    out.update(
        refusal_precision_recall(
            [not r["answered"] for r in rows], [not r["answerable"] for r in rows]
        )
    )
    out["errors"] = sum(bool(r["error"]) for r in rows)
    by_type = defaultdict(list)
    for r in rows:
        by_type[r["type"]].append(r)
    out["by_type"] = {t: _answer_block(rs) for t, rs in sorted(by_type.items())}
    return out


def _answer_block(rows: Sequence[dict]) -> dict:
    ans = [r for r in rows if r["answerable"]]
    oos = [r for r in rows if not r["answerable"]]
    fb = [r for r in ans if r["fallback"]]
    n_cit = sum(r["n_citations"] for r in rows)
    lat = [r["latency_ms"] for r in rows if r["latency_ms"] is not None]
    return {
        "n": len(rows),
        "key_fact_recall": _mean([r["key_fact_recall"] for r in ans]) if ans else None,
        "quote_faithfulness": sum(r["n_faithful"] for r in rows) / n_cit
        if n_cit
        else None,
        "citation_region_acc": _mean([r["region_ok"] for r in ans]) if ans else None,
        "answered_rate": _mean([r["answered"] for r in ans]) if ans else None,
        "refusal_rate_out_of_scope": _mean([not r["answered"] for r in oos])
        if oos
        else None,
        "fallback_acc": _mean([r["fallback_ok"] for r in fb]) if fb else None,
        "n_fallback": len(fb),
        "latency_p50_ms": percentile(lat, 50),
        "latency_p95_ms": percentile(lat, 95),
    }


# -- orchestration -----------------------------------------------------------------------
def index_dir_for(model: str, out: Path = DEFAULT_OUT) -> Path:
    """A separate index folder per model, so evaluating two models never clashes."""
    return out / "index" / model


def load_pipeline(model: str, out: Path = DEFAULT_OUT):
    from qa.config import Config
    from qa.pipeline import Pipeline

    config = Config.from_env(model=model, index_dir=index_dir_for(model, out))
    return Pipeline.load(
        config, status=lambda msg: print(f"[{model}] {msg}", file=sys.stderr)
    )


def evaluate_retrieval(
    pipeline, items: Sequence[dict], *, baseline: bool = True
) -> dict:
    """System (and baseline) retrieval rows and summaries for one loaded pipeline."""
    doc_texts = {d: doc.text for d, doc in pipeline.docs.items()}
    sys_rows = run_retrieval(items, system_searcher(pipeline), doc_texts)
    result = {
        "model": pipeline.config.model_name,
        "system": summarize_retrieval(sys_rows),
        "rows": sys_rows,
    }
    if baseline:
        from eval.baseline import NaiveBaseline

        base = NaiveBaseline(pipeline.docs.values(), pipeline.retriever.embedder)
        base_rows = run_retrieval(items, baseline_searcher(base), doc_texts)
        result.update(
            {
                "baseline": summarize_retrieval(base_rows),
                "baseline_rows": base_rows,
                "baseline_chunks": len(base.chunks),
            }
        )
    return result


def evaluate_answers(pipeline, items: Sequence[dict]) -> dict:
    doc_texts = {d: doc.text for d, doc in pipeline.docs.items()}
    rows = run_answers(items, pipeline, doc_texts)
    return {
        "model": pipeline.config.model_name,
        "summary": summarize_answers(rows),
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    from qa.embedding import DEFAULT_MODEL, KNOWN_MODELS

    ap = argparse.ArgumentParser(
        prog="python -m eval.evaluate", description=__doc__.splitlines()[0]
    )
    ap.add_argument(
        "--model", default=DEFAULT_MODEL, help="embedding model (default %(default)s)"
    )
    ap.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default eval/out)"
    )
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument(
        "--no-baseline", action="store_true", help="skip the naive LangChain baseline"
    )
    ap.add_argument(
        "--only", choices=("retrieval", "answers"), help="run one half only"
    )
    ap.add_argument(
        "--compare-models",
        action="store_true",
        help="retrieval metrics for every packaged model, printed as a table",
    )
    args = ap.parse_args(argv)
    from eval.report import comparison_table, write_report

    items = load_gold(args.gold)
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict = {"gold": str(args.gold), "n_items": len(items), "model": args.model}
    pipeline = load_pipeline(args.model, args.out)
    if args.only != "answers":
        report["retrieval"] = evaluate_retrieval(
            pipeline, items, baseline=not args.no_baseline
        )
    if args.compare_models:
        report["compare_models"] = _compare_models(
            items, args, sorted(KNOWN_MODELS), report.get("retrieval")
        )
        print(comparison_table(report["compare_models"]))
    if args.only != "retrieval":
        report["answers"] = evaluate_answers(pipeline, items)
    paths = write_report(report, args.out)
    print("\n".join(f"wrote {p}" for p in paths))
    return 0


def _compare_models(items, args, models: Sequence[str], have: dict | None) -> dict:
    """Retrieval summaries for every model (reusing the run already done for --model)."""
    out = {}
    for model in models:
        res = (
            have
            if have and model == args.model
            else evaluate_retrieval(
                load_pipeline(model, args.out), items, baseline=not args.no_baseline
            )
        )
        out[model] = {"system": res["system"], "baseline": res.get("baseline")}
    return out


if __name__ == "__main__":
    sys.exit(main())
