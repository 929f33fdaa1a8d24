import numpy as np

from qa.index.stores.base import NumpyStore
from qa.index.stores.faiss import FaissStore


def test_faiss_matches_brute_force_on_the_real_index(real_pipeline):
    index = real_pipeline.retriever.index
    vectors = np.asarray(index.vectors)  # (n_rows, dim)
    groups = [c.region for c in index.rows]
    ref = NumpyStore(vectors.shape[1])
    ref.add(np.arange(len(vectors)), vectors, groups)
    queries = real_pipeline.retriever.embedder.encode_query(
        [
            "创业担保贷款最高能贷多少",
            "零工市场",
            "孵化基地免费场地",
            "大学生创业培训补贴",
        ]
    )
    for group in (None, ["上海市", "全国"], ["肇庆市"]):
        s_ref, i_ref = ref.search(queries, 10, groups=group)
        s_got, i_got = index.store.search(queries, 10, groups=group)
        assert (i_ref == i_got).all()
        assert np.allclose(s_ref, s_got, atol=1e-5)


def test_hnsw_recall_on_random_data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    exact, approx = NumpyStore(32), FaissStore(32, "hnsw")
    ids = np.arange(3000)
    groups = ["a" if i % 2 else "b" for i in ids]
    exact.add(ids, x, groups)
    approx.add(ids, x, groups)
    q = x[:50] + 0.01
    _, i_exact = exact.search(q, 10, groups=["a"])
    _, i_approx = approx.search(q, 10, groups=["a"])
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(i_exact, i_approx)])
    assert recall >= 0.95
    assert set(i_approx[i_approx >= 0]) <= set(
        ids[1::2]
    )  # the filter holds on HNSW too


def test_hnsw_region_filter_uses_per_region_graphs_and_survives_save(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    groups = [("全国", "上海市", "广州市", "辽宁省")[i % 4] for i in range(4000)]
    ids = np.arange(100, 4100)
    exact, approx = NumpyStore(32), FaissStore(32, "hnsw")
    exact.add(ids, x, groups)
    approx.add(ids, x, groups)
    approx.save(tmp_path / "faiss.index")
    by_group = {g: ids[np.asarray(groups) == g] for g in set(groups)}
    loaded = FaissStore.load(tmp_path / "faiss.index", by_group, "hnsw")
    q = x[:40] + 0.05
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    for store in (approx, loaded):
        _, i_exact = exact.search(q, 10, groups=["上海市", "全国"])
        s_got, i_got = store.search(q, 10, groups=["上海市", "全国"])
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(i_exact, i_got)])
        assert recall >= 0.95
        assert np.all(np.diff(s_got, axis=1) <= 1e-6)  # merged lists stay sorted
        allowed = set(by_group["上海市"]) | set(by_group["全国"])
        assert set(i_got.ravel()) <= allowed
    assert loaded.search(q, 10, groups=["北京市"])[1].max() == -1
