"""HTML and JSON rendering for the web app: pure functions over the pipeline's data.

All user and document text is escaped here before it becomes HTML, including Markdown and
LaTeX characters, because the chatbot renders Markdown: a question cannot inject markup.
"""

import re
from urllib.parse import quote

from qa.types import answer_json, citation_json

# Characters the chatbot's Markdown/LaTeX renderer would interpret, as HTML entities.
_MD_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~$<>&\"'"}
_MD_ENTITIES["\n"] = "<br>"
_BLANK_LINES = re.compile(r"\n[\s\xa0\u3000]*\n")


# -- escaping and pure rendering ---------------------------------------------------------
def esc(text: object) -> str:
    """HTML-escape ``text`` and neutralise Markdown/LaTeX characters; newlines become <br>.

    Runs of blank lines (the documents use "\n\n\xa0\n\n" between paragraphs) show as one.
    """
    return "".join(_MD_ENTITIES.get(ch, ch) for ch in _BLANK_LINES.sub("\n", str(text)))


def short_title(title: str) -> str:
    """The plan's own name inside 关于印发《…》的通知 / …关于印发…的通知, else the title."""
    if "关于印发" in title and title.endswith("的通知"):
        title = title[title.index("关于印发") + 4 : -3]
    return (
        title.strip("《》")
        if title.startswith("《") and title.endswith("》")
        else title
    )


def level_badge(region: str, level: str) -> str:
    return "全国" if level == "全国" or region == "全国" else f"{region} · {level}级"


def clause_span(pipeline, doc_id: str, start: int, end: int) -> tuple[int, int, str]:
    """[start, end) and heading of the whole clause around a quote (its pieces joined)."""
    pieces = _doc_chunks(pipeline, doc_id)
    inside = [c for c in pieces if c.start <= start and end <= c.end]
    if not inside:
        inside = [c for c in pieces if c.start < end and start < c.end]
    if not inside:
        return start, end, ""
    path = inside[0].clause_path
    same = [c for c in pieces if c.clause_path == path and c.kind == inside[0].kind]
    # Only the contiguous run of pieces around the quote: a heading may recur elsewhere.
    run = _contiguous(same, inside[0])
    return min(c.start for c in run), max(c.end for c in run), " > ".join(path)


def _contiguous(pieces, anchor) -> list:
    i = pieces.index(anchor)
    lo, hi = i, i
    while lo > 0 and pieces[lo - 1].end + 40 >= pieces[lo].start:
        lo -= 1
    while hi + 1 < len(pieces) and pieces[hi].end + 40 >= pieces[hi + 1].start:
        hi += 1
    return pieces[lo : hi + 1]


def _doc_chunks(pipeline, doc_id: str) -> list:
    return sorted(pipeline.chunks_of(doc_id), key=lambda c: (c.start, -c.end))


def marked(text: str, lo: int, hi: int) -> str:
    """Escaped ``text`` with ``text[lo:hi]`` inside <mark>."""
    return f"{esc(text[:lo])}<mark>{esc(text[lo:hi])}</mark>{esc(text[hi:])}"


def citation_card(
    pipeline, c, *, related: bool = False, number: int = 0, title: bool = True
) -> str:
    """One quote as a compact card: region badge, 《title》 (once per document), 文号, clause
    and date on one line, the quote itself, and the whole clause behind 展开整条."""
    doc = pipeline.docs[c.doc_id]
    s, e, heading = clause_span(pipeline, c.doc_id, c.start, c.end)
    clause = marked(doc.text[s:e], c.start - s, c.end - s)
    badges = f'<span class="qa-badge">{esc(level_badge(c.region, c.level))}</span>'
    if c.fallback:
        badges += '<span class="qa-badge fallback">上级文件兜底</span>'
    label = f'<span class="qa-num">引文{number}</span>' if number else ""
    name = f"《{short_title(c.title)}》" if title else "同一文件"
    meta = " · ".join(
        x for x in (c.doc_number, _last(heading or c.clause), doc.date) if x
    )
    depts = (
        f'<div class="qa-meta">责任单位：{esc(_few(c.departments))}</div>'
        if c.departments
        else ""
    )
    link = f"?doc={quote(c.doc_id)}&at={c.start}"
    return (
        f'<div class="qa-card{" related" if related else ""}">{label}{badges}'
        f'<span class="qa-title">{esc(name)}</span><div class="qa-meta">{esc(meta)}</div>'
        f'<div class="qa-quote"><mark>{esc(c.quote)}</mark></div>{depts}<details class="qa-more">'
        f'<summary>展开整条 · 在原文中查看</summary><div class="qa-clause">{clause}</div>'
        f'<a href="{link}" target="_blank" rel="noopener">在原文中查看 ↗</a></details></div>'
    )


