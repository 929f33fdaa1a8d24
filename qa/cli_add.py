"""``qa add FILE``: extract a published file, propose its metadata, add it to the corpus.

Nothing is written before the proposal is confirmed (``--yes``, or ``y`` at the prompt
when stdin is a terminal); ``--dry-run`` only prints it. On confirmation the text is
saved as ``corpus/<id>.txt`` and the entry appended to ``documents.toml``, then the whole
corpus is validated as ``qa index`` does (:func:`qa.corpus.load_checked`); when that
fails both writes are undone, so a failed ``qa add`` leaves the corpus as it was.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from qa.config import Config
from qa.corpus import METADATA_FILE, REGIONS_FILE, load_checked
from qa.corpus.gazetteer import Gazetteer
from qa.ingest.entry import LABELS, Entry, append_entry, make_entry, slug
from qa.ingest.extract import Extraction, IngestError, extract, normalize
from qa.ingest.metadata import propose
from qa.ingest.validity import valid_until
from qa.terminal import say
from qa.types import Document

_OVERRIDES = ("title", "region", "date", "doc_number", "valid_until", "issuers")


def run_add(config: Config, args) -> int:
    """Run ``qa add``; 0 when added (or only shown), IngestError / CorpusError else."""
    corpus_dir = Path(args.corpus_dir) if args.corpus_dir else config.corpus_dir
    path = Path(args.file)
    docs, gazetteer, _lexicon = load_checked(corpus_dir)
    extraction = extract(path)
    same = [d.id for d in docs if normalize(d.text) == extraction.text]
    if same:
        raise IngestError(f"未写入：{path.name} 的文本已收录为文档 id '{same[0]}'")
    entry = build_entry(
        extraction, gazetteer=gazetteer, docs=docs, args=args, source=path
    )
    say(f"拟添加的文档（来自 {path.name}，共 {len(extraction.text)} 字）：\n")
    say(entry.toml())
    if entry.missing:
        names = "、".join(f"{LABELS[k]}（{k}）" for k in entry.missing)
        say(f"{names}：未识别，请补充。")
    if args.dry_run:
        say("（--dry-run：未写入任何文件）")
        return 0
    if entry.missing:
        raise IngestError(
            f"未写入：字段 {'、'.join(repr(k) for k in entry.missing)} 未识别，"
            "请用 --title / --region / --issuer / --date 等参数补充后重试"
        )
    if not _confirmed(args.yes, corpus_dir):
        say("已取消，未写入任何文件。")
        return 0
    write_entry(corpus_dir, entry, extraction.text)
    say(
        f"已添加：{corpus_dir / str(entry.fields['file'])}；{METADATA_FILE} 新增 "
        f"[[document]] id '{entry.fields['id']}'，语料校验通过。运行 qa index 更新索引。"
    )
    return 0


def build_entry(
    extraction: Extraction,
    *,
    gazetteer: Gazetteer,
    docs: list[Document],
    args,
    source: Path,
) -> Entry:
    """The proposed entry: what the text states, then the command line's values."""
    proposal = propose(extraction, gazetteer)
    fields = dict(proposal.fields)
    derived = set(proposal.derived)
    sources = dict(proposal.sources)
    for key in _OVERRIDES:
        value = getattr(args, key, None)
        if value:
            fields[key] = tuple(value) if key == "issuers" else value
            derived.discard(key)
            sources[key] = "命令行参数"
    if fields.get("region"):
        fields.update(_region_fields(str(fields["region"]), gazetteer))
    if "valid_until" not in fields:
        v = valid_until(
            extraction.text,
            title=str(fields.get("title", "")),
            issued=str(fields.get("date", "")),
        )
        if v.until:
            fields["valid_until"] = v.until
            derived |= {"valid_until"} if v.derived else set()
            sources["valid_until"] = f"“{v.evidence}”"
    doc_id = _doc_id(args.id, source, extraction.text, {d.id for d in docs})
    fields |= {"id": doc_id, "file": f"{doc_id}.txt", "seed": source.name}
    fields["derived"] = [k for k in LABELS if k in derived and k in fields]
    fields["notes"] = _notes(source, extraction.kind, sources, fields)
    return make_entry(fields)


def _region_fields(name: str, gazetteer: Gazetteer) -> dict[str, object]:
    """region (canonical), level and parent_region as the gazetteer has them."""
    if name not in gazetteer:
        raise IngestError(
            f"字段 'region'：地区“{name}”不在 {REGIONS_FILE} 中，"
            "请用规范名称（如 佛山市、浦东新区）或先在地名表中添加该地区"
        )
    region = gazetteer.get(name)
    return {
        "region": region.name,
        "level": region.level,
        "parent_region": region.parent,
    }


def _doc_id(given: str | None, source: Path, text: str, taken: set[str]) -> str:
    """``--id``, unless already used; else one made from the file name, made unique."""
    if given:
        if given in taken:
            raise IngestError(f"字段 'id'：文档标识“{given}”已被使用，请换一个")
        return given
    base = slug(source.stem) or "doc-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base[:60]}-{n}", n + 1
    return doc_id


def _notes(source: Path, kind: str, sources: dict[str, str], fields: dict) -> str:
    read = "；".join(
        f"{LABELS[k]}取自{v}" for k, v in sources.items() if k in fields and k in LABELS
    )
    return f"由 qa add 从 {source.name}（{kind.upper()}）提取。{read}。".replace(
        "。。", "。"
    )


def _confirmed(yes: bool, corpus_dir: Path) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise IngestError(
            "未写入：需要确认。加 --yes 直接写入，或 --dry-run 只查看拟添加的条目"
        )
    try:
        reply = input(f"写入 {corpus_dir / METADATA_FILE}？[y/N] ")
    except EOFError:  # the terminal closed its input: no answer is no
        return False
    return reply.strip().lower() in ("y", "yes", "是")


def write_entry(corpus_dir: Path, entry: Entry, text: str) -> None:
    """Save the text and append the entry, then validate; undo both when invalid.

    Raises:
        IngestError: the text file already exists.
        CorpusError / GazetteerError: the corpus with the new entry is invalid.
    """
    text_path = corpus_dir / str(entry.fields["file"])
    meta_path = corpus_dir / METADATA_FILE
    if text_path.exists():
        raise IngestError(f"字段 'file'：{text_path} 已存在，请用 --id 换一个文档标识")
    before = meta_path.read_bytes()
    try:
        text_path.write_bytes(text.encode("utf-8"))
        _replace(meta_path, append_entry(before.decode("utf-8"), entry))
        load_checked(corpus_dir)
    except BaseException:
        _replace(meta_path, before.decode("utf-8"))
        text_path.unlink(missing_ok=True)
        raise


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)
