"""Load and validate the policy corpus: ``corpus/documents.toml`` plus the raw text files.

The raw text is kept exactly as published (decoded from UTF-8 with no newline
translation), so every offset computed later points into the file's own characters.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from qa.config import data_dir
from qa.errors import CorpusError
from qa.types import LEVELS, Document

METADATA_FILE = "documents.toml"
DEFAULT_CORPUS_DIR = data_dir("corpus")

_REQUIRED = ("id", "file", "title", "region", "level", "issuers", "date")
_OPTIONAL_STR = ("parent_region", "doc_number", "seed", "notes")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DOC_NUMBER_RE = re.compile(r"^\S+〔\d{4}〕\d+号$")


def read_text(path: Path) -> str:
    """Read a corpus file byte for byte as text (UTF-8, no newline translation)."""
    return path.read_bytes().decode("utf-8")


def load_corpus(corpus_dir: str | Path = DEFAULT_CORPUS_DIR) -> list[Document]:
    """Load every document listed in ``corpus_dir/documents.toml``.

    Raises:
        CorpusError: metadata missing, malformed or inconsistent (message names file and field).
    """
    corpus_dir = Path(corpus_dir)
    meta_path = corpus_dir / METADATA_FILE
    if not meta_path.is_file():
        raise CorpusError(f"{meta_path}: 找不到文档元数据文件 (metadata file missing)")
    try:
        data = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{meta_path}: TOML 格式错误 (invalid TOML): {exc}") from exc
    entries = data.get("document")
    if not isinstance(entries, list) or not entries:
        raise CorpusError(
            f"{meta_path}: 需要至少一个 [[document]] 表 (field 'document')"
        )
    docs: list[Document] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        doc = _parse_entry(
            entry, where=f"{meta_path} [[document]] #{i + 1}", corpus_dir=corpus_dir
        )
        if doc.id in seen:
            raise CorpusError(
                f"{meta_path} [[document]] #{i + 1}: 字段 'id' 重复: {doc.id!r}"
            )
        seen.add(doc.id)
        docs.append(doc)
    return docs


def _parse_entry(entry: object, *, where: str, corpus_dir: Path) -> Document:
    entry, where = _check_entry(entry, where)
    text = _read_document_text(corpus_dir / entry["file"], where)
    return Document(
        id=entry["id"],
        title=entry["title"],
        region=entry["region"],
        level=entry["level"],
        parent_region=entry.get("parent_region", ""),
        issuers=tuple(entry["issuers"]),
        doc_number=entry.get("doc_number", ""),
        date=entry["date"],
        file=entry["file"],
        seed=entry.get("seed", ""),
        text=text,
        derived=tuple(entry.get("derived", [])),
        notes=entry.get("notes", ""),
    )


def _check_entry(entry: object, where: str) -> tuple[dict, str]:
    """Validate one [[document]] table; returns it and its location with the id."""
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: 应为表 (expected a table)")
    for key in _REQUIRED:
        if key not in entry or entry[key] in ("", None, []):
            raise CorpusError(f"{where}: 缺少字段 '{key}' (missing field '{key}')")
    for key in ("id", "file", "title", "region", "level", "date", *_OPTIONAL_STR):
        if key in entry and not isinstance(entry[key], str):
            raise CorpusError(f"{where}: 字段 '{key}' 应为字符串, 实为 {entry[key]!r}")
    where = f"{where} (id={entry['id']!r})"
    _check_values(entry, where)
    return entry, where


def _check_values(entry: dict, where: str) -> None:
    _check(_ID_RE.match(entry["id"]), where, "id", entry["id"], "小写字母、数字和 '-'")
    _check(entry["level"] in LEVELS, where, "level", entry["level"], "/".join(LEVELS))
    _check(
        _DATE_RE.match(entry["date"]),
        where,
        "date",
        entry["date"],
        "YYYY-MM-DD / YYYY-MM / YYYY",
    )
    number = entry.get("doc_number", "")
    _check(
        not number or _DOC_NUMBER_RE.match(number),
        where,
        "doc_number",
        number,
        "如 人社部发〔2022〕81号",
    )
    parent = entry.get("parent_region", "")
    _check(
        bool(parent) == (entry["level"] != "全国"),
        where,
        "parent_region",
        parent,
        "全国文件为空, 其余必须填写上级地区",
    )
    issuers = entry["issuers"]
    _check(
        isinstance(issuers, list) and all(isinstance(s, str) and s for s in issuers),
        where,
        "issuers",
        issuers,
        "非空字符串列表",
    )
    derived = entry.get("derived", [])
    _check(
        isinstance(derived, list) and set(derived) <= set(entry),
        where,
        "derived",
        derived,
        "已有字段名的列表",
    )


def _read_document_text(path: Path, where: str) -> str:
    if not path.is_file():
        raise CorpusError(f"{where}: 字段 'file' 指向的文件不存在: {path}")
    try:
        text = read_text(path)
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{where}: 字段 'file' 的文件不是 UTF-8 文本: {path} ({exc})"
        ) from exc
    if not text.strip():
        raise CorpusError(f"{where}: 字段 'file' 的文件为空: {path}")
    return text


def _check(ok: object, where: str, field: str, value: object, expected: str) -> None:
    if not ok:
        raise CorpusError(
            f"{where}: 字段 '{field}' 的值 {value!r} 无效 (expected {expected})"
        )


def corpus_hash(docs: list[Document]) -> str:
    """A hash of every document's metadata and text: changes whenever the corpus does."""
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.id):
        for part in (
            d.id,
            d.title,
            d.region,
            d.level,
            d.parent_region,
            d.doc_number,
            d.date,
            d.text,
        ):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
    return h.hexdigest()[:16]
