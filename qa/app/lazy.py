"""The pipeline behind the web app: loaded in a background thread, retried, reloaded.

The app reaches the pipeline only through :class:`Service` (documents, chunks of a
document, ask, search), so tests drive the UI with a small fake. A failed load is logged
with its details and shown to users as a Chinese message without them; the next request
tries again. Given a ``version`` callable (the index manifest's fingerprint), the pipeline
is reloaded when a new index is built: the new one is loaded aside and swapped in, so
requests already running finish on the old one.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from qa.types import Answer, Chunk, Document, SearchResult

log = logging.getLogger(__name__)

LOAD_FAILED = (
    "系统加载失败，暂时无法查询（详细原因已记入服务器日志）。"
    "请稍后再试；也可拨打12333人力资源社会保障服务热线咨询。"
)
LOADING = "正在加载模型与索引…"
# How often, at most, a request looks whether a new index was built.
POLL_S = 2.0


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
    """A pipeline loaded in a background thread, with a Chinese status line meanwhile.

    Args:
        pipeline_or_loader: a pipeline, or a loader called as ``loader()`` or
            ``loader(status=callback)``.
        version: returns a fingerprint of the index on disk (None = none); when it
            changes, the loader is called again and the new pipeline swapped in.
        poll_s: look at ``version`` at most this often (on requests).
        reload: what loads a changed index (default: the loader); it runs while the
            old pipeline serves, so it should fail rather than build.
    """

    def __init__(
        self,
        pipeline_or_loader,
        *,
        version: Callable[[], str | None] | None = None,
        poll_s: float = POLL_S,
        reload: Callable[[], Any] | None = None,
    ) -> None:
        self.status, self.error = LOADING, ""
        self.reloads = 0
        self._pipeline: Any = None
        self._ready = threading.Event()
        self._version, self._poll_s, self._reload = version, poll_s, reload
        self._loaded_version: str | None = None
        self._skip_version: str | None = None  # a version whose reload failed
        self._next_check = 0.0
        self._start_lock, self._check_lock = threading.Lock(), threading.Lock()
        if hasattr(pipeline_or_loader, "ask"):
            self._pipeline = pipeline_or_loader
            self._ready.set()
        elif callable(pipeline_or_loader):
            self._loader = pipeline_or_loader
            self._start()
        else:
            raise ValueError(
                f"create_app needs a pipeline or a zero-argument loader, got {pipeline_or_loader!r}"
            )

    # -- loading and retrying -----------------------------------------------------------
    def _start(self) -> None:
        self._ready.clear()
        self.error = ""
        threading.Thread(target=self._load, name="qa-load", daemon=True).start()

    def _load(self) -> None:
        try:
            version = self._read_version()
            self._pipeline = self._call_loader(self._say)
            self._loaded_version, self.status = version, ""
        except Exception:  # the details go to the log, never to the page
            log.exception("加载失败（pipeline load failed）")
            self.error = LOAD_FAILED
        finally:
            self._ready.set()

    def _call_loader(self, say: Callable[[str], None]):
        takes_status = "status" in inspect.signature(self._loader).parameters
        return self._loader(status=say) if takes_status else self._loader()

    def _say(self, message: str) -> None:
        self.status = message

    def retry(self) -> None:
        """Load again after a failure (once, however many requests ask at the same time)."""
        with self._start_lock:
            if self._pipeline is None and self._ready.is_set():
                self.status = "正在重新加载…"
                self._start()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._pipeline is not None

    def get(self, timeout: float = 600.0):
        """The pipeline: waits while it loads, retries after a failed load."""
        if self._pipeline is None:
            self.retry()
            if not self._ready.wait(timeout):
                raise TimeoutError("系统仍在建立索引，请稍后再试。")
            if self._pipeline is None:
                raise LoadFailed(self.error or LOAD_FAILED)
        elif self._version is not None:
            self._maybe_reload()
        return self._pipeline

    # -- reloading a new index ------------------------------------------------------------
    def _read_version(self) -> str | None:
        if self._version is None:
            return None
        try:
            return self._version()
        except Exception:  # noqa: BLE001 - an unreadable manifest means "no news"
            log.warning("无法读取索引清单（index manifest unreadable）", exc_info=True)
            return None

    def _maybe_reload(self) -> None:
        """Reload when the index changed; other requests meanwhile use the old pipeline."""
        if time.monotonic() < self._next_check or not self._check_lock.acquire(
            blocking=False
        ):
            return
        try:
            self._next_check = time.monotonic() + self._poll_s
            version = self._read_version()
            if version in (None, self._loaded_version, self._skip_version):
                return
            log.info("检测到新索引，正在后台加载（%s）", version)
            try:
                fresh = self._reload() if self._reload else self._call_loader(_quiet)
            except Exception:  # keep serving the old index
                log.exception("新索引加载失败，继续使用原索引（%s）", version)
                self._skip_version = version
                return
            self._pipeline, self._loaded_version = fresh, version  # one atomic swap
            self.reloads += 1
            log.warning("索引已更新，已重新加载（%s）", version)
        finally:
            self._check_lock.release()


def _quiet(_message: str) -> None:
    """A status callback for reloads: the page keeps working, so nothing to show."""
