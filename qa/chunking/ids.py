"""Chunk ids: content hashes, stable across rebuilds, de-duplicated within a document."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from qa.types import Chunk


def chunk_id(doc_id: str, path: tuple[str, ...], text: str) -> str:
    """Content hash of a chunk: stable across rebuilds and across edits elsewhere."""
    key = "\x00".join((doc_id, " > ".join(path), text))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def dedupe_ids(chunks: list[Chunk]) -> list[Chunk]:
    seen: dict[str, int] = {}
    out = []
    for c in chunks:
        n = seen.get(c.id, 0)
        seen[c.id] = n + 1
        out.append(c if n == 0 else replace(c, id=f"{c.id[:13]}-{n:02d}"))
    return out
