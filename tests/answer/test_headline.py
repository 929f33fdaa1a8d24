"""The direct answer line is a verbatim span of the top quote that answers."""

from __future__ import annotations

import pytest

from qa.answer.headline import (
    best_span,
    comparison_headline,
    department_headline,
    direct_headline,
    pieces,
)
from qa.answer.intent import Intent
from qa.types import Citation

LOAN = (
    "择选优质金融机构,加大创业担保贷款政策落实力度,符合条件的创业者可申请最高50万元"
    "个人贷款、小微企业可申请最高500万元小微企业贷款,按政策规定给予贴息。"
)
DEFER = "创业担保贷款借款人因疫情影响流动性遇到暂时困难的，可申请展期还款，期限原则上不超过1年。"
AMOUNT = (("金额", r"\d[\d.]*\s*(?:万元|元)"),)
PERIOD = (("期限或时间", r"\d+\s*(?:年|个月|月|天|日)"),)


def cite(quote: str, region: str = "肇庆市", departments=()) -> Citation:
    return Citation(
        "d",
        "t",
        region,
        "市",
        "",
        "h",
        quote,
        0,
        len(quote),
        1.0,
        False,
        tuple(departments),
    )


def test_pieces_are_verbatim_spans():
    for start, end in pieces(LOAN):
        assert LOAN[start:end] and LOAN[start:end] in LOAN
        assert not LOAN[start:end].endswith((",", "，", "。"))


@pytest.mark.parametrize(
    ("quote", "intent", "expected"),
    [
        (
            LOAN,
            Intent(terms=("创业担保贷款",), core_terms=(), units=AMOUNT),
            "符合条件的创业者可申请最高50万元个人贷款",
        ),
        (
            DEFER,
            Intent(terms=("创业担保贷款", "展期还款"), core_terms=(), units=PERIOD),
            "可申请展期还款，期限原则上不超过1年",
        ),
    ],
)
def test_the_span_states_the_asked_quantity(quote, intent, expected):
    span = best_span(quote, intent)
    assert span in quote
    assert expected in span and len(span) <= 80


def test_headlines_name_the_region_and_stay_verifiable():
    intent = Intent(terms=("创业担保贷款",), core_terms=(), units=AMOUNT)
    line = direct_headline(cite(LOAN), intent)
    assert line.startswith("答：肇庆市文件规定，")
    assert line.removeprefix("答：肇庆市文件规定，") in LOAN
    assert (
        direct_headline(cite(LOAN), Intent(terms=(), core_terms=(), is_list=True)) == ""
    )
    dept = department_headline(
        cite("(责任单位:市人社局、市财政局)", departments=("市人社局", "市财政局"))
    )
    assert dept == "答：肇庆市文件中，责任单位为市人社局、市财政局"
    both = comparison_headline(
        (
            cite("每年培训不少于200万人次。", "全国"),
            cite("每年培训不少于1万人次。", "辽宁省"),
        ),
        Intent(terms=("培训",), core_terms=(), wants_number=True),
    )
    assert both == "答：全国：每年培训不少于200万人次；辽宁省：每年培训不少于1万人次"


def test_real_answers_carry_a_headline(real_pipeline):
    a = real_pipeline.ask("我在四会开个小公司，能申请多少创业担保贷款？")
    assert a.headline.startswith("答：肇庆市文件规定，") and "50万元" in a.headline
    span = a.headline.split("，", 1)[1]
    assert span in a.citations[0].quote
