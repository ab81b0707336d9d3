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

* entries (`IndexColumns`): ``doc_id``, ``position``, ``exact_key`` (64 bits),
  ``band_keys`` (one uint32 per band) and ``shingles`` (sorted unique uint32 shingle
  hashes, all entries' in one array cut by offsets). The shingles are what lets a
  later run verify against this paragraph exactly. Storing the MinHash signature
  instead and estimating Jaccard and containment from it was measured on
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
  are datasketch's (``affine32`` scheme), computed for a whole batch at once, with the
  permutations drawn here as datasketch draws them (importing it costs 1 s of scipy).
* on disk (the caller's business): band keys are independent per band, so they can be
  written exploded as ``(band, band_key, doc_id, position)`` rows partitioned by
  ``band=i`` (or as one fixed-size list column); ``DedupConfig.fingerprint`` must be
  stored with them, since keys and shingles are only comparable under the same one.

One job per module:

* `cleaners.dedup.config`: `DedupConfig`, every threshold with the figure that chose it;
* `cleaners.dedup.records`: `ParagraphRef`, `Duplicate`, `IndexColumns`;
* `cleaners.dedup.text`: folding a paragraph to its words, exact keys;
* `cleaners.dedup.minhash`: shingles, MinHash signatures, band keys
  (`fingerprint_columns`);
* `cleaners.dedup.tables`: sorted key-to-id tables and growable columns;
* `cleaners.dedup.bounds`: the size and sketch bounds, and verification;
* `cleaners.dedup.index`: `DedupIndex`, the in-memory index of kept paragraphs;
* `cleaners.dedup.earlier`: `EarlierCopies`, an earlier index read part by part.

>>> index = DedupIndex(DedupConfig())
>>> text = "The minister said on Tuesday that the new rail line would open next spring."
>>> [dup] = index.check_and_add([ParagraphRef("a", 0, text), ParagraphRef("b", 3, text.upper())])
>>> dup.kind, dup.of_doc_id, dup.of_position, dup.similarity
('exact_duplicate', 'a', 0, 1.0)
"""

from cleaners.dedup.config import DedupConfig
from cleaners.dedup.earlier import EarlierCopies
from cleaners.dedup.index import DedupIndex
from cleaners.dedup.minhash import fingerprint_columns
from cleaners.dedup.records import (
    EXACT_DUPLICATE,
    NEAR_DUPLICATE,
    Duplicate,
    IndexColumns,
    ParagraphRef,
)
from cleaners.dedup.text import normalized_key, normalized_text

__all__ = [
    "EXACT_DUPLICATE",
    "NEAR_DUPLICATE",
    "DedupConfig",
    "DedupIndex",
    "Duplicate",
    "EarlierCopies",
    "IndexColumns",
    "ParagraphRef",
    "fingerprint_columns",
    "normalized_key",
    "normalized_text",
]
