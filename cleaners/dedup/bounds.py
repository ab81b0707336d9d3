"""Bounds and verification: which LSH candidates can be near duplicates, and which are.

A candidate pair is verified on the real shingle sets (`verify`). Before that, pairs
that cannot pass are dropped without reading a shingle: by their sets' sizes, and by a
64-byte sketch of each set (`sketches`) that bounds how many shingles two sets can share
(`shared_bound`). Every bound is a necessary condition of `verify`'s, so dropping pairs
with it changes no result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from cleaners.dedup.config import DedupConfig
from cleaners.dedup.records import I64, U32, U64
from cleaners.dedup.tables import distinct_pairs, ranges, sets_by_owner

# Buckets of the shingle-count sketch (see `sketches`): 64 one-byte counts per entry.
# On the 100k benchmark corpus it rejected 9 LSH candidates in 10 without touching
# their shingles, and checking it costs a few numpy passes per batch.
SKETCH_BUCKETS = 64
_SKETCH_SHIFT = np.uint32(32 - 6)  # log2(SKETCH_BUCKETS) top bits pick the bucket
_SKETCH_FULL = 255  # a saturated count: at least this many shingles in the bucket
# Work a slice at a time, each slice's temporaries sized to stay in a core's cache
# (2 MB of L2 here): with slices of 8192 sets, 65536 pairs and 1M shingles, the
# temporaries (tens of MB) went through memory. Measured on a 50k-row bucket of 1M
# generated paragraphs: sketches 36 -> 12 ms, similarities of 60k pairs 0.31 -> 0.16 s.
SKETCH_ROWS = 1024  # sets sketched at a time: ~90k shingles, 8 bytes each per temporary
PAIR_ROWS = 8192  # candidate pairs bounded at a time: both sketches, 1 MB
# Shingles gathered at a time by `similarities`: 8-byte keys of both sets of each pair
# and their positions, ~40 bytes a shingle, so ~2.6 MB a slice.
VERIFY_SHINGLES = 1 << 16


def sketches(offsets: I64, shingles: U32) -> npt.NDArray[np.uint8]:
    """Per set of shingles, how many fall in each of `SKETCH_BUCKETS` hash ranges.

    Two sets share at most ``sum(min(a[b], b[b]))`` shingles over the buckets, since a
    shingle both hold falls in the same bucket in both: an upper bound on the
    intersection that costs 64 bytes per set instead of reading the sets. Counts
    saturate at `_SKETCH_FULL` (see `shared_bound`).
    """
    n = len(offsets) - 1
    sketch = np.empty((n, SKETCH_BUCKETS), np.uint8)
    # Sets a slice at a time: the int64 temporaries cost 24 bytes per shingle, which for
    # a few hundred thousand paragraphs at once measured 600 MB.
    for lo in range(0, n, SKETCH_ROWS):
        hi = min(n, lo + SKETCH_ROWS)
        owner = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(offsets[lo:hi + 1]))
        bucket = (shingles[offsets[lo]:offsets[hi]] >> _SKETCH_SHIFT).astype(np.int64)
        counts = np.bincount(owner * SKETCH_BUCKETS + bucket,
                             minlength=(hi - lo) * SKETCH_BUCKETS)
        sketch[lo:hi] = np.minimum(counts, _SKETCH_FULL).reshape(hi - lo, SKETCH_BUCKETS)
    return sketch


def bounded_pairs(rows: I64, ids: npt.NDArray[Any],
                  row_sizes: npt.NDArray[Any], id_sizes: npt.NDArray[Any],
                  row_sketch: npt.NDArray[np.uint8], id_sketch: npt.NDArray[np.uint8],
                  config: DedupConfig, distinct: bool = False) -> tuple[I64, I64]:
    """The distinct (row, id) pairs, sorted, that their set sizes and the sketch bound on
    their shared shingles leave able to pass both thresholds (necessary conditions of
    `verify`). Pairs are bounded a slice at a time: gathering both sketches costs 128
    bytes a pair, and a part can bring millions of pairs. `distinct`: the pairs given
    are distinct and sorted already (sorting them again cost 0.5 s at 100k documents)."""
    if not distinct:
        rows, ids = distinct_pairs(rows, ids)
    mine, theirs = row_sizes[rows].astype(np.int64), id_sizes[ids].astype(np.int64)
    small, large = np.minimum(mine, theirs), np.maximum(mine, theirs)
    keep = small >= config.min_jaccard * large
    rows, ids, small, large = rows[keep], ids[keep], small[keep], large[keep]
    keep = np.empty(len(rows), bool)
    for lo in range(0, len(rows), PAIR_ROWS):
        hi = lo + PAIR_ROWS
        shared = shared_bound(row_sketch[rows[lo:hi]], id_sketch[ids[lo:hi]])
        smaller, larger = small[lo:hi], large[lo:hi]
        union = smaller + larger - shared
        jaccard = np.where(union > 0, shared / np.maximum(union, 1), 1.0)
        keep[lo:hi] = ((shared >= config.min_containment * smaller)
                       & (jaccard >= config.min_jaccard))
    return rows[keep], ids[keep]


def shared_bound(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> I64:
    """An upper bound on the shingles shared by each pair of sketched sets (row by row).

    A saturated count stands for "at least 255": against an unsaturated one the minimum
    is still exact; where both are saturated nothing is known, so the bound is made
    large enough to pass any threshold.
    """
    bound: I64 = np.minimum(a, b).sum(axis=1, dtype=np.int64)
    both_full = ((a == _SKETCH_FULL) & (b == _SKETCH_FULL)).any(axis=1)
    bound[both_full] = 1 << 40
    return bound


def sorted_sets(offsets: I64, shingles: U32) -> tuple[I64, U32]:
    """The same sets with each one's values sorted and unique (verification needs it).

    >>> sorted_sets(np.array([0, 3, 3, 5]), np.array([9, 2, 9, 7, 1], np.uint32))
    (array([0, 2, 2, 4]), array([2, 9, 1, 7], dtype=uint32))
    """
    n = len(offsets) - 1
    # Stored sets are written sorted (`fingerprint_columns` makes them so): checking that
    # is one pass, where sorting again cost 4.4 s of decide's 64 at 100k documents.
    starts = np.zeros(len(shingles), bool)
    starts[offsets[:-1][np.diff(offsets) > 0]] = True
    if bool(np.all((shingles[1:] > shingles[:-1]) | starts[1:])):
        return offsets, shingles
    return sets_by_owner(np.repeat(np.arange(n, dtype=np.uint64), np.diff(offsets)), shingles, n)


def verify(a: U32, b: U32, config: DedupConfig) -> float | None:
    """The Jaccard similarity of two sorted shingle sets if they are near duplicates."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < config.min_jaccard * len(large):
        return None  # Jaccard <= |small| / |large|: no need to intersect
    where = np.minimum(np.searchsorted(large, small), len(large) - 1)
    shared = int(np.count_nonzero(large[where] == small))
    jaccard = shared / (len(small) + len(large) - shared)
    if shared >= config.min_containment * len(small) and jaccard >= config.min_jaccard:
        return jaccard
    return None