def _few(names: tuple[str, ...], shown: int = 3) -> str:
    """The first few departments (the whole list is in the clause behind 展开整条)."""
    more = f" 等 {len(names)} 个单位" if len(names) > shown else ""
    return "、".join(names[:shown]) + more


def _last(path: str) -> str:
    return path.split(" > ")[-1].strip()


_QUOTED = re.compile(r"「([^「」]*)」")
_SENTENCE = re.compile(r"^.*?(?:[。！？；：]|$)", re.S)


def lead_line(ans) -> str:
    """The direct answer line: ``Answer.headline``, else the answer's first sentence
    without any quote in it (the quotes are shown once, in their cards)."""
    if ans.headline:
        return ans.headline
    text = _QUOTED.sub("", ans.text).strip()
    first = _SENTENCE.match(text)
    line = (first.group(0) if first else text).strip().rstrip("：:")
    return line if line else text[:80]


def answer_body(ans, cites) -> str:
    """The answer text with each quote shown in a card replaced by its card number."""
    quotes = [c.quote for c in cites]

    def ref(m: re.Match) -> str:
        inner = m.group(1)
        for i, q in enumerate(quotes, 1):
            if inner and (inner in q or q in inner):
                return f"〔引文{i}〕"
        return m.group(0)

    return _QUOTED.sub(ref, ans.text).strip()


_NOISE = re.compile(r"〔引文\d+〕|（[^（）]{1,12}）|\d+[.、]|[\s，。；：,.;:、]")


def _says_more(rest: str, lead: str) -> bool:
    """Whether the text left after the headline says more than card numbers and regions."""
    return bool(rest) and rest != lead and len(_NOISE.sub("", rest)) >= 4


def answer_plain(ans) -> str:
    """What 复制 copies: the answer, then each source as 《title》文号 条款 (plain text)."""
    cites = ans.citations or ans.related
    lines = [ans.text.strip()]
    if ans.notice and ans.notice not in ans.text:
        lines.append(ans.notice)
    if cites:
        lines.append("引文：" if ans.citations else "相关条款（供参考）：")
    for i, c in enumerate(cites, 1):
        source = f"《{c.title}》{c.doc_number} {_last(c.clause)}".strip()
        lines.append(f"{i}. 「{c.quote}」——{source}")
    return "\n".join(lines)


def attr(text: str) -> str:
    """``text`` as a quoted HTML attribute value the Markdown renderer leaves alone."""
    return "".join(_MD_ENTITIES.get(ch, ch) for ch in text).replace("<br>", "&#10;")


