"""Measure decoding and repair on the encodings dev set, scored exactly as the pipeline is.

Every file of ../shared/eval/encodings (``legacy/``: files in legacy code pages;
``ftfy/``: real-world mojibake strings) goes through `decode_bytes` then
`normalize_text`; the result is scored with ``text_metric`` imported from
../shared/eval/score.py, so the figure is the one the scorer would print for the
text stages alone (no HTML extraction or boilerplate removal). Every miss is listed,
not just the scorer's first three.

    .venv/bin/python bench/eval_encodings.py [--set DIR] [--baseline]

``--baseline`` scores charset-normalizer's ``from_bytes(...).best()`` followed by
ftfy's default ``fix_text`` instead, for comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.decode import Decoded, decode_bytes  # noqa: E402  (after the path set-up)
from cleaners.normalize import normalize_text  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", SHARED / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(data: bytes) -> tuple[str, str]:
    decoded = decode_bytes(data)
    if not isinstance(decoded, Decoded):
        return "", f"rejected:{decoded.reason}"
    return normalize_text(decoded.text).text, f"{decoded.method}:{decoded.encoding}"


def baseline(data: bytes) -> tuple[str, str]:
    import charset_normalizer
    import ftfy

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return "", "rejected"
    return ftfy.fix_text(str(best)), f"cn:{best.encoding}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=SHARED / "encodings")
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    score = load_scorer()
    with open(args.set / "gold.jsonl", encoding="utf-8") as lines:
        gold = [json.loads(line) for line in lines]
    run = baseline if args.baseline else ours
    docs: dict[str, dict[str, str]] = {}
    how: dict[str, str] = {}
    for item in gold:
        text, method = run((args.set / item["source"]).read_bytes())
        docs[item["source"]] = {"text": text}
        how[item["source"]] = method
    result = score.text_metric(gold, docs)
    by_part: dict[str, list[int]] = {}
    misses = []
    for item in gold:
        # The scorer's own condition, repeated to list every miss.
        got = docs[item["source"]]["text"]
        want = score.fold(item["text"])
        paragraphs = [score.fold(p) for p in got.split("\n") if score.fold(p)]
        ok = bool(paragraphs) and all(p in want for p in paragraphs) and sum(
            map(len, paragraphs)
        ) >= 0.5 * len(want)
        part = item["source"].split("/")[0]
        by_part.setdefault(part, [0, 0])
        by_part[part][0] += ok
        by_part[part][1] += 1
        if not ok:
            bad = next((p for p in paragraphs if p not in want), "")
            misses.append((item["source"], how[item["source"]], bad[:70], want[:70]))
    print(json.dumps({"decoded_right": result["decoded_right"], "files": len(gold),
                      "by_folder": {k: f"{v[0]}/{v[1]}" for k, v in by_part.items()}},
                     ensure_ascii=False))
    for source, method, got, want in misses:
        print(f"MISS {source} [{method}]\n  got:  {got!r}\n  want: {want!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
