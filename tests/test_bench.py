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
