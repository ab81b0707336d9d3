"""Write cleaners/close_languages/words/<pair>.tsv.gz: how much commoner a word is in either.

For every close pair of cleaners/close_languages/ whose two languages wordfreq knows, the
words among either language's 10,000 most frequent (letters only) get the difference of
their Zipf frequencies (log10 of occurrences per billion words), first language minus
second, from wordfreq's `small` lists.  A word missing from a list (under one per million
words) counts as Zipf 2.5.  Differences under 0.5 (a factor of 3) are left out: they say
little and would triple the table.  The tie-break adds up these differences over a
text's words (cleaners/close_languages.py).  Gzipped: about a quarter of their plain
size (1.6 MB for 24 pairs).

wordfreq is needed only here, never at run time; it is not a project dependency:

    .tools/bin/uv run --no-project --with wordfreq==3.1.1 python tools/make_close_words.py

Source: wordfreq 3.1.1 by Robyn Speer (https://github.com/rspeer/wordfreq,
doi:10.5281/zenodo.7199437), whose word lists are under CC BY-SA 4.0; the tables it
writes are derived from them and carry that licence (see cleaners/close_languages/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from importlib.metadata import version
from pathlib import Path

import wordfreq

FOLDER = Path(__file__).resolve().parents[1] / "cleaners" / "close_languages"
# Our codes -> wordfreq's: Norwegian Bokmål is `nb`; Croatian is in the Serbo-Croatian
# list `sh` (Croatian, Serbian and Bosnian in Latin letters together).
WORDFREQ_CODES = {"no": "nb", "hr": "sh", "tl": "fil"}
TOP_WORDS = 10_000
FLOOR = 2.5
MIN_DIFFERENCE = 0.5

HEADER = """\
# {first} against {second}: Zipf frequency of {first} minus that of {second} (log10 of
# occurrences per billion words; 1.0 = ten times as common), for the words among either
# language's {top:,} most frequent whose difference is {least} or more.  Derived from
# wordfreq {version} (Robyn Speer, https://github.com/rspeer/wordfreq), `small` lists
# `{wf_first}` and `{wf_second}`, CC BY-SA 4.0.  Written by tools/make_close_words.py.
"""


def pair_table(first: str, second: str) -> dict[str, float]:
    """Zipf differences (first minus second) of the pair's distinctive frequent words."""
    codes = [WORDFREQ_CODES.get(code, code) for code in (first, second)]
    words: set[str] = set()
    for code in codes:
        words.update(
            w for w in wordfreq.top_n_list(code, TOP_WORDS, wordlist="small") if w.isalpha()
        )
    table = {}
    for word in words:
        a, b = (max(wordfreq.zipf_frequency(word, c, wordlist="small"), FLOOR) for c in codes)
        if abs(a - b) >= MIN_DIFFERENCE:
            table[word] = round(a - b, 1)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    known = set(wordfreq.available_languages(wordlist="small"))
    out = FOLDER / "words"
    out.mkdir(exist_ok=True)
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
            top=TOP_WORDS,
            least=MIN_DIFFERENCE,
            version=version("wordfreq"),
            wf_first=wf_first,
            wf_second=wf_second,
        )
        lines = [f"{word}\t{diff:g}" for word, diff in sorted(table.items())]
        data = (header + "\n".join(lines) + "\n").encode("utf-8")
        # mtime=0: the same lists write the same bytes.
        (out / f"{path.stem}.tsv.gz").write_bytes(gzip.compress(data, mtime=0))
        print(f"{path.stem}: {len(table)} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
