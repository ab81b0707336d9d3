"""Word-level evidence for the lost-byte repair: which filling makes a known word.

A cp1252 round trip loses every character whose UTF-8 form holds one of the five bytes
cp1252 leaves undefined, the same way each time: "это" loses its "э" (D1 8D) and keeps
"то", "Ísland" loses its "Í" (C3 8D). So a damaged word, read with each lost character
replaced by a mark of the bytes that survived (`lost_mark`), is a key into a table of
real words that look the same when damaged: "\\ue0d1то" is "это" or "сто", "\\ue0c3sland"
is "Ísland" or "Ásland". ``cleaners/letters/lost_byte_words.tsv.gz`` holds those keys, built
by bench/make_lost_byte_words.py from wordfreq's word lists (CC BY-SA 4.0) in 22
languages written in Latin, Cyrillic or Greek letters and, for Belarusian, which wordfreq
lacks, from 17,000 words of UD Belarusian-HSE, 27,000 forms and lemmas of the GrammarDB
dictionary (both CC BY-SA 4.0) and the 67,000 forms of the hunspell-be dictionary (CC
BY-SA 3.0) that the rest does not read back, each word with its frequency (a dictionary
word at the lists' floor), and each language's letter frequencies. `choose_word` weighs
the fillings by how frequent each word is in the languages the line's own undamaged
letters point to; `choose_stem` does the same over the words that start with a stem, for
a word no list holds.
"""

# The docstrings quote damaged words.
# ruff: noqa: RUF002

from __future__ import annotations

import bisect
import gzip
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

__all__ = ["SortedLines", "WordTable", "choose_stem", "choose_word", "language_weights",
           "load_word_table", "lost_mark", "word_table"]

_LOST = frozenset(b"\x81\x8d\x8f\x90\x9d")
# A letter a language's list never shows: rarer than its rarest listed letter.
_UNSEEN_LETTER = -6.5
# Languages this much (log10) less likely than the likeliest for the line are ignored.
_FAR_LANGUAGE = -4.0
# A language whose tables are counted from little text (Belarusian: 17,000 words of UD)
# borrows the tables of its close relatives, weighted as itself: Belarusian "ясны" is
# Russian "ясны", and the Belarusian text never has it. (On the tune set, Belarusian
# exact 18 -> 20 of 30 lost-byte sentences, wrong letters 16 -> 9; a relative's weight
# of 1/100 or 1/10 of Belarusian's gains less.)
RELATIVES = MappingProxyType({"be": ("ru", "uk")})


def lost_mark(ch: str) -> str:
    """The mark a cp1252 round trip leaves of `ch`, or "" when it loses none of it.

    The mark names the bytes that survive: the lead byte of a two-byte character
    (U+E000 + lead, in the private use area), or the lead byte, the other continuation
    byte and which of the two was lost for a three-byte one (in plane 15's private use
    area). Characters with two lost bytes, or of four bytes, get no mark.
    """
    data = ch.encode("utf-8")
    if len(data) == 2 and data[1] in _LOST:
        return chr(0xE000 + data[0])
    if len(data) == 3 and (data[1] in _LOST) != (data[2] in _LOST):
        lost_last = data[2] in _LOST
        other = data[1] if lost_last else data[2]
        return chr(0xF0000 + (((data[0] - 0xE0) * 64 + other - 0x80) * 2 + lost_last))
    return ""


class SortedLines(Mapping[str, str]):
    """A table's "key<TAB>value" lines in sorted order, read as a mapping by binary
    search: a shipped table of 300,000 keys is ready once its lines are split (0.1 s of
    CPU on the first damaged line, where a dictionary of them took 0.3 s more)."""

    __slots__ = ("lines",)

    def __init__(self, lines: list[str]) -> None:
        # Sorted by line is sorted by key: the tab sorts below every character of a key.
        self.lines = tuple(sorted(lines))

    def __getitem__(self, key: str) -> str:
        probe = key + "\t"
        at = bisect.bisect_left(self.lines, probe)
        if at < len(self.lines) and self.lines[at].startswith(probe):
            return self.lines[at][len(probe) :]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (line.partition("\t")[0] for line in self.lines)

    def __len__(self) -> int:
        return len(self.lines)


def read_lines(name: str) -> list[str]:
    """The lines of the gzipped table `name` of cleaners/letters."""
    packed = resources.files("cleaners").joinpath(f"letters/{name}").read_bytes()
    return gzip.decompress(packed).decode("utf-8").splitlines()


