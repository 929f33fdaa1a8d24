"""The web app: 问答 for citizens, 查条款 for hotline staff, 文件 to read whole documents.

``create_app(pipeline)`` builds the Blocks and ``launch(app)`` serves it (smolagents'
split), so tests drive the UI with a small fake pipeline. Two API endpoints are public on
purpose — ``/ask`` and ``/search`` — and return JSON-friendly dicts; every UI event is private.

All user and document text is escaped here before it becomes HTML, including Markdown and
LaTeX characters, because the chatbot renders Markdown: a question cannot inject markup.
``import qa.app`` does not import gradio; the functions that need it do.
"""

import inspect
import logging
import os
import threading
import time

from qa.app_render import (
    answer_dict,
    answer_html,
    clause_html,
    document_html,
    documents_rows,
    esc,
    hit_row,
    read_aloud,
    search_dict,
    short_title,
)

AUTO = "自动识别"
ALL = "全部"
LEVEL_CHOICES = (ALL, "全国", "省", "市")
TOPICS = ("贷款", "补贴", "培训", "场地", "灵活就业", "登记办证")
EXAMPLES = (
    "我在浦东开奶茶店能贷多少款？利息谁出？",
    "深圳创业担保贷款能贷多少？",
    "宝妈在肇庆有什么就业支持？",
    "广州和上海的创业培训有什么不同？",
)
# Enough workers that 20 simultaneous questions never wait on the queue; the pipeline's own
# lock serialises the ~100 ms of model work, so more would only add threads.
CONCURRENCY = 16
SEARCH_K = 20
INTERNAL_ERROR = "系统出错，未能完成本次查询，请稍后再试；也可拨打12333人力资源社会保障服务热线咨询。"
CSS = """
.gradio-container, .qa-card, .doc-view { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC",
  "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; }
.qa-answer { margin-bottom: .5em; line-height: 1.6; }
.qa-notice { color: #9a3412; background: #fff7ed; border-radius: 6px; padding: .3em .6em; margin: .3em 0; }
.qa-card { border: 1px solid #d4d4d8; border-left: 4px solid #2563eb; border-radius: 8px;
  padding: .6em .8em; margin: .6em 0; background: #fafafa; color: #18181b; }
.qa-card.related { border-left-color: #a1a1aa; }
.qa-badge { display: inline-block; font-size: .8em; padding: 0 .5em; border-radius: 999px;
  background: #dbeafe; color: #1e3a8a; margin-right: .3em; white-space: nowrap; }
.qa-badge.fallback { background: #fef3c7; color: #92400e; }
.qa-title { font-weight: 600; } .qa-meta { color: #52525b; font-size: .85em; }
.qa-clause { margin: .4em 0; line-height: 1.7; max-height: 16em; overflow-y: auto; }
.qa-clause mark, .doc-view mark { background: #fde68a; color: inherit; padding: 0 1px; }
.doc-view { line-height: 1.8; max-height: 70vh; overflow-y: auto; padding-right: .5em; }
.doc-view .doc-h { color: #1d4ed8; font-size: .85em; margin-top: .8em; }
.doc-view section.target { background: #fef9c3; outline: 2px solid #f59e0b; border-radius: 4px; }
.doc-toc { font-size: .9em; columns: 2 20em; }
.qa-status { padding: .5em .8em; border-radius: 6px; background: #eff6ff; color: #1e3a8a; }
"""
# The chat does not autoscroll to the bottom of a long answer; this puts the newest question
# at the top of the chat instead, so the direct answer is the first thing read.
CHAT_SCROLL_JS = """() => { const rows = document.querySelectorAll('#qa-chat .message-row.user-row');
  const last = rows[rows.length - 1]; const wrap = document.querySelector('#qa-chat .bubble-wrap');
  if (last && wrap) wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8; }"""
SCROLL_JS = """() => { setTimeout(() => { const t = document.querySelector('.doc-view section.target');
  if (t) t.scrollIntoView({block: 'center'}); }, 300); }"""


