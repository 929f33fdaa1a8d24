"""``qa add``: each published format end to end on a copy of the corpus, and bad input.

The fixtures (tests/fixtures/add/) are written by hand (HTML) or by
``make_fixtures.py`` (DOCX with python-docx, PDF with its own small writer, TXT with BOM
and CRLF); ``expected.json`` holds each one's metadata, text checks and a question.
Every test works on a temporary copy of corpus/; the real corpus is never written.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from qa.cli import main
from qa.corpus import DEFAULT_CORPUS_DIR, load_checked

FIXTURES = Path(__file__).parent / "fixtures" / "add"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location(
    "make_fixtures", FIXTURES / "make_fixtures.py"
)
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target)
    return target


@pytest.fixture(scope="module")
def added(tmp_path_factory):
    """A corpus copy with all four fixtures added by ``qa add --yes``, and its index."""
    root = tmp_path_factory.mktemp("add")
    corpus = root / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    outputs = {}
    for name in EXPECTED:
        outputs[name] = run(
            ["add", str(FIXTURES / name), "--corpus-dir", str(corpus), "--yes"]
        )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_CORPUS_DIR", str(corpus))
        mp.setenv("QA_INDEX_DIR", str(root / "index"))
        answers = {
            name: run(
                [
                    "--model",
                    "fake",
                    "ask",
                    case["question"],
                    "--region",
                    case["fields"]["region"],
                    "--json",
                ]
            )
            for name, case in EXPECTED.items()
        }
    return corpus, outputs, answers


@pytest.mark.parametrize("name", list(EXPECTED))
def test_add_extracts_saves_and_proposes(added, name):
    corpus, outputs, _ = added
    status, out, _err = outputs[name]
    case = EXPECTED[name]
    assert status == 0, out + _err
    assert "已添加" in out
    entries = tomllib.loads((corpus / "documents.toml").read_text(encoding="utf-8"))
    entry = next(e for e in entries["document"] if e.get("seed") == name)
    for key, value in case["fields"].items():
        assert entry[key] == value, key
    assert entry["file"] == f"{entry['id']}.txt"
    raw = (corpus / entry["file"]).read_bytes()
    text = raw.decode("utf-8")  # saved as UTF-8
    assert text.endswith("\n") and not text.endswith("\n\n")
    for piece in case["in_text"]:
        assert piece in text
    for piece in case["not_in_text"]:
        assert piece not in text
    docs, _, _ = load_checked(corpus)
    doc = next(d for d in docs if d.id == entry["id"])
    assert doc.text == text and doc.valid_until == case["fields"]["valid_until"]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_ask_cites_the_added_document_verbatim(added, name):
    corpus, outputs, answers = added
    status, out, err = answers[name]
    assert status == 0, out + err
    answer = json.loads(out)
    doc_id = EXPECTED[name]["fields"]["id"]
    cites = [
        c for c in answer["citations"] + answer["related"] if c["doc_id"] == doc_id
    ]
    assert cites, answer
    text = (corpus / f"{doc_id}.txt").read_text(encoding="utf-8")
    for c in cites:
        assert c["quote"] == text[c["start"] : c["end"]]
    assert any(EXPECTED[name]["quote_contains"] in c["quote"] for c in cites)


def test_the_real_corpus_is_untouched(added):
    corpus, _, _ = added
    assert corpus != DEFAULT_CORPUS_DIR
    assert "foshan-notice" not in (DEFAULT_CORPUS_DIR / "documents.toml").read_text(
        encoding="utf-8"
    )


def test_dry_run_prints_chinese_labelled_toml_and_writes_nothing(corpus):
    before = snapshot(corpus)
    status, out, _ = run(
        [
            "add",
            str(FIXTURES / "foshan_notice.html"),
            "--corpus-dir",
            str(corpus),
            "--dry-run",
        ]
    )
    assert status == 0
    assert snapshot(corpus) == before
    table = out[out.index("[[document]]") : out.index("（--dry-run")]
    assert tomllib.loads(table)["document"][0]["doc_number"] == "佛人社〔2023〕95号"
    assert "# 标题" in table and "# 有效期至" in table


def bad(corpus: Path, argv: list[str]) -> str:
    before = snapshot(corpus)
    status, out, err = run(["add", *argv, "--corpus-dir", str(corpus), "--yes"])
    assert status == 2, out + err
    assert snapshot(corpus) == before  # nothing written, nothing left behind
    assert err.startswith("错误：") and "Traceback" not in err
    return err


def test_missing_file(corpus, tmp_path):
    assert "文件不存在" in bad(corpus, [str(tmp_path / "无此文件.pdf")])


def test_unsupported_extension(corpus, tmp_path):
    f = tmp_path / "policy.doc"
    f.write_bytes(b"\xd0\xcf\x11\xe0")
    err = bad(corpus, [str(f)])
    assert "不支持的文件类型“.doc”" in err and ".docx" in err


def test_scanned_pdf_without_text(corpus, tmp_path):
    f = tmp_path / "scan.pdf"
    make_fixtures.write_pdf(f, [[], []])
    assert "未能从 scan.pdf 中提取到文字" in bad(corpus, [str(f)])


def test_region_the_gazetteer_does_not_know(corpus):
    err = bad(corpus, [str(FIXTURES / "chengdu_plan.txt"), "--region", "火星市"])
    assert "字段 'region'" in err and "火星市" in err


def test_fields_not_found_are_named_and_nothing_written(corpus, tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("一、补贴标准\n每户补贴1万元。\n", encoding="utf-8")
    status, out, _ = run(["add", str(f), "--corpus-dir", str(corpus), "--dry-run"])
    assert status == 0 and "未识别，请补充" in out and "# issuers = []" in out
    err = bad(corpus, [str(f)])
    assert "'title'" in err and "'issuers'" in err and "'date'" in err


def test_invalid_entry_is_rolled_back(corpus):
    # The proposal is complete, but --valid-until lies before the issue date: the
    # validation `qa index` runs fails after writing, and both writes are undone.
    err = bad(
        corpus, [str(FIXTURES / "chengdu_plan.txt"), "--valid-until", "2020-01-01"]
    )
    assert "字段 'valid_until'" in err


def test_duplicate_id(corpus):
    assert "字段 'id'" in bad(
        corpus, [str(FIXTURES / "chengdu_plan.txt"), "--id", "shanghai-2023-162"]
    )


def test_without_yes_and_no_terminal_nothing_is_written(corpus):
    before = snapshot(corpus)
    status, _out, err = run(
        ["add", str(FIXTURES / "chengdu_plan.txt"), "--corpus-dir", str(corpus)]
    )
    assert status == 2 and "--yes" in err
    assert snapshot(corpus) == before


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("reply,written", [("n", False), ("y", True)])
def test_interactive_prompt(corpus, monkeypatch, reply, written):
    monkeypatch.setattr("sys.stdin", _Tty())
    monkeypatch.setattr("builtins.input", lambda prompt: reply)
    status, out, _ = run(
        ["add", str(FIXTURES / "chengdu_plan.txt"), "--corpus-dir", str(corpus)]
    )
    assert status == 0
    assert (corpus / "chengdu-plan.txt").exists() is written
    assert ("已取消" in out) is not written


def test_command_line_values_win_and_are_not_derived(corpus):
    status, out, _ = run(
        [
            "add",
            str(FIXTURES / "chengdu_plan.txt"),
            "--corpus-dir",
            str(corpus),
            "--yes",
            "--id",
            "chengdu-2024-8",
            "--valid-until",
            "2026-06-30",
            "--region",
            "成都",
        ]
    )
    assert status == 0, out
    entry = tomllib.loads((corpus / "documents.toml").read_text(encoding="utf-8"))[
        "document"
    ][-1]
    assert entry["id"] == "chengdu-2024-8" and entry["region"] == "成都市"
    assert entry["valid_until"] == "2026-06-30" and entry["derived"] == []
    assert "有效期至取自命令行参数" in entry["notes"]


# ---- pure steps -------------------------------------------------------------------


def test_importing_ingest_loads_no_reader_library():
    import subprocess
    import sys

    code = (
        "import sys, qa.cli_add, qa.ingest.extract, qa.ingest.metadata, "
        "qa.ingest.html_reader, qa.ingest.docx_reader, qa.ingest.pdf_reader; "
        "print([m for m in ('trafilatura', 'docx', 'pypdf', 'lxml') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_normalize_keeps_nbsp_and_ideographic_space():
    from qa.ingest.extract import normalize

    raw = "\ufeff标题\r\n\u3000\u3000补助\xa05000元\x0c\r第二行\x00\r\n\r\n"
    assert normalize(raw) == "标题\n\u3000\u3000补助\xa05000元\n第二行\n"
    assert normalize(" \r\n\t") == ""


def test_html_table_rows_and_title():
    import lxml.html

    from qa.ingest.html_reader import page_title, table_rows

    assert table_rows("| 文号： | 佛人社〔2023〕95号 | \n正文 | 不是表格") == (
        "文号：\t佛人社〔2023〕95号\n正文 | 不是表格"
    )
    tree = lxml.html.fromstring(
        "<html><head><title>某通知_通知公告_某局</title></head><body><p>x</p></body></html>"
    )
    assert page_title(tree) == "某通知"


def test_pdf_furniture_and_wrapped_lines():
    from qa.ingest.pdf_reader import drop_furniture, join_wrapped

    pages = [
        ["某市人社局文件", "一、总则", "正文第一页", "- 1 -"],
        ["某市人社局文件", "正文第二页", "第 2 页 共 3 页"],
        ["某市人社局文件", "正文第三页", "3"],
    ]
    assert drop_furniture(pages) == [
        ["一、总则", "正文第一页"],
        ["正文第二页"],
        ["正文第三页"],
    ]
    # A one-page document keeps its first line (no header can be told apart).
    assert drop_furniture([["某市人社局文件", "正文"]]) == [["某市人社局文件", "正文"]]
    lines = [
        "对首次创业的给予一次性创业补贴，补贴标准为每户",  # full, mid-sentence: joined
        "5000元。",
        "二、补贴标准按年度",  # short: a heading, never joined
        "对符合条件的创业者给予场地租金补贴和创业担保贷",
        "（一）个人贷款",  # next line starts a heading: not joined
        "\u3000\u3000缩进的段落开头不与上一行相连，即使上一行很长很",
        "长。",
    ]
    assert join_wrapped(lines) == [
        "对首次创业的给予一次性创业补贴，补贴标准为每户5000元。",
        "二、补贴标准按年度",
        "对符合条件的创业者给予场地租金补贴和创业担保贷",
        "（一）个人贷款",
        "\u3000\u3000缩进的段落开头不与上一行相连，即使上一行很长很长。",
    ]


@pytest.mark.parametrize(
    "text,title,issued,until,derived",
    [
        ("本通知有效期至2025年12月31日。", "", "2023-09-12", "2025-12-31", False),
        (
            "本办法自2024年3月1日起施行，有效期5年。",
            "",
            "2024-02-20",
            "2029-02-28",
            True,
        ),
        ("本办法有效期三年。", "", "2024-01-01", "2026-12-31", True),
        ("正文", "某市实施方案（2023—2027年）", "2023", "2027-12-31", True),
        ("到2024年底，帮扶1万人创业。", "", "2023", "2024-12-31", True),
        ("本通知自印发之日起施行。", "", "2023", "", False),
    ],
)
def test_valid_until(text, title, issued, until, derived):
    from qa.ingest.validity import valid_until

    v = valid_until(text, title=title, issued=issued)
    assert (v.until, v.derived) == (until, derived)
    assert not until or v.evidence in text + title


def test_metadata_fallbacks_are_marked_derived():
    from qa.corpus.gazetteer import Gazetteer
    from qa.ingest.base import Extraction
    from qa.ingest.metadata import propose

    gazetteer = Gazetteer.load(DEFAULT_CORPUS_DIR / "regions.toml")
    text = (
        "广州市人力资源和社会保障局关于做好灵活就业社保补贴工作的通知 发布时间：2024-05-06\n"
        "穗人社发[2024]7号\n正文。\n"
    )
    p = propose(Extraction(text=text, kind="txt"), gazetteer)
    assert (
        p.fields["title"]
        == "广州市人力资源和社会保障局关于做好灵活就业社保补贴工作的通知"
    )
    assert p.fields["doc_number"] == "穗人社发〔2024〕7号"
    assert p.fields["date"] == "2024-05-06"
    assert p.fields["issuers"] == ("广州市人力资源和社会保障局",)
    assert p.fields["region"] == "广州市"
    assert set(p.derived) == {"doc_number", "date", "issuers"}
    national = propose(
        Extraction(text="人力资源社会保障部关于某事的通知\n正文。\n", kind="txt"),
        gazetteer,
    )
    assert national.fields["region"] == "全国" and "region" in national.derived


def test_documents_toml_accepts_and_checks_valid_until(corpus):
    from qa.corpus.documents import parse_documents

    meta = corpus / "documents.toml"
    text = meta.read_text(encoding="utf-8")
    # Shanghai's entry ships with valid_until; the test sets its own values there.
    text = text.replace(
        'date = "2023-06-05"\nvalid_until = "2024-12-31"\n', 'date = "2023-06-05"\n'
    )
    meta.write_text(
        text.replace(
            'date = "2023-06-05"\n', 'date = "2023-06-05"\nvalid_until = "2025"\n'
        ),
        encoding="utf-8",
    )
    docs, problems = parse_documents(corpus)
    assert (
        problems == []
        and {d.id: d.valid_until for d in docs}["shanghai-2023-162"] == "2025"
    )
    meta.write_text(
        text.replace(
            'date = "2023-06-05"\n', 'date = "2023-06-05"\nvalid_until = "明年"\n'
        ),
        encoding="utf-8",
    )
    _docs, problems = parse_documents(corpus)
    assert len(problems) == 1 and "字段 'valid_until'" in problems[0]


def test_numbered_heading_is_not_a_title_and_last_deadline_wins():
    from qa.corpus.gazetteer import Gazetteer
    from qa.ingest.base import Extraction
    from qa.ingest.metadata import propose
    from qa.ingest.validity import valid_until

    gazetteer = Gazetteer.load(DEFAULT_CORPUS_DIR / "regions.toml")
    text = "三、主要措施\n到2024年底完成一半，到2025年底全部完成。\n"
    assert "title" not in propose(Extraction(text=text, kind="txt"), gazetteer).fields
    assert valid_until(text).until == "2025-12-31"


def test_html_without_charset_in_gbk_and_xhtml_declaration(corpus, tmp_path):
    page = (FIXTURES / "foshan_notice.html").read_text(encoding="utf-8")
    no_meta = page.replace('<meta charset="utf-8">\n', "")
    (tmp_path / "gbk.html").write_bytes(no_meta.encode("gbk"))
    xhtml = '<?xml version="1.0" encoding="utf-8"?>\n' + no_meta
    (tmp_path / "x.html").write_bytes(xhtml.encode("utf-8"))
    for name in ("gbk.html", "x.html"):
        status, out, err = run(
            ["add", str(tmp_path / name), "--corpus-dir", str(corpus), "--dry-run"]
        )
        assert status == 0, err
        assert 'doc_number = "佛人社〔2023〕95号"' in out and 'region = "佛山市"' in out


@pytest.mark.parametrize("name", ["broken.pdf", "broken.docx"])
def test_damaged_file(corpus, tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"not really a " + name.encode())
    assert f"无法读取 {name}" in bad(corpus, [str(f)])


def test_closed_terminal_input_means_no(corpus, monkeypatch):
    def eof(prompt):
        raise EOFError

    monkeypatch.setattr("sys.stdin", _Tty())
    monkeypatch.setattr("builtins.input", eof)
    before = snapshot(corpus)
    status, out, _ = run(
        ["add", str(FIXTURES / "chengdu_plan.txt"), "--corpus-dir", str(corpus)]
    )
    assert status == 0 and "已取消" in out and snapshot(corpus) == before


def test_html_title_dropped_by_the_extractor_is_put_back():
    from qa.ingest.html_reader import read_html

    paragraph = "符合条件的创业者可申请创业担保贷款，按规定给予贴息，" * 3
    page = (
        "<html><body><div><h1>某某通知</h1>"
        f"<p>{paragraph}</p><p>{paragraph}。</p>"
        "<p>某市人力资源和社会保障局<br>2023年9月12日</p></div></body></html>"
    )
    e = read_html(page.encode("utf-8"))
    assert e.title == "某某通知" and e.text.startswith("某某通知\n")
    assert e.text.endswith("某市人力资源和社会保障局\n2023年9月12日")


def test_a_text_already_in_the_corpus_is_not_added_twice(corpus, tmp_path):
    copy = tmp_path / "again.txt"
    shutil.copy(corpus / "shanghai_hurenshejiu_2023_162.txt", copy)
    assert "已收录为文档 id 'shanghai-2023-162'" in bad(corpus, [str(copy)])
