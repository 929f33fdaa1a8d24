"""LLM phrasing against a fake OpenAI-compatible server: grounding, deadline, cap, one call.

The real ``make_chat_model`` (langchain_openai ChatOpenAI) talks HTTP to a stdlib server
on 127.0.0.1; the pipeline uses the fake embedder over the real corpus (fast).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qa.config import Config, LLMSettings
from qa.llm import make_chat_model
from qa.pipeline import Pipeline

LOAN_Q = "肇庆创业担保贷款最高能贷多少？"
# Verbatim from the Zhaoqing clause the grounded answer of LOAN_Q cites.
REAL = "符合条件的创业者可申请最高50万元个人贷款"


class FakeLLMServer:
    """POST /v1/chat/completions → a chat.completion with ``reply``; counts calls."""

    def __init__(self) -> None:
        self.reply = ""
        self.trickle_s = 0.0  # > 0: send the body one byte at a time, this far apart
        self.calls = 0
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.calls += 1
                server.requests.append(json.loads(body or b"{}"))
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                data = json.dumps(server.completion(), ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    if server.trickle_s:
                        for i in range(len(data)):
                            self.wfile.write(data[i : i + 1])
                            self.wfile.flush()
                            time.sleep(server.trickle_s)
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def completion(self) -> dict:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def settings(self, **kw) -> LLMSettings:
        return LLMSettings(
            base_url=f"http://127.0.0.1:{self.port}/v1", model="fake-model", **kw
        )


@pytest.fixture()
def server():
    s = FakeLLMServer()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture(scope="module")
def fake_pipeline(tmp_path_factory):
    config = Config.of(model="fake", index_dir=tmp_path_factory.mktemp("index-fake"))
    return Pipeline.load(config)


def _with_llm(pipeline: Pipeline, settings: LLMSettings) -> Pipeline:
    """The same parts, with the real chat model against the fake server."""
    config = replace(pipeline.config, llm=settings)
    return Pipeline(
        config,
        list(pipeline.docs.values()),
        pipeline.retriever,
        pipeline.composer,
        llm=make_chat_model(settings),
    )


def _ask(pipeline, server, reply, question=LOAN_Q, **kw):
    server.reply = reply
    return _with_llm(pipeline, server.settings(**kw)).ask(question)


def test_valid_reply_is_kept(fake_pipeline, server):
    reply = f"肇庆市个人创业担保贷款最高可申请五十万元。依据：「{REAL}」（肇庆市）。"
    ans = _ask(fake_pipeline, server, reply)
    assert ans.answered and ans.text == reply.strip() and server.calls == 1
    assert "大模型" not in ans.notice
    sent = server.requests[0]  # langchain-openai names max_tokens the new way
    limit = sent.get("max_completion_tokens", sent.get("max_tokens"))
    assert limit == LLMSettings().max_tokens


NATURAL = (
    "根据肇庆市的政策，符合条件的创业者最高可申请50万元个人创业担保贷款，小微企业最高可申请"
    "500万元，并按政策规定给予贴息。\n\n依据：\n1. 肇庆市《肇庆市贯彻落实省“民生十大工程”五年"
    "行动计划就业领域实施方案(2023—2027年)》：「符合条件的创业者可申请最高50万元个人贷款、"
    "小微企业可申请最高500万元小微企业贷款，按政策规定给予贴息。」\n2. 确有需要的，创业担保贷款"
    "可按规定申请展期还款，期限原则上不超过1年。\n\n申请的具体条件文件中没有规定，可向当地人社部门咨询。"
)


def test_natural_reply_with_title_list_and_absence_is_kept(fake_pipeline, server):
    ans = _ask(fake_pipeline, server, NATURAL)
    assert ans.text == NATURAL and "大模型" not in ans.notice


def test_invented_figure_outside_brackets_is_removed(fake_pipeline, server):
    reply = f"可以贷款，最高88888元，利息全免，当天放款。依据：「{REAL}」"
    ans = _ask(fake_pipeline, server, reply)
    assert "88888" not in ans.text and "全免" not in ans.text
    assert f"「{REAL}」" in ans.text and "1 句无法在所引条款中核实" in ans.notice


@pytest.mark.parametrize(
    "quoted", ["“最高可申请88万元”", "『可申请最高60万元个人贷款』"]
)
def test_figure_inside_other_brackets_is_removed(fake_pipeline, server, quoted):
    reply = f"创业者贷款额度为{quoted}。依据：「{REAL}」"
    ans = _ask(fake_pipeline, server, reply)
    assert quoted not in ans.text and f"「{REAL}」" in ans.text
    assert ans.meta["llm_removed_quotes"] == 1


def test_real_fragment_beside_a_contradiction_is_removed(fake_pipeline, server):
    # The clause says 按政策规定给予贴息; "不用贴息" flips it.
    reply = "「最高50万元」个人贷款，不用贴息。"
    ans = _ask(fake_pipeline, server, reply)
    assert "不用贴息" not in ans.text and "没有可核实的原文引用" in ans.notice
    plain = fake_pipeline.ask(LOAN_Q)
    assert ans.text == plain.text  # the grounded answer stands


def test_five_megabyte_reply_is_capped(fake_pipeline, server):
    reply = f"依据：「{REAL}」。" + "很好。" * 1_700_000  # about 5 MB of UTF-8
    t0 = time.monotonic()
    ans = _ask(fake_pipeline, server, reply)
    assert time.monotonic() - t0 < 10
    assert len(ans.text) <= LLMSettings().max_chars and "上限" in ans.notice


def test_long_reply_is_truncated_to_max_chars(fake_pipeline, server):
    reply = f"依据：「{REAL}」。" + "以上为条款原文。" * 200  # 1,600+ characters
    ans = _ask(fake_pipeline, server, reply, max_chars=300)
    assert f"「{REAL}」" in ans.text and len(ans.text) <= 300


def test_trickling_server_hits_the_total_deadline(fake_pipeline, server):
    server.trickle_s = 0.2  # each read returns a byte: per-read timeouts never fire
    t0 = time.monotonic()
    ans = _ask(fake_pipeline, server, f"依据：「{REAL}」。", timeout_s=2.0)
    elapsed = time.monotonic() - t0
    assert elapsed < 2.0 + 2.0, elapsed
    assert "大模型未在 2 秒内回复" in ans.notice
    assert ans.answered and ans.text == fake_pipeline.ask(LOAN_Q).text
    # The abandoned request also ends at its deadline (no lingering worker).
    end = time.monotonic() + 3
    while time.monotonic() < end and any(
        t.name == "qa-llm" for t in threading.enumerate()
    ):
        time.sleep(0.1)
    assert not any(t.name == "qa-llm" for t in threading.enumerate())


def test_multi_part_question_makes_one_call(fake_pipeline, server):
    question = "肇庆创业担保贷款最高能贷多少？利息谁出？孵化基地最高奖补多少？"
    reply = f"依据：「{REAL}」；另有「给予最高500万元奖补」。"
    ans = _ask(fake_pipeline, server, reply, question=question)
    assert ans.parts == 3 and server.calls == 1
    assert ans.text == reply.strip()
    prompt = server.requests[0]["messages"][-1]["content"]
    assert "500万元奖补" in prompt and REAL in prompt  # all parts' clauses, one prompt


def test_cli_ask_returns_within_the_deadline(server, tmp_path):
    server.trickle_s = 0.5
    server.reply = f"依据：「{REAL}」。"
    env = dict(os.environ, PYTHONPATH=os.getcwd(), QA_MODEL="fake")
    env["QA_INDEX_DIR"] = str(tmp_path / "index")
    cmd = [sys.executable, "-m", "qa", "ask", LOAN_Q, "--json"]
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # builds the index
    t0 = time.monotonic()
    plain = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    baseline = time.monotonic() - t0
    env |= {"QA_LLM_BASE_URL": server.settings().base_url, "QA_LLM_MODEL": "m"}
    env["QA_LLM_TIMEOUT_S"] = "3"
    t0 = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    # Without a total deadline the trickling server holds the call for about a minute;
    # the margin absorbs process start-up on a loaded 2-core machine.
    assert time.monotonic() - t0 < baseline + 3 + 10
    answer = json.loads(out.stdout)
    assert "大模型未在 3 秒内回复" in answer["notice"]
    assert answer["answer"] == json.loads(plain.stdout)["answer"]


def test_llm_settings_from_env_and_checked():
    env = {"QA_LLM_MAX_CHARS": "1234", "QA_LLM_MAX_TOKENS": "99"}
    llm = Config.from_env(env).llm
    assert (llm.max_chars, llm.max_tokens) == (1234, 99)
    with pytest.raises(Exception, match="llm_max_chars"):
        LLMSettings(max_chars=0)


def test_real_pipeline_keeps_grounded_and_drops_invented(real_pipeline, server):
    server.reply = (
        f"肇庆市符合条件的创业者最高可贷50万元。依据：「{REAL}」。"
        "另外还可以申请一次性创业资助10万元。"
    )
    ans = _with_llm(real_pipeline, server.settings()).ask(LOAN_Q)
    assert server.calls == 1 and ans.answered
    assert f"「{REAL}」" in ans.text and "一次性创业资助" not in ans.text
    assert "1 句无法在所引条款中核实" in ans.notice
