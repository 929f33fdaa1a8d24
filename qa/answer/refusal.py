"""Why the retrieved clauses do not answer a question, checked in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.answer.intent import Intent
from qa.answer.messages import REFUSAL_REASONS as _REASONS
from qa.answer.sentences import split_sentences
from qa.config import AnswerSettings
from qa.types import Hit, SearchResult


@dataclass(frozen=True)
class Refusal:
    """Why the documents do not answer: a reason code and its plain-Chinese sentence.

    Codes: ``injection``, ``no_document``, ``topic_absent``, ``asserted_figure_absent``,
    ``slot_not_stated`` (and ``not_verbatim`` from the composer).
    """

    code: str
    text: str


def _why(code: str, key: str | None = None, **values: str) -> Refusal:
    return Refusal(code, _REASONS[key or code].format(**values))


def refusal_reason(
    intent: Intent,
    hits: list[Hit],
    result: SearchResult,
    weight: Callable[[str], float] = lambda t: 1.0,
    *,
    settings: AnswerSettings | None = None,
) -> Refusal | None:
    """Why the retrieved clauses do not answer the question (None when they do)."""
    cfg = settings or AnswerSettings()
    scope = result.scopes[0]
    if intent.injection and (intent.units or intent.figures or not intent.terms):
        return _why("injection")
    if not hits:
        return _why("no_document", "no_hits", where=scope.asked or "所选范围")
    if scope.asked and not scope.own and intent.asks_own_document:
        return _why("no_document", region=scope.asked)
    if intent.outside_topics:
        return _why("topic_absent", missing="、".join(intent.outside_topics))
    texts = [h.chunk.text for h in hits[: cfg.evidence_hits]]
    if intent.terms and coverage(intent, texts) < cfg.min_coverage:
        # Everyday words (表哥, 电子厂, 想开) are often absent from every document; the
        # question is still answerable when the clauses match it closely in meaning.
        if _closeness(hits[: cfg.evidence_hits], result) < cfg.coverage_cos_floor:
            return _why("topic_absent", "topic_absent_plain")
    return _figures_and_slots(intent, hits, weight, cfg)


def _closeness(hits: list[Hit], result: SearchResult) -> float:
    """The best query-clause cosine among the evidence clauses (0 when unknown)."""
    cosines = [
        result.signals[h.chunk.id][0] for h in hits if h.chunk.id in result.signals
    ]
    return max(cosines, default=0.0)


def _figures_and_slots(
    intent: Intent,
    hits: list[Hit],
    weight: Callable[[str], float],
    cfg: AnswerSettings,
) -> Refusal | None:
    """Asserted figures stated about the subject; asked quantities stated at all."""
    for figure in intent.figures:
        # The asserted figure must be stated about the asked subject: the 500万元 of a
        # 小微企业贷款 sentence does not confirm "孵化基地奖补最高500万元".
        shown = re.sub(r"\(\?<!\[\\d\.\]\)|\\s\*|\\", "", figure)
        if not _stated(
            intent, hits, figure, weight, cfg.stated_share, skip=shown.__contains__
        ):
            subject = "、".join(t for t in intent.main_terms if t not in shown)[:30]
            if subject and any(re.search(figure, h.chunk.text) for h in hits):
                return _why(
                    "asserted_figure_absent",
                    "asserted_figure_off_subject",
                    subject=subject,
                    figure=shown,
                )
            return _why("asserted_figure_absent", figure=shown)
    for name, pattern in intent.units:
        if not _stated(
            intent, hits[: cfg.evidence_hits], pattern, weight, cfg.stated_share
        ):
            return _why("slot_not_stated", kind=name)
    return None


def _found(term: str, texts: list[str]) -> bool:
    """A term, or one of its character bigrams for longer words, occurs in the texts."""
    if any(term in x for x in texts):
        return True
    grams = [term[i : i + 2] for i in range(len(term) - 1)] if len(term) >= 4 else []
    return any(g in x for g in grams for x in texts)


def coverage(intent: Intent, texts: list[str]) -> float:
    """Share of the question's core terms (or their expansions) found in the clauses."""
    terms = intent.main_terms
    if not terms:
        return 1.0
    found = sum(1 for t in terms if any(_found(v, texts) for v in intent.variants(t)))
    return found / len(terms)


def _stated(
    intent: Intent,
    hits: list[Hit],
    pattern: str,
    weight: Callable[[str], float],
    share: float,
    *,
    skip: Callable[[str], bool] = lambda t: False,
) -> bool:
    """Whether a sentence states the asked quantity about the question's subject.

    The sentence must hold the quantity and at least half of the question's terms,
    weighted by IDF (rare words like 妈妈岗 or 保险金 weigh most), so the 450元 of a
    社保补贴 sentence does not answer a 妈妈岗 or 失业保险金 question. ``skip`` leaves
    out terms that are not the subject (the unit 万元 of an asserted "500万元").
    """
    weights = {
        t: max(weight(t), 1.0)
        for t in intent.main_terms
        if (weight(t) > 0 or intent.expansions.get(t)) and not skip(t)
    }
    total = sum(weights.values())
    for hit in hits:
        for _, _, text in split_sentences(hit):
            if not re.search(pattern, text):
                continue
            # A synonym expansion (失业 → 就业困难人员) is weaker evidence than the word itself.
            got = sum(
                w
                if t in text
                else w / 2
                if any(v in text for v in intent.variants(t))
                else 0.0
                for t, w in weights.items()
            )
            if total == 0 or got / total >= share:
                return True
    return False
