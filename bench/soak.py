"""A bounded soak of ``qa serve`` over raw HTTP (loopback only; it stops by itself).

``python -m bench.soak`` starts ``qa serve`` on a free 127.0.0.1 port (or uses ``--url``),
measures the unloaded p95 of ``/ask`` with one client, then runs N clients × M questions
mixed with oversized and malformed requests, and reports:

- ``errors``: well-formed requests that failed (must be 0);
- ``bad_accepted``: malformed requests answered ok or with a 5xx (must be 0);
- ``not_verbatim``: citations whose quote is not ``document.text[start:end]`` (must be 0);
- ``ratio``: p95 of the well-formed requests under load / the unloaded p95 (must be ≤ 3).

The clients pace themselves (exponential think time) so that together they offer
``--utilization`` of the server's measured capacity: a soak checks that a sustainable load
stays correct and fast, not how a saturated queue grows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.util import percentile

QUESTIONS = (
    "我在浦东开奶茶店能贷多少款？利息谁出？",
    "深圳创业担保贷款能贷多少？",
    "宝妈在肇庆有什么就业支持？",
    "广州和上海的创业培训有什么不同？",
    "上海的创业培训补贴有哪些？",
    "广州创业孵化基地有什么支持？",
    "辽宁高校毕业生创业有什么政策？",
    "全国的创业担保贷款政策是什么？",
    "肇庆零工市场建设",
    "返乡入乡创业有什么支持？",
)


# -- raw HTTP (Gradio's /gradio_api/call protocol: POST → event id, GET → SSE) -----------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: bytes, *, timeout: float = 60.0) -> tuple[int, bytes]:
    """POST ``body`` as JSON; (HTTP status, response body), errors included."""
    req = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def call(
    base: str, name: str, data=None, *, raw: bytes | None = None, timeout=60.0
) -> tuple[int, dict | None]:
    """One call of endpoint ``name``: (HTTP status, the returned dict or None).

    ``data`` is the argument list (``{"data": data}``); ``raw`` replaces the whole body.
    """
    base = base.rstrip("/")
    body = raw if raw is not None else json.dumps({"data": data}).encode()
    status, reply = post(f"{base}/gradio_api/call/{name}", body, timeout=timeout)
    if status != 200:
        return status, None
    event_id = json.loads(reply)["event_id"]
    with urllib.request.urlopen(
        f"{base}/gradio_api/call/{name}/{event_id}", timeout=timeout
    ) as r:
        return 200, sse_result(r.read().decode())


def sse_result(stream: str) -> dict | None:
    """The data of the ``complete`` event (None after an ``error`` event)."""
    event = ""
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event == "complete":
            return json.loads(line[5:])[0]
    return None


def not_verbatim(result: dict | None, texts: dict[str, str]) -> int:
    """Citations (or search hits) whose quote is not the document's text[start:end]."""
    if not result:
        return 0
    items = result.get("citations", []) + result.get("related", [])
    pairs = [(c["doc_id"], c["quote"], c["start"], c["end"]) for c in items]
    pairs += [
        (h["doc_id"], h["text"], h["start"], h["end"]) for h in result.get("hits", [])
    ]
    return sum(1 for d, q, s, e in pairs if not q or texts[d][s:e] != q)


# -- the requests of one client ----------------------------------------------------------
BAD_REQUESTS = (
    ("too_long", lambda: {"data": ["问" * 600]}),
    ("emoji", lambda: {"data": ["😀😀😀"]}),
    ("empty", lambda: {"data": [""]}),
    (
        "huge_history",
        lambda: {"data": ["那呢？", "", [{"role": "user", "content": "长" * 300_000}]]},
    ),
    (
        "many_messages",
        lambda: {"data": ["那呢？", "", [{"role": "user", "content": "x"}] * 5000]},
    ),
    ("wrong_types", lambda: {"data": [123, ["地区"], "不是列表"]}),
    ("huge_region", lambda: {"data": ["能贷多少？", "区" * 100_000]}),
)


def _bad(base: str, i: int) -> tuple[str, bool]:
    """Send malformed request ``i``; (kind, handled) — handled = no 5xx and never ok."""
    if i % 9 == 7:
        status, _ = post(f"{base}/gradio_api/call/ask", b'{"data": ["unterminated')
        return "not_json", status < 500
    if i % 9 == 8:
        status, out = call(base, "turn", ["贷款", "", {"messages": [], "history": []}])
        return "private_event", status == 404
    kind, make = BAD_REQUESTS[i % len(BAD_REQUESTS)]
    status, out = call(base, "ask", raw=json.dumps(make()).encode())
    return kind, status < 500 and (out is None or out.get("ok") is False)


