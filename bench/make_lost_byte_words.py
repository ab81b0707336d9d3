"""Build cleaners/letters/lost_byte_words.tsv.gz: the words a lost byte can hide in.

The lost-byte repair (cleaners/lost_bytes.py) first asks which filling of a damaged
word makes a known word. The words come from wordfreq 3.1.1's "small" lists (Robyn
Speer et al., https://github.com/rspeer/wordfreq; the word frequencies are CC BY-SA 4.0,
built from Wikipedia, subtitles, news, books, web text and more), each word with its
Zipf frequency (log10 of its count per billion words). Written: only words that, in
lower case, in title case or in upper case, hold a character whose UTF-8 form has one of
cp1252's five undefined bytes (0x81 0x8D 0x8F 0x90 0x9D) as a continuation byte, keyed
the way the repair sees them, that character replaced by a mark of its lead byte(s)
(gzipped text lines ``key<TAB>language:filling:zipf ...``, the filling being the
characters the marks stood for); plus each language's letter frequencies, by which the
repair weighs the languages for a line (``#letters<TAB>language<TAB>letter:log10 ...``).

Belarusian, which wordfreq lacks, is counted from UD sentences (bench/ud_text.py: the
Belarusian-HSE treebank, CC BY-SA 4.0), each word's frequency its share of the tokens,
and holds the words of the GrammarDB dictionary besides (GRAMMARDB below; the snapshot
Belarus+GrammarDB/repo in MIRROR_DIR).

wordfreq is not a dependency of textclean: run this with it installed beside, e.g.

    .tools/bin/uv run --with wordfreq==3.1.1 python bench/make_lost_byte_words.py \
        MIRROR_DIR [MIN_ZIPF]

MIRROR_DIR holds git snapshots named UniversalDependencies+UD_<Treebank>/repo and
Belarus+GrammarDB/repo.
"""

from __future__ import annotations

import gzip
import math
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import wordfreq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.lost_byte_words import lost_mark  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from ud_text import WORD, sentences  # noqa: E402

OUT = ROOT / "cleaners" / "letters" / "lost_byte_words.tsv.gz"
# Languages written in Latin, Cyrillic or Greek letters that lose bytes in a cp1252 round
# trip (other scripts, and CJK, keep to the letter model: their lists are large).
LANGUAGES = ("bg", "ca", "cs", "el", "en", "es", "fr", "hu", "is", "lt", "lv", "mk", "pl",
             "pt", "ro", "ru", "sh", "sk", "sl", "tr", "uk", "vi")
# Words rarer than this (per billion, as Zipf) are left out, to keep the table small.
MIN_ZIPF = 3.0
# A non-ASCII letter under this share of a language's non-ASCII letters is foreign to it.
FOREIGN_LETTER = 1e-3


# The languages counted from UD text instead.
UD_LANGUAGES = ("be",)
# Belarusian words of the GrammarDB dictionary (Belarus/GrammarDB, CC BY-SA 4.0 by its
# LICENSE.txt) at this commit of the snapshot: every form of the files the snapshot
# holds (adverbs, numerals, pronouns, conjunctions, particles, interjections...) and
# every lemma, nouns' and verbs' too (data-additional/temp). They have no frequency:
# each counts as DICTIONARY_ZIPF (the words' floor), under any word the UD text has,
# and lends its start to the inflections the lists lack (cleaners/lost_bytes.py's
# `_by_stem`: the adverb "эканамічна" for the adjective "эканамічны"). Not read for
# the letter frequencies.
GRAMMARDB = ("Belarus+GrammarDB", "28297a1")
DICTIONARY_ZIPF = 3.0


def damaged_casings(word: str) -> Iterator[tuple[str, list[str]]]:
    """Each casing of `word` a page writes (as listed, capitalized, in capitals) that a
    cp1252 round trip damages, with each character's `lost_mark` ("" where no byte of it
    is lost); a casing that changes the word's length (German "ß") is skipped."""
    for variant in {word, word[:1].upper() + word[1:], word.upper()}:
        if len(variant) == len(word):
            marks = [lost_mark(ch) for ch in variant]
            if any(marks):
                yield variant, marks


