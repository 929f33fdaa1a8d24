"""Consistency checks for the hand-written gold set ``eval/gold.jsonl``.

Stdlib + tomllib only: no project code is imported, so this runs before anything else exists.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "gold.jsonl"
CORPUS = ROOT / "corpus"

TYPES = {
    "factoid",
    "which_region",
    "region_specific",
    "comparison",
    "list",
    "out_of_scope",
}
REQUIRED = {
    "id",
    "question",
    "type",
    "expected_regions",
    "evidence",
    "key_facts",
    "answerable",
    "fallback",
}
OPTIONAL = {"region", "notes"}
# A table of appendix rows restating the body starts with a line that is exactly "附件";
# evidence must point into the body, so no occurrence may lie after that line.
APPENDIX_MARKER = "\n附件\n"


def _load_docs() -> dict[str, dict]:
    with open(CORPUS / "documents.toml", "rb") as f:
        meta = tomllib.load(f)
    docs = {}
    for d in meta["document"]:
        text = (CORPUS / d["file"]).read_text(encoding="utf-8")
        docs[d["id"]] = {"region": d["region"], "file": d["file"], "text": text}
    return docs


def _load_gold() -> list[dict]:
    items = []
    with open(GOLD, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except (
                    json.JSONDecodeError
                ) as e:  # pragma: no cover - reported as failure
                    pytest.fail(f"line {n}: invalid JSON: {e}")
    return items


DOCS = _load_docs()
ITEMS = _load_gold()


def _occurrences(text: str, span: str) -> list[int]:
    out, i = [], text.find(span)
    while i >= 0:
        out.append(i)
        i = text.find(span, i + 1)
    return out


def test_size():
    assert len(ITEMS) >= 120, len(ITEMS)


def test_ids_unique_and_well_formed():
    ids = [it["id"] for it in ITEMS]
    dup = [i for i, c in Counter(ids).items() if c > 1]
    assert not dup, dup
    assert all(
        isinstance(i, str) and i.startswith("q") and i[1:].isdigit() for i in ids
    )


def test_questions_unique():
    dup = [q for q, c in Counter(it["question"] for it in ITEMS).items() if c > 1]
    assert not dup, dup


@pytest.mark.parametrize("it", ITEMS, ids=lambda it: it["id"])
def test_schema(it):
    keys = set(it)
    assert REQUIRED <= keys, REQUIRED - keys
    assert keys <= REQUIRED | OPTIONAL, keys - REQUIRED - OPTIONAL
    assert it["type"] in TYPES
    assert isinstance(it["question"], str) and it["question"].strip()
    assert isinstance(it["answerable"], bool) and isinstance(it["fallback"], bool)
    assert isinstance(it["expected_regions"], list)
    assert all(isinstance(r, str) and r for r in it["expected_regions"])
    assert isinstance(it["key_facts"], list) and all(
        isinstance(k, str) and k for k in it["key_facts"]
    )
    assert isinstance(it["evidence"], list)
    for ev in it["evidence"]:
        assert set(ev) == {"doc_id", "text"}, ev
    if "region" in it:
        assert isinstance(it["region"], str) and it["region"]


@pytest.mark.parametrize("it", ITEMS, ids=lambda it: it["id"])
def test_evidence_is_exact_substring_of_named_doc(it):
    for ev in it["evidence"]:
        assert ev["doc_id"] in DOCS, f"unknown doc_id {ev['doc_id']}"
        doc = DOCS[ev["doc_id"]]
        span = ev["text"]
        assert 8 <= len(span) <= 200, f"evidence length {len(span)}: {span[:30]}"
        occ = _occurrences(doc["text"], span)
        assert occ, f"not a substring of {doc['file']}: {span!r}"
        cut = doc["text"].find(APPENDIX_MARKER)
        if cut >= 0:
            late = [p for p in occ if p >= cut]
            assert not late, (
                f"evidence also occurs in the appendix of {doc['file']}: {span!r}"
            )


@pytest.mark.parametrize("it", ITEMS, ids=lambda it: it["id"])
def test_key_facts_in_evidence(it):
    texts = [ev["text"] for ev in it["evidence"]]
    for k in it["key_facts"]:
        assert any(k in t for t in texts), f"key fact {k!r} not in any evidence text"


@pytest.mark.parametrize("it", ITEMS, ids=lambda it: it["id"])
def test_answerable_consistency(it):
    if it["type"] == "out_of_scope":
        assert it["answerable"] is False
        assert it["expected_regions"] == []
        assert it["key_facts"] == []
        assert it["fallback"] is False
    else:
        assert it["answerable"] is True
        assert it["evidence"], "answerable item without evidence"
        assert it["expected_regions"], "answerable item without expected_regions"
        assert it["key_facts"], "answerable item without key_facts"


@pytest.mark.parametrize(
    "it", [i for i in ITEMS if i["type"] != "out_of_scope"], ids=lambda it: it["id"]
)
def test_expected_regions_match_cited_docs(it):
    cited = {DOCS[ev["doc_id"]]["region"] for ev in it["evidence"]}
    assert set(it["expected_regions"]) == cited, (it["expected_regions"], cited)
    assert len(set(it["expected_regions"])) == len(it["expected_regions"])


def test_comparison_items_cite_two_regions():
    for it in ITEMS:
        if it["type"] == "comparison":
            assert len(it["expected_regions"]) >= 2, it["id"]


def test_enough_out_of_scope():
    n = sum(it["type"] == "out_of_scope" for it in ITEMS)
    assert n >= 20, n


def test_enough_fallback_cases():
    n = sum(it["fallback"] for it in ITEMS)
    assert n >= 5, n


def test_every_document_covered():
    per_doc = Counter()
    for it in ITEMS:
        for d in {ev["doc_id"] for ev in it["evidence"]}:
            per_doc[d] += 1
    for doc_id in DOCS:
        assert per_doc[doc_id] >= 10, (doc_id, per_doc[doc_id])


def test_every_type_present():
    counts = Counter(it["type"] for it in ITEMS)
    for t in TYPES:
        assert counts[t] >= 5, (t, counts[t])
