"""The persistent dedup index beside the output: Parquet files in each version folder.

`OUT/_textclean/versions/<run_id>/dedup_index/part-*.parquet`, one row per kept
paragraph of this and every earlier run (see docs/schema.md, "dedup index"):

    doc_id string, position int64, exact_key uint64,
    band_keys fixed_size_list<uint32>[bands], shingles list<uint32>

The file's schema metadata holds `DedupConfig.fingerprint`: an index written under
another tokenization or banding is not comparable and is ignored (the next run starts a
new one and says so). The index can be rebuilt from the `paragraphs` table by running
the same paragraphs through `DedupIndex.check_and_add` (`textclean reindex`, planned).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dedup import DedupConfig, IndexColumns

FOLDER = "dedup_index"
FINGERPRINT = b"textclean.dedup.fingerprint"


def schema(config: DedupConfig) -> pa.Schema:
    """The index's schema, with the config's fingerprint in its metadata."""
    return pa.schema([
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("exact_key", pa.uint64(), nullable=False),
        pa.field("band_keys", pa.list_(pa.uint32(), config.bands), nullable=False),
        pa.field("shingles", pa.list_(pa.uint32()), nullable=False),
    ], metadata={FINGERPRINT: config.fingerprint.encode()})


def load(version: Path, config: DedupConfig, exclude: Collection[str]) -> pa.Table | None:
    """The index stored with `version`, without the documents in `exclude` (they are
    processed again in this run); None when there is none or it is not comparable."""
    folder = version / FOLDER
    parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    tables = []
    for part in parts:
        table = pq.read_table(part)
        if (table.schema.metadata or {}).get(FINGERPRINT) != config.fingerprint.encode():
            return None
        tables.append(table)
    if not tables:
        return None
    table = pa.concat_tables(tables)
    if exclude:
        table = table.filter(pc.invert(pc.is_in(table["doc_id"],
                                                value_set=pa.array(list(exclude)))))
    return table


def to_columns(table: pa.Table, config: DedupConfig) -> IndexColumns:
    """Index rows as the columns `DedupIndex.add_columns` takes."""
    shingles = table["shingles"].combine_chunks()
    band_keys = table["band_keys"].combine_chunks()
    return IndexColumns(
        doc_id=tuple(table["doc_id"].to_pylist()),
        position=table["position"].to_numpy().astype(np.int64),
        exact_key=table["exact_key"].to_numpy().astype(np.uint64),
        band_keys=band_keys.flatten().to_numpy().astype(np.uint32)
        .reshape(len(table), config.bands),
        shingle_offsets=(shingles.offsets.to_numpy() - shingles.offsets[0].as_py())
        .astype(np.int64),
        shingles=shingles.flatten().to_numpy().astype(np.uint32),
    )


def from_columns(columns: IndexColumns, config: DedupConfig) -> pa.Table:
    """New index rows from `DedupIndex.new_columns`."""
    offsets = pa.array(columns.shingle_offsets.astype(np.int32))
    return pa.table({
        "doc_id": pa.array(columns.doc_id, pa.string()),
        "position": pa.array(columns.position.astype(np.int64)),
        "exact_key": pa.array(columns.exact_key.astype(np.uint64)),
        "band_keys": pa.FixedSizeListArray.from_arrays(
            pa.array(columns.band_keys.reshape(-1).astype(np.uint32)), config.bands),
        "shingles": pa.ListArray.from_arrays(offsets, pa.array(columns.shingles)),
    }, schema=schema(config))


def write_part(version: Path, number: int, table: pa.Table, config: DedupConfig) -> None:
    """Write part `number` of the index of `version` (nothing if `table` is empty)."""
    if not table.num_rows:
        return
    folder = version / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".part-{number:05d}.parquet.partial"
    pq.write_table(table.select(schema(config).names).cast(schema(config)), partial,
                   compression="zstd")
    os.replace(partial, folder / f"part-{number:05d}.parquet")


def carry(previous: Path, version: Path) -> None:
    """Carry the previous version's index forward unchanged (a run without dedup)."""
    source = previous / FOLDER
    if not source.is_dir():
        return
    target = version / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for part in source.glob("*.parquet"):
        try:
            os.link(part, target / part.name)  # versions never modify a part: share it
        except OSError:
            shutil.copy2(part, target / part.name)