class LazyPipeline:
    """A pipeline loaded in a background thread, with a Chinese status line meanwhile."""

    def __init__(self, pipeline_or_loader) -> None:
        self.status, self.error = "正在加载模型与索引…", ""
        self._pipeline, self._ready = None, threading.Event()
        if hasattr(pipeline_or_loader, "ask"):
            self._pipeline = pipeline_or_loader
            self._ready.set()
        elif callable(pipeline_or_loader):
            self._loader = pipeline_or_loader
            threading.Thread(target=self._load, name="qa-load", daemon=True).start()
        else:
            raise ValueError(
                f"create_app needs a pipeline or a zero-argument loader, got {pipeline_or_loader!r}"
            )

    def _load(self) -> None:
        try:
            takes_status = "status" in inspect.signature(self._loader).parameters
            self._pipeline = (
                self._loader(status=self._say) if takes_status else self._loader()
            )
            self.status = ""
        except Exception as exc:  # shown on the page instead of a dead server
            self.error = f"加载失败：{exc}"
        finally:
            self._ready.set()

    def _say(self, message: str) -> None:
        self.status = message

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._pipeline is not None

    def get(self, timeout: float = 600.0):
        if not self._ready.wait(timeout):
            raise TimeoutError("系统仍在建立索引，请稍后再试。")
        if self._pipeline is None:
            raise RuntimeError(self.error)
        return self._pipeline


# -- handlers (plain functions over a LazyPipeline; the UI and the API share them) -------
def _region_arg(region: str | None) -> str | None:
    region = (region or "").strip()
    return None if region in ("", AUTO, ALL) else region


def api_ask(
    lazy: LazyPipeline,
    question: str,
    region: str | None = None,
    history: list | None = None,
) -> dict:
    """/ask: the answer with its citations; a bad question gives ok=False and a Chinese error."""
    try:
        p = lazy.get()
        ans = p.ask(
            question, region=_region_arg(region), history=_plain_history(history)
        )
        return answer_dict(p, ans)
    except Exception as exc:  # noqa: BLE001 - a message for the user, the traceback to the log
        return {
            "ok": False,
            "error": _user_error(exc),
            "question": str(question)[:500],
            "citations": [],
            "related": [],
        }


def api_search(
    lazy: LazyPipeline,
    query: str,
    region: str | None = None,
    level: str | None = None,
    doc_id: str | None = None,
    topic: str | None = None,
    k: int = SEARCH_K,
) -> dict:
    """/search: ranked clauses; filters are optional ("" or 全部 = no filter)."""
    none = ("", ALL, None)
    try:
        p = lazy.get()
        result = p.search(
            query,
            region=_region_arg(region),
            k=int(k),
            level=None if level in none else level,
            doc_id=None if doc_id in none else doc_id,
            topic=None if topic in none else topic,
        )
        return search_dict(p, result)
    except Exception as exc:  # noqa: BLE001
        return {
            "ok": False,
            "error": _user_error(exc),
            "query": str(query)[:500],
            "notes": [],
            "hits": [],
        }


def _user_error(exc: Exception) -> str:
    """QueryError and loading messages are for users; anything else is logged, not shown."""
    from qa.retrieve import QueryError

    if isinstance(exc, (QueryError, TimeoutError)) or str(exc).startswith("加载失败"):
        return str(exc)
    logging.getLogger(__name__).exception("request failed")
    return INTERNAL_ERROR


def _plain_history(history) -> list[dict]:
    """Chat history as [{"role", "content": str}], whatever shape (parts lists) it came in."""
    out = []
    for m in history or []:
        content = m.get("content", "") if isinstance(m, dict) else ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if (
            isinstance(m, dict)
            and m.get("role") in ("user", "assistant")
            and isinstance(content, str)
        ):
            out.append({"role": m["role"], "content": content})
    return out


