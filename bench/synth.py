"""A synthetic national corpus built from the real documents, for growth curves.

The real indexed clauses are re-issued by every province and city of the gazetteer
(``corpus/regions.toml``), copy after copy, until the requested number of chunks:

* each re-issued document takes the region's name in place of the original issuing
  region's name (canonical name and its aliases of two or more characters), except that
  national documents keep their text (全国 is not a place name there);
* every run of digits is replaced consistently within the document copy (years shifted by
  1-2, other figures scaled by 0.5-1.6x and never left equal), so copies state different
  amounts, dates and targets;
* the clause order of each copy is shuffled; the copy's text is its clauses joined by
  newlines, with chunk offsets into it (``doc.text[start:end] == chunk.text`` holds).

The first chunks are the real ones, unchanged. Pure Python, deterministic for a seed.

Vectors for copies are *not* computed by the model (≈7 clauses/s here):
:func:`synth_vectors` derives them from the real clause's vector plus small Gaussian noise,
renormalized. BM25 tokens for copies are derived from the real clause's jieba tokens by the
same digit mapping (:meth:`SynthCorpus.tokens`), exact whenever jieba keeps digit runs as
their own tokens (checked against real tokenization in ``bench.scale``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.types import Chunk, Document

_DIGITS = re.compile(r"\d+")
SYNTH_LEVELS = ("省", "市")


def issuing_regions(gazetteer) -> list[str]:
    """Every province and city of the gazetteer, in gazetteer order."""
    return [r.name for r in gazetteer.regions() if r.level in SYNTH_LEVELS]


def perturb_number(s: str, rng: random.Random) -> str:
    """A different number of the same kind: years shifted, other figures scaled."""
    v = int(s)
    if len(s) == 4 and s[:2] in ("19", "20"):
        new = v + rng.choice((-2, -1, 1, 2))
    else:
        new = int(round(v * rng.uniform(0.5, 1.6)))
        if new == v:
            new = v + 1
        new = max(new, 1)
    return str(new)


def perturb_text(text: str, mapping: dict[str, str], rng: random.Random) -> str:
    """``text`` with every digit run replaced through ``mapping`` (extended as needed)."""

    def sub(m: re.Match) -> str:
        s = m.group(0)
        if s not in mapping:
            mapping[s] = perturb_number(s, rng)
        return mapping[s]

    return _DIGITS.sub(sub, text)


def map_tokens(tokens: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """Apply a digit mapping to tokens: pure-digit tokens are mapped, digit runs inside
    mixed tokens too."""
    out = []
    for t in tokens:
        if t.isdigit() and t.isascii():
            out.append(mapping.get(t, t))
        elif any(ch.isdigit() for ch in t):
            out.append(_DIGITS.sub(lambda m: mapping.get(m.group(0), m.group(0)), t))
        else:
            out.append(t)
    return out


@dataclass
class SynthCorpus:
    """Documents and indexed chunks; ``source[i]`` = the real row chunk ``i`` copies and
    ``mapping_of[i]`` = index into ``mappings`` (the digit mapping of its document copy)."""

    docs: list[Document]
    chunks: list[Chunk]
    source: np.ndarray  # (n,) int32
    mapping_of: np.ndarray  # (n,) int32, -1 for the real chunks
    mappings: list[dict[str, str]] = field(default_factory=list)
    n_real: int = 0

    def __len__(self) -> int:
        return len(self.chunks)

    def tokens(
        self, i: int, real_tokens: Callable[[int, str], tuple[list[str], list[str]]]
    ) -> list[str]:
        """BM25 tokens of chunk ``i`` (heading then text, as ``qa.index.embed_text``) derived
        from ``real_tokens(source_row, region)`` = (heading tokens, text tokens) of the real
        clause re-issued under ``region`` before digit mapping. Headings are not perturbed."""
        c = self.chunks[i]
        head, toks = real_tokens(int(self.source[i]), c.region)
        m = int(self.mapping_of[i])
        return head + (toks if m < 0 else map_tokens(toks, self.mappings[m]))


def _renamer(gazetteer, region: str) -> tuple[re.Pattern | None, str]:
    """Pattern matching the names of ``region`` (canonical + aliases ≥ 2 chars)."""
    if region == "全国" or region not in gazetteer:
        return None, region
    r = gazetteer.get(region)
    names = sorted(
        {r.name, *(a for a in r.aliases if len(a) >= 2)}, key=len, reverse=True
    )
    return re.compile("|".join(map(re.escape, names))), region


def reissue_text(text: str, pattern: re.Pattern | None, new_region: str) -> str:
    """The clause text as issued by ``new_region`` (no change for national texts)."""
    return text if pattern is None else pattern.sub(new_region, text)


def generate(
    docs: Sequence[Document],
    rows: Sequence[Chunk],
    n: int,
    gazetteer,
    *,
    seed: int = 0,
    regions: Sequence[str] | None = None,
) -> SynthCorpus:
    """``n`` indexed chunks: the real ``rows`` first, then re-issued copies (see module doc).

    Args:
        docs: the real documents; rows: their indexed chunks (``Chunk.indexed``).
        regions: issuing regions for the copies (default: every province and city).
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n!r}")
    rng = random.Random(seed)
    regions = list(regions) if regions is not None else issuing_regions(gazetteer)
    if not regions:
        raise ValueError("no issuing regions")
    chunks: list[Chunk] = list(rows[:n])
    source: list[int] = list(range(len(chunks)))
    mapping_of: list[int] = [-1] * len(chunks)
    used_real = {c.doc_id for c in chunks}
    out_docs: list[Document] = [d for d in docs if d.id in used_real]
    mappings: list[dict[str, str]] = []
    copies = _reissues(docs, rows, n - len(chunks), gazetteer, regions, rng)
    for doc, doc_chunks, sources, mapping in copies:
        out_docs.append(doc)
        mi = len(mappings)
        mappings.append(mapping)
        chunks.extend(doc_chunks)
        source.extend(sources)
        mapping_of.extend([mi] * len(doc_chunks))
    return SynthCorpus(
        out_docs,
        chunks,
        np.asarray(source, np.int32),
        np.asarray(mapping_of, np.int32),
        mappings,
        n_real=min(n, len(rows)),
    )


