"""The policy vocabulary as data: colloquial → policy-term expansions and topic filters.

Both tables live in ``corpus/synonyms.toml`` (``[expand]`` and ``[topics]``) and are
validated when loaded, like the gazetteer; the jieba user dictionary
(``corpus/policy_terms.txt``) is named and checked here too so every consumer finds it
one way. Every problem of a file is reported at once, naming the file, table and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.corpus.files import raise_problems, read_toml, read_utf8, unknown_keys
from qa.errors import CorpusError

SYNONYMS_FILE = "synonyms.toml"
USER_DICT_FILE = "policy_terms.txt"
_TABLES = ("expand", "topics")
# One jieba user-dictionary line: word [frequency [part-of-speech tag]].
_DICT_FREQ = re.compile(r"^\d+$")
_DICT_TAG = re.compile(r"^[a-z]+$")


def _string_lists(
    data: dict[str, Any], name: str, path: Path
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """A ``[name]`` table of key → list of non-empty strings, and its problems."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        return {}, [f"{path} [{name}]: 应为表（table），实为 {table!r}"]
    problems = []
    for key, terms in table.items():
        if not key.strip():
            problems.append(f"{path} [{name}]: 键不能为空")
        if not isinstance(terms, list) or not all(
            isinstance(t, str) and t.strip() for t in terms
        ):
            problems.append(
                f"{path} [{name}] 键 '{key}': 应为非空字符串列表，实为 {terms!r}"
            )
    if problems:
        return {}, problems
    return {k: tuple(v) for k, v in table.items()}, []


def _load_tables(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Every table of the synonyms file, validated together ({} for a missing file)."""
    if not path.is_file():
        return {name: {} for name in _TABLES}
    data = read_toml(path, error=CorpusError)
    problems = unknown_keys(data, _TABLES, where=f"{path} 顶层")
    tables = {}
    for name in _TABLES:
        tables[name], table_problems = _string_lists(data, name, path)
        problems += table_problems
    raise_problems(problems, path=path, error=CorpusError)
    return tables


def load_synonyms(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``[expand]`` colloquial → policy-term lists from a TOML file."""
    return _load_tables(Path(path))["expand"]


def load_topics(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``[topics]`` topic → keyword lists from the synonyms file."""
    return _load_tables(Path(path))["topics"]


def check_user_dict(path: str | Path) -> None:
    """Check a jieba user dictionary: UTF-8, each line ``词 [词频 [词性]]``.

    A missing file is allowed (the tokenizer then uses jieba's own dictionary).

    Raises:
        CorpusError: naming the file and each bad line.
    """
    path = Path(path)
    if not path.is_file():
        return
    problems = []
    for number, line in enumerate(read_utf8(path, error=CorpusError).splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        freq_ok = len(parts) < 2 or _DICT_FREQ.match(parts[1])
        tag_ok = len(parts) < 3 or _DICT_TAG.match(parts[2])
        if len(parts) > 3 or not freq_ok or not tag_ok:
            problems.append(
                f"{path} 第 {number} 行: 格式应为“词 [词频] [词性]”（词频为整数），"
                f"实为 {line!r}"
            )
    raise_problems(problems, path=path, error=CorpusError)


@dataclass(frozen=True)
class Lexicon:
    """Synonym expansions, topic keyword lists and the jieba dictionary path."""

    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    user_dict: str = ""

    @classmethod
    def load(cls, corpus_dir: str | Path) -> Lexicon:
        """Load and validate ``synonyms.toml`` and the dictionary of ``corpus_dir``.

        Raises:
            CorpusError: a file is not UTF-8, not valid TOML or of the wrong shape.
        """
        corpus_dir = Path(corpus_dir)
        tables = _load_tables(corpus_dir / SYNONYMS_FILE)
        check_user_dict(corpus_dir / USER_DICT_FILE)
        return cls(
            synonyms=tables["expand"],
            topics=tables["topics"],
            user_dict=str(corpus_dir / USER_DICT_FILE),
        )
