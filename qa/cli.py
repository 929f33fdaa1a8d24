"""Command line: ``qa index | search | ask | add | serve``.

Every command that needs the index builds it on first use. Errors are printed as one
clear Chinese line ``错误：…`` (exit code 2), never a traceback; terminal text is
cleaned of control characters (:mod:`qa.terminal`); a closed output pipe ends the
command quietly (exit 141). Arguments: :mod:`qa.cli_args`; batch: :mod:`qa.cli_batch`.
"""

from __future__ import annotations

import os
import sys

from qa.cli_args import parser
from qa.cli_batch import answer_line
from qa.cli_feedback import cmd_feedback
from qa.config import Config
from qa.terminal import dumps, error_message, no_surrogates, quiet_broken_pipe, say

# 128 + SIGPIPE, what a shell reports for a command whose output pipe closed.
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    """Run one ``qa`` command; returns the exit status (see README, "Exit status")."""
    try:
        args = parser().parse_args(argv)
    except (
        SystemExit
    ) as exc:  # argparse: --help (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        _edge_environment()
        config = Config.from_env(
            index_dir=args.index_dir,
            model=args.model,
            index_type=getattr(args, "index_type", None),
        )
        status = _COMMANDS[args.command](config, args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler
        return status
    except BrokenPipeError:  # the reader went away (`qa … | head -1`): stop quietly
        quiet_broken_pipe()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line for users; QA_DEBUG=1 shows the traceback
        if os.environ.get("QA_DEBUG"):
            raise
        _error(error_message(exc, port=getattr(args, "port", None)))
        return 2


def _error(message: str) -> None:
    say(f"错误：{message}", err=True)


def _edge_environment() -> None:
    """Process-wide defaults, set here at the edge: the HF libraries stay offline unless
    the user set HF_HUB_OFFLINE=0, and Gradio sends no analytics."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _status(msg: str) -> None:
    say(msg, err=True)


def _load(config: Config):
    from qa.pipeline import Pipeline

    return Pipeline.load(config, status=_status)


def cmd_index(config: Config, args) -> int:
    """Validate the corpus (documents, gazetteer, lexicon) first, then build."""
    from qa.corpus import load_checked
    from qa.embedding import load_embedder
    from qa.index import build_index

    docs, _gazetteer, _lexicon = load_checked(config.corpus_dir)
    _check_writable(config.index_dir)
    embedder = load_embedder(
        config.model_name,
        threads=config.index.threads,
        offline=config.index.hub_offline,
    )
    r = build_index(config, embedder, docs=docs, progress=True, rebuild=args.rebuild)
    say(
        f"索引已建立：{r.path}\n条款 {r.n_chunks} 条（入索引 {r.n_rows} 条）；新嵌入 {r.embedded}，复用 {r.reused}；"
        f"新增 {r.added}，删除 {r.removed}；用时 {r.seconds:.1f} 秒"
    )
    return 0


def _check_writable(directory) -> None:
    """Raise the OSError (read-only, no permission, disk full…) that writing the index
    into ``directory`` would meet, before any embedding work."""
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory) as probe:
        probe.write(b"0")
        probe.flush()


def cmd_search(config: Config, args) -> int:
    from qa.corpus import load_checked

    docs, _gazetteer, lexicon = load_checked(config.corpus_dir)
    problem = filter_problem(
        args,
        doc_ids=[d.id for d in docs],
        levels=[d.level for d in docs],
        topics=list(lexicon.topics),
    )
    if problem:
        _error(problem)
        return 2
    p = _load(config)
    k = args.k if args.k is not None else config.retrieval.top_k
    res = p.search(
        no_surrogates(args.query),
        region=no_surrogates(args.region) if args.region else None,
        k=k,
        level=args.level,
        doc_id=args.doc_id,
        topic=args.topic,
    )
    data = res.to_dict(p.docs)
    if args.json:
        print(dumps(data, indent=1))
        return 0
    say(format_hits(data))
    return 0


def filter_problem(
    args, *, doc_ids: list[str], levels: list[str], topics: list[str]
) -> str:
    """The Chinese message for a ``--topic`` / ``--doc`` / ``--level`` the corpus does
    not have (with the valid choices), or "" when the filters are fine."""
    if args.topic and args.topic not in topics:
        return f"未知主题“{args.topic}”，可选：{'、'.join(topics)}"
    if args.doc_id and args.doc_id not in doc_ids:
        import difflib

        close = difflib.get_close_matches(args.doc_id, doc_ids, n=3)
        shown = close if close else doc_ids[:20]
        more = (
            f" 等 {len(doc_ids)} 个" if not close and len(shown) < len(doc_ids) else ""
        )
        lead = "相近的文档 id" if close else "可选的文档 id"
        return f"未知文档 id“{args.doc_id}”；{lead}：{'、'.join(shown)}{more}"
    present = list(dict.fromkeys(levels))
    if args.level and args.level not in present:
        return f"语料中没有“{args.level}”级文件，可选：{'、'.join(present)}"
    return ""


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


def cmd_ask(config: Config, args) -> int:
    if args.jsonl:
        return _ask_batch(config, args.jsonl)
    if not args.question:
        _error('请提供问题，例如 qa ask "创业担保贷款最高能贷多少？"')
        return 2
    p = _load(config)
    region = no_surrogates(args.region) if args.region else None
    ans = p.ask(no_surrogates(args.question), region=region)
    if args.json:
        print(dumps(answer_line(ans), indent=1))
    else:
        say(format_answer(ans))
    return 0 if ans.answered or not ans.error else 2


def format_answer(ans) -> str:
    """Plain-text rendering of an answer for a terminal: the direct line, then the text."""
    lines = [ans.text]
    if getattr(ans, "headline", ""):
        lines.insert(0, ans.headline)
    # Each notice once; a region note is left out when the answer opens with it.
    opens_with_region = bool(ans.region) and ans.text.startswith(ans.region)
    for part in reversed((ans.notice or "").split(" ")):
        if not part or part in ans.text:
            continue
        if opens_with_region and part.startswith(ans.region):
            continue
        lines.insert(1 if getattr(ans, "headline", "") else 0, f"〔{part}〕")
    cites = ans.citations or ans.related
    if cites:
        lines.append("\n依据：" if ans.citations else "\n相关条款：")
    for i, c in enumerate(cites, 1):
        number = f"（{c.doc_number}）" if c.doc_number else ""
        tag = "·上级文件兜底" if c.fallback else ""
        lines.append(
            f"{i}. 「{c.quote}」\n   —— {c.region}{tag}《{c.title}》{number} {c.clause}"
            + (f" · {c.date}" if getattr(c, "date", "") else "")
        )
    return "\n".join(lines)


def _ask_batch(config: Config, path: str) -> int:
    """Batch mode; exit 0 when every line was good, 1 when some were bad (each still
    got its output line); a missing or unreadable file is found before the model loads."""
    from qa.cli_batch import open_input, run

    stream = open_input(path)
    try:
        p = _load(config)
    except BaseException:
        stream.close()
        raise
    tally = run(p, stream, debug=bool(os.environ.get("QA_DEBUG")))
    say(tally.summary(), err=True)
    return 0 if not tally.bad else 1


def cmd_add(config: Config, args) -> int:
    """Extract a published file, propose its metadata, append it (see qa.cli_add)."""
    from qa.cli_add import run_add

    return run_add(config, args)


def cmd_serve(config: Config, args) -> int:
    from qa.app import serve

    check_port(args.host, args.port)
    serve(config, host=args.host, port=args.port)
    return 0


def check_port(host: str, port: int) -> None:
    """Raise OSError (EADDRINUSE…) before anything loads when ``host:port`` cannot be
    listened on; QueryError for a port outside 1–65535."""
    import socket

    from qa.errors import QueryError

    if not 0 < port < 65536:
        raise QueryError(f"端口应在 1–65535 之间，收到 {port}。")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except socket.gaierror:
            raise QueryError(
                f"无法识别监听地址“{host}”，请用 127.0.0.1（本机）或 0.0.0.0（所有网卡）。"
            ) from None


_COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "add": cmd_add,
    "serve": cmd_serve,
    "feedback": cmd_feedback,
}

if __name__ == "__main__":
    sys.exit(main())
