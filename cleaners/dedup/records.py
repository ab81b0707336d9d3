"""What dedup takes and gives: paragraphs to check, duplicates found, index columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# The array types of the columns below and of the modules that build them.
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# The removal reasons of `Duplicate.kind`.
EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"


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


@dataclass(frozen=True, slots=True, eq=False)
class IndexColumns:
    """Kept paragraphs as stored between runs, column by column: enough to find and
    verify each one again.

    `exact_key` holds each paragraph's 64-bit exact key (`normalized_key` shows it as 16
    hex digits); `band_keys` one uint32 per band (``(rows, bands)``); row ``i``'s
    shingles, its sorted unique uint32 shingle hashes, are
    ``shingles[shingle_offsets[i]:shingle_offsets[i + 1]]``.
    """

    doc_id: tuple[str, ...]
    position: I64
    exact_key: U64
    band_keys: U32
    shingle_offsets: I64
    shingles: U32

    def __len__(self) -> int:
        return len(self.doc_id)

    def require_bands(self, bands: int) -> None:
        """Refuse columns that do not hold `bands` band keys per row (another banding).

        >>> IndexColumns(("a",), np.zeros(1, np.int64), np.zeros(1, np.uint64),
        ...              np.zeros((1, 20), np.uint32), np.array([0, 1]),
        ...              np.zeros(1, np.uint32)).require_bands(40)
        Traceback (most recent call last):
        ...
        ValueError: band_keys has shape (1, 20), want (1, 40)
        """
        if self.band_keys.shape != (len(self), bands):
            raise ValueError(f"band_keys has shape {self.band_keys.shape}, "
                             f"want ({len(self)}, {bands})")

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
