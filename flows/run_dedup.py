"""Duplicate paragraphs over a whole run, and against every earlier run into the output.

The one-process path of the cross-document step's second half: `flows.decide` runs
`flows.decide_tasks` (the same decisions in tasks over partitions) and calls this one
only with `tasks=0`, the reference the split is checked against (tests/test_decide.py,
bench/check_decide_identity.py); `flows.reindex` uses its canonical order to rebuild an
index. It goes:

- signatures are taken in the run's canonical order (`flows.staging.order_key`, then
  each document's paragraphs in order) through an external bucket sort: each batch's
  rows are split by document rank into buckets of at most `BUCKET_ROWS` rows on disk,
  and the buckets are read one after another, so only one bucket and the dedup index
  itself are in memory at once;
- the earlier runs' index is never loaded whole: it is carried into the new version
  (parts hard-linked), and each group of `PROBE_ROWS` signatures in canonical order is
  matched first against every part written before it, earlier runs' and this run's
  earlier groups' (`cleaners.dedup.EarlierCopies`: the earliest exact entry, else the
  earliest verified LSH candidate), then against its own kept rows in a `DedupIndex`;
- the group's kept rows become new parts of the index, read back (never held) by the
  next groups. Only one group is ever in memory, so memory is bounded whatever the size
  of the run or the history of the output; the price is that each group reads the parts
  before it once.

Which copy of a duplicate is kept is deterministic: the first met in canonical order,
and paragraphs already in the index from earlier runs before all of them, so
tomorrow's copy of today's paragraph is the duplicate.

A paragraph is named by `(doc_id, line)` in the decisions; the index and the output
name the kept copy by its output `position` (`output_position`).
"""

from __future__ import annotations

import bisect
import shutil
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dedup import DedupConfig, DedupIndex, Duplicate, EarlierCopies
from flows import dedup_store, staging, storage
from flows.staging import DECISIONS_SCHEMA, SIGNATURES, Documents

# Signature rows per bucket of the external sort: ~0.45 kB each (160 bytes of band
# keys, ~70 shingles), tripled while a bucket is concatenated, sorted and converted.
# On the 100k benchmark corpus 50k rows took decide's peak RSS from 1.43 GB (250k) to
# 1.07 GB for 7% more time (bench/bench_decide.py); the index itself is ~0.8 kB per
# kept paragraph.
BUCKET_ROWS = 50_000
# Signature rows decided together: each group reads every index part written before it
# once, so groups are as large as memory allows (~0.9 kB a row while matched); this
# bounds the step's memory whatever the size of the run.
PROBE_ROWS = 250_000


@dataclass(slots=True)
class DedupStats:
    """What the run's dedup found, for the summary and artifacts."""

    duplicates: Counter[str] = field(default_factory=Counter)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    index_entries_before: int = 0
    index_entries_after: int = 0
    # The previous version's index was written under other [dedup] settings: not used.
    index_discarded: bool = False
    # Paragraphs checked against only their first `max_candidates` candidates (a
    # bound on adversarial input, see DedupConfig): counted in the manifest.
    capped: int = 0


