"""The 查条款 tab for hotline staff: one search box, filters, results with a sticky clause.

The results are one HTML block (list and detail pane, see :mod:`qa.app.lookup`); opening a
row, ↑/↓, Enter, ``/`` and ``C`` (copy the reply) run in the page (``static/lookup.js``),
so nothing waits on the server after a search. Filters re-run the search on change.
"""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

from qa.app.common import doc_choices, region_choices
from qa.app.handlers import ALL, search_view
from qa.app.lazy import LazyPipeline

LEVEL_CHOICES = (ALL, "全国", "省", "市")


TOPICS = ("贷款", "补贴", "培训", "场地", "灵活就业", "登记办证")


def build(gr, lazy: LazyPipeline, private: dict) -> dict:
    """The tab's components and events; returns the dropdowns the app refreshes."""
    query, go, region, level, doc, topic = _inputs(gr, lazy)
    results = gr.HTML(
        '<div class="lk"><div class="qa-meta">输入关键词或问题，按回车检索。'
        "快捷键：/ 搜索，↑↓ 选择，回车打开，C 复制答复。</div></div>",
        elem_id="search-results",
    )
    inputs = [query, region, level, doc, topic]

    def run(*args):
        return search_view(lazy, *args)

    for trigger in (query.submit, go.click):
        trigger(run, inputs, results, **private)
    for chooser in (region, level, doc, topic):
        chooser.change(run, inputs, results, **private)
    return {"region": region, "doc": doc}


def _inputs(gr, lazy: LazyPipeline) -> tuple:
    ready = lazy.get() if lazy.ready else None
    regions = [ALL] + (region_choices(ready) if ready else [])
    docs = [(ALL, "")] + (doc_choices(ready) if ready else [])
    with gr.Row(equal_height=True, elem_id="search-bar"):
        query = gr.Textbox(
            label="关键词或问题（按 / 聚焦）",
            placeholder="如：创业担保贷款 额度",
            scale=4,
            elem_id="search-query",
        )
        go = gr.Button("检索", variant="primary", scale=1, elem_id="search-go")
    with gr.Row(elem_id="search-filters"):
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
    return query, go, region, level, doc, topic
