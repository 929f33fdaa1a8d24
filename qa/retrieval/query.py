"""The first check of every question or search: non-empty, bounded, has text."""

from __future__ import annotations

import re

from qa.errors import QueryError

MAX_QUERY_CHARS = 500
HAS_TEXT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def check_query(text: object, *, max_chars: int = MAX_QUERY_CHARS) -> str:
    """Return the stripped query or raise QueryError with a clear Chinese message."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("请输入问题或关键词。")
    text = text.strip()
    if len(text) > max_chars:
        raise QueryError(
            f"问题太长（{len(text)} 字），请精简到 {max_chars} 字以内再问。"
        )
    if not HAS_TEXT.search(text):
        raise QueryError("没有识别到文字内容，请用中文描述您的问题。")
    return text
