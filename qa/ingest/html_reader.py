"""HTML pages: the main text through trafilatura, the title from ``<h1>`` / ``<title>``.

trafilatura keeps headings and paragraphs one per line (``<br>`` too) and drops
navigation, share rows and footers; when it drops the page's ``<h1>`` as well, the title
is put back as the first line (it is part of the published document). Its table rows (``| a | b |``) become tab-separated cells, as in every other
format. The page's info box (发文机关 / 文号 / 成文日期) is often outside the main text,
so the visible text of tables is returned as ``context`` for the metadata proposal.
"""

from __future__ import annotations

import re

from qa.ingest.base import Extraction

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ROW = re.compile(r"^\| (.*) \|\s*$")
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||——|--| - )\s*")


def read_html(raw: bytes) -> Extraction:
    """The main text of a page, its title and its tables' text (``context``)."""
    import lxml.html
    import trafilatura

    # lxml refuses text that still carries an XML encoding declaration (XHTML pages).
    text = _XML_DECLARATION.sub("", decode_html(raw), count=1)
    tree = lxml.html.fromstring(text)
    main = trafilatura.extract(
        tree,
        output_format="txt",
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        favor_precision=False,
        deduplicate=False,
    )
    title = page_title(tree)
    body = table_rows("" if main is None else main)
    if body.strip() and title and _squeeze(title) not in _squeeze(body):
        body = f"{title}\n{body}"  # trafilatura took the <h1> for page furniture
    return Extraction(
        text=body,
        kind="html",
        title=title,
        context="\n".join(_table_lines(tree)),
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def decode_html(raw: bytes) -> str:
    """A page's text: its declared charset (GB2312 / GBK read as their superset
    GB18030), else UTF-8, else GB18030 — many Chinese government pages declare none."""
    m = _CHARSET.search(raw[:4096])
    declared = m[1].decode("ascii").lower() if m else ""
    if declared in ("gb2312", "gbk", "gb18030", "x-gbk"):
        declared = "gb18030"
    for encoding in (declared, "utf-8-sig", "gb18030"):
        if not encoding:
            continue
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("utf-8", errors="replace")


def table_rows(text: str) -> str:
    """trafilatura's ``| a | b |`` table rows as tab-separated cells."""
    lines = []
    for line in text.split("\n"):
        m = _ROW.match(line)
        lines.append("\t".join(c.strip() for c in m[1].split(" | ")) if m else line)
    return "\n".join(lines)


def page_title(tree) -> str:
    """The first ``<h1>``, else ``<title>`` cut at the site-name separator."""
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    titles = tree.xpath("//title")
    if titles:
        text = " ".join(titles[0].text_content().split())
        return _TITLE_SPLIT.split(text)[0] if text else ""
    return ""


def _table_lines(tree) -> list[str]:
    """Each table row's cell texts, tab-separated (info boxes are tables)."""
    lines = []
    for row in tree.iter("tr"):
        cells = [
            " ".join(c.text_content().split()) for c in row if c.tag in ("td", "th")
        ]
        if any(cells):
            lines.append("\t".join(cells))
    return lines
