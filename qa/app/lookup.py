"""The 查条款 results for hotline staff: relevance labels, snippets, grouping, the HTML.

Pure functions over the /search payload (no gradio, no models). The relevance thresholds
are query-clause cosines fitted on the gold TRAIN split only by ``python -m
eval.lookup_relevance`` (102 train questions whose evidence was retrieved): 高 from the
median cosine of the first hit covering gold evidence, 中 from its 10th percentile; below
the 2nd percentile a hit is shown only when it shares a word with the query (BM25 > 0 and
one of the query's words of two or more characters in the clause) —
otherwise it is not relevant, and a query with nothing relevant says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from qa.app.render import esc, level_badge, read_aloud, short_title

HIGH = 0.901
MEDIUM = 0.881
FLOOR = 0.869
LABELS = {"high": "高", "medium": "中", "low": "低"}
NOTHING = "没有找到相关条款"
SNIPPET_CHARS = 90


def relevance(cosine: float | None, bm25: float | None) -> str | None:
    """ "high" / "medium" / "low", or None when the hit is not relevant at all.

    A hit without signals (a pipeline that does not report them) counts as "low".
    """
    if cosine is None:
        return "low"
    if cosine >= HIGH:
        return "high"
    if cosine >= MEDIUM:
        return "medium"
    if cosine >= FLOOR or (bm25 or 0.0) > 0.0:
        return "low"
    return None


def terms_of(tokens: Sequence[str], expanded: Sequence[str] = ()) -> list[str]:
    """Words to highlight: query tokens of two or more characters, longest first."""
    words = {t.strip() for t in [*tokens, *expanded] if len(t.strip()) >= 2}
    return sorted(words, key=lambda w: (-len(w), w))


def highlight(text: str, terms: Sequence[str]) -> str:
    """Escaped ``text`` with every occurrence of ``terms`` inside <mark>."""
    if not terms:
        return esc(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms))
    out, cursor = [], 0
    for m in pattern.finditer(text):
        out.append(f"{esc(text[cursor : m.start()])}<mark>{esc(m.group())}</mark>")
        cursor = m.end()
    return "".join(out) + esc(text[cursor:])


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around its first query term, highlighted."""
    flat = re.sub(r"\s+", " ", text).strip()
    hits = [flat.find(t) for t in terms if t in flat]
    at = min(hits) if hits else 0
    lo = max(0, min(at - width // 3, len(flat) - width))
    piece = flat[lo : lo + width]
    return (
        ("…" if lo else "")
        + highlight(piece, terms)
        + ("…" if lo + width < len(flat) else "")
    )


def rows_of(hits: Sequence[dict], terms: Sequence[str]) -> list[dict]:
    """Relevant hits as rows; pieces of one clause and identical texts share a row."""
    rows: list[dict] = []
    seen: dict[tuple, dict] = {}
    for h in hits:
        # BM25 on one-character tokens (在, 上…) is no shared word: it counts only when a
        # highlighted query word is in the clause.
        shared = any(t in h["text"] for t in terms)
        level = relevance(h.get("cosine"), h.get("bm25") if shared else 0.0)
        if level is None:
            continue
        keys = [("clause", h["doc_id"], h["clause"]), ("text", _norm(h["text"]))]
        row = next((seen[k] for k in keys if k in seen), None)
        if row is None:
            row = {"hit": h, "level": level, "also": [], "terms": list(terms)}
            rows.append(row)
        elif h["doc_id"] != row["hit"]["doc_id"]:
            row["also"].append(f"{h['region']}《{short_title(h['title'])}》")
        for k in keys:
            seen.setdefault(k, row)
    return rows


def _norm(text: str) -> str:
    return re.sub(r"[\s\xa0\u3000]+", "", text)


def _row_html(i: int, row: dict) -> str:
    h, level = row["hit"], row["level"]
    number = f" · {esc(h['doc_number'])}" if h["doc_number"] else ""
    depts = "、".join(h["departments"]) or "—"
    also = (
        f'<span class="lk-also">相同条款另见：{esc("；".join(row["also"]))}</span>'
        if row["also"]
        else ""
    )
    return (
        f'<li><button type="button" class="lk-row" data-i="{i}" aria-controls="lk-pane-{i}" '
        f'aria-current="{"true" if i == 0 else "false"}">'
        f'<span class="lk-head"><span class="lk-rel rel-{level}">相关度 {LABELS[level]}</span>'
        f'<span class="qa-badge">{esc(level_badge(h["region"], h["level"]))}</span>'
        f'<span class="qa-title">《{esc(short_title(h["title"]))}》</span></span>'
        f'<span class="qa-meta lk-where">{esc(h["region"])}{number} · {esc(h["clause"])}</span>'
        f'<span class="lk-snip">{snippet(h["text"], row["terms"])}</span>'
        f'<span class="qa-meta">责任单位：{esc(depts)}</span>{also}</button></li>'
    )


def _pane_html(i: int, row: dict) -> str:
    h = row["hit"]
    role = (
        '<span class="qa-badge fallback">上级文件兜底</span>'
        if h["region_role"] == "fallback"
        else ""
    )
    reply = read_aloud(h)
    link = f"?doc={quote(h['doc_id'])}&at={h['start']}"
    return (
        f'<div class="lk-pane" id="lk-pane-{i}" data-i="{i}"{"" if i == 0 else " hidden"}>'
        f'<div class="qa-card"><span class="qa-badge">{esc(level_badge(h["region"], h["level"]))}'
        f'</span>{role}<span class="qa-title">《{esc(h["title"])}》</span><div class="qa-meta">'
        f'{esc(h["doc_number"] or "无文号")} · {esc(h["clause"])}</div><div class="qa-clause">'
        f'{highlight(h["text"], row["terms"])}</div><a href="{link}" target="_blank" '
        f'rel="noopener">在原文中查看 ↗</a></div>'
        f'<label class="lk-reply-label" for="lk-reply-{i}">答复口径（可复制朗读）</label>'
        f'<textarea id="lk-reply-{i}" class="lk-reply" readonly rows="7">{_attr(reply)}</textarea>'
        f'<button type="button" class="lk-copy">复制答复（快捷键 C）</button></div>'
    )


def _attr(text: str) -> str:
    """Plain HTML escaping for text inside a textarea (kept byte for byte there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def results_html(rows: Sequence[dict], notes: str = "", info: str = "") -> str:
    """The result list and the (sticky) detail pane; ``notes``/``info`` are HTML."""
    if not rows:
        return (
            f'<div class="lk">{notes}<div class="lk-empty" role="status">'
            f"<strong>{NOTHING}</strong><div>请换用政策中的说法（如“创业担保贷款”“一次性创业补贴”），"
            "或放宽地区、层级、文件、主题筛选。</div></div></div>"
        )
    items = "".join(_row_html(i, r) for i, r in enumerate(rows))
    panes = "".join(_pane_html(i, r) for i, r in enumerate(rows))
    return (
        f'<div class="lk">{notes}{info}<div class="lk-grid"><ol class="lk-list" '
        f'aria-label="检索结果（↑↓ 选择，回车打开）">{items}</ol>'
        f'<aside class="lk-detail" aria-label="条款全文与答复口径">{panes}'
        f'<div class="lk-copied qa-meta" role="status" aria-live="polite"></div></aside></div></div>'
    )
