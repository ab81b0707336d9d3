"""Letter evidence for the lost-byte repair: which candidate its neighbouring letters fit.

Where no word decides a lost character (`cleaners.lost_byte_words`), the letters around
it do: how often each candidate follows its left neighbours and precedes its right ones,
per language (letter, pair and triple frequencies counted from the same word lists, and
langdetect's profiles for the other languages, ``cleaners/letters/lost_byte_grams.tsv``,
built by bench/make_letter_grams.py), each language weighted by how likely the line's
own undamaged letters make it. A run of neighbouring lost letters ("ся" in Russian
loses both) is read by letter pairs along the run (`run_scores`), a single lost letter
by the letter triples around it (`by_triples`).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from cleaners.lost_byte_words import near_languages

__all__ = ["LetterTables", "Table", "by_script", "by_triples", "is_letter", "known_letters",
           "languages", "load_letter_tables", "run_scores", "script"]

Table = MappingProxyType[str, float]

# Frequencies are per million; a pair the table lacks is rarer than its cut-off of 1.
_UNSEEN = math.log(0.3)
_PER_MILLION = math.log(1e6)
_BACKOFF = math.log(0.4)
# About one character in six is a word boundary, in the languages langdetect profiles.
_SPACE = math.log(1.6e5)
# Languages this much less likely than the likeliest for the line are not consulted.
_FAR_LANGUAGE = math.log(1e-4)
# A line whose likeliest language lacks this many of its letters, and this share, is
# in a language the tables do not know.
_FOREIGN_LETTERS = 2
_FOREIGN_SHARE = 0.02
# A letter the likeliest language writes this rarely (per million letters) counts as
# one it lacks. Was 500, which made Vietnamese lack its own "ẵ" (92) and "õ" (300) and
# left such lines to ftfy; on the tune set 20 to 200 give the same (Vietnamese 31 ->
# 32 of 36 exact), and the Kazakh lines stay refused.
_RARE_LETTER = math.log(50)
# A letter some language writes this often (per million letters) or more is one the
# tables know. Was 20, under which Ukrainian "ґ" (16 in its table) fell, so every line
# with "ґрунт" or "обґрунтування" was left to ftfy (UD Ukrainian test sentences with
# "ґ" that no set holds: 1 -> 13 of 13 exact; tune the same, second +1).
_WRITTEN_LETTER = math.log(10)
# An upper-case letter right after a lower-case one is rare outside names like "McDonald".
_MID_WORD_CAPITAL = 0.02


@dataclass(frozen=True, slots=True)
class LetterTables:
    """Letter grams per language (log frequencies per million), and the letters some
    language of the tables writes (not only by a stray loan word)."""

    tables: tuple[tuple[str, Table], ...]
    written: frozenset[str]


def load_letter_tables() -> LetterTables:
    """Each language's letter, letter-pair and triple frequencies, as logarithms."""
    text = resources.files("cleaners").joinpath("letters/lost_byte_grams.tsv").read_text(
        encoding="utf-8")
    tables: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            language, gram, weight = line.split("\t")
            tables.setdefault(language, {})[gram] = math.log(float(weight))
    frozen = tuple((language, MappingProxyType(table)) for language, table in tables.items())
    written = frozenset(key for _, table in frozen for key, weight in table.items()
                        if len(key) == 1 and weight >= _WRITTEN_LETTER)
    return LetterTables(frozen, written)


def known_letters(chars: list[str], letters: LetterTables) -> bool:
    """Whether a language the tables know may write `chars` (letters of one script):
    none is one that no table's language uses (Kazakh "қ"), and the likeliest language
    for the non-ASCII ones has all of them but a few (a foreign name), not one at every
    turn (a language the tables lack, mixing letters of several they have)."""
    keys = [_key(ch) for ch in chars]
    if any(ch not in letters.written for ch in keys if ch != " "):
        return False
    foreign = Counter(ch for ch in keys if not ch.isascii())
    best = max((table for _, table in letters.tables),
               key=lambda table: sum(n * table.get(ch, _UNSEEN) for ch, n in foreign.items()))
    unseen = sum(n for ch, n in foreign.items() if best.get(ch, _UNSEEN) < _RARE_LETTER)
    return unseen < _FOREIGN_LETTERS or unseen < _FOREIGN_SHARE * len(keys)


def script(ch: str) -> str:
    """The script a letter is written in, as its Unicode name begins ("LATIN",
    "CYRILLIC", "GREEK"); "" for anything else."""
    if ch.isascii():
        return "LATIN" if ch.isalpha() else ""
    return unicodedata.name(ch, "").partition(" ")[0] if is_letter(ch) else ""


def by_script(chars: list[str]) -> dict[str, list[str]]:
    """The letters of `chars`, by script."""
    found: dict[str, list[str]] = {}
    for ch in chars:
        name = script(ch)
        if name:
            found.setdefault(name, []).append(ch)
    return found


