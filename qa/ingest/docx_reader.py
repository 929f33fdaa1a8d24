"""Word files: paragraphs and tables in document order, through python-docx.

A paragraph is one line (its manual line breaks stay line breaks); a table is one line
per row, cells separated by a tab, a merged cell written once.
"""

from __future__ import annotations

from pathlib import Path

from qa.ingest.base import Extraction


def read_docx(path: Path) -> Extraction:
    """The body text of a ``.docx``; the core-properties title, if set."""
    import docx

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            lines.extend(table_lines(block))
        else:
            lines.append(block.text)
    title = document.core_properties.title or ""
    return Extraction(text="\n".join(lines), kind="docx", title=title)


def table_lines(table) -> list[str]:
    """One tab-separated line per row; nested tables are read cell by cell."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append("\t".join(cells))
    return lines
