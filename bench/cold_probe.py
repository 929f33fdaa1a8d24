"""Stage timings of a cold ``qa ask`` (run as a fresh process by ``bench.bench``).

    python -m bench.cold_probe INDEX_DIR QUESTION

Follows what ``Pipeline.load`` + ``ask`` do, stage by stage, and prints one JSON line with
seconds since interpreter start for each stage.
"""

from __future__ import annotations

import json
import sys
import time

T0 = time.perf_counter()


def main() -> int:
    from pathlib import Path

    marks = {}

    def mark(name):
        marks[name] = round(time.perf_counter() - T0, 3)

    index_dir, question = Path(sys.argv[1]), sys.argv[2]
    import qa.cli  # noqa: F401  (what the console script imports first)

    mark("import_cli")
    from qa.config import Config
    from qa.pipeline import Pipeline

    mark("import_pipeline")
    from qa.embedding import load_embedder

    config = Config.of(index_dir=index_dir, on_stale="fail")
    embedder = load_embedder(config.model_name, threads=config.index.threads)
    mark("load_embedder")
    p = Pipeline.load(config, embedder=embedder)
    mark("load_pipeline_rest")
    p.ask(question)
    mark("first_answer")
    marks["torch_imported"] = "torch" in sys.modules
    print(json.dumps(marks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
