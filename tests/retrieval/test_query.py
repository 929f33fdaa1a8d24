import pytest

from qa.errors import QueryError
from qa.retrieval.query import MAX_QUERY_CHARS, check_query


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "请输入"),
        ("   \n\t", "请输入"),
        (None, "请输入"),
        ("创" * 100_000, "太长"),
        ("😀🎉🚀", "没有识别到文字"),
    ],
)
def test_bad_queries_get_a_clear_message(query, message):
    with pytest.raises(QueryError, match=message):
        check_query(query)


def test_bad_queries_through_search(real_pipeline):
    for q in ("", "创业" * MAX_QUERY_CHARS, "🙂🙂"):
        with pytest.raises(QueryError):
            real_pipeline.search(q)
    with pytest.raises(QueryError, match="未知地区"):
        real_pipeline.search("创业担保贷款", region="火星市")


def test_city_district_gets_its_city_document_first(real_pipeline):
    res = real_pipeline.search("番禺的创业孵化基地有没有免费空间", k=5)
    scope = res.scopes[0]
    assert (scope.asked, scope.own, scope.allowed) == ("番禺区", "", ("广州市", "全国"))
    regions = [h.chunk.region for h in res.hits]
    assert set(regions) <= {"广州市", "全国"}  # never 肇庆市, a sibling under 广东省
    assert regions[0] == "广州市"
    assert all(
        h.region_role == "fallback" for h in res.hits
    )  # 番禺 has no document of its own


def test_region_with_its_own_document_is_own(real_pipeline):
    res = real_pipeline.search("羊城创业担保贷款电子化审批", k=5)
    assert res.scopes[0].own == "广州市"
    assert res.hits[0].chunk.region == "广州市" and res.hits[0].region_role == "own"


def test_several_places_without_comparison_use_where_the_asker_is(real_pipeline):
    res = real_pipeline.search("我是香港人，想在天河区创业，有什么青年创业平台", k=3)
    assert [s.asked for s in res.scopes] == ["天河区"]
    res = real_pipeline.search("哪里提了要跟江苏搞沪苏合作", k=3)
    assert res.scopes[0].asked == "" and res.hits[0].chunk.region == "上海市"


def test_region_without_document_falls_back_to_national_and_says_so(real_pipeline):
    res = real_pipeline.search("深圳创业担保贷款能不能线上办", k=5)
    scope = res.scopes[0]
    assert scope.asked == "深圳市" and scope.own == "" and scope.allowed == ("全国",)
    assert "没有收录本地文件" in scope.note
    assert {h.chunk.region for h in res.hits} == {"全国"}
    assert all(h.region_role == "fallback" for h in res.hits)


def test_province_chain_for_a_liaoning_city(real_pipeline):
    res = real_pipeline.search("大连孵化基地奖补", k=3)
    assert res.scopes[0].allowed == ("辽宁省", "全国")
    assert (
        res.hits[0].chunk.region == "辽宁省" and res.hits[0].region_role == "fallback"
    )


def test_no_region_returns_all_regions_labelled(real_pipeline):
    res = real_pipeline.search("创业培训", k=10)
    assert len({h.chunk.region for h in res.hits}) >= 3
    assert all(h.region_role == "other" for h in res.hits)
    assert [h.rank for h in res.hits] == list(range(1, len(res.hits) + 1))


def test_explicit_region_and_filters(real_pipeline):
    res = real_pipeline.search("零工", region="肇庆市", k=5)
    assert res.hits and all(h.chunk.region in ("肇庆市", "全国") for h in res.hits)
    res = real_pipeline.search("补贴", level="市", k=10)
    assert {real_pipeline.docs[h.chunk.doc_id].level for h in res.hits} == {"市"}
    res = real_pipeline.search("贷款", topic="贷款", k=10)
    assert all(
        any(w in h.chunk.text for w in ("贷款", "贴息", "担保", "信贷", "融资"))
        for h in res.hits
    )


