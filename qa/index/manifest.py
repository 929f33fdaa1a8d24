"""The manifest of a build: what it was built from, and why it may no longer serve.

``staleness`` compares a manifest with the current settings and corpus and returns a
reason (a Chinese sentence) or ``""``; the caller decides to rebuild or fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa.chunking import CHUNKER_VERSION
from qa.config import Config
from qa.corpus import corpus_hash
from qa.index.stores import backend_kind
from qa.text import TOKENIZER_VERSION
from qa.types import Document

# 2: the manifest records the size and sha256 of every file (``files``).
FORMAT_VERSION = 2
CURRENT = "current"
MANIFEST_FILE = "manifest.json"

Manifest = dict[str, Any]


def read_manifest(index_dir: Path) -> Manifest | None:
    """The current build's manifest, or None when there is no complete build."""
    return build_manifest(Path(index_dir) / CURRENT)


def build_manifest(build_dir: Path) -> Manifest | None:
    """The manifest of one build folder, or None when it is missing or unreadable."""
    try:
        data = json.loads((Path(build_dir) / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def staleness(
    config: Config,
    manifest: Manifest | None,
    model_name: str,
    docs: list[Document],
) -> str:
    """Why the index cannot serve this config and corpus ("" when it can), in Chinese."""
    settings = config.index
    if manifest is None:
        return "索引不存在或不完整"
    if manifest.get("format_version") != FORMAT_VERSION:
        return "索引格式版本不同"
    if manifest.get("model") != model_name:
        return f"索引由模型 {manifest.get('model')} 建立，当前配置的模型是 {model_name}"
    if manifest.get("corpus_hash") != corpus_hash(docs):
        return "语料已变更（文档或元数据与建索引时不同）"
    if (
        manifest.get("chunker_version") != CHUNKER_VERSION
        or manifest.get("max_chars") != settings.max_chars
    ):
        return "分块规则已变更"
    if manifest.get("tokenizer") != TOKENIZER_VERSION:
        return "分词规则已变更"
    spec = settings.vector_backend
    if (
        backend_kind(spec) != "faiss"
        and (manifest.get("milvus") or {}).get("uri") != spec
    ):
        return f"向量库 {spec} 尚未写入当前索引"
    return ""
