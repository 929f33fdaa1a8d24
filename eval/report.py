"""Render an evaluation report (``eval.evaluate``) as JSON, Markdown and a recall plot."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import retrieval_failures

RETRIEVAL_COLS = (
    "n",
    "recall@1",
    "recall@3",
    "recall@5",
    "all_covered@5",
    "mrr",
    "region_acc",
)
ANSWER_COLS = (
    "n",
    "key_fact_recall",
    "quote_faithfulness",
    "citation_region_acc",
    "answered_rate",
    "refusal_rate_out_of_scope",
    "fallback_acc",
    "latency_p50_ms",
)
MAX_FAILURES = 40


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| "
        + " | ".join(fmt(v).replace("|", "\\|").replace("\n", " ") for v in row)
        + " |"
        for row in rows
    ]
    return "\n".join(lines)


def comparison_table(compare: dict) -> str:
    """Models × {system, baseline} retrieval numbers, one row each."""
    rows = []
    for model, res in compare.items():
        for name in ("system", "baseline"):
            if res.get(name):
                rows.append([model, name, *(res[name][c] for c in RETRIEVAL_COLS)])
    return table(["model", "retriever", *RETRIEVAL_COLS], rows)


def retrieval_markdown(ret: dict) -> list[str]:
    out = [f"## Retrieval ({ret['model']}, answerable items)", ""]
    rows = [["system", *(ret["system"][c] for c in RETRIEVAL_COLS)]]
    if ret.get("baseline"):
        rows.append(
            [
                "baseline (LangChain 500/50 + FAISS)",
                *(ret["baseline"][c] for c in RETRIEVAL_COLS),
            ]
        )
    out += [table(["retriever", *RETRIEVAL_COLS], rows), ""]
    out.append(
        f"All evidence covered@5 on list + comparison items: system "
        f"{fmt(ret['system']['all_covered@5_list_comparison'])}"
        + (
            f", baseline {fmt(ret['baseline']['all_covered@5_list_comparison'])}"
            if ret.get("baseline")
            else ""
        )
    )
    out += ["", "### Per question type", ""]
    rows = []
    for name in ("system", "baseline"):
        for t, block in (ret.get(name) or {}).get("by_type", {}).items():
            rows.append([name, t, *(block[c] for c in RETRIEVAL_COLS)])
    out += [table(["retriever", "type", *RETRIEVAL_COLS], rows), ""]
    return out + _retrieval_failures_markdown(ret)


def _retrieval_failures_markdown(ret: dict) -> list[str]:
    """The system's retrieval failures as a heading and a table (at most MAX_FAILURES)."""
    fails = retrieval_failures(ret["rows"])
    out = [
        f"### System retrieval failures ({len(fails)}: evidence not in top 3 or wrong top-1 region)",
        "",
    ]
    rows = [
        [
            r["id"],
            r["type"],
            r["question"],
            r["rank"] or "miss@10",
            fmt(r["region_ok"]),
            "/".join(r["expected_regions"]),
            _top_hits(r),
        ]
        for r in fails[:MAX_FAILURES]
    ]
    out += [
        table(
            [
                "id",
                "type",
                "question",
                "first cover rank",
                "region ok",
                "expected",
                "top hits",
            ],
            rows,
        ),
        "",
    ]
    return out


def _top_hits(row: dict) -> str:
    parts = [f"{h['doc_id']}@{h['start']} {h['text'][:24]}" for h in row["top"]]
    return (row["error"] + " " if row["error"] else "") + "; ".join(parts)


def answers_markdown(ans: dict) -> list[str]:
    s = ans["summary"]
    out = [f"## Answers ({ans['model']})", ""]
    if s["errors"] == s["n"]:
        out += [f"**Every ask() call failed**: {ans['rows'][0]['error']}", ""]
    out += [
        table(
            ["metric", "value"],
            [[c, s[c]] for c in ANSWER_COLS[1:]]
            + [
                ["refusal precision", s["precision"]],
                ["refusal recall", s["recall"]],
                ["latency p95 (ms)", s["latency_p95_ms"]],
                ["errors", s["errors"]],
            ],
        ),
        "",
        "### Per question type",
        "",
    ]
    out += [
        table(
            ["type", *ANSWER_COLS],
            [[t, *(b[c] for c in ANSWER_COLS)] for t, b in s["by_type"].items()],
        ),
        "",
    ]
    fails = [r for r in ans["rows"] if r["problems"]]
    out += [f"### Answer failures ({len(fails)})", ""]
    rows = [
        [
            r["id"],
            r["type"],
            r["question"],
            "; ".join(r["problems"]),
            r["answer"][:80].replace("\n", " "),
        ]
        for r in fails[: MAX_FAILURES * 2]
    ]
    out += [
        table(["id", "type", "question", "what was wrong", "answer (start)"], rows),
        "",
    ]
    return out


def markdown(report: dict) -> str:
    out = [
        "# policy-qa evaluation",
        "",
        f"Gold set: `{report['gold']}` ({report['n_items']} items); "
        f"model: `{report['model']}`.",
        "",
    ]
    if "retrieval" in report:
        out += retrieval_markdown(report["retrieval"])
        out += ["![recall@k](recall.png)", ""]
    if "compare_models" in report:
        out += [
            "## Model comparison (retrieval)",
            "",
            comparison_table(report["compare_models"]),
            "",
        ]
    if "answers" in report:
        out += answers_markdown(report["answers"])
    return "\n".join(out)


def plot_recall(report: dict, path: Path) -> Path | None:
    """Grouped bars of recall@1/3/5 for every retriever in the report."""
    series = _recall_series(report)
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = ["recall@1", "recall@3", "recall@5"]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (label, block) in enumerate(series.items()):
        xs = [x + i * width for x in range(len(ks))]
        bars = ax.bar(xs, [block[k] for k in ks], width, label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(ks))], ks)
    ax.set_ylim(0, 1.3)
    ax.set_ylabel("evidence recall (answerable items)")
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _recall_series(report: dict) -> dict:
    if "compare_models" in report:
        return {
            f"{m} {name}": res[name]
            for m, res in report["compare_models"].items()
            for name in ("system", "baseline")
            if res.get(name)
        }
    ret = report.get("retrieval")
    if not ret:
        return {}
    series = {f"system ({ret['model']})": ret["system"]}
    if ret.get("baseline"):
        series["LangChain baseline"] = ret["baseline"]
    return series


def write_report(report: dict, out: Path) -> list[Path]:
    """Write report.json, report.md and (with retrieval numbers) recall.png into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md"]
    paths[0].write_text(
        json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    paths[1].write_text(markdown(report), encoding="utf-8")
    png = plot_recall(report, out / "recall.png")
    return paths + ([png] if png else [])