def word_lists(mirror: Path) -> dict[str, dict[str, float]]:
    """Each language's words and their frequencies."""
    lists = {language: wordfreq.get_frequency_dict(language, "small")
             for language in LANGUAGES}
    for language in UD_LANGUAGES:
        counts = Counter(word.lower().replace("\u2019", "'").replace("\u02bc", "'")
                         for text in sentences(mirror, language)
                         for word in WORD.findall(text))
        total = sum(counts.values())
        lists[language] = {word: count / total for word, count in counts.items()}
    return lists


def dictionary_words(mirror: Path) -> set[str]:
    """The Belarusian forms and lemmas of GrammarDB, lower case, stress marks dropped."""
    name, commit = GRAMMARDB
    repo = mirror / name / "repo"
    listed = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", commit],
                            check=True, capture_output=True, text=True).stdout.split()
    found: set[str] = set()
    for path in listed:
        if not path.endswith(".xml") or not path.startswith(("data/", "data-additional/")):
            continue
        shown = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"],
                               capture_output=True, text=True)
        if shown.returncode:
            continue  # a file too large for the snapshot
        words = FORM.findall(shown.stdout) + LEMMA.findall(shown.stdout)
        found |= {word.replace("+", "").lower() for word in words
                  if WORD.fullmatch(word.replace("+", ""))}
    return found


FORM = re.compile(r"<Form[^>]*>([^<]+)</Form>")
LEMMA = re.compile(r'\blemma="([^"]+)"')


def main() -> None:
    mirror = Path(sys.argv[1])
    min_zipf = float(sys.argv[2]) if len(sys.argv) > 2 else MIN_ZIPF
    keys: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    letter_lines = []
    for language, words in sorted(word_lists(mirror).items()):
        letters: dict[str, float] = defaultdict(float)
        for word, freq in words.items():
            for ch in word:
                if ch.isalpha() and not ch.isascii():
                    letters[ch] += freq
        total = sum(letters.values())
        share = {ch: freq / total for ch, freq in letters.items()}
        letter_lines.append(f"#letters\t{language}\t" + " ".join(
            f"{ch}:{math.log10(part):.2f}" for ch, part in sorted(share.items())
            if part >= 1e-6))
        zipfs = {word: math.log10(freq) + 9 for word, freq in words.items()}
        if language == "be":
            zipfs |= {word: DICTIONARY_ZIPF for word in dictionary_words(mirror)
                      if word not in zipfs}
        for word, zipf in zipfs.items():
            # Words in a script or with letters the language hardly writes are loans or
            # noise of the list's sources (a Cyrillic letter in the Czech list).
            if zipf < min_zipf or any(share.get(ch, 1.0) < FOREIGN_LETTER for ch in word):
                continue
            for variant, marks in damaged_casings(word):
                key = "".join(mark or ch for mark, ch in zip(marks, word, strict=True))
                filling = "".join(ch for mark, ch in zip(marks, variant, strict=True) if mark)
                slot = (language, filling)
                keys[key][slot] = max(keys[key].get(slot, 0.0), zipf)
    lines = [f"{key}\t" + " ".join(f"{language}:{filling}:{zipf:.1f}" for (language, filling),
                                   zipf in sorted(slots.items()))
             for key, slots in sorted(keys.items())]
    text = ("# Built by bench/make_lost_byte_words.py from wordfreq 3.1.1's small lists"
            " (word frequencies CC BY-SA 4.0, https://github.com/rspeer/wordfreq) and, for"
            " Belarusian, UD Belarusian-HSE and GrammarDB (both CC BY-SA 4.0).\n"
            + "\n".join(letter_lines + lines) + "\n")
    # Gzipped (9.7 MB of text, 1.8 MB packed), with no time stamp: the same lists give
    # the same bytes.
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(len(lines), "keys,", OUT.stat().st_size, "bytes ->", OUT)


if __name__ == "__main__":
    main()
