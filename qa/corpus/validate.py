"""Check the whole corpus directory before anything is built from it.

:func:`validate` loads documents, gazetteer and lexicon, and cross-checks each document's
``region``, ``level`` and ``parent_region`` against the gazetteer, so every problem that
would break ``qa ask`` or ``qa serve`` surfaces at ``qa index`` instead, with the file,
the entry and the field named.
"""

from __future__ import annotations

from pathlib import Path

from qa.corpus.documents import METADATA_FILE, parse_documents
from qa.corpus.files import close_matches, raise_problems
from qa.corpus.gazetteer import Gazetteer
from qa.corpus.lexicon import Lexicon
from qa.corpus.vocabulary import load_vocabulary
from qa.errors import CorpusError
from qa.types import Document

REGIONS_FILE = "regions.toml"


def validate(corpus_dir: str | Path) -> tuple[list[Document], Gazetteer, Lexicon]:
    """Documents, gazetteer and lexicon of ``corpus_dir``, each file checked in full.

    Raises:
        CorpusError: documents.toml, a text, synonyms.toml or the dictionary is invalid,
            or a document contradicts the gazetteer (all problems of the file at once).
        GazetteerError: regions.toml is invalid.
    """
    corpus_dir = Path(corpus_dir)
    meta_path = corpus_dir / METADATA_FILE
    docs, problems = parse_documents(corpus_dir)
    gazetteer = Gazetteer.load(corpus_dir / REGIONS_FILE)
    problems += region_problems(
        docs, gazetteer, source=str(meta_path), regions_file=REGIONS_FILE
    )
    raise_problems(problems, path=meta_path, error=CorpusError)
    lexicon = Lexicon.load(corpus_dir)
    load_vocabulary(
        corpus_dir
    )  # answering.toml: checked here so `qa index` fails early
    return docs, gazetteer, lexicon


def region_problems(
    docs: list[Document],
    gazetteer: Gazetteer,
    *,
    source: str = METADATA_FILE,
    regions_file: str = REGIONS_FILE,
) -> list[str]:
    """Each document's region, level and parent region as the gazetteer has them."""
    problems: list[str] = []
    for doc in docs:
        where = f"{source} [[document]] (id '{doc.id}')"
        if doc.region not in gazetteer:
            near = _near_regions(doc.region, gazetteer)
            hint = f"，相近的地区: {near}" if near else ""
            problems.append(
                f"{where}: 字段 'region': 地区“{doc.region}”不在 {regions_file} 中{hint}"
            )
            continue
        region = gazetteer.get(doc.region)
        if region.name != doc.region:
            problems.append(
                f"{where}: 字段 'region': 地区“{doc.region}”应写作“{region.name}”"
                f"（“{doc.region}”是 {regions_file} 中的别名，须用规范名称）"
            )
        if doc.level != region.level:
            problems.append(
                f"{where}: 字段 'level': 层级“{doc.level}”与 {regions_file} 中"
                f"“{region.name}”的层级“{region.level}”不符"
            )
        if doc.parent_region != region.parent:
            problems.append(
                f"{where}: 字段 'parent_region': 上级地区“{doc.parent_region}”与 "
                f"{regions_file} 中“{region.name}”的上级“{region.parent}”不符"
                f"，应写作“{region.parent}”"
            )
    return problems


def _near_regions(name: str, gazetteer: Gazetteer) -> str:
    """Canonical names of the regions whose name or alias is close to ``name``."""
    canonical: dict[str, str] = {}
    for region in gazetteer.regions():
        for key in (region.name, *region.aliases):
            canonical.setdefault(key, region.name)
    near = dict.fromkeys(canonical[k] for k in close_matches(name, canonical, n=5))
    return "、".join(f"“{n}”" for n in near)