def _reissues(
    docs: Sequence[Document],
    rows: Sequence[Chunk],
    budget: int,
    gazetteer,
    regions: Sequence[str],
    rng: random.Random,
) -> Iterator[tuple[Document, list[Chunk], list[int], dict[str, str]]]:
    """Document copies, region after region, round after round, until ``budget`` chunks:
    each as (document, its chunks, the real row of each chunk, its digit mapping)."""
    by_id = {d.id: d for d in docs}
    row_index = {c.id: i for i, c in enumerate(rows)}
    groups: dict[str, list[Chunk]] = {}
    for c in rows:
        groups.setdefault(c.doc_id, []).append(c)
    renamers = {}
    copy = 0
    while budget > 0:
        copy += 1
        for region in regions:
            for doc_id, drows in groups.items():
                if budget <= 0:
                    break
                real = by_id[doc_id]
                if real.region not in renamers:
                    renamers[real.region] = _renamer(gazetteer, real.region)
                # A re-issue by the original region keeps the text's own names.
                pattern = None if region == real.region else renamers[real.region][0]
                new_id = f"syn-{copy}-{region}-{doc_id}"
                doc, order, doc_chunks, mapping = _reissue(
                    real, drows, region, pattern, new_id, budget, gazetteer, rng
                )
                budget -= len(doc_chunks)
                yield doc, doc_chunks, [row_index[c.id] for c in order], mapping
            if budget <= 0:
                break


def _reissue(
    real: Document,
    drows: Sequence[Chunk],
    region: str,
    pattern: re.Pattern | None,
    new_id: str,
    budget: int,
    gazetteer,
    rng: random.Random,
) -> tuple[Document, list[Chunk], list[Chunk], dict[str, str]]:
    """One copy of ``real`` issued by ``region``: at most ``budget`` of its clauses
    (``drows``) shuffled, names substituted, figures perturbed. Returns the document,
    the real clauses in copy order, the copy's chunks and its digit mapping."""
    mapping: dict[str, str] = {}
    order = list(drows)
    rng.shuffle(order)
    order = order[:budget]
    texts = [
        perturb_text(reissue_text(c.text, pattern, region), mapping, rng) for c in order
    ]
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    doc = _copy_document(
        real, new_id, region, pattern, "\n".join(texts), mapping, gazetteer, rng
    )
    chunks = [
        Chunk(
            id=f"{new_id}-{j}",
            doc_id=new_id,
            region=region,
            clause_path=c.clause_path,
            start=s,
            end=s + len(t),
            text=t,
            departments=c.departments,
            kind="clause",
        )
        for j, (c, t, s) in enumerate(zip(order, texts, starts))
    ]
    return doc, order, chunks, mapping


def _copy_document(
    real: Document,
    new_id: str,
    region: str,
    pattern: re.Pattern | None,
    text: str,
    mapping: dict[str, str],
    gazetteer,
    rng: random.Random,
) -> Document:
    """The document record of a copy (title and number perturbed with its mapping)."""
    level = gazetteer.get(region).level if region in gazetteer else real.level
    parent = gazetteer.get(region).parent if region in gazetteer else real.parent_region
    return Document(
        id=new_id,
        title=perturb_text(reissue_text(real.title, pattern, region), mapping, rng),
        region=region,
        level=level,
        parent_region=parent,
        issuers=real.issuers,
        doc_number=perturb_text(real.doc_number, mapping, rng),
        date=real.date,
        file=f"<synthetic copy of {real.file}>",
        seed=real.seed,
        text=text,
        derived=("synthetic",),
    )


def synth_vectors(
    real: np.ndarray,
    source: np.ndarray,
    *,
    sigma: float = 0.02,
    seed: int = 0,
    n_real: int = 0,
    block: int = 65536,
) -> np.ndarray:
    """(n, dim) float32 unit vectors: ``real[source[i]]`` + N(0, sigma²) noise, renormalized.

    The first ``n_real`` rows are the real vectors unchanged. With dim=384 and sigma=0.02
    a copy's cosine to its source is ≈0.93 — synthetic, not model output.
    """
    real = np.asarray(real, np.float32)
    n, dim = len(source), real.shape[1]
    out = np.empty((n, dim), np.float32)
    rng = np.random.default_rng(seed)
    for s in range(0, n, block):
        e = min(n, s + block)
        x = real[source[s:e]] + sigma * rng.standard_normal(
            (e - s, dim), dtype=np.float32
        )
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[s:e] = x
    out[:n_real] = real[source[:n_real]]
    return out
