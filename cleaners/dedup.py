"""Find exact and near-duplicate paragraphs across documents and across runs.

A paragraph is folded to a normalized form (NFKC, case folded, invisible marks dropped,
punctuation, quote style and spacing reduced to single spaces between words) and then:

1. **exact duplicate**: its normalized form hashes (blake2b, 64 bits) to the key of a
   paragraph already kept;
2. **near duplicate**: MinHash LSH over word 3-shingles proposes candidates, and each
   candidate is *verified* on the real shingle sets before anything is flagged:
   ``containment >= min_containment`` (share of the smaller paragraph's shingles found in
   the other) **and** ``jaccard >= min_jaccard`` (so the smaller is not a mere part of a
   much longer paragraph). An edited copy, the original plus a sentence, or the original
   with its ending trimmed passes; two paragraphs that share one sentence do not.

Paragraphs shorter than ``min_words`` are skipped entirely (neither exact nor near):
short repeated lines are boilerplate's business. Scripts written without spaces (Han,
kana, Thai, Lao, Khmer, Myanmar) are tokenized one character at a time, and for the
length cut ``chars_per_word`` of those characters count as one word.

The kept copy is deterministic: paragraphs are checked in the order given (the caller's
canonical order), entries loaded from earlier runs come before every new paragraph, and
a duplicate points at the *earliest* kept paragraph it matches (an exact match before a
near one). That rule also makes a re-run over the same input change nothing: a
paragraph whose ``(doc_id, position)`` and text are already in the index is itself,
not a duplicate, and is neither reported nor added again.

Layout (everything per paragraph is a fixed-size number or one compact array):

* entries: ``doc_id``, ``position``, ``exact_key`` (16 hex digits), ``shingles``
  (sorted unique uint32 shingle hashes, little-endian bytes), ``band_keys``
  (``bands`` little-endian uint32, band ``i`` at bytes ``4*i:4*i+4``). The shingles
  are what lets a later run verify against this paragraph exactly. Storing the MinHash
  signature instead and estimating Jaccard and containment from it was measured on
  8,100 boundary-heavy pairs (edited copies and shared-sentence pairs in 9 languages):
  it decided otherwise than the exact rule on 1.5% of them (43 false flags, 80 misses)
  and took more room (480 bytes against a median of 296 for the shingles).
* in memory: per band two sorted ``(key, entry id)`` uint32 arrays (a large one and a
  younger one merged into it geometrically, so inserting stays amortized linear), the
  shingles of each batch of kept paragraphs in one uint32 array, and per-entry numpy
  columns; no Python object per entry, only one string per document id. Measured 0.74
  kB per kept paragraph of ~90 words (0.35 shingles, 0.32 band tables), plus a
  64-byte sketch of its shingles (counts per hash range) that bounds how many shingles
  two paragraphs can share: LSH candidates it rules out are never verified, which cut
  verifications 26-fold on the 100k benchmark corpus (6.8M to 258k). datasketch's
  own ``MinHashLSH`` (Python dicts of byte keys) took 13.8 kB per paragraph and 1.6 ms
  per paragraph with the same banding, hence these tables; the signatures themselves
  are datasketch's (``affine32`` scheme), computed for a whole batch at once.
* on disk (the caller's business): band keys are independent per band, so they can be
  written exploded as ``(band, band_key, doc_id, position)`` rows partitioned by
  ``band=i`` (or as one fixed-size list column); ``DedupConfig.fingerprint`` must be
  stored with them, since keys and shingles are only comparable under the same one.

>>> index = DedupIndex(DedupConfig())
>>> text = "The minister said on Tuesday that the new rail line would open next spring."
>>> [dup] = index.check_and_add([ParagraphRef("a", 0, text), ParagraphRef("b", 3, text.upper())])
>>> dup.kind, dup.of_doc_id, dup.of_position, dup.similarity
('exact_duplicate', 'a', 0, 1.0)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"

# Bumped whenever tokenization, hashing or banding changes, so that an index written by
# an older version is not compared with new keys (see DedupConfig.fingerprint).
_INDEX_VERSION = 1

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

_U64_ONE = np.uint64(1)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_MAX_U32 = np.uint32(0xFFFFFFFF)

# Elements of the (shingles x permutations) matrix computed at once: 4 MiB of uint32.
_MINHASH_BLOCK = 1 << 20
# Buckets of the shingle-count sketch (see `_sketches`): 64 one-byte counts per entry.
# On the 100k benchmark corpus it rejected 9 LSH candidates in 10 without touching
# their shingles, and checking it costs a few numpy passes per batch.
_SKETCH_BUCKETS = 64
_SKETCH_SHIFT = np.uint32(32 - 6)  # log2(_SKETCH_BUCKETS) top bits pick the bucket
_SKETCH_FULL = 255  # a saturated count: at least this many shingles in the bucket
_SKETCH_ROWS = 8192  # sets sketched at a time (memory only)
_PAIR_ROWS = 65536  # candidate pairs bounded at a time (memory only)
# The younger level of each band table is merged into the larger one when it holds a
# quarter of it (or this many entries): that keeps each insert linear in the younger
# level and the number of large merges logarithmic.
_MIN_YOUNG = 1 << 16


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """How paragraphs are compared; every number below comes from a measurement.

    The figures quoted come from ``bench/measure_dedup.py``: 4-sentence paragraphs
    recombined from the 9 languages of ``eval/lang_sentences``, 1,350 pairs per case.

    shingle_size: words per shingle. 3 keeps unrelated paragraphs of one language
        apart (Jaccard p99 0.007, max 0.016) while one changed word costs only 3
        shingles; 2 tolerates edits a little better but lets common word pairs make
        unrelated paragraphs LSH candidates (Jaccard p99 0.023), which costs time at 1M.
    bands, rows: LSH banding; ``num_perm = bands * rows``. A pair becomes a candidate
        with probability ``1 - (1 - J**rows)**bands``: 0.995 at J=0.5 (the smallest J a
        near duplicate may have, see min_jaccard) and 0.99994 at 0.6, but 0.04 at 0.1 and
        1.4e-5 at 0.007 (unrelated paragraphs sharing a phrase). Two rows per band (20
        bands) would make such pairs candidates 70 times as often, so verification time
        would grow with the index; four rows need 72 bands (more memory) for 0.99 at 0.5.
        Over 1M generated paragraphs LSH missed 12 of 199,836 copies that verification
        would have accepted (``bench/bench_dedup.py``).
    seed: seed of the MinHash permutations (datasketch's "affine32" scheme).
    min_words: shorter paragraphs are skipped entirely. In ``eval/boiler_lines``
        (train+dev) 40-49% of the lines of 4 to 8 words are boilerplate, 22-34% of those
        of 9 to 15 words, and lines under 9 words hold 82% of all boilerplate lines. The
        shingles of such short paragraphs are also too few (6 for 8 words) for a
        similarity to mean much: one changed word moves it by half.
    chars_per_word: characters of a script without spaces counted as one word for the
        length cut: 1.6 Han characters per English word, measured on the parallel PUD
        sentences of ``eval/lang_sentences``.
    min_containment: the share of the smaller paragraph's shingles found in the other.
        Copies with one changed word score >= 0.92 (1st percentile), three changed words
        0.79 (1st) / 0.83 (5th), an added sentence or a trimmed ending 1.0; two
        paragraphs sharing one sentence of four score at most 0.56, sharing two of five
        at most 0.77, and the hard negative of ``eval/near_duplicates`` 0.69.
    min_jaccard: also required, so that a paragraph is not called a copy of one more
        than twice its size. An added sentence scores >= 0.61 and a 4-to-3 sentence trim
        >= 0.51 (1st percentiles); one sentence alone against the 4-sentence paragraph
        holding it has a median of 0.23 (0.4% pass). Where a copy keeps or adds as much
        as the original had (3-to-2 trims: 10% are missed; 3+2 sentences: 18%), the
        two are no longer near-identical and are not flagged.
    batch_size: paragraphs hashed and looked up together; changes speed and memory only,
        never a result.
    drop_repeats_within_document: also flag a paragraph that repeats an earlier one of
        its own document (and leave it out of that document's text). Off by default: a
        step repeated in a recipe or a set of instructions, or a refrain, is the
        document's content, and a paragraph is never dropped from the document it first
        appears in. The first copy is indexed either way, so copies in later documents
        are still flagged.
    max_candidates: at most this many LSH candidates (those the size and sketch bounds
        leave) are verified for one paragraph, earliest first; past them it is kept as
        new and counted as capped. Paragraphs sharing a 38-word core with 20 words of
        their own each (Jaccard about 0.45, under min_jaccard) made 98% of pairs
        candidates: 16k of them took 366 s, quadratic (issue 16). At 32 that input is
        linear; a real copy is nearly always the first candidate verified, and none of
        the eval or benchmark corpora has a paragraph with more than a few.
    """

    shingle_size: int = 3
    bands: int = 40
    rows: int = 3
    seed: int = 1
    min_words: int = 9
    chars_per_word: float = 1.6
    min_containment: float = 0.8
    min_jaccard: float = 0.5
    batch_size: int = 4096
    drop_repeats_within_document: bool = False
    max_candidates: int = 32

    def __post_init__(self) -> None:
        positive = {"shingle_size": self.shingle_size, "bands": self.bands, "rows": self.rows,
                    "batch_size": self.batch_size, "chars_per_word": self.chars_per_word,
                    "max_candidates": self.max_candidates}
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.min_words < 0:
            raise ValueError(f"min_words must not be negative, got {self.min_words}")
        for name, share in (("min_containment", self.min_containment),
                            ("min_jaccard", self.min_jaccard)):
            if not 0.0 < share <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {share}")

    @property
    def num_perm(self) -> int:
        """The number of MinHash permutations: one value per row of every band."""
        return self.bands * self.rows

    @property
    def fingerprint(self) -> str:
        """What stored keys and shingles depend on; an index is reusable only if it matches.

        >>> DedupConfig().fingerprint == DedupConfig(min_words=12).fingerprint
        True
        >>> DedupConfig().fingerprint == DedupConfig(bands=20).fingerprint
        False
        """
        return (f"dedup-v{_INDEX_VERSION}:k{self.shingle_size}:b{self.bands}r{self.rows}"
                f":seed{self.seed}:affine32:unicode{unicodedata.unidata_version}")


@dataclass(frozen=True, slots=True)
class ParagraphRef:
    """A paragraph to check: its document, its position there, its text."""

    doc_id: str
    position: int
    text: str


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A paragraph found to copy an earlier kept one.

    `similarity` is the Jaccard similarity of the two shingle sets (1.0 for an exact
    duplicate); `kind` is the removal reason, ``exact_duplicate`` or ``near_duplicate``.
    """

    doc_id: str
    position: int
    of_doc_id: str
    of_position: int
    similarity: float
    kind: str


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """A kept paragraph as stored between runs: enough to find and verify it again.

    `exact_key` is 16 hex digits; `band_keys` holds one little-endian uint32 per band;
    `shingles` the paragraph's sorted unique uint32 shingle hashes, little-endian.
    """

    doc_id: str
    position: int
    exact_key: str
    band_keys: bytes
    shingles: bytes

    def band_key_values(self) -> tuple[int, ...]:
        """The band keys as integers, band 0 first."""
        return tuple(int(v) for v in np.frombuffer(self.band_keys, dtype="<u4"))


@dataclass(frozen=True, slots=True, eq=False)
class IndexColumns:
    """The same entries as `IndexEntry`, column by column, for large indexes.

    Row ``i``'s shingles are ``shingles[shingle_offsets[i]:shingle_offsets[i + 1]]``;
    `exact_key` holds the integers whose hex digits `IndexEntry.exact_key` shows.
    """

    doc_id: tuple[str, ...]
    position: I64
    exact_key: U64
    band_keys: U32
    shingle_offsets: I64
    shingles: U32

    def __len__(self) -> int:
        return len(self.doc_id)

    def take(self, rows: I64) -> IndexColumns:
        """The given rows, in the given order, as new columns."""
        rows = np.asarray(rows, np.int64)
        starts = self.shingle_offsets[rows]
        lengths = self.shingle_offsets[rows + 1] - starts
        offsets = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        within = np.arange(int(offsets[-1]), dtype=np.int64) - np.repeat(offsets[:-1], lengths)
        return IndexColumns(
            doc_id=tuple(self.doc_id[r] for r in rows.tolist()),
            position=self.position[rows],
            exact_key=self.exact_key[rows],
            band_keys=self.band_keys[rows],
            shingle_offsets=offsets,
            shingles=self.shingles[np.repeat(starts, lengths) + within],
        )


def normalized_text(text: str) -> str:
    """The folded form two paragraphs must share to be exact duplicates.

    >>> normalized_text("« L\u2019\u00c9t\u00e9  arrive » \u2014 dit-il.")
    'l été arrive dit il'
    >>> normalized_text("日本語です。")
    '日 本 語 で す'
    """
    return " ".join(_tokens(text)[0])


def normalized_key(text: str) -> str:
    """The exact-duplicate key of a paragraph: 16 hex digits of a hash of its folded form.

    >>> normalized_key('He said: "Yes."') == normalized_key("he said  \u201cyes\u201d")
    True
    """
    return f"{_exact_int(normalized_text(text).encode('utf-8')):016x}"


def _tokens(text: str) -> tuple[list[str], int]:
    """The words of a paragraph after folding, and how many are single no-space characters."""
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    if _NO_SPACE.search(folded):
        chars: list[str] = _WORD_OR_CHAR.findall(folded)
        return chars, len(_NO_SPACE.findall(folded))
    tokens: list[str] = _WORD.findall(folded)
    return tokens, 0


def _exact_int(joined: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big")


def _word_count(tokens: int, no_space: int, config: DedupConfig) -> float:
    return tokens - no_space + no_space / config.chars_per_word


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


def _sorted_unique(values: U64) -> U64:
    # np.unique's hash-based path measured 10x slower than sorting on these sizes.
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    result: U64 = ordered[keep]
    return result


def _token_hashes(joined: bytes) -> U64:
    """A 64-bit hash of every token of `joined` (tokens separated by single spaces)."""
    buf = np.frombuffer(joined, dtype=np.uint8)
    space = buf == 32
    starts = np.flatnonzero(space) + 1
    starts = np.concatenate(([0], starts))
    # Each segment is a token and the space after it, which adds zero to the sum.
    segment = np.diff(starts, append=len(buf) + 1)
    within = np.arange(len(buf)) - np.repeat(starts, segment)[:len(buf)]
    powers = np.cumprod(np.full(int(segment.max()), _GOLDEN, dtype=np.uint64))
    values = np.where(space, 0, buf).astype(np.uint64)
    h: U64 = np.add.reduceat(values * powers[within], starts)
    return _fmix64(h ^ (segment - 1).astype(np.uint64))


def _shingle_sets(token_hashes: U64, counts: I64, k: int) -> tuple[I64, U32]:
    """Sorted unique uint32 hashes of the k-token shingles of each paragraph.

    `token_hashes` holds the tokens of all paragraphs one after another, `counts` how
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
    h = token_hashes[first].copy()
    last = len(token_hashes) - 1
    for j in range(1, k):
        h = np.where(j < width, (h * _GOLDEN) ^ token_hashes[np.minimum(first + j, last)], h)
    values = (_fmix64(h) >> _S32).astype(np.uint64)
    combined = _sorted_unique((owner.astype(np.uint64) << _S32) | values)
    offsets = np.searchsorted((combined >> _S32).astype(np.int64),
                              np.arange(n + 1)).astype(np.int64)
    return offsets, (combined & np.uint64(0xFFFFFFFF)).astype(np.uint32)


class _Hasher:
    """MinHash signatures (datasketch's affine32 permutations) and band keys, in batch."""

    def __init__(self, config: DedupConfig) -> None:
        # Imported here: datasketch pulls in scipy and redis at import (2.7 s measured),
        # which every process importing cleaners would otherwise pay.
        from datasketch import MinHash

        permutations = MinHash(num_perm=config.num_perm, seed=config.seed,
                               scheme="affine32").permutations
        self.a: U32 = np.ascontiguousarray(permutations[0], dtype=np.uint32)
        self.b: U32 = np.ascontiguousarray(permutations[1], dtype=np.uint32)
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
            block = a * mixed[None, s:e] + b
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


def _merge_sorted(keys_a: npt.NDArray[Any], ids_a: U32, keys_b: npt.NDArray[Any],
                  ids_b: U32) -> tuple[npt.NDArray[Any], U32]:
    """Merge two key-sorted (key, id) arrays in linear time."""
    where = np.searchsorted(keys_a, keys_b, side="right") + np.arange(len(keys_b))
    keys = np.empty(len(keys_a) + len(keys_b), dtype=keys_a.dtype)
    ids = np.empty(len(keys), dtype=np.uint32)
    from_a = np.ones(len(keys), dtype=bool)
    from_a[where] = False
    keys[where] = keys_b
    ids[where] = ids_b
    keys[from_a] = keys_a
    ids[from_a] = ids_a
    return keys, ids


class _SortedTable:
    """Key -> entry ids for several independent columns (bands), as sorted arrays."""

    def __init__(self, width: int, dtype: type[np.unsignedinteger[Any]]) -> None:
        self._dtype = dtype
        self._main: list[tuple[npt.NDArray[Any], U32]] = [
            (np.empty(0, dtype), np.empty(0, np.uint32)) for _ in range(width)]
        self._young: list[tuple[npt.NDArray[Any], U32]] = list(self._main)

    def lookup(self, queries: npt.NDArray[Any],
               limit: int | None = None) -> tuple[I64, U32]:
        """Every (query row, id) whose key equals the query's key in some column.

        With `limit`, at most that many ids per key and column (the first stored).
        """
        rows: list[I64] = []
        ids: list[U32] = []
        for column in range(queries.shape[1]):
            # Sorted queries walk the table in one direction, which measured twice as fast
            # than searching in row order; the upper end is searched for hits only.
            order = np.argsort(queries[:, column])
            q = queries[order, column]
            for keys, key_ids in (self._main[column], self._young[column]):
                if not len(keys):
                    continue
                lo = np.searchsorted(keys, q, side="left")
                found = np.flatnonzero(keys[np.minimum(lo, len(keys) - 1)] == q)
                if not len(found):
                    continue
                start = lo[found]
                c = np.searchsorted(keys, q[found], side="right") - start
                if limit is not None:
                    c = np.minimum(c, limit)
                step = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
                rows.append(np.repeat(order[found], c).astype(np.int64))
                ids.append(key_ids[np.repeat(start, c) + step])
        if not rows:
            return np.empty(0, np.int64), np.empty(0, np.uint32)
        return np.concatenate(rows), np.concatenate(ids)

    def insert(self, keys: npt.NDArray[Any], ids: U32) -> None:
        """Add rows of keys (one per column) for the given entry ids."""
        for column in range(keys.shape[1]):
            order = np.argsort(keys[:, column], kind="stable")
            young = _merge_sorted(*self._young[column], keys[order, column].astype(self._dtype),
                                  ids[order])
            main = self._main[column]
            if len(young[0]) >= max(_MIN_YOUNG, len(main[0]) // 4):
                self._main[column] = _merge_sorted(*main, *young)
                young = (np.empty(0, self._dtype), np.empty(0, np.uint32))
            self._young[column] = young


class _Column:
    """A growable numpy column (doubling), for per-entry numbers."""

    def __init__(self, dtype: type[np.generic]) -> None:
        self._data: npt.NDArray[Any] = np.empty(1024, dtype)
        self.size = 0

    def extend(self, values: npt.ArrayLike) -> None:
        array = np.asarray(values, dtype=self._data.dtype)
        need = self.size + len(array)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), self._data.dtype)
            grown[:self.size] = self._data[:self.size]
            self._data = grown
        self._data[self.size:need] = array
        self.size = need

    def view(self) -> npt.NDArray[Any]:
        return self._data[:self.size]


@dataclass(slots=True)
class _Prepared:
    """One batch's paragraphs above the length cut, hashed, with their (doc_id, position)."""

    keys: list[tuple[str, int]]
    exact: U64
    offsets: I64
    shingles: U32
    band_keys: U32


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _prepare(batch: list[ParagraphRef], config: DedupConfig, hasher: _Hasher) -> _Prepared:
    """Fold and hash the paragraphs of `batch` that pass the length cut."""
    keys: list[tuple[str, int]] = []
    joined: list[bytes] = []
    counts: list[int] = []
    exact: list[int] = []
    for ref in batch:
        tokens, no_space = _tokens(ref.text)
        words = _word_count(len(tokens), no_space, config)
        if not tokens or words < config.min_words:
            continue
        text = " ".join(tokens).encode("utf-8")
        keys.append((ref.doc_id, ref.position))
        joined.append(text)
        counts.append(len(tokens))
        exact.append(_exact_int(text))
    if not keys:
        return _Prepared(keys, np.empty(0, np.uint64), np.zeros(1, np.int64),
                         np.empty(0, np.uint32), np.empty((0, config.bands), np.uint32))
    offsets, shingles = _shingle_sets(_token_hashes(b" ".join(joined)),
                                      np.array(counts, np.int64), config.shingle_size)
    band_keys = hasher.band_keys(hasher.signatures(offsets, shingles))
    return _Prepared(keys, np.array(exact, np.uint64), offsets, shingles, band_keys)


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
    hasher = _Hasher(config)
    parts = [_prepare(batch, config, hasher)
             for batch in _batched(paragraphs, config.batch_size)]
    parts = [p for p in parts if p.keys] or [_prepare([], config, hasher)]
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


class DedupIndex:
    """Kept paragraphs of this and earlier runs, checked and extended in canonical order.

    Load earlier runs with `add_entries` (or `add_columns`) first, then call
    `check_and_add` with this run's paragraphs in order, as many times as convenient;
    `new_entries` (or `new_columns`) gives what this run kept, to persist.
    """

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self._hasher_made: _Hasher | None = None
        self._doc_names: list[str] = []
        self._doc_numbers: dict[str, int] = {}
        self._doc = _Column(np.uint32)
        self._position = _Column(np.int64)
        self._exact = _Column(np.uint64)
        self._chunk = _Column(np.uint32)
        self._offset = _Column(np.uint32)
        self._length = _Column(np.uint32)
        self._sketch = _Column(np.uint8)  # _SKETCH_BUCKETS counts per entry
        self._chunks: list[U32] = []
        self._exact_table = _SortedTable(1, np.uint64)
        self._band_table = _SortedTable(config.bands, np.uint32)
        self._new_from: int | None = None
        #: Paragraphs with more candidates than `config.max_candidates` (see there).
        self.capped = 0

    def __len__(self) -> int:
        return self._doc.size

    @property
    def _hasher(self) -> _Hasher:
        # Made on first use: checking pre-hashed columns needs none, and making one
        # imports datasketch (2.5 s).
        if self._hasher_made is None:
            self._hasher_made = _Hasher(self.config)
        return self._hasher_made

    # -- loading earlier runs ------------------------------------------------------

    def add_entries(self, entries: Iterable[IndexEntry]) -> None:
        """Load kept paragraphs of earlier runs; they win over every new paragraph."""
        self._refuse_after_checking()
        width = 4 * self.config.bands
        for batch in _batched(entries, self.config.batch_size):
            for entry in batch:
                if len(entry.band_keys) != width:
                    raise ValueError(f"entry {entry.doc_id}#{entry.position} has "
                                     f"{len(entry.band_keys)} bytes of band keys, want {width}")
                if not entry.shingles or len(entry.shingles) % 4:
                    raise ValueError(f"entry {entry.doc_id}#{entry.position} has no valid "
                                     "shingles")
            lengths = np.fromiter((len(e.shingles) // 4 for e in batch), np.int64, len(batch))
            offsets = np.zeros(len(batch) + 1, np.int64)
            np.cumsum(lengths, out=offsets[1:])
            self._load(
                [e.doc_id for e in batch],
                np.fromiter((e.position for e in batch), np.int64, len(batch)),
                np.fromiter((int(e.exact_key, 16) for e in batch), np.uint64, len(batch)),
                np.frombuffer(b"".join(e.band_keys for e in batch), "<u4")
                .reshape(len(batch), self.config.bands),
                offsets,
                np.frombuffer(b"".join(e.shingles for e in batch), "<u4"),
            )

    def add_columns(self, columns: IndexColumns) -> None:
        """Load kept paragraphs of earlier runs from columns (see `new_columns`)."""
        self._refuse_after_checking()
        n = len(columns)
        if columns.band_keys.shape != (n, self.config.bands):
            raise ValueError(f"band_keys has shape {columns.band_keys.shape}, "
                             f"want ({n}, {self.config.bands})")
        if len(columns.shingle_offsets) != n + 1 or np.any(np.diff(columns.shingle_offsets) <= 0):
            raise ValueError("shingle_offsets must rise strictly, one more than the rows")
        for s in range(0, n, self.config.batch_size):
            e = min(n, s + self.config.batch_size)
            lo, hi = int(columns.shingle_offsets[s]), int(columns.shingle_offsets[e])
            self._load(list(columns.doc_id[s:e]), columns.position[s:e],
                       columns.exact_key[s:e], columns.band_keys[s:e],
                       columns.shingle_offsets[s:e + 1] - lo, columns.shingles[lo:hi])

    def _refuse_after_checking(self) -> None:
        # Earlier runs win because their entries come first; loading them later would
        # silently break that rule.
        if self._new_from is not None:
            raise ValueError("add earlier runs' entries before checking new paragraphs")

    def _load(self, doc_ids: list[str], positions: I64, exact: U64, band_keys: U32,
              offsets: I64, shingles: U32) -> None:
        # Stored shingles are re-sorted here: verification relies on sorted sets.
        offsets, values = _sorted_sets(offsets, shingles)
        self._append(doc_ids, positions, exact, offsets, values, band_keys)

    def _append(self, doc_ids: list[str], positions: I64, exact: U64, offsets: I64,
                shingles: U32, band_keys: U32) -> None:
        first = len(self)
        ids = np.arange(first, first + len(doc_ids), dtype=np.uint32)
        for doc_id in doc_ids:
            if doc_id not in self._doc_numbers:
                self._doc_numbers[doc_id] = len(self._doc_names)
                self._doc_names.append(doc_id)
        self._doc.extend([self._doc_numbers[d] for d in doc_ids])
        self._position.extend(positions)
        self._exact.extend(exact)
        self._chunk.extend(np.full(len(doc_ids), len(self._chunks), np.uint32))
        self._offset.extend(offsets[:-1])
        self._length.extend(np.diff(offsets))
        self._sketch.extend(_sketches(offsets, shingles).reshape(-1))
        self._chunks.append(np.ascontiguousarray(shingles, dtype=np.uint32))
        self._exact_table.insert(np.asarray(exact, np.uint64)[:, None], ids)
        self._band_table.insert(np.asarray(band_keys, np.uint32), ids)

    # -- checking new paragraphs --------------------------------------------------

    def check_and_add(self, paragraphs: Iterable[ParagraphRef]) -> list[Duplicate]:
        """Report which paragraphs duplicate an earlier kept one, and keep the others.

        Paragraphs are taken in the order given, so an earlier one is the kept copy.
        """
        if self._new_from is None:
            self._new_from = len(self)
        found: list[Duplicate] = []
        for batch in _batched(paragraphs, self.config.batch_size):
            prepared = _prepare(batch, self.config, self._hasher)
            if prepared.keys:
                found += self._check(prepared)
        return found

    def check_and_add_columns(self, columns: IndexColumns) -> list[Duplicate]:
        """`check_and_add` for paragraphs already hashed by `fingerprint_columns`.

        This lets the hashing run where the text is (in parallel, batch by batch) and
        the order-dependent check run over compact arrays alone, never the texts.
        """
        if self._new_from is None:
            self._new_from = len(self)
        n = len(columns)
        if columns.band_keys.shape != (n, self.config.bands):
            raise ValueError(f"band_keys has shape {columns.band_keys.shape}, "
                             f"want ({n}, {self.config.bands})")
        found: list[Duplicate] = []
        positions = columns.position.tolist()
        for s in range(0, n, self.config.batch_size):
            e = min(n, s + self.config.batch_size)
            lo, hi = int(columns.shingle_offsets[s]), int(columns.shingle_offsets[e])
            found += self._check(_Prepared(
                list(zip(columns.doc_id[s:e], positions[s:e], strict=True)),
                columns.exact_key[s:e], columns.shingle_offsets[s:e + 1] - lo,
                columns.shingles[lo:hi], columns.band_keys[s:e]))
        return found

    def _shingles_of(self, entry: int) -> U32:
        start = int(self._offset.view()[entry])
        chunk: U32 = self._chunks[int(self._chunk.view()[entry])]
        return chunk[start:start + int(self._length.view()[entry])]

    def _is_same(self, entry: int, ref: tuple[str, int]) -> bool:
        return (int(self._position.view()[entry]) == ref[1]
                and self._doc_names[int(self._doc.view()[entry])] == ref[0])

    def _check(self, p: _Prepared) -> list[Duplicate]:
        n = len(p.keys)
        exact_rows, exact_ids = self._exact_table.lookup(p.exact[:, None])
        exact_hits = _group_by_row(exact_rows, exact_ids, n)
        # Candidates are bounded from the start: a band key that thousands of
        # paragraphs share (adversarial input) would give millions of pairs.
        band_rows, band_ids = self._band_table.lookup(p.band_keys, self.config.max_candidates)
        band_hits = _group_by_row(*self._plausible(p, band_rows, band_ids), n)

        cfg = self.config
        first_id = len(self)
        batch_exact: dict[int, int] = {}
        batch_bands: dict[int, int | list[int]] = {}
        kept_rows: list[int] = []
        found: list[Duplicate] = []
        exact_keys = p.exact.tolist()
        all_band_keys = _shared_band_keys(p.band_keys)
        for i, ref in enumerate(p.keys):
            exact_key = exact_keys[i]
            candidates = exact_hits[i]
            if exact_key in batch_exact:
                candidates = [*candidates, batch_exact[exact_key]]
            if any(self._entry_is(c, ref, first_id, p, kept_rows) for c in candidates):
                continue  # already indexed as itself: a re-run over the same input
            if candidates:
                found.append(self._duplicate(ref, min(candidates), first_id, p, kept_rows,
                                             1.0, EXACT_DUPLICATE))
                continue
            keys = all_band_keys[i]
            near = set(band_hits[i])
            for key in keys:
                hit = batch_bands.get(key)
                if hit is not None:
                    near.update(hit if isinstance(hit, list) else (hit,))
            mine = p.shingles[p.offsets[i]:p.offsets[i + 1]]
            match = None
            ordered = sorted(near)
            if len(ordered) > cfg.max_candidates:
                # Earliest first, as without the cap: the kept copy is the same one.
                ordered = ordered[:cfg.max_candidates]
                self.capped += 1
            for c in ordered:
                if self._entry_is(c, ref, first_id, p, kept_rows):
                    continue  # an earlier version of this very paragraph is not a copy of it
                other = (self._shingles_of(c) if c < first_id
                         else p.shingles[p.offsets[kept_rows[c - first_id]]:
                                         p.offsets[kept_rows[c - first_id] + 1]])
                similarity = _verify(mine, other, cfg)
                if similarity is not None:
                    match = (c, similarity)
                    break
            if match is not None:
                found.append(self._duplicate(ref, match[0], first_id, p, kept_rows,
                                             match[1], NEAR_DUPLICATE))
                continue
            new_id = first_id + len(kept_rows)
            kept_rows.append(i)
            batch_exact.setdefault(exact_key, new_id)
            for key in keys:
                hit = batch_bands.get(key)
                if hit is None:
                    batch_bands[key] = new_id
                elif isinstance(hit, list):
                    if len(hit) < cfg.max_candidates:
                        hit.append(new_id)
                else:
                    batch_bands[key] = [hit, new_id]
        if kept_rows:
            self._keep(p, kept_rows)
        return found

    def _plausible(self, p: _Prepared, rows: I64, ids: U32) -> tuple[I64, U32]:
        """The distinct (row, entry) LSH candidates that may pass `_verify`.

        Dropped, without reading a shingle: pairs whose sizes alone rule out
        ``min_jaccard``, pairs whose sketch bound on the shared shingles (see
        `_sketches`) rules out either threshold, and an entry that is the row itself
        (an earlier version of the same paragraph, never its copy). Every test is a
        necessary condition of `_verify`'s, so the first candidate that verifies, and
        hence every result, is the same as verifying them all.
        """
        if not len(rows):
            return rows, ids
        rows, entries = _bounded_pairs(
            rows, ids, np.diff(p.offsets), self._length.view(),
            _sketches(p.offsets, p.shingles),
            self._sketch.view().reshape(-1, _SKETCH_BUCKETS), self.config)
        ids = entries.astype(np.uint32)
        # The row itself, indexed by an earlier run: skipped by the check anyway.
        doc_numbers = np.fromiter((self._doc_numbers.get(key[0], -1) for key in p.keys),
                                  np.int64, len(p.keys))
        positions = np.fromiter((key[1] for key in p.keys), np.int64, len(p.keys))
        itself = ((self._doc.view()[ids].astype(np.int64) == doc_numbers[rows])
                  & (self._position.view()[ids] == positions[rows]))
        return rows[~itself], ids[~itself]

    def _entry_is(self, entry: int, ref: tuple[str, int], first_id: int, p: _Prepared,
                  kept_rows: list[int]) -> bool:
        if entry < first_id:
            return self._is_same(entry, ref)
        return p.keys[kept_rows[entry - first_id]] == ref

    def _duplicate(self, ref: tuple[str, int], entry: int, first_id: int, p: _Prepared,
                   kept_rows: list[int], similarity: float, kind: str) -> Duplicate:
        if entry < first_id:
            of_doc = self._doc_names[int(self._doc.view()[entry])]
            of_position = int(self._position.view()[entry])
        else:
            of_doc, of_position = p.keys[kept_rows[entry - first_id]]
        return Duplicate(ref[0], ref[1], of_doc, of_position, similarity, kind)

    def _keep(self, p: _Prepared, rows: list[int]) -> None:
        chosen = np.asarray(rows, dtype=np.int64)
        lengths = p.offsets[chosen + 1] - p.offsets[chosen]
        offsets = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        take = np.repeat(p.offsets[chosen], lengths) + (
            np.arange(int(offsets[-1])) - np.repeat(offsets[:-1], lengths))
        self._append([p.keys[r][0] for r in rows],
                     np.fromiter((p.keys[r][1] for r in rows), np.int64, len(rows)),
                     p.exact[chosen], offsets, p.shingles[take], p.band_keys[chosen])

    # -- persisting ----------------------------------------------------------------

    def new_columns(self) -> IndexColumns:
        """What `check_and_add` kept so far, column by column (compact, for large runs).

        The columns are a copy (0.5 kB per entry); `iter_new_columns` gives them in
        parts to bound that.
        """
        start = len(self) if self._new_from is None else self._new_from
        return self._columns(start, len(self))

    def iter_new_columns(self, rows: int = 100_000) -> Iterator[IndexColumns]:
        """What `check_and_add` kept so far, in parts of at most `rows` entries."""
        start = len(self) if self._new_from is None else self._new_from
        for lo in range(start, len(self), rows):
            yield self._columns(lo, min(len(self), lo + rows))

    def _columns(self, lo: int, hi: int) -> IndexColumns:
        ids = np.arange(lo, hi, dtype=np.int64)
        lengths = self._length.view()[lo:hi].astype(np.int64)
        offsets = np.zeros(len(ids) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # Each chunk holds the shingles of consecutive entries in id order, so a range
        # of entries is a run of whole chunks, cut at both ends.
        parts: list[U32] = []
        chunk_of, offset_of = self._chunk.view(), self._offset.view()
        n = lo
        while n < hi:
            chunk = int(chunk_of[n])
            end = int(np.searchsorted(chunk_of[n:hi], chunk, side="right")) + n
            first = int(offset_of[n])
            last = int(offset_of[end - 1]) + int(lengths[end - 1 - lo])
            parts.append(self._chunks[chunk][first:last])
            n = end
        shingles = np.concatenate(parts) if parts else np.empty(0, np.uint32)
        band_keys = np.empty((len(ids), self.config.bands), np.uint32)
        step = self.config.batch_size
        for s in range(0, len(ids), step):
            e = min(len(ids), s + step)
            sig = self._hasher.signatures(offsets[s:e + 1] - offsets[s],
                                          shingles[offsets[s]:offsets[e]])
            band_keys[s:e] = self._hasher.band_keys(sig)
        names = self._doc_names
        return IndexColumns(
            doc_id=tuple(names[d] for d in self._doc.view()[lo:hi].tolist()),
            position=self._position.view()[lo:hi].copy(),
            exact_key=self._exact.view()[lo:hi].copy(),
            band_keys=band_keys,
            shingle_offsets=offsets,
            shingles=shingles,
        )

    def new_entries(self) -> list[IndexEntry]:
        """What `check_and_add` kept so far, as entries to persist for the next run."""
        columns = self.new_columns()
        offsets = columns.shingle_offsets.tolist()
        little = columns.shingles.astype("<u4")
        bands = columns.band_keys.astype("<u4")
        return [
            IndexEntry(doc_id, position, f"{exact:016x}", bands[n].tobytes(),
                       little[offsets[n]:offsets[n + 1]].tobytes())
            for n, (doc_id, position, exact) in enumerate(
                zip(columns.doc_id, columns.position.tolist(), columns.exact_key.tolist(),
                    strict=True))
        ]


def _sketches(offsets: I64, shingles: U32) -> npt.NDArray[np.uint8]:
    """Per set of shingles, how many fall in each of `_SKETCH_BUCKETS` hash ranges.

    Two sets share at most ``sum(min(a[b], b[b]))`` shingles over the buckets, since a
    shingle both hold falls in the same bucket in both: an upper bound on the
    intersection that costs 64 bytes per set instead of reading the sets. Counts
    saturate at `_SKETCH_FULL` (see `_shared_bound`).
    """
    n = len(offsets) - 1
    sketch = np.empty((n, _SKETCH_BUCKETS), np.uint8)
    # Sets a slice at a time: the int64 temporaries cost 24 bytes per shingle, which for
    # a few hundred thousand paragraphs at once measured 600 MB.
    for lo in range(0, n, _SKETCH_ROWS):
        hi = min(n, lo + _SKETCH_ROWS)
        owner = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(offsets[lo:hi + 1]))
        bucket = (shingles[offsets[lo]:offsets[hi]] >> _SKETCH_SHIFT).astype(np.int64)
        counts = np.bincount(owner * _SKETCH_BUCKETS + bucket,
                             minlength=(hi - lo) * _SKETCH_BUCKETS)
        sketch[lo:hi] = np.minimum(counts, _SKETCH_FULL).reshape(hi - lo, _SKETCH_BUCKETS)
    return sketch


def _bounded_pairs(rows: I64, ids: npt.NDArray[Any],
                   row_sizes: npt.NDArray[Any], id_sizes: npt.NDArray[Any],
                   row_sketch: npt.NDArray[np.uint8], id_sketch: npt.NDArray[np.uint8],
                   config: DedupConfig) -> tuple[I64, I64]:
    """The distinct (row, id) pairs, sorted, that their set sizes and the sketch bound on
    their shared shingles leave able to pass both thresholds (necessary conditions of
    `_verify`). Pairs are bounded a slice at a time: gathering both sketches costs 128
    bytes a pair, and a part can bring millions of pairs."""
    pairs = _sorted_unique((rows.astype(np.uint64) << _S32) | ids.astype(np.uint64))
    rows = (pairs >> _S32).astype(np.int64)
    ids = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    mine, theirs = row_sizes[rows].astype(np.int64), id_sizes[ids].astype(np.int64)
    small, large = np.minimum(mine, theirs), np.maximum(mine, theirs)
    keep = small >= config.min_jaccard * large
    rows, ids, small, large = rows[keep], ids[keep], small[keep], large[keep]
    keep = np.empty(len(rows), bool)
    for lo in range(0, len(rows), _PAIR_ROWS):
        hi = lo + _PAIR_ROWS
        shared = _shared_bound(row_sketch[rows[lo:hi]], id_sketch[ids[lo:hi]])
        smaller, larger = small[lo:hi], large[lo:hi]
        union = smaller + larger - shared
        jaccard = np.where(union > 0, shared / np.maximum(union, 1), 1.0)
        keep[lo:hi] = ((shared >= config.min_containment * smaller)
                       & (jaccard >= config.min_jaccard))
    return rows[keep], ids[keep]


def _shared_bound(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> I64:
    """An upper bound on the shingles shared by each pair of sketched sets (row by row).

    A saturated count stands for "at least 255": against an unsaturated one the minimum
    is still exact; where both are saturated nothing is known, so the bound is made
    large enough to pass any threshold.
    """
    bound: I64 = np.minimum(a, b).sum(axis=1, dtype=np.int64)
    both_full = ((a == _SKETCH_FULL) & (b == _SKETCH_FULL)).any(axis=1)
    bound[both_full] = 1 << 40
    return bound


class EarlierCopies:
    """Which of a run's paragraphs copy an earlier run's, with the earlier index read
    part by part.

    Every entry of an earlier run is a kept paragraph that comes before every new one,
    so what a new paragraph duplicates among them does not depend on the run's order:
    the earliest entry with its exact key, else the earliest LSH candidate that
    verifies. That is what `DedupIndex` decides when such entries are loaded first, and
    a paragraph flagged so is never kept, so it changes nothing for the run's other
    paragraphs: they can be checked afterwards against this run's kept ones alone.
    Here the earlier index is never in memory as a whole: `add_part` takes its parts in
    index order (one at a time, of any size) and only this run's paragraphs stay.

    Entries of the run's own documents must be left out by the caller: a document
    processed again is re-derived from its new text, never a copy of its past.

    >>> text = "The minister said on Tuesday that the new rail line would open next spring."
    >>> earlier = fingerprint_columns([ParagraphRef("old", 2, text)], DedupConfig())
    >>> copies = EarlierCopies(fingerprint_columns([ParagraphRef("new", 0, text.upper())],
    ...                                            DedupConfig()), DedupConfig())
    >>> copies.add_part(earlier)
    >>> [(d.of_doc_id, d.of_position, d.kind) for d in copies.found()]
    [('old', 2, 'exact_duplicate')]
    """

    _NONE, _NEAR, _EXACT = 0, 1, 2

    def __init__(self, paragraphs: IndexColumns, config: DedupConfig) -> None:
        n = len(paragraphs)
        if paragraphs.band_keys.shape != (n, config.bands):
            raise ValueError(f"band_keys has shape {paragraphs.band_keys.shape}, "
                             f"want ({n}, {config.bands})")
        self.config = config
        self.paragraphs = paragraphs
        rows = np.arange(n, dtype=np.uint32)
        self._exact = _SortedTable(1, np.uint64)
        self._exact.insert(np.asarray(paragraphs.exact_key, np.uint64)[:, None], rows)
        self._bands = _SortedTable(config.bands, np.uint32)
        self._bands.insert(np.asarray(paragraphs.band_keys, np.uint32), rows)
        self._lengths = np.diff(paragraphs.shingle_offsets)
        self._sketch = _sketches(paragraphs.shingle_offsets, paragraphs.shingles)
        #: Rows with more candidates in one part than `config.max_candidates`.
        self.capped = 0
        self._kind = np.zeros(n, np.int8)
        self._match: dict[int, tuple[str, int, float]] = {}
        self.entries_seen = 0

    def add_part(self, entries: IndexColumns) -> None:
        """Match the next part of the earlier index (parts in index order)."""
        if entries.band_keys.shape != (len(entries), self.config.bands):
            raise ValueError(f"band_keys has shape {entries.band_keys.shape}, "
                             f"want ({len(entries)}, {self.config.bands})")
        self.entries_seen += len(entries)
        if not len(entries) or not len(self.paragraphs):
            return
        offsets, shingles = _sorted_sets(entries.shingle_offsets, entries.shingles)
        # Exact keys first: an exact copy in a later part beats a near one in an
        # earlier part, as `DedupIndex` checks exact keys before bands.
        exact_found, exact_of = self._exact.lookup(
            np.asarray(entries.exact_key, np.uint64)[:, None])
        exact_rows = set()
        for row, entry in _first_per_row(exact_of, exact_found):
            exact_rows.add(row)
            if self._kind[row] != self._EXACT:
                self._kind[row] = self._EXACT
                self._match[row] = (entries.doc_id[entry], int(entries.position[entry]), 1.0)
        found, new_rows = self._bands.lookup(np.asarray(entries.band_keys, np.uint32),
                                             self.config.max_candidates)
        open_rows = self._kind[new_rows] == self._NONE
        if not open_rows.any():
            return
        candidates, matched = self._plausible(new_rows[open_rows].astype(np.int64),
                                              found[open_rows], offsets, shingles)
        mine_offsets = self.paragraphs.shingle_offsets
        decided, current, tried = -1, -1, 0
        for row, entry in zip(candidates.tolist(), matched.tolist(), strict=True):
            if row == decided or row in exact_rows:
                continue
            # At most `max_candidates` verified per row and part (see DedupConfig).
            tried = tried + 1 if row == current else 1
            current = row
            if tried > self.config.max_candidates:
                if tried == self.config.max_candidates + 1:
                    self.capped += 1
                continue
            similarity = _verify(self.paragraphs.shingles[mine_offsets[row]:mine_offsets[row + 1]],
                                 shingles[offsets[entry]:offsets[entry + 1]], self.config)
            if similarity is not None:
                decided = row
                self._kind[row] = self._NEAR
                self._match[row] = (entries.doc_id[entry], int(entries.position[entry]),
                                    similarity)

    def _plausible(self, rows: I64, entries: I64, offsets: I64,
                   shingles: U32) -> tuple[I64, I64]:
        # The same necessary conditions as `DedupIndex._plausible`, sorted by (row, entry).
        return _bounded_pairs(rows, entries, self._lengths, np.diff(offsets), self._sketch,
                              _sketches(offsets, shingles), self.config)

    def found(self) -> list[Duplicate]:
        """The paragraphs that copy an earlier run's entry, in row order."""
        out = []
        for row in np.flatnonzero(self._kind).tolist():
            of_doc, of_position, similarity = self._match[row]
            kind = EXACT_DUPLICATE if self._kind[row] == self._EXACT else NEAR_DUPLICATE
            out.append(Duplicate(self.paragraphs.doc_id[row],
                                 int(self.paragraphs.position[row]), of_doc, of_position,
                                 similarity, kind))
        return out

    def unmatched(self) -> I64:
        """The rows that copy no earlier entry: the ones left for `DedupIndex`."""
        rows: I64 = np.flatnonzero(self._kind == self._NONE).astype(np.int64)
        return rows


def _sorted_sets(offsets: I64, shingles: U32) -> tuple[I64, U32]:
    """The same sets with each one's values sorted and unique (verification needs it).

    >>> _sorted_sets(np.array([0, 3, 3, 5]), np.array([9, 2, 9, 7, 1], np.uint32))
    (array([0, 2, 2, 4]), array([2, 9, 1, 7], dtype=uint32))
    """
    n = len(offsets) - 1
    # Stored sets are written sorted (`fingerprint_columns` makes them so): checking that
    # is one pass, where sorting again cost 4.4 s of decide's 64 at 100k documents.
    starts = np.zeros(len(shingles), bool)
    starts[offsets[:-1][np.diff(offsets) > 0]] = True
    if bool(np.all((shingles[1:] > shingles[:-1]) | starts[1:])):
        return offsets, shingles
    owner = np.repeat(np.arange(n, dtype=np.uint64), np.diff(offsets))
    combined = _sorted_unique((owner << _S32) | shingles.astype(np.uint64))
    new_offsets = np.searchsorted((combined >> _S32).astype(np.int64),
                                  np.arange(n + 1)).astype(np.int64)
    return new_offsets, (combined & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _first_per_row(rows: Any, ids: Any) -> Iterator[tuple[int, int]]:
    """For each distinct row, the smallest id paired with it, rows in order."""
    if not len(rows):
        return
    pairs = _sorted_unique((np.asarray(rows, np.uint64) << _S32) | np.asarray(ids, np.uint64))
    row_of = (pairs >> _S32).astype(np.int64)
    first = np.ones(len(pairs), bool)
    first[1:] = row_of[1:] != row_of[:-1]
    id_of = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    yield from zip(row_of[first].tolist(), id_of[first].tolist(), strict=True)


def _shared_band_keys(band_keys: U32) -> list[list[int]]:
    """Per row, its band keys that another row of the batch also has, as ``band << 32 | key``.

    Only those can make two paragraphs of one batch candidates, so only those go
    through the batch's dict: a Python dict operation for each of 40 bands of every
    paragraph was most of the time of checking pre-hashed columns.
    """
    n, bands = band_keys.shape
    flat = ((np.arange(bands, dtype=np.uint64) << _S32) | band_keys.astype(np.uint64)).ravel()
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    same = ordered[1:] == ordered[:-1]
    mark = np.zeros(len(flat), bool)
    mark[1:] |= same
    mark[:-1] |= same
    shared = np.zeros(len(flat), bool)
    shared[order] = mark
    grouped: list[list[int]] = [[] for _ in range(n)]
    where = np.flatnonzero(shared)
    for row, key in zip((where // bands).tolist(), flat[where].tolist(), strict=True):
        grouped[row].append(key)
    return grouped


def _group_by_row(rows: I64, ids: U32, n: int) -> list[list[int]]:
    """Per query row, the sorted distinct ids found for it."""
    grouped: list[list[int]] = [[] for _ in range(n)]
    if not len(rows):
        return grouped
    combined = _sorted_unique((rows.astype(np.uint64) << _S32) | ids.astype(np.uint64))
    row_of = (combined >> _S32).astype(np.int64).tolist()
    id_of = (combined & np.uint64(0xFFFFFFFF)).astype(np.int64).tolist()
    for row, entry in zip(row_of, id_of, strict=True):
        grouped[row].append(entry)
    return grouped


def _verify(a: U32, b: U32, config: DedupConfig) -> float | None:
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
