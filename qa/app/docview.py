"""The 文件 tab's reader: a document's indexed clauses, its contents list, its debris apart.

Only the chunked (indexed) text is shown as the document; what the chunker dropped (web
page debris between clauses) stays available, verbatim, in a collapsed, greyed block.
The contents list sits beside the text on a desktop (its own scroll), above it on a phone.
"""

from __future__ import annotations

import re

from qa.app.render import esc

# A clause's "(责任单位：…)" line: document text the chunker keeps as departments, not debris.
_DEPARTMENTS = re.compile(
    r"[\s\xa0\u3000]*[（(]责任单位[:：][^\n]*[)）][\s\xa0\u3000]*"
)


def _debris(text: str) -> str:
    if not text.strip(" \n\t\xa0\u3000"):
        return ""
    if _DEPARTMENTS.fullmatch(text):
        return f'<div class="qa-meta doc-depts">{esc(text.strip())}</div>'
    return (
        f'<details class="doc-skip"><summary>未编入检索的文字（网页残留等，{len(text.strip())} 字）'
        f"</summary>{esc(text)}</details>"
    )


def document_view(pipeline, doc_id: str, at: int | None = None) -> str:
    """The whole document, verbatim, by clause: contents list, headings, the target marked."""
    doc = pipeline.docs.get(doc_id)
    if doc is None:
        return '<div class="qa-notice">请选择一个文件。</div>'
    chunks = sorted(pipeline.chunks_of(doc_id), key=lambda c: (c.start, -c.end))
    toc, body, cursor, last_path = [], [], 0, None
    for c in chunks:
        if c.start < cursor:
            continue
        body.append(_debris(doc.text[cursor : c.start]))
        target = at is not None and c.start <= at < c.end
        if c.clause_path != last_path:
            label = " › ".join(c.clause_path)
            toc.append(f'<li><a href="#c-{c.start}">{esc(label)}</a></li>')
            body.append(f'<h3 class="doc-h" id="h-{c.start}">{esc(label)}</h3>')
            last_path = c.clause_path
        cls = "clause target" if target else "clause"
        body.append(
            f'<section id="c-{c.start}" class="{cls}">{esc(doc.text[c.start : c.end])}</section>'
        )
        cursor = c.end
    body.append(_debris(doc.text[cursor:]))
    notes = f'<div class="qa-meta">说明：{esc(doc.notes)}</div>' if doc.notes else ""
    head = (
        f'<h2 class="doc-title">《{esc(doc.title)}》</h2><div class="qa-meta">{esc(doc.region)} · {esc(doc.level)}级 · '
        f"{esc(doc.doc_number or '无文号')} · {esc(doc.date)} · {esc('、'.join(doc.issuers))}</div>{notes}"
    )
    return (
        f'<div class="doc-reader">{head}<div class="doc-layout"><nav class="doc-nav" aria-label="目录">'
        f'<details open><summary>目录</summary><ul class="doc-toc">{"".join(toc)}</ul></details></nav>'
        f'<div class="doc-view" tabindex="0" aria-label="文件全文">{"".join(body)}</div></div></div>'
    )
