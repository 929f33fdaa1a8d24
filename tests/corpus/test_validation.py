"""load_checked validates every corpus file `qa ask` needs, naming file, entry and field.

Each test copies the real corpus, breaks one thing and checks the error.
"""

import shutil
from pathlib import Path

import pytest

from qa.corpus import DEFAULT_CORPUS_DIR, load_checked
from qa.errors import CorpusError, GazetteerError

GZ = "guangzhou-2023-186"
GZ_BLOCK = 'region = "广州市"\nlevel = "市"\nparent_region = "广东省"'


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    shutil.copytree(DEFAULT_CORPUS_DIR, tmp_path / "corpus")
    return tmp_path / "corpus"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(corpus: Path, kind: type[Exception] = CorpusError) -> str:
    with pytest.raises(kind) as info:
        load_checked(corpus)
    return str(info.value)


def test_real_corpus_loads_cleanly() -> None:
    docs, gazetteer, lexicon = load_checked(DEFAULT_CORPUS_DIR)
    assert len(docs) >= 5
    assert all(gazetteer.canonical(d.region) == d.region for d in docs)
    assert lexicon.synonyms and lexicon.topics


def test_unknown_region_names_document_field_and_close_match(corpus: Path) -> None:
    _replace(corpus / "documents.toml", 'region = "广州市"', 'region = "广洲市"')
    message = _error(corpus)
    assert "documents.toml" in message and GZ in message
    assert "字段 'region'" in message
    assert "“广洲市”不在 regions.toml 中" in message
    assert "“广州市”" in message  # the close match is suggested


def test_alias_region_asks_for_the_canonical_name(corpus: Path) -> None:
    _replace(corpus / "documents.toml", 'region = "广州市"', 'region = "广州"')
    message = _error(corpus)
    assert "documents.toml" in message and GZ in message
    assert "字段 'region'" in message
    assert "地区“广州”应写作“广州市”" in message


def test_level_contradicting_the_gazetteer(corpus: Path) -> None:
    _replace(corpus / "documents.toml", GZ_BLOCK, GZ_BLOCK.replace('"市"', '"区"'))
    message = _error(corpus)
    assert "documents.toml" in message and GZ in message
    assert "字段 'level'" in message
    assert "“区”" in message and "“市”" in message


def test_parent_contradicting_the_gazetteer(corpus: Path) -> None:
    _replace(corpus / "documents.toml", GZ_BLOCK, GZ_BLOCK.replace("广东省", "广东"))
    message = _error(corpus)
    assert "documents.toml" in message and GZ in message
    assert "字段 'parent_region'" in message
    assert "应写作“广东省”" in message


def test_typo_field_is_an_error_with_the_known_name(corpus: Path) -> None:
    _replace(
        corpus / "documents.toml",
        'doc_number = "穗人社函〔2023〕186号"',
        'doc_numbr = "穗人社函〔2023〕186号"',
    )
    message = _error(corpus)
    assert "documents.toml" in message and GZ in message
    assert "未知字段 'doc_numbr'" in message
    assert "是否应为 'doc_number'" in message


def test_typo_top_level_table(corpus: Path) -> None:
    meta = corpus / "documents.toml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("[[document]]", "[[documents]]"),
        encoding="utf-8",
    )
    message = _error(corpus)
    assert "documents.toml" in message
    assert "未知字段 'documents'" in message and "是否应为 'document'" in message


def test_documents_toml_not_utf8_names_file_and_line(corpus: Path) -> None:
    meta = corpus / "documents.toml"
    lines = meta.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines, 1) if not line.isascii())
    meta.write_bytes("".join(lines).encode("gbk"))
    message = _error(corpus)
    assert str(meta) in message
    assert "UTF-8" in message and f"第 {first} 行" in message


def test_broken_synonyms_toml_names_file_and_line(corpus: Path) -> None:
    path = corpus / "synonyms.toml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line.startswith('"开店"'))
    _replace(path, '"开店" = ["创业"]', '"开店" ["创业"]')
    message = _error(corpus)
    assert str(path) in message
    assert f"第 {number} 行" in message and "TOML 语法错误" in message