def similarities(offsets: I64, shingles: U32, mine: I64, theirs: I64, config: DedupConfig,
                 at_once: int = VERIFY_SHINGLES) -> npt.NDArray[np.float64]:
    """`verify` of sets ``mine[k]`` and ``theirs[k]`` for every pair `k` at once: the
    Jaccard similarity where they are near duplicates, NaN where not.

    The sets (``shingles[offsets[i]:offsets[i + 1]]``, each sorted) of a slice of pairs
    are gathered as ``pair << 32 | shingle`` keys, which come out sorted pair after
    pair, so one `searchsorted` of the smaller sets' keys in the larger sets' finds every
    shared shingle: the same count as `verify`'s, and the same float arithmetic after it.
    `at_once`: shingles gathered per slice of pairs (memory only).

    >>> offsets = np.array([0, 3, 6, 8])
    >>> shingles = np.array([1, 2, 3, 1, 2, 3, 1, 9], np.uint32)
    >>> similarities(offsets, shingles, np.array([1, 2]), np.array([0, 0]), DedupConfig())
    array([ 1., nan])
    """
    sizes = np.diff(offsets)
    result = np.full(len(mine), np.nan)
    work = np.cumsum(sizes[mine] + sizes[theirs])
    lo = 0
    while lo < len(mine):
        # Pairs up to about `at_once` shingles more (at least one pair).
        done = int(work[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(work, done + at_once, side="right")))
        result[lo:hi] = _similarities(offsets, shingles, mine[lo:hi], theirs[lo:hi], config)
        lo = hi
    return result


def _similarities(offsets: I64, shingles: U32, mine: I64, theirs: I64,
                  config: DedupConfig) -> npt.NDArray[np.float64]:
    sizes = np.diff(offsets)
    # `verify`'s roles: the smaller set is searched for in the larger (mine on a tie).
    mine_first = sizes[mine] <= sizes[theirs]
    small, large = np.where(mine_first, mine, theirs), np.where(mine_first, theirs, mine)
    small_keys, small_pair = _pair_keys(offsets, shingles, small)
    large_keys, _ = _pair_keys(offsets, shingles, large)
    if len(large_keys):
        at = np.minimum(np.searchsorted(large_keys, small_keys), len(large_keys) - 1)
        found = large_keys[at] == small_keys
    else:
        found = np.zeros(len(small_keys), bool)
    shared = np.bincount(small_pair[found], minlength=len(mine))
    small_size, large_size = sizes[small], sizes[large]
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = shared / (small_size + large_size - shared)
    near = ((small_size >= config.min_jaccard * large_size)
            & (shared >= config.min_containment * small_size)
            & (jaccard >= config.min_jaccard))
    return np.where(near, jaccard, np.nan)


def _pair_keys(offsets: I64, shingles: U32, sets: I64) -> tuple[U64, I64]:
    """The shingles of `sets` (one per pair) as ``pair << 32 | shingle``, and their pair."""
    lengths = offsets[sets + 1] - offsets[sets]
    pair = np.repeat(np.arange(len(sets), dtype=np.int64), lengths)
    at = ranges(offsets[sets], lengths)
    keys: U64 = (pair.astype(np.uint64) << np.uint64(32)) | shingles[at].astype(np.uint64)
    return keys, pair
