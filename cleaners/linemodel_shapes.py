"""Within-document shape features for the line model's second stage
(`cleaners/linemodel.py`, `context_rows`): a run of lines cut to one pattern is a
listing, in any language.

Much boilerplate the first stage doubts is a series: a product grid ("- 28% OFF... $25
$18", twenty times), a list of names (", Marianne Thieme", ", Mark Rutte", ...), twenty
related titles. No line of it repeats, and the first stage only knows an exact repeat.
Here each line gets a coarse shape key, language-agnostic: the class of its first and
last character (digits one class, capitals another, lower-case letters a third, any
other character itself), its word count's bin, and the capitalization pattern of its
first three words. A line's features say how many other lines of the document share its
key, its first two characters or its last two (digits folded), whether its neighbours
share its key, and what the first stage thinks of the lines that share it (the group's
mean log-odds); two document-level priors follow: the share of short lines and the mean
first-stage log-odds. Everything is one pass over the lines with dictionaries: linear.

>>> keys = shape_keys(["- 28% OFFPipe Design by Ann $25 $18", "- 4% OFFIrony by Teo $25 $24"])
>>> keys[0] == keys[1]
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: The features `shape_rows` gives, in column order (appended to `CONTEXT_FEATURES`).
SHAPE_FEATURES: tuple[str, ...] = (
    "shape_recurs", "prefix_recurs", "suffix_recurs", "shape_neighbours",
    "shape_group_logit", "doc_short_share", "doc_mean_logit",
)
#: How far into a line its label may end ("Aussprache: ...", "Posted by: ..."), and the
#: most words a label has: a longer opening is a sentence with a colon in it.
_LABEL_CHARS = 40
_LABEL_WORDS = 3
#: What may come before a label: list markers and table bars.
_LABEL_MARKS = "-*+\u2022\u00b7|>\u2013\u2014 \t"  # hyphen, bullets, en and em dash
# Lower edges of the word-count bins of the shape key: 1, 2, 3, 4-5, 6-8, 9-15, 16+.
_KEY_BINS = (0, 1, 2, 3, 4, 4, 6, 6, 6, 9, 9, 9, 9, 9, 9, 16)
_DIGITS = str.maketrans("0123456789", "0000000000")
#: `_char_class` of every ASCII letter and digit, for one `str.translate` per line.
_ASCII_CLASSES = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "0" * 10 + "A" * 26 + "a" * 26)
#: The ends of a line (digits folded, ASCII lowered) in one `str.translate`.
_ENDS = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                      "0" * 10 + "abcdefghijklmnopqrstuvwxyz")


def _char_class(char: str) -> str:
    """A character's class in a shape key: "0" a digit, "A" a capital, "a" another
    letter, any other character itself ("" for none)."""
    if not char:
        return ""
    if char.isdigit():
        return "0"
    if char.isalpha():
        return "A" if char.isupper() else "a"
    return char


def key_bin(count: int) -> int:
    """The word-count bin of a line of `count` words in its shape key (`_KEY_BINS`)."""
    return _KEY_BINS[count] if count < len(_KEY_BINS) else 16


def shape_keys(texts: Sequence[str], counts: Sequence[int] | None = None,
               ) -> list[tuple[str, int]]:
    """Each line's shape key: the classes (`_char_class`) of its first and last
    character and of its first three whitespace words' initials, and its word-count
    bin (`counts`: each line's words, by default its whitespace words)."""
    keys = []
    bins = len(_KEY_BINS)
    for k, text in enumerate(texts):
        pieces = text.split(None, 3)
        count = len(text.split()) if counts is None else counts[k]
        marks = text[:1] + text[-1:] + "".join([piece[0] for piece in pieces[:3]])
        classes = (marks.translate(_ASCII_CLASSES) if marks.isascii()
                   else "".join(map(_char_class, marks)))
        keys.append((classes, _KEY_BINS[count] if count < bins else 16))
    return keys


def line_label(text: str) -> str:
    """The label a line opens with, casefolded ("" for none): one to `_LABEL_WORDS` words
    with a letter, after any list marker, before a colon that a space and more text
    follow, within the line's first `_LABEL_CHARS` characters.

    A record's fields ("Aussprache: ...", "Born: 1950") and a card's repeated caption
    ("Calories: 220", under every item) both have one; the list stage
    (`cleaners.linemodel.list_lines`) tells them apart by whether the label recurs in the
    document.

    >>> line_label("- Französisch: [1] loterie → fr f"), line_label("klovnit tv:ssä")
    ('französisch', '')
    """
    end = text.find(": ", 0, _LABEL_CHARS)
    if end <= 0 or not text[end + 2:].strip():
        return ""
    label = text[:end].lstrip(_LABEL_MARKS).rstrip()
    if not label or len(label.split()) > _LABEL_WORDS or not any(map(str.isalpha, label)):
        return ""
    return label.casefold()


def shape_rows(texts: Sequence[str], capped: Sequence[float], short: Sequence[bool],
               wanted: Sequence[bool] | None = None,
               counts: Sequence[int] | None = None,
               keys: Sequence[tuple[str, int]] | None = None) -> list[list[float]]:
    """The `SHAPE_FEATURES` of every line of one document, in order (an empty row for
    a line not `wanted`).

    `capped` are the first stage's log-odds (clipped), `short` which lines are short,
    `counts` their words (as `shape_keys` has them), `keys` their `shape_keys` if known.
    A line's own log-odds are left out of its group's mean, so a line alone in its
    shape gets 0 (no evidence either way).
    """
    count = len(texts)
    if not count:
        return []
    if keys is None:
        keys = shape_keys(texts, counts)
    heads, tails = [], []
    for text in texts:
        head, tail = text[:2], text[-2:]
        if head.isascii() and tail.isascii():
            heads.append(head.translate(_ENDS))
            tails.append(tail.translate(_ENDS))
        else:
            heads.append(head.casefold().translate(_DIGITS))
            tails.append(tail.casefold().translate(_DIGITS))
    key_count: dict[tuple[str, int], int] = {}
    key_logit: dict[tuple[str, int], float] = {}
    head_count: dict[str, int] = {}
    tail_count: dict[str, int] = {}
    for key, head, tail, value in zip(keys, heads, tails, capped, strict=True):
        key_count[key] = key_count.get(key, 0) + 1
        key_logit[key] = key_logit.get(key, 0.0) + value
        head_count[head] = head_count.get(head, 0) + 1
        tail_count[tail] = tail_count.get(tail, 0) + 1
    short_share = sum(short) / count
    mean_logit = sum(capped) / count
    log1p = math.log1p
    rows: list[list[float]] = []
    for k in range(count):
        if wanted is not None and not wanted[k]:
            rows.append([])
            continue
        key = keys[k]
        others = key_count[key] - 1
        group = (key_logit[key] - capped[k]) / others if others else 0.0
        neighbours = float(k > 0 and keys[k - 1] == key) + float(
            k + 1 < count and keys[k + 1] == key)
        rows.append([
            log1p(others), log1p(head_count[heads[k]] - 1), log1p(tail_count[tails[k]] - 1),
            neighbours, group, short_share, mean_logit,
        ])
    return rows
