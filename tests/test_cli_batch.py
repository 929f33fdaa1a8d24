"""The CLI never loses a line, speaks Chinese, and behaves in pipes.

Most tests drive ``qa.cli.main`` in-process over an index built with the fake embedder
(fast); the plumbing tests use a recording stand-in pipeline; the broken-pipe tests run
``python -m qa`` in a subprocess. The real model is exercised in tests/test_cli.py.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import qa.cli
from qa.cli import main
from qa.errors import QueryError
from qa.terminal import clean, dumps
from qa.types import Answer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOOD = '{{"id": {id}, "question": "创业担保贷款最高能贷多少？"}}'


def _strict(line: str) -> dict:
    """Parse one output line as strict JSON (NaN / Infinity are errors)."""

    def reject(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(line, parse_constant=reject)


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory):
    """An index of the real corpus built with the fake embedder (seconds, no model)."""
    d = tmp_path_factory.mktemp("index-fake")
    assert main(["--model", "fake", "--index-dir", str(d), "index"]) == 0
    return d


@pytest.fixture
def qa_fake(fake_index, monkeypatch, capsys):
    """Run the CLI against the fake index; returns (exit status, stdout lines, stderr)."""
    monkeypatch.setenv("QA_MODEL", "fake")
    monkeypatch.setenv("QA_INDEX_DIR", str(fake_index))
    capsys.readouterr()

    def run(*argv):
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out.splitlines(), err

    return run


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), "utf-8"))


class RecordingPipeline:
    """Stands in for Pipeline: records every ask, answers with a fixed text."""

    def __init__(self, text="答复", *, fail_on=None):
        self.calls = []
        self.text, self.fail_on = text, fail_on

    def ask(self, question, *, region=None, history=None):
        self.calls.append((question, region, history))
        if question == self.fail_on:
            raise RuntimeError("boom")
        return Answer(question, self.text, True)


@pytest.fixture
def recording(monkeypatch, capsys):
    """Replace the model/index loading by a RecordingPipeline."""
    pipeline = RecordingPipeline()
    monkeypatch.setattr(qa.cli, "_load", lambda config: pipeline)
    return pipeline


@pytest.fixture
def no_model(monkeypatch):
    """Fail loudly if a command loads the model before it should have stopped."""
    loaded = []
    monkeypatch.setattr(qa.cli, "_load", lambda config: loaded.append(config))
    return loaded


# -- batch mode never loses a line -------------------------------------------------------


def test_invalid_utf8_on_line_301_of_310(qa_fake, tmp_path):
    rows = [GOOD.format(id=i).encode() for i in range(1, 311)]
    rows[300] = '{"id": 301, "question": "创业'.encode() + b"\xff\xfe" + b'"}'
    f = tmp_path / "q.jsonl"
    f.write_bytes(b"\n".join(rows) + b"\n")
    status, out, err = qa_fake("ask", "--jsonl", str(f))
    records = [_strict(x) for x in out]
    assert len(records) == 310
    assert [r["id"] for r in records] == list(range(1, 311))
    bad = records[300]
    assert bad["ok"] is False and bad["code"] == "bad_input" and bad["line"] == 301
    assert "第 301 行" in bad["error"] and "UTF-8" in bad["error"]
    assert all(r["ok"] for i, r in enumerate(records) if i != 300)
    assert status == 1
    assert "共 310 行" in err and "无效 1" in err


def test_invalid_bytes_in_a_question_on_stdin(qa_fake, monkeypatch):
    data = GOOD.format(id=1).encode() + b'\n{"id": 2, "question": "\xe5\x88"}\n'
    _stdin(monkeypatch, data + GOOD.format(id=3).encode() + b"\n")
    status, out, err = qa_fake("ask", "--jsonl", "-")
    records = [_strict(x) for x in out]
    assert [r["id"] for r in records] == [1, 2, 3]
    assert [r["ok"] for r in records] == [True, False, True]
    assert "第 2 行" in records[1]["error"] and status == 1


def test_lone_surrogate_does_not_crash_and_output_is_utf8(qa_fake, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text(
        '{"id": "s\\udc00", "question": "\\ud800创业担保贷款最高能贷多少？"}\n'
        + GOOD.format(id=2)
        + "\n",
        encoding="utf-8",
    )
    status, out, _ = qa_fake("ask", "--jsonl", str(f))
    "\n".join(out).encode("utf-8")  # raises on a lone surrogate
    records = [_strict(x) for x in out]
    assert len(records) == 2 and records[0]["id"] == "s\ufffd"
    assert records[0]["question"].startswith("\ufffd") and status == 0


def test_non_string_region_is_a_bad_line_with_its_id(qa_fake, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text(
        '{"id": "a", "question": "创业贷款", "region": 5}\n'
        '{"id": "b", "question": "创业贷款", "region": ["上海市"]}\n'
        '{"id": "c", "question": "创业贷款", "region": "上海"}\n',
        encoding="utf-8",
    )
    status, out, _ = qa_fake("ask", "--jsonl", str(f))
    records = [_strict(x) for x in out]
    assert [(r["id"], r["ok"]) for r in records] == [
        ("a", False),
        ("b", False),
        ("c", True),
    ]
    assert "第 1 行" in records[0]["error"] and "地区" in records[0]["error"]
    assert "第 2 行" in records[1]["error"] and records[1]["code"] == "bad_input"
    assert status == 1


def test_infinite_id_is_strict_json(qa_fake, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": 1e999, "question": "创业贷款"}\n', encoding="utf-8")
    status, out, _ = qa_fake("ask", "--jsonl", str(f))
    assert "Infinity" not in out[0]
    assert _strict(out[0])["id"] == "1e999" and status == 0


def test_bom_and_crlf_are_accepted(qa_fake, tmp_path):
    f = tmp_path / "q.jsonl"
    rows = [GOOD.format(id=1), "", GOOD.format(id=2)]
    f.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")
    status, out, err = qa_fake("ask", "--jsonl", str(f))
    records = [_strict(x) for x in out]
    assert [(r["id"], r["ok"]) for r in records] == [(1, True), (2, True)]
    assert status == 0 and "共 2 行" in err  # the blank line is skipped


def test_line_without_question_echoes_its_id(recording, capsys, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "q7", "questoin": "拼错了"}\n', encoding="utf-8")
    assert main(["ask", "--jsonl", str(f)]) == 1
    record = _strict(capsys.readouterr().out)
    assert record["id"] == "q7" and record["line"] == 1
    assert "第 1 行" in record["error"] and "question" in record["error"]
    assert record["code"] == "bad_input" and recording.calls == []


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("not json", "JSON"),
        ("NaN", "JSON"),
        ("[1, 2]", "对象"),
        ('"只是文字"', "对象"),
        ('{"question": 5}', "question"),
        ('{"question": null}', "question"),
        ('{"question": "那上海呢", "history": "深圳"}', "对话历史"),
        (
            '{"question": "那上海呢", "history": [{"role": "x", "content": 1}]}',
            "对话历史",
        ),
        ("[" * 100_000, "嵌套太深"),
    ],
    ids=[str(i) for i in range(9)],
)
def test_each_kind_of_bad_line_gets_one_record(recording, capsys, tmp_path, line, what):
    f = tmp_path / "q.jsonl"
    f.write_text(
        f"{GOOD.format(id=1)}\n{line}\n{GOOD.format(id=3)}\n", encoding="utf-8"
    )
    assert main(["ask", "--jsonl", str(f)]) == 1
    records = [_strict(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["ok"] for r in records] == [True, False, True]
    assert records[1]["line"] == 2 and "第 2 行" in records[1]["error"]
    assert what in records[1]["error"] and records[1]["code"] == "bad_input"
    assert len(recording.calls) == 2  # nothing was asked for the bad line


def test_history_is_checked_and_passed_on(recording, capsys, tmp_path):
    history = [
        {"role": "user", "content": "深圳创业担保贷款能贷多少？"},
        {"role": "assistant", "content": "最高 30 万元。"},
    ]
    f = tmp_path / "q.jsonl"
    f.write_text(
        json.dumps({"id": 1, "question": "那上海呢？", "history": history}) + "\n",
        encoding="utf-8",
    )
    assert main(["ask", "--jsonl", str(f)]) == 0
    assert recording.calls == [("那上海呢？", None, history)]
    assert _strict(capsys.readouterr().out)["ok"] is True


def test_too_long_history_is_refused_before_any_work(recording, capsys, tmp_path):
    history = [{"role": "user", "content": "问"}] * 1000
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"question": "那上海呢？", "history": history}) + "\n")
    assert main(["ask", "--jsonl", str(f)]) == 1
    assert "对话历史太长" in _strict(capsys.readouterr().out)["error"]
    assert recording.calls == []


def test_a_failure_on_one_line_does_not_end_the_batch(monkeypatch, capsys, tmp_path):
    pipeline = RecordingPipeline(fail_on="坏问题")
    monkeypatch.setattr(qa.cli, "_load", lambda config: pipeline)
    f = tmp_path / "q.jsonl"
    f.write_text(
        '{"id": 1, "question": "好问题"}\n{"id": 2, "question": "坏问题"}\n'
        '{"id": 3, "question": "好问题"}\n',
        encoding="utf-8",
    )
    assert main(["ask", "--jsonl", str(f)]) == 1
    records = [_strict(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["ok"]) for r in records] == [(1, True), (2, False), (3, True)]
    assert "第 2 行" in records[1]["error"]


def test_rejected_question_names_its_line(qa_fake, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text(GOOD.format(id=1) + '\n{"id": 2, "question": "   "}\n')
    status, out, err = qa_fake("ask", "--jsonl", str(f))
    second = _strict(out[1])
    assert second["ok"] is False and second["code"] == "bad_input"
    assert second["error"].startswith("第 2 行") and second["line"] == 2
    assert status == 1 and "已回答 1" in err and "无效 1" in err


# -- files, pipes, terminals --------------------------------------------------------------


def test_missing_jsonl_file_is_reported_before_the_model_loads(no_model, capsys):
    assert main(["ask", "--jsonl", "/nonexistent/q.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "/nonexistent/q.jsonl" in err
    assert "找不到" in err and "No such file" not in err
    assert no_model == []


def test_directory_as_jsonl_file(no_model, capsys, tmp_path):
    assert main(["ask", "--jsonl", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "不是文件" in err and no_model == []


def _env(index_dir):
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QA_INDEX_DIR": str(index_dir),
        "QA_MODEL": "fake",
    }


@pytest.mark.parametrize("batch", [True, False], ids=["ask-jsonl", "search"])
def test_closed_output_pipe_is_quiet(fake_index, tmp_path, batch):
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(GOOD.format(id=i) for i in range(400)) + "\n")
    # Both print far more than a pipe holds (64 KiB), so writing outlives the reader.
    argv = ["ask", "--jsonl", str(f)] if batch else ["search", "贷款", "-k", "100"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(fake_index),
    )
    first = proc.stdout.readline().decode()
    assert first.strip() and (not batch or _strict(first)["id"] == 0)
    proc.stdout.close()  # the reader goes away, like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "错误" not in err and "Broken pipe" not in err and "Traceback" not in err


@pytest.mark.skipif(shutil.which("head") is None, reason="needs head")
@pytest.mark.parametrize(
    "argv", [["ask", "创业担保贷款最高能贷多少？"], ["search", "贷款"]]
)
def test_head_minus_one(fake_index, tmp_path, argv):
    err_file = tmp_path / "err.txt"
    cmd = (
        f"{sys.executable} -m qa {' '.join(argv)} 2>{err_file} | head -1; "
        "exit ${PIPESTATUS[0]}"
    )
    done = subprocess.run(
        ["bash", "-c", cmd], env=_env(fake_index), capture_output=True, timeout=120
    )
    assert done.returncode in (0, 141)
    assert len(done.stdout.decode().splitlines()) == 1
    err = err_file.read_text()
    assert "错误" not in err and "Broken pipe" not in err and "Traceback" not in err


class _Result:
    def __init__(self, text):
        self.text = text

    def to_dict(self, docs):
        hit = {
            "rank": 1,
            "region": "上海市",
            "region_role": "own",
            "title": "标题\x1b]0;pwned\x07",
            "doc_number": "",
            "clause": "一、",
            "departments": [],
            "score": 1.0,
            "text": self.text,
        }
        return {"notes": [], "hits": [hit]}


class _SearchPipeline(RecordingPipeline):
    docs: dict = {}

    def search(self, query, **kwargs):
        return _Result(self.text)


EVIL = "额度\x1b[2J\x1b[31m红字\x1b[0m\x9b2J\x07\x00\r结束\t制表"


def test_control_characters_never_reach_the_terminal(monkeypatch, capsys):
    pipeline = _SearchPipeline(EVIL)
    monkeypatch.setattr(qa.cli, "_load", lambda config: pipeline)
    assert main(["ask", "问"]) == 0
    out = capsys.readouterr().out
    assert "额度红字结束\t制表" in out
    assert not any(c in out for c in "\x1b\x9b\x07\x00\r")
    assert main(["search", "贷款"]) == 0
    out = capsys.readouterr().out
    assert "红字" in out and "标题" in out and "pwned" not in out
    assert not any(c in out for c in "\x1b\x9b\x07\x00\r")


def test_json_output_keeps_text_exact_but_escaped(monkeypatch, capsys):
    pipeline = _SearchPipeline(EVIL)
    monkeypatch.setattr(qa.cli, "_load", lambda config: pipeline)
    assert main(["ask", "问", "--json"]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x9b\x07\x00\r")
    assert json.loads(out)["answer"] == EVIL


def test_error_messages_are_cleaned(monkeypatch, capsys):
    class Failing(_SearchPipeline):
        def search(self, query, **kwargs):
            raise QueryError(f"未知地区“{query}”")

    monkeypatch.setattr(qa.cli, "_load", lambda config: Failing())
    assert main(["search", "火星\x1b[2J\x9b"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("错误：未知地区“火星")
        and "\x1b" not in err
        and "\x9b" not in err
    )


def test_clean_and_dumps():
    assert (
        clean("a\x1b]8;;http://x\x1b\\b\x1b[1;31mc\x1bMd\x85e\ud800") == "abcde\ufffd"
    )
    assert clean("无终止\x1b]0;的标题") == "无终止0;的标题"  # the text after stays
    assert clean("行一\n\t行二") == "行一\n\t行二"
    text = dumps({"n": float("nan"), "s": "\x85\ud800", "i": float("-inf")})
    assert _strict(text) == {"n": "nan", "s": "\x85\ufffd", "i": "-inf"}
    assert "\x85" not in text


# -- Chinese errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["search"], "缺少必需的参数：query"),
        ([], "缺少必需的参数"),
        (["foo"], "未知命令“foo”"),
        (["search", "贷款", "-k", "abc"], "参数 -k 应为整数"),
        (
            ["search", "贷款", "--level", "县"],
            "参数 --level 的取值“县”无效，可选：全国",
        ),
        (["ask", "问", "--bogus"], "无法识别的参数：--bogus"),
        (["search", "贷款", "--region"], "参数 --region 后面需要一个值"),
    ],
)
def test_argument_errors_are_chinese(no_model, capsys, argv, expected):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"错误：{expected}")
    assert "error:" not in err and "usage:" not in err and no_model == []


def test_help_is_chinese(capsys):
    assert main(["ask", "-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "显示帮助并退出" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["search", "贷款", "--topic", "税收"], ["未知主题“税收”", "贷款", "登记办证"]),
        (
            ["search", "贷款", "--doc", "nope"],
            ["未知文档 id“nope”", "shanghai-2023-162"],
        ),
        (
            ["search", "贷款", "--doc", "shanghai"],
            ["相近的文档 id", "shanghai-2023-162"],
        ),
        (["search", "贷款", "--level", "区"], ["没有“区”级文件", "全国、省、市"]),
    ],
)
def test_unknown_search_filters_say_so(no_model, capsys, argv, expected):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and all(e in err for e in expected)
    assert no_model == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.ENOSPC, "磁盘空间不足"),
        (errno.EROFS, "只读"),
        (errno.EACCES, "没有权限"),
    ],
)
def test_os_errors_are_chinese_and_name_the_path(qa_fake, monkeypatch, code, expected):
    import qa.index

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), "/srv/qa/index/build-1")

    monkeypatch.setattr(qa.index, "build_index", fail)
    status, _, err = qa_fake("index")
    assert status == 2 and err.startswith("错误：") and expected in err
    assert "/srv/qa/index/build-1" in err and os.strerror(code) not in err


def test_port_in_use_is_chinese(monkeypatch, capsys):
    import qa.app

    def gradio_like(*args, **kwargs):  # what gradio raises when it cannot bind
        raise OSError("Cannot find empty port in range: 1-1.")

    monkeypatch.setattr(qa.app, "serve", gradio_like)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"错误：端口 {port} 已被占用") and "Cannot" not in err


def test_index_validates_the_corpus_before_touching_the_index(
    monkeypatch, capsys, tmp_path
):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    meta = corpus / "documents.toml"
    text = meta.read_text(encoding="utf-8")
    assert 'region = "上海市"' in text
    meta.write_text(text.replace('region = "上海市"', 'region = "火星市"', 1), "utf-8")
    index = tmp_path / "index"
    (index / "build-old").mkdir(parents=True)
    (index / "current").symlink_to("build-old")
    monkeypatch.setenv("QA_CORPUS_DIR", str(corpus))
    argv = ["--model", "fake", "--index-dir", str(index), "index", "--rebuild"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "火星市" in err
    assert sorted(p.name for p in index.iterdir()) == ["build-old", "current"]


def test_unwritable_index_dir_fails_before_the_model_loads(
    monkeypatch, capsys, tmp_path
):
    import qa.embedding

    loaded = []
    monkeypatch.setattr(qa.embedding, "load_embedder", lambda *a, **k: loaded.append(a))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    argv = ["--model", "fake", "--index-dir", str(blocker / "index"), "index"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and str(blocker) in err and "不是目录" in err
    assert loaded == []


def test_an_over_long_line_is_one_bad_record(recording, monkeypatch, capsys, tmp_path):
    import qa.cli_batch

    monkeypatch.setattr(qa.cli_batch, "MAX_LINE_BYTES", 100)
    f = tmp_path / "q.jsonl"
    long = json.dumps({"id": 2, "question": "问" * 400}, ensure_ascii=False)
    f.write_text(f"{GOOD.format(id=1)}\n{long}\n{GOOD.format(id=3)}\n", "utf-8")
    assert main(["ask", "--jsonl", str(f)]) == 1
    records = [_strict(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["line"], r["ok"]) for r in records] == [(1, True), (2, False), (3, True)]
    assert "太长" in records[1]["error"] and len(recording.calls) == 2
