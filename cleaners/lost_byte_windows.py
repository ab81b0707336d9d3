"""Letter windows for the lost-byte repair: which character the letters around it held.

A damaged word that no list holds (a name, a compound, an inflection the lists lack) is
read letter by letter. Letter triples (`cleaners.lost_byte_letters`) see one letter
either side and little of where the word starts: Belarusian "Н\ue0d1кляеў" reads
"Нскляеў", as "нск" and "скл" are common inside words, though no word starts "нс". A
window holds up to three letters either side of the lost one within the word, a space
for the word's edge, and the other lost letters in it as their marks (`lost_mark`):
" н_\ue0d1кл". ``cleaners/letters/lost_byte_windows.tsv.gz`` (built by
bench/make_lost_byte_windows.py from the word lists of the word table) holds, per
language, how often each character stood in each window, summed over the words'
frequencies. The widest window seen decides (`choose_window`), the languages weighted
as for words; a window seen too rarely, or that leaves two characters close, leaves the
letter to the triples.
"""

# The docstrings quote damaged words.
# ruff: noqa: RUF002

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cleaners.lost_byte_words import SortedLines, log10_add, read_lines

__all__ = ["WINDOWS", "WindowTable", "cased", "choose_window", "load_window_table", "window"]

WindowTable = Mapping[str, str]

# (letters before, letters after) of the windows counted, widest first: the order in
# which they are read.
WINDOWS = ((3, 3), (2, 3), (3, 2), (2, 2), (1, 2), (2, 1), (1, 1))


def load_window_table() -> WindowTable:
    """The shipped table; each window's counts stay text until a line needs them."""
    return SortedLines([line for line in read_lines("lost_byte_windows.tsv.gz")
                        if line and line[0] != "#"])


def window(key: Sequence[str], at: int, left: int, right: int) -> str:
    """The window of `left` and `right` characters around `key[at]` (a word's letters
    in lower case, lost ones as their marks), a space where the word ends first."""
    before = "".join(key[max(0, at - left) : at])
    after = "".join(key[at + 1 : at + 1 + right])
    if at < left:
        before = " " + before
    if at + 1 + right > len(key):
        after += " "
    return f"{before}_{key[at]}{after}"


def cased(options: tuple[str, ...], before: Sequence[object],
          after: Sequence[object]) -> tuple[str, ...]:
    """`options` without the capitals, for a lost character inside a word (`before` its
    letter before, `after` the one after, if any) beside a small letter: "T\U000f0b42ma"
    is "Tōma", not "TŐma" (the windows are counted in lower case); all of them where
    every option is a capital."""
    def small(near: Sequence[object]) -> bool:
        return bool(near) and isinstance(near[0], str) and near[0].islower()

    if not before or not (small(before) or small(after)):
        return options
    return tuple(ch for ch in options if not ch.isupper()) or options


def choose_window(key: Sequence[str], at: int, options: tuple[str, ...],
                  weights: Mapping[str, float], table: WindowTable, floor: float,
                  margin: float) -> str | None:
    """The likeliest of `options` for the lost `key[at]` by the widest window seen with
    a score (log10: the Zipf frequencies of its characters, each language weighted by
    `weights`) of `floor` or more, if it is `margin` (log10) above the next; None where
    that window leaves two close, or no window is seen so often."""
    for left, right in WINDOWS:
        found = table.get(window(key, at, left, right))
        if found is None:
            continue
        totals: dict[str, float] = {}
        for entry in found.split(" "):
            language, ch, zipf = entry.split(":")
            weight = weights.get(language)
            if weight is None or ch not in options:
                continue
            score = weight + float(zipf)
            old = totals.get(ch)
            totals[ch] = score if old is None else log10_add(old, score)
        ranked = sorted(((score, ch) for ch, score in totals.items()), reverse=True)
        if not ranked or ranked[0][0] < floor:
            continue
        sure = len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= margin
        return ranked[0][1] if sure else None
    return None
