"""Incremental runs: files whose content has not changed since the last run are skipped.

Each committed version records every input file it read with a hash of its bytes
(`_textclean/versions/<run_id>/inputs/`). The next run over the same output hashes the
files it finds (content, not path or mtime: a touched or copied file is still unchanged)
and cleans only new and changed ones; the rows of unchanged files are carried into the
new version as they were, with their original `run_id` and `processed_at`. Rows of
files no longer in the input are not carried: the output is a snapshot of the input.
`--full` cleans everything again.

Known limit: a carried paragraph that was flagged as a copy of a paragraph in a file
that has since changed keeps pointing at the old position; `--full` recomputes all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows import staging, storage, warc
from flows.atomic import atomically
from flows.finalize import BatchStats, count_rows
from flows.inputs import InputFile, content_hash
from flows.settings import Settings
from flows.staging import INPUTS, INPUTS_SCHEMA

CARRIED = "part-carried.parquet"
FINGERPRINT = b"textclean.settings.fingerprint"


def hash_files(files: Iterable[InputFile]) -> dict[str, str]:
    """Content hashes by source; a file that cannot be read gets none (it is cleaned,
    and reading it again reports why it failed)."""
    hashes = {}
    for file in files:
        try:
            hashes[file.source] = content_hash(file.path)
        except OSError:
            continue
    return hashes


def staged_hashes(stage: Path, batches: int) -> dict[str, str]:
    """The content hashes the batches recorded while reading their files."""
    hashes: dict[str, str] = {}
    for batch_no in range(batches):
        table = staging.read(stage, batch_no, INPUTS, ["source", "content_hash"])
        if table.num_rows:
            hashes.update(zip(table["source"].to_pylist(), table["content_hash"].to_pylist(),
                              strict=True))
    return hashes


def settings_fingerprint(settings: Settings, dedup: bool = True) -> str:
    """What the rows depend on besides the input: the settings, whether duplicates were
    flagged, the dedup index's own fingerprint (it names the Unicode version too) and
    textclean's version. Rows made under another fingerprint are never carried: a file
    cleaned by a `--no-dedup` run is cleaned again, and indexed, by the next dedup run."""
    # JSON with sorted sets: a frozenset's repr changes order between processes.
    key = json.dumps([version("textclean"), asdict(settings), dedup,
                      settings.dedup.fingerprint], sort_keys=True, default=_plain)
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _plain(value: object) -> object:
    return sorted(value) if isinstance(value, frozenset) else str(value)


def previous_hashes(version_dir: Path | None, fingerprint: str) -> dict[str, str]:
    """The content hashes recorded by a committed version made with the same settings
    (empty before the first run, or when the settings changed)."""
    if version_dir is None:
        return {}
    table = storage.read_table(version_dir / INPUTS)
    recorded = (table.schema.metadata or {}).get(FINGERPRINT)
    if table.num_rows == 0 or recorded != fingerprint.encode():
        return {}
    return dict(zip(table["source"].to_pylist(), table["content_hash"].to_pylist(), strict=True))


def save_hashes(version_dir: Path, files: Iterable[InputFile], hashes: dict[str, str],
                fingerprint: str) -> None:
    """Record the content hash of every input file of the new version."""
    rows = [{"source": f.source, "content_hash": hashes[f.source], "bytes": f.size}
            for f in files if f.source in hashes]
    schema = INPUTS_SCHEMA.with_metadata({FINGERPRINT: fingerprint.encode()})
    storage.write_part(version_dir / INPUTS, "part.parquet", rows, schema)


def carry(previous: Path, version: Path, sources: Collection[str],
          partition_by: str = "") -> BatchStats:
    """Copy the previous version's rows of `sources` into `version`; return their counts.

    Read and written a slice at a time: the carried part file of an output run nightly
    holds most of its history, text included, which must never be in memory at once.
    """
    if not sources:
        return BatchStats()
    wanted = pa.array(sorted(sources), pa.string())
    stats = BatchStats()
    doc_ids: list[str] = []
    for table in _carried(previous, version, "documents", "source", wanted, partition_by):
        doc_ids += table["doc_id"].to_pylist()
        stats.add(count_rows(table.select(_COUNTED), [], [], []))
    for table in _carried(previous, version, "paragraphs", "doc_id",
                          pa.array(doc_ids, pa.string()), partition_by):
        stats.add(count_rows([], table.select(["duplicate_kind"]), [], []))
    for table in _carried(previous, version, "removed", "source", wanted):
        stats.add(count_rows([], [], table.select(["reason"]), []))
    for table in _carried(previous, version, "rejected", "source", wanted):
        stats.add(count_rows([], [], [], table.select(["reason"])))
    return stats


# The documents columns the run statistics are counted from (`count_rows`).
_COUNTED = ["chars_in", "chars_out", "n_paragraphs", "language", "encoding", "repaired"]
# Rows read, filtered and written at a time.
SLICE_ROWS = 50_000


def _carried(previous: Path, version: Path, name: str, column: str,
             values: pa.Array, partition_by: str = "") -> Iterator[pa.Table]:
    """Write the rows of table `name` of `previous` whose `column` is in `values` into
    one part of `version` (atomically; one per hive folder when `partition_by` is set),
    yielding them slice by slice as written. A WARC record's source `file#offset` is
    matched by its file."""
    schema = storage.SCHEMAS[name]
    folder = version / name
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[Path, pq.ParquetWriter] = {}
    # One part per target folder, renamed into place (`atomically`) once the writers are
    # closed: the stack's exits run after the `finally` below.
    with contextlib.ExitStack() as renames:

        def write(target: Path, table: pa.Table) -> None:
            if target not in writers:
                partial = renames.enter_context(atomically(target / CARRIED))
                writers[target] = pq.ParquetWriter(partial, schema, compression="zstd")
            writers[target].write_table(table)

        try:
            for part in storage.table_parts(previous / name):
                for rows in pq.ParquetFile(part).iter_batches(batch_size=SLICE_ROWS):
                    table = pa.Table.from_batches([rows]).cast(schema)
                    keys = (warc.input_files(table[column]) if column == "source"
                            else table[column])
                    table = table.filter(pc.is_in(keys, value_set=values))
                    if not table.num_rows:
                        continue
                    if partition_by:
                        for value in pc.unique(table[partition_by]).to_pylist():
                            write(folder / f"{partition_by}={value}",
                                  table.filter(pc.equal(table[partition_by], value)))
                    else:
                        write(folder, table)
                    yield table
            if not writers:
                write(folder, schema.empty_table())
        finally:
            for writer in writers.values():
                writer.close()
