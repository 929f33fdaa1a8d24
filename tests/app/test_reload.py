"""A running server notices a new index and reloads it without dropping requests."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from bench.soak import call, free_port, not_verbatim  # noqa: E402
from qa import app  # noqa: E402
from qa.config import Config, data_dir  # noqa: E402

QUESTION = "肇庆创业担保贷款个人最高能贷多少？"
RELOADED = "索引已更新，已重新加载"


def _said(out: dict) -> str:
    quotes = [c["quote"] for c in out["citations"] + out["related"]]
    return out["answer"] + "".join(quotes)


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def served(tmp_path):
    """A server over a copy of the corpus with the fake embedder; index built first."""
    from qa.embedding import load_embedder
    from qa.index import build_index

    corpus = tmp_path / "corpus"
    shutil.copytree(data_dir("corpus"), corpus)
    config = Config.of(corpus_dir=corpus, index_dir=tmp_path / "index", model="fake")
    embedder = load_embedder("fake")
    build_index(config, embedder)
    demo = app.create_app(**app.reloading(config, poll_s=0.0))
    url = app.launch(demo, port=free_port(), block=False).rstrip("/")
    demo.qa_pipeline.get(timeout=60)
    yield url, config, embedder, corpus / "zhaoqing_2024_employment_plan.txt"
    demo.close()


def test_a_new_index_is_served_after_qa_index(served, caplog):
    from qa.corpus import load_corpus
    from qa.index import build_index

    url, config, embedder, doc = served
    caplog.set_level(logging.INFO, logger="qa.app.lazy")
    status, out = call(url, "ask", [QUESTION])
    assert out["ok"] and "50万元" in _said(out) and "60万元" not in _said(out)

    _edit(doc, "最高50万元个人贷款", "最高60万元个人贷款")
    assert "50万元" in _said(call(url, "ask", [QUESTION])[1])  # not rebuilt: no change
    build_index(config, embedder)  # what `qa index` does

    status, out = call(url, "ask", [QUESTION])
    assert status == 200 and out["ok"] and "60万元" in _said(out), out
    texts = {d.id: d.text for d in load_corpus(config.corpus_dir)}
    assert not_verbatim(out, texts) == 0  # offsets point into the new text
    assert RELOADED in caplog.text


def test_requests_during_the_swap_all_succeed(served, caplog):
    from qa.index import build_index

    url, config, embedder, doc = served
    stop, results = threading.Event(), []

    def client():
        while not stop.is_set():
            results.append(call(url, "ask", [QUESTION]))

    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(client) for _ in range(4)]
        time.sleep(0.3)
        _edit(doc, "最高50万元个人贷款", "最高60万元个人贷款")
        build_index(config, embedder)
        deadline = time.monotonic() + 20
        while RELOADED not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        stop.set()
        for j in jobs:
            j.result()
    assert RELOADED in caplog.text
    assert results and all(s == 200 and o and o["ok"] for s, o in results)
    said = [_said(o) for _, o in results]
    assert "50万元" in said[0] and "60万元" in said[-1]


def test_a_reload_that_fails_keeps_the_old_pipeline(caplog):
    version, calls = ["v1"], []

    class Fake:
        def __init__(self, name):
            self.name = name

        def ask(self, *a, **k): ...

    def reload():
        calls.append(version[0])
        if version[0] == "v2":
            raise OSError("/secret/index 损坏")
        return Fake(version[0])

    lazy = app.LazyPipeline(
        lambda: Fake("v1"), version=lambda: version[0], poll_s=0, reload=reload
    )
    assert lazy.get(timeout=5).name == "v1" and calls == []
    version[0] = "v2"
    assert lazy.get().name == "v1" and lazy.get().name == "v1"
    assert calls == ["v2"]  # a failed version is not tried again on every request
    assert "/secret/index" in caplog.text and lazy.reloads == 0
    version[0] = "v3"
    assert lazy.get().name == "v3" and lazy.reloads == 1


def test_in_flight_requests_use_the_old_pipeline_while_the_new_one_loads():
    version, release = ["v1"], threading.Event()

    class Fake:
        def __init__(self, name):
            self.name = name

        def ask(self, *a, **k): ...

    def reload():
        release.wait(5)
        return Fake(version[0])

    lazy = app.LazyPipeline(
        lambda: Fake("v1"), version=lambda: version[0], poll_s=0, reload=reload
    )
    assert lazy.get(timeout=5).name == "v1"
    version[0] = "v2"
    with ThreadPoolExecutor(1) as pool:
        loading = pool.submit(lazy.get)  # this request loads v2
        time.sleep(0.2)
        assert lazy.get().name == "v1"  # others are served meanwhile, by the old one
        release.set()
        assert loading.result().name == "v2"
    assert lazy.get().name == "v2"