def chat_turn(lazy: LazyPipeline, question: str, region: str, state: dict):
    """Generator for the 问答 tab: show the question at once, then the answer and its cards."""
    state = {"messages": list(state["messages"]), "history": list(state["history"])}
    shown = question.strip() if isinstance(question, str) else ""
    shown = esc(
        shown if len(shown) <= 600 else shown[:600] + "…"
    )  # the full text is not echoed
    state["messages"].append({"role": "user", "content": f"<div>{shown}</div>"})
    yield (
        state["messages"] + [{"role": "assistant", "content": "正在查找相关文件…"}],
        state,
        "",
    )
    try:
        p = lazy.get()
        ans = p.ask(question, region=_region_arg(region), history=state["history"])
        reply = answer_html(p, ans)
        state["history"] += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": ans.text},
        ]
    except Exception as exc:  # noqa: BLE001
        reply = f'<div class="qa-notice">{esc(_user_error(exc))}</div>'
    state["messages"].append({"role": "assistant", "content": reply})
    yield state["messages"], state, ""


def search_table(lazy: LazyPipeline, query, region, level, doc_id, topic):
    """The 查条款 tab: rows for the table, the hits kept for row selection, and notes."""
    t0 = time.perf_counter()
    out = api_search(lazy, query, region, level, doc_id, topic)
    ms = (time.perf_counter() - t0) * 1000
    if not out["ok"]:
        return [], [], f'<div class="qa-notice">{esc(out["error"])}</div>', "", ""
    notes = "".join(f'<div class="qa-notice">{esc(n)}</div>' for n in out["notes"])
    info = f'<div class="qa-meta">共 {len(out["hits"])} 条 · 用时 {ms:.0f} 毫秒 · 点击一行查看全文</div>'
    first = out["hits"][0] if out["hits"] else None
    return (
        [hit_row(h) for h in out["hits"]],
        out["hits"],
        notes + info,
        clause_html(first) if first else "",
        read_aloud(first) if first else "",
    )