def find_duplicates(stage: Path, batches: int, docs: Documents,
                    templates: Mapping[str, Sequence[int]], config: DedupConfig,
                    previous_version: str | None, version: str,
                    stats: DedupStats) -> list[pa.Table]:
    """The run's duplicate paragraphs as decision tables; writes the new version's index.

    `templates` holds each document's template lines (ascending), which are neither
    checked nor indexed.
    """
    target = Path(version)
    earlier: list[dedup_store.Part] = []
    if previous_version is not None:
        previous = Path(previous_version)
        stats.index_discarded = not dedup_store.usable(previous, config)
        earlier = dedup_store.carry_forward(previous, target, config,
                                            exclude=processed_again(previous, docs))
    stats.index_entries_before = sum(part.rows() for part in earlier)
    number = max((part.number for part in earlier), default=-1) + 1
    # Each group's decisions become an Arrow table (a few dozen bytes a row instead of a
    # dict's few hundred): at 200k documents they are ~390k rows.
    tables: list[pa.Table] = []
    rows: list[dict[str, Any]] = []
    clusters: Counter[tuple[str, int]] = Counter()

    for group in groups(sorted_buckets(stage, batches, docs, templates), PROBE_ROWS):
        # The line of each paragraph of the group: decisions name paragraphs by line.
        line_of: dict[tuple[str, int], int] = {}
        for bucket in group:
            line_of.update(zip(zip(bucket["doc_id"].to_pylist(),
                                   bucket["position"].to_pylist(), strict=True),
                               bucket["line"].to_pylist(), strict=True))

        def report(dup: Duplicate, line_of: dict[tuple[str, int], int] = line_of) -> None:
            if dup.of_doc_id == dup.doc_id and not config.drop_repeats_within_document:
                return  # a repeat inside one document stays in its text (DedupConfig)
            stats.duplicates[dup.kind] += 1
            clusters[(dup.of_doc_id, dup.of_position)] += 1
            rows.append({"doc_id": dup.doc_id, "line": line_of[(dup.doc_id, dup.position)],
                         "action": dup.kind, "rule": None, "of_doc_id": dup.of_doc_id,
                         "of_position": dup.of_position, "similarity": dup.similarity})

        if earlier:
            # Copies of earlier paragraphs first (earlier runs', then this run's earlier
            # groups'), the stored index read part by part; what they flag is never
            # kept, so the rest is checked against the group's own kept rows alone.
            table = pa.concat_tables(group)
            columns = staging.signature_columns(table, config)
            copies = EarlierCopies(columns, config)
            for part in earlier:
                copies.add_part(dedup_store.read_part(part, config))
            for dup in copies.found():
                report(dup)
            stats.capped += copies.capped
            rest = table.take(pa.array(copies.unmatched()))
            del group, table, columns, copies
            # Back to bucket-sized slices: each becomes one index part, and a later
            # group reads a part at a time.
            group = [rest.slice(start, BUCKET_ROWS)
                     for start in range(0, rest.num_rows, BUCKET_ROWS)]
        index = DedupIndex(config)
        for bucket in group:
            columns = staging.signature_columns(bucket, config)
            before = len(index)
            found = index.check_and_add_columns(columns)
            for dup in found:
                report(dup)
            flagged = {(dup.doc_id, dup.position) for dup in found}
            # The bucket's rows not flagged are what the index kept: written as they
            # are, band keys included, instead of asking the index to recompute them.
            kept = bucket.filter(pa.array([
                key not in flagged
                for key in zip(columns.doc_id, columns.position.tolist(), strict=True)],
                pa.bool_()))
            if kept.num_rows != len(index) - before:
                raise RuntimeError(f"dedup index kept {len(index) - before} paragraphs of "
                                   f"a bucket, {kept.num_rows} were not flagged")
            if dedup_store.write_part(target, number, kept, config):
                # The part is read back by the next groups, never held: only one
                # group's kept paragraphs are ever in memory.
                earlier.append(dedup_store.Part(target, number))
                number += 1
            stats.index_entries_after += kept.num_rows
        stats.capped += index.capped
        del index
        tables.append(pa.Table.from_pylist(rows, schema=DECISIONS_SCHEMA))
        rows.clear()
    stats.index_entries_after += stats.index_entries_before
    biggest = sorted(clusters.items(), key=lambda item: (-item[1], item[0]))[:10]
    stats.clusters = [{"kept": f"{d}#{p}", "copies": copies} for (d, p), copies in biggest]
    return tables


def processed_again(previous: Path, docs: Documents) -> set[str]:
    """The earlier documents whose entries this run replaces: those of every file it
    read again. Their entries are re-derived from the new text; keeping the old ones
    would make a document a copy of its own past (a record of a JSON Lines file whose
    earlier records were removed gets another record's old id). Documents of files no
    longer in the input keep theirs: what was published stays checked against."""
    replaced = set(docs.rank)
    if docs.sources:
        table = storage.read_table(previous / "documents", ["doc_id", "source"])
        if table.num_rows:
            # Imported here: flows.warc imports the cleaning stack (warcio, the
            # pipeline), which a decide worker does not otherwise need (0.3 s a worker).
            from flows import warc

            # By input file: a WARC record's source is `file#offset`, and a changed
            # archive's records may sit at other offsets now.
            files = warc.input_files(pa.array(sorted(docs.sources), pa.string()))
            wanted = pc.is_in(warc.input_files(table["source"]), value_set=files)
            replaced.update(table.filter(wanted)["doc_id"].to_pylist())
    return replaced


