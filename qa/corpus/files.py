"""Reading corpus data files with errors that name the file, the line and the field.

Every loader of ``corpus/`` reads through here, so a file that is missing, not UTF-8 or
not valid TOML is reported the same way (in Chinese, with the file's path and line), and
a file's problems are collected and raised together instead of one per run.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qa.errors import QaError

MAX_PROBLEMS = (
    20  # more than this in one file: the first ones are reported, then a count
)
_TOML_AT = re.compile(
    r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$"
)


def read_utf8(path: Path, *, error: type[QaError]) -> str:
    """The file's text, byte for byte (UTF-8, no newline translation).

    Raises:
        error: the file is missing or not UTF-8 (the message names the file and line).
    """
    if not path.is_file():
        raise error(f"{path}: 找不到文件")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path} 第 {line} 行: 文件不是 UTF-8 编码（第 {exc.start} 字节 "
            f"0x{raw[exc.start]:02x} 无法解码），请另存为 UTF-8"
        ) from exc


def read_toml(path: Path, *, error: type[QaError]) -> dict[str, Any]:
    """Parse a UTF-8 TOML file; syntax errors name the file, the line and the column."""
    text = read_utf8(path, error=error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.match(str(exc))
        if found is None:
            raise error(f"{path}: TOML 语法错误: {exc}") from exc
        raise error(
            f"{path} 第 {found['line']} 行第 {found['col']} 列: "
            f"TOML 语法错误: {found['msg']}"
        ) from exc


def close_matches(word: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """The known names nearest to ``word`` (typos, a missing or extra character)."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.5)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``，是否应为 'x'？`` for the nearest known name, or ``""`` when none is near."""
    near = close_matches(word, choices, n=1)
    return f"，是否应为 '{near[0]}'？" if near else ""


def unknown_keys(
    table: dict[str, Any], allowed: Iterable[str], *, where: str
) -> list[str]:
    """One problem per key of ``table`` not in ``allowed``, each with the nearest known key."""
    allowed = tuple(allowed)
    return [
        f"{where}: 未知字段 '{key}'{did_you_mean(key, allowed)}"
        f"（可用字段: {', '.join(allowed)}）"
        for key in table
        if key not in allowed
    ]


def raise_problems(
    problems: list[str], *, path: Path | str, error: type[QaError]
) -> None:
    """Raise every collected problem of one file at once; nothing when there are none."""
    if not problems:
        return
    if len(problems) == 1:
        raise error(problems[0])
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    lines = [f"{path}: 共 {len(problems)} 处错误:", *(f"  - {p}" for p in shown)]
    if more:
        lines.append(f"  ……另有 {more} 处错误未列出")
    raise error("\n".join(lines))
