"""The persistent dedup index beside the output, partitioned by band.

Each version folder holds the index of every paragraph kept by this and earlier runs
over the same output (see docs/schema.md, "dedup index"):

    OUT/_textclean/versions/<run_id>/dedup_index/
        entries/part-NNNNN.parquet          doc_id, position, exact_key, shingles
        bands/band=BB/part-NNNNN.parquet    band_key (row i: band BB of entries row i)

Part NNNNN of a band holds that band's key for each row of entries part NNNNN, in the
same row order, so one band (or a few) can be read alone: a worker probing bands 0-19
never reads the others, and DuckDB or Spark read `bands/` as a hive-partitioned table.
Parts are in index order (earlier runs' first), never modified once written: a new
version hard-links the parts it keeps, rewrites only those holding documents processed
again (their entries are re-derived from the new text), and adds its own after them.

Each entries file's schema metadata holds `DedupConfig.fingerprint`: an index written
under another tokenization or banding is not comparable and is not used (the run logs
a warning and starts a new one; since the fingerprint is part of the settings that
incremental runs compare, every file is then cleaned again). `flows.reindex` makes the
index again from the `paragraphs` table (`textclean reindex`). The layout of earlier
textclean versions (one `dedup_index/part-*.parquet` with a list column of band keys)
is read and rewritten in this one by the next run.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dedup import DedupConfig, IndexColumns
from flows import storage
from flows.atomic import write_atomically

FOLDER = "dedup_index"
ENTRIES = "entries"
BANDS = "bands"
FINGERPRINT = b"textclean.dedup.fingerprint"
# Rows per part when a part is rewritten or an old layout converted: one part is what
# a probe holds in memory at a time (~0.6 kB per entry with all bands).
PART_ROWS = 100_000


def entries_schema(config: DedupConfig) -> pa.Schema:
    """The schema of `entries/part-*.parquet`, with the config's fingerprint."""
    return pa.schema([
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("exact_key", pa.uint64(), nullable=False),
        pa.field("shingles", pa.list_(pa.uint32()), nullable=False),
    ], metadata={FINGERPRINT: config.fingerprint.encode()})


BAND_SCHEMA = pa.schema([pa.field("band_key", pa.uint32(), nullable=False)])


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a stored index: its number and the version folder holding it."""

    version: Path
    number: int

    @property
    def name(self) -> str:
        return f"part-{self.number:05d}.parquet"

    @property
    def entries(self) -> Path:
        return self.version / FOLDER / ENTRIES / self.name

    def band(self, band: int) -> Path:
        return self.version / FOLDER / BANDS / f"band={band:02d}" / self.name

    def rows(self) -> int:
        return int(pq.ParquetFile(self.entries).metadata.num_rows)


def parts(version: Path, config: DedupConfig) -> list[Part] | None:
    """The parts of the index stored with `version`, in index order; None when there is
    no index in this layout or it was written under another fingerprint."""
    folder = version / FOLDER / ENTRIES
    # By number, not name: part-100000 comes after part-99999.
    found = sorted(folder.glob("part-*.parquet") if folder.is_dir() else [],
                   key=lambda path: int(path.stem.removeprefix("part-")))
    if not found:
        return None
    if not all(_fingerprinted(path, config) for path in found):
        return None
    return [Part(version, int(path.stem.removeprefix("part-"))) for path in found]


def _fingerprinted(path: Path, config: DedupConfig) -> bool:
    """Whether the Parquet file at `path` was written under `config`'s fingerprint."""
    return (pq.read_schema(path).metadata or {}).get(FINGERPRINT) == config.fingerprint.encode()


def read_part(part: Part, config: DedupConfig, bands: Sequence[int] | None = None
              ) -> IndexColumns:
    """One part as columns; `band_keys` holds the listed bands only (default: all)."""
    chosen = list(range(config.bands)) if bands is None else list(bands)
    # `ParquetFile`, not `pq.read_table`: 41 small files a part, each read in half the time.
    table = pq.ParquetFile(part.entries).read()
    keys = np.empty((table.num_rows, len(chosen)), np.uint32)
    for column, band in enumerate(chosen):
        keys[:, column] = pq.ParquetFile(part.band(band)).read()["band_key"].to_numpy()
    return index_columns(table, keys)


def write_part(version: Path, number: int, table: pa.Table, config: DedupConfig,
               band_keys: np.ndarray | None = None) -> int:
    """Write `table` (staged signatures, `flows.staging`) as part `number` of the index of
    `version`: its entries file and one file per band. Returns the rows written.

    `band_keys` (one row per table row) stands for the table's `band_keys` column.
    """
    if not table.num_rows:
        return 0
    part = Part(version, number)
    if band_keys is None:
        band_keys = table["band_keys"].combine_chunks().flatten().to_numpy().reshape(
            table.num_rows, config.bands)
    for band in range(config.bands):
        _write(part.band(band), pa.table({"band_key": pa.array(band_keys[:, band])},
                                         schema=BAND_SCHEMA))
    entries = entries_schema(config)
    # The entries file last: a part counts once its entries exist, so a part cut short
    # by a crash (bands without entries) is never read.
    _write(part.entries, table.select(entries.names).cast(entries))
    return int(table.num_rows)


def _write(path: Path, table: pa.Table) -> None:
    # Hashes never repeat enough for a dictionary: trying one made writes 2.3x slower.
    dictionary = [name for name in ("doc_id",) if name in table.column_names]
    write_atomically(path, lambda partial: pq.write_table(
        table, partial, compression="zstd", use_dictionary=dictionary))


