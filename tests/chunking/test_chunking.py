import re

import pytest

from qa.chunking import chunk_document
from qa.chunking.clauses import sentence_pieces, split_departments, split_names
from qa.chunking.furniture import find_furniture
from qa.chunking.headings import heading_rank
from qa.types import Document


def test_offsets_round_trip_for_every_chunk(docs_by_id, chunks):
    assert chunks
    for c in chunks:
        assert docs_by_id[c.doc_id].text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        if c.departments_span != (0, 0):
            s, e = c.departments_span
            note = docs_by_id[c.doc_id].text[s:e]
            assert "责任单位" in note or c.kind == "appendix"


def test_every_policy_character_lies_in_a_chunk(docs, chunks):
    for d in docs:
        covered = [False] * len(d.text)
        for s, e, _ in find_furniture(d.text):
            covered[s:e] = [True] * (e - s)
        for c in (c for c in chunks if c.doc_id == d.id):
            covered[c.start : c.end] = [True] * (c.end - c.start)
            s, e = c.departments_span
            covered[s:e] = [True] * (e - s)
        missing = "".join(
            ch for ch, ok in zip(d.text, covered) if not ok and not ch.isspace()
        )
        assert missing == "", f"{d.id}: uncovered policy text {missing[:80]!r}"


def test_chunks_never_overlap_within_a_document(chunks):
    by_doc = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append((c.start, c.end))
    for spans in by_doc.values():
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:]):
            assert e1 <= s2


def test_no_chunk_crosses_a_top_level_heading(docs_by_id, chunks):
    for c in chunks:
        text = docs_by_id[c.doc_id].text[c.start : c.end]
        lines = [ln.strip(" \u3000\xa0") for ln in text.splitlines()]
        # A top-level heading may open a chunk, never sit inside or end it.
        assert not any(heading_rank(ln) == 0 for ln in lines[1:]), c.heading


def test_page_furniture_is_not_indexed(chunks):
    indexed = " ".join(c.text for c in chunks if c.indexed)
    for debris in (
        "当前位置",
        "浏览次数",
        "[bookmark",
        "相关内容",
        "湖北省",
        "陕西省",
        "特色服务推荐",
        "分享文章到",
        "打印页面",
        "发布时间",
        "公开方式",
    ):
        assert debris not in indexed, debris


def test_heading_paths_checked_by_hand(chunks):
    by_text = {c.heading: c for c in chunks}
    expected = [
        (
            "guangzhou-2023-186",
            "二、工作措施 > (六)实施“创业政策扶持”计划",
            "加大创业扶持政策实施力度",
        ),
        ("national-2022-81", "二、主要举措 > （五）实施“创业政策扶持”计划", "展期还款"),
        (
            "liaoning-2023-startup",
            "三、主要措施 > (七)实施“创业载体筑巢”计划",
            "最高500万元奖补",
        ),
        ("shanghai-2023-162", "二、工作举措 > (十一)实施“创业协同创新”计划", "长三角"),
        (
            "zhaoqing-2024-employment",
            "二、重点任务措施 > (一)实施就业岗位扩容提质行动 > 7.加大政策扶持力度,促进创业带动就业倍增 > 一是加大创业贷款扶持力度",
            "最高50万元个人贷款",
        ),
        (
            "zhaoqing-2024-employment",
            "二、重点任务措施 > (三)实施技能人才产业支撑行动 > 14.持续落实“粤菜师傅”工程",
            "广宁云吞",
        ),
        ("zhaoqing-2024-employment", "三、保障措施 > (二)落实资金保障", "骗取套取"),
    ]
    for doc_id, heading, phrase in expected:
        c = by_text[heading]
        assert c.doc_id == doc_id and c.kind == "clause"
        assert any(phrase in x.text for x in chunks if x.heading == heading)


def test_departments_become_metadata(chunks):
    gz = next(
        c
        for c in chunks
        if c.heading.endswith("(六)实施“创业政策扶持”计划")
        and c.doc_id.startswith("guangzhou")
    )
    assert gz.departments == (
        "市人力资源社会保障局",
        "市财政局",
        "中国人民银行广州分行营业管理部",
    )
    assert "责任单位" not in gz.text
    zq = next(c for c in chunks if "一是加大创业贷款扶持力度" in c.heading)
    assert (
        zq.departments[0] == "各县(市、区)人民政府"
    )  # brackets inside a name are kept
    # Clauses with no note have none.
    national = [c for c in chunks if c.doc_id == "national-2022-81"]
    assert all(c.departments == () for c in national)


