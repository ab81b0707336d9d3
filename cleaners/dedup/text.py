"""Text and tokens: a paragraph folded to the words that dedup compares."""

from __future__ import annotations

import hashlib
import re
import unicodedata

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


def exact_hash(joined: bytes) -> int:
    """The 64-bit exact key of a folded paragraph (its words joined by single spaces)."""
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big")


def word_count(tokens: int, no_space: int, config: DedupConfig) -> float:
    """How many words `tokens` count as for the length cut (see `folded_words`)."""
    return tokens - no_space + no_space / config.chars_per_word
