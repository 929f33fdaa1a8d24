"""What the CLI writes: terminal-safe text, strict JSON, and Chinese error messages.

Text for a terminal loses escape sequences and other control characters (a question or
a document must not recolour, retitle or clear the user's terminal); JSON is strict
(no ``NaN``/``Infinity``, no lone surrogates, C1 controls escaped). Documents' text is
never changed in JSON output; only the terminal rendering is cleaned.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import sys
from typing import Any

from qa.errors import QaError

# ESC-introduced sequences and their C1 twins: OSC / DCS / SOS / PM / APC strings (ended
# by BEL, ESC \ or ST), CSI (ESC [ … final byte), and two-character escapes.
# A string sequence without its terminator loses only its introducer (not the text).
_ESCAPES = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b\x9c]{0,1024}(?:\x07|\x1b\\|\x9c)"
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x1b\x9c]{0,1024}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
)
# C0 controls except \t and \n, DEL, C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_C1 = re.compile(r"[\x80-\x9f]")


def clean(text: str) -> str:
    """``text`` safe to print on a terminal: no escape sequences, no control
    characters but newline and tab, lone surrogates replaced by U+FFFD."""
    text = _ESCAPES.sub("", text)
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))


def no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (from ``\\ud800`` escapes or undecodable command
    line bytes) replaced by U+FFFD, so it can be encoded as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def say(text: str = "", *, err: bool = False) -> None:
    """Print cleaned text to stdout (or stderr), flushed."""
    print(clean(text), file=sys.stderr if err else sys.stdout, flush=True)


def dumps(data: Any, *, indent: int | None = None) -> str:
    """Strict JSON (UTF-8 text, not ASCII-escaped): non-finite numbers become strings,
    lone surrogates U+FFFD, C1 control characters ``\\u`` escapes."""
    try:
        text = json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:  # a NaN / Infinity somewhere: write it as a string
        text = json.dumps(
            _finite(data), ensure_ascii=False, indent=indent, allow_nan=False
        )
    # Outside strings JSON is ASCII, so these characters can only be inside strings.
    text = _SURROGATES.sub("\ufffd", text)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def os_error_message(exc: OSError, *, port: int | None = None) -> str:
    """A Chinese sentence for an OSError, naming the path (or port) involved."""
    path = exc.filename if exc.filename is not None else ""
    where = f"：{path}" if path else ""
    code = exc.errno
    if code == errno.EADDRINUSE or "Cannot find empty port" in str(exc):
        shown = f" {port} " if port is not None else ""
        return f"端口{shown}已被占用，请关闭占用它的程序或换一个端口（--port）。"
    if code == errno.EADDRNOTAVAIL:
        return "无法在该地址上监听，请检查 --host（如 127.0.0.1 或 0.0.0.0）。"
    if code == errno.ENOENT:
        return f"找不到文件或目录{where}"
    if code == errno.EISDIR:
        return f"这是一个目录，不是文件{where}"
    if code == errno.ENOTDIR:
        return f"路径中有一部分不是目录{where}"
    if code in (errno.EACCES, errno.EPERM):
        return f"没有权限读写{where}（请检查文件权限，或换一个目录，如 --index-dir）"
    if code == errno.EROFS:
        return (
            f"文件系统是只读的，无法写入{where}（请换一个可写的目录，如 --index-dir）"
        )
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间不足，无法写入{where}（请清理磁盘或换一个目录）"
    detail = os.strerror(code) if code else str(exc)
    return f"读写文件时出错{where}（{detail}）"


def error_message(exc: BaseException, *, port: int | None = None) -> str:
    """The one line (plus a hint line) the CLI prints for an error, after ``错误：``."""
    if isinstance(exc, QaError):
        message = str(exc)
        if exc.hint and exc.hint not in message:
            message += f"\n提示：{exc.hint}"
        return message
    if isinstance(exc, OSError):
        return os_error_message(exc, port=port)
    if isinstance(exc, MemoryError):
        return "内存不足，无法完成。"
    return f"意外错误（{type(exc).__name__}：{exc}）。设置环境变量 QA_DEBUG=1 可查看详细信息。"


def quiet_broken_pipe() -> None:
    """After the reader of stdout went away (``| head``): point stdout at /dev/null so
    the interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (tests capture stdout)
        pass
