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
as for words. Where it leaves two characters close, or none is seen, the letters before
the lost one and the letters after it are read apart (one-sided windows, as independent
evidence); where they do not decide either, the letter is left to the triples.
"""

# The docstrings quote damaged words.
# ruff: noqa: RUF002

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from cleaners.lost_byte_words import SortedLines, read_lines

__all__ = ["AFTER", "BEFORE", "COUNTED", "WINDOWS", "WindowTable", "cased", "choose_window",
           "load_window_table", "window"]

WindowTable = Mapping[str, str]

# (letters before, letters after) of the windows counted, widest first: the order in
# which they are read.
WINDOWS = ((3, 3), (2, 3), (3, 2), (2, 2), (1, 2), (2, 1), (1, 1))
# One-sided windows: the letters before it alone, the letters after it alone, and none.
BEFORE = ((4, 0), (3, 0), (2, 0), (1, 0))
AFTER = ((0, 4), (0, 3), (0, 2), (0, 1))
COUNTED = WINDOWS + BEFORE + AFTER + ((0, 0),)
# Each side's share of a character is mixed with its share in every window of its lead
# byte by this much: a side that never saw a character does not rule it out alone.
_MIX = 0.3
# The log10 of a share no side or window has seen (a character of none of the words).
_NEVER = -9.0


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
    """The likeliest of `options` for the lost `key[at]`, if it is `margin` (log10) above
    the next: by the widest window seen with a score (log10: the Zipf frequencies of its
    characters, each language weighted by `weights`) of `floor` or more; where that
    window leaves two close, or none is seen so often, by the letters before it and
    the letters after it apart (`_by_sides`). None where neither decides."""
    for left, right in WINDOWS:
        totals = _totals(table, window(key, at, left, right), options, weights)
        best = max(totals.values(), default=0.0)
        if best <= 0.0 or math.log10(best) < floor:
            continue
        ranked = sorted(totals.values(), reverse=True)
        if len(ranked) == 1 or ranked[1] <= 0.0 or math.log10(best / ranked[1]) >= margin:
            return max(totals, key=totals.__getitem__)
        break
    return _by_sides(key, at, options, weights, table, floor, margin)


def _by_sides(key: Sequence[str], at: int, options: tuple[str, ...],
              weights: Mapping[str, float], table: WindowTable, floor: float,
              margin: float) -> str | None:
    """The likeliest of `options` by the widest window of letters before it and the
    widest of letters after it, each seen `floor` or more, taken as independent
    evidence: P(c | before) P(c | after) / P(c), each share mixed with P(c) by `_MIX`.
    None where neither side is seen so often, or two options stay within `margin`."""
    prior = _totals(table, window(key, at, 0, 0), options, weights)
    total = sum(prior.values())
    if total <= 0.0:
        return None
    share = {ch: count / total for ch, count in prior.items()}
    scores = {ch: -math.log10(share[ch]) if share[ch] > 0.0 else 0.0 for ch in options}
    used = False
    for sides in (BEFORE, AFTER):
        for left, right in sides:
            totals = _totals(table, window(key, at, left, right), options, weights)
            seen = sum(totals.values())
            if seen <= 0.0 or math.log10(seen) < floor:
                continue
            for ch in options:
                mixed = (1 - _MIX) * totals[ch] / seen + _MIX * share[ch]
                scores[ch] += math.log10(mixed) if mixed > 0.0 else _NEVER
            used = True
            break
    if not used:
        return None
    ranked = sorted(((score, ch) for ch, score in scores.items()), reverse=True)
    if len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= margin:
        return ranked[0][1]
    return None


def _totals(table: WindowTable, name: str, options: tuple[str, ...],
            weights: Mapping[str, float]) -> dict[str, float]:
    """How often each of `options` stood in window `name`: its frequencies (per
    billion words) summed over the languages, each weighted by `weights`."""
    totals = dict.fromkeys(options, 0.0)
    found = table.get(name)
    if found is None:
        return totals
    for entry in found.split(" "):
        language, ch, zipf = entry.split(":")
        weight = weights.get(language)
        if weight is not None and ch in totals:
            totals[ch] += 10 ** (weight + float(zipf))
    return totals
