"""The general rules behind chunking: debris lines, info box, articles, 附件, kinds."""

from __future__ import annotations

import pytest

from qa.chunking import chunk_document
from qa.chunking.attachments import looks_like_table, segments
from qa.chunking.furniture import find_furniture
from qa.chunking.headings import article_title, heading_rank
from qa.chunking.infobox import info_box, metadata_candidates, normalize_date
from qa.chunking.kinds import is_definition, signature_runs
from qa.chunking.lines import Paragraph
from qa.types import Document


def paras(*lines: str) -> list[Paragraph]:
    out, pos = [], 0
    for line in lines:
        out.append(Paragraph(pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def doc_of(text: str) -> Document:
    return Document(
        id="t",
        title="t",
        region="某市",
        level="市",
        parent_region="",
        issuers=(),
        doc_number="",
        date="",
        file="t.txt",
        seed="",
        text=text,
    )


def debris_rule(line: str) -> str | None:
    """The rule that marks ``line`` as debris when it stands between two policy lines."""
    text = f"一、总体要求\n{line}\n二、主要措施"
    spans = find_furniture(text)
    start = text.index(line)
    whole = [r for s, e, r in spans if s == start and e == start + len(line)]
    return whole[0] if whole else None


@pytest.mark.parametrize(
    "line",
    [
        "首页 > 政务公开 > 政策文件",
        "当前位置：首页 > 通知公告",
        "首页 政务公开 政务服务 互动交流 专题专栏",
        "索引号：11440100/2024-00123",
        "发文机关：某市人民政府办公室",
        "主题分类：劳动、人事",
        "效力状态：有效",
        "成文日期：2024年03月12日",
        "文　　号：某政办〔2024〕7号",
        "索引号\tA/2\t分类\t就业创业",
        "时间:2025-08-01 10:16",
        "时间：2025-08-01 10:16 来源：某某网",
        "来源：某市人社局",
        "浏览次数：1532",
        "阅读量：8,761",
        "【字体：大 中 小】 打印本页 关闭窗口",
        "分享到：微信 微博",
        "贷款热线 400-867-5309",
        "创业贷款咨询微信 13912345678",
        "微信：dk_helper　QQ：8765432",
        "上一篇：关于某某的通知",
        "下一篇：关于某某的通知",
        "网站标识码：4401000001 粤ICP备05012345号",
        "Copyright © 2025 某某网 版权所有",
        "— 3 —",
        "第2页 共8页",
        "某某市人民政府门户网站",
        "点击上方蓝字关注我们",
        "原创　某某中心　2024-02-20 08:30",
    ],
)
def test_debris_line_is_found(line):
    assert debris_rule(line) is not None, line


@pytest.mark.parametrize(
    "line",
    [
        "（五）实施“创业政策扶持”计划。加快落实创业担保贷款政策，贷款额度最高30万元。",
        "符合条件的个人可申请最高300000元的创业担保贷款。",
        "联系人：张三，联系电话：020-83333333。",
        "可拨打12333人社服务热线咨询。",
        "（三）提供免费咨询服务",
        "时间：2024年全年",
        "时间：2024年5月10日",
        "2023-06-05",
        "上海市人力资源和社会保障局",
        "提供帮办代办服务，推行“一网通办”。",
    ],
)
def test_policy_line_is_not_debris(line):
    assert debris_rule(line) is None, line


def test_info_box_label_lines_and_pairs():
    stacked = (
        "索引号\n123/2024-1\n发文机关\n某县人民政府\n文号\n某政〔2024〕1号\n正文。"
    )
    assert info_box(stacked) == {
        "index_no": "123/2024-1",
        "issuer": "某县人民政府",
        "doc_number": "某政〔2024〕1号",
    }
    pairs = (
        "索引号：A/1　　主题分类：就业创业\n名　　称：某市关于创业的意见\n"
        "成文日期：2024年07月18日　　发布日期：2024-07-22\n发布日期：2099-01-01"
    )
    box = info_box(pairs)
    assert box["topic"] == "就业创业" and box["title"] == "某市关于创业的意见"
    assert box["date_published"] == "2024-07-22"  # the first value wins
    rows = "索引号\tA/2\t分类\t就业创业\n文号\t某发〔2024〕2号\t发布日期\t2024-10-10"
    assert info_box(rows) == {
        "index_no": "A/2",
        "topic": "就业创业",
        "doc_number": "某发〔2024〕2号",
        "date_published": "2024-10-10",
    }
    # A lone 名称/标题 line is not an info box.
    assert info_box("名称：某某项目\n一、总体要求") == {}


def test_metadata_candidates_map_onto_document_fields():
    text = "发文机关：某市人社局 某市财政局\n文号：某人社发〔2024〕3号\n成文日期：2024年4月8日"
    assert metadata_candidates(text) == {
        "issuers": ("某市人社局", "某市财政局"),
        "doc_number": "某人社发〔2024〕3号",
        "date": "2024-04-08",
    }
    assert (
        normalize_date("2024年03月5日") == "2024-03-05" and normalize_date("无") == ""
    )


def test_article_headings_rank_above_plan_headings():
    assert [
        heading_rank(t) for t in ("第一章　总　则", "第二节 补贴", "第十二条　x")
    ] == [
        -3,
        -2,
        -1,
    ]
    assert heading_rank("第十二条规定的情形") is None  # a citation, not an article
    assert heading_rank("一、总体要求") == 0
    assert article_title("第一章　总　则", -3) == "第一章 总则"
    assert article_title("第十二条　申请人应当…", -1) == "第十二条"


def test_article_items_stay_in_the_article():
    text = "第一章 总则\n第一条 为规范管理，制定本办法。\n第二条 申请条件如下：\n（一）年满18周岁；\n（二）信用良好。\n第三条 本办法自印发之日起施行。"
    chunks = chunk_document(doc_of(text))
    assert [c.heading for c in chunks] == [
        "第一章 总则 > 第一条",
        "第一章 总则 > 第二条",
        "第一章 总则 > 第三条",
    ]
    assert chunks[1].text.endswith("（二）信用良好。")


def test_attachment_is_a_table_only_when_rows_follow():
    assert looks_like_table(paras("台账", "任务", "工作措施", "责任单位", "1.某任务"))
    assert looks_like_table(paras("一览表", "序号\t项目\t标准", "1\t补贴\t5000元"))
    assert not looks_like_table(
        paras("某某方案", "为支持创业，制定本方案。", "一、总体要求", "（一）目标。")
    )


def test_plan_after_bare_attachment_line_keeps_its_structure():
    text = "关于印发某方案的通知\n现印发给你们。\n附件\n某某创业方案\n一、总体要求\n坚持就业优先。\n二、主要措施\n（一）加大补贴。给予补贴。\n（二）优化服务。提供服务。"
    segs = segments(paras(*text.split("\n")))
    assert [s.table for s in segs] == [False, False] and segs[1].root == (
        "某某创业方案",
    )
    headings = [c.heading for c in chunk_document(doc_of(text))]
    assert headings == [
        "前言",
        "某某创业方案 > 一、总体要求",
        "某某创业方案 > 二、主要措施 > （一）加大补贴",
        "某某创业方案 > 二、主要措施 > （二）优化服务",
    ]


def test_signature_runs_need_an_issuing_body_and_a_date():
    assert signature_runs(
        paras("正文。", "某市人社局", "某市财政局", "2024年5月6日")
    ) == [(1, 4)]
    assert signature_runs(paras("2023-06-05", "某市人社局", "正文。")) == []
    assert signature_runs(paras("各区人社局：", "2024年5月6日")) == []


def test_definitions():
    assert is_definition("第二条　本办法所称创业担保贷款，是指由财政贴息的贷款。")
    assert is_definition("（一）重点群体，是指高校毕业生、农民工等。")
    assert not is_definition("第三条　本办法适用于本市行政区域。")


def test_real_corpus_signatures_are_their_own_chunks(chunks):
    signed = {c.doc_id: c for c in chunks if c.kind == "signature"}
    assert set(signed) == {
        "shanghai-2023-162",
        "guangzhou-2023-186",
        "zhaoqing-2024-employment",
    }
    assert signed["guangzhou-2023-186"].text.endswith("2023年4月20日")
    assert signed["zhaoqing-2024-employment"].text.startswith("肇庆市就业工作领导小组")
    # The plan's own introduction no longer starts with the issuers' names.
    gz = [
        c for c in chunks if c.doc_id == "guangzhou-2023-186" and c.kind == "preamble"
    ]
    assert gz[-1].text.startswith("关于实施重点群体创业推进行动工作方案")


def test_titled_attachment_line_after_the_signature_starts_the_plan():
    text = "关于印发某方案的通知\n现印发给你们。\n某市人社局\n2024年5月6日\n附件1：某某创业方案\n一、总体要求\n坚持就业优先。"
    headings = [c.heading for c in chunk_document(doc_of(text))]
    assert headings == ["前言", "落款", "某某创业方案 > 一、总体要求"]
    # Inside the notice, the same line only lists the attachment.
    listed = "关于印发某方案的通知\n现印发给你们。\n附件1：某某创业方案\n某市人社局\n2024年5月6日"
    assert [c.heading for c in chunk_document(doc_of(listed))] == ["前言", "落款"]


def test_repeated_lines_in_the_text_are_not_page_titles():
    head = "某县关于创业补贴的通知\n浏览次数：12\n某县关于创业补贴的通知\n"
    body = "附件\n任务清单\n任务\n工作措施\n责任单位\n1.甲任务\n做甲事。\n县人社局牵头，县财政局配合\n2.乙任务\n做乙事。\n县人社局牵头，县财政局配合\n"
    rules = [(head + body)[s:e] for s, e, _ in find_furniture(head + body)]
    assert rules == ["浏览次数：12", "某县关于创业补贴的通知"]
    rows = [c for c in chunk_document(doc_of(head + body)) if c.kind == "appendix"]
    assert [r.departments for r in rows] == [("县人社局牵头", "县财政局配合")] * 2
