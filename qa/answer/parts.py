"""Multi-part questions: split into parts, merge the parts' answers into one."""

from __future__ import annotations

import re

from qa.answer.messages import HOTLINE, PART_NOT_COVERED, PARTLY_UNANSWERED
from qa.types import Answer, Citation

_PART_END = re.compile(r"(?<=[？?！!；;])")


# A request about the form of the answer ("给我分点整理一下"), not a question of its own.
_FORMAT_REQUEST = re.compile(
    r"^\W*(请|麻烦)?你?(帮我|给我|帮忙|帮)?(再)?(分点|分条|列(个|一下|出来|成|清单)|"
    r"整理|总结|归纳|概括|汇总|简单(说|讲|点|介绍)|说(得)?简单|通俗|一条一条|逐条|用表格|"
    r"做(个|成)表|说(清楚|明白)|讲(清楚|明白)|详细(说|讲|介绍))"
)


_ASKS = re.compile(r"哪|什么|啥|多少|吗|谁|几|怎么|如何|是否|能否|可以|能不能")


def is_format_request(part: str) -> bool:
    """Whether a part only asks how to present the answer (it joins the part before)."""
    return (
        bool(_FORMAT_REQUEST.match(part))
        and len(re.sub(r"[\W_]", "", part)) <= 16
        and not _ASKS.search(part)
    )


def question_parts(question: str) -> list[str]:
    """Split a question asking several things (能贷多少？利息谁出？) into its parts.

    A request about the answer's form ("给我分点整理一下。") is not a part: it stays
    with the question before it, so that part is answered (as a list when asked).
    """
    parts: list[str] = []
    for p in _PART_END.split(question):
        p = p.strip()
        if len(re.sub(r"[\W_]", "", p)) < 3:
            continue
        if parts and is_format_request(p):
            parts[-1] += p
        else:
            parts.append(p)
    return parts if len(parts) >= 2 else [question]


def echo(user_text: str) -> str:
    """The user's own words as shown in an answer: never inside 「」, which mean
    "verbatim document text" (a user writing 「最高88888元」 must not look quoted)."""
    return user_text.replace("「", "“").replace("」", "”")


def merge_parts(question: str, answers: list[Answer]) -> Answer:
    """One answer for a multi-part question: answered only when every part is.

    Each part says what the documents state or that they do not; quotes of answered parts
    are citations, the closest clauses of unanswered parts are related clauses.
    """
    lines: list[str] = []
    citations: list[Citation] = []
    related: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    for i, a in enumerate(answers, 1):
        body = (
            a.text
            if a.answered
            else f"文件中没有找到答案：{a.why or PART_NOT_COVERED}。"
        )
        lines.append(f"{i}. 问：{echo(a.question)}\n   答：{body}")
        for c in a.citations if a.answered else a.related:
            if (c.doc_id, c.start, c.end) not in seen:
                seen.add((c.doc_id, c.start, c.end))
                (citations if a.answered else related).append(c)
    answered = all(a.answered for a in answers)
    head = "" if answered else PARTLY_UNANSWERED + "\n"
    tail = "" if answered else "\n" + HOTLINE
    notice = " ".join(dict.fromkeys(a.notice for a in answers if a.notice))
    return Answer(
        question,
        head + "\n".join(lines) + tail,
        answered,
        tuple(citations),
        tuple(related),
        region=answers[0].region,
        notice=notice,
        parts=len(answers),
    )
