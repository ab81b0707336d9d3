"""Parquet schemas, part files, and the atomic commit of a run's output.

Layout of an output folder (docs/schema.md explains every column):

    OUT/documents     -> _textclean/versions/<run_id>/documents   (one link per table,
    OUT/paragraphs    -> _textclean/versions/<run_id>/paragraphs    each replaced by one
    OUT/removed       -> _textclean/versions/<run_id>/removed       rename at commit)
    OUT/rejected      -> _textclean/versions/<run_id>/rejected
    OUT/manifest.json -> _textclean/versions/<run_id>/manifest.json
    OUT/_textclean/current -> versions/<run_id>            (the commit point, swapped first)
    OUT/_textclean/versions/<run_id>/{documents,...,dedup_index,inputs,manifest.json}
    OUT/_textclean/staging/<run_id>/                       (work in progress, never read)
    OUT/_textclean/lock                                    (one run at a time)

A run writes everything into its own version folder, which is never changed once
committed. Committing swaps `current`, then each table's link, each with a single
`rename`. A table path therefore always resolves to one complete, immutable folder: a
reader that resolves it once (opens the folder, or its `realpath`) reads one version
while later runs commit. Part files carry their version's tag in their name
(`part-00000-<tag>.parquet`), so a reader that listed the files of one version through
the link and opens them after a commit gets FileNotFoundError, never another version's
file under the same name, and never a mix; a name always means the same bytes, so a
reader that opens a file twice (footer, then data) never reads a torn file.
docs/schema.md ("Reading while runs commit") has the measured contract per reader (hive
partitions included), and why one file per table under a stable name was rejected. A
run killed before the swap leaves the previous output as it was.

Committed versions are pruned by their manifests, never by file times: each manifest
names the version that was current before it (`previous_version`), and the newest
`keep` versions of that chain are kept, however recent a killed run's leftovers are.
A run that starts removes what killed or failed runs left (staging, uncommitted
versions), so a full disk does not outlast the run that filled it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from flows.atomic import write_atomically, write_text_atomically

TABLES = ("documents", "paragraphs", "removed", "rejected")
# The version tag at the end of a committed part file's name (`_tag_parts`).
_TAG = re.compile("-[0-9a-f]{8}$")
HOME = "_textclean"
# Threads that sync a committed version's files at once (`_fsync_tree`).
_SYNC_THREADS = 16


def _field(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": doc})


DOCUMENTS = pa.schema([
    _field("doc_id", pa.string(), "stable id: a hash of the input file and the record's own id, else its URL (.jsonl), its WARC-Record-ID (.warc), else its line; same input, same id", False),
    _field("source", pa.string(), "input file path relative to INPUT, '/'-separated; for a WARC record 'file#offset', the record's byte offset in the file", False),
    _field("record", pa.int32(), "1-based line of the record in a .jsonl file, 1-based record number in a .warc file; null otherwise"),
    _field("kind", pa.string(), "'text' or 'html': how the document was read (a WARC record by its Content-Type)", False),
    _field("url", pa.string(), "from the JSON Lines record, the WARC-Target-URI, or the page's metadata"),
    _field("title", pa.string(), "from the record or the page's metadata (HTML)"),
    _field("sitename", pa.string(), "site name found by trafilatura (HTML)"),
    _field("published", pa.timestamp("us", tz="UTC"), "publication instant in UTC: the first that reads as a date of the record's own date (the [jsonl] date field), the page's metadata date (HTML, trafilatura) and, last, a WARC record's capture date (WARC-Date); read by cleaners/dates.py (ISO 8601, epoch seconds or ms, RFC 2822, day-first numeric, English month names; no zone means UTC); null when none reads"),
    _field("published_raw", pa.string(), "the date string `published` was read from, as given; the first one given when none reads as a date"),
    _field("text", pa.string(), "clean text: kept, non-duplicate paragraphs joined by '\\n'", False),
    _field("language", pa.string(), "ISO 639-1 code of the document, or 'und'", False),
    _field("language_score", pa.float32(), "detector probability of its best guess "
              "(under 0.5 when und; 0 for too little text)", False),
    _field("language_hint", pa.string(), "the language the input declared (the [jsonl] language field), as given; null otherwise"),
    _field("n_paragraphs", pa.int32(), "paragraphs in `text`", False),
    _field("n_removed_lines", pa.int32(), "lines stripped as boilerplate (rows in `removed`)", False),
    _field("n_duplicate_paragraphs", pa.int32(), "paragraphs left out of `text` as duplicates", False),
    _field("chars_in", pa.int64(), "characters of the decoded input (before extraction)", False),
    _field("chars_out", pa.int64(), "characters of `text`", False),
    _field("encoding", pa.string(), "codec the bytes were decoded with", False),
    _field("repaired", pa.bool_(), "ftfy repaired mojibake or escapes in the text", False),
    _field("metadata", pa.string(), "a JSON Lines record's fields that no [jsonl] path took, as a JSON object (text); a WARC record's headers; null when none"),
    _field("run_id", pa.string(), "Prefect flow run id that wrote the row", False),
    _field("processed_at", pa.timestamp("us", tz="UTC"), "when the run processed the row", False),
])

PARAGRAPHS = pa.schema([
    _field("doc_id", pa.string(), "document the paragraph belongs to", False),
    _field("position", pa.int32(), "0-based position among the document's kept paragraphs", False),
    _field("line", pa.int32(), "1-based line number in the normalized text it came from", False),
    _field("text", pa.string(), "the paragraph's clean text", False),
    _field("language", pa.string(), "ISO 639-1 code, or the document's for short paragraphs", False),
    _field("language_score", pa.float32(), "detector probability of `language`", False),
    _field("duplicate_of_doc_id", pa.string(), "doc_id of the kept copy; null unless duplicate"),
    _field("duplicate_of_position", pa.int32(), "position of the kept copy; null unless duplicate"),
    _field("similarity", pa.float32(), "similarity to the kept copy (1.0 exact); null unless duplicate"),
    _field("duplicate_kind", pa.string(), "'exact_duplicate' or 'near_duplicate'; null otherwise"),
    _field("run_id", pa.string(), "Prefect flow run id that wrote the row", False),
])

REMOVED = pa.schema([
    _field("doc_id", pa.string(), "document the line was stripped from", False),
    _field("source", pa.string(), "input file of that document", False),
    _field("line", pa.int32(), "1-based line number in the normalized text", False),
    _field("text", pa.string(), "the stripped line", False),
    _field("reason", pa.string(), "why it was stripped, e.g. cookie_banner, share_prompt", False),
    _field("rule", pa.string(), "which rule or pattern decided it", False),
    _field("run_id", pa.string(), "Prefect flow run id that wrote the row", False),
])

REJECTED = pa.schema([
    _field("source", pa.string(), "input file path relative to INPUT ('file#offset' for a WARC record)", False),
    _field("record", pa.int32(), "1-based record line for a .jsonl record, record number for a .warc record; null for a whole file"),
    _field("reason", pa.string(), "short reason, e.g. binary, too_large, invalid_json", False),
    _field("message", pa.string(), "details for a person", False),
    _field("run_id", pa.string(), "Prefect flow run id that wrote the row", False),
])

SCHEMAS: Mapping[str, pa.Schema] = {
    "documents": DOCUMENTS, "paragraphs": PARAGRAPHS, "removed": REMOVED, "rejected": REJECTED,
}


def write_part(folder: Path, name: str, rows: Sequence[Mapping[str, Any]] | pa.Table,
               schema: pa.Schema, compression: str = "zstd",
               dictionary: bool | Sequence[str] = True) -> Path:
    """Write `rows` as one Parquet file in `folder` (zstd unless told otherwise),
    atomically (temp file, rename); `dictionary`: Parquet's dictionary encoding for
    every column, none, or the columns named."""
    folder.mkdir(parents=True, exist_ok=True)
    table = rows.cast(schema) if isinstance(rows, pa.Table) else pa.Table.from_pylist(
        list(rows), schema=schema)
    use_dictionary = dictionary if isinstance(dictionary, bool) else list(dictionary)
    return write_atomically(folder / name, lambda partial: pq.write_table(
        table, partial, compression=compression, row_group_size=50_000,
        use_dictionary=use_dictionary))


def read_rows(folder: Path, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every row of the Parquet files directly in `folder` (empty if there is none)."""
    rows: list[dict[str, Any]] = read_table(folder, columns).to_pylist()
    return rows


