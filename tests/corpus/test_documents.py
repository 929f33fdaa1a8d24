import hashlib
import shutil
import tomllib
from pathlib import Path

import pytest

from qa.corpus import DEFAULT_CORPUS_DIR, CorpusError, corpus_hash, load_corpus

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_every_document_is_the_seed_byte_for_byte(docs):
    meta = tomllib.loads(
        (DEFAULT_CORPUS_DIR / "documents.toml").read_text(encoding="utf-8")
    )
    assert len(meta["document"]) == len(docs) >= 5
    for d in docs:
        raw = (DEFAULT_CORPUS_DIR / d.file).read_bytes()
        assert d.text.encode("utf-8") == raw
        if SEEDS.is_dir():
            assert (
                hashlib.sha256(raw).digest()
                == hashlib.sha256((SEEDS / d.seed).read_bytes()).digest()
            )


def test_metadata_fields(docs_by_id):
    national = docs_by_id["national-2022-81"]
    assert (national.region, national.level, national.parent_region) == (
        "全国",
        "全国",
        "",
    )
    assert national.doc_number == "人社部发〔2022〕81号"
    assert docs_by_id["shanghai-2023-162"].doc_number == "沪人社就〔2023〕162号"
    assert docs_by_id["guangzhou-2023-186"].doc_number == "穗人社函〔2023〕186号"
    assert docs_by_id["guangzhou-2023-186"].parent_region == "广东省"
    liaoning = docs_by_id["liaoning-2023-startup"]
    assert liaoning.doc_number == "" and {"title", "region"} <= set(liaoning.derived)
    assert docs_by_id["zhaoqing-2024-employment"].doc_number == ""
    # A document number, when given, is printed in its own text.
    for d in docs_by_id.values():
        if d.doc_number and "doc_number" not in d.derived:
            assert d.doc_number in d.text


def _write_corpus(tmp_path: Path, replace: tuple[str, str] | None = None) -> Path:
    shutil.copytree(
        DEFAULT_CORPUS_DIR,
        tmp_path / "c",
        ignore=shutil.ignore_patterns("regions.toml"),
    )
    meta = tmp_path / "c" / "documents.toml"
    if replace:
        text = meta.read_text(encoding="utf-8")
        assert replace[0] in text
        meta.write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    return tmp_path / "c"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('level = "全国"', 'level = "国家"', "level"),
        ('date = "2023-06-05"', 'date = "6/5/2023"', "date"),
        ('doc_number = "沪人社就〔2023〕162号"', 'doc_number = "162"', "doc_number"),
        (
            'file = "guangzhou_suirenshehan_2023_186.txt"',
            'file = "missing.txt"',
            "file",
        ),
        (
            'title = "人力资源社会保障部等八部门关于实施重点群体创业推进行动的通知"\n',
            "",
            "title",
        ),
        ('id = "shanghai-2023-162"', 'id = "national-2022-81"', "id"),
        ('parent_region = "广东省"', 'parent_region = ""', "parent_region"),
        ('issuers = ["肇庆市就业工作领导小组办公室"]', 'issuers = "肇庆"', "issuers"),
    ],
)
def test_malformed_metadata_names_the_field(tmp_path, old, new, field):
    corpus = _write_corpus(tmp_path, (old, new))
    with pytest.raises(CorpusError) as err:
        load_corpus(corpus)
    assert f"'{field}'" in str(err.value)
    assert "documents.toml" in str(err.value)


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="documents.toml"):
        load_corpus(tmp_path)
    corpus = _write_corpus(tmp_path)
    (corpus / "documents.toml").write_text("[[document]\nid=", encoding="utf-8")
    with pytest.raises(CorpusError, match="TOML"):
        load_corpus(corpus)


def test_corpus_hash_changes_with_text(tmp_path, docs):
    corpus = _write_corpus(tmp_path)
    assert corpus_hash(load_corpus(corpus)) == corpus_hash(docs)
    f = corpus / docs[0].file
    f.write_bytes(f.read_bytes() + "补充".encode())
    assert corpus_hash(load_corpus(corpus)) != corpus_hash(docs)
