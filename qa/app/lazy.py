"""The pipeline behind the web app: loaded in a background thread, with a status line.

The app reaches the pipeline only through :class:`Service` (documents, chunks of a
document, ask, search), so tests drive the UI with a small fake.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from qa.types import Answer, Chunk, Document, SearchResult


class Service(Protocol):
    """What the web app needs of a pipeline."""

    docs: Mapping[str, Document]

    def chunks_of(self, doc_id: str) -> list[Chunk]: ...

    def ask(
        self,
        question: str,
        *,
        region: str | None = None,
        history: list[dict[str, Any]] | None = None,
    ) -> Answer: ...

    def search(self, query: str, **kwargs: Any) -> SearchResult: ...


class LoadFailed(RuntimeError):
    """The pipeline could not be loaded; the message is for users (Chinese)."""


class LazyPipeline:
    """A pipeline loaded in a background thread, with a Chinese status line meanwhile."""

    def __init__(self, pipeline_or_loader) -> None:
        self.status, self.error = "正在加载模型与索引…", ""
        self._pipeline, self._ready = None, threading.Event()
        if hasattr(pipeline_or_loader, "ask"):
            self._pipeline = pipeline_or_loader
            self._ready.set()
        elif callable(pipeline_or_loader):
            self._loader = pipeline_or_loader
            threading.Thread(target=self._load, name="qa-load", daemon=True).start()
        else:
            raise ValueError(
                f"create_app needs a pipeline or a zero-argument loader, got {pipeline_or_loader!r}"
            )

    def _load(self) -> None:
        try:
            takes_status = "status" in inspect.signature(self._loader).parameters
            self._pipeline = (
                self._loader(status=self._say) if takes_status else self._loader()
            )
            self.status = ""
        except Exception as exc:  # shown on the page instead of a dead server
            self.error = f"加载失败：{exc}"
        finally:
            self._ready.set()

    def _say(self, message: str) -> None:
        self.status = message

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._pipeline is not None

    def get(self, timeout: float = 600.0):
        if not self._ready.wait(timeout):
            raise TimeoutError("系统仍在建立索引，请稍后再试。")
        if self._pipeline is None:
            raise LoadFailed(self.error)
        return self._pipeline
