"""``qa feedback export --jsonl [--out FILE]``: the web app's ratings as gold-set lines."""

from __future__ import annotations

import json
import sys

from qa.config import Config
from qa.feedback import SqliteFeedback, export_lines
from qa.terminal import say


def cmd_feedback(config: Config, args) -> int:
    """Write every stored rating as one JSON line (stdout, or ``--out FILE``)."""
    lines = export_lines(SqliteFeedback(config.feedback_file))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if args.out and args.out != "-":
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        say(f"已导出 {len(lines)} 条反馈到 {args.out}", err=True)
    else:
        sys.stdout.write(text)
    return 0
