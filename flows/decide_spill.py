"""The decide tasks' spill files (`flows.decide_tasks`): written as Arrow IPC files, read
(the sorted buckets) a record batch at a time, whole or at chosen rows, so a task holds
its own values and not a reader's buffers.

Arrow IPC, not Parquet: a spill file is written once, read a few times and deleted, by
the same program. Parquet's encoding and decoding were most of the spill, sort and
index phases' CPU (at 100k documents ~3 s of the decide tasks' ~16); an IPC file is
the columns' buffers as they are, mapped rather than read, so a column not asked for is
never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from cleaners.dedup.bounds import SKETCH_BUCKETS, sketches

_EMPTY = np.empty(0, np.int64)
# Rows of a record batch of a spill file, and so read at a time: a bucket's column is
# touched a slice at a time (Parquet, read whole, took ~110 MB for a 50k-row bucket's
# shingle column of 17 MB, in slices ~30 MB).
_READ_ROWS = 8192
SUFFIX = ".arrow"


# The sorted files' column of each row's shingle sketch (`cleaners.dedup.bounds.sketches`),
# 64 bytes as one fixed-size binary value: the verify tasks bound their pairs with it and
# read the shingles of the pairs it leaves only (at 100k documents 6% of the pairs, whose
# rows' shingles are a third of all).
SKETCH = "sketch"
SKETCH_TYPE = pa.binary(SKETCH_BUCKETS)


def with_sketches(table: pa.Table) -> pa.Table:
    """`table` (a bucket's rows) with its `SKETCH` column."""
    shingles = table["shingles"].combine_chunks()
    offsets = shingles.offsets.to_numpy().astype(np.int64)
    sketch = sketches(offsets - offsets[0], shingles.flatten().to_numpy())
    return table.append_column(SKETCH, pa.FixedSizeBinaryArray.from_buffers(
        SKETCH_TYPE, len(sketch), [None, pa.py_buffer(sketch.tobytes())]))


def sketches_at(folder: Path, offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The sketches of global rows `rows` (ascending), one row of `SKETCH_BUCKETS` each."""
    out = np.empty((len(rows), SKETCH_BUCKETS), np.uint8)
    for at, local, batch in slices(folder, offsets, rows, [SKETCH]):
        column = batch.column(0)
        values = np.frombuffer(column.buffers()[1], np.uint8)[
            column.offset * SKETCH_BUCKETS:(column.offset + len(column)) * SKETCH_BUCKETS]
        out[at] = values.reshape(-1, SKETCH_BUCKETS)[local]
    return out


def columns_at(folder: Path, offsets: np.ndarray, names: list[str], rows: np.ndarray
               ) -> pa.Table:
    """Columns `names` at global rows `rows` (ascending), slice by slice: the rows not
    asked for are never copied (a run's decision rows need a third of its rows)."""
    parts = [batch.take(pa.array(local)) for _, local, batch in slices(folder, offsets, rows,
                                                                      names)]
    if not parts:
        return pa.table({name: pa.array([], pa.int64()) for name in names})
    return pa.Table.from_batches(parts).combine_chunks()


def sorted_path(spill: Path, bucket: int) -> Path:
    return spill / f"sorted-{bucket:05d}{SUFFIX}"


def write(table: pa.Table, path: Path) -> None:
    """`table` as a spill file, uncompressed, `_READ_ROWS` rows a record batch."""
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=_READ_ROWS)


def batches(path: Path, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The rows of a spill file (its `columns`), a record batch at a time, mapped: what
    is not asked for is not read, and the values stay the file's pages (the mapping
    lives as long as a batch or a table made of them does)."""
    reader = ipc.open_file(pa.memory_map(str(path)))
    for i in range(reader.num_record_batches):
        batch = reader.get_batch(i)
        yield batch if columns is None else batch.select(columns)


def _schema(path: Path) -> pa.Schema:
    return ipc.open_file(pa.memory_map(str(path))).schema


def read(path: Path, columns: list[str] | None = None,
          keep: np.ndarray | None = None) -> pa.Table:
    """A spill file (its `columns`, its rows where `keep` is true), read in slices."""
    schema = _schema(path)
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    parts = []
    start = 0
    for batch in batches(path, columns):
        rows = batch.num_rows
        parts.append(batch if keep is None else batch.filter(pa.array(keep[start:start + rows])))
        start += rows
    return pa.Table.from_batches(parts, schema)


def values_at(folder: Path, offsets: np.ndarray, names: str | list[str], rows: np.ndarray,
               dtype: type) -> np.ndarray:
    """Column `names` (or one row per name of `names`, a list) at global rows `rows`
    (ascending), read slice by slice into one array of `dtype`."""
    many = isinstance(names, list)
    columns = names if isinstance(names, list) else [names]
    out: np.ndarray = np.empty((len(columns), len(rows)), dtype)
    for at, local, batch in slices(folder, offsets, rows, columns):
        for k in range(len(columns)):
            out[k, at] = batch.column(k).to_numpy()[local]
    return out if many else out[0]


def slices(folder: Path, offsets: np.ndarray, rows: np.ndarray, columns: list[str]
            ) -> Iterator[tuple[slice, np.ndarray, pa.RecordBatch]]:
    """Per slice of the spill holding some of global rows `rows` (ascending): where those
    are in `rows`, where in the slice, and the slice's `columns`."""
    bounds = np.searchsorted(rows, offsets)
    for b in range(len(offsets) - 1):
        if bounds[b] == bounds[b + 1]:
            continue
        first = int(offsets[b])
        for batch in batches(sorted_path(folder, b), columns):
            lo, hi = np.searchsorted(rows, [first, first + batch.num_rows])
            if hi > lo:
                yield slice(int(lo), int(hi)), rows[lo:hi] - first, batch
            first += batch.num_rows


def shingles_of(folder: Path, offsets: np.ndarray, rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The shingle sets of global rows `rows` (ascending), read slice by slice into one
    array sized beforehand (gathered in pieces and joined, they were held twice)."""
    lengths = values_at(folder, offsets, "size", rows, np.int64)
    set_offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    shingles = np.empty(int(set_offsets[-1]), np.uint32)
    for at, local, batch in slices(folder, offsets, rows, ["shingles"]):
        taken = batch.column(0).take(pa.array(local))
        shingles[set_offsets[at.start]:set_offsets[at.stop]] = taken.flatten().to_numpy()
    return set_offsets, shingles
