"""Reply templates of the grounded composer: every sentence it writes around quotes."""

from __future__ import annotations

HOTLINE = "如需进一步确认，可拨打12333人力资源社会保障服务热线咨询。"
INJECTION_NOTICE = "已忽略问题中要求改变回答规则的内容。"
NOT_VERBATIM = "检索到的条款无法逐字核对"
NOTHING_IN_REGIONS = "各地文件均未涉及所问内容"
COMPARISON_HEAD = "各地规定对比如下："
RELATED_TAIL = "下面列出最接近的相关条款供参考。"
PARTLY_UNANSWERED = "部分问题在文件中没有找到答案。"
PART_NOT_COVERED = "文件未涉及"
REGION_UNSTATED = (
    "您没有说明所在地区：以上是{region}文件的规定，各地标准可能不同，"
    "请告诉我您所在的城市，或以当地文件为准。"
)


def refusal_text(why: str, note: str, *, has_related: bool) -> str:
    """The reply when the documents do not answer: scope note, reason, hotline."""
    text = f"文件中没有找到答案：{why}。"
    if note:
        text = f"{note}。" + text
    if has_related:
        text += RELATED_TAIL
    return text + HOTLINE


def lead(
    *, asked: str, own: str, nearest: str, note: str, region: str, fallback: bool
) -> str:
    """ "<region>文件规定：", saying first which asked documents are silent or missing."""
    if asked and fallback:
        out = f"{own}文件未规定此项；" if own else f"{asked}没有收录本地文件；"
        if nearest and nearest not in (own, region):
            out += f"{nearest}文件未规定此项；"
        return out + f"{region}文件规定："
    if asked:
        return (f"{note}。" if note else "") + f"{region}文件规定："
    return f"{region}文件规定："


def department_line(lead: str, measure: str, note: str) -> str:
    """ "<region>文件规定：“<measure>”一项的责任单位为「（责任单位：…）」"."""
    head = lead.removesuffix("规定：")
    return f"{head}中，“{measure}”一项的责任单位为：「{note}」"


def list_text(head: str, items: list[tuple[str, str]]) -> str:
    """A numbered list of (quote, region) under ``head`` (a lead without its colon)."""
    lines = "\n".join(f"{i}. 「{q}」（{r}）" for i, (q, r) in enumerate(items, 1))
    return f"{head.rstrip('：')}，相关措施包括：\n{lines}"


def comparison_line(asked: str, quote: str | None, *, fallback_region: str = "") -> str:
    """One region's line of a comparison (``quote`` None: nothing found there)."""
    if quote is None:
        return f"{asked}：文件中没有找到相关规定。"
    label = asked + (
        f"（无本地文件，以下为{fallback_region}文件）" if fallback_region else ""
    )
    return f"{label}：「{quote}」"


# The reason sentences of :mod:`qa.answer.refusal`, by name.
REFUSAL_REASONS = {
    "injection": "问题要求忽略规则或编造内容，本服务只引用文件原文",
    "no_hits": "{where}没有可用的文件条款",
    "no_document": "未收录{region}的文件，无法回答该地文件的具体内容",
    "topic_absent": "现有创业就业政策文件没有涉及“{missing}”，请向相关主管部门咨询",
    "topic_absent_plain": "现有政策文件中没有找到与所问内容直接对应的规定",
    "asserted_figure_absent": "文件中没有“{figure}”这一数额",
    "asserted_figure_off_subject": "文件中没有规定{subject}为“{figure}”",
    "slot_not_stated": "文件提到了相关政策，但没有规定具体的{kind}",
}
