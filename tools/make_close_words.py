"""Write cleaners/close_languages/words/<pair>.tsv.gz: how much commoner a word is in either.

For every close pair of cleaners/close_languages/ whose two languages wordfreq knows,
the words among either language's 10,000 most frequent (30,000 for da-no; letters only)
get the difference of their Zipf frequencies (log10 of occurrences per billion words),
first language minus second, from wordfreq's `small` lists.  A word missing from a
`small` list (under one per million words) is looked up in the language's `large` list
where wordfreq has one (`zipf_frequency`), and counts as Zipf 2.5 where that does not
know it either (or it is rarer than 2.5).  Differences under 0.5 (a factor of 3) are left
out: they say little and would triple the table.  The tie-break adds up these differences
over a text's words (cleaners/close_languages.py).  Gzipped: about a quarter of their
plain size.

Beside each word table it writes `endings/<pair>.tsv.gz`, for the words a table does not
list (rare words, compounds, inflections: Danish "uforståeligt", "inspektionsskibet"
against Norwegian "-lig", "-sjon"): for every ending of 2, 3 and 4 letters among either
language's 30,000 most frequent words (the whole `small` list), how much more often a
word of one list ends so than a word of the other, as the natural log of the ratio of
their shares (each word counted once, whatever its frequency: spelling, not usage;
0.5 added to every count).  Endings seen on fewer than 2 words of the two lists, or
whose ratio is under 0.3 (a factor of 1.35), are left out.

wordfreq is needed only here, never at run time; it is not a project dependency:

    .tools/bin/uv run --no-project --with wordfreq==3.1.1 python tools/make_close_words.py

Source: wordfreq 3.1.1 by Robyn Speer (https://github.com/rspeer/wordfreq,
doi:10.5281/zenodo.7199437), whose word lists are under CC BY-SA 4.0; the tables it
writes are derived from them and carry that licence (see cleaners/close_languages/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
from importlib.metadata import version
from pathlib import Path

import wordfreq

FOLDER = Path(__file__).resolve().parents[1] / "cleaners" / "close_languages"
# Our codes -> wordfreq's: Norwegian Bokmål is `nb`; Croatian is in the Serbo-Croatian
# list `sh` (Croatian, Serbian and Bosnian in Latin letters together).
WORDFREQ_CODES = {"no": "nb", "hr": "sh", "tl": "fil"}
TOP_WORDS = 10_000
# Pairs whose table reads further down the lists.  da-no: Danish and Bokmål share most
# frequent words, so what tells them apart is often a rarer one (Norwegian "røyk",
# "hevelse" against Danish "røg", "hævelse"); from 30,000 words (31,117 listed instead
# of 9,725; 28,820 since the `large` lookup of `zipf_frequency`) the UD `tune` sentences
# gained a Danish one and lost none, and so did both held-out samples beyond them
# (docs/language.md).  Every pair so was +0.001 at three
# times the size, so only this one.
TOP_WORDS_BY_PAIR = {"da-no": 30_000}
FLOOR = 2.5
MIN_DIFFERENCE = 0.5
ENDING_WORDS = 30_000
ENDING_LENGTHS = (2, 3, 4)
ENDING_MIN_WORDS = 2
ENDING_MIN_RATIO = 0.3
ENDING_SMOOTHING = 0.5
# Pairs left without an ending table.  hr-sl: on the `tune` sentences its endings were a
# wash (Croatian +2 sentences, Slovenian -1 of 500 each), and they cost a `report`
# Slovenian sentence ("Zdrava pamet: zaščitite druge." read as Croatian by -ava, -ite)
# whose floor is pinned; Croatian and Slovenian inflect alike, so their endings say little.
NO_ENDINGS = frozenset({"hr-sl"})

HEADER = """\
# {first} against {second}: Zipf frequency of {first} minus that of {second} (log10 of
# occurrences per billion words; 1.0 = ten times as common), for the words among either
# language's {top:,} most frequent whose difference is {least} or more.  Derived from
# wordfreq {version} (Robyn Speer, https://github.com/rspeer/wordfreq), `small` lists
# `{wf_first}` and `{wf_second}` (a word missing from one looked up in its `large` list
# where there is one), CC BY-SA 4.0.  Written by tools/make_close_words.py.
"""


def zipf_frequency(word: str, code: str) -> float:
    """A word's Zipf frequency in the `small` list, or else in the deepest list wordfreq has.

    The `small` lists stop at Zipf 3 (one per million words).  Where a language also has
    a `large` list (nb, sv, de, nl, es, pt, cs, ru, uk... but not da, sk, sl, sh), a word
    missing from its `small` list is looked up there instead of taking FLOOR: Bokmål
    "hevelse" (Danish "hævelse") is 2.74 in `large`, so it is a Norwegian word, not one
    only Danish writes; "generøst" (Danish 3.07, Bokmål 2.88) is written alike, not a
    Danish word.  Chosen on the `tune` and further UD sentences (issue 19, fifth round):
    `tune` unchanged, further +4 Norwegian sentences of 2,000.
    """
    small = wordfreq.zipf_frequency(word, code, wordlist="small")
    return small or wordfreq.zipf_frequency(word, code, wordlist="best")


def pair_table(first: str, second: str) -> dict[str, float]:
    """Zipf differences (first minus second) of the pair's distinctive frequent words."""
    codes = [WORDFREQ_CODES.get(code, code) for code in (first, second)]
    top = TOP_WORDS_BY_PAIR.get(f"{first}-{second}", TOP_WORDS)
    words: set[str] = set()
    for code in codes:
        words.update(w for w in wordfreq.top_n_list(code, top, wordlist="small") if w.isalpha())
    table = {}
    for word in words:
        a, b = (max(zipf_frequency(word, c), FLOOR) for c in codes)
        if abs(a - b) >= MIN_DIFFERENCE:
            table[word] = round(a - b, 1)
    return table


