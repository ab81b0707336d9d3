"""Build bench/data/lang_sentences.jsonl: short sentences of 24 languages from UD treebanks.

Reads the `# text = ` lines of Universal Dependencies treebanks (never the PUD ones,
which the shared dev set is made of), from snapshots of their GitHub repositories
(UniversalDependencies/UD_*), one directory each under MIRROR.  Per language it keeps
sentences of 4+ words and 20-150 characters, drops repeats, shuffles them with a fixed
seed and keeps 200: the even positions are the `tune` split (rules may be chosen on
it), the odd ones the `report` split (figures are given on it).  Positions 200-599 are
`tune` too: added later (issue 19), so that choices between close languages are
measured on 500 sentences a language, where 100 left one sentence worth 0.01.  Positions
600-699 are the `second` split (issue 19, third round): a second held-out sample, never
used to choose anything, to check that a figure on `report` is not luck of its 100
sentences.  Each addition comes after every earlier row, so those keep their places.
Languages without a langdetect profile (be, gl, sr) are kept apart by bench/eval_language.py.

    .venv/bin/python bench/make_lang_sentences.py /work/.mirror [--further /tmp/further.jsonl]

`--further` also writes, to a file of its own (not kept in the repository), the pool's
sentences after those 700 (up to 2,000 for da, no and en, 400 for the others; split
`further`): more tuning data where 500 `tune` sentences leave a choice to chance
(issue 19, third round; `bench/eval_language.py --ud further --sentences FILE`).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

PER_LANGUAGE = 200
# Further `tune` sentences after the first PER_LANGUAGE (the same shuffled pool).
EXTRA_TUNE = 400
# A second held-out sample after those (the same shuffled pool), never used to choose.
SECOND = 100
# `--further`: the languages whose choices were hardest, read further down their pools.
FURTHER = {"da": 2_000, "no": 2_000, "en": 2_000}
FURTHER_OTHERS = 400
OUT = Path(__file__).resolve().parent / "data" / "lang_sentences.jsonl"

# language -> (treebank, licence).  Only treebanks whose licence allows any use with
# attribution (no "NC"): bg, et, gl, hu, it and pl have only non-commercial treebanks
# and are left out.  Catalan is missing: AnCora, its only treebank, was not held in the
# snapshot.
TREEBANKS: dict[str, tuple[str, str]] = {
    "af": ("UD_Afrikaans-AfriBooms", "CC BY-SA 4.0"),
    "be": ("UD_Belarusian-HSE", "CC BY-SA 4.0"),
    "cs": ("UD_Czech-CAC", "CC BY-SA 4.0"),
    "da": ("UD_Danish-DDT", "CC BY-SA 4.0"),
    "de": ("UD_German-GSD", "CC BY-SA 4.0"),
    "en": ("UD_English-EWT", "CC BY-SA 4.0"),
    "es": ("UD_Spanish-GSD", "CC BY-SA 4.0"),
    "fa": ("UD_Persian-Seraji", "CC BY-SA 4.0"),
    "fi": ("UD_Finnish-TDT", "CC BY-SA 4.0"),
    "fr": ("UD_French-GSD", "CC BY-SA 4.0"),
    "hr": ("UD_Croatian-SET", "CC BY-SA 4.0"),
    "id": ("UD_Indonesian-GSD", "CC BY-SA 4.0"),
    "lt": ("UD_Lithuanian-ALKSNIS", "CC BY-SA 4.0"),
    "lv": ("UD_Latvian-LVTB", "CC BY-SA 4.0"),
    "mk": ("UD_Macedonian-MTB", "CC BY-SA 4.0"),
    "nl": ("UD_Dutch-Alpino", "CC BY-SA 4.0"),
    "no": ("UD_Norwegian-Bokmaal", "CC BY-SA 4.0"),
    "pt": ("UD_Portuguese-Bosque", "CC BY-SA 4.0"),
    "ro": ("UD_Romanian-RRT", "CC BY-SA 4.0"),
    "ru": ("UD_Russian-GSD", "CC BY-SA 4.0"),
    "sk": ("UD_Slovak-SNK", "CC BY-SA 4.0"),
    "sl": ("UD_Slovenian-SSJ", "CC BY-SA 4.0"),
    "sr": ("UD_Serbian-SET", "CC BY-SA 4.0"),
    "sv": ("UD_Swedish-Talbanken", "CC BY-SA 4.0"),
    "tr": ("UD_Turkish-BOUN", "CC BY-SA 4.0"),
    "uk": ("UD_Ukrainian-ParlaMint", "CC BY-SA 4.0"),
}


def treebank_texts(repo: Path) -> list[str]:
    """Every `# text = ` line of the treebank's test, dev, then train files held."""
    names = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    order = {"test": 0, "dev": 1, "train": 2}
    files = sorted(
        (n for n in names if n.endswith(".conllu") and "/" not in n),
        key=lambda n: order.get(n.rsplit("-", 1)[-1].removesuffix(".conllu"), 3),
    )
    texts = []
    for name in files:
        shown = subprocess.run(
            ["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, text=True
        )
        if shown.returncode:  # a snapshot may list its largest files without holding them
            continue
        content = shown.stdout
        texts += [line[9:].strip() for line in content.splitlines() if line.startswith("# text = ")]
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "mirror", type=Path, help="directory of UniversalDependencies+UD_* snapshots"
    )
    parser.add_argument("--further", type=Path, help="also write the further sentences here")
    args = parser.parse_args()
    further: list[dict[str, str]] = []
    rows = []
    extra: list[dict[str, str]] = []
    second: list[dict[str, str]] = []
    for language, (treebank, licence) in TREEBANKS.items():
        repo = args.mirror / f"UniversalDependencies+{treebank}" / "repo"
        seen: set[str] = set()
        pool = []
        for text in treebank_texts(repo):
            if len(text.split()) >= 4 and 20 <= len(text) <= 150 and text not in seen:
                seen.add(text)
                pool.append(text)
        random.Random(f"lang-{language}").shuffle(pool)
        for index, text in enumerate(pool[:PER_LANGUAGE]):
            split = "tune" if index % 2 == 0 else "report"
            rows.append({"language": language, "split": split, "text": text})
        # After every language's first PER_LANGUAGE rows, so those keep their places.
        extra += [
            {"language": language, "split": "tune", "text": text}
            for text in pool[PER_LANGUAGE : PER_LANGUAGE + EXTRA_TUNE]
        ]
        start = PER_LANGUAGE + EXTRA_TUNE
        second += [
            {"language": language, "split": "second", "text": text}
            for text in pool[start : start + SECOND]
        ]
        start += SECOND
        further += [
            {"language": language, "split": "further", "text": text}
            for text in pool[start : start + FURTHER.get(language, FURTHER_OTHERS)]
        ]
        print(language, treebank, licence, min(len(pool), start), file=sys.stderr)
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows + extra + second:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.further is not None:
        with args.further.open("w", encoding="utf-8") as handle:
            for row in further:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
