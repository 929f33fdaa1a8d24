"""The 问答 tab: chat with follow-ups, region chip, examples, citation cards."""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

from qa.app.common import CHAT_SCROLL_JS, region_choices
from qa.app.handlers import AUTO, chat_turn
from qa.app.lazy import LazyPipeline

EXAMPLES = (
    "我在浦东开奶茶店能贷多少款？利息谁出？",
    "深圳创业担保贷款能贷多少？",
    "宝妈在肇庆有什么就业支持？",
    "广州和上海的创业培训有什么不同？",
)


def build(gr, lazy: LazyPipeline, private: dict) -> dict:
    """The tab's components and events; returns the dropdowns the app refreshes."""
    chatbot, question, region, send, clear = _components(gr, lazy)
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


def _components(gr, lazy: LazyPipeline) -> tuple:
    ready = lazy.get() if lazy.ready else None
    regions = [AUTO] + (region_choices(ready) if ready else [])
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
    return chatbot, question, region, send, clear
