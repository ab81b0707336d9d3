"""Score LanguageDetector.detect on the dev sentence set the way score.py's language_metric does.

Each file of /work/shared/eval/lang_sentences is one document; its `language` column is
right when the detector's code, cut at "-", equals the gold ISO 639-1 code.  Prints one
JSON line: accuracy, per-language accuracy, the worst three, how many `und`, and the
commonest confusions.  Config fields can be overridden to measure a threshold:

    .venv/bin/python bench/eval_language.py [--root DIR] [--set n_trial=7 --set min_probability=0.5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from cleaners.language import LanguageConfig, LanguageDetector

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "lang_sentences"


def parse_overrides(pairs: list[str]) -> LanguageConfig:
    """Build a config from `field=value` strings, each value cast to the field's type."""
    base = LanguageConfig()
    changes: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        current = getattr(base, key)
        changes[key] = type(current)(value)
    return dataclasses.replace(base, **changes)


def evaluate(root: Path, config: LanguageConfig) -> dict[str, object]:
    """Detect every file of the set and compare with its gold language."""
    gold = [json.loads(line) for line in (root / "gold.jsonl").open(encoding="utf-8")]
    detector = LanguageDetector(config)
    per: dict[str, list[bool]] = {}
    confusions: Counter[str] = Counter()
    und = 0
    start = time.perf_counter()
    for item in gold:
        text = (root / item["source"]).read_text(encoding="utf-8")
        got = detector.detect(text).language.split("-")[0]
        ok = got == item["language"]
        per.setdefault(item["language"], []).append(ok)
        und += got == "und"
        if not ok:
            confusions[f"{item['language']}->{got}"] += 1
    seconds = time.perf_counter() - start
    scores = {k: round(statistics.mean(v), 3) for k, v in sorted(per.items())}
    return {
        "accuracy": round(sum(sum(v) for v in per.values()) / max(1, len(gold)), 4),
        "worst": sorted((v, k) for k, v in scores.items())[:3],
        "per_language": scores,
        "und": und,
        "confusions": dict(confusions.most_common(12)),
        "sentences_per_s": round(len(gold) / seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a LanguageConfig field",
    )
    args = parser.parse_args()
    result = evaluate(args.root, parse_overrides(args.overrides))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
