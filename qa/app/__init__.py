"""The web app: 问答 for citizens, 查条款 for hotline staff, 文件 to read whole documents.

``create_app(pipeline)`` builds the Blocks and ``launch(app)`` serves it (smolagents'
split), so tests drive the UI with a small fake pipeline. Two API endpoints are public on
purpose — ``/ask`` and ``/search`` — and return JSON-friendly dicts; every UI event is private.

All user and document text is escaped here before it becomes HTML, including Markdown and
LaTeX characters, because the chatbot renders Markdown: a question cannot inject markup.
``import qa.app`` does not import gradio; the functions that need it do.
"""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

import os

from qa.app.common import CSS, SCROLL_JS, doc_choices, region_choices
from qa.app.handlers import (
    ALL,
    AUTO,
    INTERNAL_ERROR,
    SEARCH_K,
    api_ask,
    api_search,
    chat_turn,
    search_table,
)
from qa.app.lazy import LazyPipeline, Service
from qa.app.render import document_html, documents_rows, esc
from qa.app.tabs import documents as documents_tab
from qa.app.tabs import qa as qa_tab
from qa.app.tabs import search as search_tab

__all__ = [
    "ALL",
    "AUTO",
    "CONCURRENCY",
    "INTERNAL_ERROR",
    "SEARCH_K",
    "LazyPipeline",
    "Service",
    "api_ask",
    "api_search",
    "chat_turn",
    "create_app",
    "document_html",
    "documents_rows",
    "launch",
    "search_table",
    "serve",
]


# Enough workers that 20 simultaneous questions never wait on the queue; the pipeline's own
# lock serialises the ~100 ms of model work, so more would only add threads.
CONCURRENCY = 16


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
                chat_ui = qa_tab.build(gr, lazy, private)
            with gr.Tab("查条款", id="search"):
                search_ui = search_tab.build(gr, lazy, private)
            with gr.Tab("文件", id="docs"):
                docs_ui = documents_tab.build(gr, lazy, private)
        choosers = [
            chat_ui["region"],
            search_ui["region"],
            search_ui["doc"],
            docs_ui["doc"],
            docs_ui["table"],
        ]

        _wire_loading(gr, lazy, demo, status, timer, choosers, tabs, docs_ui, private)
        _register_api(gr, lazy)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.qa_pipeline = lazy  # for tests and serve()
    return demo


def _wire_loading(gr, lazy, demo, status, timer, choosers, tabs, docs_ui, private):
    """Status banner and choices while the pipeline loads; deep links once it has."""

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

    def open_from_query(request: gr.Request):  # type: ignore[name-defined]
        return _open_from_query(gr, lazy, dict(request.query_params) if request else {})

    demo.load(refresh, None, [status, timer] + choosers, **quiet).then(
        open_from_query, None, [tabs, docs_ui["doc"], docs_ui["view"]], **private
    ).then(None, None, None, js=SCROLL_JS, **private)


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


def _choices(gr, p) -> list:
    regions, docs = region_choices(p), doc_choices(p)
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
