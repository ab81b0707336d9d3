"""The in-memory index: kept paragraphs checked and extended in canonical order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from cleaners.dedup.bounds import SKETCH_BUCKETS, bounded_pairs, sketches, sorted_sets, verify
from cleaners.dedup.config import DedupConfig
from cleaners.dedup.minhash import Hasher, Prepared, batched, prepare
from cleaners.dedup.records import (
    EXACT_DUPLICATE,
    I64,
    NEAR_DUPLICATE,
    U32,
    U64,
    Duplicate,
    IndexColumns,
    ParagraphRef,
)
from cleaners.dedup.tables import Column, SortedTable, group_by_row, pair_keys


class DedupIndex:
    """Kept paragraphs of this and earlier runs, checked and extended in canonical order.

    Load earlier runs with `add_columns` first, then call `check_and_add` (or
    `check_and_add_columns`, for paragraphs hashed beforehand) with this run's
    paragraphs in order, as many times as convenient; `new_columns` (or
    `iter_new_columns`) gives what this run kept, to persist.
    """

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self._hasher = Hasher(config)
        self._doc_names: list[str] = []
        self._doc_numbers: dict[str, int] = {}
        self._doc = Column(np.uint32)
        self._position = Column(np.int64)
        self._exact = Column(np.uint64)
        self._chunk = Column(np.uint32)
        self._offset = Column(np.uint32)
        self._length = Column(np.uint32)
        self._sketch = Column(np.uint8)  # SKETCH_BUCKETS counts per entry
        self._chunks: list[U32] = []
        self._exact_table = SortedTable(1, np.uint64)
        self._band_table = SortedTable(config.bands, np.uint32)
        self._new_from: int | None = None
        #: Paragraphs with more candidates than `config.max_candidates` (see there).
        self.capped = 0

    def __len__(self) -> int:
        return self._doc.size

    # -- loading earlier runs ------------------------------------------------------

    def add_columns(self, columns: IndexColumns) -> None:
        """Load kept paragraphs of earlier runs from columns (see `new_columns`)."""
        self._refuse_after_checking()
        n = len(columns)
        columns.require_bands(self.config.bands)
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
        offsets, values = sorted_sets(offsets, shingles)
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
        self._sketch.extend(sketches(offsets, shingles).reshape(-1))
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
        for batch in batched(paragraphs, self.config.batch_size):
            prepared = prepare(batch, self.config, self._hasher)
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
        columns.require_bands(self.config.bands)
        found: list[Duplicate] = []
        positions = columns.position.tolist()
        for s in range(0, n, self.config.batch_size):
            e = min(n, s + self.config.batch_size)
            lo, hi = int(columns.shingle_offsets[s]), int(columns.shingle_offsets[e])
            found += self._check(Prepared(
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

    def _check(self, p: Prepared) -> list[Duplicate]:
        n = len(p.keys)
        exact_rows, exact_ids = self._exact_table.lookup(p.exact[:, None])
        exact_hits = group_by_row(exact_rows, exact_ids, n)
        # Candidates are bounded from the start: a band key that thousands of
        # paragraphs share (adversarial input) would give millions of pairs.
        band_rows, band_ids = self._band_table.lookup(p.band_keys, self.config.max_candidates)
        band_hits = group_by_row(*self._plausible(p, band_rows, band_ids), n)

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
                similarity = verify(mine, other, cfg)
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

    def _plausible(self, p: Prepared, rows: I64, ids: U32) -> tuple[I64, U32]:
        """The distinct (row, entry) LSH candidates that may pass `verify`.

        Dropped, without reading a shingle: pairs whose sizes alone rule out
        ``min_jaccard``, pairs whose sketch bound on the shared shingles (see
        `sketches`) rules out either threshold, and an entry that is the row itself
        (an earlier version of the same paragraph, never its copy). Every test is a
        necessary condition of `verify`'s, so the first candidate that verifies, and
        hence every result, is the same as verifying them all.
        """
        if not len(rows):
            return rows, ids
        rows, entries = bounded_pairs(
            rows, ids, np.diff(p.offsets), self._length.view(),
            sketches(p.offsets, p.shingles),
            self._sketch.view().reshape(-1, SKETCH_BUCKETS), self.config)
        ids = entries.astype(np.uint32)
        # The row itself, indexed by an earlier run: skipped by the check anyway.
        doc_numbers = np.fromiter((self._doc_numbers.get(key[0], -1) for key in p.keys),
                                  np.int64, len(p.keys))
        positions = np.fromiter((key[1] for key in p.keys), np.int64, len(p.keys))
        itself = ((self._doc.view()[ids].astype(np.int64) == doc_numbers[rows])
                  & (self._position.view()[ids] == positions[rows]))
        return rows[~itself], ids[~itself]

    def _entry_is(self, entry: int, ref: tuple[str, int], first_id: int, p: Prepared,
                  kept_rows: list[int]) -> bool:
        if entry < first_id:
            return self._is_same(entry, ref)
        return p.keys[kept_rows[entry - first_id]] == ref

    def _duplicate(self, ref: tuple[str, int], entry: int, first_id: int, p: Prepared,
                   kept_rows: list[int], similarity: float, kind: str) -> Duplicate:
        if entry < first_id:
            of_doc = self._doc_names[int(self._doc.view()[entry])]
            of_position = int(self._position.view()[entry])
        else:
            of_doc, of_position = p.keys[kept_rows[entry - first_id]]
        return Duplicate(ref[0], ref[1], of_doc, of_position, similarity, kind)

    def _keep(self, p: Prepared, rows: list[int]) -> None:
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


def _shared_band_keys(band_keys: U32) -> list[list[int]]:
    """Per row, its band keys that another row of the batch also has, as ``band << 32 | key``.

    Only those can make two paragraphs of one batch candidates, so only those go
    through the batch's dict: a Python dict operation for each of 40 bands of every
    paragraph was most of the time of checking pre-hashed columns.
    """
    n, bands = band_keys.shape
    flat = pair_keys(np.arange(bands, dtype=np.uint64), band_keys).ravel()
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
