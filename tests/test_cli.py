import json

import pytest

from qa.cli import main


@pytest.fixture
def cli_env(real_pipeline, monkeypatch):
    """Point the CLI at the session's already built index."""
    monkeypatch.setenv("QA_INDEX_DIR", str(real_pipeline.config.index_dir))


def test_ask_json(cli_env, capsys):
    assert main(["ask", "孵化基地最高奖补多少？", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answered"] and out["citations"][0]["region"] == "辽宁省"
    assert set(out["citations"][0]) >= {
        "doc_id",
        "title",
        "region",
        "doc_number",
        "clause",
        "quote",
        "start",
        "end",
        "score",
    }


def test_ask_batch_jsonl(cli_env, tmp_path, capsys):
    f = tmp_path / "q.jsonl"
    f.write_text(
        '{"id": "a", "question": "深圳能不能全程线上办创业担保贷款？"}\n'
        '{"id": "b", "question": "个税起征点是多少？"}\n'
        "not json\n"
        '{"id": "c", "question": "零工", "region": "端州区"}\n',
        encoding="utf-8",
    )
    assert main(["ask", "--jsonl", str(f)]) == 1  # one bad line
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", 3, "c"]
    assert lines[0]["answered"] and lines[0]["citations"][0]["region"] == "全国"
    assert lines[1]["answered"] is False
    assert lines[2]["code"] == "bad_input" and "第 3 行" in lines[2]["error"]
    assert all("latency_ms" in x for x in (lines[0], lines[1], lines[3]))


def test_search_text_and_json(cli_env, capsys):
    assert main(["search", "零工市场", "--region", "端州", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "端州区没有收录本地文件" in out and "肇庆市" in out and "责任单位" in out
    assert main(["search", "妈妈岗", "--json", "-k", "1"]) == 0
    hit = json.loads(capsys.readouterr().out)["hits"][0]
    assert hit["region"] == "肇庆市" and "妈妈岗" in hit["text"]


def test_bad_input_is_one_clear_line(cli_env, capsys):
    assert main(["search", "   "]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Traceback" not in err
    assert main(["ask"]) == 2
    assert main(["search", "创业", "--region", "火星"]) == 2
    assert "未知地区" in capsys.readouterr().err


def test_ask_batch_end_to_end_bytes_history_and_summary(cli_env, tmp_path, capsys):
    first = "深圳能不能全程线上办创业担保贷款？"
    history = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": "能。"},
    ]
    f = tmp_path / "q.jsonl"
    f.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps({"id": "a", "question": first}, ensure_ascii=False).encode()
        + b"\r\n"
        + b'{"id": "b", "question": "\xb4\xb4\xd2\xb5"}\r\n'  # GBK, not UTF-8
        + json.dumps(
            {"id": "c", "question": "那上海呢？", "history": history},
            ensure_ascii=False,
        ).encode()
        + b"\n"
    )
    assert main(["ask", "--jsonl", str(f)]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert [(x["id"], x["ok"]) for x in lines] == [
        ("a", True),
        ("b", False),
        ("c", True),
    ]
    assert lines[0]["answered"] and lines[0]["citations"][0]["region"] == "全国"
    assert "第 2 行" in lines[1]["error"] and "UTF-8" in lines[1]["error"]
    assert lines[2]["answered"] and lines[2]["citations"][0]["region"] == "上海市"
    assert "共 3 行" in captured.err and "无效 1" in captured.err


def test_terminal_shows_each_notice_once_and_skips_the_region_note_it_opens_with():
    from qa.cli import format_answer
    from qa.types import Answer

    ans = Answer(
        "q",
        "四会市没有收录本地文件；肇庆市文件规定：「x」",
        True,
        region="四会市",
        notice="四会市属肇庆市，适用肇庆市文件 所引全国文件的目标期限为2024年底，已届满。",
        headline="答：肇庆市文件规定，x",
    )
    lines = format_answer(ans).splitlines()
    assert lines[0] == "答：肇庆市文件规定，x"
    assert lines[1] == "〔所引全国文件的目标期限为2024年底，已届满。〕"
    assert not any("四会市属" in line for line in lines)
