"""What every tab shares: region and document choices, static CSS and JavaScript."""

from __future__ import annotations

from importlib import resources

from qa.app.lazy import Service
from qa.app.render import short_title


def static(name: str) -> str:
    """A file of ``qa/app/static`` (shipped as package data)."""
    return (
        resources.files("qa.app").joinpath("static", name).read_text(encoding="utf-8")
    )


# app.css: layout and light colours; theme.css: WCAG AA colours in light and dark (Gradio's
# `.dark` class follows the OS/browser preference), focus, touch targets, lookup/reader layout.
CSS = static("app.css") + "\n" + static("theme.css")
# Run once when the page loads: <html lang="zh-CN"> whatever the browser's language, and the
# 查条款 keyboard (/ focuses the search, ↑/↓ rows, Enter opens, C copies the reply).
PAGE_JS = static("lookup.js")
SCROLL_JS = static("doc_scroll.js")


def region_choices(p: Service) -> list[str]:
    """Regions that have documents, national first, then provinces, cities, districts."""
    order = {"全国": 0, "省": 1, "市": 2, "区": 3}
    regions = sorted({(order.get(d.level, 9), d.region) for d in p.docs.values()})
    return [r for _, r in regions]


def doc_choices(p: Service) -> list[tuple[str, str]]:
    """(label, id) of every document for the dropdowns."""
    return [(f"{d.region} · {short_title(d.title)}", d.id) for d in p.docs.values()]
