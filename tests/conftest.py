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
