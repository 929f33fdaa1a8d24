"""Pure metric functions of the evaluation (no I/O, no model; see tests/test_eval.py).

Retrieval: where gold evidence lies in a document, whether a hit covers it, first cover
rank, recall@k, MRR, all-evidence-covered@k, per-item rows and their summaries.
Answers: key-fact recall, quote faithfulness, refusal precision/recall, latency
percentiles, per-item rows (with the problems found) and their summaries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KS = (1, 3, 5)


@dataclass(frozen=True)
class Span:
    """A located piece of text: ``[start, end)`` in document ``doc_id``."""

    doc_id: str
    start: int
    end: int
    region: str = ""
    text: str = ""


# -- evidence location and coverage ------------------------------------------------------
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


# -- retrieval rows and summaries --------------------------------------------------------
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


# -- answer rows and summaries -----------------------------------------------------------
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
        "top_quote_holds": _top_quote_holds(item, top),
        "gold_in_top3": _gold_in_top3(item, cits, doc_texts),
        "error": error,
        "latency_ms": answer.meta.get("latency_ms") if answer is not None else None,
        "answer": answer.text[:200] if answer is not None else "",
    }
    row["problems"] = answer_problems(row)
    return row


TOP_QUOTE_MAX_CHARS = 300


def _top_quote_holds(item: dict, top) -> bool:
    """The first quote alone holds every key fact and is short enough to read."""
    if top is None or len(top.quote) > TOP_QUOTE_MAX_CHARS:
        return False
    return all(f in top.quote for f in item["key_facts"])


def _gold_in_top3(item: dict, cits, doc_texts: dict[str, str]) -> bool:
    """One of the first three citations overlaps a gold evidence span."""
    evidence = locate_evidence(item["evidence"], doc_texts)
    spans = [Span(c.doc_id, c.start, c.end) for c in cits[:3]]
    return any(covers(s, occ) for s in spans for occ in evidence)


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
        "top_quote_holds": _mean([r["top_quote_holds"] for r in ans]) if ans else None,
        "gold_in_top3": _mean([r["gold_in_top3"] for r in ans]) if ans else None,
        "answered_rate": _mean([r["answered"] for r in ans]) if ans else None,
        "refusal_rate_out_of_scope": _mean([not r["answered"] for r in oos])
        if oos
        else None,
        "fallback_acc": _mean([r["fallback_ok"] for r in fb]) if fb else None,
        "n_fallback": len(fb),
        "latency_p50_ms": percentile(lat, 50),
        "latency_p95_ms": percentile(lat, 95),
    }
