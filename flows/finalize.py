"""The second step of a batch (`flows.batch` has the first): apply the run's
cross-document decisions (template lines removed, duplicate paragraphs flagged) to the
batch's staged rows and write its final part files; and the counts of those rows, from
which the run's statistics come (`count_rows`).

Kept apart from Prefect, like `flows.batch`: it runs the same in a worker process, a Dask
worker or a test.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.reasons import SITE_TEMPLATE
from flows import staging, storage
from flows.staging import DECISIONS, DECISIONS_SCHEMA, DOCUMENTS, PARAGRAPHS, REJECTED, REMOVED


@dataclass(slots=True)
class BatchStats:
    """The counts of output rows (`count_rows`), of a batch or added up over the run,
    and the run's input files and bytes: the run's summary and manifest."""

    files: int = 0
    documents: int = 0
    bytes_in: int = 0
    chars_in: int = 0
    chars_out: int = 0
    paragraphs: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)
    repaired: int = 0

    def add(self, other: BatchStats) -> None:
        for name in ("files", "documents", "bytes_in", "chars_in", "chars_out", "paragraphs",
                     "repaired"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("rejected", "removed", "duplicates", "languages", "encodings"):
            getattr(self, name).update(getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files, "documents": self.documents, "bytes_in": self.bytes_in,
            "chars_in": self.chars_in, "chars_out": self.chars_out,
            "paragraphs": self.paragraphs, "repaired": self.repaired,
            "rejected": dict(sorted(self.rejected.items())),
            "removed": dict(sorted(self.removed.items())),
            "duplicates": dict(sorted(self.duplicates.items())),
            "languages": dict(self.languages.most_common()),
            "encodings": dict(self.encodings.most_common()),
        }


def finalize_batch(batch_no: int, stage: str, version: str, run_id: str,
                   processed_at: datetime, partition_by: str = "") -> BatchStats:
    """Apply the run's decisions to one staged batch and write its final part files
    (documents and paragraphs split by `partition_by`, when set).

    Column by column in Arrow: as dictionaries, row by row, this step cost 0.12-0.14 ms
    a document, most of it turning the staged tables into Python rows and back.
    """
    documents = _staged(stage, batch_no, DOCUMENTS)
    paragraphs = _staged(stage, batch_no, PARAGRAPHS)
    removed = _staged(stage, batch_no, REMOVED)
    rejected = _staged(stage, batch_no, REJECTED)
    doc_ids = documents["doc_id"]
    decisions = _decisions_for(Path(stage), doc_ids)

    # Each paragraph's document (its row in `documents`) and decision, by (doc_id, line).
    doc_of = _doc_rows(paragraphs["doc_id"], doc_ids)
    decided = pc.index_in(_keys(doc_of, paragraphs["line"]),
                          value_set=_keys(_doc_rows(decisions["doc_id"], doc_ids),
                                          decisions["line"]))
    decision = decisions.take(decided)
    template = pc.fill_null(pc.equal(decision["action"], SITE_TEMPLATE), False)
    is_template = template.to_numpy(zero_copy_only=False)

    lines = paragraphs.filter(template)
    removed = pa.concat_tables([removed.cast(storage.REMOVED), pa.table({
        "doc_id": lines["doc_id"], "source": documents["source"].take(doc_of[is_template]),
        "line": lines["line"], "text": lines["text"],
        "reason": pa.repeat(pa.scalar(SITE_TEMPLATE), len(lines)),
        "rule": decision["rule"].filter(template),
        "run_id": pa.repeat(pa.scalar(run_id), len(lines)),
    }).cast(storage.REMOVED)])
    # Stable, as the rows' own order breaks ties; UTF-8 bytes sort as code points do.
    removed = removed.take(pc.sort_indices(removed, [("doc_id", "ascending"),
                                                     ("line", "ascending")]))

    kept = paragraphs.filter(pc.invert(template))
    kept_doc = doc_of[~is_template]
    kept_decision = decision.filter(pc.invert(template))
    has_decision = pc.is_valid(decided.filter(pc.invert(template)))
    kept = _with_columns(kept, storage.PARAGRAPHS, {
        "position": _rank_within(kept_doc),
        **{column: pc.if_else(has_decision, kept_decision[of], kept[column])
           for column, of in _DUPLICATE_COLUMNS.items()}})

    # A document's text: its kept paragraphs that are no copies, in order, joined by \n.
    unique = pc.is_null(kept["duplicate_of_doc_id"]).to_numpy(zero_copy_only=False)
    per_doc = np.bincount(kept_doc[unique], minlength=len(doc_ids))
    order = np.argsort(kept_doc[unique], kind="stable")
    texts = pc.binary_join(pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(per_doc)]), pa.int32()),
        kept["text"].filter(unique).combine_chunks().take(order)), "\n")
    own = _doc_rows(doc_ids, doc_ids)  # each document's first row with its doc_id
    text = texts.take(own)
    removed_doc = _doc_rows(removed["doc_id"], doc_ids)
    documents = _with_columns(documents, storage.DOCUMENTS, {
        "text": text,
        "n_paragraphs": per_doc[own],
        "n_duplicate_paragraphs": (np.bincount(kept_doc, minlength=len(doc_ids)) - per_doc)[own],
        "n_removed_lines": np.bincount(removed_doc[removed_doc >= 0],
                                       minlength=len(doc_ids))[own],
        "chars_out": pc.utf8_length(text),
        "processed_at": pa.repeat(pa.scalar(processed_at, storage.DOCUMENTS.field(
            "processed_at").type), len(documents)),
    })

    name = f"part-{batch_no:05d}.parquet"
    target = Path(version)
    storage.write_partitioned(target / "documents", name, documents, storage.DOCUMENTS,
                              partition_by)
    storage.write_partitioned(target / "paragraphs", name, kept, storage.PARAGRAPHS,
                              partition_by)
    storage.write_part(target / "removed", name, removed, storage.REMOVED)
    storage.write_part(target / "rejected", name, rejected, storage.REJECTED)
    return count_rows(documents, kept, removed, rejected)


# The paragraphs' duplicate columns, from the decisions' columns.
_DUPLICATE_COLUMNS = {"duplicate_of_doc_id": "of_doc_id", "duplicate_of_position": "of_position",
                      "similarity": "similarity", "duplicate_kind": "action"}


def _staged(stage: str, batch_no: int, name: str) -> pa.Table:
    """A staged output table of a batch, in its schema (empty if the batch staged none)."""
    table = staging.read(stage, batch_no, name)
    schema = storage.SCHEMAS[name]
    return table.cast(schema) if table.num_columns else schema.empty_table()


def _doc_rows(doc_id: pa.ChunkedArray, doc_ids: pa.ChunkedArray) -> np.ndarray:
    """For each of `doc_id`, the first row of `doc_ids` that holds it (-1 if none)."""
    found = pc.index_in(doc_id, value_set=doc_ids).fill_null(-1)
    return np.asarray(found.to_numpy(), dtype=np.int64)


def _keys(doc_rows: np.ndarray, lines: pa.ChunkedArray) -> pa.Array:
    # A paragraph's (doc_id, line) as one integer: the document's row, then its line.
    return pa.array((doc_rows << 32) | lines.to_numpy().astype(np.int64))


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Each row's place among the rows of its group before it (0, 1, ...), in row order.

    >>> _rank_within(np.array([0, 0, 1, 0, 1])).tolist()
    [0, 1, 0, 2, 1]
    """
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    first = np.repeat(starts, np.diff(np.append(starts, len(groups))))
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - first
    return rank


