"""Running text for the lost-byte tables: UD sentences kept apart from both sets.

The lost-byte repair learns Belarusian words and letters (wordfreq has no Belarusian
list), and which neighbouring words decide between two common fillings of a damaged word
(Russian " с " or " я ", Icelandic "Í" or "Á", Vietnamese "mọi" or "mời"), from the
sentences of Universal Dependencies treebanks, all CC BY-SA 4.0 (each treebank's
LICENSE.txt at the commit read), never PUD. The sentences used:

- the train split, at the newest commit of the snapshot that still holds it (the newer
  files are too large for the snapshots);
- the dev split's sentences that bench/data/lost_bytes_tune.jsonl does not hold (the
  tune set takes at most 36 of each dev split; Belarusian's train split then had 319
  sentences); Ukrainian-ParlaMint gives its dev split only;

and never a sentence of tests/data/lost_bytes.jsonl, of the tune set, or of the
treebank's current test split (an older train split may hold sentences the test split
took later).

MIRROR_DIR holds git snapshots named UniversalDependencies+UD_<Treebank>/repo.
"""

# The docstrings quote Cyrillic words.
# ruff: noqa: RUF002

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = (ROOT / "tests" / "data" / "lost_bytes.jsonl", ROOT / "bench" / "data" /
        "lost_bytes_tune.jsonl")

# A word: letters, with apostrophes between them ("пам'ять", Belarusian "сям'я").
WORD = re.compile(r"[^\W\d_]+(?:['\u2019\u02bc][^\W\d_]+)*")

# language -> (treebank, commit, file, current test file) of the text read.
SOURCES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "be": (("Belarusian-HSE", "95d6db6", "be_hse-ud-train.conllu", "be_hse-ud-test.conllu"),
           ("Belarusian-HSE", "HEAD", "be_hse-ud-dev.conllu", "be_hse-ud-test.conllu")),
    "ru": (("Russian-Taiga", "445b061", "ru_taiga-ud-train.conllu",
            "ru_taiga-ud-test.conllu"),
           ("Russian-Taiga", "HEAD", "ru_taiga-ud-dev.conllu", "ru_taiga-ud-test.conllu"),
           ("Russian-GSD", "HEAD", "ru_gsd-ud-dev.conllu", "ru_gsd-ud-test.conllu")),
    "is": (("Icelandic-Modern", "901c358", "is_modern-ud-train.conllu",
            "is_modern-ud-test.conllu"),
           ("Icelandic-Modern", "HEAD", "is_modern-ud-dev.conllu", "is_modern-ud-test.conllu")),
    "uk": (("Ukrainian-ParlaMint", "HEAD", "uk_parlamint-ud-dev.conllu",
            "uk_parlamint-ud-test.conllu"),),
    "vi": (("Vietnamese-VTB", "HEAD", "vi_vtb-ud-train.conllu", "vi_vtb-ud-test.conllu"),
           ("Vietnamese-VTB", "HEAD", "vi_vtb-ud-dev.conllu", "vi_vtb-ud-test.conllu")),
}


def _texts(repo: Path, commit: str, name: str) -> list[str]:
    shown = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{name}"],
                           check=True, capture_output=True, text=True).stdout
    return [unicodedata.normalize("NFC", line[len("# text ="):].strip())
            for line in shown.splitlines() if line.startswith("# text =")]


def sentences(mirror: Path, language: str) -> list[str]:
    """The sentences of `language`'s sources, less those of the sets and test splits."""
    held = {json.loads(line)["text"] for path in SETS for line in path.open(encoding="utf-8")}
    found: list[str] = []
    for treebank, commit, name, test in SOURCES[language]:
        repo = mirror / f"UniversalDependencies+UD_{treebank}" / "repo"
        held |= set(_texts(repo, "HEAD", test))
        found += [text for text in _texts(repo, commit, name) if text not in held]
    return list(dict.fromkeys(found))


def held_out_sentences(mirror: Path, treebank: str, name: str) -> list[str]:
    """The sentences of a treebank's current test split (to measure on: no table reads
    them)."""
    return _texts(mirror / f"UniversalDependencies+UD_{treebank}" / "repo", "HEAD", name)
