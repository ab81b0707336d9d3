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
lines, from which lines around it the rules removed, from how many other lines of
the document start or end with its first or last word (a listing), are the same words
("Envío gratis" under each product, "COMPARTIR" under each story), and from the length
of its run of short lines (`context_rows`): a menu entry the first stage doubts sits
among entries it is sure of. A model file with weights for `SHAPE_FEATURES` too
(`cleaners/linemodel_shapes.py`: how many lines share the line's shape) has them read;
the shipped file has none (docs/benchmarks.md, "H41"). A model file may also carry a
list stage (`LineModel.lists`, `list_lines`): its own weights over both, for lines of 5
to `lists_words` words that share their shape with two others (product grids, related
titles), a line opening with a label no other line has excepted (a record's field);
the shipped file has one for lines of 5 to 8 words (docs/benchmarks.md, "H46"). Lines
the rules removed are not scored; they count as sure boilerplate in their neighbours' context.
Body paragraphs (eight words or more ending a sentence) are not scored either: neither
the model nor the context rules ever remove one, so they count as sure content.

Everything is computed per document: in plain Python row by row up to
`PLAIN_PYTHON_LINES` lines (`_line_rows`), where numpy's fixed cost per call would
dominate, and with a handful of numpy operations beyond (`line_features`; both in
`cleaners/linemodel_features.py`); the two give
the same matrix. The trigrams are optional: a model file without them (what ships) skips
them. The weights ship as `cleaners/models/line_model.npz`, built by
`bench/train_line_model.py` from named inputs (boiler_lines' train split, the seeds and
Mozilla Readability's test pages as labelled lines); `load_line_model` reads it once (the
Toolkit holds it), and `LineModel.scores` is pure and deterministic.

>>> model = load_line_model()
>>> lines = ["Home", "News", "Sport", "Contact", "Login",
...          "The council approved the new budget on Tuesday after a long debate."]
>>> scores = model.scores(lines, [line.casefold().split() for line in lines])
>>> bool(scores[2] > scores[5])
True
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

from cleaners.linemodel_features import (
    FEATURES,
    NGRAM_BUCKETS,
    NGRAM_CHARS,
    PLAIN_PYTHON_LINES,
    FloatArray,
    IntArray,
    _line_rows,
    _run_around,
    line_features,
    line_kinds,
    ngram_hashes,
)
from cleaners.linemodel_shapes import (
    SHAPE_FEATURES,
    key_bin,
    line_label,
    shape_keys,
    shape_rows,
)

__all__ = [
    "CONTEXT_FEATURES", "FEATURES", "NGRAM_BUCKETS", "NGRAM_CHARS", "PLAIN_PYTHON_LINES",
    "SHAPE_FEATURES", "FloatArray", "IntArray", "LineModel", "_line_rows", "context_rows",
    "line_features", "line_kinds", "list_lines", "load_line_model", "ngram_hashes",
]


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
    #: The list stage (empty: none): weights over `CONTEXT_FEATURES` and
    #: `SHAPE_FEATURES`, its bias and threshold, and the most words of a line it decides
    #: (`list_lines`: longer lines cut to one pattern, a grid or a list of titles).
    lists: FloatArray = field(default_factory=lambda: np.zeros(0))
    lists_bias: float = 0.0
    lists_threshold: float = 2.0
    lists_words: int = 0
    #: Whether the list stage decides only lines outside the body (before the first body
    #: paragraph or after the last): a list among paragraphs is more often content.
    lists_edge: bool = False

    def scores(self, texts: Sequence[str], tokens: Sequence[Sequence[str]],
               evidence: Sequence[bool] | None = None) -> FloatArray:
        """The boilerplate probability of each line of one document, in order.

        `texts` are the document's non-empty lines, stripped; `tokens` their casefolded
        words (as `cleaners.boilerplate` has them). `evidence` says which lines the rules
        removed: those are not scored (they get the sure score of `_LOGIT_CAP`), nor are
        body paragraphs (`first_stage`), and a model that has a second stage scores the
        others again in their context (`context_rows`).
        """
        return self.scores_and_lists(texts, tokens, evidence)[0]

    def scores_and_lists(self, texts: Sequence[str], tokens: Sequence[Sequence[str]],
                         evidence: Sequence[bool] | None = None, *,
                         kinds: tuple[Sequence[bool], Sequence[bool]] | None = None,
                         ) -> tuple[FloatArray, dict[int, float]]:
        """`scores`, and the list stage's score of each line it decides (`list_lines`;
        none without a list stage or `evidence`), by line index. `kinds`: the lines'
        `line_kinds`, if the caller has them."""
        values, short, wanted = self.first_stage(texts, tokens, evidence, kinds=kinds)
        logits: FloatArray = np.array(values, dtype=np.float64)
        found: dict[int, float] = {}
        if evidence is None or not len(texts) or not (self.context.size or self.lists.size):
            return 1.0 / (1.0 + np.exp(-logits)), found
        chosen, keys = (_list_mask(texts, tokens, wanted, self.lists_words,
                                   evidence if self.lists_edge else None)
                        if self.lists.size else (None, None))
        # One pass of `context_rows`: the shape columns only where they are read (every
        # scored line for a second stage with shape weights, else the list stage's lines).
        shaped = wanted if self.context.size > len(CONTEXT_FEATURES) else chosen
        if not self.context.size and not any(chosen or ()):
            return 1.0 / (1.0 + np.exp(-logits)), found
        # As Python floats: a dozen lines' dot products cost less than numpy's calls
        # (`map` stops at the shorter: the second stage reads its own columns).
        weights = self.context.tolist()
        bias = self.context_bias
        lists = self.lists.tolist()
        for k, row in context_rows(values, short, evidence, wanted, tokens=tokens,
                                   texts=texts if any(shaped or ()) else None,
                                   shaped=shaped, keys=keys):
            if weights:
                logits[k] = sum(map(operator.mul, row, weights)) + bias
            if chosen is not None and chosen[k]:
                found[k] = 1.0 / (1.0 + math.exp(
                    -(sum(map(operator.mul, row, lists)) + self.lists_bias)))
        return 1.0 / (1.0 + np.exp(-logits)), found

    def first_stage(self, texts: Sequence[str], tokens: Sequence[Sequence[str]],
                    evidence: Sequence[bool] | None = None, *,
                    kinds: tuple[Sequence[bool], Sequence[bool]] | None = None,
                    ) -> tuple[list[float], Sequence[bool], list[bool]]:
        """The first stage's log-odds of each line, which lines are short, and which were
        scored (`wanted`): not the lines the rules removed (`evidence`; they get
        `_LOGIT_CAP`, sure boilerplate) nor body paragraphs (`_BODY_WORDS` words or more
        ending a sentence; they get -`_LOGIT_CAP`, sure content).

        A body paragraph is never the model's to remove (`line_model_max_words`) nor the
        context rules' (they take short lines only), so only its neighbours read its
        score, and "a paragraph" says to them what its score would: not scoring them
        halves the model's cost on news pages. `kinds` are the lines' `line_kinds` if the
        caller has them (the line pass does).
        """
        short, body = line_kinds(texts, tokens) if kinds is None else kinds
        wanted = ([not flag for flag in body] if evidence is None
                  else [not (flag or kind) for flag, kind in zip(evidence, body, strict=True)])
        values = [_LOGIT_CAP] * len(texts)
        scored = [k for k, flag in enumerate(wanted) if flag]
        if scored and self.ngrams.size:
            values = self.logits(texts, tokens, wanted, kinds=kinds).tolist()
        elif scored:
            # `logits` without its trigrams (none shipped), its log-odds put in place
            # in Python: the same products, fewer numpy calls on a short document.
            for k, value in zip(scored, (self._features(texts, tokens, wanted, kinds)
                                         @ self.dense + self.bias).tolist(), strict=True):
                values[k] = value
        for k, kind in enumerate(body):
            if kind:
                values[k] = -_LOGIT_CAP
        return values, short, wanted

    def logits(self, texts: Sequence[str], tokens: Sequence[Sequence[str]],
               wanted: Sequence[bool] | None = None, *,
               kinds: tuple[Sequence[bool], Sequence[bool]] | None = None) -> FloatArray:
        """The first stage's log-odds of boilerplate of each line, from the line and its
        neighbours' shapes alone; only for the `wanted` lines (all by default), the
        others get `_LOGIT_CAP` (`kinds`: the lines' `line_kinds`, if known)."""
        count = len(texts)
        if not count:
            return np.zeros(0)
        if wanted is not None and not any(wanted):
            return np.full(count, _LOGIT_CAP)
        found = self._features(texts, tokens, wanted, kinds) @ self.dense + self.bias
        if self.ngrams.size:
            lines, buckets, values = ngram_hashes(texts)
            grams = np.bincount(lines, weights=self.ngrams[buckets] * values, minlength=count)
            found += grams if wanted is None else grams[np.array(wanted, dtype=bool)]
        if wanted is None:
            return found
        logits = np.full(count, _LOGIT_CAP)
        logits[np.array(wanted, dtype=bool)] = found
        return logits

    @staticmethod
    def _features(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                  wanted: Sequence[bool] | None,
                  kinds: tuple[Sequence[bool], Sequence[bool]] | None) -> FloatArray:
        """The first stage's feature rows of the `wanted` lines (at least one)."""
        # A short document's features are cheaper row by row in Python than in numpy's
        # calls, each of which costs microseconds whatever its size; both give the same
        # matrix (to the last bit but for numpy's log1p: the choice is by length only).
        if len(texts) <= PLAIN_PYTHON_LINES:
            return np.array(_line_rows(texts, tokens, wanted, kinds), dtype=np.float64)
        return line_features(texts, tokens, wanted)


#: The second stage's features, in column order: the first stage's log-odds of the line
#: and of its neighbours, and what the rules removed around it. A menu entry the first
#: stage doubts (0.6) sits among entries it is sure of or that the rules removed.
CONTEXT_FEATURES: tuple[str, ...] = (
    "logit", "prev_logit", "next_logit", "window_logit", "neighbour_max_logit",
    "run_logit", "short_x_window_logit", "prev_removed", "next_removed", "window_removed",
    "run_removed", "short_x_window_removed",
    "first_word_recurs", "last_word_recurs", "line_recurs", "log_run",
)
#: Lines on each side that make a line's context window.
_CONTEXT_WINDOW = 2
#: The first stage's log-odds are clipped to this: a sure line says no more past it.
_LOGIT_CAP = 6.0


def context_rows(logits: Sequence[float], short: Sequence[bool], evidence: Sequence[bool],
                 wanted: Sequence[bool] | None = None, *,
                 tokens: Sequence[Sequence[str]],
                 texts: Sequence[str] | None = None,
                 shaped: Sequence[bool] | None = None,
                 keys: Sequence[tuple[str, int]] | None = None,
                 ) -> list[tuple[int, list[float]]]:
    """The `CONTEXT_FEATURES` of the `wanted` lines (all by default) of one document, as
    `(line index, row)` pairs, in plain Python (linear).

    `logits` are the first stage's, `short` whether each line is short (at most
    `_SHORT_WORDS` words, no sentence end), `evidence` whether the rules removed it. A
    line's run is the run of short lines it is in (none if it is not short); the
    window is `_CONTEXT_WINDOW` lines each side, the line itself left out. How many
    other lines start or end with the line's first or last word (`tokens`: the
    casefolded words) finds listings ("Whisky ...", "... Puerto Vallarta") in any
    language; how many have the same words finds a button or label repeated under each
    item ("Envío gratis", "Seguir leyendo"), which the first stage only knows as
    "repeated" or not. Given the lines' `texts`, each row goes on with their
    `SHAPE_FEATURES` (`cleaners/linemodel_shapes.py`: lines cut to one pattern), the
    rows of the `shaped` lines only if given (`keys`: their shape keys, if known).
    """
    count = len(logits)
    picked = range(count) if wanted is None else [k for k, flag in enumerate(wanted) if flag]
    capped = [min(max(value, -_LOGIT_CAP), _LOGIT_CAP) for value in logits]
    removed = [1.0 if flag else 0.0 for flag in evidence]
    # Prefix sums make each window and run a subtraction (`accumulate` adds in order,
    # as a loop would, in C).
    sum_logit = list(accumulate(capped, initial=0.0))
    sum_removed = list(accumulate(removed, initial=0.0))
    shapes = (shape_rows(texts, capped, short, wanted if shaped is None else shaped,
                         [len(words) for words in tokens], keys)
              if texts is not None else None)
    # Only the rows' lines are looked up: a page scores a few lines of a dozen. With few
    # of them, `list.count` (in C, without hashing every word of every line) is cheaper
    # than tallying; with many, the tallies keep the work linear.
    if len(picked) * count <= _COUNT_BY_SCAN:
        first_count = [words[0] for words in tokens if words].count
        last_count = [words[-1] for words in tokens if words].count
        whole_count = [tuple(words) for words in tokens if words].count
    else:
        worded = [words for words in tokens if words]
        first_count = Counter([words[0] for words in worded]).__getitem__
        last_count = Counter([words[-1] for words in worded]).__getitem__
        whole_count = Counter(map(tuple, worded)).__getitem__
    log1p = math.log1p
    rows = []
    run_start = run_end = 0
    for k in picked:
        words = tokens[k]
        if words:
            first_recurs = log1p(first_count(words[0]) - 1)
            last_recurs = log1p(last_count(words[-1]) - 1)
            line_recurs = log1p(whole_count(tuple(words)) - 1)
        else:
            first_recurs = last_recurs = line_recurs = 0.0
        low, high = max(k - _CONTEXT_WINDOW, 0), min(k + _CONTEXT_WINDOW + 1, count)
        others = high - low - 1
        window_logit = (sum_logit[high] - sum_logit[low] - capped[k]) / others if others else 0.0
        window_removed = ((sum_removed[high] - sum_removed[low] - removed[k]) / others
                          if others else 0.0)
        prev_logit = capped[k - 1] if k else 0.0
        next_logit = capped[k + 1] if k + 1 < count else 0.0
        is_short = short[k]
        if is_short:
            if k >= run_end:
                # The run of short lines around the line, found once for all its rows
                # (rows come in order): each line is read at most twice.
                run_start, run_end = _run_around(short, k)
            run_logit = (sum_logit[run_end] - sum_logit[run_start]) / (run_end - run_start)
            run_removed = ((sum_removed[run_end] - sum_removed[run_start])
                           / (run_end - run_start))
        else:
            run_logit = run_removed = 0.0
        rows.append((k, [
            capped[k], prev_logit, next_logit, window_logit,
            max(prev_logit if k else -_LOGIT_CAP, next_logit if k + 1 < count else -_LOGIT_CAP),
            run_logit, window_logit if is_short else 0.0,
            removed[k - 1] if k else 0.0, removed[k + 1] if k + 1 < count else 0.0,
            window_removed, run_removed, window_removed if is_short else 0.0,
            first_recurs, last_recurs, line_recurs,
            log1p(run_end - run_start) if is_short else 0.0,
            *(shapes[k] if shapes is not None else ()),
        ]))
    return rows


#: Up to this many (rows x lines), `context_rows` counts a row's words by scanning the
#: lines (`list.count`) rather than tallying every line's.
_COUNT_BY_SCAN = 256



#: The fewest words of a line the list stage decides (shorter ones are the two stages'),
#: and the fewest other lines of the document that must share its shape key.
LIST_MIN_WORDS = 5
LIST_MIN_OTHERS = 2


def list_lines(texts: Sequence[str], tokens: Sequence[Sequence[str]],
               wanted: Sequence[bool], most_words: int,
               edge: Sequence[bool] | None = None) -> list[bool]:
    """Which lines the list stage decides: scored ones (`wanted`: not removed by the
    rules, not body paragraphs) of `LIST_MIN_WORDS` to `most_words` words whose shape
    key (`shape_keys`) at least `LIST_MIN_OTHERS` other lines of the document share: a
    product grid's entries, a list of related titles. Shorter lines are left to the two
    stages, whose decisions the list stage never changes. A line whose label
    (`line_label`) no other line has is a record's field, not a template's, and is left
    alone. Given `edge` (the rules'
    removals, `evidence`), only lines before the first body paragraph or after the last
    (the lines neither `wanted` nor removed) are taken."""
    return _list_mask(texts, tokens, wanted, most_words, edge)[0]


def _list_mask(texts: Sequence[str], tokens: Sequence[Sequence[str]],
               wanted: Sequence[bool], most_words: int, edge: Sequence[bool] | None = None,
               ) -> tuple[list[bool], list[tuple[str, int]] | None]:
    """`list_lines`, and the lines' shape keys (None if no line is taken)."""
    sized = [flag and LIST_MIN_WORDS <= len(words) <= most_words
             for flag, words in zip(wanted, tokens, strict=True)]
    if not any(sized):
        return sized, None
    if edge is not None:
        bodies = [k for k, (flag, removed) in enumerate(zip(wanted, edge, strict=True))
                  if not (flag or removed)]
        if bodies:
            first, last = bodies[0], bodies[-1]
            sized = [flag and not first < k < last for k, flag in enumerate(sized)]
    counts = [len(words) for words in tokens]
    # A shape key holds the line's word-count bin: only lines in a bin of a line that
    # may be taken can share its key, and most documents take none.
    bins = {key_bin(counts[k]) for k, flag in enumerate(sized) if flag}
    near = [k for k, words in enumerate(counts) if key_bin(words) in bins]
    keyed = dict(zip(near, shape_keys([texts[k] for k in near], [counts[k] for k in near]),
                     strict=True))
    tally = Counter(keyed.values())
    chosen = [flag and tally[keyed[k]] > LIST_MIN_OTHERS for k, flag in enumerate(sized)]
    if not any(chosen):
        return chosen, None
    # A field of a record ("- Französisch: [1] loterie", "Born: 12 May 1950") opens
    # with a label no other line has: one pattern, but the page's own data. A
    # template's caption recurs under every item ("Calories: 220 ...").
    labels = [line_label(text) for text in texts]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    chosen = [flag and not (label and seen[label] == 1)
              for flag, label in zip(chosen, labels, strict=True)]
    return chosen, shape_keys(texts, counts)


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
                or context_size not in (0, len(CONTEXT_FEATURES),
                                        len(CONTEXT_FEATURES) + len(SHAPE_FEATURES))):
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
            **_list_stage(data),
        )


def _list_stage(data: Any) -> dict[str, Any]:
    """The list stage's fields of a model file (none in a file without one)."""
    if "lists" not in data:
        return {}
    if data["lists"].shape[0] != len(CONTEXT_FEATURES) + len(SHAPE_FEATURES):
        raise ValueError("line model file's list stage does not match SHAPE_FEATURES")
    return {"lists": data["lists"].astype(np.float64), "lists_bias": float(data["lists_bias"]),
            "lists_threshold": float(data["lists_threshold"]),
            "lists_words": int(data["lists_words"]),
            "lists_edge": bool(data["lists_edge"]) if "lists_edge" in data else False}
