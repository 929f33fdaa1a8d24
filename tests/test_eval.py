"""Metric functions of ``eval.metrics`` on tiny hand-made inputs, plus one end-to-end run."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from eval.metrics import (
    Span,
    all_covered,
    answer_row,
    find_all,
    first_cover_rank,
    key_fact_recall,
    locate_evidence,
    mrr,
    overlaps,
    percentile,
    quote_faithful,
    recall_at_k,
    refusal_precision_recall,
    retrieval_failures,
    retrieval_row,
    summarize_answers,
    summarize_retrieval,
)

DOCS = {"a": "0123456789abcdefghij", "b": "xxABxxABxx"}


# -- overlap / location ------------------------------------------------------------------
def test_find_all_includes_overlapping_occurrences():
    assert find_all("aaaa", "aa") == [0, 1, 2]
    assert find_all("abc", "z") == []
    assert find_all("abc", "") == []


def test_locate_evidence_lists_every_occurrence_and_missing_docs():
    ev = [
        {"doc_id": "b", "text": "AB"},
        {"doc_id": "a", "text": "cde"},
        {"doc_id": "zz", "text": "x"},
    ]
    located = locate_evidence(ev, DOCS)
    assert located == [[Span("b", 2, 4), Span("b", 6, 8)], [Span("a", 12, 15)], []]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (Span("a", 0, 5), Span("a", 4, 9), True),  # one shared character
        (
            Span("a", 0, 5),
            Span("a", 5, 9),
            False,
        ),  # half-open: touching is not overlapping
        (Span("a", 3, 4), Span("a", 0, 10), True),  # containment
        (Span("a", 0, 5), Span("b", 0, 5), False),  # other document
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected


def test_first_cover_rank_accepts_any_occurrence():
    evidence = [[Span("b", 2, 4), Span("b", 6, 8)]]
    hits = [Span("a", 0, 20), Span("b", 0, 2), Span("b", 7, 10)]
    assert first_cover_rank(hits, evidence) == 3
    assert first_cover_rank(hits[:2], evidence) is None
    assert first_cover_rank([], evidence) is None


def test_first_cover_rank_any_of_several_evidence_spans():
    evidence = [[Span("a", 10, 12)], [Span("b", 0, 3)]]
    assert first_cover_rank([Span("a", 0, 5), Span("b", 2, 9)], evidence) == 2


def test_all_covered_needs_every_span_within_k():
    evidence = [[Span("a", 0, 2)], [Span("b", 5, 6)]]
    hits = [Span("a", 1, 3), Span("x", 0, 9), Span("b", 4, 7)]
    assert all_covered(hits, evidence, 3) is True
    assert all_covered(hits, evidence, 2) is False
    assert all_covered(hits, [], 5) is False


# -- ranking metrics ---------------------------------------------------------------------
def test_recall_at_k_and_mrr_exact_values():
    ranks = [1, 2, None, 4]
    assert recall_at_k(ranks, 1) == 0.25
    assert recall_at_k(ranks, 3) == 0.5
    assert recall_at_k(ranks, 5) == 0.75
    assert mrr(ranks) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert recall_at_k([], 3) == 0.0 and mrr([]) == 0.0


def test_retrieval_row_and_summary_per_type():
    items = [
        {
            "id": "q1",
            "type": "factoid",
            "question": "?",
            "expected_regions": ["R1"],
            "evidence": [{"doc_id": "a", "text": "cde"}],
        },
        {
            "id": "q2",
            "type": "list",
            "question": "?",
            "expected_regions": ["R2"],
            "evidence": [{"doc_id": "a", "text": "01"}, {"doc_id": "b", "text": "AB"}],
        },
    ]
    r1 = retrieval_row(items[0], [Span("b", 0, 3, "R2"), Span("a", 10, 13, "R1")], DOCS)
    r2 = retrieval_row(items[1], [Span("a", 0, 1, "R2"), Span("b", 6, 8, "R2")], DOCS)
    assert (r1["rank"], r1["region_ok"], r1["all_covered@5"]) == (2, False, True)
    assert (r2["rank"], r2["region_ok"], r2["all_covered@5"]) == (1, True, True)
    s = summarize_retrieval([r1, r2])
    assert (s["n"], s["recall@1"], s["recall@3"], s["mrr"], s["region_acc"]) == (
        2,
        0.5,
        1.0,
        0.75,
        0.5,
    )
    assert s["by_type"]["factoid"]["recall@1"] == 0.0
    assert s["by_type"]["list"]["all_covered@5"] == 1.0
    assert s["all_covered@5_list_comparison"] == 1.0
    assert [r["id"] for r in retrieval_failures([r1, r2])] == ["q1"]


# -- answers -----------------------------------------------------------------------------
def test_refusal_precision_recall_exact():
    refused = [True, True, False, False, True]
    should = [True, False, True, False, True]
    out = refusal_precision_recall(refused, should)
    assert out["precision"] == pytest.approx(2 / 3)
    assert out["recall"] == pytest.approx(2 / 3)
    assert (out["tp"], out["fp"], out["fn"]) == (2, 1, 1)
    none = refusal_precision_recall([False, False], [False, False])
    assert none["precision"] is None and none["recall"] is None


def test_key_fact_recall_counts_text_and_quotes():
    assert key_fact_recall(["200万", "1年", "贴息"], ["最高200万元", "期限1年"]) == (
        pytest.approx(2 / 3),
        ["贴息"],
    )
    assert key_fact_recall([], ["x"]) == (1.0, [])


def _cit(doc_id, quote, start, end, region="R1", fallback=False):
    return SimpleNamespace(
        doc_id=doc_id,
        quote=quote,
        start=start,
        end=end,
        region=region,
        fallback=fallback,
    )


def test_quote_faithful():
    assert quote_faithful(_cit("a", "cde", 12, 15), DOCS)
    assert not quote_faithful(_cit("a", "cde", 11, 14), DOCS)  # wrong offsets
    assert not quote_faithful(_cit("a", "zzz", 12, 15), DOCS)  # not in the text
    assert not quote_faithful(_cit("nope", "cde", 12, 15), DOCS)
    assert not quote_faithful(_cit("a", "", 3, 3), DOCS)


def test_percentile_linear():
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([], 50) is None


def _answer(text, answered, cits, ms):
    return SimpleNamespace(
        text=text, answered=answered, citations=tuple(cits), meta={"latency_ms": ms}
    )


def test_answer_rows_and_summary():
    base = {"question": "?", "evidence": []}
    items = [
        {
            **base,
            "id": "q1",
            "type": "factoid",
            "answerable": True,
            "fallback": True,
            "expected_regions": ["R1"],
            "key_facts": ["cde", "fgh"],
        },
        {
            **base,
            "id": "q2",
            "type": "out_of_scope",
            "answerable": False,
            "fallback": False,
            "expected_regions": [],
            "key_facts": [],
        },
        {
            **base,
            "id": "q3",
            "type": "out_of_scope",
            "answerable": False,
            "fallback": False,
            "expected_regions": [],
            "key_facts": [],
        },
    ]
    answers = [
        _answer(
            "答：cde",
            True,
            [_cit("a", "fgh", 15, 18, "R1", True), _cit("a", "bad", 0, 3)],
            10.0,
        ),
        _answer("未找到", False, [], 20.0),
        _answer("乱答", True, [_cit("b", "AB", 2, 4, "R9")], 30.0),
    ]
    rows = [answer_row(i, a, DOCS) for i, a in zip(items, answers)]
    assert (
        rows[0]["key_fact_recall"] == 1.0
        and rows[0]["fallback_ok"]
        and rows[0]["region_ok"]
    )
    assert rows[0]["problems"] == ["1 unfaithful quote(s)"]
    assert rows[1]["problems"] == [] and rows[2]["problems"] == [
        "answered an out-of-scope question"
    ]
    s = summarize_answers(rows)
    assert s["quote_faithfulness"] == pytest.approx(2 / 3)
    assert (s["answered_rate"], s["refusal_rate_out_of_scope"], s["fallback_acc"]) == (
        1.0,
        0.5,
        1.0,
    )
    assert (s["precision"], s["recall"]) == (1.0, 0.5)
    assert s["latency_p50_ms"] == 20.0
    assert s["by_type"]["out_of_scope"]["refusal_rate_out_of_scope"] == 0.5


def test_answer_row_error_counts_as_unanswered():
    item = {
        "id": "q1",
        "type": "factoid",
        "question": "?",
        "answerable": True,
        "fallback": False,
        "expected_regions": ["R1"],
        "key_facts": ["x"],
        "evidence": [],
    }
    row = answer_row(item, None, DOCS, "RuntimeError: boom")
    assert not row["answered"] and row["problems"] == ["RuntimeError: boom"]


def test_report_renders(tmp_path):
    from eval.report import write_report

    rows = [
        retrieval_row(
            {
                "id": "q1",
                "type": "factoid",
                "question": "a|b",
                "expected_regions": ["R1"],
                "evidence": [{"doc_id": "a", "text": "cde"}],
            },
            [Span("a", 0, 3, "R2", "x\ny")],
            DOCS,
        )
    ]
    summary = summarize_retrieval(rows)
    report = {
        "gold": "g",
        "n_items": 1,
        "model": "m",
        "retrieval": {
            "model": "m",
            "system": summary,
            "baseline": summary,
            "rows": rows,
        },
    }
    paths = write_report(report, tmp_path)
    assert json.loads(paths[0].read_text(encoding="utf-8"))["model"] == "m"
    md = paths[1].read_text(encoding="utf-8")
    assert "a\\|b" in md and "| q1 |" in md
    assert paths[2].stat().st_size > 0


# -- end to end --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def default_pipeline():
    from eval.evaluate import load_pipeline
    from qa.embedding import DEFAULT_MODEL

    return load_pipeline(DEFAULT_MODEL)


@pytest.mark.slow
def test_retrieval_meets_acceptance_goals(default_pipeline):
    from eval.evaluate import evaluate_retrieval, load_gold

    gold = load_gold()
    res = evaluate_retrieval(default_pipeline, gold, baseline=True)
    system, baseline = res["system"], res["baseline"]
    assert system["n"] == sum(item["answerable"] for item in gold)
    assert system["recall@3"] >= 0.95, system
    assert system["region_acc"] >= 0.97, [
        r["id"] for r in res["rows"] if not r["region_ok"]
    ]
    assert system["recall@1"] >= baseline["recall@1"] + 0.15, (
        system["recall@1"],
        baseline["recall@1"],
    )


def test_gold_split_is_deterministic_and_disjoint():
    from eval.calibrate import split
    from eval.evaluate import load_gold

    items = load_gold()
    train, dev = split(items)
    assert len(train) + len(dev) == len(items)
    assert not {i["id"] for i in train} & {i["id"] for i in dev}
    assert split(items) == (train, dev)
    assert 0.6 < len(train) / len(items) < 0.8


def test_fit_floor_separates_low_coverage_rows_only():
    from eval.calibrate import accuracy, fit_floor

    rows = [(0.1, 0.95, True), (0.2, 0.93, True), (0.1, 0.85, False), (0.9, 0.5, True)]
    floor = fit_floor(rows, 0.4)
    assert 0.85 < floor <= 0.93
    assert accuracy(rows, 0.4, floor) == (3, 3)
    assert fit_floor([(0.1, 0.9, False)], 0.4) > 0.9  # nothing to gain: never relax


def test_conversation_turns_carry_their_history_and_ids():
    from eval.suites import conversation_turns

    convs = [{"id": "c1", "turns": [{"question": "a"}, {"question": "b"}]}]
    turns = conversation_turns(convs)
    assert [t["id"] for t, _ in turns] == ["c1.1", "c1.2"]
    assert [len(h) for _, h in turns] == [0, 1]


def test_top_quote_and_gold_in_top3_metrics():
    from types import SimpleNamespace as NS

    from eval.metrics import answer_row

    text = "前文。符合条件的创业者可申请最高50万元个人贷款。后文。"
    item = {
        "id": "x",
        "type": "factoid",
        "question": "q",
        "answerable": True,
        "fallback": False,
        "expected_regions": ["肇庆市"],
        "evidence": [{"doc_id": "d", "text": "最高50万元个人贷款"}],
        "key_facts": ["50万元"],
    }
    quote = "符合条件的创业者可申请最高50万元个人贷款。"
    start = text.index(quote)
    cite = NS(
        doc_id="d",
        region="肇庆市",
        quote=quote,
        start=start,
        end=start + len(quote),
        fallback=False,
    )
    ans = NS(text=quote, citations=(cite,), answered=True, meta={})
    row = answer_row(item, ans, {"d": text})
    assert row["top_quote_holds"] and row["gold_in_top3"]
    far = NS(
        doc_id="d", region="肇庆市", quote="前文。", start=0, end=3, fallback=False
    )
    row = answer_row(
        item, NS(text="x", citations=(far,), answered=True, meta={}), {"d": text}
    )
    assert not row["top_quote_holds"] and not row["gold_in_top3"]
