"""Load and validate the policy corpus: ``corpus/documents.toml`` plus the raw text files.

The raw text is kept exactly as published (decoded from UTF-8 with no newline
translation), so every offset computed later points into the file's own characters.
Every problem of ``documents.toml`` is collected and reported together; each names the
file, the entry (``[[document]] #n`` and its id) and the field.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from qa.config import data_dir
from qa.corpus.files import raise_problems, read_toml, unknown_keys
from qa.errors import CorpusError
from qa.types import LEVELS, Document

METADATA_FILE = "documents.toml"
DEFAULT_CORPUS_DIR = data_dir("corpus")

_REQUIRED = ("id", "file", "title", "region", "level", "issuers", "date")
_OPTIONAL_STR = ("parent_region", "doc_number", "valid_until", "seed", "notes")
_FIELDS = (*_REQUIRED, *_OPTIONAL_STR, "derived")
_STRINGS = ("id", "file", "title", "region", "level", "date", *_OPTIONAL_STR)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DOC_NUMBER_RE = re.compile(r"^\S+〔\d{4}〕\d+号$")


def read_text(path: Path) -> str:
    """Read a corpus file byte for byte as text (UTF-8, no newline translation)."""
    return path.read_bytes().decode("utf-8")


def load_corpus(corpus_dir: str | Path = DEFAULT_CORPUS_DIR) -> list[Document]:
    """Load every document listed in ``corpus_dir/documents.toml``.

    Raises:
        CorpusError: metadata missing, malformed or inconsistent; every problem of the
            file at once, each naming the file, the entry and the field.
    """
    corpus_dir = Path(corpus_dir)
    docs, problems = parse_documents(corpus_dir)
    raise_problems(problems, path=corpus_dir / METADATA_FILE, error=CorpusError)
    return docs


def parse_documents(corpus_dir: Path) -> tuple[list[Document], list[str]]:
    """The well-formed documents of ``documents.toml`` and the problems of the rest.

    Raises:
        CorpusError: the file is missing, not UTF-8 or not valid TOML.
    """
    meta_path = corpus_dir / METADATA_FILE
    if not meta_path.is_file():
        raise CorpusError(f"{meta_path}: 找不到文档元数据文件 documents.toml")
    data = read_toml(meta_path, error=CorpusError)
    problems = unknown_keys(data, ("document",), where=f"{meta_path} 顶层")
    entries = data.get("document")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{meta_path}: 需要至少一个 [[document]] 表（字段 'document'）")
        return [], problems
    docs: list[Document] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{meta_path} [[document]] #{number}"
        doc, entry_problems = _parse_entry(entry, where=where, corpus_dir=corpus_dir)
        problems += entry_problems
        if doc is None:
            continue
        if doc.id in seen:
            problems.append(
                f"{where} (id '{doc.id}'): 字段 'id' 重复: '{doc.id}' "
                f"已用于 [[document]] #{seen[doc.id]}"
            )
            continue
        seen[doc.id] = number
        docs.append(doc)
    return docs, problems


def _parse_entry(
    entry: object, *, where: str, corpus_dir: Path
) -> tuple[Document | None, list[str]]:
    """One [[document]] table as a Document, or None and what is wrong with it."""
    if not isinstance(entry, dict):
        return None, [f"{where}: 应为表 [[document]]，实为 {entry!r}"]
    if isinstance(entry.get("id"), str) and entry["id"]:
        where = f"{where} (id '{entry['id']}')"
    problems = _check_entry(entry, where)
    text = ""
    if isinstance(entry.get("file"), str) and entry["file"]:
        text, problem = _read_document_text(corpus_dir / entry["file"], where)
        problems += [problem] if problem else []
    if problems:
        return None, problems
    return _document(entry, text), []


def _document(entry: dict[str, Any], text: str) -> Document:
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
        valid_until=entry.get("valid_until", ""),
    )


def _field(where: str, key: str, message: str) -> str:
    return f"{where}: 字段 '{key}': {message}"


def _check_entry(entry: dict[str, Any], where: str) -> list[str]:
    """Unknown, missing and mistyped fields, then the values of the well-typed ones."""
    problems = unknown_keys(entry, _FIELDS, where=where)
    for key in _REQUIRED:
        if key not in entry or entry[key] in ("", None, []):
            problems.append(_field(where, key, f"缺少必填字段 '{key}'"))
    for key in _STRINGS:
        if key in entry and not isinstance(entry[key], str):
            problems.append(_field(where, key, f"应为字符串，实为 {entry[key]!r}"))
    if problems:
        return problems
    return [p for p in _check_values(entry, where) if p]


def _check_values(entry: dict[str, Any], where: str) -> list[str | None]:
    number = entry.get("doc_number", "")
    parent = entry.get("parent_region", "")
    issuers = entry["issuers"]
    derived = entry.get("derived", [])
    return [
        _check(
            _ID_RE.match(entry["id"]), where, "id", entry["id"], "小写字母、数字和 '-'"
        ),
        _check(
            entry["level"] in LEVELS, where, "level", entry["level"], "/".join(LEVELS)
        ),
        _check(
            _DATE_RE.match(entry["date"]),
            where,
            "date",
            entry["date"],
            "YYYY-MM-DD / YYYY-MM / YYYY",
        ),
        _check_valid_until(entry, where),
        _check(
            not number or _DOC_NUMBER_RE.match(number),
            where,
            "doc_number",
            number,
            "如 人社部发〔2022〕81号",
        ),
        _check(
            bool(parent) == (entry["level"] != "全国"),
            where,
            "parent_region",
            parent,
            "全国文件为空，其余必须填写上级地区",
        ),
        _check(
            isinstance(issuers, list)
            and all(isinstance(s, str) and s for s in issuers),
            where,
            "issuers",
            issuers,
            "非空字符串列表",
        ),
        _check(
            isinstance(derived, list) and set(map(str, derived)) <= set(entry),
            where,
            "derived",
            derived,
            "本条目已有字段名的列表",
        ),
    ]


def _check_valid_until(entry: dict[str, Any], where: str) -> str | None:
    """``valid_until`` (optional): a date like ``date``, not before the issue date."""
    until = entry.get("valid_until", "")
    if not until:
        return None
    if not _DATE_RE.match(until):
        return _check(False, where, "valid_until", until, "YYYY-MM-DD / YYYY-MM / YYYY")
    if _DATE_RE.match(entry["date"]) and until < entry["date"][: len(until)]:
        return _field(
            where, "valid_until", f"有效期至 {until!r} 早于成文日期 {entry['date']!r}"
        )
    return None


def _read_document_text(path: Path, where: str) -> tuple[str, str | None]:
    """The text of a document's file, or "" and why it cannot be used."""
    if not path.is_file():
        return "", _field(where, "file", f"文件不存在: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", _field(
            where,
            "file",
            f"文件不是 UTF-8 文本: {path} 第 {line} 行（第 {exc.start} 字节）",
        )
    if not text.strip():
        return "", _field(where, "file", f"文件为空: {path}")
    return text, None


def _check(
    ok: object, where: str, field: str, value: object, expected: str
) -> str | None:
    if ok:
        return None
    return _field(where, field, f"值 {value!r} 无效（应为 {expected}）")


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
