"""The web app: 问答 for citizens, 查条款 for hotline staff, 文件 to read whole documents.

``create_app(pipeline)`` builds the Blocks and ``launch(app)`` serves it (smolagents'
split), so tests drive the UI with a small fake pipeline. Two API endpoints are public on
purpose — ``/ask`` and ``/search`` — and return JSON-friendly dicts; every UI event is private,
and :class:`qa.app.guard.ApiGuard` makes it unreachable over plain HTTP too (no uploads
either). ``serve`` reloads the pipeline when ``qa index`` builds a new index.

All user and document text is escaped here before it becomes HTML, including Markdown and
LaTeX characters, because the chatbot renders Markdown: a question cannot inject markup.
``import qa.app`` does not import gradio; the functions that need it do.
"""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

import hashlib
import inspect
import json
import os

from qa.app.common import CSS, PAGE_JS, SCROLL_JS, doc_choices, region_choices
from qa.app.docview import document_view
from qa.app.guard import ApiGuard
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
from qa.app.lazy import POLL_S, LazyPipeline, Service
from qa.app.render import documents_rows, esc
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
    "document_view",
    "documents_rows",
    "index_version",
    "launch",
    "reloading",
    "search_table",
    "serve",
]


# Enough workers that 20 simultaneous questions never wait on the queue; the pipeline's own
# lock serialises the ~100 ms of model work, so more would only add threads.
CONCURRENCY = 16


# -- the Blocks ---------------------------------------------------------------------------
def create_app(
    pipeline_or_loader, *, version=None, poll_s: float = POLL_S, reload=None
):
    """Build the web app around a pipeline, or a zero-argument callable that loads one.

    With a loader the page opens at once and shows "正在建立索引…" until the pipeline is ready.
    ``version``/``poll_s``/``reload`` are :class:`LazyPipeline`'s (reload on a new index).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    lazy = LazyPipeline(
        pipeline_or_loader, version=version, poll_s=poll_s, reload=reload
    )
    private = {"api_visibility": "private"}
    with gr.Blocks(title="创业政策问答", analytics_enabled=False) as demo:
        gr.Markdown(
            "# 创业政策问答 · 每个回答都引用文件原文并注明发文地区", elem_id="qa-title"
        )
        status = gr.HTML(
            _status_html(lazy), visible=not lazy.ready, elem_id="qa-status-bar"
        )
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
        demo.qa_public = _register_api(gr, lazy)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.qa_pipeline = lazy  # for tests and serve()
    return demo


def _wire_loading(gr, lazy, demo, status, timer, choosers, tabs, docs_ui, private):
    """Status banner and choices while the pipeline loads; deep links once it has."""

    def refresh():
        if lazy.error:  # a failed load: a page (re)load tries again
            lazy.retry()
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


def _register_api(gr, lazy: LazyPipeline) -> dict:
    """The two public endpoints; typed signatures give the client its parameter names.

    Returns each endpoint's argument defaults (for :class:`ApiGuard`).
    """

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
    return {"ask": _defaults(ask), "search": _defaults(search)}


def _defaults(fn) -> list:
    """Each parameter's default; "" for a required one (then refused as empty input)."""
    empty = inspect.Parameter.empty
    return [
        "" if p.default is empty else p.default
        for p in inspect.signature(fn).parameters.values()
    ]


def _status_html(lazy: LazyPipeline) -> str:
    text = (
        lazy.error
        or f"{lazy.status}（首次启动需建立索引，约半分钟到一分钟，完成后即可提问）"
    )
    bar = "" if lazy.error else '<div class="qa-progress"></div>'
    return f'<div class="qa-status" role="status">{esc(text)}{bar}</div>'


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
        document_view(lazy.get(), doc_id, at),
    )


def launch(
    app, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True, **kwargs
) -> str:
    """Serve ``app``; returns the local URL (at once when ``block`` is False).

    Monitoring is off, and :class:`ApiGuard` wraps Gradio's routes (no private events or
    uploads over HTTP; optional arguments optional).
    """
    from starlette.middleware import Middleware

    from qa.app.locale import ChinesePage

    guard = Middleware(ApiGuard, public=app.qa_public)
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        css=CSS,
        # No footer: the API page is for developers (docs/API.md documents /ask, /search).
        footer_links=[],
        js=PAGE_JS,
        show_error=False,
        quiet=True,
        enable_monitoring=False,
        app_kwargs={"middleware": [guard, Middleware(ChinesePage)]},
        **kwargs,
    )
    return url


def serve(config, host: str = "127.0.0.1", port: int = 7860) -> None:
    """``qa serve``: open the page at once; the pipeline loads (or builds its index) behind it.

    When ``qa index`` builds a new index while it runs, the server reloads it.
    """
    print(f"policy-qa: http://{host}:{port}  (正在加载，页面会显示进度)", flush=True)
    launch(create_app(**reloading(config)), host, port)


def reloading(config, *, poll_s: float = POLL_S) -> dict:
    """``create_app`` arguments that load ``config``'s pipeline and reload a new index.

    A reload reuses the loaded embedder and never builds: an index that does not match
    the corpus on disk is refused (logged) and the old one keeps serving.
    """
    from qa.pipeline import Pipeline

    loaded: dict = {}

    def load(status):
        p = Pipeline.load(config, status=status, embedder=loaded.get("embedder"))
        loaded["embedder"] = p.retriever.embedder
        return p

    def reload():
        strict = config.with_(on_stale="fail")
        return Pipeline.load(strict, embedder=loaded.get("embedder"))

    return {
        "pipeline_or_loader": load,
        "version": lambda: index_version(config.index_dir),
        "reload": reload,
        "poll_s": poll_s,
    }


def index_version(index_dir) -> str | None:
    """A fingerprint of the current index build (its manifest), None when there is none."""
    from qa.index import read_manifest

    manifest = read_manifest(index_dir)
    if manifest is None:
        return None
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
