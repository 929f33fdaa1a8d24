"""Every VectorStore backend against the brute-force NumpyStore.

Exact backends (numpy, FAISS flat, Milvus FLAT) must return the reference's ids exactly and
its scores to 1e-5, with and without region filters, after removals, and when padding.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from qa.index.stores.base import NumpyStore, VectorStore

N, DIM, K = 2_000, 64, 10
GROUPS = ["全国", "上海市", "广州市", "辽宁省"]
RARE = "海南省"  # 3 rows: a filtered top-10 must be 3 hits then padding
FILTERS = [
    None,
    ["上海市"],
    ["上海市", "全国"],
    ["辽宁省", "广州市", "全国"],
    [RARE],
    [RARE, "辽宁省"],
]
BACKENDS = ["numpy", "faiss", "milvus"]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _make_data():
    rng = np.random.default_rng(0)
    ids = rng.permutation(np.unique(rng.integers(0, 2**62, 2 * N))[:N]).astype(np.int64)
    vectors = _unit(rng.normal(size=(N, DIM)))  # (N, DIM)
    groups = [GROUPS[i] for i in rng.integers(0, len(GROUPS), N)]
    for i in (5, 500, 1500):
        groups[i] = RARE
    # Stored vectors (self-match scores 1.0), perturbed ones, and unrelated directions.
    queries = np.concatenate(
        [
            vectors[:5],
            _unit(vectors[5:15] + 0.3 * rng.normal(size=(10, DIM))),
            _unit(rng.normal(size=(5, DIM))),
        ]
    )  # (20, DIM)
    return ids, vectors, groups, queries


IDS, VECTORS, GROUP_OF, QUERIES = _make_data()


def make_store(backend: str, path):
    """An empty store of the named backend; path is a fresh directory for file-backed ones."""
    if backend == "numpy":
        return NumpyStore(DIM)
    if backend == "faiss":
        return pytest.importorskip("qa.index.stores.faiss").FaissStore(DIM, index_type="flat")
    if backend == "milvus":
        pytest.importorskip("milvus_lite")
        from qa.index.stores.milvus import MilvusStore

        return MilvusStore(str(path / "store.db"), dim=DIM, index_type="FLAT")
    raise ValueError(f"unknown backend {backend!r}")


def _close(store) -> None:
    if hasattr(store, "close"):
        store.close()


def _filled(store):
    # Two add() calls: rows must be found across batches/segments.
    half = N // 2
    store.add(IDS[:half], VECTORS[:half], GROUP_OF[:half])
    store.add(IDS[half:], VECTORS[half:], GROUP_OF[half:])
    return store


@pytest.fixture(scope="module")
def reference():
    return _filled(NumpyStore(DIM))


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, tmp_path_factory):
    """A backend holding all N rows, shared by the read-only tests of this module."""
    store = _filled(make_store(request.param, tmp_path_factory.mktemp(request.param)))
    yield store
    _close(store)


@pytest.fixture(params=BACKENDS)
def fresh(request, tmp_path):
    store = make_store(request.param, tmp_path)
    yield store
    _close(store)


def assert_same(got, want) -> None:
    (g_scores, g_ids), (w_scores, w_ids) = got, want
    assert g_ids.dtype == np.int64 and g_scores.dtype == np.float32
    assert g_ids.shape == w_ids.shape and g_scores.shape == w_scores.shape
    np.testing.assert_array_equal(g_ids, w_ids)
    np.testing.assert_allclose(g_scores, w_scores, atol=1e-5, rtol=0)


def test_backend_satisfies_protocol(loaded):
    assert isinstance(loaded, VectorStore)
    assert loaded.dim == DIM
    assert len(loaded) == N


@pytest.mark.parametrize(
    "groups", FILTERS, ids=lambda g: "all" if g is None else "+".join(g)
)
def test_search_matches_reference(loaded, reference, groups):
    assert_same(
        loaded.search(QUERIES, K, groups=groups),
        reference.search(QUERIES, K, groups=groups),
    )


def test_rare_group_is_padded(loaded):
    scores, ids = loaded.search(QUERIES, K, groups=[RARE])
    assert set(ids[:, :3].ravel()) == {IDS[5], IDS[500], IDS[1500]}
    assert (ids[:, 3:] == -1).all() and np.isneginf(scores[:, 3:]).all()


def test_self_match_first(loaded):
    scores, ids = loaded.search(VECTORS[:5], 1)
    np.testing.assert_array_equal(ids[:, 0], IDS[:5])
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)


@pytest.mark.parametrize("groups", [["北京市"], []], ids=["unknown-group", "no-groups"])
def test_filter_without_rows_is_all_padding(loaded, groups):
    scores, ids = loaded.search(QUERIES, K, groups=groups)
    assert (
        ids.shape == (len(QUERIES), K)
        and (ids == -1).all()
        and np.isneginf(scores).all()
    )


def test_empty_store_is_all_padding(fresh):
    assert len(fresh) == 0
    scores, ids = fresh.search(QUERIES[:3], K)
    assert ids.shape == (3, K) and (ids == -1).all() and np.isneginf(scores).all()
    assert (fresh.search(QUERIES[:3], K, groups=["上海市"])[1] == -1).all()


def test_remove_matches_reference(fresh):
    reference = _filled(NumpyStore(DIM))
    store = _filled(fresh)
    # Every 4th row, the rows that top the first queries, and ids that were never added.
    gone = np.concatenate(
        [IDS[::4], IDS[:5], np.array([-7, 2**62 + 1], dtype=np.int64)]
    )
    reference.remove(gone)
    store.remove(gone)
    assert (
        len(store)
        == len(reference)
        == N - len(np.unique(np.concatenate([IDS[::4], IDS[:5]])))
    )
    for groups in FILTERS:
        assert_same(
            store.search(QUERIES, K, groups=groups),
            reference.search(QUERIES, K, groups=groups),
        )


def test_group_names_with_quotes_and_backslashes(fresh):
    odd = ['say "hi"', "it's", "back\\slash", "全国"]
    vectors = _unit(np.random.default_rng(1).normal(size=(8, DIM)))
    fresh.add(np.arange(8, dtype=np.int64), vectors, [odd[i % 4] for i in range(8)])
    for name in odd:
        _, ids = fresh.search(vectors[:1], K, groups=[name])
        assert sorted(ids[0][ids[0] >= 0]) == [
            i for i in range(8) if odd[i % 4] == name
        ]


# ── Milvus-specific: persistence, locking, schema checks, full-text search ──────────────


@pytest.fixture
def milvus_cls():
    pytest.importorskip("milvus_lite")
    from qa.index.stores.milvus import MilvusStore

    return MilvusStore


def test_milvus_reopen_keeps_rows(milvus_cls, tmp_path, reference):
    uri = str(tmp_path / "index" / "milvus.db")  # parent directory is created
    with _filled(milvus_cls(uri, dim=DIM)) as store:
        store.remove(IDS[:5])
    with milvus_cls(uri, dim=DIM) as reopened:
        assert len(reopened) == N - 5
        want = _filled(NumpyStore(DIM))
        want.remove(IDS[:5])
        for groups in (None, ["上海市", "全国"]):
            got = reopened.search(QUERIES, K, groups=groups)
            assert_same(got, want.search(QUERIES, K, groups=groups))
    with milvus_cls(uri, dim=DIM, drop_existing=True) as dropped:
        assert len(dropped) == 0


def test_milvus_dim_mismatch_fails_loudly(milvus_cls, tmp_path):
    uri = str(tmp_path / "m.db")
    milvus_cls(uri, dim=DIM).close()
    with pytest.raises(ValueError, match="drop_existing"):
        milvus_cls(uri, dim=DIM + 1)
    milvus_cls(uri, dim=DIM).close()  # the failed open released the file


def test_milvus_rejects_bad_arguments(milvus_cls, tmp_path):
    with pytest.raises(ValueError, match="index_type"):
        milvus_cls(str(tmp_path / "m.db"), dim=DIM, index_type="IVF_PQ")
    with milvus_cls(str(tmp_path / "m.db"), dim=DIM) as store:
        with pytest.raises(ValueError, match="unique"):
            store.add(np.array([1, 1]), VECTORS[:2], ["全国", "全国"])
        with pytest.raises(ValueError, match="k must be positive"):
            store.search(QUERIES, 0)


def test_milvus_second_process_gets_clear_error(milvus_cls, tmp_path):
    uri = str(tmp_path / "m.db")
    with milvus_cls(uri, dim=DIM):
        code = (
            f"from qa.index.stores.milvus import MilvusStore; MilvusStore({uri!r}, dim={DIM})"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    assert proc.returncode != 0
    assert "in use by another process" in proc.stderr


def test_milvus_hnsw_recall(milvus_cls, tmp_path, reference):
    with milvus_cls(str(tmp_path / "h.db"), dim=DIM, index_type="HNSW") as store:
        _filled(store)
        for groups in (None, ["上海市", "全国"]):
            _, got = store.search(QUERIES, K, groups=groups)
            _, want = reference.search(QUERIES, K, groups=groups)
            recall = np.mean([len(set(g) & set(w)) / K for g, w in zip(got, want)])
            assert recall >= 0.9, (groups, recall)


def test_milvus_bm25_jieba(milvus_cls, tmp_path):
    texts = [
        "上海市对首次创业的高校毕业生给予一次性创业补贴",
        "广州市创业担保贷款最高可申请30万元",
        "辽宁省鼓励返乡入乡创业",
        "全国范围内实施创业担保贷款贴息政策",
        "上海市创业场地房租补贴",
    ]
    regions = ["上海市", "广州市", "辽宁省", "全国", "上海市"]
    with milvus_cls(str(tmp_path / "t.db"), dim=DIM, full_text=True) as store:
        with pytest.raises(ValueError, match="text"):
            store.add(IDS[:5], VECTORS[:5], regions)
        store.add(np.arange(5, dtype=np.int64), VECTORS[:5], regions, texts=texts)
        scores, ids = store.bm25_search("房租补贴", K)
        assert ids[0] == 4 and scores[0] > 0 and (ids[ids >= 0] != 2).all()
        assert (np.diff(scores[ids >= 0]) <= 0).all() and (
            ids[(ids >= 0).sum() :] == -1
        ).all()
        _, ids = store.bm25_search("创业担保贷款", K, groups=["全国"])
        assert ids[0] == 3 and (ids[1:] == -1).all()
        assert (store.bm25_search("创业", K, groups=["北京市"])[1] == -1).all()


def test_milvus_bm25_needs_full_text(milvus_cls, tmp_path):
    with (
        milvus_cls(str(tmp_path / "m.db"), dim=DIM) as store,
        pytest.raises(ValueError, match="full_text"),
    ):
        store.bm25_search("创业", K)


def test_filter_expr_escapes_quotes_and_backslashes():
    from qa.index.stores.milvus import filter_expr

    assert filter_expr(["上海市", "全国"]) == 'region in ["上海市", "全国"]'
    assert filter_expr(['a"b', "c\\d"]) == 'region in ["a\\"b", "c\\\\d"]'


def test_importing_store_milvus_does_not_import_pymilvus():
    code = textwrap.dedent("""
        import sys, qa.index.stores.milvus
        assert "pymilvus" not in sys.modules and "milvus_lite" not in sys.modules
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
