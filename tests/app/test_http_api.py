"""The web API contract over raw HTTP (urllib against a live server on 127.0.0.1).

The server runs the real pipeline over the real corpus with the fake embedder (fast):
what is tested is the HTTP surface — argument defaults, bad input, private events,
uploads, monitoring, body limits, and loading failures.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from bench.soak import call, free_port, not_verbatim, post, sse_result  # noqa: E402
from qa import app  # noqa: E402
from qa.config import Config  # noqa: E402


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from qa.pipeline import Pipeline

    config = Config.of(index_dir=tmp_path_factory.mktemp("index-http"), model="fake")
    return Pipeline.load(config)


@pytest.fixture(scope="module")
def server(pipeline):
    demo = app.create_app(pipeline)
    url = app.launch(demo, port=free_port(), block=False)
    yield url.rstrip("/"), demo
    demo.close()


def _texts(pipeline) -> dict[str, str]:
    return {d: doc.text for d, doc in pipeline.docs.items()}


def test_ask_with_only_the_question(server, pipeline):
    status, out = call(server[0], "ask", ["肇庆创业担保贷款个人最高能贷多少？"])
    assert (
        status == 200
        and out["ok"]
        and out["error"] == ""
        and out["code"] != "bad_input"
    )
    assert out["question"] == "肇庆创业担保贷款个人最高能贷多少？"
    assert out["citations"] or out["related"]
    assert not_verbatim(out, _texts(pipeline)) == 0


def test_search_with_only_the_query(server, pipeline):
    status, out = call(server[0], "search", ["创业担保贷款"])
    assert status == 200 and out["ok"] and out["code"] == "" and out["hits"]
    assert not_verbatim(out, _texts(pipeline)) == 0
    status, out = call(server[0], "search", ["创业担保贷款", "", "", "", "贷款", 3])
    assert out["ok"] and len(out["hits"]) == 3


@pytest.mark.parametrize("bad", ["", "   ", "问" * 600, "😀😀", 123, None])
@pytest.mark.parametrize("endpoint", ["ask", "search"])
def test_bad_input_is_ok_false_with_a_chinese_error(server, endpoint, bad):
    status, out = call(server[0], endpoint, [bad])
    assert status == 200 and out["ok"] is False and out["code"] == "bad_input"
    assert _chinese(out["error"]) and len(json.dumps(out)) < 3000
    assert out.get("citations", []) == [] and out.get("hits", []) == []


def test_no_arguments_at_all_is_bad_input_not_a_traceback(server):
    status, out = call(server[0], "ask", [])
    assert status == 200 and out["ok"] is False and out["code"] == "bad_input"


@pytest.mark.parametrize(
    "args",
    [
        ["创业担保贷款", "", "", "", "", 0],
        ["创业担保贷款", "", "", "", "", "abc"],
        ["创业担保贷款", "", "全" * 1000],
        ["创业担保贷款", "区" * 100_000],
    ],
)
def test_bad_search_filters(server, args):
    status, out = call(server[0], "search", args)
    assert status == 200 and out["ok"] is False and out["code"] == "bad_input"
    assert _chinese(out["error"])


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "user", "content": "长" * 1_000_000}],
        [{"role": "user", "content": "问"}] * 100_000,
        "不是列表",
        [{"role": "robot", "content": "x"}],
    ],
)
def test_huge_or_malformed_history_is_refused_fast(server, history):
    t0 = time.perf_counter()
    status, out = call(server[0], "ask", ["那培训呢？", "", history])
    elapsed = time.perf_counter() - t0
    assert status == 200 and out["ok"] is False and out["code"] == "bad_input"
    assert "对话历史" in out["error"] and elapsed < 3.0, elapsed


def test_huge_histories_do_not_slow_a_normal_question(server):
    history = [{"role": "user", "content": "长" * 1_000_000}]
    with ThreadPoolExecutor(8) as pool:
        jobs = [
            pool.submit(call, server[0], "ask", ["那呢？", "", history])
            for _ in range(8)
        ]
        t0 = time.perf_counter()
        status, out = call(server[0], "ask", ["创业担保贷款能贷多少？"])
        normal = time.perf_counter() - t0
        assert all(j.result()[1]["ok"] is False for j in jobs)
    assert status == 200 and out["ok"] and normal < 5.0, normal


def test_a_follow_up_with_a_short_history_works(server):
    history = [
        {"role": "user", "content": "肇庆创业担保贷款能贷多少？"},
        {"role": "assistant", "content": "最高50万元。"},
    ]
    status, out = call(server[0], "ask", ["那培训呢？", "", history])
    assert status == 200 and out["ok"], out


def test_private_events_are_not_reachable(server):
    base, demo = server
    names = {fn.api_name for fn in demo.fns.values()} - {"ask", "search"}
    assert {"turn", "rate"} <= names  # the chat and the 👍/👎 handler among them
    for name in sorted(names):
        status, out = call(base, name, [])
        assert status == 404 and out is None, name
        assert post(f"{base}/gradio_api/call/v2/{name}", b"{}")[0] == 404, name
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{base}/gradio_api/call/turn/some-event-id")
    assert err.value.code == 404


def test_only_ask_and_search_are_documented(server):
    with urllib.request.urlopen(f"{server[0]}/gradio_api/info") as r:
        info = json.loads(r.read())
    assert sorted(info["named_endpoints"]) == ["/ask", "/search"]


def test_uploads_are_refused(server):
    boundary = "qa-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="x.html"\r\nContent-Type: text/html\r\n\r\n<script>1</script>\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    req = urllib.request.Request(
        f"{server[0]}/gradio_api/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code == 404


@pytest.mark.parametrize("path", ["/monitoring", "/monitoring/summary"])
def test_monitoring_is_off(server, path):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server[0] + path)
    assert err.value.code in (403, 404)


def test_an_oversized_body_is_refused(server):
    body = json.dumps({"data": ["x" * (9 * 1024 * 1024)]}).encode()
    try:
        status, _ = post(f"{server[0]}/gradio_api/call/ask", body)
    except OSError:  # the server may close the connection while the body is sent
        status = 413
    assert status == 413
    assert call(server[0], "ask", ["创业担保贷款"])[1]["ok"]  # and it keeps serving


def test_the_page_still_loads(server):
    with urllib.request.urlopen(server[0] + "/") as r:
        assert r.status == 200 and "创业政策问答" in r.read().decode()


# -- loading failures ------------------------------------------------------------------------
def test_a_failed_load_hides_paths_and_is_retried(pipeline, caplog):
    broken, attempts = [True], []

    def loader():
        attempts.append(1)
        if broken[0]:
            raise FileNotFoundError("/srv/secret/index/current/manifest.json 不存在")
        return pipeline

    demo = app.create_app(loader)
    url = app.launch(demo, port=free_port(), block=False).rstrip("/")
    try:
        with pytest.raises(RuntimeError):
            demo.qa_pipeline.get(timeout=10)
        status, out = call(url, "ask", ["创业担保贷款能贷多少？"])
        assert status == 200 and out["ok"] is False and out["code"] == "unavailable"
        assert "/srv" not in json.dumps(out) and "manifest" not in out["error"]
        assert "/srv" not in demo.qa_pipeline.error  # the page's banner
        assert (
            _chinese(out["error"]) and "/srv/secret" in caplog.text
        )  # for the operator
        tried = len(attempts)
        broken[0] = False
        status, out = call(url, "ask", ["创业担保贷款能贷多少？"])
        assert out["ok"] and len(attempts) == tried + 1  # retried on this request
        assert call(url, "search", ["贷款"])[1]["ok"] and len(attempts) == tried + 1
    finally:
        demo.close()


def test_named_arguments_over_call_v2(server):
    body = json.dumps({"question": "创业担保贷款能贷多少？"}).encode()
    status, reply = post(f"{server[0]}/gradio_api/call/v2/ask", body)
    event_id = json.loads(reply)["event_id"]
    with urllib.request.urlopen(f"{server[0]}/gradio_api/call/ask/{event_id}") as r:
        out = sse_result(r.read().decode())
    assert status == 200 and out["ok"] and out["question"] == "创业担保贷款能贷多少？"