def carry_forward(previous: Path, version: Path, config: DedupConfig,
                  exclude: Collection[str] = ()) -> list[Part]:
    """Make the previous version's index the start of `version`'s, without the entries
    of the documents in `exclude`; returns `version`'s parts (empty if none usable).

    Parts without such documents are hard-linked (a version never modifies a part);
    the others are rewritten without them. An index in the earlier layout is converted.
    Whatever an earlier attempt of the same run left in `version` is replaced.
    """
    shutil.rmtree(version / FOLDER, ignore_errors=True)
    old = parts(previous, config)
    if old is None:
        return _convert_legacy(previous, version, config, exclude)
    excluded = pa.array(sorted(exclude), pa.string()) if exclude else None
    result = []
    for part in old:
        target = Part(version, part.number)
        if excluded is not None:
            doc_ids = pq.read_table(part.entries, columns=["doc_id"])["doc_id"]
            drop = pc.is_in(doc_ids, value_set=excluded)
            if pc.any(drop).as_py():
                keep = np.flatnonzero(~drop.to_numpy(zero_copy_only=False))
                if len(keep):
                    _rewrite(part, target, keep, config)
                    result.append(target)
                continue
        for band in range(config.bands):
            storage.link(part.band(band), target.band(band))
        storage.link(part.entries, target.entries)
        result.append(target)
    return _compact(result, config)


def _compact(carried: list[Part], config: DedupConfig) -> list[Part]:
    """Merge runs of consecutive small parts (under a quarter of `PART_ROWS` rows each,
    at most `PART_ROWS` together) into the first of them. Every run adds parts, and a
    nightly incremental run adds a small one: without this, the files a run opens and
    links would grow with the number of runs, not with the size of the index. Index
    order is kept, so no decision changes."""
    result: list[Part] = []
    pending: list[tuple[Part, int]] = []

    def flush() -> None:
        if len(pending) > 1:
            first = pending[0][0]
            for band in range(config.bands):
                _write(first.band(band), pa.concat_tables(
                    [pq.read_table(part.band(band)) for part, _ in pending]))
            entries = pa.concat_tables([pq.read_table(part.entries) for part, _ in pending])
            _write(first.entries, entries)
            for part, _ in pending[1:]:
                part.entries.unlink()
                for band in range(config.bands):
                    part.band(band).unlink()
        if pending:
            result.append(pending[0][0])
        pending.clear()

    for part in carried:
        rows = part.rows()
        if rows >= PART_ROWS // 4:
            flush()
            result.append(part)
            continue
        if sum(n for _, n in pending) + rows > PART_ROWS:
            flush()
        pending.append((part, rows))
    flush()
    return result


def _rewrite(part: Part, target: Part, keep: np.ndarray, config: DedupConfig) -> None:
    rows = pa.array(keep)
    for band in range(config.bands):
        _write(target.band(band), pq.read_table(part.band(band)).take(rows))
    _write(target.entries, pq.read_table(part.entries).take(rows))


def _convert_legacy(previous: Path, version: Path, config: DedupConfig,
                    exclude: Collection[str]) -> list[Part]:
    # textclean 0.1's layout: dedup_index/part-*.parquet in the staged signatures' schema.
    folder = previous / FOLDER
    legacy = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    if not legacy or not all(_fingerprinted(path, config) for path in legacy):
        return []
    table = pa.concat_tables([pq.read_table(path) for path in legacy])
    if exclude:
        table = table.filter(pc.invert(pc.is_in(table["doc_id"],
                                                value_set=pa.array(sorted(exclude)))))
    result = []
    for number, start in enumerate(range(0, table.num_rows, PART_ROWS)):
        write_part(version, number, table.slice(start, PART_ROWS), config)
        result.append(Part(version, number))
    return result


def carry(previous: Path, version: Path) -> None:
    """Carry the previous version's index forward unchanged, whatever its layout or
    fingerprint (a run without dedup: it neither uses the index nor changes it)."""
    shutil.rmtree(version / FOLDER, ignore_errors=True)
    storage.link_tree(previous / FOLDER, version / FOLDER)


def usable(previous: Path, config: DedupConfig) -> bool:
    """Whether `previous` holds an index that a run with `config` can use (or none)."""
    if not (previous / FOLDER).is_dir() or not any((previous / FOLDER).iterdir()):
        return True
    if parts(previous, config) is not None:
        return True
    legacy = sorted((previous / FOLDER).glob("part-*.parquet"))
    return bool(legacy) and all(_fingerprinted(path, config) for path in legacy)


def iter_parts(version: Path, config: DedupConfig) -> Iterator[IndexColumns]:
    """Every part of `version`'s index as columns, in index order (nothing if none)."""
    for part in parts(version, config) or ():
        yield read_part(part, config)


def index_columns(table: pa.Table, band_keys: np.ndarray) -> IndexColumns:
    """Index columns from a table with doc_id, position, exact_key and shingles, and the
    band keys as an array of one row per table row."""
    shingles = table["shingles"].combine_chunks()
    return IndexColumns(
        doc_id=tuple(table["doc_id"].to_pylist()),
        position=table["position"].to_numpy().astype(np.int64),
        exact_key=table["exact_key"].to_numpy().astype(np.uint64),
        band_keys=band_keys,
        shingle_offsets=(shingles.offsets.to_numpy() - shingles.offsets[0].as_py())
        .astype(np.int64),
        shingles=shingles.flatten().to_numpy().astype(np.uint32),
    )
