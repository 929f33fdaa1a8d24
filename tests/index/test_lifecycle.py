"""Index lifecycle: builds aside + atomic swap, one builder at a time, integrity on load.

Subprocess tests run ``qa index`` (fake embedder) in a child that pauses at a chosen
phase of the build (embedding, or writing the build folder) until the test releases it
or kills it, so every interleaving below is forced rather than hoped for.
"""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa.config import Config
from qa.corpus import DEFAULT_CORPUS_DIR
from qa.embedding import FakeEmbedder
from qa.errors import IndexBusy, IndexCorrupt, IndexError_
from qa.index import build_index, load_index, read_manifest
from qa.index.bm25 import BM25Index
from qa.index.integrity import sha256_file
from qa.index.lifecycle import LOCK_FILE, WAIT_MESSAGE
from qa.index.stores.faiss import FaissStore
from qa.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 120  # generous: the test machine is shared and slow

# The child: pause the build at PHASE ("embed" | "write"), touch MARKER, wait for GO
# (never, when GO is "-"), sleep STAGGER seconds, then carry on with `qa index ARGS`.
CHILD = """
import sys, time
from pathlib import Path
from qa.embedding.fake import FakeEmbedder
from qa.index.bm25 import BM25Index

phase, marker, go, stagger, *args = sys.argv[1:]

def paused(orig):
    def run(*a, **kw):
        Path(marker).touch()
        while go == "-" or not Path(go).exists():
            time.sleep(0.05)
        time.sleep(float(stagger))
        return orig(*a, **kw)
    return run

if phase == "embed":
    FakeEmbedder.encode_document = paused(FakeEmbedder.encode_document)
else:
    BM25Index.save = paused(BM25Index.save)
from qa.cli import main
sys.exit(main(args))
"""


class CountingEmbedder(FakeEmbedder):
    def __init__(self, dim=32):
        super().__init__(dim=dim)
        self.documents_embedded = 0

    def encode_document(self, texts):
        self.documents_embedded += len(texts)
        return super().encode_document(texts)


@pytest.fixture
def config(tmp_path):
    return Config.of(
        corpus_dir=DEFAULT_CORPUS_DIR, index_dir=tmp_path / "index", model="fake:32"
    )