def _with_columns(table: pa.Table, schema: pa.Schema, columns: Mapping[str, Any]) -> pa.Table:
    """`table` with the named columns replaced, each in its type in `schema`."""
    for name, values in columns.items():
        field_ = schema.field(name)
        column = values if isinstance(values, pa.ChunkedArray | pa.Array) else pa.array(values)
        table = table.set_column(table.schema.get_field_index(name), field_,
                                 column.cast(field_.type))
    return table


def count_rows(documents: pa.Table | Sequence[Mapping[str, Any]],
               paragraphs: pa.Table | Sequence[Mapping[str, Any]],
               removed: pa.Table | Sequence[Mapping[str, Any]],
               rejected: pa.Table | Sequence[Mapping[str, Any]]) -> BatchStats:
    """The counts of final output rows: the one place run statistics are derived from."""
    stats = BatchStats(documents=len(documents))
    stats.chars_in = sum(_values(documents, "chars_in"))
    stats.chars_out = sum(_values(documents, "chars_out"))
    stats.paragraphs = sum(_values(documents, "n_paragraphs"))
    stats.languages.update(_values(documents, "language"))
    stats.encodings.update(_values(documents, "encoding"))
    stats.repaired = sum(map(bool, _values(documents, "repaired")))
    stats.duplicates.update(kind for kind in _values(paragraphs, "duplicate_kind") if kind)
    stats.removed.update(_values(removed, "reason"))
    stats.rejected.update(_values(rejected, "reason"))
    return stats


def _values(rows: pa.Table | Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    # A column of rows or of a table (an empty table may have no columns).
    if isinstance(rows, pa.Table):
        return rows[name].to_pylist() if rows.num_rows else []
    return [row.get(name) for row in rows]


def _decisions_for(stage: Path, doc_ids: pa.ChunkedArray) -> pa.Table:
    """The decisions on the documents `doc_ids`, the last one first for a repeated
    (doc_id, line), as a dictionary of them kept the last."""
    path = stage / DECISIONS
    if not len(doc_ids) or not path.exists():
        return DECISIONS_SCHEMA.empty_table()
    found = path.stat()
    table = _read_decisions(str(path), (found.st_ino, found.st_size, found.st_mtime_ns))
    table = table.filter(pc.is_in(table["doc_id"], value_set=doc_ids))
    return table.take(np.arange(len(table) - 1, -1, -1))


@functools.lru_cache(maxsize=1)
def _read_decisions(path: str, identity: tuple[int, int, int]) -> pa.Table:
    # Read once per process, not once per batch: a worker finalizes many batches, and
    # a 100k run's file (about 300,000 rows) took 0.04-0.1 s to read each time. The
    # file is written once, by decide, before any batch is finalized; `identity` (inode,
    # size, time) tells another run's file, or one written again, from the one read.
    return pq.read_table(path).cast(DECISIONS_SCHEMA)
