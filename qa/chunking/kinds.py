"""Kinds of short generic chunks that retrieval may down-weight: signatures, definitions.

A notice's 落款 (issuing bodies and date) and a regulation's definition article (本办法所称…
是指…) share many words with any question yet answer none; marking them lets ranking
treat them apart. Pure functions of text.
"""

from __future__ import annotations

import re

from qa.chunking.lines import Paragraph

# One issuing body (or several on one line, separated by spaces), as a 落款 names them.
_ORG = (
    r"[\u4e00-\u9fff（）()、]{2,40}?"
    r"(局|厅|委员会|委|部|政府|办公室|办|中心|分行|支行|行|营业管理部|管委会|管理委员会|"
    r"工作组|领导小组|小组|院|会|署|处|联合会|公司|集团)"
    r"(\s*[（(](代章|盖章|印章)[）)])?"
)
_ORG_LINE = re.compile(rf"^{_ORG}([\s\u3000\xa0]+{_ORG})*$")
_DATE_LINE = re.compile(
    r"^(\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d〇○零一二三四五六七八九十]{1,2}\s*月"
    r"\s*[\d〇○零一二三四五六七八九十]{1,3}\s*日$"
)
# Lines a 落款 may end with: the publication note and the 版记 (抄送 / 印发).
_SIGNATURE_TAIL = re.compile(
    r"^([（(]此件[^）)]{1,12}[）)]|抄送\s*[:：].*|.{2,40}\d{4}\s*年.{1,6}日\s*印发)$"
)
_DEFINITION = re.compile(
    r"^(第[^条]{1,6}条[\s\u3000]*)?"
    r"(本(办法|规定|细则|实施细则|实施办法|方案|意见|通知|条例|制度|规则|决定)"
    r"(中)?(所称|所指|所说)|[^。；]{1,40}(是指|系指))"
)
DEFINITION_MAX = 400  # a longer article states more than a definition


def is_org_line(text: str) -> bool:
    return bool(_ORG_LINE.match(text)) and not text.startswith(("各", "有关"))


def is_date_line(text: str) -> bool:
    return bool(_DATE_LINE.match(text))


def signature_runs(paras: list[Paragraph]) -> list[tuple[int, int]]:
    """``[i, j)`` index ranges of 落款 blocks: issuing-body lines followed by a date.

    A run needs at least one body line and ends with a date line (a body line alone may
    be a heading; a date alone may be a page's publication date).
    """
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(paras):
        j = i
        while j < len(paras) and is_org_line(paras[j].text):
            j += 1
        if j > i and j < len(paras) and is_date_line(paras[j].text):
            j += 1
            while j < len(paras) and _SIGNATURE_TAIL.match(paras[j].text):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i = max(j, i + 1)
    return runs


def is_definition(text: str) -> bool:
    """A definition clause: ``本办法所称…是指…`` / ``…是指…``, and short."""
    return len(text) <= DEFINITION_MAX and bool(_DEFINITION.match(text))
