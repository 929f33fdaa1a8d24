"""Pure parts of the benchmarks: percentile helper and the synthetic corpus generator.

No timing assertions: benchmark numbers live in bench/results/, not in tests.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from bench.synth import (
    generate,
    issuing_regions,
    map_tokens,
    perturb_text,
    synth_vectors,
)
from bench.util import median_summary, percentile, summarize
from qa.corpus.gazetteer import load_default

DIGITS = re.compile(r"\d+")


@pytest.fixture(scope="module")
def gazetteer():
    return load_default()


@pytest.fixture(scope="module")
def rows(chunks):
    return [c for c in chunks if c.indexed]


def test_percentile_is_exact_on_a_tiny_input():
    xs = [4.0, 1.0, 3.0, 2.0]
    assert percentile(xs, 0) == 1.0
    assert percentile(xs, 100) == 4.0
    assert percentile(xs, 50) == 2.5
    assert percentile(xs, 25) == 1.75
    assert percentile([7.0], 95) == 7.0
    assert percentile(list(range(1, 102)), 95) == 96.0
    assert percentile(xs, 95) == pytest.approx(float(np.percentile(xs, 95)))
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile(xs, 101)


def test_median_summary_takes_the_median_per_key():
    runs = [
        summarize([1.0, 2.0, 3.0]),
        summarize([2.0, 4.0, 6.0]),
        summarize([10.0, 10.0, 10.0]),
    ]
    med = median_summary(runs)
    assert (
        med["p50"] == 4.0 and med["max"] == 6.0 and med["reps"] == 3 and med["n"] == 3
    )


@pytest.mark.parametrize("n", [50, 1000, 2345])
def test_generator_produces_the_requested_count(docs, rows, gazetteer, n):
    sc = generate(docs, rows, n, gazetteer, seed=1)
    assert len(sc) == len(sc.source) == len(sc.mapping_of) == n
    assert len({c.id for c in sc.chunks}) == n


def test_copies_keep_gazetteer_regions_and_offsets(docs, rows, gazetteer):
    allowed = set(issuing_regions(gazetteer))
    sc = generate(docs, rows, len(rows) * (len(allowed) + 1), gazetteer, seed=2)
    assert allowed and all(gazetteer.get(r).level in ("省", "市") for r in allowed)
    by_id = {d.id: d for d in sc.docs}
    assert sc.chunks[: len(rows)] == rows  # the real clauses first, unchanged
    copies = sc.chunks[len(rows) :]
    assert {
        c.region for c in copies
    } == allowed  # every province and city issues copies
    for c in copies:
        d = by_id[c.doc_id]
        assert d.region == c.region and c.region in gazetteer
        assert d.text[c.start : c.end] == c.text


def test_figures_are_perturbed_and_clause_order_shuffled(docs, rows, gazetteer):
    sc = generate(docs, rows, 2000, gazetteer, seed=3)
    changed = total = 0
    for i in range(len(rows), len(sc)):
        src = rows[sc.source[i]]
        before, after = DIGITS.findall(src.text), DIGITS.findall(sc.chunks[i].text)
        if before:
            total += 1
            assert len(before) == len(after)
            assert all(a != b for a, b in zip(before, after))  # every figure changed
            changed += 1
    assert total > 100 and changed == total
    orders = {}
    for i in range(len(rows), len(sc)):
        orders.setdefault(sc.chunks[i].doc_id, []).append(int(sc.source[i]))
    assert any(o != sorted(o) for o in orders.values())


def test_perturbation_is_consistent_within_a_copy():
    mapping: dict[str, str] = {}
    out = perturb_text("最高50万元，2024年起；50万元以上", mapping, random.Random(0))
    a, b = DIGITS.findall(out)[0], DIGITS.findall(out)[2]
    assert a == b != "50" and "2024" not in out
    assert map_tokens(["50", "万元", "2024", "年", "x50y"], mapping) == [
        mapping["50"],
        "万元",
        mapping["2024"],
        "年",
        f"x{mapping['50']}y",
    ]


def test_synth_vectors_are_unit_and_close_to_their_source():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(5, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    source = np.array([0, 1, 2, 3, 4, 0, 0, 3], np.int32)
    v = synth_vectors(real, source, sigma=0.02, n_real=5)
    assert v.shape == (8, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert np.array_equal(v[:5], real)
    cos = (v[5:] * real[source[5:]]).sum(1)
    assert (cos > 0.85).all() and (cos < 0.9999).all()


def test_recall_counts_ids_and_tolerates_ties():
    from bench.vectors import recall_at_k, source_recall

    exact = [np.array([0, 1, 2, -1]), np.array([-1, -1])]
    got = [np.array([0, 5, 2, -1]), np.array([3, -1])]
    scores = [np.array([0.9, 0.8, 0.7, -np.inf]), np.array([-np.inf, -np.inf])]
    got_scores = [np.array([0.9, 0.7, 0.7, -np.inf]), np.array([0.1, -np.inf])]
    rec = recall_at_k(exact, got, scores, got_scores)
    assert rec == {"recall": round(2 / 3, 4), "recall_tie_tolerant": 1.0}
    source = np.array([0, 1, 2, 3, 4, 1])  # row 5 copies real row 1
    assert source_recall(exact, got, source) == 1.0


def test_sub_queries_restrict_to_a_few_cities_only_at_large_n():
    from bench.vectors import sub_queries

    chains = [("甲市", "A省", "全国"), ("乙市", "A省", "全国"), ("甲市", "A省", "全国")]
    assert sub_queries(chains, 10_000, 1) == [0, 1, 2]
    assert sub_queries(chains, 1_000_000, 1) == [0, 2]
    assert sub_queries(chains, 1_000_000, 0) == [0, 1, 2]


def test_scale_report_renders_one_measured_size():
    from bench.report import render

    ms = {"p50": 1.0, "p95": 2.0, "p99": 3.0}
    point = {
        "search_ms": ms,
        "recall": 0.99,
        "source_recall": 1.0,
        "filtered_ms": ms,
        "filtered_recall": 1.0,
    }
    size = {
        "n": 100_000,
        **{k: 1 for k in ("n_groups", "gen_s", "flat_build_s", "flat_rss_mib")},
        **{k: 1 for k in ("hnsw_build_s", "hnsw_rss_mib", "vectors_mib")},
        **{k: 1 for k in ("bm25_build_s", "bm25_rss_mib")},
        "flat_search_ms": ms,
        "flat_filtered_ms": ms,
        "bm25_query_ms": ms,
        "hnsw_ef_picked": 128,
        "hnsw_grid": {"128": point},
        "answer": {
            "flat": {
                "questions": 3,
                "ms": ms,
                "cpu_ms": ms,
                "stages_p50_ms": {"embed_query": 0.5},
            }
        },
    }
    md = render({"sizes": {"100000": size}})
    assert "| 100,000 | flat | 3 | 1.0 | 2.0 | 3.0 | 2.0 | embed_query 0.5 |" in md
    assert "answer p95 at 10^5 chunks (flat) ≤ 150 ms: PASS" in md


def test_answer_bench_uses_the_production_pipeline_constructor(docs, rows, gazetteer):
    from types import SimpleNamespace

    from bench.answer import synthetic_pipeline
    from bench.synth import generate
    from qa.config import Config
    from qa.corpus.lexicon import Lexicon
    from qa.embedding import load_embedder
    from qa.index import embed_text
    from qa.index.bm25 import BM25Index
    from qa.index.stores.faiss import FaissStore
    from qa.text import tokenize

    config = Config.of(model="fake")
    lexicon = Lexicon.load(config.corpus_dir)
    embedder = load_embedder("fake")
    sc = generate(docs, rows, 300, gazetteer, seed=0)
    texts = [embed_text(c) for c in sc.chunks]
    vecs = embedder.encode_document(texts)
    store = FaissStore(vecs.shape[1], "flat")
    store.add(np.arange(len(sc)), vecs, [c.region for c in sc.chunks])
    bm25 = BM25Index.build([tokenize(t, user_dict=lexicon.user_dict) for t in texts])
    ctx = SimpleNamespace(
        pipeline=SimpleNamespace(config=config),
        gazetteer=gazetteer,
        embedder=embedder,
        lexicon=lexicon,
    )
    bucket: dict = {}
    p = synthetic_pipeline(ctx, sc, vecs, store, bm25, bucket)
    ans = p.ask("创业担保贷款最高能贷多少？")
    assert ans.question and ans.latency_ms > 0
    assert {"embed_query", "vector_search", "bm25_scores"} <= set(bucket)
    # the composer is wired as in production: the synthetic index's term statistics
    assert p.composer.idf == p.retriever.stats.idf
    assert p.composer.weight == p.retriever.stats.weight
    assert p.composer.settings == config.answer
