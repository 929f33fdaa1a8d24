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
MIN_COVERAGE = 0.4
# A term in at most this share of clauses is specific (妈妈岗), not generic (就业, 创业).
SPECIFIC_DF = 0.12
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

    def __init__(self, docs: dict[str, Document], *, idf=None, specific=None) -> None:
        self.docs = docs
        self.idf = idf            # term -> inverse document frequency (None: term length)
        self.specific = specific or (lambda t: False)  # term -> is it a rare, specific term

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
        why = refusal_reason(intent, hits, result, self.specific)
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
        ranked = rank_sentences(hits[:4 if intent.is_list else 3], intent, self.idf)
        if intent.units:
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
            nearest = [h for h in hits if scope.allowed and h.chunk.region == scope.allowed[0]]
            picked = self._pick(nearest or hits, intent, per_hit=1, limit=1)
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


def refusal_reason(intent: Intent, hits: list[Hit], result: SearchResult, specific=lambda t: False) -> str:
    """Why the retrieved clauses do not answer the question ("" when they do)."""
    scope = result.scopes[0]
    if intent.injection and (intent.units or intent.figures or not intent.terms):
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
        if not any(re.search(figure, h.chunk.text) for h in hits):
            shown = re.sub(r"\(\?<!\[\\d\.\]\)|\\s\*|\\", "", figure)
            return f"文件中没有“{shown}”这一数额"
    for name, pattern in intent.units:
        if not _stated(intent, hits[:3], pattern, specific):
            return f"文件提到了相关政策，但没有规定具体的{name}"
    return ""


def _found(term: str, texts: list[str]) -> bool:
    """A term, or one of its character bigrams for longer words, occurs in the texts."""
    if any(term in x for x in texts):
        return True
    grams = [term[i:i + 2] for i in range(len(term) - 1)] if len(term) >= 3 else []
    return any(g in x for g in grams for x in texts)


def coverage(intent: Intent, texts: list[str]) -> float:
    """Share of the question's core terms (or their expansions) found in the clauses."""
    if not intent.core_terms:
        return 1.0
    found = sum(1 for t in intent.core_terms if any(_found(v, texts) for v in intent.variants(t)))
    return found / len(intent.core_terms)


def _stated(intent: Intent, hits: list[Hit], pattern: str, specific) -> bool:
    """Whether a sentence states the asked quantity next to the question's subject.

    The subject is the question's specific terms (rare in the corpus, e.g. 妈妈岗) when it
    has any, so 450元 of a 社保补贴 sentence does not answer a 妈妈岗 question.
    """
    subject = [v for t in intent.core_terms if specific(t) for v in intent.variants(t)]
    subject = subject or list(intent.subject_terms)
    for hit in hits:
        for _, _, text in split_sentences(hit):
            if re.search(pattern, text) and any(t in text for t in subject):
                return True
    return False


def _direct_text(citations: tuple[Citation, ...], scope, intent: Intent) -> str:
    top = citations[0]
    if scope.asked and top.fallback:
        lead = f"{scope.own}文件未规定此项；" if scope.own else f"{scope.asked}没有收录本地文件；"
        nearest = scope.allowed[0] if scope.allowed else ""
        if nearest and nearest not in (scope.own, top.region):
            lead += f"{nearest}文件未规定此项；"
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
