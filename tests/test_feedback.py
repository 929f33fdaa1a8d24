"""qa.feedback: the local SQLite store and the gold-set export (qa feedback export)."""

from __future__ import annotations

import json

import pytest

from qa.cli import main
from qa.feedback import REASONS, Feedback, SqliteFeedback, export_lines

GOLD_KEYS = {
    "id",
    "question",
    "type",
    "expected_regions",
    "evidence",
    "key_facts",
    "answerable",
    "fallback",
}
CITE = {
    "doc_id": "gz-2023",
    "region": "广州市",
    "title": "广州市促进创业带动就业的通知",
    "doc_number": "穗人社〔2023〕1号",
    "clause": "二、措施 > （一）创业担保贷款",
    "quote": "个人最高可申请30万元",
}


def _item(**kw) -> Feedback:
    base = dict(
        conversation_id="c1",
        turn=0,
        question="广州创业贷款能贷多少？",
        liked=False,
        answer="广州市文件规定：「个人最高可申请30万元」",
        answered=True,
        region="广州市",
        citations=(CITE,),
        history=({"role": "user", "content": "你好"},),
    )
    return Feedback(**{**base, **kw})


def test_a_record_round_trips_and_the_latest_rating_of_a_turn_wins(tmp_path):
    store = SqliteFeedback(tmp_path / "sub" / "fb.sqlite3")
    assert list(store.all()) == []  # no file yet: nothing, and nothing created
    store.record(_item(liked=True))
    store.record(_item(reason="地区不对"))
    store.record(_item(turn=1, liked=True))
    got = list(store.all())
    assert [(g.turn, g.liked, g.reason) for g in got] == [
        (0, False, "地区不对"),
        (1, True, ""),
    ]
    assert got[0].citations == (CITE,) and got[0].history[0]["content"] == "你好"


def test_unknown_reason_and_missing_ids_are_refused():
    with pytest.raises(ValueError, match="未知的反馈原因"):
        _item(reason="太慢")
    with pytest.raises(ValueError):
        _item(conversation_id="")
    assert "应该回答" in REASONS and "不该回答" in REASONS


def test_export_is_in_the_gold_format_plus_feedback(tmp_path):
    store = SqliteFeedback(tmp_path / "fb.sqlite3")
    store.record(_item(liked=True))
    store.record(_item(conversation_id="c2", reason="应该回答", answered=False))
    store.record(_item(conversation_id="c3", reason="不该回答"))
    good, should, should_not = export_lines(store)
    for line in (good, should, should_not):
        assert GOLD_KEYS <= set(line) and "feedback" in line
    assert good["evidence"] == [{"doc_id": "gz-2023", "text": "个人最高可申请30万元"}]
    assert good["expected_regions"] == ["广州市"] and good["answerable"] is True
    assert should["answerable"] is True and should["evidence"] == []
    assert should_not["answerable"] is False
    assert should["feedback"]["reason"] == "应该回答"
    assert should["feedback"]["citations"] == [CITE]
    assert len({good["id"], should["id"], should_not["id"]}) == 3


def test_qa_feedback_export_writes_jsonl(tmp_path, monkeypatch, capsys):
    path = tmp_path / "fb.sqlite3"
    SqliteFeedback(path).record(_item(reason="引用不对"))
    monkeypatch.setenv("QA_FEEDBACK_PATH", str(path))
    assert main(["feedback", "export", "--jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and lines[0]["feedback"]["reason"] == "引用不对"
    out = tmp_path / "out.jsonl"
    assert main(["feedback", "export", "--jsonl", "--out", str(out)]) == 0
    assert (
        json.loads(out.read_text(encoding="utf-8"))["question"] == lines[0]["question"]
    )


def test_default_feedback_path_is_beside_the_index(tmp_path):
    from qa.config import Config

    config = Config.of(index_dir=tmp_path / "index")
    assert config.feedback_file == tmp_path / "feedback.sqlite3"
    assert (
        Config.from_env({"QA_FEEDBACK_PATH": "/x/f.db"}).feedback_file.as_posix()
        == "/x/f.db"
    )
