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
Belarus+GrammarDB/repo in MIRROR_DIR), and those of the hunspell-be dictionary that the
table without them does not read back (HUNSPELL, `unread_words`; the snapshot
375gnu+hunspell-be/repo). The letter windows' table (bench/make_lost_byte_windows.py)
is read to test them: build it first.

wordfreq is not a dependency of textclean: run this with it installed beside, e.g.

    .tools/bin/uv run --with wordfreq==3.1.1 python bench/make_lost_byte_words.py \
        MIRROR_DIR [MIN_ZIPF]

MIRROR_DIR holds git snapshots named UniversalDependencies+UD_<Treebank>/repo,
Belarus+GrammarDB/repo and 375gnu+hunspell-be/repo.
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

from cleaners.lost_byte_windows import WindowTable, choose_window, load_window_table  # noqa: E402
from cleaners.lost_byte_words import (  # noqa: E402
    RELATIVES,
    WordTable,
    lost_mark,
    word_table,
)
from cleaners.lost_bytes import LOST_BYTES, LostByteConfig, known_fillings  # noqa: E402

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
# Belarusian words of Mikalai Udodau's hunspell dictionary (hunspell-be 0.60, as Debian
# packages it: 375gnu/hunspell-be; CC BY-SA 3.0 by its be_BY.aff) at this commit of the
# snapshot: its 83,086 entries with every form its affix rules make (708,000 words),
# counted as GrammarDB's are (DICTIONARY_ZIPF, under any word the UD text has, not read
# for the letters). GrammarDB's snapshot lacks the nouns, adjectives and verbs this has.
# Only the words the table without them misreads are kept (`unread_words`): all of them
# made the table 6.4 MB and 320 MB in memory, for the same sentences back on all three
# sets; these 67,026 make it 2.8 MB. Lemmas alone (2.8 MB) lost a tune sentence.
HUNSPELL = ("375gnu+hunspell-be", "4afab79")


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


def hunspell_words(mirror: Path) -> set[str]:
    """The Belarusian words of the hunspell dictionary, lower case: each entry of
    be_BY.dic and the forms its flags make by be_BY.aff's suffix and prefix rules (one
    character a flag, every rule combinable: the file's "Y"), as hunspell's unmunch
    would list them."""
    name, commit = HUNSPELL
    repo = mirror / name / "repo"

    def show(path: str) -> str:
        return subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"],
                              check=True, capture_output=True, text=True).stdout

    rules: dict[str, list[tuple[str, str, str, re.Pattern[str]]]] = defaultdict(list)
    for line in show("be_BY.aff").splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] in ("SFX", "PFX"):
            kind, flag, strip, add, condition = parts[:5]
            pattern = condition + "$" if kind == "SFX" else "^" + condition
            add = add.split("/")[0]
            rules[flag].append((kind, "" if strip == "0" else strip, "" if add == "0" else add,
                                re.compile(pattern)))
    found: set[str] = set()
    for line in show("be_BY.dic").splitlines()[1:]:
        word, _, flags = line.strip().partition("/")
        forms = {word}
        for kind, strip, add, condition in (rule for flag in flags for rule in rules[flag]):
            if kind == "SFX" and condition.search(word) and word.endswith(strip):
                forms.add(word[: len(word) - len(strip)] + add)
        for kind, strip, add, condition in (rule for flag in flags for rule in rules[flag]):
            if kind == "PFX":
                forms |= {add + form[len(strip) :] for form in list(forms)
                          if condition.search(form) and form.startswith(strip)}
        found |= {form.lower().replace("\u2019", "'").replace("\u02bc", "'")
                  for form in forms if WORD.fullmatch(form)}
    return found


FORM = re.compile(r"<Form[^>]*>([^<]+)</Form>")
LEMMA = re.compile(r'\blemma="([^"]+)"')


