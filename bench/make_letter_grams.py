"""Build cleaners/letters/lost_byte_grams.tsv from langdetect's language profiles.

The lost-byte repair (cleaners/lost_bytes.py) chooses among the characters a lost
cp1252 byte may have been by how often each follows its left neighbours and precedes its
right ones. Those letter, letter-pair and letter-triple frequencies come from the 55
character n-gram profiles langdetect ships (Apache-2.0; built from Wikipedia),
casefolded, per language, per million of the language's own n-grams; for the languages
of bench/make_lost_byte_words.py (wordfreq's lists, CC BY-SA 4.0) they are counted
instead from those word lists, each word weighted by its frequency and padded with a
space either side, as langdetect counts. Written: every letter (by which the repair
weighs the languages for a line), the pairs
and triples holding a character a lost byte can stand for, and the pairs such a triple
starts with (rounded; under 1 left out).

    .tools/bin/uv run --with wordfreq==3.1.1 python bench/make_letter_grams.py MIRROR_DIR

(MIRROR_DIR as for bench/make_lost_byte_words.py: Belarusian is counted from UD text.)
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from make_lost_byte_words import word_lists  # noqa: E402

OUT = ROOT / "cleaners" / "letters" / "lost_byte_grams.tsv"
LOST = b"\x81\x8d\x8f\x90\x9d"


def candidates() -> set[str]:
    """Every character whose UTF-8 form has one of the lost bytes as a continuation."""
    found = set()
    for lead in range(0xC2, 0xE0):
        for lost in LOST:
            found.add(bytes([lead, lost]).decode("utf-8"))
    for lead in range(0xE0, 0xF0):
        for middle in range(0x80, 0xC0):
            for lost in LOST:
                for seq in (bytes([lead, lost, middle]), bytes([lead, middle, lost])):
                    with contextlib.suppress(UnicodeDecodeError):
                        found.add(seq.decode("utf-8"))
    return {ch.casefold() for ch in found if len(ch.casefold()) == 1}


def word_profile(words: dict[str, float]) -> dict[str, Any]:
    """A langdetect-style profile (n-gram counts, totals per length) of a word list."""
    freq: dict[str, float] = defaultdict(float)
    totals = [0.0, 0.0, 0.0]
    for word, weight in words.items():
        padded = f" {word} "
        for size in (1, 2, 3):
            for start in range(len(padded) - size + 1):
                gram = padded[start : start + size]
                if gram != " ":
                    freq[gram] += weight
                    totals[size - 1] += weight
    return {"freq": freq, "n_words": totals}


def main() -> None:
    wanted = candidates()
    lines = []
    folder = resources.files("langdetect").joinpath("profiles")
    profiles = {path.name: json.loads(path.read_text(encoding="utf-8"))
                for path in folder.iterdir()}
    # wordfreq's Serbo-Croatian list ("sh") stands in for langdetect's Croatian.
    profiles.pop("hr", None)
    lists = word_lists(Path(sys.argv[1]))
    profiles |= {language: word_profile(words) for language, words in lists.items()}
    for name, profile in sorted(profiles.items()):
        totals = profile["n_words"]
        grams: dict[str, float] = defaultdict(float)
        for raw, count in profile["freq"].items():
            gram = raw.casefold()
            if len(gram) != len(raw):  # "ß" folds to "ss": not a letter pair any more
                continue
            weight = 1e6 * count / totals[len(gram) - 1]
            if len(gram) == 1 or any(ch in wanted for ch in gram):
                grams[gram] += weight
        # The pairs a letter triple is read against (P(c | x y) = f(xyc) / f(xy)).
        for gram in [raw.casefold() for raw in profile["freq"]]:
            if len(gram) == 3 and gram[2] in wanted and gram[:2] not in grams:
                prefix = profile["freq"].get(gram[:2])
                if prefix:
                    grams[gram[:2]] += 1e6 * prefix / totals[1]
        lines += [f"{name}\t{gram}\t{round(weight)}"
                  for gram, weight in sorted(grams.items()) if round(weight) >= 1]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("# Built by bench/make_letter_grams.py from langdetect's profiles"
                   " (Apache-2.0) and the word lists of bench/make_lost_byte_words.py"
                   " (wordfreq 3.1.1, CC BY-SA 4.0):"
                   " language, letter or pair, per million.\n"
                   + "\n".join(lines) + "\n", encoding="utf-8")
    print(len(lines), "lines ->", OUT)


if __name__ == "__main__":
    main()