def test_synonyms_shapes_all_reported_with_table_and_key(corpus: Path) -> None:
    path = corpus / "synonyms.toml"
    _replace(path, '"开店" = ["创业"]', '"开店" = "创业"')
    _replace(path, '"借钱" = ["创业担保贷款"]', '"借钱" = [1]')
    _replace(path, "[topics]", "[topic]")
    message = _error(corpus)
    assert str(path) in message and "共 3 处错误" in message
    assert "[expand] 键 '开店'" in message and "[expand] 键 '借钱'" in message
    assert "未知字段 'topic'" in message and "是否应为 'topics'" in message


def test_bad_dictionary_line_names_file_and_line(corpus: Path) -> None:
    path = corpus / "policy_terms.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "创业补贴 很多 n"]) + "\n", encoding="utf-8")
    message = _error(corpus)
    assert str(path) in message and f"第 {len(lines) + 1} 行" in message


def test_broken_regions_toml_names_file_and_line(corpus: Path) -> None:
    path = corpus / "regions.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line == 'name = "北京市"')
    _replace(path, 'name = "北京市"', 'name = "北京市')
    message = _error(corpus, GazetteerError)
    assert str(path) in message
    assert f"第 {number} 行" in message and "TOML 语法错误" in message


def test_regions_toml_not_utf8_and_typo_field(corpus: Path) -> None:
    path = corpus / "regions.toml"
    good = path.read_text(encoding="utf-8")
    path.write_bytes(good.encode("gbk"))
    message = _error(corpus, GazetteerError)
    assert str(path) in message and "UTF-8" in message
    path.write_text(
        good.replace('aliases = ["北京"', 'alias = ["北京"', 1), encoding="utf-8"
    )
    message = _error(corpus, GazetteerError)
    assert "北京市" in message and "field 'alias'" in message
    assert "是否应为 'aliases'" in message


def test_missing_text_files_are_all_reported(corpus: Path) -> None:
    (corpus / "guangzhou_suirenshehan_2023_186.txt").unlink()
    (corpus / "zhaoqing_2024_employment_plan.txt").unlink()
    message = _error(corpus)
    assert "共 2 处错误" in message
    for doc_id, name in (
        (GZ, "guangzhou_suirenshehan_2023_186.txt"),
        ("zhaoqing-2024-employment", "zhaoqing_2024_employment_plan.txt"),
    ):
        assert f"(id '{doc_id}'): 字段 'file': 文件不存在" in message
        assert name in message


def test_duplicate_id_names_both_entries_and_other_errors_too(corpus: Path) -> None:
    meta = corpus / "documents.toml"
    _replace(meta, 'id = "shanghai-2023-162"', 'id = "national-2022-81"')
    _replace(meta, 'date = "2023-04-20"', "date = 2023")
    path = corpus / "zhaoqing_2024_employment_plan.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    message = _error(corpus)
    assert "共 3 处错误" in message
    assert (
        "[[document]] #3 (id 'national-2022-81'): 字段 'id' 重复: "
        "'national-2022-81' 已用于 [[document]] #1"
    ) in message
    assert f"(id '{GZ}'): 字段 'date': 应为字符串" in message
    assert (
        "(id 'zhaoqing-2024-employment'): 字段 'file': 文件不是 UTF-8 文本" in message
    )


def test_problems_of_many_entries_are_reported_together(corpus: Path) -> None:
    meta = corpus / "documents.toml"
    _replace(meta, 'region = "辽宁省"', 'region = "辽宁"')
    _replace(meta, 'region = "肇庆市"', 'region = "肇庆"')
    message = _error(corpus)
    assert "共 2 处错误" in message
    assert "“辽宁”应写作“辽宁省”" in message and "“肇庆”应写作“肇庆市”" in message


def test_many_problems_are_capped_with_a_count(corpus: Path) -> None:
    path = corpus / "synonyms.toml"
    bad = "".join(f'"坏键{i}" = "创业"\n' for i in range(25))
    _replace(path, "[expand]\n", "[expand]\n" + bad)
    message = _error(corpus)
    assert str(path) in message and "共 25 处错误" in message
    assert "[expand] 键 '坏键19'" in message and "坏键20" not in message
    assert "另有 5 处错误未列出" in message