# -- the Blocks ---------------------------------------------------------------------------
def create_app(pipeline_or_loader):
    """Build the web app around a pipeline, or a zero-argument callable that loads one.

    With a loader the page opens at once and shows "正在建立索引…" until the pipeline is ready.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    lazy = LazyPipeline(pipeline_or_loader)
    private = {"api_visibility": "private"}
    with gr.Blocks(title="创业政策问答", analytics_enabled=False) as demo:
        gr.Markdown("## 创业政策问答 · 每个回答都引用文件原文并注明发文地区")
        status = gr.HTML(_status_html(lazy), visible=not lazy.ready)
        timer = gr.Timer(1.0, active=not lazy.ready)
        with gr.Tabs() as tabs:
            with gr.Tab("问答", id="qa"):
                chat_ui = _qa_tab(gr, lazy, private)
            with gr.Tab("查条款", id="search"):
                search_ui = _search_tab(gr, lazy, private)
            with gr.Tab("文件", id="docs"):
                docs_ui = _docs_tab(gr, lazy, private)
        choosers = [
            chat_ui["region"],
            search_ui["region"],
            search_ui["doc"],
            docs_ui["doc"],
            docs_ui["table"],
        ]

        def refresh():
            if not lazy.ready:
                return [
                    gr.HTML(_status_html(lazy), visible=True),
                    gr.Timer(active=not lazy.error),
                ] + [gr.skip()] * len(choosers)
            return [gr.HTML(visible=False), gr.Timer(active=False)] + _choices(
                gr, lazy.get()
            )

        quiet = {"show_progress": "hidden", **private}
        timer.tick(refresh, None, [status, timer] + choosers, **quiet)

        def open_from_query(request: gr.Request):
            return _open_from_query(
                gr, lazy, dict(request.query_params) if request else {}
            )

        demo.load(refresh, None, [status, timer] + choosers, **quiet).then(
            open_from_query, None, [tabs, docs_ui["doc"], docs_ui["view"]], **private
        ).then(None, None, None, js=SCROLL_JS, **private)
        _register_api(gr, lazy)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.qa_pipeline = lazy  # for tests and serve()
    return demo


def _register_api(gr, lazy: LazyPipeline) -> None:
    """The two public endpoints; typed signatures give the client its parameter names."""

    def ask(question: str, region: str = "", history: list | None = None) -> dict:
        """Answer a question with verbatim quotes. region: e.g. 上海市 ("" = from the question)."""
        return api_ask(lazy, question, region, history)

    def search(
        query: str,
        region: str = "",
        level: str = "",
        doc_id: str = "",
        topic: str = "",
        k: int = SEARCH_K,
    ) -> dict:
        """Ranked clauses. level: 全国/省/市; topic: 贷款/补贴/培训/场地/灵活就业/登记办证."""
        return api_search(lazy, query, region, level, doc_id, topic, k)

    gr.api(ask, api_name="ask")
    gr.api(search, api_name="search")


def _status_html(lazy: LazyPipeline) -> str:
    text = (
        lazy.error
        or f"{lazy.status}（首次启动需建立索引，约半分钟到一分钟，完成后即可提问）"
    )
    return f'<div class="qa-status">{esc(text)}</div>'


def _region_choices(p) -> list[str]:
    order = {"全国": 0, "省": 1, "市": 2, "区": 3}
    regions = sorted({(order.get(d.level, 9), d.region) for d in p.docs.values()})
    return [r for _, r in regions]


def _doc_choices(p) -> list[tuple[str, str]]:
    return [(f"{d.region} · {short_title(d.title)}", d.id) for d in p.docs.values()]


def _choices(gr, p) -> list:
    regions, docs = _region_choices(p), _doc_choices(p)
    return [
        gr.Dropdown(choices=[AUTO] + regions),
        gr.Dropdown(choices=[ALL] + regions),
        gr.Dropdown(choices=[(ALL, "")] + docs),
        gr.Dropdown(choices=docs),
        gr.Dataframe(value=documents_rows(p)),
    ]


def _open_from_query(gr, lazy: LazyPipeline, params: dict):
    """?doc=ID&at=OFFSET (the cards' 在原文中查看 link) opens the 文件 tab at that clause."""
    doc_id = params.get("doc", "")
    if not doc_id or not lazy.ready or doc_id not in lazy.get().docs:
        return gr.skip(), gr.skip(), gr.skip()
    at = int(params["at"]) if str(params.get("at", "")).isdigit() else None
    return (
        gr.Tabs(selected="docs"),
        gr.Dropdown(value=doc_id),
        document_html(lazy.get(), doc_id, at),
    )


def _qa_tab(gr, lazy: LazyPipeline, private: dict) -> dict:
    ready = lazy.get() if lazy.ready else None
    regions = [AUTO] + (_region_choices(ready) if ready else [])
    chatbot = gr.Chatbot(
        label="对话",
        height=520,
        latex_delimiters=[],
        buttons=["copy"],
        autoscroll=False,
        feedback_options=None,
        elem_id="qa-chat",
        placeholder="请用一句话描述您的情况，例如：我在浦东开奶茶店能贷多少款？",
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            show_label=False,
            placeholder="输入您的问题，按回车提问",
            scale=5,
            max_length=100_000,
            elem_id="qa-question",
        )
        region = gr.Dropdown(
            regions,
            value=AUTO,
            label="地区",
            allow_custom_value=True,
            scale=1,
            min_width=140,
            elem_id="qa-region",
        )
    with gr.Row():
        send = gr.Button("提问", variant="primary", elem_id="qa-send")
        clear = gr.Button("清空对话", elem_id="qa-clear")
    gr.Examples(list(EXAMPLES), inputs=question, label="示例问题")
    gr.Markdown(
        "回答只摘录文件原文；标注“上级文件兜底”的条款来自上级（省或国家）文件。"
    )
    state = gr.State({"messages": [], "history": []})

    def turn(q, r, s):
        yield from chat_turn(lazy, q, r, s)

    for trigger in (question.submit, send.click):
        trigger(
            turn, [question, region, state], [chatbot, state, question], **private
        ).then(None, None, None, js=CHAT_SCROLL_JS, **private)
    clear.click(
        lambda: ([], {"messages": [], "history": []}, ""),
        None,
        [chatbot, state, question],
        **private,
    )
    chatbot.clear(lambda: {"messages": [], "history": []}, None, state, **private)
    return {"region": region}


def _search_tab(gr, lazy: LazyPipeline, private: dict) -> dict:
    ready = lazy.get() if lazy.ready else None
    regions = [ALL] + (_region_choices(ready) if ready else [])
    docs = [(ALL, "")] + (_doc_choices(ready) if ready else [])
    with gr.Row(equal_height=True):
        query = gr.Textbox(
            show_label=False,
            placeholder="关键词或问题，如：创业担保贷款 额度",
            scale=4,
            elem_id="search-query",
        )
        go = gr.Button("检索", variant="primary", scale=1, elem_id="search-go")
    with gr.Row():
        region = gr.Dropdown(
            regions,
            value=ALL,
            label="地区（可输入区县名）",
            allow_custom_value=True,
            elem_id="search-region",
        )
        level = gr.Dropdown(
            list(LEVEL_CHOICES), value=ALL, label="层级", elem_id="search-level"
        )
        doc = gr.Dropdown(docs, value="", label="文件", elem_id="search-doc")
        topic = gr.Dropdown(
            [ALL, *TOPICS], value=ALL, label="主题", elem_id="search-topic"
        )
    notes = gr.HTML()
    table = gr.Dataframe(
        headers=["地区", "文件", "文号", "条款", "责任单位", "得分"],
        interactive=False,
        wrap=True,
        max_height=420,
        column_widths=["9%", "25%", "14%", "26%", "18%", "8%"],
        elem_id="search-table",
    )
    hits = gr.State([])
    with gr.Row():
        detail = gr.HTML(elem_id="search-detail")
        reply = gr.Textbox(
            label="答复口径（可复制朗读）",
            lines=8,
            buttons=["copy"],
            interactive=False,
            elem_id="search-reply",
        )
    inputs = [query, region, level, doc, topic]
    for trigger in (query.submit, go.click):
        trigger(
            lambda *a: search_table(lazy, *a),
            inputs,
            [table, hits, notes, detail, reply],
            **private,
        )

    def pick(hs, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not hs or row is None or row >= len(hs):
            return gr.skip(), gr.skip()
        return clause_html(hs[row]), read_aloud(hs[row])

    table.select(pick, [hits], [detail, reply], **private)
    return {"region": region, "doc": doc}


def _docs_tab(gr, lazy: LazyPipeline, private: dict) -> dict:
    ready = lazy.get() if lazy.ready else None
    table = gr.Dataframe(
        value=documents_rows(ready) if ready else None,
        headers=["标题", "地区", "层级", "文号", "日期", "发文单位"],
        interactive=False,
        wrap=True,
        max_height=300,
        column_widths=["34%", "9%", "7%", "14%", "10%", "26%"],
        label="收录文件（＊ 为整理者据上下文推定的字段）",
        elem_id="docs-table",
    )
    choices = _doc_choices(ready) if ready else []
    doc = gr.Dropdown(choices, value=None, label="查看文件全文", elem_id="docs-doc")
    view = gr.HTML(
        '<div class="qa-meta">选择一个文件查看全文及条款结构。</div>',
        elem_id="docs-view",
    )
    doc.input(lambda d: document_html(lazy.get(), d) if d else "", doc, view, **private)

    def pick(evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        ids = list(lazy.get().docs)
        if row is None or row >= len(ids):
            return gr.skip(), gr.skip()
        return gr.Dropdown(value=ids[row]), document_html(lazy.get(), ids[row])

    table.select(pick, None, [doc, view], **private)
    return {"doc": doc, "table": table, "view": view}


def launch(
    app, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True, **kwargs
) -> str:
    """Serve ``app``; returns the local URL (at once when ``block`` is False)."""
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        css=CSS,
        footer_links=["api"],
        show_error=False,
        quiet=True,
        **kwargs,
    )
    return url


def serve(config, host: str = "127.0.0.1", port: int = 7860) -> None:
    """``qa serve``: open the page at once; the pipeline loads (or builds its index) behind it."""
    from qa.pipeline import Pipeline

    def load(status):
        return Pipeline.load(config, status=status)

    print(f"policy-qa: http://{host}:{port}  (正在加载，页面会显示进度)", flush=True)
    launch(create_app(load), host, port)
