"""The staged contract: what a run writes for its own later steps, and who reads it.

Everything a run keeps between its steps lives in its staging folder, and this module
is the only one that names a path in it (a test greps for the names):

    OUT/_textclean/staging/<run_id>/
        plan.json                   the flow, before cleaning    -> the CLI's progress bar
        batch-NNNNN/                one per batch, written by flows.batch.clean_files:
            documents/ paragraphs/  the cleaned rows (text)      -> finalize_batch;
            removed/ rejected/        documents' ids and order also -> decide (`read_documents`)
            signatures/             dedup signature per paragraph -> flows.decide_tasks
            template_keys/          short lines' 64-bit keys      -> flows.site_templates
            articles/               each document's article sketch -> flows.site_templates
            inputs/                 each file's content hash      -> flows.incremental
            progress.json           files read, documents made    -> the CLI's progress bar
            current.json            the document a worker is on   -> clean_files_alone
        dedup-buckets/              flows.run_dedup's external sort (spilled, then removed)
        dedup-rows/                 flows.decide_tasks' phases' files (then removed)
        decisions.parquet           flows.decide                  -> finalize_batch

Every table is one `part.parquet` per batch, written atomically. A paragraph is named
by `(doc_id, line)` from the moment it is staged: its `line` (in the normalized text)
never changes, while its `position` is renumbered when template lines leave it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dates import parse_date
from cleaners.dedup import DedupConfig, IndexColumns, ParagraphRef, fingerprint_columns
from flows import dedup_store, storage
from flows.atomic import write_text_atomically

#: One batch's folder: `batch-00000`, `batch-00001`, ...
BATCH_FOLDER = "batch-{:05d}"
#: The part file of a staged table (one per batch).
PART = "part.parquet"
PLAN = "plan.json"
PROGRESS = "progress.json"
CURRENT = "current.json"
DECISIONS = "decisions.parquet"
BUCKETS = "dedup-buckets"
DEDUP_ROWS = "dedup-rows"

# The staged tables: the four output tables, as cleaned (before decisions) ...
DOCUMENTS, PARAGRAPHS, REMOVED, REJECTED = storage.TABLES
# ... and what the cross-document step reads instead of the text.
SIGNATURES = "signatures"
TEMPLATE_KEYS = "template_keys"
ARTICLES = "articles"
#: Staged per batch, and committed with each version (flows.incremental).
INPUTS = "inputs"
STAGED_TABLES = (DOCUMENTS, PARAGRAPHS, REMOVED, REJECTED, SIGNATURES, TEMPLATE_KEYS,
                 ARTICLES, INPUTS)

# A file's content hash as read by its batch; the same columns in the committed version.
INPUTS_SCHEMA = pa.schema([
    pa.field("source", pa.string(), nullable=False),
    pa.field("content_hash", pa.string(), nullable=False),
    pa.field("bytes", pa.int64(), nullable=False),
])
# The short lines that may be template lines, three rows each: the 64-bit hash of the
# line alone (`line_key`) and of its pairs with the lines before and after it
# (`pair_key`), which is all the counting across documents needs. `position` is the
# line's place among its document's staged paragraphs (neighbours are by position).
TEMPLATE_KEYS_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("position", pa.int32(), nullable=False),
    pa.field("line", pa.int32(), nullable=False),
    pa.field("with_neighbour", pa.bool_(), nullable=False),
    pa.field("key_hash", pa.uint64(), nullable=False),
])
# One row per document, what tells copies of one article apart.
ARTICLES_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("identity", pa.uint64(), nullable=False),
    pa.field("sketch", pa.list_(pa.uint64()), nullable=False),
    pa.field("paragraphs", pa.int32(), nullable=False),
])
# What `finalize_batch` applies: a paragraph, by (doc_id, line), is a site template line
# (`rule` says why) or a copy of the kept paragraph (`of_doc_id`, `of_position`: its
# position in the output).
DECISIONS_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("line", pa.int32(), nullable=False),
    pa.field("action", pa.string(), nullable=False),
    pa.field("rule", pa.string()),
    pa.field("of_doc_id", pa.string()),
    pa.field("of_position", pa.int32()),
    pa.field("similarity", pa.float32()),
])


def signatures_schema(config: DedupConfig) -> pa.Schema:
    """The staged signatures: one row per paragraph long enough to be checked, band keys
    as one list; `position` as staged, `line` its key."""
    return pa.schema([
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        pa.field("line", pa.int32(), nullable=False),
        pa.field("exact_key", pa.uint64(), nullable=False),
        pa.field("band_keys", pa.list_(pa.uint32(), config.bands), nullable=False),
        pa.field("shingles", pa.list_(pa.uint32()), nullable=False),
    ], metadata={dedup_store.FINGERPRINT: config.fingerprint.encode()})


def signatures_table(paragraphs: Sequence[Mapping[str, Any]], config: DedupConfig) -> pa.Table:
    """The signature rows of `paragraphs` (doc_id, position, line and text each) long
    enough to be checked (`fingerprint_columns`)."""
    columns = fingerprint_columns(
        (ParagraphRef(p["doc_id"], p["position"], p["text"]) for p in paragraphs), config)
    line_of = {(p["doc_id"], p["position"]): p["line"] for p in paragraphs}
    offsets = pa.array(columns.shingle_offsets.astype(np.int32))
    return pa.table({
        "doc_id": pa.array(columns.doc_id, pa.string()),
        "position": pa.array(columns.position.astype(np.int64)),
        "line": pa.array([line_of[key] for key in zip(columns.doc_id, columns.position.tolist(),
                                                       strict=True)], pa.int32()),
        "exact_key": pa.array(columns.exact_key.astype(np.uint64)),
        "band_keys": pa.FixedSizeListArray.from_arrays(
            pa.array(columns.band_keys.reshape(-1).astype(np.uint32)), config.bands),
        "shingles": pa.ListArray.from_arrays(offsets, pa.array(columns.shingles)),
    }, schema=signatures_schema(config))


def signature_columns(table: pa.Table, config: DedupConfig) -> IndexColumns:
    """Signature rows as the columns `DedupIndex` takes."""
    band_keys = table["band_keys"].combine_chunks()
    return dedup_store.index_columns(
        table, band_keys.flatten().to_numpy().astype(np.uint32).reshape(len(table),
                                                                          config.bands))


def batch_folder(staging: Path | str, batch_no: int) -> Path:
    """The folder of batch `batch_no` in the staging folder `staging`."""
    return Path(staging) / BATCH_FOLDER.format(batch_no)


def write(staging: Path | str, batch_no: int, name: str,
          rows: Sequence[Mapping[str, Any]] | pa.Table, schema: pa.Schema) -> Path:
    """Write staged table `name` of a batch (atomically), uncompressed.

    A staged part is read once or twice in the same run and then deleted; compressing
    it was half the CPU of writing it (the paragraphs of 2,000 files: 0.015 s to build
    the table, then 0.026 s to write it with zstd, 0.006 s without), and much of its
    bytes, the shingle hashes, do not compress. Only the text columns are
    dictionary-encoded: Parquet tried a dictionary of each integer column first and
    gave it up for the random hashes, 85% of the time of writing the signatures (the
    16,518 of 2,000 files: 0.100 -> 0.016 CPU s, 4% more bytes).
    """
    return storage.write_part(batch_folder(staging, batch_no) / name, PART, rows, schema,
                              compression="none", dictionary=_text_columns(schema))


def _text_columns(schema: pa.Schema) -> list[str]:
    """The string columns of `schema`, the ones whose values repeat (ids, sources, reasons).

    >>> _text_columns(pa.schema([("doc_id", pa.string()), ("exact_key", pa.uint64())]))
    ['doc_id']
    """
    return [field.name for field in schema
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)]


def read(staging: Path | str, batch_no: int, name: str,
         columns: Sequence[str] | None = None) -> pa.Table:
    """Staged table `name` of a batch (an empty table without columns if it has none)."""
    return storage.read_table(batch_folder(staging, batch_no) / name, columns)


def read_rows(staging: Path | str, batch_no: int, name: str,
              columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Staged table `name` of a batch as rows."""
    return storage.read_rows(batch_folder(staging, batch_no) / name, columns)


