"""Score a document's lines as boilerplate with a small learned model, in any language.

The hand lexicon knows the phrasing of ten languages; the line model knows what
boilerplate looks like: a logistic regression over

- the line's shape: its length in words (binned) and characters, how it ends (a sentence
  mark, a colon, a comma), how it starts (a capital, a digit, a list marker), its share of
  capitalized words, digits and separators (`|`, bullets, slashes), URL or e-mail shape,
  a copyright sign, sentences inside it, whether it recurs in the document;
- its place: relative position, first or last lines, before the first or after the last
  body paragraph, the document's length;
- its neighbours: whether the lines around it are short or body paragraphs, the share of
  short lines within three lines, the length of the run of short lines it is in (a run
  of short lines is a menu);
- hashed character trigrams of the start of the line, casefolded (`NGRAM_CHARS` chars,
  `NGRAM_BUCKETS` buckets). Their weight is kept modest by a stronger penalty in training,
  because the trigrams of four training languages say little about a fifth (see
  `bench/train_line_model.py` for the measurement).

A second stage, a logistic regression over `CONTEXT_FEATURES`, scores each line again
from the first stage's log-odds of the line, of its neighbours and of its run of short
lines, and from which lines around it the rules removed (`context_rows`): a menu entry
the first stage doubts sits among entries it is sure of. Lines the rules removed are not
scored; they count as sure boilerplate in their neighbours' context.

Everything is computed per document: in plain Python row by row up to
`PLAIN_PYTHON_LINES` lines (`_line_rows`), where numpy's fixed cost per call would
dominate, and with a handful of numpy operations beyond (`line_features`); the two give
the same matrix. The trigrams are optional: a model file without them (what ships) skips
them. The weights ship as `cleaners/models/line_model.npz`, built by
`bench/train_line_model.py` from named inputs; `load_line_model` reads it once (the
Toolkit holds it), and `LineModel.scores` is pure and deterministic.

>>> model = load_line_model()
>>> lines = ["Home", "News", "Sport", "Contact", "Login",
...          "The council approved the new budget on Tuesday after a long debate."]
>>> scores = model.scores(lines, [line.casefold().split() for line in lines])
>>> bool(scores[2] > scores[5])
True
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class LineModel:
    """A logistic regression over `FEATURES` and hashed trigrams; build it with
    `load_line_model`.

    `threshold` is the score from which a line is boilerplate, chosen by the training
    script for content kept (losing content costs more than leaving junk). `source`
    says what trained it.
    """

    dense: FloatArray
    ngrams: FloatArray
    bias: float
    threshold: float
    source: str
    #: A run of short lines whose mean score reaches this is a menu as a whole (above 1:
    #: never); chosen with `threshold`.
    block_mean: float = 2.0
    #: The second stage's weights over `CONTEXT_FEATURES` (empty: no second stage), and
    #: its bias.
    context: FloatArray = field(default_factory=lambda: np.zeros(0))
    context_bias: float = 0.0

    def scores(self, texts: Sequence[str], tokens: Sequence[Sequence[str]],
               evidence: Sequence[bool] | None = None) -> FloatArray:
        """The boilerplate probability of each line of one document, in order.

        `texts` are the document's non-empty lines, stripped; `tokens` their casefolded
        words (as `cleaners.boilerplate` has them). `evidence` says which lines the rules
        removed: those are not scored (they get the sure score of `_LOGIT_CAP`), and a
        model that has a second stage scores the others again in their context
        (`context_rows`).
        """
        wanted = None if evidence is None else [not flag for flag in evidence]
        logits = self.logits(texts, tokens, wanted)
        if self.context.size and evidence is not None and len(texts):
            short = [len(words) <= _SHORT_WORDS and text.rstrip(_CLOSING)[-1:] not in _SENTENCE_END
                     for text, words in zip(texts, tokens, strict=True)]
            weights = self.context.tolist()
            bias = self.context_bias
            # As Python floats: a dozen lines' dot products cost less than numpy's calls.
            values = logits.tolist()
            for k, row in context_rows(values, short, evidence, wanted):
                logits[k] = sum(map(operator.mul, row, weights)) + bias
        return 1.0 / (1.0 + np.exp(-logits))

    def logits(self, texts: Sequence[str], tokens: Sequence[Sequence[str]],
               wanted: Sequence[bool] | None = None) -> FloatArray:
        """The first stage's log-odds of boilerplate of each line, from the line and its
        neighbours' shapes alone; only for the `wanted` lines (all by default), the
        others get `_LOGIT_CAP`."""
        count = len(texts)
        if not count:
            return np.zeros(0)
        # A short document's features are cheaper row by row in Python than in numpy's
        # calls, each of which costs microseconds whatever its size; both give the same
        # matrix.
        if count <= PLAIN_PYTHON_LINES:
            rows = _line_rows(texts, tokens, wanted)
            if not rows:
                return np.full(count, _LOGIT_CAP)
            matrix = np.array(rows, dtype=np.float64)
        else:
            matrix = line_features(texts, tokens)
            if wanted is not None:
                matrix = matrix[np.array(wanted, dtype=bool)]
        found = matrix @ self.dense + self.bias
        if self.ngrams.size:
            lines, buckets, values = ngram_hashes(texts)
            grams = np.bincount(lines, weights=self.ngrams[buckets] * values, minlength=count)
            found += grams if wanted is None else grams[np.array(wanted, dtype=bool)]
        if wanted is None:
            return found
        logits = np.full(count, _LOGIT_CAP)
        logits[np.array(wanted, dtype=bool)] = found
        return logits


#: The second stage's features, in column order: the first stage's log-odds of the line
#: and of its neighbours, and what the rules removed around it. A menu entry the first
#: stage doubts (0.6) sits among entries it is sure of or that the rules removed.
CONTEXT_FEATURES: tuple[str, ...] = (
    "logit", "prev_logit", "next_logit", "window_logit", "neighbour_max_logit",
    "run_logit", "short_x_window_logit", "prev_removed", "next_removed", "window_removed",
    "run_removed", "short_x_window_removed",
)
#: Lines on each side that make a line's context window.
_CONTEXT_WINDOW = 2
#: The first stage's log-odds are clipped to this: a sure line says no more past it.
_LOGIT_CAP = 6.0


def context_rows(logits: Sequence[float], short: Sequence[bool], evidence: Sequence[bool],
                 wanted: Sequence[bool] | None = None) -> list[tuple[int, list[float]]]:
    """The `CONTEXT_FEATURES` of the `wanted` lines (all by default) of one document, as
    `(line index, row)` pairs, in plain Python (linear).

    `logits` are the first stage's, `short` whether each line is short (at most
    `_SHORT_WORDS` words, no sentence end), `evidence` whether the rules removed it. A
    line's run is the run of short lines it is in (none if it is not short); the
    window is `_CONTEXT_WINDOW` lines each side, the line itself left out.
    """
    count = len(logits)
    capped = [min(max(value, -_LOGIT_CAP), _LOGIT_CAP) for value in logits]
    removed = [1.0 if flag else 0.0 for flag in evidence]
    # Prefix sums make each window and run a subtraction.
    sum_logit, sum_removed = [0.0], [0.0]
    for value, flag in zip(capped, removed, strict=True):
        sum_logit.append(sum_logit[-1] + value)
        sum_removed.append(sum_removed[-1] + flag)
    run_start = [0] * count
    run_end = [0] * count
    start = 0
    while start < count:
        end = start + 1
        if short[start]:
            while end < count and short[end]:
                end += 1
        run_start[start:end] = [start] * (end - start)
        run_end[start:end] = [end] * (end - start)
        start = end
    rows = []
    for k in range(count):
        if wanted is not None and not wanted[k]:
            continue
        low, high = max(k - _CONTEXT_WINDOW, 0), min(k + _CONTEXT_WINDOW + 1, count)
        others = high - low - 1
        window_logit = (sum_logit[high] - sum_logit[low] - capped[k]) / others if others else 0.0
        window_removed = ((sum_removed[high] - sum_removed[low] - removed[k]) / others
                          if others else 0.0)
        prev_logit = capped[k - 1] if k else 0.0
        next_logit = capped[k + 1] if k + 1 < count else 0.0
        if short[k]:
            a, b = run_start[k], run_end[k]
            run_logit = (sum_logit[b] - sum_logit[a]) / (b - a)
            run_removed = (sum_removed[b] - sum_removed[a]) / (b - a)
        else:
            run_logit = run_removed = 0.0
        rows.append((k, [
            capped[k], prev_logit, next_logit, window_logit,
            max(prev_logit if k else -_LOGIT_CAP, next_logit if k + 1 < count else -_LOGIT_CAP),
            run_logit, window_logit if short[k] else 0.0,
            removed[k - 1] if k else 0.0, removed[k + 1] if k + 1 < count else 0.0,
            window_removed, run_removed, window_removed if short[k] else 0.0,
        ]))
    return rows


def line_features(texts: Sequence[str], tokens: Sequence[Sequence[str]]) -> FloatArray:
    """The dense feature matrix (lines x `FEATURES`) of one document's lines.

    Character counts are taken over the whole document at once, on its code points;
    only what numpy cannot see (how a line ends once closing quotes are stripped, a URL)
    is asked of each line.
    """
    count = len(texts)
    # Columns by name, stacked once at the end: one copy instead of one per column.
    found: dict[str, npt.NDArray[np.generic]] = {}

    # A line's character counts are taken on its first `_CHAR_SPAN` characters: what a
    # long paragraph's counts would add is not worth their cost.
    cut = [text[:_CHAR_SPAN] for text in texts]
    joined = "\n".join(cut) + "\n"
    codes = _codes(joined)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count)
    spans = np.fromiter(map(len, cut), dtype=np.int64, count=count)
    starts = np.concatenate(([0], np.cumsum(spans + 1)[:-1]))
    lowered = joined.lower()
    # str.lower keeps the length but for a few letters ("İ"); then ask each character.
    upper = (codes != _codes(lowered) if len(lowered) == len(joined)
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
    ], dtype=np.int64), starts, axis=1)
    capped = np.minimum(counts[3:], 4)

    ends, firsts, flags = [], [], []
    for text in texts:
        end = text.rstrip(_CLOSING)[-1:]
        ends.append(ord(end) if end else 0)
        firsts.append(text[0].isalnum())
        flags.append((text.isupper(), "http" in text or "www." in text,
                      "@" in text and "." in text, "©" in text or "(c)" in text,
                      text[-1] in ")]"))
    end_codes = np.array(ends)
    terminal = (_CLASSES[np.minimum(end_codes, _CLASS_TOP)] & _ENDS) != 0
    flag = np.array(flags, dtype=bool).reshape(count, 5).T
    words = np.fromiter(map(len, tokens), dtype=np.float64, count=count)
    letters = np.fromiter((sum(map(len, t)) for t in tokens), dtype=np.float64, count=count)

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
        "starts_upper": upper[starts],
        "starts_digit": digit[starts],
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
    return np.array([found[name] for name in FEATURES], dtype=np.float64).T


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


def load_line_model(path: Path | None = None) -> LineModel:
    """Read the shipped model (or the one at `path`); refuses a file built for other
    features."""
    if path is None:
        with resources.files("cleaners").joinpath("models/line_model.npz").open("rb") as handle:
            return _from_npz(handle)
    with open(path, "rb") as handle:
        return _from_npz(handle)


def _from_npz(handle: object) -> LineModel:
    with np.load(handle, allow_pickle=False) as data:  # type: ignore[arg-type]
        names = tuple(str(name) for name in data["features"])
        context_size = data["context"].shape[0] if "context" in data else 0
        if (names != FEATURES or data["ngrams"].shape not in ((NGRAM_BUCKETS,), (0,))
                or context_size not in (0, len(CONTEXT_FEATURES))):
            raise ValueError("line model file does not match cleaners.linemodel's features")
        return LineModel(
            dense=data["dense"].astype(np.float64),
            ngrams=data["ngrams"].astype(np.float64),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            source=str(data["source"]),
            block_mean=float(data["block_mean"]) if "block_mean" in data else 2.0,
            context=(data["context"].astype(np.float64) if "context" in data
                     else np.zeros(0)),
            context_bias=float(data["context_bias"]) if "context_bias" in data else 0.0,
        )


def _line_rows(texts: Sequence[str], tokens: Sequence[Sequence[str]],
               wanted: Sequence[bool] | None = None) -> list[list[float | bool]]:
    """`line_features` in plain Python, row by row: the same values (a test holds them
    equal), for short documents, where numpy's cost per call outweighs the work. Only
    the rows of the `wanted` lines (all by default) are made."""
    count = len(texts)
    last = count - 1
    cuts = [text[:_CHAR_SPAN] for text in texts]
    # As in `line_features`: a character is upper when lowering changes it, unless
    # lowering changes the document's length (then str.isupper decides).
    # (Lowering ASCII never changes a length, so only the other lines are asked.)
    by_lowering = all(len(cut.lower()) == len(cut) for cut in cuts if not cut.isascii())
    seen: dict[str, int] = {}
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
    words = [len(t) for t in tokens]
    log_words = [math.log1p(w) for w in words]
    shape: list[list[float | bool]] = []
    short: list[bool] = []
    body: list[bool] = []
    for k, (text, cut, toks) in enumerate(zip(texts, cuts, tokens, strict=True)):
        count_words = words[k]
        stripped = text.rstrip(_CLOSING)
        end = stripped[-1] if stripped else ""
        terminal = end != "" and end in _SENTENCE_END
        short.append(count_words <= _SHORT_WORDS and not terminal)
        body.append(count_words >= _BODY_WORDS and terminal)
        if wanted is not None and not wanted[k]:
            shape.append([])
            continue
        # The first character of each space-separated word, as one string.
        initials = "".join([piece[:1] for piece in cut.split(" ")])
        # On ASCII, str.isupper says what lowering says, and faster.
        capitals = (sum(map(str.__ne__, initials, initials.lower()))
                    if by_lowering and not initials.isascii()
                    else sum(map(str.isupper, initials)))
        first_upper = cut[0].lower() != cut[0] if by_lowering else cut[0].isupper()
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
        shape.append([
            *onehot,
            log_words[k], math.log1p(len(text)), letters / max(count_words, 1),
            terminal, end == "?", end == ":", end in (",", ";"),
            "0" <= end <= "9" and end != "", text[-1] in ")]",
            first_upper, "0" <= cut[0] <= "9", not text[0].isalnum(),
            capitals / max(len(initials), 1), text.isupper(), digits / len(cut),
            min(cut.count("|"), 4), min(bullets, 4), min(cut.count("/"), 4), min(dashes, 4),
            "http" in text or "www." in text, "@" in text and "." in text,
            "©" in text or "(c)" in text, min(inner, 4), "(" in cut, seen[text] > 1,
        ])
    bodies = [k for k, flag in enumerate(body) if flag]
    first_body, last_body = (bodies[0], bodies[-1]) if bodies else (-1, count)
    runs = [0] * count
    start = 0
    while start < count:
        if not short[start]:
            start += 1
            continue
        end_at = start
        while end_at < count and short[end_at]:
            end_at += 1
        runs[start:end_at] = [end_at - start] * (end_at - start)
        start = end_at
    log_lines = math.log1p(count)
    # The distance to the nearest body paragraph: one pass each way.
    distances = [count] * count
    if bodies:
        gap = count * 2
        for k in range(count):
            gap = 0 if body[k] else gap + 1
            distances[k] = gap
        gap = count * 2
        for k in range(last, -1, -1):
            gap = 0 if body[k] else gap + 1
            distances[k] = min(distances[k], gap)
    rows: list[list[float | bool]] = []
    for k in range(count):
        if wanted is not None and not wanted[k]:
            continue
        distance = distances[k]
        low, high = max(k - _WINDOW, 0), min(k + _WINDOW + 1, count)
        run = runs[k]
        rows.append([
            *shape[k],
            k / max(last, 1), k == 0, k == last, k < _WINDOW,
            k > last - _WINDOW, log_lines, k < first_body, k > last_body,
            math.log1p(distance), not bodies,
            k > 0 and short[k - 1], k < last and short[k + 1],
            k > 0 and body[k - 1], k < last and body[k + 1],
            k > 1 and short[k - 2], k < last - 1 and short[k + 2],
            log_words[k - 1] if k > 0 else 0.0, log_words[k + 1] if k < last else 0.0,
            sum(short[low:high]) / (high - low), sum(body[low:high]) / (high - low),
            math.log1p(run), run >= 3, run >= 6,
        ])
    return rows
