#!/usr/bin/env python3
"""Score cleaners.dedup on a near-duplicate evaluation set, the way score.py does.

Reads ``NNN.txt`` files (one paragraph per line) in sorted file-name order, checks their
paragraphs with a fresh `DedupIndex`, and compares the flagged paragraphs with the gold
``duplicate_of`` exactly as ``duplicate_metric`` in ``../shared/eval/score.py`` does:
a gold duplicate counts as found when its folded text is among the flagged paragraphs of
its document. Prints one JSON line.

    .venv/bin/python bench/eval_dedup.py [--set ../shared/eval/near_duplicates] [--misses]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaners.dedup import DedupConfig, DedupIndex, ParagraphRef

_WORD = re.compile(r"\w+", re.UNICODE)


def norm(text: str) -> str:
    # The same folding as score.py's norm(), so the figures match the scorer's.
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def main() -> int:
    here = Path(__file__).resolve()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path,
                        default=here.parents[2] / "shared" / "eval" / "near_duplicates")
    parser.add_argument("--misses", action="store_true", help="print what was missed or wrong")
    args = parser.parse_args()

    with open(args.set / "gold.jsonl", encoding="utf-8") as rows:
        gold = [json.loads(row) for row in rows]
    refs = []
    for path in sorted(args.set.glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        refs += [ParagraphRef(path.name, n, line) for n, line in enumerate(lines)]
    index = DedupIndex(DedupConfig())
    start = time.perf_counter()
    found = index.check_and_add(refs)
    seconds = time.perf_counter() - start

    text_of = {(r.doc_id, r.position): r.text for r in refs}
    flagged: dict[str, list[str]] = {}
    for dup in found:
        flagged.setdefault(dup.doc_id, []).append(norm(text_of[(dup.doc_id, dup.position)]))
    by_position = {(d.doc_id, d.position): d for d in found}
    counts: Counter[tuple[bool, bool]] = Counter()
    for item in gold:
        marks = flagged.get(item["source"], [])
        for n, (para, dup) in enumerate(zip(item["paragraphs"], item["duplicate_of"], strict=True)):
            hit = norm(para) in marks
            counts[(dup is not None, hit)] += 1
            if args.misses and (dup is not None) != hit:
                got = by_position.get((item["source"], n))
                print(f"{'missed' if dup else 'false'} {item['source']}#{n} gold={dup} got={got}",
                      file=sys.stderr)
    tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
    # Beyond score.py: how often the kept copy named is the gold one.
    right_source = sum(
        1 for item in gold for n, dup in enumerate(item["duplicate_of"])
        if dup and (d := by_position.get((item["source"], n))) is not None
        and f"{d.of_doc_id}#{d.of_position}" == dup)
    print(json.dumps({
        "set": args.set.name, "paragraphs": sum(counts.values()),
        "precision": round(tp / max(1, tp + fp), 4), "recall": round(tp / max(1, tp + fn), 4),
        "gold_duplicates": tp + fn, "flagged": len(found), "same_kept_copy_as_gold": right_source,
        "kinds": dict(Counter(d.kind for d in found)), "seconds": round(seconds, 3),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
