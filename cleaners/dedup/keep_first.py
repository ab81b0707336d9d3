"""Keep-first over candidate pairs: which paragraph of a run is kept, which duplicates which.

The run's duplicate search is split into tasks (`flows.decide_tasks`) that each return
candidate pairs; this is the one order-dependent step, over arrays alone. Rows are the
run's paragraphs numbered in canonical order. The rule, the same for any split:

- a row whose exact key an earlier row had (its *representative*, the first row with
  that key) is an exact duplicate of it if the representative is kept, else it takes
  the representative's decision (the same shingles meet the same candidates);
- a representative's candidates are earlier representatives that share a band key with
  it, among the first `max_candidates` representatives holding that key (the key's
  *pool*: bounded, so a key that thousands of paragraphs share costs pairs linear in
  their number), and that the size and sketch bounds leave (`bounds.bounded_pairs`);
- of those, the kept ones in canonical order, at most `max_candidates` (a row with
  more is *capped*, and so is a kept representative past the pool of one of its keys:
  `flows.decide_tasks` counts those); the first that verifies makes the row its near
  duplicate, else it is kept.

Without a pool cut or a row over `max_candidates` this is `DedupIndex`'s rule: the
earliest kept copy, exact before near. The one-process path (`flows.run_dedup`) bounds
candidates elsewhere (the first `max_candidates` kept entries of a key per index part
and per level of its sorted tables), so where a pool is cut the two can differ: on
make_corpus's 100k documents one key of band 38 is held by 85 different paragraphs,
and the 80th of them verifies (Jaccard 0.52) against the 55th, which the one-process
path finds and this rule, past the pool of 32, does not (docs/scaling.md).

Rows are decided in rounds: a row is ready once every candidate of it is decided (a
candidate is always an earlier row, so the earliest undecided row is always ready).
Each round is a few numpy passes over the pairs left; chains of copies of copies are
short, and past `ROUNDS` rounds the rest is decided row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cleaners.dedup.records import I64

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

# Vectorized rounds before the rest is decided row by row (a long chain of copies).
ROUNDS = 32
_UNKNOWN, _KEPT, _DUPLICATE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class KeepFirst:
    """Per row: kept or not, the row it duplicates (-1 if kept), how, and caps."""

    kept: B
    of: I64
    similarity: F64
    exact: B
    capped: B


def representatives(exact_keys: npt.ArrayLike, rows: npt.ArrayLike | None = None) -> I64:
    """Per row, the first row with its exact key (itself for a representative).

    By a stable sort, whose first row of each key is its first occurrence: `np.unique`
    with its first indexes and inverse took 0.14 s at 1M rows, this 0.10 s.

    `rows`: the row of each key, where the keys are not given in row order (each row
    once, and the rows of one key in ascending order). Keys given in sorted runs (the
    sorted buckets' keys, `flows.decide_tasks`) make the sort a merge of the runs: 20 ms
    at 1M rows in 20 runs, against 0.10 s in row order.

    >>> representatives(np.array([7, 3, 7, 3, 9], np.uint64)).tolist()
    [0, 1, 0, 1, 4]
    >>> representatives(np.array([3, 7, 3, 7, 9], np.uint64), np.array([1, 0, 3, 2, 4])).tolist()
    [0, 1, 0, 1, 4]
    """
    keys = np.asarray(exact_keys)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    at = order if rows is None else np.asarray(rows, np.int64)[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(keys) else np.zeros(0, bool)
    rep: I64 = np.empty(len(keys), np.int64)
    rep[at] = at[first][np.cumsum(first) - 1]
    return rep


def keep_first(rep: I64, rows: I64, candidates: I64, similarity: F64,
               max_candidates: int) -> KeepFirst:
    """Decide every row from its representative and the candidate pairs.

    `rows`, `candidates`, `similarity`: the distinct plausible pairs of representatives
    (candidate before row), with the Jaccard similarity where they verify and NaN where
    not, in any order.

    >>> result = keep_first(np.array([0, 1, 0, 3]), np.array([3, 3]), np.array([0, 1]),
    ...                     np.array([np.nan, 0.8]), 32)
    >>> result.kept.tolist(), result.of.tolist(), result.exact.tolist()
    ([True, True, False, False], [-1, -1, 0, 1], [False, False, True, False])
    """
    n = len(rep)
    status = np.zeros(n, np.int8)
    of = np.full(n, -1, np.int64)
    score = np.zeros(n, np.float64)
    capped = np.zeros(n, bool)
    order = np.lexsort((candidates, rows))
    rows, candidates, similarity = rows[order], candidates[order], similarity[order]
    is_rep = rep == np.arange(n)
    has_pairs = np.zeros(n, bool)
    has_pairs[rows] = True
    status[is_rep & ~has_pairs] = _KEPT
    for _ in range(ROUNDS):
        if not len(rows):
            break
        rows, candidates, similarity = _round(status, of, score, capped, rows, candidates,
                                              similarity, n, max_candidates)
    if len(rows):
        _row_by_row(status, of, score, capped, rows, candidates, similarity, max_candidates)
    exact = np.zeros(n, bool)
    copies = np.flatnonzero(~is_rep)
    first = rep[copies]
    kept_first = status[first] == _KEPT
    exact[copies[kept_first]] = True
    of[copies] = np.where(kept_first, first, of[first])
    score[copies] = np.where(kept_first, 1.0, score[first])
    status[copies] = _DUPLICATE
    return KeepFirst(status == _KEPT, of, score, exact, capped)


def _round(status: npt.NDArray[np.int8], of: I64, score: F64, capped: B, rows: I64,
           candidates: I64, similarity: F64, n: int,
           max_candidates: int) -> tuple[I64, I64, F64]:
    """Decide every row whose candidates are all decided; returns the pairs left."""
    known = status[candidates]
    blocked = np.zeros(n, bool)
    blocked[rows[known == _UNKNOWN]] = True
    ready = ~blocked[rows]
    r, c, s = rows[ready], candidates[ready], similarity[ready]
    decided_rows = np.unique(r)
    kept_pair = known[ready] == _KEPT
    r, c, s = r[kept_pair], c[kept_pair], s[kept_pair]
    # Rank of each kept candidate within its row (pairs are sorted by row, candidate).
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.empty(0, np.int64)
    counts = np.diff(np.r_[starts, len(r)])
    rank = np.arange(len(r)) - np.repeat(starts, counts)
    capped[r[starts][counts > max_candidates]] = True
    hit = (rank < max_candidates) & ~np.isnan(s)
    matched, first = np.unique(r[hit], return_index=True)
    status[decided_rows] = _KEPT
    status[matched] = _DUPLICATE
    of[matched] = c[hit][first]
    score[matched] = s[hit][first]
    return rows[~ready], candidates[~ready], similarity[~ready]


def _row_by_row(status: npt.NDArray[np.int8], of: I64, score: F64, capped: B, rows: I64,
                candidates: I64, similarity: F64, max_candidates: int) -> None:
    """The same rule one row at a time, rows ascending (pairs sorted by row)."""
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        row = int(rows[start])
        tried = 0
        match = -1
        for pair in range(start, end):
            if status[candidates[pair]] != _KEPT:
                continue
            tried += 1
            if tried > max_candidates:
                capped[row] = True
                break
            if match < 0 and not np.isnan(similarity[pair]):
                match = pair
        if match >= 0:
            status[row] = _DUPLICATE
            of[row] = candidates[match]
            score[row] = similarity[match]
        else:
            status[row] = _KEPT
