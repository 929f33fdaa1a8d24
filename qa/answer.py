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
MIN_COVERAGE = 0.5
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
    return any(core == part or core.endswith(part) for part in hit.chunk.clause_path) or len(core) <= 12


def rank_sentences(hits: list[Hit], intent: Intent) -> list[Sentence]:
    """Score each sentence by the question terms it contains (longer terms weigh more)."""
    out = []
    for hit in hits:
        for s, e, text in split_sentences(hit):
            if _is_heading_sentence(text, hit):
                continue
            score = sum(len(t) for t in intent.terms if t in text)
            if intent.unit_pattern and re.search(intent.unit_pattern, text):
                score += 3
            score += 2.0 / hit.rank
            out.append(Sentence(hit, s, e, text, score))
    return sorted(out, key=lambda x: (-x.score, x.hit.rank, x.start))


class Composer:
    """Turns search results into an :class:`Answer`."""

    def __init__(self, docs: dict[str, Document]) -> None:
        self.docs = docs

    def cite(self, hit: Hit, start: int, end: int) -> Citation | None:
        """A citation for ``doc.text[start:end]``, or None when it is not verbatim."""
        doc = self.docs.get(hit.chunk.doc_id)
        if doc is None or not (hit.chunk.start <= start < end <= hit.chunk.end):
            return None
        quote = doc.text[start:end]
        if quote != hit.chunk.text[start - hit.chunk.start:end - hit.chunk.start]:
            return None
        return Citation(doc.id, doc.title, doc.region, doc.level, doc.doc_number, hit.chunk.heading,
                        quote, start, end, round(hit.score, 6), hit.region_role == "fallback",
                        hit.chunk.departments)

    def compose(self, question: str, result: SearchResult, intent: Intent) -> Answer:
        hits = list(result.hits)
        scope = result.scopes[0]
        why = refusal_reason(intent, hits, result)
        if why:
            return self.refuse(question, why, hits, scope)
        if len(result.scopes) > 1:
            return self._comparison(question, result, intent)
        picked = self._pick(hits, intent, per_hit=1, limit=4 if intent.is_list else 2)
        citations = tuple(c for c in (self.cite(s.hit, s.start, s.end) for s in picked) if c)
        if not citations:
            return self.refuse(question, "检索到的条款无法逐字核对", hits, scope)
        return Answer(question, _direct_text(citations, scope, intent), True, citations,
                      region=scope.asked, notice=scope.note)

    def _pick(self, hits: list[Hit], intent: Intent, *, per_hit: int, limit: int) -> list[Sentence]:
        ranked = rank_sentences(hits[:4 if intent.is_list else 3], intent)
        if intent.unit_pattern:
            with_unit = [s for s in ranked if re.search(intent.unit_pattern, s.text)]
            ranked = with_unit + [s for s in ranked if s not in with_unit]
        picked, used = [], {}
        for s in ranked:
            if used.get(s.hit.chunk.id, 0) >= per_hit:
                continue
            used[s.hit.chunk.id] = used.get(s.hit.chunk.id, 0) + 1
            picked.append(s)
            if len(picked) == limit:
                break
        return sorted(picked, key=lambda s: (s.hit.rank, s.start)) if intent.is_list else picked

    def _comparison(self, question: str, result: SearchResult, intent: Intent) -> Answer:
        lines, citations = [], []
        for scope in result.scopes:
            hits = [h for h in result.hits if h.chunk.region in (scope.allowed or (h.chunk.region,))]
            picked = self._pick(hits, intent, per_hit=1, limit=1)
            cite = self.cite(picked[0].hit, picked[0].start, picked[0].end) if picked else None
            if cite:
                citations.append(cite)
                label = scope.asked + ("（无本地文件，以下为" + cite.region + "文件）" if cite.fallback else "")
                lines.append(f"{label}：「{cite.quote}」")
            else:
                lines.append(f"{scope.asked}：文件中没有找到相关规定。")
        if not citations:
            return self.refuse(question, "各地文件均未涉及所问内容", list(result.hits), result.scopes[0])
        text = "各地规定对比如下：\n" + "\n".join(lines)
        return Answer(question, text, True, tuple(citations), region="、".join(s.asked for s in result.scopes))

    def refuse(self, question: str, why: str, hits: list[Hit], scope) -> Answer:
        related = []
        for hit in hits[:3]:
            sentences = [s for s in split_sentences(hit) if not _is_heading_sentence(s[2], hit)]
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
        return Answer(question, text, False, (), tuple(related), region=scope.asked, notice=scope.note)