def test_split_departments_and_names():
    text = "加大力度。(责任单位:市人社局、市财政局)"
    end, names, span = split_departments(text, 0, len(text))
    assert text[:end] == "加大力度。" and names == ("市人社局", "市财政局")
    assert text[span[0] : span[1]] == "(责任单位:市人社局、市财政局)"
    # A note that is not at the end of the clause is left alone.
    text2 = "(责任单位:市人社局)其后还有正文。"
    assert split_departments(text2, 0, len(text2))[1] == ()
    assert split_names("各县(市、区)人民政府,市人社局、市财政局") == (
        "各县(市、区)人民政府",
        "市人社局",
        "市财政局",
    )


def test_long_clauses_split_only_at_sentence_ends(chunks, docs_by_id):
    for c in chunks:
        if c.kind != "clause":
            continue
        text = docs_by_id[c.doc_id].text
        after = text[c.end : c.end + 1]
        # Each piece ends at a sentence end, a line end, the end of text, or before a note.
        assert (
            re.search(r"[。；;！？!?”）)]$", c.text)
            or after in ("", "\n", "\r", "(", "（", "[")
            or c.end == c.departments_span[0]
            or text[c.end :].startswith(("(", "（", "["))
        ), c.text[-20:]


def test_sentence_pieces_respect_max_chars():
    text = "甲" * 40 + "。" + "乙" * 40 + "；" + "丙" * 200 + "。" + "丁" * 10 + "。"
    pieces = sentence_pieces(text, 0, len(text), 100)
    assert "".join(text[s:e] for s, e in pieces) == text
    assert [e - s for s, e in pieces] == [
        82,
        201,
        11,
    ]  # the 201-char sentence stays whole


def test_item_split_keeps_heading_path(chunks):
    items = [
        c
        for c in chunks
        if c.doc_id.startswith("zhaoqing")
        and re.search(r"> [一二三四五六]是", c.heading)
    ]
    assert [c.clause_path[-1][:2] for c in items] == [
        "一是",
        "二是",
        "三是",
        "四是",
        "五是",
        "六是",
    ]
    assert all(c.clause_path[-2].startswith("7.加大政策扶持力度") for c in items)


def test_appendix_rows_link_to_body_clauses(chunks):
    by_id = {c.id: c for c in chunks}
    rows = [c for c in chunks if c.kind == "appendix"]
    assert len(rows) > 40 and all(not c.indexed for c in rows if c.restates)
    for row in rows:
        assert row.restates, row.text[:40]
        body = by_id[row.restates]
        assert body.kind == "clause" and body.doc_id == row.doc_id
        assert row.id in body.restated_by
        # The row's task number matches the body clause's numbered heading (or a 保障措施 item).
        task_no = re.match(r"\d+", row.clause_path[-1]).group()
        if int(task_no) <= 16:
            assert any(p.startswith(task_no + ".") for p in body.clause_path), (
                row.clause_path,
                body.heading,
            )
    loan_row = next(r for r in rows if "最高50万元个人贷款" in r.text)
    assert by_id[loan_row.restates].heading.endswith("一是加大创业贷款扶持力度")
    assert loan_row.departments == (
        "各县(市、区)人民政府",
        "肇庆高新区管委会",
        "市人社局",
        "市财政局",
    )


def test_chunk_ids_are_stable_content_hashes(chunks):
    # Pinned: if this changes, every built index is invalidated; bump CHUNKER_VERSION.
    c = next(
        c for c in chunks if c.heading == "二、主要举措 > （五）实施“创业政策扶持”计划"
    )
    assert c.id == PINNED_ID
    assert len({c.id for c in chunks}) == len(chunks)


PINNED_ID = "bcfda91c88f0e15f"


def test_synthetic_document_structure():
    text = (
        "关于某事的通知\n当前位置: 首页 > 通知\n一、总体要求\n第一段话。\n二、主要措施\n(一)实施甲计划。内容一。"
        "一是做甲。二是做乙。(责任单位:市人社局)\n1.小项。细节。\n"
    )
    doc = Document(
        id="t",
        title="t",
        region="某市",
        level="市",
        parent_region="某省",
        issuers=("x",),
        doc_number="",
        date="2024",
        file="t.txt",
        seed="",
        text=text,
    )
    cs = chunk_document(doc)
    assert [c.heading for c in cs] == [
        "前言",
        "一、总体要求",
        "二、主要措施 > (一)实施甲计划",
        "二、主要措施 > (一)实施甲计划 > 一是做甲",
        "二、主要措施 > (一)实施甲计划 > 二是做乙",
        "二、主要措施 > (一)实施甲计划 > 1.小项",
    ]
    assert all(c.departments == ("市人社局",) for c in cs[2:5])
    assert "当前位置" not in "".join(c.text for c in cs)
    with pytest.raises(ValueError, match="max_chars"):
        chunk_document(doc, max_chars=10)