def _child(tmp_path, index_dir, name, *, phase, go="-", stagger=0.0, rebuild=False):
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(PYTHONPATH=str(ROOT), QA_CORPUS_DIR=str(DEFAULT_CORPUS_DIR))
    marker = tmp_path / f"{name}.reached"
    args = ["--index-dir", str(index_dir), "--model", "fake:32", "index"]
    args += ["--rebuild"] if rebuild else []
    err = open(tmp_path / f"{name}.err", "w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), phase, str(marker), str(go), str(stagger), *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    err.close()
    return proc, marker


def _wait_for(condition, what):
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _answers(index_dir):
    """The index loads and a search over it returns clauses."""
    loaded = load_index(index_dir)
    query = FakeEmbedder(dim=32).encode_query(["创业担保贷款"])
    scores, ids = loaded.store.search(query, 3)
    assert (ids[0] >= 0).all() and np.isfinite(scores[0]).all()
    return loaded


def _rerecord(build_dir, rel):
    """Make the manifest agree with an edited file, so only deeper checks can catch it."""
    path = Path(build_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    f = Path(build_dir) / rel
    manifest.setdefault("files", {})[rel] = {
        "size": f.stat().st_size,
        "sha256": sha256_file(f),
    }
    path.write_text(json.dumps(manifest))


# -- (a) a build killed at any moment leaves a loadable index --------------------------------
@pytest.mark.parametrize("phase", ["embed", "write"])
def test_rebuild_killed_midway_keeps_the_old_index_serving(config, tmp_path, phase):
    build_index(config, FakeEmbedder(dim=32))
    before = read_manifest(config.index_dir)
    proc, marker = _child(tmp_path, config.index_dir, "a", phase=phase, rebuild=True)
    try:
        _wait_for(
            lambda: marker.exists() or proc.poll() is not None, "the child's build"
        )
        assert proc.poll() is None, (tmp_path / "a.err").read_text()
        # Mid-build the old index still serves.
        assert read_manifest(config.index_dir) == before
        _answers(config.index_dir)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert read_manifest(config.index_dir) == before
    assert len(_answers(config.index_dir).rows) == before["n_rows"]
    # The lock died with the child; the next build runs and clears its debris.
    report = build_index(config, FakeEmbedder(dim=32), rebuild=True)
    assert report.embedded == report.n_rows
    assert not list(config.index_dir.glob(".tmp-*"))
    _answers(config.index_dir)


# -- (b) concurrent builds are serialized by the lock ----------------------------------------
def test_parallel_builds_wait_for_each_other_and_all_succeed(config, tmp_path):
    go = tmp_path / "go"
    procs = [
        _child(
            tmp_path, config.index_dir, f"b{i}", phase="write", go=go, stagger=0.3 * i
        )
        for i in range(4)
    ]
    errs = [tmp_path / f"b{i}.err" for i in range(4)]

    def settled():
        """Every child is either writing its build or waiting for the lock."""
        waiting = [e for e in errs if WAIT_MESSAGE in e.read_text(encoding="utf-8")]
        writing = [m for _, m in procs if m.exists()]
        return len(waiting) + len(writing) >= len(procs) or any(
            p.poll() is not None for p, _ in procs
        )

    try:
        _wait_for(settled, "all builders to start")
        go.touch()
        codes = [p.wait(timeout=WAIT_S) for p, _ in procs]
    finally:
        for p, _ in procs:
            if p.poll() is None:
                p.kill()
    logs = "\n".join(e.read_text(encoding="utf-8") for e in errs)
    assert codes == [0, 0, 0, 0], logs
    assert read_manifest(config.index_dir)["n_rows"] > 0
    _answers(config.index_dir)
    assert not list(config.index_dir.glob(".tmp-*"))
    assert WAIT_MESSAGE in logs  # builders really did queue on the lock


def test_a_build_waits_only_up_to_its_bound(config):
    config.index_dir.mkdir(parents=True)
    messages = []
    with open(config.index_dir / LOCK_FILE, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        t0 = time.monotonic()
        with pytest.raises(IndexBusy, match="另一个索引构建仍在进行"):
            build_index(
                config, FakeEmbedder(dim=32), status=messages.append, lock_timeout=0.3
            )
        assert time.monotonic() - t0 < 10
    assert messages == [WAIT_MESSAGE]
    assert read_manifest(config.index_dir) is None  # nothing was built meanwhile
    build_index(config, FakeEmbedder(dim=32))  # released: builds at once
    _answers(config.index_dir)


# -- (c) an index copied with `cp -rL` (``current`` a real folder) ------------------------
def test_dereferenced_copy_can_be_rebuilt(config, tmp_path):
    build_index(config, FakeEmbedder(dim=32))
    copy = tmp_path / "copy"
    shutil.copytree(config.index_dir, copy)  # follows symlinks, like `cp -rL`
    assert (copy / "current").is_dir() and not (copy / "current").is_symlink()
    copied = Config.of(corpus_dir=DEFAULT_CORPUS_DIR, index_dir=copy, model="fake:32")
    emb = CountingEmbedder()
    build_index(copied, emb)
    assert (copy / "current").is_symlink()
    assert emb.documents_embedded == 0  # the copy's vectors were reused
    _answers(copy)
    build_index(copied, FakeEmbedder(dim=32), rebuild=True)
    _answers(copy)


# -- (d) debris of failed builds -----------------------------------------------------------
def test_leftover_temp_build_is_removed_before_the_next_build_writes(
    config, monkeypatch
):
    build_index(config, FakeEmbedder(dim=32))
    debris = config.index_dir / ".tmp-build-0123456789-99999"
    (debris / "bm25").mkdir(parents=True)
    (debris / "chunks.jsonl").write_text('{"id": "half', encoding="utf-8")
    os.symlink("nowhere", config.index_dir / ".current-99999")
    seen = []
    save = BM25Index.save

    def spy(self, directory):
        seen.append(debris.exists())
        return save(self, directory)

    monkeypatch.setattr(BM25Index, "save", spy)
    build_index(config, FakeEmbedder(dim=32))
    assert seen == [False]  # the space was freed before this build wrote its own
    assert not list(config.index_dir.glob(".tmp-*"))
    assert not list(config.index_dir.glob(".current-*"))
    _answers(config.index_dir)


def test_disk_full_build_cleans_up_after_itself(config, monkeypatch):
    build_index(config, FakeEmbedder(dim=32))
    before = read_manifest(config.index_dir)

    def full(self, directory):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(BM25Index, "save", full)
    with pytest.raises(OSError, match="No space"):
        build_index(config, CountingEmbedder())
    assert not list(config.index_dir.glob(".tmp-*"))
    assert read_manifest(config.index_dir) == before
    monkeypatch.undo()
    build_index(config, FakeEmbedder(dim=32))
    _answers(config.index_dir)


def test_old_builds_are_pruned_but_the_previous_one_is_kept(config):
    emb = FakeEmbedder(dim=32)
    paths = [build_index(config, emb).path for _ in range(3)]
    assert len(set(paths)) == 3  # every build gets a folder of its own
    left = sorted(p.name for p in config.index_dir.glob("build-*"))
    assert left == sorted([paths[1].name, paths[2].name])
    assert (config.index_dir / "current").resolve() == paths[2].resolve()


# -- (e) a FAISS file that disagrees with the manifest ---------------------------------------
def _wrong_dim_faiss(build_dir, n_rows):
    store = FaissStore(16)
    v = np.random.default_rng(0).normal(size=(n_rows, 16)).astype(np.float32)
    store.add(
        np.arange(n_rows), v / np.linalg.norm(v, axis=1, keepdims=True), ["x"] * n_rows
    )
    store.save(Path(build_dir) / "faiss.index")


@pytest.mark.parametrize("rerecorded", [False, True])
def test_wrong_dimension_faiss_file_is_corrupt_and_rebuilt(config, rerecorded):
    build_index(config, FakeEmbedder(dim=32))
    cur = config.index_dir / "current"
    _wrong_dim_faiss(cur, read_manifest(config.index_dir)["n_rows"])
    if rerecorded:
        _rerecord(cur, "faiss.index")
    with pytest.raises(IndexCorrupt, match="维度" if rerecorded else "faiss.index"):
        load_index(config.index_dir)
    strict = Config.of(
        corpus_dir=DEFAULT_CORPUS_DIR,
        index_dir=config.index_dir,
        model="fake:32",
        on_stale="fail",
    )
    with pytest.raises(IndexError_, match="qa index --rebuild"):
        Pipeline.load(strict, embedder=FakeEmbedder(dim=32))
    messages = []
    p = Pipeline.load(config, embedder=FakeEmbedder(dim=32), status=messages.append)
    assert "索引已损坏" in messages[0]
    assert p.retriever.index.store.dim == 32
    assert p.search("创业担保贷款").hits


def test_faiss_file_with_too_few_rows_is_corrupt(config):
    build_index(config, FakeEmbedder(dim=32))
    cur = config.index_dir / "current"
    n = read_manifest(config.index_dir)["n_rows"]
    store = FaissStore(32)
    v = FakeEmbedder(dim=32).encode_document(["创业"] * (n - 1))
    store.add(np.arange(n - 1), v, ["x"] * (n - 1))
    store.save(cur / "faiss.index")
    _rerecord(cur, "faiss.index")
    with pytest.raises(IndexCorrupt, match="向量数与条款数不一致"):
        load_index(config.index_dir)


# -- (f) edited chunk text is never served ---------------------------------------------------
@pytest.mark.parametrize("rerecorded", [False, True])
def test_edited_chunk_text_is_detected(config, rerecorded):
    build_index(config, FakeEmbedder(dim=32))
    chunks = config.index_dir / "current" / "chunks.jsonl"
    text = chunks.read_text(encoding="utf-8")
    assert "最高50万元个人贷款" in text
    chunks.write_text(text.replace("50万元", "88888元"), encoding="utf-8")
    if rerecorded:
        _rerecord(config.index_dir / "current", "chunks.jsonl")
    with pytest.raises(IndexCorrupt, match="文本" if rerecorded else "chunks.jsonl"):
        load_index(config.index_dir)
    p = Pipeline.load(config, embedder=FakeEmbedder(dim=32))
    served = [c.text for c in p.retriever.index.chunks]
    assert not any("88888元" in t for t in served)
    assert any("最高50万元个人贷款" in t for t in served)


# -- (g) the embedding cache checks what it reuses -------------------------------------------
@pytest.mark.parametrize("rerecorded", [False, True])
def test_zeroed_cached_vectors_are_embedded_again(config, rerecorded):
    build_index(config, FakeEmbedder(dim=32))
    cur = config.index_dir / "current"
    vectors = np.load(cur / "vectors.npy")
    vectors[:5] = 0.0
    vectors[5] = np.nan
    np.save(cur / "vectors.npy", vectors)
    if rerecorded:
        _rerecord(cur, "vectors.npy")
    emb = CountingEmbedder()
    report = build_index(config, emb)
    # A vector file that fails its manifest is not trusted at all; a file that matches
    # it still has its bad rows (zero, NaN) embedded again, and only those.
    assert (
        report.embedded == emb.documents_embedded == (6 if rerecorded else len(vectors))
    )
    fresh = load_index(config.index_dir).vectors
    np.testing.assert_allclose(np.linalg.norm(fresh, axis=1), 1.0, atol=1e-5)


def test_cached_vectors_of_another_dimension_or_text_are_not_reused(config):
    build_index(config, FakeEmbedder(dim=32))
    cur = config.index_dir / "current"
    n = len(np.load(cur / "vectors.npy"))
    np.save(
        cur / "vectors.npy", np.ones((n, 16), np.float32) / 4.0
    )  # unit norm, dim 16
    _rerecord(cur, "vectors.npy")
    emb = CountingEmbedder()
    build_index(config, emb)
    assert emb.documents_embedded == n
    # A cache key that no longer hashes its chunk's text is not trusted either.
    cur = config.index_dir / "current"
    keys = json.loads((cur / "keys.json").read_text())
    keys[0] = "0" * 40
    (cur / "keys.json").write_text(json.dumps(keys))
    _rerecord(cur, "keys.json")
    emb = CountingEmbedder()
    build_index(config, emb)
    assert emb.documents_embedded == 1


def test_lost_current_link_is_repaired_so_the_cache_still_serves(config):
    first = build_index(config, FakeEmbedder(dim=32))
    (config.index_dir / "current").unlink()  # e.g. killed between two renames
    emb = CountingEmbedder()
    report = build_index(config, emb)
    assert emb.documents_embedded == 0 and report.reused == first.n_rows
    _answers(config.index_dir)
