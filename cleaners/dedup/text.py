"""Text and tokens: a paragraph folded to the words that dedup compares."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from cleaners.dedup.config import DedupConfig

# Scripts written without spaces between words: tokenized one character at a time.
_NO_SPACE = re.compile(
    "[\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff\u31f0-\u31ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"  # Han
)
# Format characters that only steer rendering (soft hyphen, zero-width space/joiners,
# marks of direction, word joiner, BOM): dropped so that they do not split a word.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _mark_class() -> str:
    # Python's \w leaves out combining marks (category M), which splits Devanagari,
    # Bengali, Tamil... words into pieces; they are added back to the word class. Only
    # the BMP's: astral ranges in the class made tokenizing twice as slow (measured), and
    # astral marks belong to historic scripts.
    spans: list[str] = []
    start = -1
    for code in range(0x10001):
        is_mark = code < 0x10000 and unicodedata.category(chr(code)).startswith("M")
        if is_mark and start < 0:
            start = code
        elif not is_mark and start >= 0:
            spans.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = -1
    return "".join(spans)


_MARKS = _mark_class()
_WORD = re.compile(f"[\\w{_MARKS}]+")
# For text with no-space scripts: each such character alone, or a run of other word
# characters. The alternation is 9x slower than _WORD on Latin text, so it is used only
# where needed.
_WORD_OR_CHAR = re.compile(
    f"{_NO_SPACE.pattern}|(?:[^\\W{_NO_SPACE.pattern[1:-1]}]|[{_MARKS}])+")


def normalized_text(text: str) -> str:
    """The folded form two paragraphs must share to be exact duplicates.

    >>> normalized_text("« L\u2019\u00c9t\u00e9  arrive » \u2014 dit-il.")
    'l été arrive dit il'
    >>> normalized_text("日本語です。")
    '日 本 語 で す'
    """
    return " ".join(folded_words(text)[0])


def normalized_key(text: str) -> str:
    """The exact-duplicate key of a paragraph: 16 hex digits of a hash of its folded form.

    >>> normalized_key('He said: "Yes."') == normalized_key("he said  \u201cyes\u201d")
    True
    """
    return f"{exact_hash(normalized_text(text).encode('utf-8')):016x}"


def folded_words(text: str) -> tuple[list[str], int]:
    """The words of a paragraph after folding, and how many are single no-space characters."""
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    if _NO_SPACE.search(folded):
        chars: list[str] = _WORD_OR_CHAR.findall(folded)
        return chars, len(_NO_SPACE.findall(folded))
    tokens: list[str] = _WORD.findall(folded)
    return tokens, 0


def _bmp_word_table() -> np.ndarray:
    # Which characters of the Basic Multilingual Plane `_WORD` matches: one pass of the
    # regex over all of them at import (~10 ms), the same definition as `folded_words`.
    table = np.zeros(0x10000, np.bool_)
    for match in _WORD.finditer("".join(map(chr, range(0x10000)))):
        table[match.start():match.end()] = True
    return table


_BMP_WORD = _bmp_word_table()


def folded_batch(texts: Sequence[str]) -> list[tuple[bytes, int, int]]:
    """`folded_words` of each text, as its words joined by single spaces in UTF-8, their
    count and how many are single no-space characters.

    The same words as `folded_words` (tests/test_dedup.py holds it to that), but the
    words of texts in space-separated scripts are cut out of the whole batch at once in
    numpy: the regex's `findall` made a string per word, 60% of the cost of hashing a
    paragraph (issue 20). Text in no-space scripts goes through `folded_words`.

    >>> folded = folded_batch(["« L'Été  arrive » dit-il.", "", "日本語です"])
    >>> [(text.decode(), count, no_space) for text, count, no_space in folded]
    [('l été arrive dit il', 5, 0), ('', 0, 0), ('日 本 語 で す', 5, 5)]
    """
    result: list[tuple[bytes, int, int]] = [(b"", 0, 0)] * len(texts)
    spaced: list[int] = []
    folds: list[str] = []
    for n, text in enumerate(texts):
        folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
        if _NO_SPACE.search(folded):
            result[n] = _folded_one(text)
        elif folded:
            spaced.append(n)
            folds.append(folded)
    if not folds:
        return result
    try:
        codes = np.frombuffer("".join(folds).encode("utf-32-le"), np.uint32)
    except UnicodeEncodeError:  # a lone surrogate: the words one text at a time
        for n in spaced:
            result[n] = _folded_one(texts[n])
        return result
    lengths = np.fromiter(map(len, folds), np.int64, len(folds))
    starts = np.zeros(len(folds), np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    word = _BMP_WORD[np.minimum(codes, 0xFFFF)]
    astral = np.flatnonzero(codes > 0xFFFF)
    if len(astral):
        word[astral] = [_WORD.match(chr(code)) is not None for code in codes[astral].tolist()]
    # A word begins at a word character after a non-word one or at a text's start; the
    # non-word character before each word but a text's first becomes the one space.
    begins = word.copy()
    begins[1:] &= ~word[:-1]
    begins[starts] = word[starts]
    at = np.flatnonzero(begins)
    later = np.ones(len(at), np.bool_)
    firsts = np.searchsorted(at, starts)  # each text's first word (or a later text's)
    later[firsts[firsts < len(at)]] = False
    space = at[later] - 1
    keep = word.copy()
    keep[space] = True
    out = codes.copy()
    out[space] = 32
    out = out[keep]
    # Counts per text from positions: `add.reduceat` over the boolean arrays cast them
    # whole to integers first, a sixth of this function's time.
    bounds = np.append(starts[1:], len(codes))
    counts = np.diff(np.append(firsts, len(at))).tolist()
    joined = out.tobytes().decode("utf-32-le")
    ends = np.searchsorted(np.flatnonzero(keep), bounds).tolist()
    begin = 0
    for n, end, count in zip(spaced, ends, counts, strict=True):
        result[n] = (joined[begin:end].encode("utf-8"), count, 0)
        begin = end
    return result


def _folded_one(text: str) -> tuple[bytes, int, int]:
    """`folded_batch`'s answer for one text, from `folded_words`."""
    tokens, no_space = folded_words(text)
    return " ".join(tokens).encode("utf-8"), len(tokens), no_space


def exact_hash(joined: bytes) -> int:
    """The 64-bit exact key of a folded paragraph (its words joined by single spaces)."""
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big")


def word_count(tokens: int, no_space: int, config: DedupConfig) -> float:
    """How many words `tokens` count as for the length cut (see `folded_words`)."""
    return tokens - no_space + no_space / config.chars_per_word
