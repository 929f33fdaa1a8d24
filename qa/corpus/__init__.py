"""The corpus stage: documents (``documents.toml`` + texts), gazetteer, lexicon.

:func:`load_checked` loads all three and cross-checks every document's region, level and
parent region against the gazetteer (see :mod:`qa.corpus.validate`), so an error surfaces
at ``qa index``, not at ask time.
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
from qa.corpus.files import raise_problems
from qa.corpus.gazetteer import Gazetteer
from qa.corpus.lexicon import Lexicon
from qa.corpus.validate import REGIONS_FILE, region_problems, validate
from qa.errors import CorpusError
from qa.types import Document

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
    "validate",
]


def check_regions(docs: list[Document], gazetteer: Gazetteer) -> None:
    """Every document's region, level and parent must be as the gazetteer has them."""
    problems = region_problems(docs, gazetteer)
    raise_problems(problems, path=METADATA_FILE, error=CorpusError)


def load_checked(
    corpus_dir: str | Path,
) -> tuple[list[Document], Gazetteer, Lexicon]:
    """Documents, gazetteer and lexicon of ``corpus_dir``, every file validated.

    Raises:
        CorpusError / GazetteerError: naming the file, the entry and the field.
    """
    return validate(corpus_dir)