def _client(base, n, think_s, texts, seed, stats, lock) -> None:
    rng = random.Random(seed)
    for i in range(n):
        time.sleep(rng.expovariate(1 / think_s) if think_s > 0 else 0)
        q = QUESTIONS[(seed + i) % len(QUESTIONS)]
        t0 = time.perf_counter()
        try:
            status, out = call(base, "ask", [q])
            ok = status == 200 and bool(out) and out["ok"] and out["question"] == q
        except OSError:
            status, out, ok = 0, None, False
        ms = (time.perf_counter() - t0) * 1000
        bad = not_verbatim(out, texts)
        kind, handled = _bad(base, seed * 1000 + i) if i % 3 == 2 else ("", True)
        with lock:
            stats["latencies"].append(ms)
            stats["errors"] += not ok
            stats["not_verbatim"] += bad
            stats["citations"] += len((out or {}).get("citations", []))
            stats["bad_sent"] += bool(kind)
            stats["bad_accepted"] += not handled
            if not handled:
                stats["bad_kinds"].append(kind)


# -- the soak ------------------------------------------------------------------------------
def unloaded(base: str, texts: dict[str, str], *, rounds: int = 2) -> list[float]:
    """Latencies (ms) of every question asked one at a time (after one warm-up pass)."""
    for q in QUESTIONS:
        call(base, "ask", [q])
    out = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t0 = time.perf_counter()
            status, result = call(base, "ask", [q])
            out.append((time.perf_counter() - t0) * 1000)
            if status != 200 or not result or not result["ok"]:
                raise RuntimeError(f"unloaded request failed: {q} → {status} {result}")
    return out


def soak(
    base: str,
    texts: dict[str, str],
    *,
    clients: int = 50,
    questions: int = 20,
    utilization: float = 0.5,
) -> dict:
    """Run the soak against ``base``; the report (see the module docstring)."""
    idle = unloaded(base, texts)
    mean_s = sum(idle) / len(idle) / 1000
    # Aggregate offered rate = utilization / mean service time (the pipeline is serial).
    think_s = max(0.0, clients * mean_s / utilization - mean_s)
    stats = {"latencies": [], "errors": 0, "not_verbatim": 0, "citations": 0}
    stats.update(bad_sent=0, bad_accepted=0, bad_kinds=[])
    lock = threading.Lock()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        jobs = [
            pool.submit(_client, base, questions, think_s, texts, s, stats, lock)
            for s in range(clients)
        ]
        for j in jobs:
            j.result()
    loaded = stats.pop("latencies")
    p95_idle, p95_loaded = percentile(idle, 95), percentile(loaded, 95)
    return {
        **stats,
        "clients": clients,
        "questions_per_client": questions,
        "well_formed": len(loaded),
        "utilization": utilization,
        "think_s": round(think_s, 3),
        "seconds": round(time.perf_counter() - t0, 1),
        "p50_unloaded_ms": round(percentile(idle, 50), 1),
        "p95_unloaded_ms": round(p95_idle, 1),
        "p50_loaded_ms": round(percentile(loaded, 50), 1),
        "p95_loaded_ms": round(p95_loaded, 1),
        "ratio": round(p95_loaded / p95_idle, 2),
    }


def passed(report: dict, *, max_ratio: float = 3.0) -> bool:
    return (
        report["errors"] == 0
        and report["bad_accepted"] == 0
        and report["not_verbatim"] == 0
        and report["ratio"] <= max_ratio
    )


# -- a local `qa serve` -------------------------------------------------------------------
def start_server(port: int, env: dict[str, str], *, timeout: float = 600.0):
    """``qa serve`` on 127.0.0.1:port in a subprocess, once /ask answers (else raises)."""
    cmd = [
        sys.executable,
        "-m",
        "qa",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status, out = call(base, "ask", ["创业担保贷款"], timeout=timeout)
            if status == 200 and out and out["ok"]:
                return proc, base
        except OSError:
            pass
        time.sleep(1.0)
    proc.kill()
    raise RuntimeError(f"qa serve did not start: {proc.stderr.read().decode()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="bounded soak of qa serve (loopback)")
    ap.add_argument("--url", help="a running server (default: start qa serve here)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--utilization", type=float, default=0.5)
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args(argv)
    from qa.config import Config
    from qa.corpus import load_corpus

    config = Config.from_env()
    texts = {d.id: d.text for d in load_corpus(config.corpus_dir)}
    proc = None
    if args.url:
        base = args.url
    else:
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        proc, base = start_server(free_port(), env)
    try:
        report = soak(
            base,
            texts,
            clients=args.clients,
            questions=args.questions,
            utilization=args.utilization,
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return 0 if passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
