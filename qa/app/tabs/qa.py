"""The 问答 tab: conversations kept in the browser, region chip, starters, suggestions,
👍/👎 with a reason, and compact citation cards with a plain-text 复制."""

# No `from __future__ import annotations` here: Gradio reads the annotations of event
# handlers (gr.Request, gr.SelectData) at run time to decide what to inject.

from qa.app import conversations as convs
from qa.app.common import region_choices, static
from qa.app.handlers import AUTO, chat_turn
from qa.app.lazy import LazyPipeline
from qa.app.render import esc
from qa.feedback import REASONS

# One-click starters: each is answered from the corpus (tests/app/test_app.py checks it
# on the real pipeline).
EXAMPLES = (
    "宝妈在肇庆有什么就业支持？",
    "广州和上海的创业培训有什么不同？",
    "番禺区大学生创业有什么补贴？",
    "国家对返乡入乡创业有什么支持？",
)
N_SUGGESTIONS = 3
COPY_JS = static("chat_copy.js")
STORAGE_KEY = "policy-qa-conversations"


def build(gr, lazy: LazyPipeline, private: dict) -> dict:
    """The tab's components and events; returns the dropdowns the app refreshes."""
    ui = _components(gr, lazy)
    browser = gr.BrowserState(convs.empty_store(), storage_key=STORAGE_KEY)
    outputs = [ui["chat"], browser, ui["question"], ui["error"], ui["history"]]
    outputs += ui["suggest"]

    def turn(q, r, store):
        yield from _turn(gr, lazy, q, r, store)

    # Puts the newest question at the top of the page and makes 复制回答 copy plain text.
    after = {"fn": None, "js": COPY_JS, **private}
    for trigger, source in (
        (ui["question"].submit, ui["question"]),
        (ui["send"].click, ui["question"]),
        *((b.click, b) for b in ui["suggest"] + ui["starters"]),
    ):
        trigger(turn, [source, ui["region"], browser], outputs, **private).then(**after)
    _wire_conversations(gr, ui, browser, private)
    _wire_region(gr, ui, private)

    def rate(store, data: gr.LikeData):
        convs.rate(convs.feedback_store(lazy), store, data.value, data.liked)

    ui["chat"].like(rate, [browser], None, **private)
    return {"region": ui["region"]}


def _turn(gr, lazy, question, region, store):
    """Refuse bad input in place (text kept); else ask, then save and suggest."""
    error = convs.input_error(question)
    hidden = [gr.Button(visible=False)] * N_SUGGESTIONS
    if error:
        notice = f'<div class="qa-notice" role="alert">{esc(error)}</div>'
        yield gr.skip(), gr.skip(), gr.skip(), notice, gr.skip(), *hidden
        return
    conv = convs.current(store)
    for messages, state, _ in chat_turn(
        lazy, question, region, conv, turn=conv["next_turn"]
    ):
        if "answer" not in state:
            yield messages, gr.skip(), "", "", gr.skip(), *hidden
    conv = convs.finish_turn(conv, state, question, region)
    store = convs.put(store, conv)
    ideas = convs.suggestions(lazy.get(), state["answer"]) if lazy.ready else []
    buttons = [
        gr.Button(value=ideas[i], visible=True) if i < len(ideas) else hidden[0]
        for i in range(N_SUGGESTIONS)
    ]
    radio = gr.Radio(choices=convs.choices(store), value=conv["id"])
    yield messages, store, "", "", radio, *buttons


def _wire_conversations(gr, ui, browser, private):
    """新对话, the list of past conversations, and restoring them on a page load."""
    hidden = [gr.Button(visible=False)] * N_SUGGESTIONS
    shown = [ui["chat"], browser, ui["history"], ui["region"], ui["question"]]

    def fresh(store):
        conv = convs.new_conversation()
        radio = gr.Radio(choices=convs.choices(store), value=None)
        return [], {**store, "current": conv["id"]}, radio, AUTO, "", *hidden

    def restore(store):
        conv = convs.current(store)
        radio = gr.Radio(choices=convs.choices(store), value=conv["id"])
        region = conv.get("region", AUTO)
        return conv["messages"], store, radio, region, gr.skip(), *hidden

    def pick(conv_id, store):
        return restore(convs.switch(store, conv_id))

    outs = shown + ui["suggest"]
    ui["new"].click(fresh, [browser], outs, **private)
    ui["chat"].clear(fresh, [browser], outs, **private)  # the chat's own 清空 icon
    ui["history"].input(pick, [ui["history"], browser], outs, **private)
    from gradio.context import Context  # the Blocks being built (its load event)

    Context.root_block.load(restore, [browser], outs, **private).then(
        None, None, None, js=COPY_JS, **private
    )


def _wire_region(gr, ui, private):
    """The chip shows the chosen region; × (a click) clears it."""

    def chip(region):
        text = convs.chip_text(region)
        return gr.Button(value=text or " ", visible=bool(text))

    ui["region"].change(chip, [ui["region"]], [ui["chip"]], **private)
    ui["chip"].click(lambda: AUTO, None, [ui["region"]], **private)


def _components(gr, lazy: LazyPipeline) -> dict:
    ready = lazy.get() if lazy.ready else None
    regions = [AUTO] + (region_choices(ready) if ready else [])
    ui: dict = {}
    with gr.Row(elem_id="qa-bar"):
        ui["new"] = gr.Button("新对话", elem_id="qa-clear", size="sm", scale=0)
        ui["chip"] = gr.Button(
            " ", visible=False, elem_id="qa-chip", size="sm", scale=0
        )
    ui["history"] = gr.Radio([], label="历史对话", elem_id="qa-history", container=True)
    ui["chat"] = gr.Chatbot(
        label="对话",
        elem_id="qa-chat",
        latex_delimiters=[],
        buttons=[],
        height="auto",
        autoscroll=False,
        sanitize_html=False,  # every text is escaped by qa.app.render.esc
        feedback_options=("Like", "Dislike", *REASONS),
        placeholder="请用一句话描述您的情况，例如：宝妈在肇庆有什么就业支持？",
    )
    with gr.Row(equal_height=True):
        ui["question"] = gr.Textbox(
            show_label=False,
            placeholder="输入您的问题，按回车提问",
            scale=5,
            max_length=100_000,
            elem_id="qa-question",
        )
        ui["region"] = gr.Dropdown(
            regions,
            value=AUTO,
            label="地区",
            allow_custom_value=True,
            scale=1,
            min_width=140,
            elem_id="qa-region",
        )
    _prompts(gr, ui)
    return ui


def _prompts(gr, ui: dict) -> None:
    """The input's error line, 提问, the suggestions and the starter questions."""
    ui["error"] = gr.HTML("", elem_id="qa-input-error")
    ui["send"] = gr.Button("提问", variant="primary", elem_id="qa-send")
    with gr.Row(elem_id="qa-suggest", equal_height=False):
        ui["suggest"] = [
            gr.Button(visible=False, size="sm", elem_classes="qa-suggest")
            for _ in range(N_SUGGESTIONS)
        ]
    gr.Markdown("试试这些问题（点击即问）：", elem_classes="qa-meta")
    with gr.Row(elem_id="qa-starters"):
        ui["starters"] = [
            gr.Button(q, size="sm", elem_classes="qa-starter") for q in EXAMPLES
        ]
    gr.Markdown(
        "回答只摘录文件原文；标注“上级文件兜底”的条款来自上级（省或国家）文件。"
    )
