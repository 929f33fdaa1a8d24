"""Text analysis shared by indexing and search.

jieba tokens with the policy dictionary, and colloquial → policy-term query expansion.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

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
