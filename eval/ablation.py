"""Retrieval ablation: hybrid (dense + BM25, RRF) vs dense only vs BM25 only, same pipeline.

python -m eval.ablation [--gold eval/gold.jsonl]

Each mode is a pipeline of its own, built from ``config.with_(fusion=mode)`` and the
parts already loaded once (documents, gazetteer, index, embedder, lexicon); nothing is
mutated.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.evaluate import (
    DEFAULT_OUT,
    GOLD,
    load_gold,
    load_pipeline,
    run_retrieval,
    system_searcher,
)
from eval.metrics import summarize_retrieval
from qa.embedding import DEFAULT_MODEL
from qa.pipeline import Pipeline

MODES = ("hybrid", "dense", "bm25")


def with_fusion(base: Pipeline, mode: str) -> Pipeline:
    """A pipeline like ``base`` ranking with ``mode``, reusing its loaded index and model."""
    return Pipeline.from_parts(
        base.config.with_(fusion=mode),
        list(base.docs.values()),
        base.retriever.gazetteer,
        base.retriever.index,
        base.retriever.embedder,
        lexicon=base.retriever.lexicon,
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gold", type=Path, default=GOLD)
    args = ap.parse_args(argv)
    base = load_pipeline(DEFAULT_MODEL, DEFAULT_OUT)
    items = [i for i in load_gold(args.gold) if i["answerable"]]
    texts = {d.id: d.text for d in base.docs.values()}
    print(
        "| fusion | recall@1 | recall@3 | recall@5 | MRR | top-1 region |\n|---|---|---|---|---|---|"
    )
    for mode in MODES:
        pipeline = with_fusion(base, mode)
        s = summarize_retrieval(run_retrieval(items, system_searcher(pipeline), texts))
        print(
            f"| {mode} | {s['recall@1']:.3f} | {s['recall@3']:.3f} | {s['recall@5']:.3f} | "
            f"{s['mrr']:.3f} | {s['region_acc']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
