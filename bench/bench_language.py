"""Time LanguageDetector.detect against naive whole-text langdetect on ~3.5 KB documents.

The documents are the five seed articles plus, for each language of the dev sentence
set, its sentences joined in order into ~3.5 KB documents (paragraphs of ~5 sentences),
so the figure covers Latin, Cyrillic, Arabic and Han text.  Each method runs over all
documents once per round, the methods taking turns, in this one process pinned to one
core where the OS allows.  Rates are documents per CPU-second of this process (so other
work on a shared machine slows them less than wall time would), medians over rounds;
the speedup is the median of the per-round ratios.  "naive" is what the library's README
suggests: `DetectorFactory.seed = 0; langdetect.detect(text)` on the whole text.
"agree" is the share of documents where both give the same ISO 639-1 code, and
"accuracy"/"naive_accuracy" the share each gets right (seeds are French; a joined
document has its sentences' language).

    .venv/bin/python bench/bench_language.py [--rounds 5] [--set sample_chars=400]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import langdetect
from langdetect.lang_detect_exception import LangDetectException

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_language import parse_overrides

from cleaners.language import LanguageDetector

SHARED = Path(__file__).resolve().parents[2] / "shared"
DOC_CHARS = 3500
DOCS_PER_LANGUAGE = 2


def load_documents(shared: Path) -> list[tuple[str, str]]:
    """Return (language, text) for the seeds and ~3.5 KB documents of dev sentences."""
    docs = [("fr", p.read_text(encoding="utf-8")) for p in sorted((shared / "seeds").glob("*.txt"))]
    root = shared / "eval" / "lang_sentences"
    by_language: dict[str, list[str]] = {}
    for line in (root / "gold.jsonl").open(encoding="utf-8"):
        item = json.loads(line)
        text = (root / item["source"]).read_text(encoding="utf-8").strip()
        by_language.setdefault(item["language"], []).append(text)
    for language, sentences in by_language.items():
        made, current, paragraph = 0, [], []
        for sentence in sentences:
            paragraph.append(sentence)
            if len(paragraph) == 5:
                current.append(" ".join(paragraph))
                paragraph = []
            if sum(map(len, current)) >= DOC_CHARS:
                docs.append((language, "\n".join(current)))
                made, current = made + 1, []
                if made == DOCS_PER_LANGUAGE:
                    break
    return docs


def naive(text: str) -> str:
    """Whole-text langdetect as commonly used (module-global seed)."""
    try:
        return str(langdetect.detect(text)).split("-")[0]
    except LangDetectException:
        return "und"


def rate(fn: Callable[[str], object], docs: list[str]) -> float:
    """Documents per CPU-second for one pass of `fn` over `docs`."""
    start = time.process_time()
    for doc in docs:
        fn(doc)
    return len(docs) / (time.process_time() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a LanguageConfig field",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    gold, docs = zip(*load_documents(args.shared), strict=True)
    langdetect.DetectorFactory.seed = 0
    naive(docs[0])  # load langdetect's global profiles outside the timing
    detector = LanguageDetector(parse_overrides(args.overrides))

    def with_paragraphs(text: str) -> object:
        guess = detector.detect(text)
        return detector.detect_paragraphs(text.split("\n"), guess)

    rounds = [
        (
            rate(detector.detect, list(docs)),
            rate(naive, list(docs)),
            rate(with_paragraphs, list(docs)),
        )
        for _ in range(args.rounds)
    ]
    ours_rate = statistics.median(r[0] for r in rounds)
    naive_rate = statistics.median(r[1] for r in rounds)
    paragraphs_rate = statistics.median(r[2] for r in rounds)
    speedup = statistics.median(r[0] / r[1] for r in rounds)
    ours = [detector.detect(d).language for d in docs]
    theirs = [naive(d) for d in docs]
    result = {
        "documents": len(docs),
        "mean_chars": round(statistics.mean(map(len, docs))),
        "detect_docs_per_s": round(ours_rate, 1),
        "naive_docs_per_s": round(naive_rate, 1),
        "speedup": round(speedup, 2),
        "detect_plus_paragraphs_docs_per_s": round(paragraphs_rate, 1),
        "agree": round(sum(a == b for a, b in zip(ours, theirs, strict=True)) / len(docs), 3),
        "accuracy": round(sum(a == b for a, b in zip(ours, gold, strict=True)) / len(docs), 3),
        "naive_accuracy": round(
            sum(a == b for a, b in zip(theirs, gold, strict=True)) / len(docs), 3
        ),
        "languages": sorted(set(ours)),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
