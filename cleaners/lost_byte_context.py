"""Neighbour evidence for the lost-byte repair: which of two known words fits here.

Some damaged words are one of two common words either way: Russian " \\ue0d1 " is the
preposition "с" or the pronoun "я", Icelandic "\\ue0c3" at a sentence's start "Í" or "Á",
Vietnamese "m\\U000f0ebbi" "mọi" or "mời". The words beside them decide: "с" comes
before a noun in the instrumental ("с ними", "с другом"), "я" before a verb in the
first person ("я думаю", "я был"). ``cleaners/letters/lost_byte_context.tsv.gz`` holds,
for the words of running text that a cp1252 round trip can damage, how often each was
seen after a given word, before a given word, and before a word with given last two
letters (built by bench/make_lost_byte_context.py from UD sentences, CC BY-SA 4.0).
`choose_by_context` weighs the close candidates by those counts, naive-Bayes style,
in the likeliest language for the line whose text has any of them.
"""

# The docstrings quote Cyrillic words.
# ruff: noqa: RUF002

from __future__ import annotations

import gzip
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

__all__ = ["ContextTable", "choose_by_context", "features", "load_context_table"]

# Add-alpha smoothing of a feature's count for a word, against this many values a
# feature of each kind takes (words before or after, last two letters after).
_ALPHA = 0.5
_VALUES = MappingProxyType({"<": 5000, ">": 5000, "~": 300})
# Languages this much (log10) less likely than the likeliest are not asked.
_NEAR_LANGUAGE = -1.0


@dataclass(frozen=True, slots=True)
class ContextTable:
    """Per language, per word (lower case): its count and its features' counts, as
    the text line "count<TAB>feature:count ..." (parsed when a line needs it)."""

    words: Mapping[str, Mapping[str, str]]


def load_context_table() -> ContextTable:
    packed = resources.files("cleaners").joinpath("letters/lost_byte_context.tsv.gz")
    words: dict[str, dict[str, str]] = {}
    for line in gzip.decompress(packed.read_bytes()).decode("utf-8").splitlines():
        if line and line[0] != "#":
            language, word, rest = line.split("\t", 2)
            words.setdefault(language, {})[word] = rest
    return ContextTable(MappingProxyType({language: MappingProxyType(table)
                                          for language, table in words.items()}))


def features(before: str, after: str) -> tuple[str, ...]:
    """The features of a place between the word `before` and the word `after` (each
    lower case, "" where the line's edge or a mark other than a space stands between);
    a neighbour with a lost character in it tells nothing."""
    found = []
    if "\ufffd" not in before:
        found.append("<" + before)
    if "\ufffd" not in after:
        found.append(">" + after)
    if after and "\ufffd" not in after[-2:]:
        found.append("~" + after[-2:])
    return tuple(found)


def choose_by_context(candidates: list[str], place: tuple[str, ...],
                      weights: Mapping[str, float], table: ContextTable,
                      margin: float) -> int | None:
    """The index of the candidate word (lower case) that the features of its `place`
    make `margin` times likelier than any other, or None.

    Asked: the likeliest language (by `weights`, log10) whose text has any candidate,
    if it is near the likeliest for the line."""
    for language, weight in sorted(weights.items(), key=lambda item: -item[1]):
        if weight < _NEAR_LANGUAGE:
            return None
        known = table.words.get(language, {})
        if not any(word in known for word in candidates):
            continue
        scores = [_score(known.get(word), place) for word in candidates]
        ranked = sorted(scores, reverse=True)
        if ranked[0] - ranked[1] < math.log(margin):
            return None
        return scores.index(ranked[0])
    return None


def _score(entry: str | None, place: tuple[str, ...]) -> float:
    """log P(word) + the sum of log P(feature | word), smoothed; an unseen word counts
    as seen never."""
    total, counts = 0, {}
    if entry is not None:
        head, _, rest = entry.partition("\t")
        total = int(head)
        counts = {feature: int(count) for feature, _, count in
                  (item.rpartition(":") for item in rest.split(" ") if item)}
    score = math.log(total + _ALPHA)
    for feature in place:
        values = _VALUES[feature[0]]
        score += math.log((counts.get(feature, 0) + _ALPHA) / (total + _ALPHA * values))
    return score
