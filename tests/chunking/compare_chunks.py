"""Compare the real corpus's chunks before and after a chunking change.

    PYTHONPATH=$PWD .venv/bin/python tests/chunking/compare_chunks.py dump before.json
    (change the code)
    PYTHONPATH=$PWD .venv/bin/python tests/chunking/compare_chunks.py dump after.json
    PYTHONPATH=$PWD .venv/bin/python tests/chunking/compare_chunks.py diff before.json after.json

``diff`` lists chunks removed and added (by id and text) and fields that changed on a
chunk whose id stayed; it exits 1 when anything differs.
"""

from __future__ import annotations

import json
import sys

FIELDS = (
    "clause_path",
    "start",
    "end",
    "kind",
    "restates",
    "restated_by",
    "departments",
)


def dump(path: str) -> None:
    from qa.chunking import chunk_corpus
    from qa.corpus import load_corpus

    rows = [
        {"id": c.id, "doc_id": c.doc_id, "text": c.text}
        | {f: getattr(c, f) for f in FIELDS}
        for c in chunk_corpus(load_corpus())
    ]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False, indent=0)
    print(f"{len(rows)} chunks written to {path}")


def diff(before_path: str, after_path: str) -> int:
    with open(before_path, encoding="utf-8") as f:
        before = json.load(f)
    with open(after_path, encoding="utf-8") as f:
        after = json.load(f)
    keys_b = {(r["id"], r["text"]) for r in before}
    keys_a = {(r["id"], r["text"]) for r in after}
    by_id = {r["id"]: r for r in before}
    changed = [
        (r["id"], f, by_id[r["id"]][f], r[f])
        for r in after
        if r["id"] in by_id
        for f in FIELDS
        if by_id[r["id"]][f] != r[f]
    ]
    print(f"before {len(before)}, after {len(after)} chunks")
    for r in before:
        if (r["id"], r["text"]) not in keys_a:
            print(
                "-",
                r["doc_id"],
                r["kind"],
                " > ".join(r["clause_path"]),
                r["text"][:60].replace("\n", " "),
            )
    for r in after:
        if (r["id"], r["text"]) not in keys_b:
            print(
                "+",
                r["doc_id"],
                r["kind"],
                " > ".join(r["clause_path"]),
                r["text"][:60].replace("\n", " "),
            )
    for cid, f, old, new in changed:
        print("~", cid, f, old, "->", new)
    return int(keys_a != keys_b or bool(changed))


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"] and len(sys.argv) == 3:
        dump(sys.argv[2])
    elif sys.argv[1:2] == ["diff"] and len(sys.argv) == 4:
        sys.exit(diff(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
