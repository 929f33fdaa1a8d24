"""Turn a published file into the text saved in ``corpus/``.

The saved ``.txt`` *is* the document text from then on: chunk offsets and quotes are
checked against it, so extraction normalises only what it must and nothing later
rewrites it:

- line endings become ``\\n`` (CRLF / CR), a leading BOM is dropped, and control
  characters other than tab and newline (form feeds, NULs from PDFs) are removed;
- NBSP (U+00A0) and the ideographic space (U+3000) are **kept**: they are characters of
  the published text (indents, 名　　称), the chunker already treats them as blanks, and
  keeping them means a quote copied from the saved file is found in it;
- tables become one row per line, cells separated by a tab, in every format;
- the text ends with exactly one newline.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.ingest.base import Extraction, IngestError

__all__ = ["FORMATS", "Extraction", "IngestError", "extract", "normalize"]

FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
    ".txt": "txt",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def normalize(text: str) -> str:
    """The minimal normalisation every reader's output gets (see the module docstring)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text.strip("\n") + "\n" if text.strip() else ""


def extract(path: Path) -> Extraction:
    """The text of ``path`` by its extension.

    Raises:
        IngestError: a missing file, an unsupported extension, a file that cannot be
            read, or one with no text (a scanned PDF).
    """
    if not path.is_file():
        raise IngestError(f"文件不存在：{path}")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise IngestError(
            f"不支持的文件类型“{path.suffix or '（无扩展名）'}”：{path.name}；"
            f"支持 {'、'.join(sorted(FORMATS))}"
        )
    raw = _read(path, kind)
    text = normalize(raw.text)
    if not text:
        hint = (
            "（可能是扫描件或图片，请先做文字识别 OCR 或提供文字版）"
            if kind == "pdf"
            else ""
        )
        raise IngestError(f"未能从 {path.name} 中提取到文字{hint}")
    return Extraction(
        text=text, kind=kind, title=raw.title.strip(), context=normalize(raw.context)
    )


def _read(path: Path, kind: str) -> Extraction:
    try:
        if kind == "html":
            from qa.ingest.html_reader import read_html

            return read_html(path.read_bytes())
        if kind == "docx":
            from qa.ingest.docx_reader import read_docx

            return read_docx(path)
        if kind == "pdf":
            from qa.ingest.pdf_reader import read_pdf

            return read_pdf(path)
        return Extraction(
            text=decode_text(path.read_bytes(), name=path.name), kind=kind
        )
    except IngestError:
        raise
    except OSError:
        raise
    except Exception as exc:  # a damaged file: the library's own error, in one line
        raise IngestError(
            f"无法读取 {path.name}（{type(exc).__name__}：{exc}），文件可能已损坏"
        ) from exc


def decode_text(raw: bytes, *, name: str) -> str:
    """A plain-text file as text: UTF-8 (with or without BOM), else GB18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{name} 既不是 UTF-8 也不是 GB18030 文本（第 {exc.start} 字节）"
        ) from None
