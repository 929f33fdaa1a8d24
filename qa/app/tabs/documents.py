"""The 文件 tab: every document's metadata and its text by clause."""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

from qa.app.common import doc_choices
from qa.app.docview import document_view
from qa.app.lazy import LazyPipeline
from qa.app.render import documents_rows


def build(gr, lazy: LazyPipeline, private: dict) -> dict:
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
    choices = doc_choices(ready) if ready else []
    doc = gr.Dropdown(choices, value=None, label="查看文件全文", elem_id="docs-doc")
    view = gr.HTML(
        '<div class="qa-meta">选择一个文件查看全文及条款结构。</div>',
        elem_id="docs-view",
    )
    doc.input(lambda d: document_view(lazy.get(), d) if d else "", doc, view, **private)

    def pick(evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        ids = list(lazy.get().docs)
        if row is None or row >= len(ids):
            return gr.skip(), gr.skip()
        return gr.Dropdown(value=ids[row]), document_view(lazy.get(), ids[row])

    table.select(pick, None, [doc, view], **private)
    return {"doc": doc, "table": table, "view": view}
