"""How paragraphs are compared: the one config of dedup, every number measured."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Bumped whenever tokenization, hashing or banding changes, so that an index written by
# an older version is not compared with new keys (see DedupConfig.fingerprint).
_INDEX_VERSION = 1


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
