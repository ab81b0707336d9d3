"""Rebuild a committed output's dedup index from its `paragraphs` table.

    textclean reindex OUT [--config FILE]

For an index that was lost, damaged, or written under other dedup settings (a changed
`[dedup]` section makes the stored index incomparable: the next run would start a new
one and flag nothing against earlier output). Every paragraph of `OUT/paragraphs` that
is not itself flagged as a duplicate is fingerprinted again, in the order the runs met
them (documents by `processed_at`, then in each run's canonical order), which is the
order of the index the runs wrote; the result is committed as a new version whose
tables are hard links to the current ones, so readers never see a half-built index.

What the index cannot regain from the Parquet: paragraphs of documents no longer in the
output (an input file removed since) are not in `paragraphs`, so later runs are no
longer checked against them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dedup import DedupConfig
from flows import dedup_store, staging, storage
from flows.run_dedup import sorted_buckets
from flows.settings import load_settings
from flows.staging import SIGNATURES, Documents, order_key

# Paragraphs fingerprinted together: bounds the text in memory at once.
SLICE_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class Reindexed:
    """What a rebuild read and wrote."""

    version: Path
    paragraphs: int
    entries: int
    parts: int
    seconds: float


def reindex(output: Path, config_file: str | Path | None = None) -> Reindexed:
    """Rebuild the dedup index of the output in `output` and commit it as a new version."""
    started = time.perf_counter()
    config = load_settings(config_file).dedup
    out = storage.OutputFolder(output)
    with out.lock():
        current = out.current
        if current is None:
            raise FileNotFoundError(f"{output} holds no committed textclean output")
        run_id = datetime.now(UTC).strftime("reindex-%Y%m%dT%H%M%S%f")
        stage, version = out.staging(run_id), out.version(run_id)
        storage.link_tree(current, version, skip=dedup_store.FOLDER)
        paragraphs, entries, parts = build_index(current, stage, version, config)
        out.commit(run_id)
    return Reindexed(version, paragraphs, entries, parts, time.perf_counter() - started)


def build_index(current: Path, stage: Path, version: Path,
                config: DedupConfig) -> tuple[int, int, int]:
    """Write into `version` the index of the tables of `current`; returns the paragraphs
    read, the entries written and the parts they fill."""
    documents = storage.read_rows(current / "documents",
                                  ["doc_id", "source", "record", "published", "processed_at"])
    documents.sort(key=lambda d: (d["processed_at"], order_key(d)))
    docs = Documents.ranked(pa.table({
        "doc_id": pa.array([d["doc_id"] for d in documents], pa.string()),
        "source": pa.array([d["source"] for d in documents], pa.string()),
        "url": pa.nulls(len(documents), pa.string())}))
    read = batches = 0
    # The table is staged slice by slice as batches of signatures (one slice's text in
    # memory at a time: incremental runs carry all earlier rows into one part file, which
    # holds most of the output's history), then taken in index order as decide takes them.
    for part in storage.table_parts(current / "paragraphs"):
        for rows in pq.ParquetFile(part).iter_batches(
                batch_size=SLICE_ROWS, columns=["doc_id", "position", "line", "text",
                                                "duplicate_of_doc_id"]):
            read += rows.num_rows
            table = pa.Table.from_batches([rows])
            table = table.filter(pc.is_null(table["duplicate_of_doc_id"]))
            paragraphs = table.select(["doc_id", "position", "line", "text"]).to_pylist()
            staging.write(stage, batches, SIGNATURES,
                          staging.signatures_table(paragraphs, config),
                          staging.signatures_schema(config))
            batches += 1
    entries = number = 0
    for bucket in sorted_buckets(stage, batches, docs, {}):
        entries += dedup_store.write_part(version, number, bucket, config)
        number += 1
    return read, entries, number

