"""Optional LLM phrasing: the grounded answer rephrased by a chat model, quotes verified.

With a chat model configured (any OpenAI-compatible endpoint), the grounded answer is
rephrased by the LLM; every 「quote」 in its output is checked verbatim against the cited
clauses and unverifiable quotes are removed. Errors and timeouts fall back to the
grounded answer. Prompt templates are files in ``prompts/``; a missing variable raises.
"""

from __future__ import annotations

import re
import string
from dataclasses import replace
from typing import Any

from qa.config import LLMSettings, data_dir
from qa.types import Answer, SearchResult

PROMPTS_DIR = data_dir("prompts")

_QUOTE = re.compile(r"「([^「」]{2,})」")


def make_chat_model(settings: LLMSettings) -> Any:
    """An OpenAI-compatible chat model from the settings (base URL, model, key, timeout)."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=SecretStr(settings.api_key or "not-needed"),
        timeout=settings.timeout_s,
        max_retries=0,
        temperature=0,
    )


def verify_quotes(text: str, sources: list[str]) -> tuple[str, int]:
    """Remove every 「quote」 that is not a verbatim substring of some source clause.

    Returns:
        (text with unverifiable quotes replaced by a marker, number removed)
    """
    removed = 0

    def check(m: re.Match) -> str:
        nonlocal removed
        if any(m.group(1) in s for s in sources):
            return m.group(0)
        removed += 1
        return "〔未能核实的引文已删除〕"

    return _QUOTE.sub(check, text), removed


def rephrase(llm: Any, answer: Answer, result: SearchResult) -> Answer:
    """Let the LLM phrase the answer; keep only verbatim quotes; fall back on any error."""
    sources = [h.chunk.text for h in result.hits]
    clauses = "\n".join(
        f"[{i}] {h.chunk.region}《{h.chunk.heading}》：{h.chunk.text}"
        for i, h in enumerate(result.hits[:5], 1)
    )
    messages = [
        ("system", render("answer_system")),
        (
            "user",
            render(
                "answer_user",
                question=answer.question,
                draft=answer.text,
                clauses=clauses,
                scope_note=answer.notice or "无",
            ),
        ),
    ]
    try:
        reply = llm.invoke(messages)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
    except (
        Exception
    ) as exc:  # network, timeout, bad endpoint: the grounded answer stands
        return replace(
            answer,
            notice=(
                answer.notice
                + f" 大模型改写失败（{type(exc).__name__}），以下为原文摘录答案。"
            ).strip(),
        )
    text, removed = verify_quotes(text, sources)
    if not _QUOTE.search(text):
        return replace(
            answer,
            notice=(
                answer.notice + " 大模型输出没有可核实的原文引用，已改用原文摘录答案。"
            ).strip(),
        )
    return replace(answer, text=text, llm_removed_quotes=removed)


def render(name: str, **variables: str) -> str:
    """Fill ``prompts/<name>.txt``; raises KeyError naming any variable not supplied."""
    template = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
    needed = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = needed - set(variables)
    if missing:
        raise KeyError(f"prompt {name!r} needs variables {sorted(missing)}")
    return template.format(**variables)
