"""Shared fixtures: the real corpus and its chunks, loaded once per session."""

from __future__ import annotations

import pytest

from qa.chunking import chunk_corpus
from qa.corpus import load_corpus


@pytest.fixture(scope="session")
def docs():
    return load_corpus()


@pytest.fixture(scope="session")
def docs_by_id(docs):
    return {d.id: d for d in docs}


@pytest.fixture(scope="session")
def chunks(docs):
    return chunk_corpus(docs)


@pytest.fixture(scope="session")
def real_pipeline(tmp_path_factory):
    """The real pipeline (default packaged model, real corpus), built once per session."""
    from qa.config import Config
    from qa.pipeline import Pipeline

    config = Config.of(index_dir=tmp_path_factory.mktemp("index-real"))
    return Pipeline.load(config)