ENDINGS_HEADER = """\
# {first} against {second}: natural log of how much more often a word of {first} ends so
# than one of {second} (share of the {top:,} most frequent words of each, each word once;
# {smoothing} added to every count), for endings of {lengths} letters seen on {least_words}+
# words whose ratio is {least} or more.  Derived from wordfreq {version} (Robyn Speer,
# https://github.com/rspeer/wordfreq), `small` lists `{wf_first}` and `{wf_second}`,
# CC BY-SA 4.0.  Written by tools/make_close_words.py.
"""


def word_endings(word: str) -> list[str]:
    """The endings a word is scored by: its last 2, 3 and 4 letters (as many as it has)."""
    return [word[-n:] for n in ENDING_LENGTHS if len(word) >= n]


def ending_table(first: str, second: str) -> dict[str, float]:
    """Log ratio (first over second) of how often the two lists' words end so."""
    counts = []
    for code in (WORDFREQ_CODES.get(c, c) for c in (first, second)):
        ends: dict[str, int] = {}
        for word in wordfreq.top_n_list(code, ENDING_WORDS, wordlist="small"):
            if word.isalpha():
                for ending in word_endings(word):
                    ends[ending] = ends.get(ending, 0) + 1
        counts.append(ends)
    a, b = counts
    seen = set(a) | set(b)
    alpha = ENDING_SMOOTHING
    total_a = sum(a.values()) + alpha * len(seen)
    total_b = sum(b.values()) + alpha * len(seen)
    table = {}
    for ending in seen:
        if a.get(ending, 0) + b.get(ending, 0) < ENDING_MIN_WORDS:
            continue
        ratio = math.log((a.get(ending, 0) + alpha) / total_a) - math.log(
            (b.get(ending, 0) + alpha) / total_b
        )
        if abs(ratio) >= ENDING_MIN_RATIO:
            table[ending] = round(ratio, 2)
    return table


def write_table(path: Path, header: str, table: dict[str, float]) -> None:
    """Write `<key> TAB <value>` lines under a comment header, gzipped reproducibly."""
    lines = [f"{key}\t{value:g}" for key, value in sorted(table.items())]
    data = (header + "\n".join(lines) + "\n").encode("utf-8")
    # mtime=0: the same lists write the same bytes.
    path.write_bytes(gzip.compress(data, mtime=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    known = set(wordfreq.available_languages(wordlist="small"))
    out = FOLDER / "words"
    out.mkdir(exist_ok=True)
    (FOLDER / "endings").mkdir(exist_ok=True)
    for path in sorted(FOLDER.glob("*-*.txt")):
        first, second = path.stem.split("-")
        wf_first, wf_second = (WORDFREQ_CODES.get(c, c) for c in (first, second))
        if not {wf_first, wf_second} <= known:
            print(f"{path.stem}: wordfreq has no list for one of them, skipped", file=sys.stderr)
            continue
        table = pair_table(first, second)
        header = HEADER.format(
            first=first,
            second=second,
            top=TOP_WORDS_BY_PAIR.get(path.stem, TOP_WORDS),
            least=MIN_DIFFERENCE,
            version=version("wordfreq"),
            wf_first=wf_first,
            wf_second=wf_second,
        )
        write_table(out / f"{path.stem}.tsv.gz", header, table)
        if path.stem in NO_ENDINGS:
            print(f"{path.stem}: {len(table)} words, no endings", file=sys.stderr)
            continue
        endings = ending_table(first, second)
        header = ENDINGS_HEADER.format(
            first=first,
            second=second,
            top=ENDING_WORDS,
            smoothing=ENDING_SMOOTHING,
            lengths="-".join(map(str, ENDING_LENGTHS[:: len(ENDING_LENGTHS) - 1])),
            least_words=ENDING_MIN_WORDS,
            least=ENDING_MIN_RATIO,
            version=version("wordfreq"),
            wf_first=wf_first,
            wf_second=wf_second,
        )
        write_table(FOLDER / "endings" / f"{path.stem}.tsv.gz", header, endings)
        print(f"{path.stem}: {len(table)} words, {len(endings)} endings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
