"""MinHash and fingerprints: a paragraph's exact key, shingle set and LSH band keys.

Paragraphs are folded and hashed a batch at a time, all in numpy: token hashes, then
the hashes of their k-token shingles, then MinHash signatures (datasketch's
``affine32`` permutations) cut into bands of `rows` minima, each band hashed to one key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from cleaners.dedup.config import DedupConfig
from cleaners.dedup.records import I64, U32, U64, IndexColumns, ParagraphRef
from cleaners.dedup.tables import sets_by_owner
from cleaners.dedup.text import exact_hash, folded_batch, word_count

_U64_ONE = np.uint64(1)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_MAX_U32 = np.uint32(0xFFFFFFFF)
_GOLDEN_INVERSE = np.uint64(pow(int(_GOLDEN), -1, 1 << 64))
# Powers of a token hash's base are made in blocks of this many (`_powers`).
_POWER_BLOCK = 1024

# Elements of the (shingles x permutations) matrix computed at once: 4 MiB of uint32.
_MINHASH_BLOCK = 1 << 20


def _fmix64(h: U64) -> U64:
    # MurmurHash3's 64-bit finalizer: spreads every input bit over the whole output.
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    result: U64 = h ^ (h >> _S33)
    return result


def _fmix32(h: U32) -> U32:
    # The pre-mix datasketch's "affine32" scheme applies before its permutations.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    result: U32 = h ^ (h >> np.uint32(16))
    return result


def token_hashes(joined: bytes) -> U64:
    """A 64-bit hash of every token of `joined` (tokens separated by single spaces).

    A token of bytes b_0..b_n-1 hashes to fmix64(sum b_j * G**(j + 1) ^ n), mod 2**64.
    The sum is taken over the whole buffer with one power per position, G**(i + 1),
    and scaled back by the inverse of G to the token's start s (G is odd, so it has
    one mod 2**64): the same value, without an array of positions within tokens.
    """
    buf = np.frombuffer(joined, dtype=np.uint8)
    space = buf == 32
    starts = np.flatnonzero(space) + 1
    starts = np.concatenate(([0], starts))
    # Each segment is a token and the space after it, which adds zero to the sum.
    segment = np.diff(starts, append=len(buf) + 1)
    values = np.where(space, 0, buf).astype(np.uint64)
    h: U64 = np.add.reduceat(values * _powers(_GOLDEN, len(buf)), starts)
    h *= _powers_at(_GOLDEN_INVERSE, starts)
    return _fmix64(h ^ (segment - 1).astype(np.uint64))


def _powers(base: np.uint64, count: int) -> U64:
    """base**1 .. base**count mod 2**64: one block of powers, times each block's start."""
    if count <= _POWER_BLOCK:
        return np.cumprod(np.full(count, base, dtype=np.uint64), dtype=np.uint64)
    low = _powers(base, _POWER_BLOCK)
    rows = -(-count // _POWER_BLOCK)
    starts = np.concatenate((np.ones(1, np.uint64), _powers(low[-1], rows - 1)))
    powers: U64 = (starts[:, None] * low[None, :]).ravel()[:count]
    return powers


def _powers_at(base: np.uint64, exponents: I64) -> U64:
    """base**k mod 2**64 for each k of `exponents` (none negative)."""
    block = _powers(base, _POWER_BLOCK)
    low = np.concatenate((np.ones(1, np.uint64), block[:-1]))
    high = np.concatenate((np.ones(1, np.uint64),
                           _powers(block[-1], int(exponents.max()) // _POWER_BLOCK)))
    result: U64 = low[exponents % _POWER_BLOCK] * high[exponents // _POWER_BLOCK]
    return result


def shingle_sets(hashes: U64, counts: I64, k: int) -> tuple[I64, U32]:
    """Sorted unique uint32 hashes of the k-token shingles of each paragraph.

    `hashes` holds the token hashes of all paragraphs one after another, `counts` how
    many each has (at least one); returns (offsets, values) with paragraph i's set at
    ``values[offsets[i]:offsets[i + 1]]``.
    """
    n = len(counts)
    starts = np.zeros(n, np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    # A paragraph with fewer than k tokens (only when min_words < k) gets one shingle
    # of all its tokens; the others one per window of k tokens.
    windows = np.maximum(counts - k + 1, 1)
    owner = np.repeat(np.arange(n, dtype=np.int64), windows)
    first = np.repeat(starts, windows) + (
        np.arange(int(windows.sum()), dtype=np.int64) - np.repeat(np.cumsum(windows) - windows,
                                                                  windows))
    width = np.minimum(counts, k)[owner]
    h = hashes[first].copy()
    last = len(hashes) - 1
    for j in range(1, k):
        h = np.where(j < width, (h * _GOLDEN) ^ hashes[np.minimum(first + j, last)], h)
    return sets_by_owner(owner, (_fmix64(h) >> _S32).astype(np.uint64), n)


def affine32_permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """The multipliers and offsets of `num_perm` permutations ``h -> a * h + b mod 2**32``.

    They are datasketch's (2.x) ``affine32`` parameters for this seed, drawn the same
    way from numpy's legacy Mersenne Twister: first every multiplier, an odd number
    (odd makes the map a bijection), then every offset, uniform below 2**32. Drawn here
    rather than taken from datasketch because importing it imports scipy and redis:
    0.5 to 2.7 s of CPU in every process that hashes (issue 20). numpy keeps
    `RandomState`'s stream fixed across its versions (NEP 19), so the parameters, and
    with them the band keys stored by earlier runs, stay valid; tests/test_dedup.py
    compares them and the signatures with datasketch's for several seeds.

    >>> a, b = affine32_permutations(4, seed=1)
    >>> bool((a % 2 == 1).all()), a.dtype.name, b.dtype.name
    (True, 'uint32', 'uint32')
    """
    draws = np.random.RandomState(seed)
    # The draw's dtype is part of the stream: uint32 draws consume 32-bit words.
    halves = draws.randint(0, 1 << 31, size=num_perm, dtype=np.uint32)
    offsets: U32 = draws.randint(0, 1 << 32, size=num_perm, dtype=np.uint32)
    multipliers: U32 = (halves << np.uint32(1)) | np.uint32(1)
    return multipliers, offsets


class Hasher:
    """MinHash signatures (datasketch's affine32 permutations) and band keys, in batch."""

    def __init__(self, config: DedupConfig) -> None:
        self.a, self.b = affine32_permutations(config.num_perm, config.seed)
        self.bands = config.bands
        self.rows = config.rows

    def signatures(self, offsets: I64, values: U32) -> U32:
        """One row of ``num_perm`` minima per paragraph; each must have a shingle."""
        n = len(offsets) - 1
        perms = len(self.a)
        # Permutations along the first axis: reducing along the contiguous last axis
        # measured 20x faster than reduceat over rows.
        sig = np.full((perms, n), _MAX_U32, dtype=np.uint32)
        mixed = _fmix32(values)
        a, b = self.a[:, None], self.b[:, None]
        step = max(1, _MINHASH_BLOCK // perms)
        for s in range(0, len(values), step):
            e = min(len(values), s + step)
            block = a * mixed[None, s:e]
            block += b  # in place: a block is 4 MiB
            first = int(np.searchsorted(offsets, s, side="right")) - 1
            last = int(np.searchsorted(offsets, e, side="left")) - 1
            starts = np.maximum(offsets[first:last + 1], s) - s
            reduced = np.minimum.reduceat(block, starts, axis=1)
            np.minimum(sig[:, first:last + 1], reduced, out=sig[:, first:last + 1])
        result: U32 = np.ascontiguousarray(sig.T)
        return result

    def band_keys(self, sig: U32) -> U32:
        """One uint32 key per band, hashed from that band's `rows` minima."""
        n = sig.shape[0]
        rows = sig.reshape(n, self.bands, self.rows).astype(np.uint64)
        h = np.broadcast_to((np.arange(self.bands, dtype=np.uint64) + _U64_ONE) * _GOLDEN,
                            (n, self.bands)).copy()
        for r in range(self.rows):
            h = _fmix64(h ^ rows[:, :, r])
        keys: U32 = (h >> _S32).astype(np.uint32)
        return keys


@dataclass(slots=True)
class Prepared:
    """One batch's paragraphs above the length cut, hashed, with their (doc_id, position)."""

    keys: list[tuple[str, int]]
    exact: U64
    offsets: I64
    shingles: U32
    band_keys: U32


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of `size` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def prepare(batch: list[ParagraphRef], config: DedupConfig, hasher: Hasher) -> Prepared:
    """Fold and hash the paragraphs of `batch` that pass the length cut."""
    keys: list[tuple[str, int]] = []
    joined: list[bytes] = []
    counts: list[int] = []
    exact: list[int] = []
    for ref, (text, count, no_space) in zip(batch, folded_batch([ref.text for ref in batch]),
                                            strict=True):
        if not count or word_count(count, no_space, config) < config.min_words:
            continue
        keys.append((ref.doc_id, ref.position))
        joined.append(text)
        counts.append(count)
        exact.append(exact_hash(text))
    if not keys:
        return Prepared(keys, np.empty(0, np.uint64), np.zeros(1, np.int64),
                        np.empty(0, np.uint32), np.empty((0, config.bands), np.uint32))
    offsets, shingles = shingle_sets(token_hashes(b" ".join(joined)),
                                     np.array(counts, np.int64), config.shingle_size)
    band_keys = hasher.band_keys(hasher.signatures(offsets, shingles))
    return Prepared(keys, np.array(exact, np.uint64), offsets, shingles, band_keys)


def fingerprint_columns(paragraphs: Iterable[ParagraphRef], config: DedupConfig) -> IndexColumns:
    """Hash the paragraphs that pass the length cut into columns for `check_and_add_columns`.

    Shorter paragraphs are left out. Pure and order-free, so batches of a run can be
    hashed in parallel and checked later in the run's canonical order.

    >>> text = "The minister said on Tuesday that the new rail line would open next spring."
    >>> columns = fingerprint_columns([ParagraphRef("a", 0, text), ParagraphRef("a", 1, "Short.")],
    ...                               DedupConfig())
    >>> columns.doc_id, columns.position.tolist(), columns.band_keys.shape
    (('a',), [0], (1, 40))
    """
    hasher = Hasher(config)
    parts = [prepare(batch, config, hasher)
             for batch in batched(paragraphs, config.batch_size)]
    parts = [p for p in parts if p.keys] or [prepare([], config, hasher)]
    sizes = np.array([0] + [len(p.shingles) for p in parts], np.int64).cumsum()
    return IndexColumns(
        doc_id=tuple(key[0] for p in parts for key in p.keys),
        position=np.array([key[1] for p in parts for key in p.keys], np.int64),
        exact_key=np.concatenate([p.exact for p in parts]),
        band_keys=np.concatenate([p.band_keys for p in parts]),
        shingle_offsets=np.concatenate(
            [np.zeros(1, np.int64)] + [p.offsets[1:] + sizes[n] for n, p in enumerate(parts)]),
        shingles=np.concatenate([p.shingles for p in parts]),
    )
