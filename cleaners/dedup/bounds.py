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
from cleaners.dedup.records import I64, U32
from cleaners.dedup.tables import distinct_pairs, sets_by_owner

# Buckets of the shingle-count sketch (see `sketches`): 64 one-byte counts per entry.
# On the 100k benchmark corpus it rejected 9 LSH candidates in 10 without touching
# their shingles, and checking it costs a few numpy passes per batch.
SKETCH_BUCKETS = 64
_SKETCH_SHIFT = np.uint32(32 - 6)  # log2(SKETCH_BUCKETS) top bits pick the bucket
_SKETCH_FULL = 255  # a saturated count: at least this many shingles in the bucket
SKETCH_ROWS = 8192  # sets sketched at a time (memory only)
PAIR_ROWS = 65536  # candidate pairs bounded at a time (memory only)


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
                  config: DedupConfig) -> tuple[I64, I64]:
    """The distinct (row, id) pairs, sorted, that their set sizes and the sketch bound on
    their shared shingles leave able to pass both thresholds (necessary conditions of
    `verify`). Pairs are bounded a slice at a time: gathering both sketches costs 128
    bytes a pair, and a part can bring millions of pairs."""
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
