"""Read the 信息公开 info box of a government page as metadata candidates.

The box (索引号 / 发文机关 / 主题分类 / 效力状态 / 成文日期 / 发布日期 / 文号 …) is debris
for the index but names the document's issuer, number and dates. :func:`info_box` reads
the values it states; :func:`metadata_candidates` maps them onto ``Document`` fields for
a person (or a corpus check) to confirm. Pure functions of the text: no I/O.
"""

from __future__ import annotations

import re

from qa.chunking.debris import label_pattern
from qa.chunking.lines import iter_lines

# Canonical field name per label, as government pages spell them.
FIELDS: dict[str, str] = {
    "索引号": "index_no",
    "信息索引号": "index_no",
    "发文机关": "issuer",
    "发文单位": "issuer",
    "发布机构": "issuer",
    "发布单位": "issuer",
    "文号": "doc_number",
    "发文字号": "doc_number",
    "主题分类": "topic",
    "信息分类": "topic",
    "组配分类": "topic",
    "分类": "topic",
    "效力状态": "validity",
    "有效性": "validity",
    "时效性": "validity",
    "成文日期": "date_written",
    "发文日期": "date_written",
    "印发日期": "date_written",
    "发布日期": "date_published",
    "标题": "title",
    "名称": "title",
}
_LABELS = label_pattern(tuple(FIELDS))
_PAIR = re.compile(
    rf"(?<![\u4e00-\u9fff])({_LABELS})\s*[:：]\s*(.*?)(?=\s+(?:{_LABELS})\s*[:：]|$)"
)
_BARE = re.compile(rf"^({_LABELS})$")
_CELL = re.compile(r"\t+|[ \u3000\xa0]{2,}")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def info_box(text: str) -> dict[str, str]:
    """The info-box values stated in ``text``: ``{"issuer": "…", "doc_number": "…", …}``.

    Reads ``label：value`` pairs (several may share a line) and a bare label line
    followed by its value line. The first value of a field wins; a field with an empty
    value is left out. ``title`` is only kept when the page has other info-box fields.
    """
    found: dict[str, str] = {}
    pending: str | None = None
    for _, _, raw in iter_lines(text):
        line = raw.strip(" \t\u3000\xa0")
        if not line:
            continue
        if pending is not None:
            found.setdefault(pending, line)
            pending = None
            continue
        bare = _BARE.match(line)
        if bare:
            pending = FIELDS[_key(bare.group(1))]
            continue
        row = _CELL.split(line)
        if len(row) >= 2 and _BARE.match(row[0]):
            # A table row of cells: label, value, label, value…
            for label, value in zip(row[::2], row[1::2]):
                if _BARE.match(label) and value:
                    found.setdefault(FIELDS[_key(label)], value)
            continue
        for m in _PAIR.finditer(line):
            value = m.group(2).strip(" \t\u3000\xa0")
            if value:
                found.setdefault(FIELDS[_key(m.group(1))], value)
    if set(found) <= {"title"}:
        return {}
    return found


def _key(label: str) -> str:
    return re.sub(r"[\s\u3000]+", "", label)


def normalize_date(value: str) -> str:
    """``2023年4月20日`` / ``2023-04-20`` → ``2023-04-20``; ``""`` when no date is read."""
    m = _DATE.search(value)
    if not m:
        return ""
    y, mo, d = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def metadata_candidates(text: str) -> dict[str, object]:
    """Document fields the info box proposes: title, issuers, doc_number, date.

    ``date`` is the 成文日期 (the date a policy is signed), else the 发布日期.
    """
    box = info_box(text)
    out: dict[str, object] = {}
    if "title" in box:
        out["title"] = box["title"]
    if "issuer" in box:
        out["issuers"] = tuple(
            x for x in re.split(r"[\s、,，;；]+", box["issuer"]) if x
        )
    if "doc_number" in box:
        out["doc_number"] = box["doc_number"]
    date = normalize_date(box.get("date_written", "")) or normalize_date(
        box.get("date_published", "")
    )
    if date:
        out["date"] = date
    return out
