"""Earlier parts: which of a run's paragraphs copy an index read part by part."""

from __future__ import annotations

import numpy as np

from cleaners.dedup.bounds import bounded_pairs, sketches, sorted_sets, verify
from cleaners.dedup.config import DedupConfig
from cleaners.dedup.records import (
    EXACT_DUPLICATE,
    I64,
    NEAR_DUPLICATE,
    U32,
    Duplicate,
    IndexColumns,
)
from cleaners.dedup.tables import SortedTable, first_per_row


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

    >>> from cleaners.dedup import ParagraphRef, fingerprint_columns
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
        paragraphs.require_bands(config.bands)
        self.config = config
        self.paragraphs = paragraphs
        rows = np.arange(n, dtype=np.uint32)
        self._exact = SortedTable(1, np.uint64)
        self._exact.insert(np.asarray(paragraphs.exact_key, np.uint64)[:, None], rows)
        self._bands = SortedTable(config.bands, np.uint32)
        self._bands.insert(np.asarray(paragraphs.band_keys, np.uint32), rows)
        self._lengths = np.diff(paragraphs.shingle_offsets)
        self._sketch = sketches(paragraphs.shingle_offsets, paragraphs.shingles)
        #: Rows with more candidates in one part than `config.max_candidates`.
        self.capped = 0
        self._kind = np.zeros(n, np.int8)
        self._match: dict[int, tuple[str, int, float]] = {}
        self.entries_seen = 0

    def add_part(self, entries: IndexColumns) -> None:
        """Match the next part of the earlier index (parts in index order)."""
        entries.require_bands(self.config.bands)
        self.entries_seen += len(entries)
        if not len(entries) or not len(self.paragraphs):
            return
        offsets, shingles = sorted_sets(entries.shingle_offsets, entries.shingles)
        # Exact keys first: an exact copy in a later part beats a near one in an
        # earlier part, as `DedupIndex` checks exact keys before bands.
        exact_found, exact_of = self._exact.lookup(
            np.asarray(entries.exact_key, np.uint64)[:, None])
        exact_rows = set()
        for row, entry in first_per_row(exact_of, exact_found):
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
            similarity = verify(self.paragraphs.shingles[mine_offsets[row]:mine_offsets[row + 1]],
                                 shingles[offsets[entry]:offsets[entry + 1]], self.config)
            if similarity is not None:
                decided = row
                self._kind[row] = self._NEAR
                self._match[row] = (entries.doc_id[entry], int(entries.position[entry]),
                                    similarity)

    def _plausible(self, rows: I64, entries: I64, offsets: I64,
                   shingles: U32) -> tuple[I64, I64]:
        # The same necessary conditions as `DedupIndex._plausible`, sorted by (row, entry).
        return bounded_pairs(rows, entries, self._lengths, np.diff(offsets), self._sketch,
                              sketches(offsets, shingles), self.config)

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