def read_table(folder: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """The Parquet files in `folder` (and its hive partition folders) as one table, in
    path order."""
    parts = table_parts(folder)
    # One file at a time through `ParquetFile`, not `pq.read_table`'s dataset machinery:
    # a run's small staged parts (one a batch) read in half the time (0.4 ms a file).
    tables = [pq.ParquetFile(part).read(columns=list(columns) if columns else None)
              for part in parts]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables)


def table_parts(folder: Path) -> list[Path]:
    """The part files of a table folder, in path order: those directly in it and those
    in its hive partition folders (`language=fr/`)."""
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.parquet"), *folder.glob("*=*/*.parquet")])


def write_partitioned(folder: Path, name: str, rows: Sequence[Mapping[str, Any]] | pa.Table,
                      schema: pa.Schema, partition_by: str) -> None:
    """Write `rows` as part `name` of the table in `folder`, split into hive folders
    `partition_by=value/` when `partition_by` is set (a batch without rows writes its
    empty part at the top, so the table always has a file with its schema)."""
    if not partition_by or not len(rows):
        write_part(folder, name, rows, schema)
        return
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(list(rows), schema)
    groups: dict[str, list[int]] = {}
    for row, value in enumerate(table[partition_by].to_pylist()):
        groups.setdefault(str(value), []).append(row)
    for value, group in sorted(groups.items()):
        write_part(folder / f"{partition_by}={value}", name, table.take(group), schema)


def link(source: Path, target: Path) -> None:
    """Make `target` the file `source`: a hard link, as versions never modify a file in
    place and can share it, or a copy where the file system cannot link."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def link_tree(source: Path, target: Path, skip: str | None = None) -> None:
    """`link` every file under `source` to the same place under `target`, but those under
    the top-level folder `skip`."""
    for folder, dirs, files in os.walk(source):
        if Path(folder) == source and skip is not None:
            dirs[:] = [d for d in dirs if d != skip]
        for name in files:
            path = Path(folder) / name
            link(path, target / path.relative_to(source))


class OutputFolder:
    """The paths of one output folder and the operations that commit a run into it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / HOME

    def staging(self, run_id: str) -> Path:
        return self.home / "staging" / run_id

    def version(self, run_id: str) -> Path:
        return self.home / "versions" / run_id

    @property
    def current(self) -> Path | None:
        """The committed version folder, or None before the first run."""
        link = self.home / "current"
        return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None

    def check(self) -> None:
        """Refuse an output folder whose table names are taken by something else."""
        for name in (*TABLES, "manifest.json"):
            path = self.root / name
            if path.exists() and not path.is_symlink():
                raise FileExistsError(
                    f"{path} exists and was not written by textclean; choose another --output")

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the output's lock for a run: a second run over it waits no time and fails.
        The holder first removes what runs that died left behind (`recover`)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise RuntimeError(
                    f"another textclean run is writing to {self.root}; try again when it ends"
                ) from error
            try:
                self.recover()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def commit(self, run_id: str, keep_versions: int = 2) -> None:
        """Make version `run_id` the visible output: `current`, then one link per table,
        each swapped with one atomic rename; then prune what is no longer kept."""
        version = self.version(run_id)
        for name in TABLES:
            (version / name).mkdir(parents=True, exist_ok=True)
        previous = self.current
        _tag_parts(version, run_id)
        _record_versions(version, previous.name if previous is not None else None)
        _fsync_tree(version)
        self._swap(self.home / "current", os.path.join("versions", run_id))
        self._publish(run_id)
        shutil.rmtree(self.staging(run_id), ignore_errors=True)
        self.prune(keep_versions)

    def _swap(self, link: Path, target: str) -> None:
        temporary = link.with_name(f".{link.name}.swap")
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        os.symlink(target, temporary)
        os.replace(temporary, link)

    def _publish(self, run_id: str) -> None:
        """Point each table's link (and the manifest's) at version `run_id`."""
        for name in (*TABLES, "manifest.json"):
            self._swap(self.root / name, os.path.join(HOME, "versions", run_id, name))

    def committed(self, keep: int) -> list[Path]:
        """The newest `keep` committed versions, newest first, as their manifests chain
        them (`previous_version`)."""
        chain: list[Path] = []
        version = self.current
        while version is not None and version.is_dir() and len(chain) < keep:
            chain.append(version)
            try:
                manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                break
            previous = manifest.get("previous_version")
            version = self.version(previous) if isinstance(previous, str) else None
        return chain

    def recover(self) -> None:
        """Remove what runs that died left behind: their staging, versions never
        committed and half-made links. Called with the lock held, before a run's work."""
        staging = self.home / "staging"
        if staging.is_dir():
            for leftover in staging.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)
        for temporary in [*self.home.glob(".*.swap"), *self.root.glob(".*.swap")]:
            temporary.unlink()
        current = self.current
        if current is None:
            # Nothing was ever committed: every version folder is a dead run's.
            shutil.rmtree(self.home / "versions", ignore_errors=True)
            return
        if not any((self.root / name).exists() and not (self.root / name).is_symlink()
                   for name in (*TABLES, "manifest.json")):
            # A run killed between swapping `current` and the table links, or an output
            # of the layout before per-table links, is published again.
            self._publish(current.name)
        self.prune(keep=2)

    def prune(self, keep: int) -> None:
        """Delete every version but the newest `keep` committed ones.

        Two by default: a reader that resolved the previous version a moment ago can
        still finish. What is deleted is decided by the manifests, not by file times, so
        a killed run's partial version is never kept in place of the last good one.
        """
        versions = self.home / "versions"
        if self.current is None or not versions.is_dir():
            return  # nothing committed yet: nothing is known to be safe to delete
        kept = {path.name for path in self.committed(keep)}
        for old in versions.iterdir():
            if old.name not in kept:
                shutil.rmtree(old, ignore_errors=True)


def _tag_parts(version: Path, run_id: str) -> None:
    # A name no other version uses: see the module's docstring.
    # A part linked from an earlier version (`reindex`) trades that version's tag for
    # this one's.
    tag = hashlib.blake2b(run_id.encode(), digest_size=4).hexdigest()
    for name in TABLES:
        for part in (version / name).rglob("*.parquet"):
            stem = _TAG.sub("", part.stem)
            if part.stem != f"{stem}-{tag}":
                os.replace(part, part.with_name(f"{stem}-{tag}.parquet"))


def _record_versions(version: Path, previous: str | None) -> None:
    # Written into the manifest (by rename: a version made by `reindex` shares the
    # previous manifest's file through a hard link): `previous_version` so pruning can
    # follow the chain, `version` so a reader can resolve the tables from the manifest
    # alone (a `reindex` version's folder is not named by the manifest's `run_id`).
    path = version / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    manifest["version"] = version.name
    manifest["previous_version"] = previous
    write_manifest(version, manifest)


def write_manifest(version: Path, manifest: Mapping[str, Any]) -> None:
    """Write the run manifest (JSON) into its version folder."""
    write_text_atomically(version / "manifest.json",
                          json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _fsync_tree(folder: Path) -> None:
    """Every file under `folder` on disk.

    Data must be on disk before the link that publishes it, or a crash could publish
    empty files. The files are synced from several threads at once: the file system
    then writes them in shared journal commits instead of one commit (and one wait for
    the disk) per file; the 48 files of a seeds run took 0.18-0.23 s one after another,
    0.01-0.04 s so (issue 20)."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    with ThreadPoolExecutor(max_workers=min(_SYNC_THREADS, len(files) or 1)) as pool:
        list(pool.map(_fsync, files))


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def schema_markdown() -> str:
    """docs/schema.md's table section, generated from the schemas so it cannot drift."""
    lines: list[str] = []
    for name, schema in SCHEMAS.items():
        lines += [f"### `OUT/{name}/`", "", "| column | type | null | meaning |",
                  "|---|---|---|---|"]
        for f in schema:
            doc = (f.metadata or {}).get(b"description", b"").decode()
            lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.nullable else 'no'} | {doc} |")
        lines.append("")
    return "\n".join(lines)


def update_schema_doc(path: Path) -> None:
    """Rewrite the generated section of docs/schema.md (`python -m flows.storage`)."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("<!-- schema:begin -->\n", 1)
    _, tail = rest.split("<!-- schema:end -->", 1)
    path.write_text(f"{head}<!-- schema:begin -->\n{schema_markdown()}<!-- schema:end -->{tail}",
                    encoding="utf-8")


if __name__ == "__main__":
    update_schema_doc(Path(__file__).resolve().parents[1] / "docs" / "schema.md")
