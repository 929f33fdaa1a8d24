"""What every reader returns, and the error ``qa add`` raises for a file it cannot use."""

from __future__ import annotations

from dataclasses import dataclass

from qa.errors import QaError


class IngestError(QaError, ValueError):
    """A file ``qa add`` cannot read or add; the message says which and why (Chinese)."""


@dataclass(frozen=True)
class Extraction:
    """The text of one file and what its format states beside the text.

    ``title`` is the format's own title (HTML ``<h1>`` / ``<title>``), "" when none;
    ``context`` is extra text that may hold metadata but is not saved (an HTML page's
    info box when the main-text extractor dropped it).
    """

    text: str
    kind: str
    title: str = ""
    context: str = ""
