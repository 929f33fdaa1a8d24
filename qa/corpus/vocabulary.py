"""The answering vocabulary as data: ``corpus/answering.toml``, validated on load."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from qa.errors import CorpusError

FILE_NAME = "answering.toml"


@dataclass(frozen=True)
class Vocabulary:
    """Word lists the composer uses, loaded from data rather than written in code."""

    # topic named to the user -> words that signal it in a question
    outside_topics: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def outside_of(self, question: str) -> tuple[str, ...]:
        """The outside-the-corpus topics a question is about (in file order)."""
        return tuple(
            topic
            for topic, words in self.outside_topics.items()
            if any(w in question for w in words)
        )


def load_vocabulary(corpus_dir: Path) -> Vocabulary:
    """Read and check ``answering.toml``; a missing file means an empty vocabulary."""
    path = Path(corpus_dir) / FILE_NAME
    if not path.exists():
        return Vocabulary()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CorpusError(f"{path} 不是 UTF-8 编码的文本文件。") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path} 格式错误：{exc}") from None
    unknown = sorted(set(data) - {"outside_topics"})
    if unknown:
        raise CorpusError(
            f"{path}：未知的表 {'、'.join(unknown)}（可用：outside_topics）。"
        )
    topics = data.get("outside_topics", {})
    if not isinstance(topics, dict):
        raise CorpusError(f"{path}：[outside_topics] 应为“主题 = [词, …]”的表。")
    checked: dict[str, tuple[str, ...]] = {}
    for topic, words in topics.items():
        if (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and w.strip() for w in words)
        ):
            raise CorpusError(
                f'{path}：[outside_topics] 中“{topic}”应为非空的词语列表，如 ["公积金"]。'
            )
        checked[topic] = tuple(w.strip() for w in words)
    return Vocabulary(MappingProxyType(checked))
