"""The 查条款 results (qa.app.lookup, handlers.search_view) and the reader (qa.app.docview)."""

from __future__ import annotations

import re

import pytest
from test_app import FakePipeline  # rootdir-relative (tests/app is on sys.path)

from qa import app
from qa.app import lookup
from qa.app.docview import document_view
from qa.app.handlers import search_view
from qa.app.locale import chinese


@pytest.fixture
def fake():
    return FakePipeline()


@pytest.fixture
def lazy(fake):
    return app.LazyPipeline(fake)


def _hit(text, *, doc="d1", clause="（一）贷款", cos=0.95, bm25=3.0, region="测试市"):
    return {
        "rank": 1,
        "score": 0.03,
        "region": region,
        "level": "市",
        "region_role": "own",
        "chunk_id": f"{doc}-{text[:4]}",
        "doc_id": doc,
        "title": "关于印发《测试办法》的通知",
        "doc_number": "测〔2024〕1号",
        "clause": clause,
        "departments": ["市人社局"],
        "start": 0,
        "end": len(text),
        "text": text,
        "cosine": cos,
        "bm25": bm25,
    }


@pytest.mark.parametrize(
    ("cos", "bm25", "level"),
    [
        (lookup.HIGH, 0.0, "high"),
        (lookup.HIGH - 1e-3, 0.0, "medium"),
        (lookup.MEDIUM - 1e-3, 0.0, "low"),
        (lookup.FLOOR - 1e-3, 2.0, "low"),  # shares words with the query
        (lookup.FLOOR - 1e-3, 0.0, None),  # neither close nor sharing a word
        (None, None, "low"),  # a pipeline without signals
    ],
)
def test_relevance_labels_follow_the_calibrated_thresholds(cos, bm25, level):
    assert lookup.relevance(cos, bm25) == level


def test_thresholds_are_ordered():
    assert lookup.FLOOR < lookup.MEDIUM < lookup.HIGH < 1.0


def test_snippet_highlights_query_terms_and_escapes_markup():
    text = "前文" * 60 + "个人<b>创业担保贷款</b>最高30万元" + "后文" * 60
    out = lookup.snippet(text, lookup.terms_of(["创业", "担保贷款", "的"]))
    assert "<mark>创业</mark><mark>担保贷款</mark>" in out
    assert "<b>" not in out and out.startswith("…") and out.endswith("…")
    assert len(re.sub(r"<[^>]+>|&#\d+;", "", out)) <= lookup.SNIPPET_CHARS + 2


def test_identical_clauses_and_pieces_share_a_row_and_noise_is_dropped():
    hits = [
        _hit("前言一段。", clause="前言"),
        _hit("前言二段。", clause="前言"),  # same clause of the same document
        _hit("相同的条款文字。", doc="d2", clause="二"),
        _hit("相同的 条款文字。", doc="d3", clause="五", region="另一市"),  # same text
        _hit("无关。", doc="d4", cos=0.5, bm25=0.0),
    ]
    rows = lookup.rows_of(hits, ["条款"])
    assert [r["hit"]["doc_id"] for r in rows] == ["d1", "d2"]
    assert rows[1]["also"] == ["另一市《测试办法》"]
    html = lookup.results_html(rows)
    assert html.count('class="lk-row"') == 2 and "相同条款另见" in html
    assert "相关度 高" in html and "0.95" not in html and "lk-pane-1" in html


def test_no_relevant_hit_says_so():
    # BM25 from one-character tokens alone (no query word in the clause) is not relevance
    rows = lookup.rows_of([_hit("在上面。", cos=0.5, bm25=1.2)], ["月球", "跳舞"])
    assert rows == [] and lookup.NOTHING in lookup.results_html(rows)


def test_search_view_on_the_fake_pipeline(lazy):
    html = search_view(lazy, "贷款", "测试市", "全部", "", "全部")
    assert html.count('class="lk-row"') == 2 and "测试地区说明" in html
    assert "根据测试市《" in html and "答复口径" in html
    assert "请输入" in search_view(lazy, "  ", "全部", "全部", "", "全部")
    assert "未知地区" in search_view(lazy, "贷款", "火星", "全部", "", "全部")


def test_reply_textarea_keeps_the_clause_text_verbatim():
    rows = lookup.rows_of([_hit("金额<30万元>&贴息")], [])
    assert "金额&lt;30万元&gt;&amp;贴息" in lookup.results_html(rows)


def test_reader_shows_indexed_text_and_sets_debris_apart(fake):
    doc = fake.docs["test-doc"]
    view = document_view(fake, "test-doc", at=doc.text.index("小微企业"))
    assert view.count("<section") == 4 and view.count('class="clause target"') == 1
    assert "<details open><summary>目录" in view and 'class="doc-nav"' in view
    # the text between the first two clauses is not indexed: collapsed, greyed
    first = fake.chunks[0]
    gap = doc.text[first.end : fake.chunks[1].start]
    assert gap.strip() == "一、政策内容"
    assert 'class="doc-skip"' in view
    # a clause's departments line is document text, not debris
    assert 'class="qa-meta doc-depts">&#40;' not in view  # full-width brackets here
    assert 'doc-depts">（责任单位：市人社局、市财政局）</div>' in view
    assert "请选择" in document_view(fake, "nope")


def test_page_is_served_as_chinese():
    page = chinese(b'<!doctype html><html lang="en"><head><meta charset="utf-8">')
    assert b'lang="zh-CN"' in page and b"navigator,'language'" in page
    assert page.index(b"<script>") < page.index(b"<meta")


def test_app_builds_with_the_lookup_components(lazy):
    demo = app.create_app(lazy.get())
    html_ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    assert {"search-results", "search-query", "qa-status-bar"} <= html_ids
    assert "search-table" not in html_ids


@pytest.mark.slow
def test_relevance_thresholds_are_the_train_split_fit(real_pipeline):
    """The constants are what eval.lookup_relevance fits on the gold TRAIN split."""
    from eval.calibrate import split
    from eval.evaluate import GOLD, load_gold
    from eval.lookup_relevance import evidence_cosines, fit

    train, dev = split(load_gold(GOLD))
    assert not {i["id"] for i in train} & {i["id"] for i in dev}
    fitted = fit(evidence_cosines(real_pipeline, train))
    assert fitted == pytest.approx(
        {"high": lookup.HIGH, "medium": lookup.MEDIUM, "floor": lookup.FLOOR}, abs=2e-3
    )


def _run(coro):
    """asyncio.run in its own thread: a browser test may leave a loop running here."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_chinese_page_middleware_rewrites_html_only():

    from qa.app.locale import ChinesePage

    def inner(kind: bytes, body: bytes):
        async def asgi(scope, receive, send):
            headers = [(b"content-type", kind), (b"content-length", b"%d" % len(body))]
            await send(
                {"type": "http.response.start", "status": 200, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})

        return asgi

    async def call(app):
        sent = []

        async def send(message):
            sent.append(message)

        await app({"type": "http", "method": "GET"}, None, send)
        return sent

    page = b'<html lang="en"><head></head></html>'
    start, body = _run(
        call(ChinesePage(inner(b"text/html; charset=utf-8", page)))
    )
    assert b'lang="zh-CN"' in body["body"]
    assert dict(start["headers"])[b"content-length"] == b"%d" % len(body["body"])
    data = b'{"lang="en"": 1}'
    _, body = _run(call(ChinesePage(inner(b"application/json", data))))
    assert body["body"] == data