def main() -> None:
    mirror = Path(sys.argv[1])
    min_zipf = float(sys.argv[2]) if len(sys.argv) > 2 else MIN_ZIPF
    lists = word_lists(mirror)
    grammardb = dictionary_words(mirror) - set(lists["be"])
    lines = table_lines(lists, {"be": grammardb}, min_zipf)
    hunspell = hunspell_words(mirror) - set(lists["be"]) - grammardb
    added = unread_words(hunspell, word_table(lines))
    print(len(hunspell), "hunspell words not listed,", len(added), "added")
    lines = table_lines(lists, {"be": grammardb | added}, min_zipf)
    text = ("# Built by bench/make_lost_byte_words.py from wordfreq 3.1.1's small lists"
            " (word frequencies CC BY-SA 4.0, https://github.com/rspeer/wordfreq) and, for"
            " Belarusian, UD Belarusian-HSE and GrammarDB (both CC BY-SA 4.0) and"
            " hunspell-be 0.60 (CC BY-SA 3.0).\n" + "\n".join(lines) + "\n")
    # Gzipped (9.7 MB of text, 1.8 MB packed), with no time stamp: the same lists give
    # the same bytes.
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(len(lines) - len(lists), "keys,", OUT.stat().st_size, "bytes ->", OUT)


def table_lines(lists: dict[str, dict[str, float]], dictionary: dict[str, set[str]],
                min_zipf: float) -> list[str]:
    """The table's lines: each language's letter frequencies (of its listed words), then
    the keys of its listed words and of its `dictionary` words (at DICTIONARY_ZIPF)."""
    keys: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    letter_lines = []
    for language, words in sorted(lists.items()):
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
        zipfs |= {word: DICTIONARY_ZIPF for word in dictionary.get(language, ())
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
    return letter_lines + [
        f"{key}\t" + " ".join(f"{language}:{filling}:{zipf:.1f}" for (language, filling),
                              zipf in sorted(slots.items()))
        for key, slots in sorted(keys.items())]


def unread_words(words: set[str], table: WordTable) -> set[str]:
    """The Belarusian `words` that the repair, given `table` (without them), does not read
    back from their damaged form in lower or title case (a word alone, the line's
    languages Belarusian and its relatives), and every word of `words` that shares a
    damaged form with one of those: a word the table already reads adds nothing but
    size, and a word that is added takes its key's other words with it, or it would
    shadow them ("абла\ue0d1ны" is "абласны" as often as "аблаяны")."""
    windows = load_window_table()
    config = LostByteConfig()
    weights = dict.fromkeys(("be", *RELATIVES["be"]), 0.0)
    unread: set[str] = set()
    for word in words:
        for variant in {word, word[:1].upper() + word[1:]}:
            marks = [lost_mark(ch) for ch in variant]
            if any(marks) and _read(variant, marks, weights, table, windows, config) != "".join(
                    ch for mark, ch in zip(marks, variant, strict=True) if mark):
                unread.add(word)
                break
    taken = {key for word in unread for key in _keys(word)}
    return unread | {word for word in words if _keys(word) & taken}


def _read(variant: str, marks: list[str], weights: dict[str, float], table: WordTable,
          windows: WindowTable, config: LostByteConfig) -> str | None:
    """The lost characters of `variant` as the repair's word steps read them (known
    fillings, then letter windows), or None where they leave it to the letters."""
    chars = [mark or ch.casefold() for mark, ch in zip(marks, variant, strict=True)]
    options = []
    for mark, ch in zip(marks, variant, strict=True):
        if mark:
            lead = ch.encode("utf-8")[:-1]
            options.append(tuple(found for byte in LOST_BYTES for found in [
                (lead + bytes([byte])).decode("utf-8", "replace")] if found.isalpha()))
    if any(len(ch.encode("utf-8")) != 2 for mark, ch in zip(marks, variant, strict=True)
           if mark):
        return None  # a three-byte character: Belarusian has none
    ranked = known_fillings("".join(chars), options, weights, table, config)
    close = [filling for score, filling in ranked
             if score > ranked[0][0] - math.log10(config.word_margin)]
    if ranked:
        return close[0] if len(close) == 1 else None
    read = []
    for at, found in enumerate(options):
        where = [k for k, mark in enumerate(marks) if mark][at]
        chosen = choose_window(chars, where, found, weights, windows, config.window_floor,
                               math.log10(config.window_margin))
        if chosen is None:
            return None
        read.append(chosen)
    return "".join(read)


def _keys(word: str) -> set[str]:
    return {"".join(mark or ch for mark, ch in zip(marks, word, strict=True))
            for _, marks in damaged_casings(word)}


if __name__ == "__main__":
    main()
