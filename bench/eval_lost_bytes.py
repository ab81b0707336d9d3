"""Measure lost-byte repair on tests/data/lost_bytes.jsonl, beside ftfy alone.

Every sentence is pushed through a cp1252 round trip as real ones happen (its UTF-8
bytes read as cp1252, the five undefined bytes becoming U+FFFD), then repaired by
ftfy's ``fix_text`` alone and by textclean's `normalize_text`. A sentence counts when it
comes back exactly (after NFC, which both the source and textclean's output are in).

    .venv/bin/python bench/eval_lost_bytes.py [-v]
"""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import ftfy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.normalize import NormalizeConfig, normalize_text  # noqa: E402

SET = ROOT / "tests" / "data" / "lost_bytes.jsonl"


def round_trip(sentence: str) -> str:
    """What a cp1252 round trip makes of `sentence`: undefined bytes become U+FFFD."""
    return sentence.encode("utf-8").decode("cp1252", errors="replace")


def main() -> None:
    rows = [json.loads(line) for line in SET.open(encoding="utf-8")]
    verbose = "-v" in sys.argv
    scores: dict[str, dict[str, list[int]]] = {"ftfy": defaultdict(lambda: [0, 0]),
                                               "textclean": defaultdict(lambda: [0, 0])}
    seconds = 0.0
    for row in rows:
        damaged = round_trip(row["text"])
        start = time.perf_counter()
        ours = normalize_text(damaged, NormalizeConfig(restore_lost_bytes=True)).text
        seconds += time.perf_counter() - start
        theirs = unicodedata.normalize("NFC", ftfy.fix_text(damaged))
        for name, got in (("ftfy", theirs), ("textclean", ours)):
            for key in (row["language"], "lost byte" if row["lost_byte"] else "no lost byte",
                        "all"):
                scores[name][key][0] += got == row["text"]
                scores[name][key][1] += 1
        if verbose and ours != row["text"]:
            print(f"MISS {row['language']}: {ours!r}\n   want {row['text']!r}")
    keys = [*sorted(k for k in scores["ftfy"] if len(k) == 2), "lost byte", "no lost byte", "all"]
    print(f"{'':14} {'ftfy alone':>12} {'textclean':>12}  sentences")
    for key in keys:
        f, t = scores["ftfy"][key], scores["textclean"][key]
        print(f"{key:14} {f[0] / f[1]:12.4f} {t[0] / t[1]:12.4f}  {t[1]}")
    print(f"textclean normalize: {1000 * seconds / len(rows):.2f} ms/sentence")


if __name__ == "__main__":
    main()
