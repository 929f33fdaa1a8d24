"""Conversations keep their state: region, topic and the clauses just cited.

Own examples (not from any blind set) for the classes of failure seen there:
department follow-ups, a third turn after a region switch, format requests treated as
questions, and region-dependent answers to a question that names no region.
"""

from __future__ import annotations

import pytest

from qa.answer.parts import is_format_request, question_parts
from qa.conversation import effective_query, is_followup, last_quotes
from qa.corpus.gazetteer import load_default


def _talk(pipeline, questions):
    history, answers = [], []
    for q in questions:
        a = pipeline.ask(q, history=history)
        answers.append(a)
        history += [
            {"role": "user", "content": q},
            {"role": "assistant", "content": a.text},
        ]
    return answers


@pytest.mark.parametrize(
    ("first", "followup", "region"),
    [
        ("上海有没有给大学生的创业指导站？", "这事归哪个部门管？", "上海市"),
        ("辽宁对返乡创业的农民工有什么扶持？", "具体找哪个单位？", "辽宁省"),
        ("广州的创业担保贷款能网上办吗？", "那这个谁负责？", "广州市"),
    ],
)
def test_department_followup_answers_with_the_cited_clause_departments(
    real_pipeline, first, followup, region
):
    a1, a2 = _talk(real_pipeline, [first, followup])
    assert a1.answered and a1.citations[0].departments
    assert a2.answered, a2.text
    top = a2.citations[0]
    assert top.region == region
    assert top.departments == a1.citations[0].departments
    assert "责任单位" in top.quote
    doc = real_pipeline.docs[top.doc_id]
    assert doc.text[top.start : top.end] == top.quote


def test_department_question_without_history_uses_the_matching_clause(real_pipeline):
    a = real_pipeline.ask("上海高校创业指导站这块归哪个部门管？")
    assert a.answered, a.text
    assert "市教委" in a.citations[0].departments


def test_third_turn_keeps_the_region_of_the_second(real_pipeline):
    answers = _talk(
        real_pipeline,
        ["广州的创业担保贷款能网上办吗？", "那辽宁呢？", "刚才那个贷款最高能贷多少？"],
    )
    third = answers[2]
    assert third.region == "辽宁省", third.text
    assert all(c.region != "肇庆市" for c in third.citations)
    assert "50万元" not in third.text


def test_effective_query_folds_follow_ups_turn_by_turn():
    g = load_default()
    history = [
        {"role": "user", "content": "广州的创业担保贷款能网上办吗？"},
        {"role": "assistant", "content": "广州市文件规定：「…」"},
        {"role": "user", "content": "那辽宁呢？"},
    ]
    folded = effective_query(history, g)
    assert "辽宁" in folded and "创业担保贷款" in folded and "广州" not in folded
    assert is_followup("刚才那个贷款最高能贷多少？")
    assert is_followup("具体找哪个单位？")
    assert not is_followup("上海市对返乡创业的农民工有哪些扶持政策和补贴？")


def test_last_quotes_are_the_last_answers_quotes():
    history = [
        {"role": "assistant", "content": "甲：「第一条引文内容」"},
        {"role": "user", "content": "问"},
        {"role": "assistant", "content": "乙：「第二条引文内容」和「第三条引文内容」"},
    ]
    assert last_quotes(history) == ("第二条引文内容", "第三条引文内容")


@pytest.mark.parametrize(
    "question",
    [
        "上海对大学生创业有什么支持？给我分点整理一下。",
        "广州对港澳青年创业有哪些扶持？帮我总结一下。",
        "肇庆的创业培训有什么政策？简单说说！",
    ],
)
def test_a_format_request_is_not_a_question(real_pipeline, question):
    assert len(question_parts(question)) == 1
    a = real_pipeline.ask(question)
    assert a.answered, a.text
    assert a.parts in (0, 1)


def test_format_request_detection_keeps_real_questions():
    assert is_format_request("给我分点整理一下。")
    assert not is_format_request("整理好的材料交给哪个部门？")
    assert question_parts("能贷多少？利息谁出？") == ["能贷多少？", "利息谁出？"]


def test_regionless_answer_with_a_local_figure_says_so(real_pipeline):
    a = real_pipeline.ask("创业担保贷款能贷多少？")
    assert a.answered
    if a.citations[0].region != "全国":
        assert "没有说明所在地区" in a.notice and a.citations[0].region in a.notice
    where = real_pipeline.ask("哪里的政策写了创业担保贷款个人最高50万元？")
    assert "没有说明所在地区" not in where.notice


def test_which_region_names_every_region_that_says_it(real_pipeline):
    a = real_pipeline.ask("哪里的政策提到了创业担保贷款全程线上办理？")
    assert a.answered
    regions = {c.region for c in a.citations}
    assert {"全国", "辽宁省", "广州市"} <= regions
    assert all("线上" in c.quote for c in a.citations)
    for r in regions:
        assert r in a.headline


def test_which_region_with_an_asserted_figure_names_only_who_states_it(real_pipeline):
    a = real_pipeline.ask("哪里的政策写了灵活就业社保补贴每人每月450块？")
    assert a.answered
    assert {c.region for c in a.citations} == {"肇庆市"}
    assert "450元" in a.citations[0].quote


@pytest.mark.parametrize(
    ("question", "nearest"),
    [
        ("我在浦东想开个奶茶店，能申请创业担保贷款吗？", "上海市"),
        ("静安区的创业担保贷款能不能线上申请？", "上海市"),
    ],
)
def test_the_nearest_document_leads_when_it_speaks_on_the_subject(
    real_pipeline, question, nearest
):
    a = real_pipeline.ask(question)
    assert a.answered
    assert a.citations[0].region == nearest, a.text
    assert "创业担保贷款" in a.citations[0].quote
    assert "未规定此项" not in a.text.split("：")[0]