def groups(buckets: Iterator[pa.Table], rows: int) -> Iterator[list[pa.Table]]:
    """Consecutive buckets gathered into groups of about `rows` rows."""
    group: list[pa.Table] = []
    size = 0
    for bucket in buckets:
        group.append(bucket)
        size += bucket.num_rows
        if size >= rows:
            yield group
            group, size = [], 0
    if group:
        yield group


def output_position(template_lines: Sequence[int] | None, line: int, position: int) -> int:
    """A staged paragraph's position in the output: its staged position less the
    template lines before it (lines and positions rise together in a document).

    >>> output_position([2, 5], line=7, position=4), output_position(None, 7, 4)
    (2, 4)
    """
    if not template_lines:
        return position
    return position - bisect.bisect_left(template_lines, line)


def sorted_buckets(stage: Path, batches: int, docs: Documents,
                   templates: Mapping[str, Sequence[int]]) -> Iterator[pa.Table]:
    """Every staged signature but template lines', in canonical order, bucket by bucket.

    Yields tables in the staged signatures' schema whose `position` is the output one.
    """
    counts = [staging.rows_in(stage, n, SIGNATURES) for n in range(batches)]
    total = sum(counts)
    if not total:
        return
    buckets = max(1, -(-total // BUCKET_ROWS))
    spill = stage / staging.BUCKETS
    ranks = len(docs)
    in_memory: list[list[pa.Table]] = [[] for _ in range(buckets)]
    for batch_no in range(batches):
        if not counts[batch_no]:
            continue
        table = staging.read(stage, batch_no, SIGNATURES)
        doc_ids = table["doc_id"].to_pylist()
        rank = np.fromiter((docs.rank[d] for d in doc_ids), np.int64, len(doc_ids))
        if templates:
            lines = table["line"].to_pylist()
            keep = np.fromiter((line not in templates.get(d, ()) for d, line in
                                zip(doc_ids, lines, strict=True)), bool, len(doc_ids))
            positions = [output_position(templates.get(d), line, p) for d, line, p in
                         zip(doc_ids, lines, table["position"].to_pylist(), strict=True)]
            table = table.set_column(table.schema.get_field_index("position"), "position",
                                     pa.array(positions, pa.int64()))
            table, rank = table.filter(pa.array(keep)), rank[keep]
        table = table.append_column("rank", pa.array(rank))
        bucket_of = rank * buckets // ranks
        for b in np.unique(bucket_of).tolist():
            part = table.filter(pa.array(bucket_of == b))
            if buckets == 1:
                in_memory[b].append(part)
            else:
                folder = spill / f"bucket-{b:05d}"
                folder.mkdir(parents=True, exist_ok=True)
                # Uncompressed: written once, read once, deleted; speed over size. Only
                # doc_id repeats: dictionary-encoding the hashes made writing 3.7x slower.
                pq.write_table(part, folder / f"{batch_no:05d}.parquet",
                               compression="none", use_dictionary=["doc_id"])
    for b in range(buckets):
        folder = spill / f"bucket-{b:05d}"
        parts = in_memory[b] if buckets == 1 else (
            [pq.read_table(p) for p in sorted(folder.glob("*.parquet"))]
            if folder.is_dir() else [])
        in_memory[b] = []
        if not parts:
            continue
        table = pa.concat_tables(parts)
        order = pc.sort_indices(table, [("rank", "ascending"), ("position", "ascending")])
        yield table.take(order).drop_columns(["rank"])
        if folder.is_dir():
            shutil.rmtree(folder)
