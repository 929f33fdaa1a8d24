"""Retrieval ablation: hybrid (dense + BM25, RRF) vs dense only vs BM25 only, same pipeline.

python -m eval.ablation [--gold eval/gold.jsonl]
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
    summarize_retrieval,
    system_searcher,
)
from qa.embedding import DEFAULT_MODEL

MODES = ("hybrid", "dense", "bm25")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gold", type=Path, default=GOLD)
    args = ap.parse_args(argv)
    pipeline = load_pipeline(DEFAULT_MODEL, DEFAULT_OUT)
    items = [i for i in load_gold(args.gold) if i["answerable"]]
    texts = {d.id: d.text for d in pipeline.docs.values()}
    print(
        "| fusion | recall@1 | recall@3 | recall@5 | MRR | top-1 region |\n|---|---|---|---|---|---|"
    )
    for mode in MODES:
        pipeline.retriever.fusion = mode
        s = summarize_retrieval(run_retrieval(items, system_searcher(pipeline), texts))
        print(
            f"| {mode} | {s['recall@1']:.3f} | {s['recall@3']:.3f} | {s['recall@5']:.3f} | "
            f"{s['mrr']:.3f} | {s['region_acc']:.3f} |"
        )
    pipeline.retriever.fusion = "hybrid"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
