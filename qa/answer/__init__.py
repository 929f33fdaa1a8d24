"""Grounded answers: verbatim sentences from the retrieved clauses, honest refusals.

No LLM is needed: the answer is composed from sentences of the documents themselves,
each checked by offsets against the raw text before it is shown. The composer refuses
(``answered=False``) when the retrieved clauses do not carry what was asked: an amount
the documents name but never state, a topic outside the corpus, a figure the question
asserts that no clause contains.

:class:`Composer` gets (question, search result, intent) and knows nothing of the
pipeline that calls it; term statistics and settings are handed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from qa.answer import kinds
from qa.answer.headline import comparison_headline, department_headline, direct_headline
from qa.answer.intent import Intent
from qa.answer.messages import (
    NOT_VERBATIM,
    NOTHING_IN_REGIONS,
    REFUSAL_REASONS,
    REGION_UNSTATED,
    refusal_text,
)
from qa.answer.refusal import refusal_reason
from qa.answer.sentences import (
    Sentence,
    is_heading_sentence,
    rank_sentences,
    split_sentences,
)
from qa.config import AnswerSettings
from qa.types import Answer, Citation, Document, Hit, Scope, SearchResult

__all__ = ["Composer", "Intent", "split_sentences", "with_notice"]


class Composer:
    """Turns search results into an :class:`Answer`."""

    def __init__(
        self,
        docs: Mapping[str, Document],
        *,
        idf: Callable[[str], float] | None = None,
        weight: Callable[[str], float] | None = None,
        settings: AnswerSettings | None = None,
    ) -> None:
        self.docs = docs
        # term -> inverse document frequency (None: term length)
        self.idf = idf
        # term -> IDF, 0 for words not in the corpus
        self.weight = weight or (lambda t: 1.0)
        self.settings = settings or AnswerSettings()

    def cite(self, hit: Hit, start: int, end: int) -> Citation | None:
        """A citation for ``doc.text[start:end]``, or None when it is not verbatim."""
        doc, chunk = self.docs.get(hit.chunk.doc_id), hit.chunk
        note = (start, end) == chunk.departments_span and start < end
        if doc is None or not (note or chunk.start <= start < end <= chunk.end):
            return None
        quote = doc.text[start:end]
        if not note and quote != chunk.text[start - chunk.start : end - chunk.start]:
            return None
        return Citation(
            doc.id,
            doc.title,
            doc.region,
            doc.level,
            doc.doc_number,
            hit.chunk.heading,
            quote,
            start,
            end,
            round(hit.score, 6),
            hit.region_role == "fallback",
            hit.chunk.departments,
            doc.date,
            doc.valid_until,
        )

    def compose(
        self,
        question: str,
        result: SearchResult,
        intent: Intent,
        *,
        prior: Sequence[Hit] = (),
    ) -> Answer:
        """The answer to one question (part) from its search result.

        Args:
            prior: the clauses cited in the conversation's last answer (a follow-up
                "这事归哪个部门管？" is answered from their 责任单位).
        """
        hits = list(result.hits)
        scope = result.scopes[0]
        if intent.asks_department:
            return self._who_is_responsible(question, result, intent, prior)
        why = refusal_reason(intent, hits, result, self.weight, settings=self.settings)
        if why:
            return self.refuse(question, why.text, hits, scope, reason=why.code)
        if len(result.scopes) > 1:
            return self._comparison(question, result, intent)
        where = intent.asks_where and not scope.asked and not intent.is_list
        answer = self._which_regions(question, hits, intent) if where else None
        return answer or self._direct(question, hits, intent, scope, single=where)

    def _direct(
        self,
        question: str,
        hits: list[Hit],
        intent: Intent,
        scope: Scope,
        *,
        single: bool = False,
    ) -> Answer:
        """One or two quotes (a list: several); ``single`` when one region says it."""
        cfg = self.settings
        limit = cfg.list_quotes if intent.is_list else cfg.direct_quotes
        limit = 1 if single else limit
        picked = self._own_first(
            self._pick(hits, intent, limit=limit + 4), intent, scope
        )
        picked = picked[:limit]
        citations = tuple(
            c for c in (self.cite(s.hit, s.start, s.end) for s in picked) if c
        )
        if not citations:
            return self.refuse(
                question, NOT_VERBATIM, hits, scope, reason="not_verbatim"
            )
        notice = scope.note
        if not scope.asked and citations[0].region != "全国" and not intent.asks_where:
            notice = REGION_UNSTATED.format(region=citations[0].region)
        return Answer(
            question,
            kinds.direct_text(citations, scope, intent),
            True,
            citations,
            region=scope.asked,
            notice=notice,
            headline=direct_headline(citations[0], intent),
        )

    def _own_first(
        self, picked: list[Sentence], intent: Intent, scope: Scope
    ) -> list[Sentence]:
        """The asked region's nearest document first when it speaks on the subject.

        A parent's document is the fallback for what the nearer one does not say; when
        the nearest document (the region's own, else its city's or province's) states the question's key term (its rarest main term) — and the
        asked quantity, if one is asked — it leads, not the national text.
        """
        nearest = scope.own or (scope.allowed[0] if scope.allowed else "")
        if not (scope.asked and nearest) or not picked or intent.is_list:
            return picked
        if picked[0].hit.chunk.region == nearest or not intent.main_terms:
            return picked
        key = max(intent.main_terms, key=self.weight)
        for s in picked[1:]:
            if s.hit.chunk.region != nearest or key not in s.text:
                continue
            if intent.units and not re.search(intent.unit_pattern, s.text):
                continue
            return [s] + [x for x in picked if x is not s]
        return picked

    def _pick(self, hits: list[Hit], intent: Intent, *, limit: int) -> list[Sentence]:
        """The best sentences, at most one per clause."""
        evidence = hits[: self.settings.evidence_hits]
        ranked = rank_sentences(evidence, intent, self.idf, settings=self.settings)
        if intent.units:
            with_unit = [s for s in ranked if re.search(intent.unit_pattern, s.text)]
            ranked = with_unit + [s for s in ranked if s not in with_unit]
        picked: list[Sentence] = []
        used: set[str] = set()
        for s in ranked:
            if s.hit.chunk.id in used:
                continue
            used.add(s.hit.chunk.id)
            picked.append(s)
            if len(picked) == limit:
                break
        if intent.is_list:
            return sorted(picked, key=lambda s: (s.hit.rank, s.start))
        return picked

    def _which_regions(
        self, question: str, hits: list[Hit], intent: Intent
    ) -> Answer | None:
        """ "Which region says X?": every region whose own sentence says it as fully as
        the best one (the same question terms, the asked quantity), one quote each."""
        evidence = hits[: self.settings.evidence_hits]
        ranked = rank_sentences(evidence, intent, self.idf, settings=self.settings)
        if not ranked:
            return None
        needed = _said(ranked[0].text, intent)
        best: dict[str, Sentence] = {}
        for s in ranked:
            region = s.hit.chunk.region
            if region not in best and _said(s.text, intent) >= needed:
                best[region] = s
        if len(best) < 2:
            return None
        cites = tuple(
            c for s in best.values() if (c := self.cite(s.hit, s.start, s.end))
        )
        if len(cites) < 2:
            return None
        return Answer(
            question,
            kinds.which_regions_text(cites),
            True,
            cites,
            headline=f"答：{'、'.join(c.region for c in cites)}的文件都有此规定",
        )

    def _who_is_responsible(
        self, question: str, result: SearchResult, intent: Intent, prior: Sequence[Hit]
    ) -> Answer:
        """A department question: the last answer's clauses first, then the search's."""
        hits, scope = list(result.hits), result.scopes[0]
        answer = self._departments(question, list(prior), scope) if prior else None
        if answer:
            return answer
        why = refusal_reason(intent, hits, result, self.weight, settings=self.settings)
        if why:
            return self.refuse(question, why.text, hits, scope, reason=why.code)
        top = hits[: min(3, self.settings.evidence_hits)]
        answer = self._departments(question, top, scope)
        if answer is None:
            text = REFUSAL_REASONS["slot_not_stated"].format(kind="责任单位")
            return self.refuse(question, text, hits, scope, reason="slot_not_stated")
        return answer

    def _departments(
        self, question: str, hits: list[Hit], scope: Scope
    ) -> Answer | None:
        """Who is responsible: the quoted 责任单位 note of the first clause with one."""
        for hit in hits:
            cite = self.cite(hit, *hit.chunk.departments_span)
            if cite is None:
                continue
            text = kinds.department_text(cite, scope)
            return Answer(
                question,
                text,
                True,
                (cite,),
                region=scope.asked,
                notice=scope.note,
                headline=department_headline(cite),
            )
        return None

    def _comparison(
        self, question: str, result: SearchResult, intent: Intent
    ) -> Answer:
        lines, citations = [], []
        for scope in result.scopes:
            cite = self._region_quote(result.hits, scope, intent)
            if cite:
                citations.append(cite)
            lines.append(kinds.comparison_line(scope, cite))
        if not citations:
            hits = list(result.hits)
            scope = result.scopes[0]
            return self.refuse(
                question, NOTHING_IN_REGIONS, hits, scope, reason="topic_absent"
            )
        return Answer(
            question,
            kinds.comparison_text(lines),
            True,
            tuple(citations),
            region="、".join(s.asked for s in result.scopes),
            headline=comparison_headline(tuple(citations), intent),
        )

    def _region_quote(
        self, all_hits: tuple[Hit, ...], scope: Scope, intent: Intent
    ) -> Citation | None:
        """The best quote for one region of a comparison (its own document first)."""
        allowed = scope.allowed
        hits = [h for h in all_hits if h.chunk.region in (allowed or (h.chunk.region,))]
        nearest = [h for h in hits if allowed and h.chunk.region == allowed[0]]
        picked = self._pick(nearest or hits, intent, limit=1)
        return (
            self.cite(picked[0].hit, picked[0].start, picked[0].end) if picked else None
        )

    def refuse(
        self,
        question: str,
        why: str,
        hits: list[Hit],
        scope: Scope,
        *,
        reason: str = "topic_absent",
    ) -> Answer:
        """An unanswered answer naming why (and its reason code), with related clauses."""
        related = []
        for hit in hits[: self.settings.related_quotes]:
            sentences = [
                s for s in split_sentences(hit) if not is_heading_sentence(s[2], hit)
            ]
            if sentences:
                cite = self.cite(hit, sentences[0][0], sentences[0][1])
                if cite:
                    related.append(cite)
        text = refusal_text(why, scope.note, has_related=bool(related))
        return Answer(
            question,
            text,
            False,
            (),
            tuple(related),
            region=scope.asked,
            notice=scope.note,
            why=why,
            reason=reason,
        )


def _said(text: str, intent: Intent) -> frozenset[str]:
    """The question's main terms (or their expansions) and asked quantity a sentence says."""
    said = {t for t in intent.main_terms if any(v in text for v in intent.variants(t))}
    if intent.units and re.search(intent.unit_pattern, text):
        said.add("#quantity")
    said.update(f for f in intent.figures if re.search(f, text))
    return frozenset(said)


def with_notice(answer: Answer, notice: str) -> Answer:
    """The answer with ``notice`` appended to its notices."""
    return replace(answer, notice=(answer.notice + " " + notice).strip())
