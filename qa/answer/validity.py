"""Documents past the period they state: the answer says so, once.

"该文件目标期限为2024年底" — a clause quoted from a plan whose stated period has ended is still
the text, but a citizen must know that newer rules may apply. Pure: today is passed in.
"""

from __future__ import annotations

from dataclasses import replace

from qa.types import Answer, Citation


def expired(citation: Citation, today: str) -> bool:
    """Whether the cited document's stated period ended before ``today`` (ISO dates)."""
    until = citation.valid_until
    if not until:
        return False
    # "2024" / "2024-12" / "2024-12-31": compare on the stated precision.
    return today[: len(until)] > until


def _shown(until: str) -> str:
    parts = until.split("-")
    if len(parts) >= 2 and parts[1] == "12" and (len(parts) == 2 or parts[2] == "31"):
        return f"{parts[0]}年底"
    return (
        "年".join(parts[:2])
        + ("月" if len(parts) >= 2 else "年")
        + (f"{int(parts[2])}日" if len(parts) == 3 else "")
    )


def expiry_notice(answer: Answer, today: str) -> Answer:
    """The answer with a notice naming every cited document whose period has ended."""
    if not answer.answered:
        return answer
    ended: dict[str, str] = {}
    for c in answer.citations:
        if expired(c, today):
            ended.setdefault(c.region, c.valid_until)
    if not ended:
        return answer
    by_date: dict[str, list[str]] = {}
    for region, until in ended.items():
        by_date.setdefault(until, []).append(region)
    parts = [
        f"所引{'、'.join(regions)}文件的目标期限为{_shown(until)}"
        for until, regions in by_date.items()
    ]
    note = "；".join(parts) + "，已届满，请以当地最新政策为准。"
    return replace(answer, notice=(answer.notice + " " + note).strip())
