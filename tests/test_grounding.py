"""Claim-by-claim grounding (pure): figures, quotes in every bracket style, names, negations."""

from __future__ import annotations

import pytest

from qa.grounding import figures, ground, split_sentences, verify_quotes

CLAUSES = [
    "（一）创业担保贷款。个人最高可申请30万元，财政给予全额贴息。",
    "小微企业最高可申请300万元，贷款期限不超过3年。自2024年3月1日起施行。",
]
TERMS = ("创业担保贷款", "一次性创业资助", "贴息")


def _kept(text: str) -> str:
    return ground(text, CLAUSES, terms=TERMS).text


@pytest.mark.parametrize(
    "a, b",
    [
        ("50万元", "500000元"),
        ("50万元", "五十万元"),
        ("５０万元", "500,000元"),
        ("1年", "12个月"),
        ("三十六个月", "3年"),
        ("20%", "百分之二十"),
        ("2024年3月1日", "2024-03-01"),
    ],
)
def test_figures_normalize(a, b):
    assert figures(a) == figures(b) and figures(a)


def test_words_and_list_markers_are_not_figures():
    assert figures("一是加大力度，十分重要，有一个项目。\n1. 见第3条[2]") == set()


def test_grounded_paraphrase_is_kept():
    text = "个人最高可贷三十万元，期限不超过36个月，享受全额贴息。依据：「个人最高可申请30万元」。"
    g = ground(text, CLAUSES, terms=TERMS)
    assert g.text == text and g.evidence == 1 and not g.removed


def test_invented_figure_removes_its_sentence():
    text = "可以贷款，最高88888元，当天放款。依据：「个人最高可申请30万元」"
    g = ground(text, CLAUSES, terms=TERMS)
    assert g.text == "依据：「个人最高可申请30万元」" and len(g.removed) == 1


def test_figures_swapped_from_another_date_are_removed():
    assert _kept("自2025年3月1日起施行。") == ""


@pytest.mark.parametrize(
    "q", ["“最高可申请88万元”", "『最高可申请30万元整』", '"最高50万"', "【免担保】"]
)
def test_quotes_in_every_bracket_style_must_be_verbatim(q):
    g = ground(f"额度为{q}。", CLAUSES)
    assert g.text == "" and g.removed_quotes == 1


def test_quote_check_ignores_width_and_spaces():
    assert _kept("依据「个人最高可申请 ３０万元」。") != ""


def test_negation_must_be_stated_by_a_clause():
    assert _kept("「个人最高可申请30万元」，不用贴息。") == ""
    assert _kept("利息全免。") == ""
    assert _kept("贷款期限不超过3年。") != ""  # the clause says 不超过
    assert _kept("申请条件文件中没有规定。") != ""  # a statement of absence


def test_programme_names_must_be_in_a_clause():
    assert _kept("还可以申请一次性创业资助。") == ""
    assert _kept("另有青年创业基金。") == ""
    assert _kept("可享受创业担保贷款。") != ""


def test_sentences_are_not_split_inside_quotes():
    text = "依据「第一句。第二句」。下一句！"
    assert split_sentences(text) == ["依据「第一句。第二句」。", "下一句！"]
    assert "".join(split_sentences("a。b")) == "a。b"


def test_verify_quotes_checks_every_bracket_style():
    text, removed = verify_quotes(
        "「个人最高可申请30万元」与“一次性补贴5万元”", CLAUSES
    )
    assert removed == 1 and "5万元" not in text and "「个人最高可申请30万元」" in text
