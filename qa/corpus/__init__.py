"""The corpus stage: documents (``documents.toml`` + texts), gazetteer, lexicon.

:func:`load_checked` loads all three and cross-checks every document's region against
the gazetteer, so an error surfaces at ``qa index``, not at ask time.
"""

from __future__ import annotations

from pathlib import Path

from qa.corpus.documents import (
    DEFAULT_CORPUS_DIR,
    METADATA_FILE,
    corpus_hash,
    load_corpus,
    read_text,
)
from qa.corpus.gazetteer import Gazetteer
from qa.corpus.lexicon import Lexicon
from qa.errors import CorpusError
from qa.types import Document

REGIONS_FILE = "regions.toml"

__all__ = [
    "DEFAULT_CORPUS_DIR",
    "METADATA_FILE",
    "REGIONS_FILE",
    "CorpusError",
    "Gazetteer",
    "Lexicon",
    "check_regions",
    "corpus_hash",
    "load_checked",
    "load_corpus",
    "read_text",
]


def check_regions(docs: list[Document], gazetteer: Gazetteer) -> None:
    """Every document's region must be a canonical gazetteer region."""
    for d in docs:
        if d.region not in gazetteer:
            raise CorpusError(
                f"documents.toml: 文档 {d.id} 的地区 {d.region!r} 不在 regions.toml 中"
            )


def load_checked(
    corpus_dir: str | Path,
) -> tuple[list[Document], Gazetteer, Lexicon]:
    """Documents, gazetteer and lexicon of ``corpus_dir``, cross-checked."""
    corpus_dir = Path(corpus_dir)
    docs = load_corpus(corpus_dir)
    gazetteer = Gazetteer.load(corpus_dir / REGIONS_FILE)
    check_regions(docs, gazetteer)
    return docs, gazetteer, Lexicon.load(corpus_dir)
