"""The whole retrieval pipeline on Milvus Lite returns the same hits as on FAISS."""

import shutil

import pytest

from qa.config import Config
from qa.corpus import DEFAULT_CORPUS_DIR
from qa.embedding import FakeEmbedder
from qa.pipeline import Pipeline

pytest.importorskip("milvus_lite")

QUERIES = [
    ("创业担保贷款最高能贷多少", None),
    ("零工市场", "端州区"),
    ("孵化基地奖补", "大连"),
    ("社会保险补贴", "深圳"),
    ("创业培训补贴", None),
]


def test_milvus_lite_backend_matches_faiss(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    faiss_cfg = Config.of(corpus_dir=corpus, index_dir=tmp_path / "ix", model="fake:64")
    faiss_p = Pipeline.load(faiss_cfg, embedder=FakeEmbedder(64))
    milvus_cfg = Config.of(
        corpus_dir=corpus,
        index_dir=tmp_path / "ix",
        model="fake:64",
        vector_backend=str(tmp_path / "milvus.db"),
    )
    milvus_p = Pipeline.load(milvus_cfg, embedder=FakeEmbedder(64))
    assert type(milvus_p.retriever.index.store).__name__ == "MilvusStore"
    for q, region in QUERIES:
        a = faiss_p.search(q, region=region, k=5)
        b = milvus_p.search(q, region=region, k=5)
        assert [h.chunk.id for h in a.hits] == [h.chunk.id for h in b.hits], q
        assert [h.region_role for h in a.hits] == [h.region_role for h in b.hits]
    milvus_p.retriever.index.store.close()
