"""The errors policy-qa raises on purpose, in one place.

Every message is for people (Simplified Chinese) and, where a command fixes the problem,
``hint`` names it. Callers match on the class, never on message text.

    QaError
    ├── CorpusError      documents.toml, a policy text, synonyms.toml, the dictionary
    ├── GazetteerError   regions.toml
    ├── QueryError       a question or search the user can fix (empty, too long, bad k…)
    ├── SettingsError    a QA_* setting or Config field with an invalid value
    └── IndexError_      the index cannot serve: missing / stale / corrupt
        ├── IndexMissing
        ├── IndexStale
        ├── IndexCorrupt
        └── IndexBusy    another process holds the build lock past the wait bound
"""

from __future__ import annotations


class QaError(Exception):
    """Base of every policy-qa error; ``str(exc)`` is a Chinese message for users."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class CorpusError(QaError, ValueError):
    """A corpus file (documents.toml, a text, synonyms, dictionary) is missing or invalid."""

    hint = "修改提示中的文件和字段后重新运行 `qa index`"


class GazetteerError(QaError, ValueError):
    """The gazetteer (regions.toml) is invalid; the message names file, entry and field."""

    hint = "修改 corpus/regions.toml 后重新运行 `qa index`"


class QueryError(QaError, ValueError):
    """A query that cannot be searched; the message says what to change."""


class SettingsError(QaError, ValueError):
    """A setting has an invalid value; the message lists the valid ones."""


class IndexError_(QaError, RuntimeError):  # noqa: N801 - ``IndexError`` is a builtin
    """The index is missing, corrupt or stale; the message says how to fix it."""

    hint = "qa index"


class IndexMissing(IndexError_):
    """No complete build exists in the index directory."""

    hint = "qa index"


class IndexStale(IndexError_):
    """The build does not match the corpus, model or settings."""

    hint = "qa index"


class IndexCorrupt(IndexError_):
    """A file of the build is unreadable or inconsistent."""

    hint = "qa index --rebuild"


class IndexBusy(IndexError_):
    """Another process is building the same index and did not finish in time."""

    hint = "稍后重新运行 qa index"
