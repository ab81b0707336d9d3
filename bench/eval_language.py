"""Score LanguageDetector.detect on the dev sentence set the way score.py's language_metric does.

Each file of /work/shared/eval/lang_sentences is one document; its `language` column is
right when the detector's code, cut at "-", equals the gold ISO 639-1 code.  Prints one
JSON line: accuracy, per-language accuracy, the worst three, how many `und`, and the
commonest confusions.  Config fields can be overridden to measure a threshold:

    .venv/bin/python bench/eval_language.py [--root DIR] [--set n_trial=7 --set min_probability=0.5]

`--prefixes` adds accuracy on the sentences' word prefixes (1-12 words, `und` counted
wrong) by letters read; `--web` adds the 375 web documents of eval/boiler_lines (their
folder names the language): the share of documents named right, and for the content
lines of the documents named right, how often a line's own answer (every line judged,
whatever its length) equals its document's, by letters in the line's sample (CJK
weighted as in `detect_paragraphs`); lines whose own answer is `und` are counted apart.

`--ud` scores instead the short sentences of bench/data/lang_sentences.jsonl (26
languages from Universal Dependencies treebanks, never PUD; built by
bench/make_lang_sentences.py, sources in bench/data/SOURCES.md), per split (`tune`: the
500 sentences a language the tie-break rules and priors may be chosen on; `report`: the
100 their figures are given on; `second`: 100 further held-out ones, a second sample
to check a `report` figure against; `further`: the file `--sentences` names, written by
bench/make_lang_sentences.py --further), per language, with langdetect alone
(`langdetect.detect`, seed 0) beside.  Languages langdetect has no profile for (be, gl,
sr) are counted apart, as `no_profile`: what they come out as (be is also scored, as
it is named by its letters).
`--no-tiebreak` turns the close-language rule off, `--no-priors` the priors, to measure
what each adds; `--markdown` prints the per-language table of docs/language.md instead
(textclean, without the rule and priors, langdetect alone).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cleaners.language import (
    UNDETERMINED,
    LanguageConfig,
    LanguageDetector,
    LanguageGuess,
    sample_text,
    script_counts,
)

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "lang_sentences"
WEB_ROOT = DEFAULT_ROOT.parent / "boiler_lines"
UD_SENTENCES = Path(__file__).resolve().parent / "data" / "lang_sentences.jsonl"
# Languages of the UD set langdetect has no profile for: reported apart, never gated
# (be and Serbian in Cyrillic are named by their own letters, cleaners/language_letters.txt;
# the UD Serbian treebank is in Latin letters, which only a Serbian profile could tell).
NO_PROFILE = frozenset({"be", "gl", "sr"})
LETTER_BINS = ((6, 9), (9, 12), (12, 20), (20, 40), (40, 100_000))
LINE_BINS = ((20, 60), (60, 100), (100, 200), (200, 100_000))
# As cleaners.language weights scripts for paragraph length.
CJK_WEIGHTS = {"Hani": 3, "Kana": 2, "Hang": 2}


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


def _bin_name(low: int, high: int) -> str:
    return f"{low}+" if high >= 100_000 else f"{low}-{high - 1}"


def evaluate_prefixes(root: Path, config: LanguageConfig) -> dict[str, object]:
    """Accuracy on the 1-12-word prefixes of each sentence, by letters in the prefix."""
    gold = [json.loads(line) for line in (root / "gold.jsonl").open(encoding="utf-8")]
    detector = LanguageDetector(config)
    right: dict[str, list[bool]] = {_bin_name(*b): [] for b in LETTER_BINS}
    und = Counter[str]()
    for item in gold:
        words = (root / item["source"]).read_text(encoding="utf-8").split()
        for k in range(1, min(len(words), 12) + 1):
            prefix = " ".join(words[:k])
            letters = sum(map(str.isalpha, prefix))
            for low, high in LETTER_BINS:
                if low <= letters < high:
                    got = detector.detect(prefix).language
                    right[_bin_name(low, high)].append(got == item["language"])
                    und[_bin_name(low, high)] += got == UNDETERMINED
    return {
        name: {"n": len(v), "accuracy": round(statistics.mean(v), 4), "und": und[name]}
        for name, v in right.items()
        if v
    }


def evaluate_web(root: Path, config: LanguageConfig) -> dict[str, object]:
    """Documents of boiler_lines named right, and content lines agreeing with them."""
    detector = LanguageDetector(config)
    every_line = LanguageDetector(dataclasses.replace(config, paragraph_min_chars=0))
    documents: list[bool] = []
    agree: dict[str, list[bool]] = {_bin_name(*b): [] for b in LINE_BINS}
    und = Counter[str]()
    nothing = LanguageGuess(UNDETERMINED, 0.0)
    for line in (root / "gold.jsonl").open(encoding="utf-8"):
        item = json.loads(line)
        expected = item["source"].split("/")[0]
        guess = detector.detect("\n".join(item["lines"]))
        documents.append(guess.language == expected)
        if guess.language != expected:
            continue
        content = [t for t, label in zip(item["lines"], item["labels"], strict=True) if label]
        for text, own in zip(content, every_line.detect_paragraphs(content, nothing), strict=True):
            sample = sample_text(text, config.paragraph_sample_chars, config.sample_windows)
            weighted = sum(n * CJK_WEIGHTS.get(c, 1) for c, n in script_counts(sample).items())
            for low, high in LINE_BINS:
                if low <= weighted < high:
                    if own.language == UNDETERMINED:
                        und[_bin_name(low, high)] += 1
                    else:
                        agree[_bin_name(low, high)].append(own.language == expected)
    return {
        "documents": len(documents),
        "documents_right": round(statistics.mean(documents), 4),
        "lines_agree": {
            name: {"n": len(v), "agree": round(statistics.mean(v), 4), "und": und[name]}
            for name, v in agree.items()
            if v
        },
    }


def _langdetect_alone(text: str) -> str:
    """What langdetect's README suggests: langdetect.detect on the whole text, seed 0."""
    import langdetect
    from langdetect.lang_detect_exception import LangDetectException

    langdetect.DetectorFactory.seed = 0
    try:
        return str(langdetect.detect(text)).split("-")[0]
    except LangDetectException:
        return UNDETERMINED


