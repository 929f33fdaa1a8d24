"""When a policy stops applying, as its text states it: ``valid_until``.

Read in this order, the first found wins:

1. an explicit expiry: 有效期至2025年12月31日 / 执行至… / 实施至… / 截止至…;
2. a validity length: 有效期(为)3年 / 有效期五年 → the effective date (自…起施行, else
   the issue date) + N years − 1 day (*derived*);
3. a period in the title: (2023—2027年) / （2023-2027年） → the end of its last year
   (derived);
4. deadlines in the text: 到2024年底 / 至2025年末 → the end of the latest such year
   (derived).

Pure functions of the text and the issue date; no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
_EXPLICIT = re.compile(rf"(?:有效期|执行|实施|施行|截止)(?:期限)?(?:至|到){_DATE}")
_NUMERALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_LENGTH = re.compile(r"有效期(?:为)?([一二两三四五六七八九十\d]{1,2})年")
_PERIOD = re.compile(r"[（(]\s*(\d{4})\s*[—–\-－~～至到]+\s*(\d{4})\s*年?\s*[)）]")
_FROM = re.compile(rf"自{_DATE}起(?:施行|实施|执行|生效)")
_YEAR_END = re.compile(r"(?:到|至)\s*(\d{4})\s*年\s*(?:底|末)")


@dataclass(frozen=True)
class Validity:
    """``until``: ``YYYY-MM-DD`` or ""; ``derived``: computed rather than printed;
    ``evidence``: the words it was read from."""

    until: str = ""
    derived: bool = False
    evidence: str = ""


def valid_until(text: str, *, title: str = "", issued: str = "") -> Validity:
    """The date the document says it is valid until (see the module docstring)."""
    m = _EXPLICIT.search(text)
    if m:
        return Validity(_iso(*m.groups()), False, m[0])
    m = _LENGTH.search(text)
    start = _FROM.search(text)
    begin = _iso(*start.groups()) if start else issued
    if m and re.fullmatch(r"\d{4}-\d{2}-\d{2}", begin):
        years = int(m[1]) if m[1].isdigit() else _NUMERALS.get(m[1], 0)
        if years:
            return Validity(_plus_years(begin, years), True, m[0])
    m = _PERIOD.search(title) or _PERIOD.search(text[:400])
    if m and int(m[2]) >= int(m[1]):
        return Validity(f"{m[2]}-12-31", True, m[0])
    ends = sorted(_YEAR_END.finditer(text), key=lambda m: m[1])
    if ends:  # the plan runs to its last deadline
        return Validity(f"{ends[-1][1]}-12-31", True, ends[-1][0])
    return Validity()


def _iso(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _plus_years(issued: str, years: int) -> str:
    day = dt.date.fromisoformat(issued)
    try:
        end = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        end = day.replace(year=day.year + years, day=28)
    return (end - dt.timedelta(days=1)).isoformat()
