"""The life of builds in an index directory: one builder at a time, atomic swaps, pruning.

``index_dir/current`` is a symlink to one ``build-*`` folder. A build is written aside
(``.tmp-build-*``), renamed to its final, never reused name and then swapped in with
``os.replace`` of a temporary link, which is atomic on POSIX: a reader sees the old build
or the new one, never a mix, and a build killed at any moment leaves the old one serving.

Builders serialize on ``fcntl.flock`` of ``index_dir/.build.lock``; a second builder
waits (saying :data:`WAIT_MESSAGE`) up to a bound and then raises :class:`IndexBusy`.
While the lock is held no other build can be writing, so every ``.tmp-*`` entry found is
debris of a killed or failed build and is removed (:func:`prepare`).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexBusy
from qa.index.manifest import CURRENT, MANIFEST_FILE

LOCK_FILE = ".build.lock"
# A full build of the packaged corpus with the real model takes about a minute on two
# cores; a waiting builder gives up after 15 minutes rather than hang forever.
LOCK_WAIT_S = 900.0
LOCK_POLL_S = 0.1
WAIT_MESSAGE = "另一个索引构建正在进行，等待中…"
BUILD_PREFIX = "build-"
TEMP_PREFIXES = (".tmp-", ".current-")


@contextmanager
def build_lock(
    index_dir: Path, *, timeout: float = LOCK_WAIT_S, say: Callable[[str], None]
) -> Iterator[None]:
    """Hold the index directory's build lock (exclusive, released when the process dies).

    Raises:
        IndexBusy: another builder still holds it after ``timeout`` seconds.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, timeout, say, index_dir)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _acquire(fd: int, timeout: float, say: Callable[[str], None], where: Path) -> None:
    deadline = time.monotonic() + timeout
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"另一个索引构建仍在进行（已等待 {timeout:.0f} 秒）：{where}。"
                    "请等它结束后再运行 `qa index`。"
                ) from None
            if not said:
                say(WAIT_MESSAGE)
                said = True
            time.sleep(LOCK_POLL_S)


def prepare(index_dir: Path) -> None:
    """Under the lock: remove debris, adopt a copied ``current``, repair a lost link."""
    for p in index_dir.iterdir():
        if p.name.startswith(TEMP_PREFIXES):
            _remove(p)
    current = index_dir / CURRENT
    if current.is_dir() and not current.is_symlink():
        # e.g. copied with `cp -rL`: keep it as a build of its own and link to it.
        name = new_build_name(index_dir, "adopted")
        link = _temp_link(index_dir, name)
        os.rename(current, index_dir / name)
        os.replace(link, current)
    elif not current.exists():  # missing or dangling (killed between two renames)
        latest = _latest_complete(index_dir)
        if latest:
            swap_current(index_dir, latest)


def new_build_name(index_dir: Path, tag: str) -> str:
    """A build folder name not used before in ``index_dir`` (time-ordered)."""
    base = f"{BUILD_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{tag}"
    name, n = base, 1
    while (index_dir / name).exists() or (index_dir / name).is_symlink():
        n += 1
        name = f"{base}-{n}"
    return name


def swap_current(index_dir: Path, name: str) -> str:
    """Point ``current`` at build ``name`` atomically; returns the previous target ("")."""
    current = index_dir / CURRENT
    previous = Path(os.readlink(current)).name if current.is_symlink() else ""
    os.replace(_temp_link(index_dir, name), current)
    return previous


def prune(index_dir: Path, keep: set[str]) -> None:
    """Remove every ``build-*`` folder not in ``keep`` (the current and previous builds).

    The previous build is kept so a process that resolved ``current`` just before the swap
    can still finish loading it.
    """
    for p in index_dir.iterdir():
        if p.name.startswith(BUILD_PREFIX) and p.name not in keep:
            _remove(p)


def _temp_link(index_dir: Path, target: str) -> Path:
    link = index_dir / f".current-{os.getpid()}"
    if link.is_symlink() or link.exists():
        _remove(link)
    os.symlink(target, link)
    return link


def _latest_complete(index_dir: Path) -> str:
    builds = [
        p
        for p in index_dir.iterdir()
        if p.name.startswith(BUILD_PREFIX) and (p / MANIFEST_FILE).is_file()
    ]
    if not builds:
        return ""
    return max(builds, key=lambda p: (p / MANIFEST_FILE).stat().st_mtime).name


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
