"""Evaluate retrieval and answers on the gold set ``eval/gold.jsonl``; write one report.

    python -m eval.evaluate [--model NAME] [--out eval/out] [--no-baseline]
                            [--only retrieval|answers] [--compare-models]

Retrieval: evidence recall@1/3/5, all-evidence-covered@5, MRR and top-1 region accuracy on
answerable items, for the system and (same run, same embedder) the naive LangChain baseline.
Answers (``Pipeline.ask``): key-fact recall, quote faithfulness, citation region accuracy,
answered / refusal rates, refusal precision/recall, fallback correctness and latency.
The pure metric functions live in ``eval/metrics.py`` (unit-tested in
``tests/test_eval.py``); this module loads the pipeline, runs the questions and hands
the report to ``eval/report.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from eval.baseline import NaiveBaseline
from eval.metrics import (
    Span,
    answer_row,
    retrieval_row,
    summarize_answers,
    summarize_retrieval,
)
from eval.report import comparison_table, write_report
from qa.config import Config
from qa.embedding import DEFAULT_MODEL, KNOWN_MODELS
from qa.errors import QueryError
from qa.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold.jsonl"
DEFAULT_OUT = ROOT / "eval" / "out"
SEARCH_DEPTH = 10  # hits fetched per question; MRR counts a first cover up to this rank


def load_gold(path: Path = GOLD) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


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


def run_retrieval(
    items: Sequence[dict], searcher: Searcher, doc_texts: dict[str, str]
) -> list[dict]:
    """Search every answerable item; a QueryError becomes an item with no hits."""
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


# -- answers -----------------------------------------------------------------------------
def run_answers(
    items: Sequence[dict], pipeline, doc_texts: dict[str, str]
) -> list[dict]:
    """Ask every item; a QueryError counts as a refusal, any other exception as an error."""
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


# -- orchestration -----------------------------------------------------------------------
def index_dir_for(model: str, out: Path = DEFAULT_OUT) -> Path:
    """A separate index folder per model, so evaluating two models never clashes."""
    return out / "index" / model


def load_pipeline(model: str, out: Path = DEFAULT_OUT):
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