def languages(chars: list[str], letters: LetterTables) -> list[tuple[float, Table]]:
    """The languages' tables, each with the log-likelihood of the known letters of
    `chars` under it (letters only: no words), the unlikely ones left out."""
    # Each distinct letter once, times its count: 56 tables a letter add up.
    keys = Counter(_key(ch) for ch in chars if is_letter(ch))
    scored = {language: sum(n * table.get(ch, _UNSEEN) for ch, n in keys.items())
              for language, table in letters.tables}
    weights = near_languages(scored, _FAR_LANGUAGE)
    tables = dict(letters.tables)
    return [(weight, tables[language]) for language, weight in weights.items()]


def by_triples(options: tuple[str, ...], chars: list[str], at: int,
               languages: list[tuple[float, Table]], margin: float) -> tuple[str, bool]:
    """The likeliest option at `at` by the letter triples around it, and whether it is
    `margin` times likelier than the next."""
    def near(k: int) -> str:
        return chars[k] if 0 <= k < len(chars) else " "

    l2, l1, r1, r2 = near(at - 2), near(at - 1), near(at + 1), near(at + 2)
    scores = []
    for ch in options:
        total = -math.inf
        for weight, table in languages:
            total = _log_add(total, weight + _triple(table, l2, l1, ch) + _triple(
                table, l1, ch, r1) + _triple(table, ch, r1, r2) + _case((l1,), ch))
        scores.append((total, ch))
    scores.sort(reverse=True)
    sure = len(scores) == 1 or scores[0][0] - scores[1][0] >= math.log(margin)
    return scores[0][1], sure


def run_scores(run: list[tuple[str, ...]], left: str, right: str,
               languages: list[tuple[float, Table]]) -> list[list[float]]:
    """Each option's log score in a run of neighbouring lost characters between `left`
    and `right`: its best reading by letter pairs, summed over the languages, each
    weighted by how likely the line's letters make it."""
    totals = [[-math.inf] * len(options) for options in run]
    for weight, table in languages:
        for k, scores in enumerate(_max_marginals(run, left, right, table)):
            totals[k] = [_log_add(t, weight + s) for t, s in zip(totals[k], scores,
                                                                 strict=True)]
    return totals


def is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _triple(table: Table, x: str, y: str, z: str) -> float:
    """log P(z | x y), backed off to log P(z | y) times a constant where the table lacks
    the triple ("stupid backoff", Brants et al. 2007, with their 0.4)."""
    kx, ky, kz = _key(x), _key(y), _key(z)
    three, two = table.get(kx + ky + kz), table.get(kx + ky)
    if three is not None and two is not None:
        return three - two
    return _BACKOFF + _follows(table, ky, kz)


def _follows(table: Table, ky: str, kz: str) -> float:
    """log P(z | y), backed off to log P(z)."""
    two = table.get(ky + kz)
    if two is not None:
        return two - _unigram(table, ky)
    return _BACKOFF + _unigram(table, kz) - _PER_MILLION


def _log_add(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def _max_marginals(run: list[tuple[str, ...]], left: str, right: str,
                   table: Table) -> list[list[float]]:
    """Max-product over the chain left, c1 ... ck, right in one language (forward and
    backward passes): each option's score is that of the best reading holding it."""
    forward: list[list[float]] = []
    prev_opts: tuple[str, ...] = (left,)
    prev_scores = [0.0]
    for options in run:
        scores = [max(p + _pair(table, a, ch) for a, p in zip(prev_opts, prev_scores,
                                                                strict=True))
                  - _single(table, ch) + _case(prev_opts, ch) for ch in options]
        forward.append(scores)
        prev_opts, prev_scores = options, scores
    backward: list[list[float]] = [[_pair(table, ch, right) for ch in run[-1]]]
    for k in range(len(run) - 2, -1, -1):
        following, after = run[k + 1], backward[0]
        backward.insert(0, [max(_pair(table, ch, b) - _single(table, b) + _case((ch,), b) + s
                                for b, s in zip(following, after, strict=True))
                            for ch in run[k]])
    return [[f + b for f, b in zip(fs, bs, strict=True)]
            for fs, bs in zip(forward, backward, strict=True)]


def _key(ch: str) -> str:
    """A neighbour as the letter-pair table spells it: casefolded, non-letters a space."""
    return ch.casefold() if is_letter(ch) and len(ch.casefold()) == 1 else " "


def _pair(table: Table, a: str, b: str) -> float:
    """A pair's log frequency; a pair the table lacks is taken as two letters met by
    chance (their frequencies multiplied), and never above the table's cut-off."""
    ka, kb = _key(a), _key(b)
    found = table.get(ka + kb)
    if found is not None:
        return found
    return min(0.0, _unigram(table, ka) + _unigram(table, kb) - _PER_MILLION)


def _unigram(table: Table, key: str) -> float:
    return _SPACE if key == " " else table.get(key, _UNSEEN)


def _single(table: Table, ch: str) -> float:
    return table.get(_key(ch), _UNSEEN) if is_letter(ch) else 0.0


def _case(before: tuple[str, ...], ch: str) -> float:
    """A penalty for a capital right after a lower-case letter."""
    if ch.isupper() and all(a.islower() for a in before):
        return math.log(_MID_WORD_CAPITAL)
    return 0.0
