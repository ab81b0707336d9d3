"""Time LanguageDetector.detect against naive whole-text langdetect on ~3.5 KB documents.

The documents are the five seed articles plus, for each language of the dev sentence
set, its sentences joined in order into ~3.5 KB documents (paragraphs of ~5 sentences),
so the figure covers Latin, Cyrillic, Arabic and Han text.  Each method runs over all
documents `--rounds` times in this one process (pinned to one core where the OS allows);
the printed rate is the median over rounds.  "naive" is what the library's README
suggests: `DetectorFactory.seed = 0; langdetect.detect(text)` on the whole text.
"agree" is the share of documents where both give the same ISO 639-1 code.

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


def load_documents(shared: Path) -> list[str]:
    """Return the seed documents and ~3.5 KB documents joined from the dev sentences."""
    docs = [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
    root = shared / "eval" / "lang_sentences"
    by_language: dict[str, list[str]] = {}
    for line in (root / "gold.jsonl").open(encoding="utf-8"):
        item = json.loads(line)
        text = (root / item["source"]).read_text(encoding="utf-8").strip()
        by_language.setdefault(item["language"], []).append(text)
    for sentences in by_language.values():
        made, current, paragraph = 0, [], []
        for sentence in sentences:
            paragraph.append(sentence)
            if len(paragraph) == 5:
                current.append(" ".join(paragraph))
                paragraph = []
            if sum(map(len, current)) >= DOC_CHARS:
                docs.append("\n".join(current))
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


def rate(fn: Callable[[str], object], docs: list[str], rounds: int) -> float:
    """Median documents per second over `rounds` passes."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for doc in docs:
            fn(doc)
        rates.append(len(docs) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="FIELD=VALUE", help="override a LanguageConfig field")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    docs = load_documents(args.shared)
    langdetect.DetectorFactory.seed = 0
    naive(docs[0])  # load langdetect's global profiles outside the timing
    detector = LanguageDetector(parse_overrides(args.overrides))

    def with_paragraphs(text: str) -> object:
        guess = detector.detect(text)
        return detector.detect_paragraphs(text.split("\n"), guess)

    ours_rate = rate(detector.detect, docs, args.rounds)
    naive_rate = rate(naive, docs, args.rounds)
    paragraphs_rate = rate(with_paragraphs, docs, args.rounds)
    ours = [detector.detect(d).language for d in docs]
    theirs = [naive(d) for d in docs]
    result = {
        "documents": len(docs),
        "mean_chars": round(statistics.mean(map(len, docs))),
        "detect_docs_per_s": round(ours_rate, 1),
        "naive_docs_per_s": round(naive_rate, 1),
        "speedup": round(ours_rate / naive_rate, 2),
        "detect_plus_paragraphs_docs_per_s": round(paragraphs_rate, 1),
        "agree": round(sum(a == b for a, b in zip(ours, theirs, strict=True)) / len(docs), 3),
        "languages": sorted(set(ours)),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