def test_comparison_interleaves_both_regions(real_pipeline):
    res = real_pipeline.search("广州和上海的创业培训", k=3)
    assert [s.asked for s in res.scopes] == ["广州市", "上海市"]
    assert {h.chunk.region for h in res.hits[:2]} == {"广州市", "上海市"}


def test_colloquial_words_are_expanded(real_pipeline):
    res = real_pipeline.search("宝妈能找什么工作", k=3)
    assert "妈妈岗" in res.expanded
    assert any("妈妈岗" in h.chunk.text for h in res.hits)


def test_appendix_restatements_are_not_returned(real_pipeline):
    res = real_pipeline.search("妈妈岗就业基地奖补", k=10)
    assert all(h.chunk.kind != "appendix" for h in res.hits)
    texts = [h.chunk.text for h in res.hits]
    assert (
        sum("妈妈岗" in t for t in texts) == 1
    )  # the body clause once, not again from the table


def test_history_and_region_are_bounded_before_any_work():
    from qa.retrieval.query import (
        MAX_HISTORY_CHARS,
        MAX_HISTORY_MESSAGES,
        check_history,
        check_region,
    )

    assert check_history(None) == []
    parts = [{"role": "user", "content": [{"type": "text", "text": "广州能贷多少？"}]}]
    assert check_history(parts) == [{"role": "user", "content": "广州能贷多少？"}]
    with pytest.raises(QueryError, match="太长"):
        check_history([{"role": "user", "content": "创" * (MAX_HISTORY_CHARS + 1)}])
    with pytest.raises(QueryError, match="太长"):
        check_history([{"role": "user", "content": "问"}] * (MAX_HISTORY_MESSAGES + 1))
    for bad in ("历史", {"role": "user"}, [5], [{"role": "boss", "content": "x"}]):
        with pytest.raises(QueryError, match="对话历史"):
            check_history(bad)
    assert check_region("  广州 ") == "广州"
    assert check_region("") is None
    for bad in (5, ["广州"], "广" * 1000):
        with pytest.raises(QueryError, match="地区"):
            check_region(bad)


def test_huge_history_is_refused_fast_through_ask(real_pipeline):
    import time

    t0 = time.perf_counter()
    history = [{"role": "user", "content": "创业担保贷款" * 200_000}]
    answer = real_pipeline.ask("那上海呢？", history=history)
    assert time.perf_counter() - t0 < 1.0
    assert not answer.answered and answer.error == "bad_input"
    assert "对话历史太长" in answer.text
    answer = real_pipeline.ask("能贷多少？", region=["广州"])
    assert answer.error == "bad_input" and "地区" in answer.text


def test_a_short_followup_after_a_long_question_is_judged_on_itself(real_pipeline):
    long_q = "我想了解一下" + "创业担保贷款的政策，" * 60  # rejected: too long
    assert len(long_q) > MAX_QUERY_CHARS
    near_limit = "广州创业担保贷款" + "的具体情况" * 95  # valid, near the limit
    for prev in (long_q, near_limit[:MAX_QUERY_CHARS]):
        history = [{"role": "user", "content": prev}]
        answer = real_pipeline.ask("那上海呢？", history=history)
        assert answer.error != "bad_input", answer.text
        assert "太长" not in answer.text


def test_short_generic_chunks_are_down_weighted():
    from qa.retrieval.fusion import KIND_WEIGHTS, kind_weights

    fused = {0: 1.0, 1: 0.9, 2: 0.8}
    out = kind_weights(fused, ["signature", "clause", "definition"], KIND_WEIGHTS)
    assert out[1] == 0.9 and out[0] < out[1] and out[2] < out[1]
    assert max(out, key=out.get) == 1


def test_a_signature_never_outranks_the_clauses_of_its_document(real_pipeline):
    rows = real_pipeline.retriever.index.rows
    signature = next(c for c in rows if c.kind == "signature")
    res = real_pipeline.search(signature.text[:40], k=5)
    assert res.hits[0].chunk.kind != "signature" or len(res.hits) == 1
