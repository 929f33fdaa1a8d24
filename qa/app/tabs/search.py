"""The 查条款 tab for hotline staff: one search box, filters, a table, the clause."""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

from qa.app.common import doc_choices, region_choices
from qa.app.handlers import ALL, search_table
from qa.app.lazy import LazyPipeline
from qa.app.render import clause_html, read_aloud

LEVEL_CHOICES = (ALL, "全国", "省", "市")


TOPICS = ("贷款", "补贴", "培训", "场地", "灵活就业", "登记办证")


def build(gr, lazy: LazyPipeline, private: dict) -> dict:
    """The tab's components and events; returns the dropdowns the app refreshes."""
    query, go, region, level, doc, topic = _inputs(gr, lazy)
    notes, table, hits, detail, reply = _outputs(gr)
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


def _inputs(gr, lazy: LazyPipeline) -> tuple:
    ready = lazy.get() if lazy.ready else None
    regions = [ALL] + (region_choices(ready) if ready else [])
    docs = [(ALL, "")] + (doc_choices(ready) if ready else [])
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
    return query, go, region, level, doc, topic


def _outputs(gr) -> tuple:
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
    return notes, table, hits, detail, reply
