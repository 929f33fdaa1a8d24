"""Fit the 查条款 relevance labels (高 / 中 / 低) on the gold TRAIN split only.

For every answerable train question, the query-clause cosine of the best-ranked hit that
covers a gold evidence quote is recorded. 高 starts at the median of those cosines, 中 at
their 10th percentile; a hit below the 2nd percentile is not shown, and a query with no
hit above it gets "没有找到相关条款". The dev split and the held-out/blind sets are never
used.

    python -m eval.lookup_relevance     # prints the fitted thresholds
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from eval.calibrate import split
from eval.evaluate import GOLD, load_gold

K = 20


def evidence_cosines(pipeline, items: Sequence[dict]) -> list[float]:
    """The cosine of the first hit covering gold evidence, per answerable item that has one."""
    out = []
    for item in items:
        if not item["answerable"] or not item["evidence"]:
            continue
        res = pipeline.search(item["question"], k=K)
        for h in res.hits:
            if any(
                e["doc_id"] == h.chunk.doc_id and e["text"] in h.chunk.text
                for e in item["evidence"]
            ):
                out.append(float(res.signals[h.chunk.id][0]))
                break
    return out


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (nearest rank, lower) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(q * len(ordered))))]


def fit(cosines: Sequence[float]) -> dict[str, float]:
    return {
        "high": round(quantile(cosines, 0.5), 3),
        "medium": round(quantile(cosines, 0.1), 3),
        "floor": round(quantile(cosines, 0.02), 3),
    }


def main() -> int:
    from qa.config import Config
    from qa.pipeline import Pipeline

    pipeline = Pipeline.load(Config.from_env())
    train, _dev = split(load_gold(GOLD))
    cos = evidence_cosines(pipeline, train)
    report = {**fit(cos), "n_train_with_evidence_hit": len(cos), "n_train": len(train)}
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