def refusal_reason(intent: Intent, hits: list[Hit], result: SearchResult) -> str:
    """Why the retrieved clauses do not answer the question ("" when they do)."""
    scope = result.scopes[0]
    if intent.injection and (intent.unit_pattern or intent.figures or not intent.terms):
        return "问题要求忽略规则或编造内容，本服务只引用文件原文"
    if not hits:
        return f"{scope.asked or '所选范围'}没有可用的文件条款"
    if scope.asked and not scope.own and intent.asks_own_document:
        return f"未收录{scope.asked}的文件，无法回答该地文件的具体内容"
    texts = [h.chunk.text for h in hits[:3]]
    if intent.terms and coverage(intent, texts) < MIN_COVERAGE:
        absent = [t for t in intent.core_terms if not any(t in x for x in texts)]
        missing = "、".join(t for t in absent if not any(t != u and t in u for u in absent))[:40]
        return f"现有政策文件没有涉及“{missing}”" if missing else "现有政策文件没有涉及所问内容"
    for figure in intent.figures:
        if not any(figure in h.chunk.text for h in hits):
            return f"文件中没有“{figure}”这一数额"
    if intent.unit_pattern and not _stated(intent, hits[:3]):
        return f"文件提到了相关政策，但没有规定具体的{intent.unit_name}"
    return ""


def coverage(intent: Intent, texts: list[str]) -> float:
    """Share of the question's core terms found in the retrieved clauses."""
    if not intent.core_terms:
        return 1.0
    found = sum(1 for t in intent.core_terms if any(t in x for x in texts)
                or any(e in x for e in intent.expansions.get(t, ()) for x in texts))
    return found / len(intent.core_terms)


def _stated(intent: Intent, hits: list[Hit]) -> bool:
    """Whether some sentence states a quantity of the asked kind next to a question term."""
    for hit in hits:
        for _, _, text in split_sentences(hit):
            if re.search(intent.unit_pattern, text) and any(t in text for t in intent.subject_terms):
                return True
    return False


def _direct_text(citations: tuple[Citation, ...], scope, intent: Intent) -> str:
    top = citations[0]
    if scope.asked and top.fallback:
        lead = (f"{scope.own}文件未规定此项；" if scope.own else f"{scope.asked}没有收录本地文件；")
        lead += f"{top.region}文件规定："
    elif scope.asked:
        lead = (f"{scope.note}。" if scope.note else "") + f"{top.region}文件规定："
    else:
        lead = f"{top.region}文件规定："
    if intent.is_list and len(citations) > 1:
        items = "\n".join(f"{i}. 「{c.quote}」（{c.region}）" for i, c in enumerate(citations, 1))
        return f"{lead.rstrip('：')}，相关措施包括：\n{items}"
    return f"{lead}「{top.quote}」"


def retrieve_step(pipeline, question: str, *, region: str | None = None,
                  history: list[dict] | None = None) -> dict:
    """Check input, fold in the conversation, search. Bad input is returned, not raised."""
    try:
        question = check_query(question)
        query, region = contextualize(question, history or [], pipeline.retriever.gazetteer, region)
        return {"question": question, "query": query, "result": pipeline.search(query, region=region, k=SEARCH_K)}
    except QueryError as exc:
        shown = question[:200] if isinstance(question, str) else ""
        return {"question": shown, "error": str(exc)}


def compose_step(pipeline, state: dict) -> Answer:
    """Compose the grounded answer (optionally LLM-phrased) from a :func:`retrieve_step` state."""
    if "error" in state:
        return Answer(state["question"], state["error"], False, meta={"error": "bad_input"})
    question, result = state["question"], state["result"]
    intent = analyze(question, pipeline.retriever, result)
    answer = pipeline.composer.compose(question, result, intent)
    if intent.injection:
        answer = _with_notice(answer, "已忽略问题中要求改变回答规则的内容。")
    if pipeline.llm is not None and answer.answered:
        from qa.chain import rephrase

        answer = rephrase(pipeline.llm, answer, result, pipeline.config)
    answer.meta["query"] = state["query"]
    return answer


def answer_question(pipeline, question: str, *, region: str | None = None,
                    history: list[dict] | None = None) -> Answer:
    """Search and compose; bad input becomes an unanswered Answer with a clear message."""
    return compose_step(pipeline, retrieve_step(pipeline, question, region=region, history=history))


def _with_notice(answer: Answer, notice: str) -> Answer:
    from dataclasses import replace

    return replace(answer, notice=(answer.notice + " " + notice).strip())
