"""Optional LLM phrasing: the grounded answer rephrased by a chat model, claim by claim
checked against the clauses it was shown.

With a chat model configured (any OpenAI-compatible endpoint), the grounded answer of a
whole question (all its parts) is rephrased in one call. Every sentence of the reply
must be grounded in the clauses (:mod:`qa.grounding`: quotes verbatim, figures, names,
negations); the rest is removed, and without a verifiable quote left the grounded answer
stands. All LLM work of a question has one total deadline (``LLMSettings.timeout_s``)
and the reply is capped (``max_chars``, ``max_tokens``); errors, timeouts and runaway
replies fall back to the grounded answer with a Chinese notice. Prompt templates are
files in ``prompts/``; a missing variable raises.
"""

from __future__ import annotations

import functools
import string
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.config import LLMSettings, data_dir
from qa.grounding import ground, split_sentences, verify_quotes
from qa.llm_http import ReplyDeadline, ReplyTooLong, bounded_client
from qa.types import Answer, Hit, SearchResult

__all__ = ["make_chat_model", "rephrase", "render", "verify_quotes"]

PROMPTS_DIR = data_dir("prompts")
CLAUSES_PER_PART = 5  # clauses of each part's search shown to the model


class LLMTimeout(Exception):
    """The chat model did not reply within the question's total deadline."""


def make_chat_model(settings: LLMSettings) -> Any:
    """An OpenAI-compatible chat model from the settings (base URL, model, key, limits).

    Its HTTP client gives each request a total deadline and stops reading a reply past
    a byte bound (see :mod:`qa.llm_http`), so an abandoned call does not linger.
    """
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=SecretStr(settings.api_key or "not-needed"),
        timeout=settings.timeout_s,
        max_retries=0,
        temperature=0,
        # sent as max_completion_tokens; mypy knows only that field's name
        max_tokens=settings.max_tokens,  # type: ignore[call-arg]
        http_client=bounded_client(
            total_s=settings.timeout_s, max_bytes=reply_byte_limit(settings)
        ),
    )


def policy_terms(user_dict: str | Path) -> frozenset[str]:
    """The programme names of the policy dictionary (``corpus/policy_terms.txt``)."""
    return _dict_words(str(user_dict))


@functools.lru_cache(maxsize=4)
def _dict_words(path: str) -> frozenset[str]:
    file = Path(path)
    if not path or not file.is_file():
        return frozenset()
    lines = file.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip())


def reply_byte_limit(settings: LLMSettings) -> int:
    """Bytes read of one HTTP reply: max_chars JSON-escaped (\\uXXXX) plus the envelope."""
    return settings.max_chars * 8 + 64 * 1024


def _shown_hits(results: Sequence[SearchResult]) -> list[Hit]:
    """The clauses shown to the model: the best of each part's search, each once."""
    seen: set[str] = set()
    out = []
    for result in results:
        for h in result.hits[:CLAUSES_PER_PART]:
            if h.chunk.id not in seen:
                seen.add(h.chunk.id)
                out.append(h)
    return out


def _label(hit: Hit, titles: Mapping[str, str]) -> str:
    """Region, document title and clause heading of a clause, as shown to the model."""
    c = hit.chunk
    title = titles.get(c.doc_id, "")
    return (
        f"{c.region}《{title}》{c.heading}" if title else f"{c.region}《{c.heading}》"
    )


def _messages(
    answer: Answer, hits: list[Hit], titles: Mapping[str, str]
) -> list[tuple[str, str]]:
    clauses = "\n".join(
        f"[{i}] {_label(h, titles)}：{h.chunk.text}" for i, h in enumerate(hits, 1)
    )
    user = render(
        "answer_user",
        question=answer.question,
        draft=answer.text,
        clauses=clauses,
        scope_note=answer.notice or "无",
    )
    return [("system", render("answer_system")), ("user", user)]


def invoke_within(llm: Any, messages: Any, timeout_s: float) -> str:
    """The model's reply text, or LLMTimeout once ``timeout_s`` has passed in total.

    The call runs in a daemon thread that is abandoned at the deadline (a model built by
    :func:`make_chat_model` also ends its own request at that deadline).
    """
    box: dict[str, Any] = {}

    def call() -> None:
        try:
            reply = llm.invoke(messages)
            box["text"] = (
                reply.content if isinstance(reply.content, str) else str(reply.content)
            )
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=call, name="qa-llm", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise LLMTimeout(f"no reply within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box["text"]


def _failure_notice(exc: BaseException, settings: LLMSettings) -> str:
    timeout = f"大模型未在 {settings.timeout_s:g} 秒内回复，以下为原文摘录答案。"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (LLMTimeout, ReplyDeadline)):
            return timeout
        if isinstance(cause, ReplyTooLong):
            return f"大模型回复超过 {settings.max_chars} 字的上限，以下为原文摘录答案。"
        cause = cause.__cause__ or cause.__context__
    return f"大模型改写失败（{type(exc).__name__}），以下为原文摘录答案。"


def _capped(text: str, max_chars: int) -> str:
    """At most ``max_chars`` characters, ending at a sentence end when cut."""
    if len(text) <= max_chars:
        return text
    pieces = split_sentences(text[:max_chars])
    return "".join(pieces[:-1]) if len(pieces) > 1 else ""


def rephrase(
    llm: Any,
    answer: Answer,
    results: SearchResult | Sequence[SearchResult],
    *,
    settings: LLMSettings | None = None,
    terms: Collection[str] = (),
    titles: Mapping[str, str] | None = None,
) -> Answer:
    """Let the LLM phrase the answer in one call; keep only grounded sentences.

    Args:
        results: the search result of each part of the question.
        terms: known programme names (policy vocabulary) the reply must ground too.
        titles: document id → title, shown with each clause.
    """
    settings = settings or LLMSettings()
    results = [results] if isinstance(results, SearchResult) else list(results)
    hits = _shown_hits(results)
    titles = titles or {}
    sources = [h.chunk.text for h in hits] + [c.quote for c in answer.citations]
    sources += [_label(h, titles) for h in hits]  # so 《title》 and headings verify
    sources += [f"{c.region}《{c.title}》{c.clause}" for c in answer.citations]
    try:
        text = invoke_within(llm, _messages(answer, hits, titles), settings.timeout_s)
    except (
        Exception
    ) as exc:  # network, timeout, bad endpoint: the grounded answer stands
        return with_llm_notice(answer, _failure_notice(exc, settings))
    grounded = ground(_capped(text, settings.max_chars), sources, terms=terms)
    if not grounded.evidence or not grounded.text:
        return replace(
            with_llm_notice(
                answer, "大模型输出没有可核实的原文引用，已改用原文摘录答案。"
            ),
            llm_removed_quotes=grounded.removed_quotes,
        )
    out = replace(
        answer, text=grounded.text, llm_removed_quotes=grounded.removed_quotes
    )
    if grounded.removed:
        n = len(grounded.removed)
        out = with_llm_notice(
            out, f"大模型回答中有 {n} 句无法在所引条款中核实，已删除。"
        )
    return out


def with_llm_notice(answer: Answer, notice: str) -> Answer:
    return replace(answer, notice=(answer.notice + " " + notice).strip())


def render(name: str, **variables: str) -> str:
    """Fill ``prompts/<name>.txt``; raises KeyError naming any variable not supplied."""
    template = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
    needed = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = needed - set(variables)
    if missing:
        raise KeyError(f"prompt {name!r} needs variables {sorted(missing)}")
    return template.format(**variables)
