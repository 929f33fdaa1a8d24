"""Sentences of retrieved clauses, with offsets, ranked by what the question asks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.answer.intent import Intent
from qa.config import AnswerSettings
from qa.types import Hit

_SENTENCE = re.compile(r"[^。；;！？!?\n]+(?:[。；;！？!?]+[”’」）)]*|$)")


@dataclass(frozen=True)
class Sentence:
    hit: Hit
    start: int
    end: int
    text: str
    score: float


def split_sentences(hit: Hit) -> list[tuple[int, int, str]]:
    """Sentences of a hit's clause as ``(start, end, text)`` offsets into the document."""
    out = []
    for m in _SENTENCE.finditer(hit.chunk.text):
        s, e = m.start(), m.end()
        while s < e and hit.chunk.text[s].isspace():
            s += 1
        while e > s and hit.chunk.text[e - 1].isspace():
            e -= 1
        if e - s >= 4:
            out.append((hit.chunk.start + s, hit.chunk.start + e, hit.chunk.text[s:e]))
    return out


def is_heading_sentence(text: str, hit: Hit) -> bool:
    core = text.rstrip("。；;")
    return (
        any(core == part or core.endswith(part) for part in hit.chunk.clause_path)
        or len(core) <= 12
    )


def rank_sentences(
    hits: list[Hit],
    intent: Intent,
    idf: Callable[[str], float] | None = None,
    *,
    settings: AnswerSettings | None = None,
) -> list[Sentence]:
    """Score sentences by the IDF of the question terms they contain.

    Terms of the question itself count fully, synonym expansions less; a sentence stating
    the asked kind of quantity and a better-ranked clause get a bonus (weights from
    :class:`AnswerSettings`).
    """
    cfg = settings or AnswerSettings()
    idf = idf or (lambda t: float(len(t)))
    core = set(intent.core_terms)
    weights = {
        t: idf(t) * (1.0 if t in core else cfg.expansion_weight) for t in intent.terms
    }
    out = []
    for hit in hits:
        for s, e, text in split_sentences(hit):
            if not is_heading_sentence(text, hit):
                score = _score(text, hit, intent, weights, cfg)
                out.append(Sentence(hit, s, e, text, score))
    return sorted(out, key=lambda x: (-x.score, x.hit.rank, x.start))


def _score(
    text: str,
    hit: Hit,
    intent: Intent,
    weights: dict[str, float],
    cfg: AnswerSettings,
) -> float:
    score = sum(w for t, w in weights.items() if t in text)
    # Shared character pairs catch words the tokenizer split apart (五乐 → 五 / 乐).
    pairs = {text[i : i + 2] for i in range(len(text) - 1)}
    score += cfg.bigram_weight * len(intent.bigrams & pairs)
    if intent.units and re.search(intent.unit_pattern, text):
        score += cfg.unit_bonus
    elif intent.wants_number and re.search(r"\d", text):
        score += cfg.number_bonus
    if any(re.search(f, text) for f in intent.figures):
        score += cfg.figure_bonus
    return score + cfg.rank_bonus / hit.rank