def evaluate_ud(path: Path, config: LanguageConfig, splits: Sequence[str]) -> dict[str, object]:
    """Per-language accuracy on the UD short sentences, the detector beside langdetect."""
    detector = LanguageDetector(config)
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = [row for row in rows if row["split"] in splits]
    ours: dict[str, list[bool]] = {}
    alone: dict[str, list[bool]] = {}
    confusions: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    lettered: dict[str, list[bool]] = {}
    for row in rows:
        language, text = row["language"], row["text"]
        got = detector.detect(text).language
        if language in NO_PROFILE:
            answers[f"{language}->{got}"] += 1
            lettered.setdefault(language, []).append(got == language)
            continue
        ours.setdefault(language, []).append(got == language)
        alone.setdefault(language, []).append(_langdetect_alone(text) == language)
        if got != language:
            confusions[f"{language}->{got}"] += 1
    per = {
        code: {
            "ours": round(statistics.mean(v), 3),
            "langdetect": round(statistics.mean(alone[code]), 3),
            "n": len(v),
        }
        for code, v in sorted(ours.items())
    }
    total = sum(len(v) for v in ours.values())
    return {
        "splits": list(splits),
        "languages": len(per),
        "sentences": total,
        "accuracy": round(sum(sum(v) for v in ours.values()) / total, 4),
        "accuracy_langdetect": round(sum(sum(v) for v in alone.values()) / total, 4),
        "worst": sorted((v["ours"], k) for k, v in per.items())[:5],
        "per_language": per,
        "confusions": dict(confusions.most_common(20)),
        "no_profile": dict(answers.most_common(12)),
        # Outside `accuracy`: languages without a profile, named only by their letters.
        "named_by_letters": {
            code: round(statistics.mean(v), 3)
            for code, v in sorted(lettered.items())
            if code in detector.languages
        },
    }


def markdown_table(ours: dict[str, Any], bare: dict[str, Any]) -> str:
    """The per-language table of docs/language.md: with the rule, without, langdetect."""
    lines = [
        "| language | n | textclean | without rule and priors | langdetect alone |",
        "|---|---|---|---|---|",
        f"| all {ours['languages']} | {ours['sentences']} | {ours['accuracy']} "
        f"| {bare['accuracy']} | {ours['accuracy_langdetect']} |",
    ]
    for code, row in ours["per_language"].items():
        lines.append(
            f"| {code} | {row['n']} | {row['ours']} | {bare['per_language'][code]['ours']} "
            f"| {row['langdetect']} |"
        )
    for code, share in ours["named_by_letters"].items():
        lines.append(f"| {code} (no profile) | | {share} | 0 | 0 |")
    return "\n".join(lines)


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
    parser.add_argument("--prefixes", action="store_true", help="also score word prefixes")
    parser.add_argument("--web", action="store_true", help="also score boiler_lines documents")
    parser.add_argument(
        "--ud",
        choices=["tune", "report", "second", "further", "all"],
        help="score the UD short sentences of that split instead of the dev set",
    )
    parser.add_argument(
        "--sentences",
        type=Path,
        default=UD_SENTENCES,
        help="with --ud: the file (bench/make_lang_sentences.py --further writes one)",
    )
    parser.add_argument(
        "--no-tiebreak", action="store_true", help="turn the close-language rule off"
    )
    parser.add_argument("--no-priors", action="store_true", help="turn the priors off")
    parser.add_argument(
        "--markdown", action="store_true", help="with --ud: print the docs' per-language table"
    )
    args = parser.parse_args()
    config = parse_overrides(args.overrides)
    if args.no_tiebreak:
        config = dataclasses.replace(config, tiebreak=False)
    if args.no_priors:
        config = dataclasses.replace(config, priors=())
    if args.ud is not None:
        splits = ("tune", "report", "second") if args.ud == "all" else (args.ud,)
        result = evaluate_ud(args.sentences, config, splits)
        if args.markdown:
            bare = dataclasses.replace(config, tiebreak=False, priors=())
            print(markdown_table(result, evaluate_ud(args.sentences, bare, splits)))
        else:
            print(json.dumps(result, ensure_ascii=False))
        return 0
    result = evaluate(args.root, config)
    if args.prefixes:
        result["prefixes"] = evaluate_prefixes(args.root, config)
    if args.web:
        result["web"] = evaluate_web(WEB_ROOT, config)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