def read_all(staging: Path | str, batches: int, name: str, schema: pa.Schema) -> pa.Table:
    """Staged table `name` of every batch as one table in `schema`."""
    tables = [read(staging, n, name) for n in range(batches)]
    tables = [t.cast(schema) for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def rows_in(staging: Path | str, batch_no: int, name: str) -> int:
    """How many rows a batch staged in table `name`, from the files' metadata."""
    folder = batch_folder(staging, batch_no) / name
    parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    return sum(pq.ParquetFile(part).metadata.num_rows for part in parts)


def write_plan(staging: Path, batches: int, files: int, cleaning: int | None = None) -> None:
    """Record how many batches and files the run has (`cleaning`: the files it cleans,
    not carried over), so a watcher (the CLI's progress bar) can count its progress
    from the files the batches write."""
    write_text_atomically(staging / PLAN, json.dumps(
        {"batches": batches, "files": files,
         "cleaning": files if cleaning is None else cleaning}))


def read_plan(staging: Path) -> dict[str, int] | None:
    """The plan of the run staged in `staging`, or None if it has none (yet)."""
    try:
        plan: dict[str, int] = json.loads((staging / PLAN).read_text())
    except (OSError, ValueError):
        return None
    return plan


def latest_plan(runs: Path) -> tuple[Path, dict[str, int]] | None:
    """The staging folder under `runs` (OUT/_textclean/staging) whose plan was written
    last, and its plan; None before any."""
    plans = sorted(runs.glob(f"*/{PLAN}"), key=lambda p: p.stat().st_mtime)
    plan = read_plan(plans[-1].parent) if plans else None
    return None if plan is None else (plans[-1].parent, plan)


def note_progress(staging: Path | str, batch_no: int, files: int, documents: int) -> None:
    """Record how far a batch is (files read, documents made), for a progress watcher."""
    write_text_atomically(batch_folder(staging, batch_no) / PROGRESS,
                          json.dumps({"files": files, "documents": documents}))


def progress(staging: Path) -> tuple[int, int]:
    """The files read and documents made so far by the batches of a run's staging folder."""
    files = documents = 0
    for note in staging.glob(f"{BATCH_FOLDER.split('{')[0]}*/{PROGRESS}"):
        try:
            done = json.loads(note.read_text())
        except (OSError, ValueError):
            continue  # replaced while read: the next look counts it
        files += done["files"]
        documents += done["documents"]
    return files, documents


class Documents:
    """The run's documents as the decisions need them, batch after batch as the batches
    staged them: each one's rank in the canonical order (`ranks`) and the documents each
    batch staged (`batch_sizes`) at once; their ids, rank by id, template group and the
    input files read, as Python objects on first use.

    The duplicate search's first tasks need the ranks only, and start without the rest
    (0.07-0.1 s of Python at 125k documents), which the site templates make while they run
    (`flows.decide_tasks`; issue 20)."""

    def __init__(self, table: pa.Table, ranks: np.ndarray, batch_sizes: Sequence[int],
                 rejected: Callable[[], list[str]] = list) -> None:
        """`table`: the documents' `doc_id`, `source` and `url`; `ranks`: each one's rank;
        `rejected()`: the sources of the files rejected whole (read only if asked)."""
        self._table = table
        self._rejected = rejected
        self.ranks = ranks
        self.batch_sizes = list(batch_sizes)

    @classmethod
    def ranked(cls, table: pa.Table) -> Documents:
        """`table`'s documents (`doc_id`, `source`, `url`), ranked in its row order, as
        one batch."""
        return cls(table, np.arange(table.num_rows, dtype=np.int64), [table.num_rows])

    def __len__(self) -> int:
        return len(self.ranks)

    @functools.cached_property
    def ids(self) -> list[str]:
        ids: list[str] = self._table["doc_id"].to_pylist()
        return ids

    @functools.cached_property
    def rank(self) -> dict[str, int]:
        return dict(zip(self.ids, self.ranks.tolist(), strict=True))

    @functools.cached_property
    def _groups(self) -> tuple[list[int], list[str]]:
        names: dict[str, int] = {}
        group_of = [names.setdefault(group_name(url, path), len(names)) for url, path in zip(
            self._table["url"].to_pylist(), self._table["source"].to_pylist(), strict=True)]
        return group_of, list(names)

    @property
    def group_of(self) -> list[int]:
        """Each document's template group (`group_of_document`), a number into `groups`."""
        return self._groups[0]

    @property
    def groups(self) -> list[str]:
        return self._groups[1]

    @functools.cached_property
    def sources(self) -> set[str]:
        """Every input file this run read (documents and rejected alike)."""
        return set(self._table["source"].to_pylist()) | set(self._rejected())


# What `read_documents` reads of each batch's documents.
_ORDER_COLUMNS = ["doc_id", "source", "record", "url", "published"]


def read_documents(staging: Path, batches: int) -> Documents:
    """The staged documents of every batch, ranked in the run's canonical order
    (`canonical_order`), each with its template group (`group_of_document`).

    Read as columns, not rows, and ranked in Arrow: a dict a document and its order key
    in Python were most of decide's work outside its tasks (0.4 s at 125k documents;
    issue 20)."""
    schema = pa.schema([storage.DOCUMENTS.field(name) for name in _ORDER_COLUMNS])
    staged = _read_batches(staging, batches, DOCUMENTS, _ORDER_COLUMNS)
    tables = [documents.cast(schema) for documents in staged if documents.num_rows]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    ranks = np.empty(table.num_rows, np.int64)
    ranks[canonical_order(table)] = np.arange(table.num_rows)

    def rejected() -> list[str]:
        return [source for part in _read_batches(staging, batches, REJECTED, ["source"])
                if part.num_rows for source in part["source"].to_pylist()]

    return Documents(table.select(["doc_id", "source", "url"]), ranks,
                     [documents.num_rows for documents in staged], rejected)


def _read_batches(staging: Path, batches: int, name: str, columns: list[str]) -> list[pa.Table]:
    """Table `name`'s `columns` of every batch, read on two threads (Parquet decodes
    without the GIL): a run of many batches has a small file a batch (250 files at
    125k documents, 0.1 s so)."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda batch_no: read(staging, batch_no, name, columns),
                             range(batches)))


def canonical_order(documents: pa.Table) -> np.ndarray:
    """The row numbers of `documents` (with `source`, `record` and `published` as
    staged) in the run's canonical order: a stable sort by `order_key`, done by Arrow.

    `order_key`'s date is a string of fixed width for the years 1000 to 9999 only
    (Python writes the year 999 as "999"): outside them, the rows' own keys are sorted.
    """
    published = documents["published"]
    years = pc.min_max(pc.year(published)).as_py() if len(published) else {}
    if years.get("min") is not None and not 1000 <= years["min"] <= years["max"] <= 9999:
        rows = documents.select(["source", "record", "published"]).to_pylist()
        return np.array(sorted(range(len(rows)), key=lambda n: order_key(rows[n])), np.int64)
    keys = pa.table({"undated": pc.is_null(published), "published": published,
                     "source": documents["source"],
                     "record": pc.fill_null(documents["record"], 0)})
    order: np.ndarray = pc.sort_indices(
        keys, [(name, "ascending") for name in keys.column_names]).to_numpy()
    return order.astype(np.int64)


def group_of_document(doc: Mapping[str, Any]) -> str:
    """The unit within which a template repeats: the URL's host, else the input folder.

    Not trafilatura's sitename: unrelated sites share names such as "Blog" or "Home".

    >>> group_of_document({"url": "https://www.lemonde.fr/a", "source": "x/1.html"})
    'site:lemonde.fr'
    >>> group_of_document({"url": None, "source": "news/2024/1.txt"})
    'folder:news/2024'
    """
    return group_name(doc.get("url"), str(doc["source"]))


def group_name(url: str | None, source: str) -> str:
    """`group_of_document` of a document with this URL and source path."""
    site = site_of(url)
    if site:
        return f"site:{site}"
    return "folder:" + source.rpartition("/")[0]


def site_of(url: str | None) -> str | None:
    """The host of a URL, lower-case and without `www.`, used to pick per-site settings.

    >>> site_of("https://www.Example.com/a/b"), site_of(None)
    ('example.com', None)
    """
    if not url or "//" not in url:
        return None
    host = url.split("//", 1)[1].split("/", 1)[0].split("@")[-1].split(":")[0].lower()
    return host.removeprefix("www.") or None


def order_key(doc: Mapping[str, Any]) -> tuple[bool, str, str, int]:
    """The run's canonical order of documents: published date (earliest first, those
    without one after), then source path, then record number."""
    published = _parse_date(doc.get("published"))
    return (published is None, published or "", doc["source"], doc.get("record") or 0)


def _parse_date(value: datetime | str | None) -> str | None:
    # `published` is a UTC timestamp; outputs written before it was one hold the string
    # (reindex reads them), read by the same parser. A fixed-width UTC key sorts as the
    # instants do, whatever offset or format the input gave.
    moment = parse_date(value) if isinstance(value, str) else value
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
