"""The web app with a small fake pipeline (fast), plus 20 concurrent questions on the real one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.soak import QUESTIONS as SOAK_QUESTIONS

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from qa import app  # noqa: E402  (does not import gradio)
from qa.app import render  # noqa: E402
from qa.errors import QueryError
from qa.retrieval.query import check_query
from qa.types import Answer, Chunk, Citation, Document, Hit, Scope, SearchResult  # noqa: E402  # noqa: E402

TEXT = (
    "关于创业担保贷款的通知\n\n一、政策内容\n\n（一）创业担保贷款。个人最高可申请30万元，"
    "财政给予全额贴息。\n\n\xa0\n\n小微企业最高可申请300万元。\n（责任单位：市人社局、市财政局）\n\n"
    "（二）创业培训补贴。参加创业培训的按规定给予补贴。"
)
SCRIPT = "<script>alert(1)</script>"


def _chunk(doc_id, path, piece, *, kind="clause", depts=()):
    start = TEXT.index(piece)
    return Chunk(
        f"{doc_id}-{start}",
        doc_id,
        "测试市",
        path,
        start,
        start + len(piece),
        piece,
        depts,
        kind,
    )


class FakeIndex:
    def __init__(self, chunks):
        self.chunks = chunks


class FakeRetriever:
    def __init__(self, chunks):
        self.index = FakeIndex(chunks)


class FakePipeline:
    """Enough of qa.pipeline.Pipeline for the app: docs, chunks, search, ask."""

    def __init__(self):
        doc = Document(
            "test-doc",
            "关于印发《测试市创业扶持办法》的通知",
            "测试市",
            "市",
            "全国",
            ("测试市人社局",),
            "测人社〔2024〕1号",
            "2024-01-01",
            "t.txt",
            "",
            TEXT,
            derived=("date",),
            notes="测试用",
        )
        head = ("一、政策内容", "（一）创业担保贷款")
        self.chunks = [
            _chunk("test-doc", ("前言",), "关于创业担保贷款的通知", kind="preamble"),
            _chunk(
                "test-doc",
                head,
                "（一）创业担保贷款。个人最高可申请30万元，财政给予全额贴息。",
                depts=("市人社局", "市财政局"),
            ),
            _chunk(
                "test-doc",
                head,
                "小微企业最高可申请300万元。",
                depts=("市人社局", "市财政局"),
            ),
            _chunk(
                "test-doc",
                ("一、政策内容", "（二）创业培训补贴"),
                "（二）创业培训补贴。参加创业培训的按规定给予补贴。",
            ),
        ]
        self.docs = {doc.id: doc}
        self.retriever = FakeRetriever(self.chunks)
        self.calls = []

    def chunks_of(self, doc_id):
        return [c for c in self.chunks if c.doc_id == doc_id]

    def cite(self, quote, *, fallback=False):
        start = TEXT.index(quote)
        return Citation(
            "test-doc",
            self.docs["test-doc"].title,
            "测试市",
            "市",
            "测人社〔2024〕1号",
            "一、政策内容 > （一）创业担保贷款",
            quote,
            start,
            start + len(quote),
            0.9,
            fallback,
            ("市人社局",),
        )

    def ask(self, question, *, region=None, history=None):
        question = check_query(question)
        self.calls.append(("ask", question, region, history))
        if "火星" in question:
            return Answer(
                question,
                "文件中没有找到答案。",
                False,
                related=(self.cite("小微企业最高可申请300万元。"),),
            )
        text = f"个人最高可申请30万元。{SCRIPT}**粗体**"
        return Answer(
            question,
            text,
            True,
            citations=(self.cite("个人最高可申请30万元，"),),
            region="测试市",
            notice="测试说明",
            latency_ms=1.0,
        )

    def search(self, query, *, region=None, k=10, level=None, doc_id=None, topic=None):
        query = check_query(query)
        if region == "火星":
            raise QueryError("未知地区：火星。")
        self.calls.append(("search", query, region, k, level, doc_id, topic))
        hits = tuple(
            Hit(c, 1.0 / (i + 1), i + 1, "own") for i, c in enumerate(self.chunks[1:])
        )
        return SearchResult(
            query, hits, (Scope("测试市", "测试市", ("测试市",), "测试地区说明"),)
        )


@pytest.fixture
def fake():
    return FakePipeline()


@pytest.fixture
def lazy(fake):
    return app.LazyPipeline(fake)


# -- pure rendering and handlers ---------------------------------------------------------
def test_import_qa_app_does_not_import_gradio():
    code = "import sys, qa, qa.app; print('gradio' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_esc_neutralises_html_markdown_and_latex():
    out = render.esc(f"{SCRIPT} **b** [x](javascript:y) $x$\n\n\xa0\n\nz")
    assert (
        "<" not in out.replace("<br>", "")
        and "*" not in out
        and "$" not in out
        and "](" not in out
    )
    assert out.endswith("<br>z") and out.count("<br>") == 1


def test_short_title():
    assert (
        render.short_title(
            "关于印发《上海市关于实施重点群体创业推进行动工作方案》的通知"
        )
        == "上海市关于实施重点群体创业推进行动工作方案"
    )
    assert (
        render.short_title("广州市人社局等9个部门关于印发实施工作方案的通知")
        == "实施工作方案"
    )
    assert render.short_title("人社部关于实施行动的通知") == "人社部关于实施行动的通知"


def test_clause_span_joins_the_pieces_of_one_clause(fake):
    quote = "小微企业最高可申请300万元。"
    s, e, heading = render.clause_span(
        fake, "test-doc", TEXT.index(quote), TEXT.index(quote) + len(quote)
    )
    assert TEXT[s:e].startswith("（一）创业担保贷款") and TEXT[s:e].endswith(quote)
    assert heading == "一、政策内容 > （一）创业担保贷款"


def test_api_ask_returns_verbatim_citations(lazy, fake):
    out = app.api_ask(
        lazy,
        "测试市能贷多少？",
        "自动识别",
        [{"role": "user", "content": [{"type": "text", "text": "前一问"}]}],
    )
    assert out["ok"] and out["answered"] and out["region"] == "测试市"
    (c,) = out["citations"]
    assert c["quote"] == TEXT[c["start"] : c["end"]] and c["quote"] in c["clause_text"]
    assert set(c) >= {
        "doc_id",
        "title",
        "region",
        "level",
        "doc_number",
        "clause",
        "fallback",
        "departments",
    }
    assert fake.calls[-1] == (
        "ask",
        "测试市能贷多少？",
        None,
        [{"role": "user", "content": "前一问"}],
    )


def test_api_search_maps_filters_and_returns_rows(lazy, fake):
    out = app.api_search(lazy, "贷款", "全部", "全部", "", "贷款")
    assert out["ok"] and out["notes"] == ["测试地区说明"] and len(out["hits"]) == 3
    assert fake.calls[-1] == ("search", "贷款", None, app.SEARCH_K, None, None, "贷款")
    h = out["hits"][0]
    assert h["text"] == TEXT[h["start"] : h["end"]] and h["departments"] == [
        "市人社局",
        "市财政局",
    ]
    assert render.hit_row(h) == [
        "测试市",
        "测试市创业扶持办法",
        "测人社〔2024〕1号",
        "一、政策内容 > （一）创业担保贷款",
        "市人社局、市财政局",
        1.0,
    ]
    assert "测人社〔2024〕1号" in render.read_aloud(h) and h[
        "text"
    ] in render.read_aloud(h)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 100_000, "😀😀"])
def test_bad_questions_give_chinese_errors(lazy, bad):
    for out in (app.api_ask(lazy, bad), app.api_search(lazy, bad)):
        assert not out["ok"] and any("\u4e00" <= ch <= "\u9fff" for ch in out["error"])
        assert len(str(out)) < 2000  # the 100k question is not echoed back


def test_unknown_region_is_an_error_not_a_traceback(lazy):
    out = app.api_search(lazy, "贷款", "火星")
    assert not out["ok"] and out["error"] == "未知地区：火星。"


def test_a_failing_pipeline_gives_a_message_not_a_traceback(
    lazy, fake, monkeypatch, caplog
):
    def boom(*a, **k):
        raise KeyError("subject_terms")

    monkeypatch.setattr(fake, "ask", boom)
    monkeypatch.setattr(fake, "search", boom)
    assert app.api_ask(lazy, "能贷多少？")["error"] == app.INTERNAL_ERROR
    assert app.api_search(lazy, "贷款")["error"] == app.INTERNAL_ERROR
    *_, (messages, state, _) = app.chat_turn(
        lazy, "能贷多少？", "自动识别", {"messages": [], "history": []}
    )
    assert (
        "系统出错" in messages[-1]["content"]
        and "subject_terms" not in messages[-1]["content"]
    )
    assert "subject_terms" in caplog.text  # logged for the operator


def test_answer_html_escapes_everything(fake):
    html = render.answer_html(fake, fake.ask("能贷多少？"))
    assert "<script>" not in html and "&#60;script&#62;" in html and "**" not in html
    assert "<mark>个人最高可申请30万元，</mark>" in html and "测人社〔2024〕1号" in html
    assert "?doc=test-doc&at=" in html and "\n" not in html


def test_unanswered_shows_related_clauses(fake):
    html = render.answer_html(fake, fake.ask("火星上能贷款吗"))
    assert (
        "相关条款" in html
        and "qa-card related" in html
        and "<mark>小微企业最高可申请300万元。</mark>" in html
    )


def test_fallback_badge(fake):
    card = render.citation_card(
        fake, fake.cite("个人最高可申请30万元，", fallback=True)
    )
    assert "上级文件兜底" in card and "测试市 · 市级" in card


def test_chat_turn_escapes_the_question_and_keeps_history(lazy, fake):
    state = {"messages": [], "history": []}
    steps = list(app.chat_turn(lazy, f"{SCRIPT}能贷多少？", "自动识别", state))
    assert steps[0][0][-1]["content"] == "正在查找相关文件…"  # shown before the answer
    messages, state, cleared = steps[-1]
    assert cleared == "" and [m["role"] for m in messages] == ["user", "assistant"]
    assert (
        "<script>" not in messages[0]["content"]
        and "&#60;script&#62;" in messages[0]["content"]
    )
    list(app.chat_turn(lazy, "那培训呢？", "测试市", state))
    assert (
        fake.calls[-1][2] == "测试市"
        and fake.calls[-1][3][0]["content"] == f"{SCRIPT}能贷多少？"
    )


def test_chat_turn_reports_a_too_long_question(lazy):
    *_, (messages, state, _) = app.chat_turn(
        lazy, "长" * 100_000, "自动识别", {"messages": [], "history": []}
    )
    assert "问题太长" in messages[-1]["content"] and state["history"] == []
    assert len(messages[0]["content"]) < 1000


def test_search_table_and_documents(lazy, fake):
    rows, hits, notes, detail, reply = app.search_table(
        lazy, "贷款", "测试市", "市", "test-doc", "全部"
    )
    assert (
        # the two pieces of （一） share one row
        len(rows) == 2 and hits[0]["doc_id"] == "test-doc" and "测试地区说明" in notes
    )
    assert "个人最高可申请30万元" in detail and reply.startswith("根据测试市《")
    rows, hits, notes, *_ = app.search_table(lazy, "😀", "全部", "全部", "", "全部")
    assert rows == [] and "没有识别到文字内容" in notes
    (row,) = app.documents_rows(fake)
    assert row[4] == "2024-01-01＊" and row[3] == "测人社〔2024〕1号"
    view = app.document_view(fake, "test-doc", at=TEXT.index("小微企业"))
    assert view.count("<section") == 4 and view.count('class="clause target"') == 1
    assert "（二）创业培训补贴" in view and "请选择" in app.document_view(fake, "nope")


def test_lazy_pipeline_reports_status_then_serves(fake):
    seen = []

    def loader(status):
        status("正在建立索引…")
        seen.append("loaded")
        time.sleep(0.2)
        return fake

    lazy = app.LazyPipeline(loader)
    assert not lazy.ready
    assert lazy.get(timeout=5) is fake and lazy.ready and seen == ["loaded"]

    def broken():
        raise OSError("磁盘已满")

    bad = app.LazyPipeline(broken)
    with pytest.raises(RuntimeError, match="加载失败") as failed:
        bad.get(timeout=5)
    assert "磁盘已满" not in str(failed.value)  # details go to the log only


# -- the launched app through gradio_client ---------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fake_server():
    demo = app.create_app(lambda: FakePipeline())
    url = app.launch(demo, port=_free_port(), block=False)
    yield url, demo.qa_pipeline.get(timeout=10)
    demo.close()


def test_only_ask_and_search_are_public(fake_server):
    from gradio_client import Client

    info = Client(fake_server[0], verbose=False).view_api(
        return_format="dict", print_info=False
    )
    assert (
        sorted(info["named_endpoints"]) == ["/ask", "/search"]
        and not info["unnamed_endpoints"]
    )
    params = [
        p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]
    ]
    assert params[0] == "question" and params[1:] == ["region", "history"]


def test_client_long_question_then_keeps_serving(fake_server):
    from gradio_client import Client

    url, fake = fake_server
    client = Client(url, verbose=False)
    out = client.predict("问" * 100_000, api_name="/ask")
    assert not out["ok"] and "问题太长" in out["error"]
    history = [
        {"role": "user", "content": "能贷多少？"},
        {"role": "assistant", "content": "30万元"},
    ]
    out = client.predict(
        "那培训呢？", region="测试市", history=history, api_name="/ask"
    )
    assert out["ok"] and out["citations"][0]["quote"] == "个人最高可申请30万元，"
    assert fake.calls[-1] == ("ask", "那培训呢？", "测试市", history)
    out = client.predict("贷款", region="测试市", api_name="/search")
    assert out["ok"] and len(out["hits"]) == 3


# -- the real pipeline -------------------------------------------------------------------
# The soak's well-formed questions, twice over.
QUESTIONS = list(SOAK_QUESTIONS) * 2


@pytest.mark.slow
def test_twenty_concurrent_questions(real_pipeline):
    from gradio_client import Client

    demo = app.create_app(real_pipeline)
    url = app.launch(demo, port=_free_port(), block=False)
    try:
        client = Client(url, verbose=False)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(20) as pool:
            outs = list(
                pool.map(lambda q: client.predict(q, api_name="/ask"), QUESTIONS)
            )
        elapsed = time.perf_counter() - t0
    finally:
        demo.close()
    print(f"\n20 concurrent questions: {elapsed:.2f} s")
    for q, out in zip(QUESTIONS, outs):
        assert out["ok"] and out["question"] == q, out
        cites = out["citations"] or out["related"]
        assert cites, out
        for c in cites:
            assert (
                c["quote"]
                and c["quote"]
                == real_pipeline.docs[c["doc_id"]].text[c["start"] : c["end"]]
            )
    assert elapsed < 10, elapsed


# -- bounded history, the chat's own context, the soak ------------------------------------
def test_a_long_chat_keeps_working_with_a_bounded_context(lazy, fake):
    from qa.retrieval.query import check_history

    state = {"messages": [], "history": []}
    for i in range(30):
        *_, (messages, state, _) = app.chat_turn(
            lazy, f"第{i}个问题：能贷多少？" + "很长" * 200, "自动识别", state
        )
    assert "个人最高可申请30万元" in messages[-1]["content"]
    sent = fake.calls[-1][3]
    assert 0 < len(sent) <= app.handlers.CHAT_CONTEXT_MESSAGES
    assert check_history(sent) == sent  # always within what /ask accepts
    assert sent[-2]["content"].startswith("第28个问题")  # the latest turns are kept
    assert len(messages) <= app.handlers.CHAT_SHOWN_MESSAGES + 2


def test_history_is_checked_before_any_other_work(fake):
    class Untouchable(app.LazyPipeline):
        def get(self, timeout=600.0):
            raise AssertionError("the pipeline was reached")

    lazy = Untouchable(fake)
    for history in ([{"role": "user", "content": "长" * 1_000_000}], "x", [1] * 10**6):
        t0 = time.perf_counter()
        out = app.api_ask(lazy, "那培训呢？", "", history)
        assert (
            not out["ok"] and out["code"] == "bad_input" and "对话历史" in out["error"]
        )
        assert time.perf_counter() - t0 < 0.5


@pytest.mark.slow
def test_reduced_soak(real_pipeline):
    from bench.soak import free_port as port
    from bench.soak import passed, soak

    demo = app.create_app(real_pipeline)
    url = app.launch(demo, port=port(), block=False)
    try:
        texts = {d: doc.text for d, doc in real_pipeline.docs.items()}
        report = soak(url, texts, clients=10, questions=5)
    finally:
        demo.close()
    print("\nreduced soak:", report)
    assert report["well_formed"] == 50 and report["bad_sent"] > 0
    assert report["errors"] == 0 and report["bad_accepted"] == 0, report
    assert report["not_verbatim"] == 0 and report["citations"] > 0, report
    assert passed(report), report


# -- the 问答 tab: answer card, copy, input, region, conversations, suggestions, ratings ----
def test_answer_card_leads_with_one_line_and_shows_each_quote_once(fake):
    from dataclasses import replace

    ans = fake.ask("能贷多少？")
    ans = replace(
        ans, text="测试市文件规定：「个人最高可申请30万元，」如需进一步确认，请咨询。"
    )
    html = render.answer_html(fake, ans, turn=3)
    assert html.index("qa-headline") < html.index("qa-card")
    assert '<div class="qa-headline">测试市文件规定</div>' in html
    visible = html.split("<details")[0]  # the whole clause is behind 展开整条
    assert visible.count("个人最高可申请30万元，") == 1 and "〔引文1〕" in html
    shown = html.split('class="qa-copy"')[0]  # the copy button holds the plain text
    assert shown.count("测试市创业扶持办法") == 1 and 'data-turn="3"' in html
    with_headline = render.answer_html(
        fake, replace(ans, headline="最高30万元（测试市）")
    )
    assert '<div class="qa-headline">最高30万元（测试市）</div>' in with_headline


def test_copy_gives_plain_text_with_sources(fake):
    import html as html_lib
    import re

    ans = fake.ask("能贷多少？")
    page = render.answer_html(fake, ans)
    copied = html_lib.unescape(re.search(r'data-copy="([^"]*)"', page).group(1))
    plain = render.answer_plain(ans)
    assert (
        copied == plain and "<" not in plain.replace(SCRIPT, "") and "&#" not in plain
    )
    assert plain.startswith(ans.text) and "\n1. 「个人最高可申请30万元，」" in plain
    assert (
        "《关于印发《测试市创业扶持办法》的通知》测人社〔2024〕1号 （一）创业担保贷款"
        in plain
    )


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "请输入"), ("   ", "请输入"), ("长" * 630, "问题太长")],
)
def test_bad_input_is_refused_before_sending(question, message):
    from qa.app import conversations

    assert message in conversations.input_error(question)
    assert conversations.input_error("能贷多少？") == ""


def test_a_region_named_in_the_question_wins_over_the_chosen_one(
    lazy, fake, monkeypatch
):
    from qa.corpus.gazetteer import load_default

    monkeypatch.setattr(fake.retriever, "gazetteer", load_default(), raising=False)
    state = {"messages": [], "history": []}
    list(app.chat_turn(lazy, "上海的创业贷款呢？", "番禺区", state))
    assert fake.calls[-1][2] is None  # the question names 上海: 番禺区 is not passed
    list(app.chat_turn(lazy, "能贷多少？", "番禺区", state))
    assert fake.calls[-1][2] == "番禺区"


def test_conversations_are_saved_titled_and_switched(lazy):
    from qa.app import conversations as convs

    store = convs.empty_store()
    conv = convs.current(store)
    *_, (_, state, _) = app.chat_turn(lazy, "能贷多少？", "测试市", conv, turn=0)
    store = convs.put(store, convs.finish_turn(conv, state, "能贷多少？", "测试市"))
    saved = convs.current(store)
    assert saved["title"] == "能贷多少？" and saved["region"] == "测试市"
    assert saved["next_turn"] == 1 and saved["turns"]["0"]["citations"][0]["quote"]
    other = convs.new_conversation()
    store2 = convs.put(store, other)
    assert (
        convs.current(store2)["id"] == other["id"] and len(convs.choices(store2)) == 2
    )
    assert convs.current(convs.switch(store2, saved["id"]))["title"] == "能贷多少？"
    assert (
        convs.chip_text("番禺区") == "按 番禺区 回答 ×"
        and convs.chip_text("自动识别") == ""
    )
    assert convs.current("garbage")["messages"] == []  # a corrupt browser value


def test_a_thumbs_down_with_a_reason_is_stored_with_the_answer(lazy, tmp_path):
    from qa.app import conversations as convs
    from qa.feedback import SqliteFeedback

    conv = convs.current(convs.empty_store())
    *_, (messages, state, _) = app.chat_turn(lazy, "能贷多少？", "", conv, turn=0)
    store = convs.put(
        convs.empty_store(), convs.finish_turn(conv, state, "能贷多少？", "")
    )
    db = SqliteFeedback(tmp_path / "fb.sqlite3")
    value = messages[-1]["content"]
    assert convs.rate(db, store, value, False) and convs.rate(
        db, store, value, "地区不对"
    )
    assert not convs.rate(db, store, "<div>no turn</div>", False)
    (item,) = db.all()
    assert (item.question, item.liked, item.reason) == ("能贷多少？", False, "地区不对")
    assert item.citations[0]["quote"] == "个人最高可申请30万元，" and item.answered


def test_suggestions_follow_the_cited_clause(fake):
    from qa.app import conversations as convs

    ideas = convs.suggestions(fake, fake.ask("能贷多少？"))
    assert ideas[0] == convs.DEPARTMENT_FOLLOW_UP  # the top citation names departments
    assert "那“创业培训补贴”呢？" in ideas and 2 <= len(ideas) <= 3


@pytest.mark.slow
def test_starters_are_answered_and_follow_ups_are_offered(real_pipeline):
    from qa.app import conversations as convs
    from qa.app.tabs.qa import EXAMPLES

    for question in EXAMPLES:
        ans = real_pipeline.ask(question)
        assert ans.answered, question
        assert len(convs.suggestions(real_pipeline, ans)) >= 2, question
    ans = real_pipeline.ask("番禺区大学生创业有什么补贴？")
    assert "广州市的规定呢？" in convs.suggestions(real_pipeline, ans)


def test_a_list_answer_is_its_lead_line_and_cards_only(fake):
    from dataclasses import replace

    text = "测试市文件规定，相关措施包括：\n1. 「个人最高可申请30万元，」（测试市）"
    html = render.answer_html(fake, replace(fake.ask("能贷多少？"), text=text))
    assert "qa-answer" not in html and "测试市文件规定，相关措施包括" in html
    assert html.split("<details")[0].count("个人最高可申请30万元，") == 1
