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

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from flows import storage
from flows.batch import INPUTS, INPUTS_SCHEMA, BatchStats, count_rows
from flows.inputs import InputFile, content_hash
from flows.settings import Settings

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


def staged_hashes(staging: Path, batches: int) -> dict[str, str]:
    """The content hashes the batches recorded while reading their files."""
    hashes: dict[str, str] = {}
    for batch_no in range(batches):
        table = storage.read_table(staging / f"batch-{batch_no:05d}" / INPUTS,
                                   ["source", "content_hash"])
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


def carry(previous: Path, version: Path, sources: Collection[str]) -> BatchStats:
    """Copy the previous version's rows of `sources` into `version`; return their counts."""
    if not sources:
        return BatchStats()
    wanted = pa.array(sorted(sources), pa.string())
    documents = _select(previous, "documents", "source", wanted)
    tables = {
        "documents": documents,
        "paragraphs": _select(previous, "paragraphs", "doc_id", documents["doc_id"]),
        "removed": _select(previous, "removed", "source", wanted),
        "rejected": _select(previous, "rejected", "source", wanted),
    }
    for name, table in tables.items():
        storage.write_part(version / name, CARRIED, table, storage.SCHEMAS[name])
    rows = {name: table.to_pylist() for name, table in tables.items()}
    return count_rows(rows["documents"], rows["paragraphs"], rows["removed"], rows["rejected"])


def _select(version: Path, name: str, column: str, values: pa.Array | pa.ChunkedArray) -> pa.Table:
    table = storage.read_table(version / name)
    if table.num_rows == 0:
        return storage.SCHEMAS[name].empty_table()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return table.filter(pc.is_in(table[column], value_set=values))
