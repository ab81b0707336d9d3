"""The line model's first-stage features (`cleaners/linemodel.py`): a line's shape, its
place and its neighbours', computed for one document at a time.

`line_features` computes them with a handful of numpy operations over the whole
document, `_line_rows` row by row in plain Python (cheaper for short documents, where
numpy's fixed cost per call dominates); a test holds the two equal. `ngram_hashes` gives
the hashed character trigrams, which the shipped model does not use.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Characters of the casefolded line whose trigrams are hashed: the start of a line is
#: where a prompt or a menu entry says what it is, and a fixed prefix bounds the cost.
NGRAM_CHARS = 24
#: Hash buckets of the trigrams (a power of two): 8192 weights, 64 KB.
NGRAM_BUCKETS = 1 << 13

# The typographic marks are meant (ruff's RUF001 takes them for look-alikes).
_SENTENCE_END = frozenset(".!?…")
_CLOSING = "\"'”’»)]"  # noqa: RUF001
_BULLETS = "•·●▪►▸→»›"  # noqa: RUF001
_WORD_BINS = (0, 1, 2, 3, 4, 6, 9, 16, 31)  # lower edges: 0, 1, 2, 3, 4-5, 6-8, 9-15, 16-30, 31+
_BIN_EDGES = np.array(_WORD_BINS[1:])
_BIN_INDEX = np.arange(len(_WORD_BINS))[:, None]
_BIN_NAMES = tuple(f"words_bin_{edge}" for edge in _WORD_BINS)
# Character classes as bit flags in one table over code points (np.isin sorts on every
# call and would cost more than the rest of the features together).
_ENDS, _STOP, _BULLET, _DASH = 1, 2, 4, 8
_CLASS_TOP = 0x2600
_CLASSES = np.zeros(_CLASS_TOP + 1, dtype=np.uint8)
for _marks, _flag in (("".join(_SENTENCE_END), _ENDS), (".!?", _STOP), (_BULLETS, _BULLET),
                      ("-–", _DASH)):  # noqa: RUF001
    for _mark in _marks:
        _CLASSES[ord(_mark)] |= _flag
#: A line is short (a menu entry, a label) at up to this many words without a sentence end,
#: and a body paragraph from `_BODY_WORDS` words with one; the same figures as
#: `BoilerplateConfig.short_line_words` and `body_min_words`.
_SHORT_WORDS = 4
_BODY_WORDS = 8
_WINDOW = 3
#: Up to this many lines, `LineModel.scores` computes the features in plain Python
#: (`_line_rows`), beyond it with numpy (`line_features`): where the two cost the same
#: on the boiler_lines documents (about 8 us a line against 150 us plus 5 a line).
PLAIN_PYTHON_LINES = 24
_DIGIT = re.compile("[0-9]")
_BULLET_MARK = re.compile(f"[{_BULLETS}]")
#: A dash between spaces (or line breaks), found without consuming its neighbours.
_SPACED_DASH = re.compile("(?<=[ \n])[-–](?=[ \n])")  # noqa: RUF001
_CHAR_SPAN = 160

#: The names of the dense features, in column order; the model file stores them too, so
#: a model built for other features is refused at load time.
FEATURES: tuple[str, ...] = (
    *_BIN_NAMES,
    "log_words", "log_chars", "mean_word_len",
    "ends_sentence", "ends_question", "ends_colon", "ends_comma", "ends_digit", "ends_bracket",
    "starts_upper", "starts_digit", "starts_symbol",
    "title_case_share", "all_caps", "digit_share", "pipes", "bullets", "slashes", "dashes",
    "url", "email", "copyright", "inner_sentences", "brackets", "repeated_in_doc",
    "rel_position", "first_line", "last_line", "head_3", "tail_3", "log_doc_lines",
    "before_first_body", "after_last_body", "log_body_distance", "no_body",
    "prev_short", "next_short", "prev_body", "next_body", "prev2_short", "next2_short",
    "prev_log_words", "next_log_words", "window_short_share", "window_body_share",
    "log_short_run", "short_in_run3", "short_in_run6",
)


def line_kinds(texts: Sequence[str], tokens: Sequence[Sequence[str]],
               ) -> tuple[list[bool], list[bool]]:
    """Which lines are short (at most `_SHORT_WORDS` words, no sentence end) and which
    are body paragraphs (at least `_BODY_WORDS` words, ending a sentence)."""
    short, body = [], []
    for text, words in zip(texts, tokens, strict=True):
        terminal = text.rstrip(_CLOSING)[-1:] in _SENTENCE_END
        count = len(words)
        short.append(count <= _SHORT_WORDS and not terminal)
        body.append(count >= _BODY_WORDS and terminal)
    return short, body


def line_features(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                  wanted: Sequence[bool] | None = None) -> FloatArray:
    """The dense feature matrix (lines x `FEATURES`) of one document's lines; given
    `wanted`, only the rows of the wanted lines, in order.

    Character counts are taken over the whole document at once, on its code points;
    only what numpy cannot see (how a line ends once closing quotes are stripped, a URL)
    is asked of each line. Given `wanted`, the characters and the questions are only
    those of the wanted lines: the rows are the same as the whole matrix's, bit for bit
    (a test holds them so), and most lines of a page are not scored (`LineModel`).
    """
    count = len(texts)
    # Columns by name, stacked once at the end: one copy instead of one per column.
    found: dict[str, npt.NDArray[np.generic]] = {}
    # The lines whose own characters are read (the others' rows are dropped at the end;
    # their neighbours read only their words and how they end).
    picked = (list(range(count)) if wanted is None
              else [k for k, flag in enumerate(wanted) if flag])
    every = len(picked) == count

    # A line's character counts are taken on its first `_CHAR_SPAN` characters: what a
    # long paragraph's counts would add is not worth their cost.
    cut = [text[:_CHAR_SPAN] for text in texts]
    mine = cut if every else [cut[k] for k in picked]
    # Each line between line breaks, as in the whole document: a line that is not the
    # document's first has one before it (a leading " - " is a dash only after one).
    lead = "\n" if picked and picked[0] > 0 else ""
    joined = lead + "\n".join(mine) + "\n"
    codes = _codes(joined)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count)
    spans = np.fromiter(map(len, mine), dtype=np.int64, count=len(mine))
    starts = np.cumsum(spans + 1) - (spans + 1) + len(lead)
    lowered = joined.lower()
    # str.lower keeps the length but for a few letters ("İ"); then ask each character.
    # (A document's lines decide it together: lowering ASCII never changes a length.)
    keeps = len(lowered) == len(joined) and (every or len(
        "".join(cut).lower()) == sum(map(len, cut)))
    upper = (codes != _codes(lowered) if keeps
             else np.fromiter(map(str.isupper, joined), dtype=bool, count=len(joined)))
    space = (codes == 32) | (codes == 10)
    word_start = ~space
    word_start[1:] &= space[:-1]
    classes = _CLASSES[np.minimum(codes, _CLASS_TOP)]
    digit = (codes >= 48) & (codes <= 57)
    inner = np.zeros(codes.size, dtype=bool)  # ". " "! " "? " inside a line
    inner[:-1] = ((classes[:-1] & _STOP) != 0) & (codes[1:] == 32)
    dash = np.zeros(codes.size, dtype=bool)  # " - " between words
    dash[1:-1] = ((classes[1:-1] & _DASH) != 0) & space[:-2] & space[2:]
    # Every per-line count in one pass: one row per kind of character, summed by line.
    counts = np.add.reduceat(np.array([
        word_start, word_start & upper, digit, codes == 124, (classes & _BULLET) != 0,
        codes == 47, dash, inner, codes == 40,
    ], dtype=np.int64), starts, axis=1) if picked else np.zeros((9, 0), dtype=np.int64)
    begins = np.array([upper[starts], digit[starts]])
    if not every:
        # Back to one column a line; the lines not read get what an empty count gives,
        # and their rows are dropped below.
        counts, begins, spans = _spread(counts, picked, count), _spread(begins, picked, count), (
            _spread(spans[None, :], picked, count, 1)[0])
    capped = np.minimum(counts[3:], 4)

    ends = []
    for text in texts:
        end = text.rstrip(_CLOSING)[-1:]
        ends.append(ord(end) if end else 0)
    firsts, flags = [True] * count, [_NO_FLAGS] * count
    letter_counts = [0] * count
    for k in picked:
        text = texts[k]
        firsts[k] = text[0].isalnum()
        flags[k] = (text.isupper(), "http" in text or "www." in text,
                    "@" in text and "." in text, "©" in text or "(c)" in text,
                    text[-1] in ")]")
        letter_counts[k] = sum(map(len, tokens[k]))
    end_codes = np.array(ends)
    terminal = (_CLASSES[np.minimum(end_codes, _CLASS_TOP)] & _ENDS) != 0
    flag = np.array(flags, dtype=bool).reshape(count, 5).T
    words = np.fromiter(map(len, tokens), dtype=np.float64, count=count)
    letters = np.array(letter_counts, dtype=np.float64)

    onehot = np.searchsorted(_BIN_EDGES, words, side="right") == _BIN_INDEX
    found.update(zip(_BIN_NAMES, onehot, strict=True))
    seen: dict[str, int] = {}
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
    log_words = np.log1p(words)
    found.update({
        "log_words": log_words,
        "log_chars": np.log1p(lengths),
        "mean_word_len": letters / np.maximum(words, 1),
        "ends_sentence": terminal,
        "ends_question": end_codes == 63,
        "ends_colon": end_codes == 58,
        "ends_comma": (end_codes == 44) | (end_codes == 59),
        "ends_digit": (end_codes >= 48) & (end_codes <= 57),
        "ends_bracket": flag[4],
        "starts_upper": begins[0],
        "starts_digit": begins[1],
        "starts_symbol": ~np.array(firsts, dtype=bool),
        "title_case_share": counts[1] / np.maximum(counts[0], 1),
        "all_caps": flag[0],
        "digit_share": counts[2] / spans,
        "pipes": capped[0],
        "bullets": capped[1],
        "slashes": capped[2],
        "dashes": capped[3],
        "url": flag[1],
        "email": flag[2],
        "copyright": flag[3],
        "inner_sentences": capped[4],
        "brackets": capped[5] > 0,
        "repeated_in_doc": np.fromiter((seen[text] > 1 for text in texts), dtype=bool,
                                       count=count),
    })

    short = (words <= _SHORT_WORDS) & ~terminal
    body = (words >= _BODY_WORDS) & terminal
    position = np.arange(count, dtype=np.float64)
    body_at = np.flatnonzero(body)
    last = count - 1
    if body_at.size:
        # Distance to the nearest body paragraph, through the sorted body positions.
        right = np.searchsorted(body_at, position).clip(0, body_at.size - 1)
        left = (right - 1).clip(0)
        distance = np.minimum(np.abs(body_at[right] - position), np.abs(body_at[left] - position))
        first_body, last_body = body_at[0], body_at[-1]
    else:
        distance = np.full(count, float(count))
        first_body, last_body = -1, count
    # The neighbours' values through one zero-padded matrix: row 0 short, 1 body, 2 words.
    padded = np.zeros((3, count + 4))
    padded[:, 2:count + 2] = (short, body, log_words)
    before, after = padded[:, 1:count + 1], padded[:, 3:count + 3]
    low = (position - _WINDOW).clip(0).astype(np.int64)
    high = (position + _WINDOW + 1).clip(0, count).astype(np.int64)
    running = np.zeros((2, count + 1))
    running[:, 1:] = np.cumsum(padded[:2, 2:count + 2], axis=1)
    window = (running[:, high] - running[:, low]) / (high - low)
    run = _run_lengths(short)
    found.update({
        "rel_position": position / max(last, 1),
        "first_line": position == 0,
        "last_line": position == last,
        "head_3": position < _WINDOW,
        "tail_3": position > last - _WINDOW,
        "log_doc_lines": np.full(count, np.log1p(count)),
        "before_first_body": position < first_body,
        "after_last_body": position > last_body,
        "log_body_distance": np.log1p(distance),
        "no_body": np.full(count, body_at.size == 0),
        "prev_short": before[0],
        "next_short": after[0],
        "prev_body": before[1],
        "next_body": after[1],
        "prev2_short": padded[0, :count],
        "next2_short": padded[0, 4:],
        "prev_log_words": before[2],
        "next_log_words": after[2],
        "window_short_share": window[0],
        "window_body_share": window[1],
        "log_short_run": np.log1p(run),
        "short_in_run3": run >= 3,
        "short_in_run6": run >= 6,
    })
    matrix = np.array([found[name] for name in FEATURES], dtype=np.float64).T
    # Masked from the whole matrix (a C-ordered copy), as the rows have always been
    # taken: the product with the weights then adds in the same order.
    return matrix if wanted is None else matrix[np.array(wanted, dtype=bool)]


#: The flags of a line whose characters are not read (`line_features`).
_NO_FLAGS = (False, False, False, False, False)


def _spread(values: npt.NDArray[Any], picked: Sequence[int], count: int,
            fill: int = 0) -> npt.NDArray[Any]:
    """`values`' columns (one a picked line) at their lines' places among `count`,
    the other columns `fill`."""
    out = np.full((values.shape[0], count), fill, dtype=values.dtype)
    out[:, picked] = values
    return out


def _codes(text: str) -> npt.NDArray[np.uint32]:
    """The code points of `text`, one array element each."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _run_lengths(flags: npt.NDArray[np.bool_]) -> FloatArray:
    """For each position, the length of the run of true flags it is in (0 if false)."""
    count = flags.shape[0]
    padded = np.concatenate(([False], flags, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[::2], edges[1::2]
    out = np.zeros(count)
    # The runs are in order, so each true flag gets its run's length by repetition.
    out[flags] = np.repeat((ends - starts).astype(np.float64), ends - starts)
    return out


def ngram_hashes(texts: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
    """The hashed trigrams of each line's start: `(line, bucket, value)` triples.

    The first `NGRAM_CHARS` characters of each casefolded line, padded with a space on
    each side, are cut into trigrams in one pass over the whole document; each trigram's
    value is 1/sqrt(trigrams in its line), so a line's trigrams weigh as one feature.
    The hash is a fixed polynomial over code points: the same on every machine and run.
    """
    padded = [" " + text[:NGRAM_CHARS].casefold() + " " for text in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    line = np.repeat(np.arange(len(padded), dtype=np.int64), lengths)
    if codes.size < 3:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    same = line[:-2] == line[2:]
    mixed = (codes[:-2] * np.uint64(0x9E3779B1) + codes[1:-1]) * np.uint64(0x85EBCA77) + codes[2:]
    mixed ^= mixed >> np.uint64(15)
    buckets = (mixed & np.uint64(NGRAM_BUCKETS - 1)).astype(np.int64)[same]
    rows = line[:-2][same]
    per_line = (lengths - 2).clip(1).astype(np.float64)
    return rows, buckets, 1.0 / np.sqrt(per_line[rows])


def _line_rows(texts: Sequence[str], tokens: Sequence[Sequence[str]],
               wanted: Sequence[bool] | None = None,
               kinds: tuple[Sequence[bool], Sequence[bool]] | None = None,
               ) -> list[list[float | bool]]:
    """`line_features` in plain Python, row by row: the same values (a test holds them
    equal), for short documents, where numpy's cost per call outweighs the work. Only
    the rows of the `wanted` lines (all by default) are made; `kinds` are the lines'
    `line_kinds` if known."""
    count = len(texts)
    last = count - 1
    picked = range(count) if wanted is None else [k for k, flag in enumerate(wanted) if flag]
    # Only the rows' lines are looked at: a page scores a few of its lines, and every
    # per-document list (the word counts, the runs of short lines, the distances to a
    # body paragraph) was built for all of them. Up to `PLAIN_PYTHON_LINES` lines a
    # repeat is found by scanning them (`list.count`, in C) rather than by tallying.
    repeats = (list(texts).count if count <= PLAIN_PYTHON_LINES
               else Counter(texts).__getitem__)
    short, body = line_kinds(texts, tokens) if kinds is None else kinds
    bodies = [k for k, flag in enumerate(body) if flag]
    first_body, last_body = (bodies[0], bodies[-1]) if bodies else (-1, count)
    log_lines = math.log1p(count)
    log1p = math.log1p
    # As in `line_features`: a character is upper when lowering changes it, unless
    # lowering changes the document's length (then str.isupper decides). Lowering ASCII
    # never changes a length, and on ASCII str.isupper says what lowering says, so the
    # document's lines are asked only once a scored line has a non-ASCII initial.
    lowering: list[bool] = []
    rows: list[list[float | bool]] = []
    run_start = run_end = 0
    for k in picked:
        text, toks = texts[k], tokens[k]
        cut = text[:_CHAR_SPAN]
        count_words = len(toks)
        stripped = text.rstrip(_CLOSING)
        end = stripped[-1] if stripped else ""
        terminal = end != "" and end in _SENTENCE_END
        # The first character of each space-separated word, as one string.
        initials = "".join([piece[:1] for piece in cut.split(" ")])
        if initials.isascii():
            capitals = sum(map(str.isupper, initials))
            first_upper = cut[0].isupper()
        else:
            if not lowering:
                lowering.append(all(len(line.lower()) == len(line) for line in
                                    (whole[:_CHAR_SPAN] for whole in texts)
                                    if not line.isascii()))
            if lowering[0]:
                capitals = sum(map(str.__ne__, initials, initials.lower()))
                first_upper = cut[0].lower() != cut[0]
            else:
                capitals = sum(map(str.isupper, initials))
                first_upper = cut[0].isupper()
        bin_at = bisect.bisect_right(_WORD_BINS, count_words) - 1
        onehot = [0.0] * len(_WORD_BINS)
        onehot[bin_at] = 1.0
        letters = sum(map(len, toks))
        digits = len(_DIGIT.findall(cut))
        bullets = len(_BULLET_MARK.findall(cut)) if not cut.isascii() else 0
        dashes = 0
        if "-" in cut or "–" in cut:  # noqa: RUF001
            dashes = len(_SPACED_DASH.findall(("\n" if k else "\0") + cut + "\n"))
        inner = cut.count(". ") + cut.count("! ") + cut.count("? ")
        # The distance to the nearest body paragraph (`count` without one).
        distance = count
        if bodies:
            at = bisect.bisect_left(bodies, k)
            distance = min(bodies[at] - k if at < len(bodies) else distance,
                           k - bodies[at - 1] if at else distance)
        run = 0
        if short[k]:
            if k >= run_end:
                run_start, run_end = _run_around(short, k)
            run = run_end - run_start
        low, high = max(k - _WINDOW, 0), min(k + _WINDOW + 1, count)
        rows.append([
            *onehot,
            log1p(count_words), log1p(len(text)), letters / max(count_words, 1),
            terminal, end == "?", end == ":", end in (",", ";"),
            "0" <= end <= "9" and end != "", text[-1] in ")]",
            first_upper, "0" <= cut[0] <= "9", not text[0].isalnum(),
            capitals / max(len(initials), 1), text.isupper(), digits / len(cut),
            min(cut.count("|"), 4), min(bullets, 4), min(cut.count("/"), 4), min(dashes, 4),
            "http" in text or "www." in text, "@" in text and "." in text,
            "©" in text or "(c)" in text, min(inner, 4), "(" in cut, repeats(text) > 1,
            k / max(last, 1), k == 0, k == last, k < _WINDOW,
            k > last - _WINDOW, log_lines, k < first_body, k > last_body,
            log1p(distance), not bodies,
            k > 0 and short[k - 1], k < last and short[k + 1],
            k > 0 and body[k - 1], k < last and body[k + 1],
            k > 1 and short[k - 2], k < last - 1 and short[k + 2],
            log1p(len(tokens[k - 1])) if k > 0 else 0.0,
            log1p(len(tokens[k + 1])) if k < last else 0.0,
            sum(short[low:high]) / (high - low), sum(body[low:high]) / (high - low),
            log1p(run), run >= 3, run >= 6,
        ])
    return rows


def _run_around(short: Sequence[bool], k: int) -> tuple[int, int]:
    """The bounds `[start, end)` of the run of short lines holding line `k` (short)."""
    start, end = k, k + 1
    while start and short[start - 1]:
        start -= 1
    while end < len(short) and short[end]:
        end += 1
    return start, end
