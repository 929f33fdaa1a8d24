"""The answer writers, one per kind: direct (one or two quotes), list, comparison.

Each gets evidence already picked and returns text; the composer (``__init__.py``)
dispatches on the question's kind.
"""

from __future__ import annotations

import qa.answer.messages as messages
from qa.answer.intent import Intent
from qa.types import Citation, Scope


def _lead(scope: Scope, cite: Citation) -> str:
    """ "<region>文件规定：" for the quote ``cite``, with the scope's fallback said first."""
    return messages.lead(
        asked=scope.asked,
        own=scope.own,
        nearest=scope.allowed[0] if scope.allowed else "",
        note=scope.note,
        region=cite.region,
        fallback=cite.fallback,
    )


def direct_text(citations: tuple[Citation, ...], scope: Scope, intent: Intent) -> str:
    """The lead naming the issuing region (and any fallback), then the top quote(s)."""
    top = citations[0]
    lead = _lead(scope, top)
    if intent.is_list and len(citations) > 1:
        return messages.list_text(lead, [(c.quote, c.region) for c in citations])
    return f"{lead}「{top.quote}」"


def department_text(note: Citation, scope: Scope) -> str:
    """Who is responsible for a measure: its region, its heading and the quoted note."""
    lead = _lead(scope, note)
    measure = note.clause.split(" > ")[-1]
    return messages.department_line(lead, measure, note.quote)


def which_regions_text(citations: tuple[Citation, ...]) -> str:
    """Every region that says it, then one quote per region."""
    regions = "、".join(c.region for c in citations)
    return messages.list_text(
        f"{regions}的文件都有此规定：", [(c.quote, c.region) for c in citations]
    ).replace("，相关措施包括", "")


def comparison_text(lines: list[str]) -> str:
    """The comparison reply: one line per region under a heading."""
    return messages.COMPARISON_HEAD + "\n" + "\n".join(lines)


def comparison_line(scope: Scope, cite: Citation | None) -> str:
    """One region's line: its quote, labelled when it comes from a parent's document."""
    if cite is None:
        return messages.comparison_line(scope.asked, None)
    fallback_region = cite.region if cite.fallback else ""
    return messages.comparison_line(
        scope.asked, cite.quote, fallback_region=fallback_region
    )