@dataclass(frozen=True, slots=True)
class WordTable:
    """Damaged-word keys and each language's letter frequencies (log10 shares)."""

    keys: Mapping[str, str]
    letters: Mapping[str, Mapping[str, float]]
    # The keys in sorted order (or "key<TAB>..." lines), for the words that start with a
    # given stem.
    ordered: tuple[str, ...] = ()


def load_word_table() -> WordTable:
    """The shipped table; each key's fillings stay text until a line needs them."""
    return word_table(read_lines("lost_byte_words.tsv.gz"))


def word_table(lines: list[str]) -> WordTable:
    """The table of a word table file's lines (bench/make_lost_byte_words.py builds one
    in memory to test the words it may add)."""
    letters: dict[str, Mapping[str, float]] = {}
    for line in lines:
        if line.startswith("#letters\t"):
            _, language, pairs = line.split("\t")
            letters[language] = MappingProxyType({
                pair[0]: float(pair[2:]) for pair in pairs.split(" ")})
    keys = SortedLines([line for line in lines if line and line[0] != "#"])
    return WordTable(keys, MappingProxyType(letters), keys.lines)


def language_weights(letters: list[str], table: WordTable) -> dict[str, float]:
    """Each listed language's log10 likelihood of the line's undamaged non-ASCII
    letters (lower case), relative to the likeliest; the far ones left out."""
    counts = Counter(letters)  # each distinct letter once, times its count
    scores = {language: sum(n * freqs.get(ch, _UNSEEN_LETTER) for ch, n in counts.items())
              for language, freqs in table.letters.items()}
    return near_languages(scores, _FAR_LANGUAGE)


def near_languages(scores: Mapping[str, float], far: float) -> dict[str, float]:
    """Each language's score relative to the best, those at `far` or further left
    out; a kept language lends its weight to its RELATIVES (Belarusian reads the
    Russian and Ukrainian tables too)."""
    best = max(scores.values())
    weights = {language: score - best for language, score in scores.items()
               if score - best >= far}
    for language, relatives in RELATIVES.items():
        if language in weights:
            for relative in relatives:
                weights[relative] = max(weights.get(relative, -math.inf), weights[language])
    return weights


def choose_word(key: str, options: list[tuple[str, ...]], weights: Mapping[str, float],
                table: WordTable, *, prefix: bool = False) -> list[tuple[float, str]]:
    """The fillings of a damaged word (its lost characters, in order) that make a
    known word and fit `options`, each with its log10 score (its Zipf frequency summed
    over the languages, each weighted by `weights`), likeliest first. With `prefix`,
    a filling may be longer: its first characters fill `options` (the word `key`
    continues a stem)."""
    found = table.keys.get(key)
    if found is None:
        return []
    totals: dict[str, float] = {}
    for entry in found.split(" "):
        language, filling, zipf = entry.split(":")
        weight = weights.get(language)
        if prefix:
            filling = filling[: len(options)]
        if weight is None or len(filling) != len(options) or any(
                ch not in opts for ch, opts in zip(filling, options, strict=True)):
            continue
        score = weight + float(zipf)
        old = totals.get(filling)
        totals[filling] = score if old is None else _log10_add(old, score)
    return sorted(((score, filling) for filling, score in totals.items()), reverse=True)


def choose_stem(stem: str, options: list[tuple[str, ...]], weights: Mapping[str, float],
                table: WordTable, limit: int) -> list[tuple[float, str]]:
    """The fillings of the lost characters of `stem` (all of a damaged word's, with a
    few letters after the last) that the known words starting with `stem` have, each
    with its log10 score summed over those words, likeliest first. At most `limit`
    keys are read, so a short stem costs no more than a long one."""
    start = bisect.bisect_left(table.ordered, stem)
    totals: dict[str, float] = {}
    for line in table.ordered[start : start + limit]:
        key = line.partition("\t")[0]
        if not key.startswith(stem):
            break
        for score, filling in choose_word(key, options, weights, table, prefix=True):
            old = totals.get(filling)
            totals[filling] = score if old is None else _log10_add(old, score)
    return sorted(((score, filling) for filling, score in totals.items()), reverse=True)


def _log10_add(a: float, b: float) -> float:
    """log10(10**a + 10**b)."""
    high, low = max(a, b), min(a, b)
    return high + math.log10(1 + 10 ** (low - high))
