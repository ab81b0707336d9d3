"""Time LanguageDetector (naive-Bayes judge) against its langdetect judge and naive langdetect.

The documents are the five seed articles plus, for each language of the dev sentence
set, its sentences joined in order into ~3.5 KB documents (paragraphs of ~5 sentences),
so the figure covers Latin, Cyrillic, Arabic and Han text.  Each method runs over all
documents once per round, the methods taking turns, in this one process pinned to one
core where the OS allows.  Rates are documents per CPU-second of this process (so other
work on a shared machine slows them less than wall time would), medians over rounds;
speedups are medians of the per-round ratios.  Methods:

- "detect": `LanguageDetector.detect` as configured (default judge: naive Bayes);
- "old": the same with `judge="langdetect"` (langdetect's random walks, as before);
- "naive": what langdetect's README suggests, `DetectorFactory.seed = 0;
  langdetect.detect(text)` on the whole text;
- "*_plus_paragraphs": `detect`, then `detect_paragraphs` on the document's lines.

"agree_*" is the share of documents where two methods give the same ISO 639-1 code,
"accuracy_*" the share each gets right (seeds are French; a joined document has its
sentences' language).

`--e2e DIR` times `cleaners.pipeline.clean_document` instead, over the first `--docs`
documents of a bench corpus (flows.inputs order), one Toolkit built per judge outside
the timing: documents per CPU-second, median of `--rounds` passes.

    .venv/bin/python bench/bench_language.py [--rounds 5] [--set sample_chars=400]
    .venv/bin/python bench/bench_language.py --e2e bench/corpus/e2e-10000-seed1 --rounds 3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import langdetect
from langdetect.lang_detect_exception import LangDetectException

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_language import parse_overrides

from cleaners.language import LanguageConfig, LanguageDetector
from cleaners.pipeline import PipelineConfig, RawDocument, Toolkit, clean_document

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


def rate(fn: Callable[[Any], object], docs: Sequence[Any]) -> float:
    """Documents per CPU-second for one pass of `fn` over `docs`."""
    start = time.process_time()
    for doc in docs:
        fn(doc)
    return len(docs) / (time.process_time() - start)


def _clean(kit: Toolkit, raw: RawDocument) -> object:
    return clean_document(raw, kit)


def e2e(corpus: Path, docs: int, rounds: int, config: LanguageConfig) -> dict[str, object]:
    """Documents per CPU-second of clean_document, naive-Bayes judge vs langdetect judge."""
    from flows.inputs import discover, read_documents
    from flows.settings import Limits

    raws: list[RawDocument] = []
    files, _ = discover(corpus)
    for file in files:
        raws.extend(r for r in read_documents(file, Limits()) if isinstance(r, RawDocument))
        if len(raws) >= docs:
            break
    raws = raws[:docs]
    kits = {
        judge: Toolkit(PipelineConfig(language=dataclasses.replace(config, judge=judge)))
        for judge in ("naive_bayes", "langdetect")
    }
    # An untimed pass first: trafilatura's one-off warm-up (about a second, on the first
    # HTML page) must not land in whichever judge happens to be timed first.
    languages = {
        judge: [getattr(clean_document(raw, kit), "language", None) for raw in raws]
        for judge, kit in kits.items()
    }
    timings: dict[str, list[float]] = {judge: [] for judge in kits}
    for _ in range(rounds):
        for judge, kit in kits.items():
            timings[judge].append(rate(partial(_clean, kit), raws))
    new, old = languages["naive_bayes"], languages["langdetect"]
    return {
        "documents": len(raws),
        "docs_per_s": round(statistics.median(timings["naive_bayes"]), 1),
        "old_docs_per_s": round(statistics.median(timings["langdetect"]), 1),
        "speedup": round(
            statistics.median(a / b for a, b in zip(*timings.values(), strict=True)), 2
        ),
        "document_language_agree": round(
            sum(a == b for a, b in zip(new, old, strict=True)) / len(raws), 4
        ),
    }


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
    parser.add_argument("--e2e", type=Path, metavar="CORPUS", help="time clean_document")
    parser.add_argument("--docs", type=int, default=500)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    config = parse_overrides(args.overrides)
    if args.e2e is not None:
        print(json.dumps(e2e(args.e2e, args.docs, args.rounds, config)))
        return 0
    gold, docs = zip(*load_documents(args.shared), strict=True)
    langdetect.DetectorFactory.seed = 0
    naive(docs[0])  # load langdetect's global profiles outside the timing
    new = LanguageDetector(config)
    old = LanguageDetector(dataclasses.replace(config, judge="langdetect"))

    def with_paragraphs(detector: LanguageDetector) -> Callable[[str], object]:
        def run(text: str) -> object:
            guess = detector.detect(text)
            return detector.detect_paragraphs(text.split("\n"), guess)

        return run

    methods: dict[str, Callable[[str], object]] = {
        "detect": new.detect,
        "old": old.detect,
        "naive": naive,
        "detect_plus_paragraphs": with_paragraphs(new),
        "old_plus_paragraphs": with_paragraphs(old),
    }
    rounds = [
        {name: rate(fn, list(docs)) for name, fn in methods.items()} for _ in range(args.rounds)
    ]

    def median_ratio(a: str, b: str) -> float:
        return round(statistics.median(r[a] / r[b] for r in rounds), 2)

    answers = {
        "detect": [new.detect(d).language for d in docs],
        "old": [old.detect(d).language for d in docs],
        "naive": [naive(d) for d in docs],
    }

    def share(a: list[str], b: list[str] | tuple[str, ...]) -> float:
        return round(sum(x == y for x, y in zip(a, b, strict=True)) / len(docs), 3)

    result: dict[str, object] = {
        "documents": len(docs),
        "mean_chars": round(statistics.mean(map(len, docs))),
        **{
            f"{name}_docs_per_s": round(statistics.median(r[name] for r in rounds), 1)
            for name in methods
        },
        "speedup_vs_old": median_ratio("detect", "old"),
        "speedup_vs_naive": median_ratio("detect", "naive"),
        "speedup_plus_paragraphs_vs_old": median_ratio(
            "detect_plus_paragraphs", "old_plus_paragraphs"
        ),
        "agree_old": share(answers["detect"], answers["old"]),
        "agree_naive": share(answers["detect"], answers["naive"]),
        **{f"accuracy_{name}": share(codes, gold) for name, codes in answers.items()},
        "languages": sorted(set(answers["detect"])),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
