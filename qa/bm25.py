"""jieba tokenization with the policy vocabulary, and a BM25 index built once at index time."""

from __future__ import annotations

import functools
import json
import re
import tomllib
from pathlib import Path

import numpy as np

TOKENIZER_VERSION = "jieba-search-nohmm-1"
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]")
# Function words and boilerplate that carry no retrieval signal.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 等 在 是 对 为 我 你 他 她 它 们 吗 呢 吧 啊 呀 么 什么 怎么 怎样 如何 哪些 哪个 多少 "
    "有 有没有 能 能不能 可以 可不可以 要 需要 请问 一下 这个 那个 就 都 也 还 又 而 把 被 给 让 从 到 "
    "个 想 会 该 这 那 吗？ ？ 。 ， 、 ： ；".split()
)


@functools.lru_cache(maxsize=4)
def _jieba(user_dict: str):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    if user_dict and Path(user_dict).is_file():
        tok.load_userdict(user_dict)
    return tok


def tokenize(text: str, *, user_dict: str | Path = "") -> list[str]:
    """Search-mode jieba tokens of ``text`` minus stopwords and punctuation."""
    tok = _jieba(str(user_dict))
    return [
        w
        for w in tok.lcut_for_search(text, HMM=False)
        if w.strip() and w not in STOPWORDS and _TOKEN_OK.search(w)
    ]


def load_synonyms(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``[expand]`` colloquial → policy-term lists from a TOML file."""
    path = Path(path)
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("expand", {})
    for key, terms in data.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError(f"{path}: [expand] {key!r} must be a list of strings")
    return {k: tuple(v) for k, v in data.items()}


def load_topics(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Read ``[topics]`` topic → keyword lists from the synonyms file."""
    path = Path(path)
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("topics", {})
    return {k: tuple(v) for k, v in data.items()}


def expand_query(
    text: str, synonyms: dict[str, tuple[str, ...]]
) -> tuple[str, tuple[str, ...]]:
    """Append the policy terms of every colloquial key found in ``text``.

    Returns:
        (expanded text, the added terms)
    """
    added: list[str] = []
    for key, terms in synonyms.items():
        if key in text:
            added.extend(t for t in terms if t not in text and t not in added)
    return (text + " " + " ".join(added) if added else text), tuple(added)


class BM25Index:
    """BM25 (bm25s, sparse matrices) over pre-tokenized chunks; rows = chunk rows."""

    def __init__(self, retriever, n_docs: int) -> None:
        self._r = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> BM25Index:
        import bm25s

        r = bm25s.BM25()
        # An empty document would break bm25s; give it a placeholder token.
        r.index([toks or ["\u0000"] for toks in token_lists], show_progress=False)
        return cls(r, len(token_lists))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens: (n_docs,) float32."""
        if not tokens or self.n_docs == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._r.get_scores(tokens), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self._r.save(str(directory), show_progress=False)
        (directory / "n_docs.json").write_text(json.dumps(self.n_docs))

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        import bm25s

        r = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(r, json.loads((directory / "n_docs.json").read_text()))
