"""Measure legacy-charset detection on real sentences re-encoded in legacy code pages.

Two sources of correct text: the project's own test sentences
(tests/data/multilingual.json, 42 languages) and the UD PUD sentences of
../shared/eval/lang_sentences (read to measure, never tuned on line by line). Each
sentence, and each paragraph of five, is encoded in the code pages its language was
really served in; a case is right when `decode_bytes` gives back exactly the text.
charset-normalizer's own ranking, ``from_bytes(data).best()``, is scored on the same
bytes for comparison. Sentences a code page cannot encode, or that stay ASCII, are
skipped. Also prints the highest implausibility score of a right answer, which the
thresholds in cleaners/decode/decoder.py are set against.

    .venv/bin/python bench/eval_legacy_detection.py [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import charset_normalizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.decode import Decoded, decode_bytes  # noqa: E402
from cleaners.decode.plausibility import implausibility  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval" / "lang_sentences"

# Code pages each language's legacy web pages actually used.
CODEPAGES = {
    "en": ["cp1252"], "fr": ["cp1252", "iso8859-15", "mac-roman"], "de": ["cp1252"],
    "es": ["cp1252"], "pt": ["cp1252"], "it": ["cp1252"], "nl": ["cp1252"],
    "sv": ["cp1252"], "da": ["cp1252"], "fi": ["cp1252"], "is": ["cp1252"],
    "pl": ["cp1250", "iso8859-2"], "cs": ["cp1250", "iso8859-2"], "sk": ["cp1250"],
    "hu": ["cp1250", "iso8859-2"], "hr": ["cp1250"], "sl": ["cp1250"], "tr": ["cp1254"],
    "lt": ["cp1257"], "lv": ["cp1257"], "et": ["cp1257"],
    "ru": ["cp1251", "koi8-r", "mac-cyrillic", "cp866", "iso8859-5"],
    "uk": ["cp1251", "koi8-u"], "bg": ["cp1251"], "sr": ["cp1251"],
    "el": ["cp1253", "iso8859-7"], "he": ["cp1255", "iso8859-8"],
    "ar": ["cp1256", "iso8859-6"], "th": ["cp874"], "zh": ["gb18030", "big5"],
    "zh-Hant": ["big5"], "ja": ["shift_jis", "euc_jp"], "ko": ["euc_kr"],
}
ASCII_MARKS = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'",  # noqa: RUF001
                             "—": "-", "–": "-"})  # noqa: RUF001


def sources() -> dict[str, dict[str, list[str]]]:
    own = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text("utf-8"))
    found = {"own": {k: v for k, v in own.items() if not k.startswith("_")}, "ud": {}}
    for path in sorted(SHARED.glob("*.txt")) if SHARED.is_dir() else []:
        found["ud"].setdefault(path.name[:2], []).append(path.read_text("utf-8").strip())
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    right: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    baseline: Counter[tuple[str, str]] = Counter()
    worst = (0.0, "")
    misses: Counter[tuple[str, str, str]] = Counter()
    for source, languages in sources().items():
        for lang, sentences in languages.items():
            units = [("sentence", s) for s in sentences] + [
                ("paragraph", "\n".join(sentences[i : i + 5])) for i in range(0, len(sentences), 5)
            ]
            for codec in CODEPAGES.get(lang, []):
                for unit, text in units:
                    try:
                        data = text.encode(codec)
                    except UnicodeEncodeError:
                        text = text.translate(ASCII_MARKS)
                        try:
                            data = text.encode(codec)
                        except UnicodeEncodeError:
                            continue
                    if data.isascii():
                        continue
                    key = (source, unit)
                    total[key] += 1
                    result = decode_bytes(data)
                    if isinstance(result, Decoded) and result.text == text:
                        right[key] += 1
                        worst = max(worst, (implausibility(text), f"{lang}/{codec}"))
                    else:
                        misses[(source, unit, f"{lang}/{codec}")] += 1
                    if not args.no_baseline:
                        best = charset_normalizer.from_bytes(data).best()
                        baseline[key] += best is not None and str(best) == text
    for key in sorted(total):
        share = right[key] / total[key]
        line = f"{key[0]:4} {key[1]:9} ours {right[key]}/{total[key]} = {share:.3f}"
        if not args.no_baseline:
            line += f"   charset-normalizer best() {baseline[key] / total[key]:.3f}"
        print(line)
    print(f"highest score of a right answer: {worst[0]:.3f} ({worst[1]})")
    for (source, unit, where), count in sorted(misses.items()):
        print(f"  missed {count:3} {source} {unit} {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
