"""Score every question set side by side, with the tutorial baseline in the same run.

    python -m eval.suites               # gold-dev, held-out, blind, conversations
    python -m eval.suites --out DIR     # also writes DIR/suites.json

Sets: ``gold.jsonl`` dev split (the train split fits calibrated values, see
``eval.calibrate``), ``holdout.jsonl`` (used to fit one value — see eval/calibrate.py),
``blind.jsonl`` (written blind on 2026-12-02, scored, never tuned on) and
``conversations.jsonl`` (2–3-turn conversations, each turn scored with its history).
The baseline is the LangChain-tutorial RAG of :mod:`eval.baseline`: its top chunk as
the answer, never refusing, ignoring history.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.baseline import NaiveBaseline
from eval.calibrate import split
from eval.evaluate import ROOT, load_gold
from eval.metrics import answer_row, summarize_answers

EVAL = ROOT / "eval"
METRICS = (
    "answered_rate",
    "refusal_rate_out_of_scope",
    "key_fact_recall",
    "top_quote_holds",
    "gold_in_top3",
    "citation_region_acc",
    "quote_faithfulness",
)


@dataclass(frozen=True)
class _Quote:
    """A baseline chunk shaped like a citation (the fields the metrics read)."""

    doc_id: str
    region: str
    quote: str
    start: int
    end: int
    fallback: bool = False


@dataclass(frozen=True)
class _BaselineAnswer:
    text: str
    citations: tuple[_Quote, ...]
    answered: bool = True
    meta: dict | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "meta", {})


def baseline_answer(baseline: NaiveBaseline, question: str) -> _BaselineAnswer:
    top = baseline.search(question, k=1)
    cits = tuple(_Quote(c.doc_id, c.region, c.text, c.start, c.end) for c in top)
    return _BaselineAnswer(cits[0].quote if cits else "", cits)


def conversation_turns(convs: Sequence[dict]) -> list[tuple[dict, list[dict]]]:
    """(turn item with its own id, the user questions before it) for every turn."""
    out = []
    for conv in convs:
        before: list[dict] = []
        for i, turn in enumerate(conv["turns"], 1):
            out.append(({**turn, "id": f"{conv['id']}.{i}"}, list(before)))
            before.append(turn)
    return out


def score_system(pipeline, items, doc_texts) -> list[dict]:
    return [
        answer_row(it, pipeline.ask(it["question"], region=it.get("region")), doc_texts)
        for it in items
    ]


def score_conversations(pipeline, convs, doc_texts) -> list[dict]:
    rows = []
    for conv in convs:
        history: list[dict] = []
        for i, turn in enumerate(conv["turns"], 1):
            answer = pipeline.ask(turn["question"], history=history)
            rows.append(
                answer_row({**turn, "id": f"{conv['id']}.{i}"}, answer, doc_texts)
            )
            history += [
                {"role": "user", "content": turn["question"]},
                {"role": "assistant", "content": answer.text},
            ]
    return rows


def score_baseline(baseline, items, doc_texts) -> list[dict]:
    return [
        answer_row(it, baseline_answer(baseline, it["question"]), doc_texts)
        for it in items
    ]


def _pick(summary: dict) -> dict:
    return {m: summary.get(m) for m in METRICS} | {"n": summary.get("n")}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.suites")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    from qa.config import Config
    from qa.pipeline import Pipeline

    pipeline = Pipeline.load(
        Config.from_env(), status=lambda m: print(m, file=sys.stderr)
    )
    texts = {d: doc.text for d, doc in pipeline.docs.items()}
    base = NaiveBaseline(pipeline.docs.values(), pipeline.retriever.embedder)
    _, dev = split(load_gold(EVAL / "gold.jsonl"))
    sets = {
        "gold-dev": dev,
        "holdout": load_gold(EVAL / "holdout.jsonl"),
        "blind": load_gold(EVAL / "blind.jsonl"),
    }
    report: dict = {}
    for name, items in sets.items():
        report[name] = {
            "system": _pick(summarize_answers(score_system(pipeline, items, texts))),
            "baseline": _pick(summarize_answers(score_baseline(base, items, texts))),
        }
    convs = load_gold(EVAL / "conversations.jsonl")
    turns = [t for t, _ in conversation_turns(convs)]
    report["conversations"] = {
        "system": _pick(summarize_answers(score_conversations(pipeline, convs, texts))),
        "baseline": _pick(summarize_answers(score_baseline(base, turns, texts))),
    }
    print(render(report))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "suites.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return 0


def render(report: dict) -> str:
    """A markdown table: one row per metric, system / baseline per set."""
    names = list(report)
    head = (
        "| metric | "
        + " | ".join(f"{n} (n={report[n]['system']['n']})" for n in names)
        + " |"
    )
    lines = [head, "|---" * (len(names) + 1) + "|"]
    for m in METRICS:
        cells = []
        for n in names:
            s, b = report[n]["system"].get(m), report[n]["baseline"].get(m)
            cells.append(f"{_f(s)} / {_f(b)}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines.append("\n(system / tutorial baseline)")
    return "\n".join(lines)


def _f(v) -> str:
    return "—" if v is None else f"{v:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
