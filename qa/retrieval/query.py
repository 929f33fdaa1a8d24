"""The first checks of every question or search: non-empty, bounded, has text.

Everything a caller sends (question, region, conversation history) is bounded here,
before any tokenizing, embedding or region matching runs on it.
"""

from __future__ import annotations

import re

from qa.errors import QueryError

MAX_QUERY_CHARS = 500
# A region name: the longest real one (e.g. 新疆维吾尔自治区 + a prefecture) is far shorter.
MAX_REGION_CHARS = 40
# Conversation history accepted per request; only the last turns are ever used.
MAX_HISTORY_MESSAGES = 40
MAX_HISTORY_CHARS = 20_000
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


def check_region(region: object) -> str | None:
    """The stripped region name (None for none) or QueryError naming what is wrong."""
    if region is None:
        return None
    if not isinstance(region, str):
        raise QueryError("地区应为文字（如“广州”），收到的不是文字。")
    region = region.strip()
    if len(region) > MAX_REGION_CHARS:
        raise QueryError(
            f"地区名称太长（{len(region)} 字），请只写地名，如“广州”或“浦东新区”。"
        )
    return region or None


def check_history(
    history: object,
    *,
    max_messages: int = MAX_HISTORY_MESSAGES,
    max_chars: int = MAX_HISTORY_CHARS,
) -> list[dict[str, str]]:
    """Conversation history as [{"role", "content": str}], bounded before any work.

    Accepts OpenAI-style messages; a content given as a list of parts (Gradio 6) is
    joined. Raises QueryError for a non-list, a malformed message, too many messages or
    too many characters in all.
    """
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise QueryError('对话历史格式不对：应为消息列表 [{"role", "content"}, …]。')
    if len(history) > max_messages:
        raise QueryError(
            f"对话历史太长（{len(history)} 条消息），最多 {max_messages} 条；"
            "请开始新的对话。"
        )
    out: list[dict[str, str]] = []
    total = 0
    for i, m in enumerate(history, 1):
        role = m.get("role") if isinstance(m, dict) else None
        content = m.get("content", "") if isinstance(m, dict) else None
        if isinstance(content, list):
            content = "".join(
                p.get("text", "") if isinstance(p, dict) else "" for p in content
            )
        if role not in ("user", "assistant", "system") or not isinstance(content, str):
            raise QueryError(
                f"对话历史第 {i} 条格式不对：应含 role（user/assistant）和文字 content。"
            )
        total += len(content)
        if total > max_chars:
            raise QueryError(f"对话历史太长（超过 {max_chars} 字），请开始新的对话。")
        if role != "system":
            out.append({"role": role, "content": content})
    return out
