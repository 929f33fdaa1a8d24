"""Grounded answers: verbatim sentences from the retrieved clauses, honest refusals.

No LLM is needed: the answer is composed from sentences of the documents themselves,
each checked by offsets against the raw text before it is shown. The composer refuses
(``answered=False``) when the retrieved clauses do not carry what was asked: an amount
the documents name but never state, a topic outside the corpus, a figure the question
asserts that no clause contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.intent import Intent, analyze, contextualize
from qa.retrieve import QueryError, SearchResult, check_query
from qa.types import Answer, Citation, Document, Hit

HOTLINE = "如需进一步确认，可拨打12333人力资源社会保障服务热线咨询。"
SEARCH_K = 8
# Clauses whose sentences may answer (and whose words count for coverage).
EVIDENCE_HITS = 5
MIN_COVERAGE = 0.4
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


def _is_heading_sentence(text: str, hit: Hit) -> bool:
    core = text.rstrip("。；;")
    return (
        any(core == part or core.endswith(part) for part in hit.chunk.clause_path)
        or len(core) <= 12
    )


def rank_sentences(hits: list[Hit], intent: Intent, idf=None) -> list[Sentence]:
    """Score sentences by the IDF of the question terms they contain.

    Terms of the question itself count fully, synonym expansions half; a sentence stating
    the asked kind of quantity and a better-ranked clause get a bonus.
    """
    idf = idf or (lambda t: float(len(t)))
    core = set(intent.core_terms)
    weights = {t: idf(t) * (1.0 if t in core else 0.5) for t in intent.terms}
    out = []
    for hit in hits:
        for s, e, text in split_sentences(hit):
            if _is_heading_sentence(text, hit):
                continue
            score = sum(w for t, w in weights.items() if t in text)
            # Shared character pairs catch words the tokenizer split apart (五乐 → 五 / 乐).
            score += 0.2 * len(
                intent.bigrams & {text[i : i + 2] for i in range(len(text) - 1)}
            )
            if intent.units and re.search(intent.unit_pattern, text):
                score += 2.0
            elif intent.wants_number and re.search(r"\d", text):
                score += 1.0
            if any(re.search(f, text) for f in intent.figures):
                score += 5.0
            score += 1.5 / hit.rank
            out.append(Sentence(hit, s, e, text, score))
    return sorted(out, key=lambda x: (-x.score, x.hit.rank, x.start))


class Composer:
    """Turns search results into an :class:`Answer`."""

    def __init__(self, docs: dict[str, Document], *, idf=None, weight=None) -> None:
        self.docs = docs
        self.idf = idf  # term -> inverse document frequency (None: term length)
        self.weight = weight or (
            lambda t: 1.0
        )  # term -> IDF, 0 for words not in the corpus

    def cite(self, hit: Hit, start: int, end: int) -> Citation | None:
        """A citation for ``doc.text[start:end]``, or None when it is not verbatim."""
        doc = self.docs.get(hit.chunk.doc_id)
        if doc is None or not (hit.chunk.start <= start < end <= hit.chunk.end):
            return None
        quote = doc.text[start:end]
        if quote != hit.chunk.text[start - hit.chunk.start : end - hit.chunk.start]:
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
        )

    def compose(self, question: str, result: SearchResult, intent: Intent) -> Answer:
        hits = list(result.hits)
        scope = result.scopes[0]
        why = refusal_reason(intent, hits, result, self.weight)
        if why:
            return self.refuse(question, why, hits, scope)
        if len(result.scopes) > 1:
            return self._comparison(question, result, intent)
        picked = self._pick(hits, intent, limit=4 if intent.is_list else 2)
        citations = tuple(
            c for c in (self.cite(s.hit, s.start, s.end) for s in picked) if c
        )
        if not citations:
            return self.refuse(question, "检索到的条款无法逐字核对", hits, scope)
        return Answer(
            question,
            _direct_text(citations, scope, intent),
            True,
            citations,
            region=scope.asked,
            notice=scope.note,
        )

    def _pick(self, hits: list[Hit], intent: Intent, *, limit: int) -> list[Sentence]:
        """The best sentences, at most one per clause."""
        ranked = rank_sentences(hits[:EVIDENCE_HITS], intent, self.idf)
        if intent.units:
            with_unit = [s for s in ranked if re.search(intent.unit_pattern, s.text)]
            ranked = with_unit + [s for s in ranked if s not in with_unit]
        picked, used = [], set()
        for s in ranked:
            if s.hit.chunk.id in used:
                continue
            used.add(s.hit.chunk.id)
            picked.append(s)
            if len(picked) == limit:
                break
        return (
            sorted(picked, key=lambda s: (s.hit.rank, s.start))
            if intent.is_list
            else picked
        )

    def _comparison(
        self, question: str, result: SearchResult, intent: Intent
    ) -> Answer:
        lines, citations = [], []
        for scope in result.scopes:
            hits = [
                h
                for h in result.hits
                if h.chunk.region in (scope.allowed or (h.chunk.region,))
            ]
            nearest = [
                h for h in hits if scope.allowed and h.chunk.region == scope.allowed[0]
            ]
            picked = self._pick(nearest or hits, intent, limit=1)
            cite = (
                self.cite(picked[0].hit, picked[0].start, picked[0].end)
                if picked
                else None
            )
            if cite:
                citations.append(cite)
                label = scope.asked + (
                    "（无本地文件，以下为" + cite.region + "文件）"
                    if cite.fallback
                    else ""
                )
                lines.append(f"{label}：「{cite.quote}」")
            else:
                lines.append(f"{scope.asked}：文件中没有找到相关规定。")
        if not citations:
            return self.refuse(
                question,
                "各地文件均未涉及所问内容",
                list(result.hits),
                result.scopes[0],
            )
        text = "各地规定对比如下：\n" + "\n".join(lines)
        return Answer(
            question,
            text,
            True,
            tuple(citations),
            region="、".join(s.asked for s in result.scopes),
        )

    def refuse(self, question: str, why: str, hits: list[Hit], scope) -> Answer:
        related = []
        for hit in hits[:3]:
            sentences = [
                s for s in split_sentences(hit) if not _is_heading_sentence(s[2], hit)
            ]
            if sentences:
                cite = self.cite(hit, sentences[0][0], sentences[0][1])
                if cite:
                    related.append(cite)
        text = f"文件中没有找到答案：{why}。"
        if scope.note:
            text = f"{scope.note}。" + text
        if related:
            text += "下面列出最接近的相关条款供参考。"
        text += HOTLINE
        return Answer(
            question,
            text,
            False,
            (),
            tuple(related),
            region=scope.asked,
            notice=scope.note,
            meta={"why": why},
        )


def refusal_reason(
    intent: Intent, hits: list[Hit], result: SearchResult, weight=lambda t: 1.0
) -> str:
    """Why the retrieved clauses do not answer the question ("" when they do)."""
    scope = result.scopes[0]
    if intent.injection and (intent.units or intent.figures or not intent.terms):
        return "问题要求忽略规则或编造内容，本服务只引用文件原文"
    if not hits:
        return f"{scope.asked or '所选范围'}没有可用的文件条款"
    if scope.asked and not scope.own and intent.asks_own_document:
        return f"未收录{scope.asked}的文件，无法回答该地文件的具体内容"
    texts = [h.chunk.text for h in hits[:EVIDENCE_HITS]]
    if intent.terms and coverage(intent, texts) < MIN_COVERAGE:
        missing = "、".join(
            t for t in intent.main_terms if not any(t in x for x in texts)
        )[:40]
        return (
            f"现有政策文件没有涉及“{missing}”"
            if missing
            else "现有政策文件没有涉及所问内容"
        )
    for figure in intent.figures:
        if not any(re.search(figure, h.chunk.text) for h in hits):
            shown = re.sub(r"\(\?<!\[\\d\.\]\)|\\s\*|\\", "", figure)
            return f"文件中没有“{shown}”这一数额"
    for name, pattern in intent.units:
        if not _stated(intent, hits[:EVIDENCE_HITS], pattern, weight):
            return f"文件提到了相关政策，但没有规定具体的{name}"
    return ""


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


STATED_SHARE = 0.4


def _stated(intent: Intent, hits: list[Hit], pattern: str, weight) -> bool:
    """Whether a sentence states the asked quantity about the question's subject.

    The sentence must hold the quantity and at least half of the question's terms,
    weighted by IDF (rare words like 妈妈岗 or 保险金 weigh most), so the 450元 of a
    社保补贴 sentence does not answer a 妈妈岗 or 失业保险金 question.
    """
    weights = {
        t: max(weight(t), 1.0)
        for t in intent.main_terms
        if weight(t) > 0 or intent.expansions.get(t)
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
            if total == 0 or got / total >= STATED_SHARE:
                return True
    return False


def _direct_text(citations: tuple[Citation, ...], scope, intent: Intent) -> str:
    top = citations[0]
    if scope.asked and top.fallback:
        lead = (
            f"{scope.own}文件未规定此项；"
            if scope.own
            else f"{scope.asked}没有收录本地文件；"
        )
        nearest = scope.allowed[0] if scope.allowed else ""
        if nearest and nearest not in (scope.own, top.region):
            lead += f"{nearest}文件未规定此项；"
        lead += f"{top.region}文件规定："
    elif scope.asked:
        lead = (f"{scope.note}。" if scope.note else "") + f"{top.region}文件规定："
    else:
        lead = f"{top.region}文件规定："
    if intent.is_list and len(citations) > 1:
        items = "\n".join(
            f"{i}. 「{c.quote}」（{c.region}）" for i, c in enumerate(citations, 1)
        )
        return f"{lead.rstrip('：')}，相关措施包括：\n{items}"
    return f"{lead}「{top.quote}」"


_PART_END = re.compile(r"(?<=[？?！!；;])")


def question_parts(question: str) -> list[str]:
    """Split a question asking several things (能贷多少？利息谁出？) into its parts."""
    parts = [
        p.strip()
        for p in _PART_END.split(question)
        if len(re.sub(r"[\W_]", "", p)) >= 3
    ]
    return parts if len(parts) >= 2 else [question]


def retrieve_step(
    pipeline,
    question: str,
    *,
    region: str | None = None,
    history: list[dict] | None = None,
) -> dict:
    """Check input, split multi-part questions, fold in the conversation, search.

    Bad input is returned as ``{"question", "error"}``, not raised.
    """
    try:
        question = check_query(question)
        parts = []
        context = list(history or [])
        for part in question_parts(question):
            query, part_region = contextualize(
                part, context, pipeline.retriever.gazetteer, region
            )
            parts.append(
                {
                    "question": part,
                    "query": query,
                    "result": pipeline.search(query, region=part_region, k=SEARCH_K),
                }
            )
            context.append({"role": "user", "content": part})
        return {"question": question, "parts": parts}
    except QueryError as exc:
        shown = question[:200] if isinstance(question, str) else ""
        return {"question": shown, "error": str(exc)}


def compose_step(pipeline, state: dict) -> Answer:
    """Compose the grounded answer (optionally LLM-phrased) from a :func:`retrieve_step` state."""
    if "error" in state:
        return Answer(
            state["question"], state["error"], False, meta={"error": "bad_input"}
        )
    answers = [_compose_part(pipeline, p) for p in state["parts"]]
    answer = (
        answers[0] if len(answers) == 1 else merge_parts(state["question"], answers)
    )
    answer.meta["query"] = " | ".join(p["query"] for p in state["parts"])
    return answer


def _compose_part(pipeline, part: dict) -> Answer:
    question, result = part["question"], part["result"]
    intent = analyze(question, pipeline.retriever, result)
    answer = pipeline.composer.compose(question, result, intent)
    if intent.injection:
        answer = _with_notice(answer, "已忽略问题中要求改变回答规则的内容。")
    if pipeline.llm is not None and answer.answered:
        from qa.chain import rephrase

        answer = rephrase(pipeline.llm, answer, result, pipeline.config)
    return answer


def merge_parts(question: str, answers: list[Answer]) -> Answer:
    """One answer for a multi-part question: answered only when every part is.

    Each part says what the documents state or that they do not; quotes of answered parts
    are citations, the closest clauses of unanswered parts are related clauses.
    """
    lines, citations, related, seen = [], [], [], set()
    for i, a in enumerate(answers, 1):
        body = (
            a.text
            if a.answered
            else f"文件中没有找到答案：{a.meta.get('why', '文件未涉及')}。"
        )
        lines.append(f"{i}. 关于「{a.question}」：{body}")
        for c in a.citations if a.answered else a.related:
            if (c.doc_id, c.start, c.end) not in seen:
                seen.add((c.doc_id, c.start, c.end))
                (citations if a.answered else related).append(c)
    answered = all(a.answered for a in answers)
    head = "" if answered else "部分问题在文件中没有找到答案。\n"
    tail = "" if answered else "\n" + HOTLINE
    notice = " ".join(dict.fromkeys(a.notice for a in answers if a.notice))
    return Answer(
        question,
        head + "\n".join(lines) + tail,
        answered,
        tuple(citations),
        tuple(related),
        region=answers[0].region,
        notice=notice,
        meta={"parts": len(answers)},
    )


def answer_question(
    pipeline,
    question: str,
    *,
    region: str | None = None,
    history: list[dict] | None = None,
) -> Answer:
    """Search and compose; bad input becomes an unanswered Answer with a clear message."""
    return compose_step(
        pipeline, retrieve_step(pipeline, question, region=region, history=history)
    )


def _with_notice(answer: Answer, notice: str) -> Answer:
    from dataclasses import replace

    return replace(answer, notice=(answer.notice + " " + notice).strip())