def answer_html(pipeline, ans, *, turn: int = -1) -> str:
    """The assistant message: the direct answer line, the rest of the answer with quotes
    replaced by card numbers, the notice once, each quote once in a card, a 复制 button."""
    cites = ans.citations if ans.answered else ans.related
    lead = lead_line(ans)
    body = answer_body(ans, cites)
    rest = body[len(lead) :].lstrip("：: \n") if body.startswith(lead) else body
    parts = [f'<div class="qa-headline">{esc(lead)}</div>']
    if _says_more(rest, lead):
        parts.append(f'<div class="qa-answer">{esc(rest)}</div>')
    if ans.notice and ans.notice not in ans.text:
        parts.append(f'<div class="qa-notice">{esc(ans.notice)}</div>')
    if not ans.answered and "没有找到" not in ans.text:
        parts.append(
            '<div class="qa-notice">文件中没有找到直接回答这个问题的条款。</div>'
        )
    if not ans.answered and cites:
        parts.append('<div class="qa-meta">相关条款（供参考）：</div>')
    seen: set[str] = set()
    for i, c in enumerate(cites, 1):
        parts.append(
            citation_card(
                pipeline,
                c,
                related=not ans.answered,
                number=i,
                title=c.doc_id not in seen,
            )
        )
        seen.add(c.doc_id)
    parts.append(
        f'<button class="qa-copy" data-turn="{turn}" data-copy="{attr(answer_plain(ans))}">'
        "复制回答</button>"
    )
    # One line: a blank line would end the Markdown HTML block.
    return f'<div class="qa-reply" data-turn="{turn}">' + "".join(parts) + "</div>"


def citation_dict(pipeline, c) -> dict:
    """The documented citation JSON plus ``clause_text`` (the whole clause quoted from)."""
    s, e, heading = clause_span(pipeline, c.doc_id, c.start, c.end)
    out = citation_json(c)
    out["clause"] = c.clause or heading
    out["clause_text"] = pipeline.docs[c.doc_id].text[s:e]
    return out


def answer_dict(pipeline, ans) -> dict:
    """An Answer as JSON-friendly data (the /ask payload): :func:`qa.types.answer_json`
    plus each citation's whole clause as ``clause_text``."""
    out = answer_json(ans)
    for key, cites in (("citations", ans.citations), ("related", ans.related)):
        out[key] = [citation_dict(pipeline, c) for c in cites]
    return out


def search_dict(pipeline, result) -> dict:
    """A SearchResult as JSON-friendly data (the /search payload)."""
    return result.to_dict(pipeline.docs)


def hit_row(h: dict) -> list:
    return [
        h["region"],
        short_title(h["title"]),
        h["doc_number"] or "—",
        h["clause"],
        "、".join(h["departments"]) or "—",
        h["score"],
    ]


def read_aloud(h: dict) -> str:
    """A ready-to-read reply for the phone, quoting the clause with its source."""
    number = f"（{h['doc_number']}）" if h["doc_number"] else ""
    depts = f"\n责任单位：{'、'.join(h['departments'])}。" if h["departments"] else ""
    return (
        f"根据{h['region']}《{h['title']}》{number}“{h['clause']}”的规定：\n"
        f"{h['text']}{depts}"
    )


def clause_html(h: dict) -> str:
    role = {"fallback": '<span class="qa-badge fallback">上级文件兜底</span>'}.get(
        h["region_role"], ""
    )
    return (
        f'<div class="qa-card"><span class="qa-badge">{esc(level_badge(h["region"], h["level"]))}'
        f'</span>{role}<span class="qa-title">《{esc(h["title"])}》</span><div class="qa-meta">'
        f'{esc(h["doc_number"] or "无文号")} · {esc(h["clause"])}</div><div class="qa-clause">'
        f'{esc(h["text"])}</div><a href="?doc={quote(h["doc_id"])}&at={h["start"]}" target="_blank"'
        f' rel="noopener">在原文中查看 ↗</a></div>'
    )


def documents_rows(pipeline) -> list[list[str]]:
    """One row per document; fields inferred by the curators carry a ＊."""

    def mark(d, name, value):
        return f"{value}＊" if name in d.derived and value else (value or "—")

    return [
        [
            mark(d, "title", d.title),
            mark(d, "region", d.region),
            mark(d, "level", d.level),
            mark(d, "doc_number", d.doc_number),
            mark(d, "date", d.date),
            mark(d, "issuers", "、".join(d.issuers)),
        ]
        for d in pipeline.docs.values()
    ]
