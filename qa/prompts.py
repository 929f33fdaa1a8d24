"""Prompt templates live in ``prompts/`` as files; a missing variable raises."""

from __future__ import annotations

import string
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def render(name: str, **variables: str) -> str:
    """Fill ``prompts/<name>.txt``; raises KeyError naming any variable not supplied."""
    template = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
    needed = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = needed - set(variables)
    if missing:
        raise KeyError(f"prompt {name!r} needs variables {sorted(missing)}")
    return template.format(**variables)
