"""Propose a document's ``[[document]]`` fields from its extracted text.

Each field is read from what the document prints, in this order (first found wins):

- ``title``: the format's title (HTML ``<h1>`` / ``<title>``) when the text contains it,
  the info box's 名称, else the first line near the top that ends like a policy title
  (…通知 / …意见 / …方案 / …办法 …) and is not a numbered heading (三、主要措施);
- ``doc_number``: the info box's 文号, else a line near the top that is only a number
  such as 佛人社〔2023〕95号 (numbers cited in the body are other documents'); brackets
  written [2023] / 【2023】 are normalised to 〔2023〕;
- ``date``: the info box's 成文日期, else the first line that is only a date (the
  落款), else the 发布日期 (derived), else the year of the document number (derived);
- ``issuers``: the info box's 发文机关, else the 落款 lines above that date, else the
  title's "X关于…" (derived);
- ``region``: the first region the issuers name, else the title's (via the gazetteer),
  else 全国 for national bodies (derived); ``level`` / ``parent_region`` from the
  gazetteer.

Pure: the gazetteer is handed in; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.chunking.infobox import metadata_candidates, normalize_date
from qa.corpus.gazetteer import Gazetteer
from qa.ingest.base import Extraction

_KINDS = "通知|意见|办法|方案|规定|细则|决定|通告|公告|措施|计划|规划|指引|指南|批复|函|条例|纲要"
_TITLE = re.compile(rf"^.{{4,120}}?(?:{_KINDS})(?:[》」”])?(?:[（(][^）)]*[)）])?$")
_TITLE_TAIL = re.compile(r"\s+(?:发布时间|发表时间|发布日期|来源|信息来源)\s*[:：].*$")
_NUMBER = re.compile(
    r"^\s*([\u4e00-\u9fff]{1,15})\s*[〔［\[【(（]\s*(\d{4})\s*[〕］\]】)）]\s*第?(\d{1,5})\s*号\s*$"
)
_DATE_LINE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_CN_DATE_LINE = re.compile(
    r"^\s*([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日\s*$"
)
_PUBLISHED = re.compile(
    r"(?:发布时间|发表时间|发布日期)\s*[:：]\s*(\d{4})-(\d{1,2})-(\d{1,2})"
)
_ORG = re.compile(
    r"(?:局|厅|委员会|委|办公室|政府|部|中心|分行|支行|营业管理部|小组|联合会|工会|院|署|会|办)$"
)
_SEAL = re.compile(r"[（(](?:代章|印章|盖章)[)）]")
_CELLS = re.compile(r"\t+|[ \u3000\xa0]{2,}")
_ABOUT = re.compile(r"^(.+?)(?:等\s*[\d一二三四五六七八九十]+\s*个?部门)?关于")
_NATIONAL = re.compile(r"^(?:国务院|中共中央|全国)|(?:部|总局|国家[\u4e00-\u9fff]+局)$")
_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、]|第[一二三四五六七八九十百\d]+[章节条])"
)
_TOP = 40  # lines near the top where a title or document number stands


@dataclass(frozen=True)
class Proposal:
    """The proposed fields (only those found), which were inferred, and how."""

    fields: dict[str, object]
    derived: tuple[str, ...]
    sources: dict[str, str]


def propose(extraction: Extraction, gazetteer: Gazetteer) -> Proposal:
    """The ``[[document]]`` fields ``extraction`` states (see the module docstring)."""
    text = extraction.text
    lines = text.split("\n")
    box = metadata_candidates(extraction.context + "\n" + text)
    found: dict[str, object] = {}
    derived: list[str] = []
    sources: dict[str, str] = {}

    def put(name: str, value: object, source: str, *, inferred: bool = False) -> None:
        if value and name not in found:
            found[name] = value
            sources[name] = source
            if inferred:
                derived.append(name)

    put("title", _format_title(extraction), "页面标题")
    put("title", box.get("title", ""), "信息栏“名称”")
    put("title", _title_line(lines), "正文标题行")
    number, printed, where = _number_line(box, lines)
    put("doc_number", number, where, inferred=number != printed)
    put("date", box.get("date", ""), "信息栏日期")
    put("date", _date_line(lines), "落款日期")
    put("date", _published(text), "发布日期", inferred=True)
    put("date", _number_year(number), "文号年份", inferred=True)
    put("issuers", _strings(box.get("issuers")), "信息栏“发文机关”")
    put("issuers", _signature(lines), "落款")
    put("issuers", _title_issuers(str(found.get("title", ""))), "标题", inferred=True)
    region, inferred = _region(found, gazetteer)
    put("region", region, "发文机关或标题中的地名", inferred=inferred)
    return Proposal(fields=found, derived=tuple(derived), sources=sources)


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(x) for x in value) if isinstance(value, (list, tuple)) else ()


def _format_title(extraction: Extraction) -> str:
    title = extraction.title
    squeeze = re.compile(r"\s+")
    if title and squeeze.sub("", title) in squeeze.sub("", extraction.text):
        return title
    return ""


def _title_line(lines: list[str]) -> str:
    for line in lines[:_TOP]:
        line = _TITLE_TAIL.sub("", line.strip(" \t\u3000\xa0"))
        if (
            _TITLE.match(line)
            and "：" not in line
            and ":" not in line
            and not _NUMBERED.match(line)
        ):
            return line
    return ""


def _number_line(box: dict[str, object], lines: list[str]) -> tuple[str, str, str]:
    """(the document number normalised, as printed, where); empty when none."""
    boxed = [(str(box["doc_number"]), "信息栏“文号”")] if box.get("doc_number") else []
    for printed, where in boxed + [(line, "正文文号行") for line in lines[:_TOP]]:
        m = _NUMBER.match(printed)
        if m:
            return f"{m[1]}〔{m[2]}〕{m[3]}号", printed.strip(), where
    return "", "", ""


def _date_line(lines: list[str]) -> str:
    for line in lines:
        m = _DATE_LINE.match(line)
        if m:
            return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
        m = _CN_DATE_LINE.match(line)
        if m:
            return _chinese_date(*m.groups())
    return ""


def _chinese_date(year: str, month: str, day: str) -> str:
    digits = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
    y = "".join(digits[c] for c in year)
    return f"{y}-{_small(month):02d}-{_small(day):02d}"


def _small(numeral: str) -> int:
    """一 … 三十一 as an int."""
    values = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    if "十" not in numeral:
        return values[numeral]
    tens, _, ones = numeral.partition("十")
    return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)


def _published(text: str) -> str:
    m = _PUBLISHED.search(text)
    return normalize_date(f"{m[1]}-{m[2]}-{m[3]}") if m else ""


def _number_year(number: str) -> str:
    m = re.search(r"〔(\d{4})〕", number)
    return m[1] if m else ""


def _signature(lines: list[str]) -> tuple[str, ...]:
    """The issuing bodies on the lines just above the first 落款 date line."""
    for i, line in enumerate(lines):
        if _DATE_LINE.match(line) or _CN_DATE_LINE.match(line):
            return _bodies_above(lines, i)
    return ()


def _bodies_above(lines: list[str], end: int) -> tuple[str, ...]:
    bodies: list[str] = []
    j = end - 1
    while j >= 0 and (not lines[j].strip() or _is_body_line(lines[j])):
        cells = [_SEAL.sub("", c).strip() for c in _CELLS.split(lines[j].strip())]
        bodies[:0] = [c for c in cells if c]
        j -= 1
    return tuple(dict.fromkeys(bodies))


def _is_body_line(line: str) -> bool:
    cells = [_SEAL.sub("", c).strip() for c in _CELLS.split(line.strip()) if c.strip()]
    return bool(cells) and all(len(c) <= 30 and _ORG.search(c) for c in cells)


def _title_issuers(title: str) -> tuple[str, ...]:
    m = _ABOUT.match(title)
    if not m or len(m[1]) > 60:
        return ()
    return tuple(x for x in re.split(r"[、，,]", m[1]) if x)


def _region(found: dict[str, object], gazetteer: Gazetteer) -> tuple[str, bool]:
    """(region, inferred) from the issuers, then the title; ("", False) if none."""
    issuers = list(_strings(found.get("issuers")))
    for text in (*issuers, str(found.get("title", ""))):
        region = gazetteer.resolve_one(text)
        if region:
            return region, False
    if issuers and all(_NATIONAL.search(x) for x in issuers):
        return "全国", True
    return "", False
