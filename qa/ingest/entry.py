"""The ``[[document]]`` entry ``qa add`` proposes: fields, TOML with Chinese labels.

The TOML is what gets appended to ``documents.toml``: one ``key = value`` per field, each
followed by a comment naming the field in Chinese; a required field that could not be
found is written as a comment ``# 字段 = ""  # 标签：未识别，请补充`` so the entry is
visibly incomplete (and not appended).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

LABELS = {
    "id": "文档标识",
    "file": "文本文件",
    "seed": "原始文件",
    "title": "标题",
    "region": "发文地区",
    "level": "层级",
    "parent_region": "上级地区",
    "issuers": "发文机关",
    "doc_number": "文号",
    "date": "成文日期",
    "valid_until": "有效期至",
    "derived": "推定字段",
    "notes": "备注",
}
REQUIRED = ("id", "file", "title", "region", "level", "issuers", "date")
MISSING = "未识别，请补充"


@dataclass(frozen=True)
class Entry:
    """An entry's fields in ``documents.toml`` order and the required ones missing."""

    fields: dict[str, object]
    missing: tuple[str, ...]

    def toml(self) -> str:
        """The entry as a ``[[document]]`` table with Chinese labels (see module doc)."""
        lines = ["[[document]]"]
        for key in LABELS:
            if key in self.fields:
                value = _value(self.fields[key])
                lines.append(f"{key} = {value}  # {LABELS[key]}")
            elif key in self.missing:
                empty = "[]" if key == "issuers" else '""'
                lines.append(f"# {key} = {empty}  # {LABELS[key]}：{MISSING}")
        return "\n".join(lines) + "\n"


def make_entry(fields: dict[str, object]) -> Entry:
    """The entry for ``fields`` (empty values dropped, except the always-present ones)."""
    kept = {
        k: v
        for k, v in fields.items()
        if k in LABELS
        and (v not in ("", (), [], None) or k in ("parent_region", "derived"))
    }
    missing = tuple(k for k in REQUIRED if k not in kept)
    return Entry(fields={k: kept[k] for k in LABELS if k in kept}, missing=missing)


def _value(value: object) -> str:
    """A TOML value: a basic string (JSON escapes are valid TOML) or an array of them."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def slug(name: str) -> str:
    """An id from a file name: lowercase ASCII letters and digits joined by '-'."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return s if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,63}", s) else ""


def append_entry(existing: str, entry: Entry) -> str:
    """``documents.toml``'s text with ``entry`` appended after one blank line."""
    return existing.rstrip("\n") + "\n\n" + entry.toml()
