"""The policy vocabulary as data: colloquial → policy-term expansions and topic filters.

Both tables live in ``corpus/synonyms.toml`` (``[expand]`` and ``[topics]``) and are
validated when loaded, like the gazetteer; the jieba user dictionary
(``corpus/policy_terms.txt``) is named here too so every consumer finds it one way.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import CorpusError

SYNONYMS_FILE = "synonyms.toml"
USER_DICT_FILE = "policy_terms.txt"


def _table(path: Path, name: str) -> dict:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: TOML 格式错误: {exc}") from exc
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise CorpusError(f"{path}: [{name}] must be a table")
    return table


def _string_lists(path: Path, name: str) -> dict[str, tuple[str, ...]]:
    """A ``[name]`` table of key → list of strings, validated."""
    data = _table(path, name)
    for key, terms in data.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise CorpusError(f"{path}: [{name}] {key!r} must be a list of strings")
    return {k: tuple(v) for k, v in data.items()}


def load_synonyms(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``[expand]`` colloquial → policy-term lists from a TOML file."""
    return _string_lists(Path(path), "expand")


def load_topics(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``[topics]`` topic → keyword lists from the synonyms file."""
    return _string_lists(Path(path), "topics")


@dataclass(frozen=True)
class Lexicon:
    """Synonym expansions, topic keyword lists and the jieba dictionary path."""

    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    user_dict: str = ""

    @classmethod
    def load(cls, corpus_dir: str | Path) -> Lexicon:
        corpus_dir = Path(corpus_dir)
        synonyms_file = corpus_dir / SYNONYMS_FILE
        return cls(
            synonyms=load_synonyms(synonyms_file),
            topics=load_topics(synonyms_file),
            user_dict=str(corpus_dir / USER_DICT_FILE),
        )
