"""Build cleaners/letters/lost_byte_windows.tsv.gz: the letters around a lost one.

The lost-byte repair (cleaners/lost_bytes.py) reads a damaged word no list holds letter
by letter. Letter triples around the lost letter (cleaners/lost_byte_letters.py) see one
letter either side and nothing of where the word starts or ends: Belarusian " н?кл"
reads "нскл", as "нск" and "скл" are common inside words, though no word starts "нс".
This table counts, over the same word lists as bench/make_lost_byte_words.py (wordfreq
3.1.1's small lists, CC BY-SA 4.0; Belarusian from UD Belarusian-HSE, CC BY-SA 4.0; not
GrammarDB's forms, which have no frequency), which character each lost one was, given
the letters around it as the round trip leaves them: up to WIDTH letters either side
within the word, a space for the word's edge, every lost letter in the window as its
mark (`lost_mark`), the lost one itself after an underscore. Each window shape of
`COUNTED` is counted (both sides, one side alone, none), each word (in lower, title and
upper case, as the word table) adding its frequency to each window once. Gzipped text
lines ``window<TAB>language:character:zipf ...``, windows seen less than MIN_ZIPF
(summed over their characters, per language) left out: 447,042 windows, 2.3 MB.

MIN_ZIPF 3.5 was chosen on the tune set (bench/data/lost_bytes_tune.jsonl, 519
sentences exact, both-sided windows only): 3.0 (every window of the small lists, 2.4 MB)
0.9615; 3.25 0.9634; 3.5 0.9653 (1.6 MB); 3.75 0.9634; 4.0 0.9595.

    .tools/bin/uv run --with wordfreq==3.1.1 python bench/make_lost_byte_windows.py \
        MIRROR_DIR [MIN_ZIPF]

MIRROR_DIR as for bench/make_lost_byte_words.py.
"""

from __future__ import annotations

import gzip
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_lost_byte_words import FOREIGN_LETTER, damaged_casings, word_lists  # noqa: E402

from cleaners.lost_byte_windows import COUNTED, window  # noqa: E402

OUT = ROOT / "cleaners" / "letters" / "lost_byte_windows.tsv.gz"
MIN_ZIPF = 3.5


def count(words: dict[str, float]) -> dict[str, dict[str, float]]:
    """Each window's characters and their summed frequencies, in one language."""
    letters: dict[str, float] = defaultdict(float)
    for word, freq in words.items():
        for ch in word:
            if ch.isalpha() and not ch.isascii():
                letters[ch] += freq
    total = sum(letters.values()) or 1.0
    found: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for word, freq in words.items():
        if any(letters.get(ch, total) / total < FOREIGN_LETTER for ch in word):
            continue
        seen: set[tuple[str, str]] = set()
        for variant, marks in damaged_casings(word):
            key = [mark or ch for mark, ch in zip(marks, word, strict=True)]
            for at, mark in enumerate(marks):
                if mark:
                    for left, right in COUNTED:
                        seen.add((window(key, at, left, right), variant[at]))
        for name, ch in seen:
            found[name][ch] += freq
    return found


def main() -> None:
    mirror = Path(sys.argv[1])
    min_zipf = float(sys.argv[2]) if len(sys.argv) > 2 else MIN_ZIPF
    rows: dict[str, list[str]] = defaultdict(list)
    for language, words in sorted(word_lists(mirror).items()):
        for name, chars in count(words).items():
            if math.log10(sum(chars.values())) + 9 < min_zipf:
                continue
            rows[name] += [f"{language}:{ch}:{math.log10(freq) + 9:.1f}"
                           for ch, freq in sorted(chars.items())]
    lines = [f"{name}\t{' '.join(found)}" for name, found in sorted(rows.items())]
    text = ("# Built by bench/make_lost_byte_windows.py from wordfreq 3.1.1's small lists"
            " (word frequencies CC BY-SA 4.0, https://github.com/rspeer/wordfreq) and, for"
            " Belarusian, UD Belarusian-HSE (CC BY-SA 4.0).\n" + "\n".join(lines) + "\n")
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(len(lines), "windows,", OUT.stat().st_size, "bytes ->", OUT)


if __name__ == "__main__":
    main()
