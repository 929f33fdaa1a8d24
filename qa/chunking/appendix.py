"""Parse an appendix task table (任务 / 工作措施 / 责任单位) and link rows to body clauses.

Many plans end with a 台账 that restates the body clause by clause, with the responsible
units per measure. Indexing both would return every hit twice, so each row becomes an
``appendix`` chunk that ``restates`` the body chunk it repeats (found by character-bigram
containment, robust to the small rewordings tables make) and is not indexed itself; the
body chunk lists the rows in ``restated_by``. A row that matches no body clause is kept
as indexable appendix text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa.chunking.attachments import cells
from qa.chunking.clauses import split_names
from qa.chunking.headings import heading_title
from qa.chunking.ids import chunk_id
from qa.chunking.lines import Paragraph
from qa.types import Chunk, Document

LINK_THRESHOLD = 0.6
_TASK = re.compile(r"^\d{1,3}[.．、](?!\d)")
_HEADER_CELL_MAX = 6
_NON_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def _bigrams(text: str) -> set[str]:
    norm = _NON_TEXT.sub("", text)
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def containment(part: str, whole: str) -> float:
    """Share of ``part``'s character bigrams that also occur in ``whole`` (0..1)."""
    grams = _bigrams(part)
    return len(grams & _bigrams(whole)) / len(grams) if grams else 0.0


def appendix_chunks(
    doc: Document, paras: list[Paragraph], body: list[Chunk]
) -> list[Chunk]:
    """Chunk the appendix paragraphs ``paras`` and link table rows to ``body`` chunks.

    Returns:
        the body chunks (with ``restated_by`` filled in) followed by the appendix chunks.
    """
    if _cell_rows(paras):
        return _cell_table(doc, paras, body)
    title_path: tuple[str, ...] = ("附件",)
    i = 1
    # Title lines and column headers before the first task row.
    while i < len(paras) and not _TASK.match(paras[i].text):
        if len(paras[i].text) > _HEADER_CELL_MAX:
            title_path = ("附件", heading_title(paras[i].text))
        i += 1
    out: list[Chunk] = [
        _heading_chunk(doc, paras[0].start, paras[i - 1].end, title_path)
    ]
    rows = _rows(paras[i:], title_path)
    body = _relabel(doc, body, [path[-1] for _, _, path, _ in rows])
    for measure, dept, path, start in rows:
        out.append(_row_chunk(doc, measure, dept, path, start, body))
    return _link_back(body, out)


def _cell_rows(paras: list[Paragraph]) -> bool:
    """A table rendered one row per line (cells split by tabs, bars or wide spaces)."""
    rows = [p for p in paras[1:] if len(cells(p.text)) >= 3]
    return len(rows) >= 2 and not any(_TASK.match(p.text) for p in paras[1:])


def _cell_table(
    doc: Document, paras: list[Paragraph], body: list[Chunk]
) -> list[Chunk]:
    """One appendix chunk per row line; the lines before the first row form the title.

    The first line of cells is the column header: it joins the title chunk.
    """
    first = next(i for i, p in enumerate(paras) if len(cells(p.text)) >= 3)
    titles = [p.text for p in paras[1:first] if len(p.text) > _HEADER_CELL_MAX]
    title_path = ("附件", heading_title(titles[0])) if titles else ("附件",)
    out = [_heading_chunk(doc, paras[0].start, paras[first].end, title_path)]
    for p in paras[first + 1 :]:
        row = cells(p.text)
        label = next((c for c in row if not c.strip().isdigit()), row[0])
        path = title_path + (heading_title(label.strip()),)
        out.append(_row_chunk(doc, p, None, path, p.start, body))
    return _link_back(body, out)


def _rows(paras: list[Paragraph], title_path: tuple[str, ...]):
    """Read table rows: a task line, then alternating measure and department lines.

    Returns:
        (measure, department line or None, heading path, chunk start) per row; the
        first measure of a task starts its chunk at the task line.
    """
    rows: list[tuple[Paragraph, Paragraph | None, tuple[str, ...], int]] = []
    task, task_start, expect = "", None, "measure"
    for p in paras:
        if _TASK.match(p.text):
            task, task_start, expect = heading_title(p.text), p.start, "measure"
        elif expect == "dept" and not p.text.endswith("。"):
            measure, _, path, at = rows[-1]
            rows[-1] = (measure, p, path, at)
            expect = "measure"
        else:
            start = task_start if task_start is not None else p.start
            rows.append((p, None, title_path + (task,), start))
            task_start, expect = None, "dept"
    return rows


def _relabel(doc: Document, body: list[Chunk], task_titles: list[str]) -> list[Chunk]:
    """Replace truncated body headings (``1.坚持…``) by the table's full task title.

    A numbered body heading has no full stop after its title when the clause text runs
    straight on; the table states the title alone, so it is the better label.
    """

    def fix(part: str) -> str:
        if not part.endswith("…"):
            return part
        return next((t for t in task_titles if part[:-1].startswith(t)), part)

    out = []
    for c in body:
        path = tuple(fix(part) for part in c.clause_path)
        out.append(
            c
            if path == c.clause_path
            else replace(c, clause_path=path, id=chunk_id(doc.id, path, c.text))
        )
    return out


def _is_measure(p: Paragraph) -> bool:
    return p.text.endswith("。") or bool(_TASK.match(p.text))


def _heading_chunk(doc: Document, start: int, end: int, path: tuple[str, ...]) -> Chunk:
    text = doc.text[start:end]
    return Chunk(
        id=chunk_id(doc.id, path, text),
        doc_id=doc.id,
        region=doc.region,
        clause_path=path,
        start=start,
        end=end,
        text=text,
        kind="heading",
    )


def _row_chunk(
    doc: Document,
    measure: Paragraph,
    dept: Paragraph | None,
    path: tuple[str, ...],
    start: int,
    body: list[Chunk],
) -> Chunk:
    text = doc.text[start : measure.end]
    # Compare with whole clauses (a long clause is split into pieces), then link the
    # piece of the best clause that shares most with the row.
    clauses: dict[tuple[str, ...], list[Chunk]] = {}
    for c in body:
        if c.kind == "appendix":  # rows of an earlier table restate nothing
            continue
        clauses.setdefault(c.clause_path, []).append(c)
    best_path = max(
        clauses,
        key=lambda p: containment(measure.text, "".join(c.text for c in clauses[p])),
        default=None,
    )
    score = (
        containment(measure.text, "".join(c.text for c in clauses[best_path]))
        if best_path
        else 0.0
    )
    best = (
        max(clauses[best_path], key=lambda c: containment(measure.text, c.text))
        if best_path
        else None
    )
    return Chunk(
        id=chunk_id(doc.id, path, text),
        doc_id=doc.id,
        region=doc.region,
        clause_path=path,
        start=start,
        end=measure.end,
        text=text,
        departments=split_names(dept.text) if dept else (),
        kind="appendix",
        restates=best.id if best and score >= LINK_THRESHOLD else "",
        departments_span=(dept.start, dept.end) if dept else (0, 0),
    )


def _link_back(body: list[Chunk], appendix: list[Chunk]) -> list[Chunk]:
    rows_of: dict[str, list[str]] = {}
    for a in appendix:
        if a.restates:
            rows_of.setdefault(a.restates, []).append(a.id)
    linked = [
        replace(c, restated_by=tuple(rows_of[c.id])) if c.id in rows_of else c
        for c in body
    ]
    return linked + appendix
