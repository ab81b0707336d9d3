"""Cross-document decisions over a whole run: site templates, then duplicate paragraphs.

Deciding is kept apart from applying (as dolma does): this step reads what each batch
staged for it, writes one small `decisions.parquet` (which paragraph is a site
template line, which duplicates which), and each batch's `finalize_batch` applies it.

It never reads the paragraphs' text. The batches staged 64-bit keys per short line
(template candidates, see `flows.site_templates`) and a dedup signature per long
paragraph (exact key, MinHash band keys, shingles), hashed in parallel where the text
was. Memory is bounded by design:

- templates are counted as arrays of (site, key, article) numbers, ~24 bytes a key;
- signatures are taken in the run's canonical order through an external bucket sort:
  each batch's rows are split by document rank into buckets of at most
  `BUCKET_ROWS` rows on disk, and the buckets are checked one after another, so only
  one bucket and the dedup index itself are in memory at once.

Which copy of a duplicate is kept is deterministic: documents are taken in the order
(published date, earliest first, documents without a date after those with one; then
source path; then record number), paragraphs in document order, and the first copy met
is kept. Paragraphs already in the dedup index from earlier runs over the same output
come before all of them, so tomorrow's copy of today's paragraph is the duplicate.

The earlier runs' index is never loaded whole: it is carried into the new version
(parts hard-linked), and each group of this run's signatures is matched against it part
by part (`cleaners.dedup.EarlierCopies`). This run's groups are checked the same way:
each group (`PROBE_ROWS` signatures in canonical order) is matched first against every
part written before it, earlier runs' and this run's earlier groups', then against its
own kept rows in a `DedupIndex`. Only one group is ever in memory, so the step's memory
is bounded whatever the size of the run or the history of the output; the price is that
each group reads the parts before it once.
"""

from __future__ import annotations

import bisect
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dates import parse_date
from cleaners.dedup import DedupIndex, Duplicate, EarlierCopies
from flows import dedup_store, site_templates, storage, warc
from flows.batch import DECISIONS, SIGNATURES, site_of
from flows.settings import Settings

DECISIONS_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("position", pa.int32(), nullable=False),
    pa.field("action", pa.string(), nullable=False),
    pa.field("rule", pa.string()),
    pa.field("of_doc_id", pa.string()),
    pa.field("of_position", pa.int32()),
    pa.field("similarity", pa.float32()),
])

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
class DecideStats:
    """What the cross-document step found, for the summary and artifacts."""

    template_lines: int = 0
    templates: dict[str, list[str]] = field(default_factory=dict)
    duplicates: Counter[str] = field(default_factory=Counter)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    index_entries_before: int = 0
    index_entries_after: int = 0
    # The previous version's index was written under other [dedup] settings: not used.
    index_discarded: bool = False
    # Paragraphs checked against only their first `max_candidates` candidates (a
    # bound on adversarial input, see DedupConfig): counted in the manifest.
    capped: int = 0


@dataclass(slots=True)
class Documents:
    """The run's documents as the decisions need them: ids, rank, template group."""

    ids: list[str]
    rank: dict[str, int]
    group_of: list[int]
    groups: list[str]
    # Every input file this run read (documents and rejected alike).
    sources: set[str] = field(default_factory=set)


def _group(doc: dict[str, Any]) -> str:
    # Template evidence is gathered per site (the URL's host) or, for plain files with
    # no URL, per input folder: the unit within which a template repeats. Not by
    # trafilatura's sitename: unrelated sites share names such as "Blog" or "Home".
    site = site_of(doc.get("url"))
    if site:
        return f"site:{site}"
    return "folder:" + str(doc["source"]).rpartition("/")[0]


def order_key(doc: dict[str, Any]) -> tuple[bool, str, str, int]:
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


def _documents(stage: Path, batches: int) -> Documents:
    ids: list[str] = []
    order: list[tuple[tuple[bool, str, str, int], int]] = []
    group_names: dict[str, int] = {}
    group_of: list[int] = []
    sources: set[str] = set()
    for batch_no in range(batches):
        rows = storage.read_rows(_batch(stage, batch_no) / "documents",
                                 ["doc_id", "source", "record", "url", "sitename", "published"])
        for doc in rows:
            order.append((order_key(doc), len(ids)))
            ids.append(doc["doc_id"])
            group_of.append(group_names.setdefault(_group(doc), len(group_names)))
            sources.add(doc["source"])
        sources.update(r["source"] for r in storage.read_rows(
            _batch(stage, batch_no) / "rejected", ["source"]))
    order.sort()
    rank = {ids[n]: r for r, (_, n) in enumerate(order)}
    return Documents(ids, rank, group_of, list(group_names), sources)


def _batch(stage: Path, batch_no: int) -> Path:
    return stage / f"batch-{batch_no:05d}"


def decide(staging: str, batches: int, settings: Settings, dedup: bool,
           previous_version: str | None, version: str) -> DecideStats:
    """Decide template lines and duplicates for the run staged in `staging`."""
    stage = Path(staging)
    docs = _documents(stage, batches)
    stats = DecideStats()
    templates = _template_lines(stage, batches, docs, settings, previous_version, version,
                                stats)
    tables = [pa.Table.from_pylist([
        {"doc_id": doc_id, "position": position, "action": site_templates.REASON, "rule": rule}
        for (doc_id, position), rule in sorted(templates.items())], schema=DECISIONS_SCHEMA)]
    stats.template_lines = len(templates)
    if dedup:
        removed: dict[str, list[int]] = defaultdict(list)
        for doc_id, position in sorted(templates):
            removed[doc_id].append(position)
        tables += _duplicates(stage, batches, docs, removed, settings, previous_version,
                              version, stats)
    storage.write_part(stage, DECISIONS, pa.concat_tables(tables), DECISIONS_SCHEMA)
    return stats


def _template_lines(stage: Path, batches: int, docs: Documents, settings: Settings,
                    previous_version: str | None, version: str,
                    stats: DecideStats) -> dict[tuple[str, int], str]:
    decided, examples = site_templates.decide(
        stage, batches, docs, settings.templates,
        Path(previous_version) if previous_version else None, Path(version))
    for site, refs in sorted(examples.items()):
        stats.templates[site] = sorted(site_templates.texts_of(stage, batches, refs))[:20]
    return decided


def _duplicates(stage: Path, batches: int, docs: Documents, removed: dict[str, list[int]],
                settings: Settings, previous_version: str | None, version: str,
                stats: DecideStats) -> list[pa.Table]:
    config = settings.dedup
    target = Path(version)
    earlier: list[dedup_store.Part] = []
    if previous_version is not None:
        previous = Path(previous_version)
        stats.index_discarded = not dedup_store.usable(previous, config)
        earlier = dedup_store.carry_forward(previous, target, config,
                                            exclude=_processed_again(previous, docs))
    stats.index_entries_before = sum(part.rows() for part in earlier)
    number = max((part.number for part in earlier), default=-1) + 1
    # Each group's decisions become an Arrow table (a few dozen bytes a row instead of a
    # dict's few hundred): at 200k documents they are ~390k rows.
    tables: list[pa.Table] = []
    rows: list[dict[str, Any]] = []
    clusters: Counter[tuple[str, int]] = Counter()

    def report(dup: Duplicate) -> None:
        if dup.of_doc_id == dup.doc_id and not config.drop_repeats_within_document:
            return  # a repeat inside one document stays in its text (DedupConfig)
        stats.duplicates[dup.kind] += 1
        clusters[(dup.of_doc_id, dup.of_position)] += 1
        rows.append({"doc_id": dup.doc_id,
                     "position": _staged_position(removed.get(dup.doc_id), dup.position),
                     "action": dup.kind, "rule": None, "of_doc_id": dup.of_doc_id,
                     "of_position": dup.of_position, "similarity": dup.similarity})

    for group in _groups(sorted_buckets(stage, batches, docs, removed), PROBE_ROWS):
        if earlier:
            # Copies of earlier paragraphs first (earlier runs', then this run's earlier
            # groups'), the stored index read part by part; what they flag is never
            # kept, so the rest is checked against the group's own kept rows alone.
            table = pa.concat_tables(group)
            columns = dedup_store.to_columns(table, config)
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
            columns = dedup_store.to_columns(bucket, config)
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


def _processed_again(previous: Path, docs: Documents) -> set[str]:
    """The earlier documents whose entries this run replaces: those of every file it
    read again. Their entries are re-derived from the new text; keeping the old ones
    would make a document a copy of its own past (a record of a JSON Lines file whose
    earlier records were removed gets another record's old id). Documents of files no
    longer in the input keep theirs: what was published stays checked against."""
    replaced = set(docs.rank)
    if docs.sources:
        table = storage.read_table(previous / "documents", ["doc_id", "source"])
        if table.num_rows:
            # By input file: a WARC record's source is `file#offset`, and a changed
            # archive's records may sit at other offsets now.
            files = warc.input_files(pa.array(sorted(docs.sources), pa.string()))
            wanted = pc.is_in(warc.input_files(table["source"]), value_set=files)
            replaced.update(table.filter(wanted)["doc_id"].to_pylist())
    return replaced


def _groups(buckets: Iterator[pa.Table], rows: int) -> Iterator[list[pa.Table]]:
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


def _final_position(template_positions: list[int] | None, staged: int) -> int:
    """A paragraph's position once the template lines before it are gone."""
    if not template_positions:
        return staged
    return staged - bisect.bisect_left(template_positions, staged)


def _staged_position(template_positions: list[int] | None, final: int) -> int:
    """The inverse of `_final_position`: the staged position of the `final`-th kept line."""
    if not template_positions:
        return final
    staged = final
    for position in template_positions:
        if position <= staged:
            staged += 1
        else:
            break
    return staged


def sorted_buckets(stage: Path, batches: int, docs: Documents,
                    removed: dict[str, list[int]]) -> Iterator[pa.Table]:
    """Every staged signature but template lines', in canonical order, bucket by bucket.

    Yields tables in the staged signatures' schema whose `position` is the final one.
    """
    counts = [_rows_in(_batch(stage, n) / SIGNATURES) for n in range(batches)]
    total = sum(counts)
    if not total:
        return
    buckets = max(1, -(-total // BUCKET_ROWS))
    spill = stage / "dedup-buckets"
    ranks = len(docs.ids)
    in_memory: list[list[pa.Table]] = [[] for _ in range(buckets)]
    for batch_no in range(batches):
        if not counts[batch_no]:
            continue
        table = storage.read_table(_batch(stage, batch_no) / SIGNATURES)
        doc_ids = table["doc_id"].to_pylist()
        rank = np.fromiter((docs.rank[d] for d in doc_ids), np.int64, len(doc_ids))
        positions = table["position"].to_pylist()
        if removed:
            keep = np.fromiter((p not in removed.get(d, ()) for d, p in
                                zip(doc_ids, positions, strict=True)), bool, len(doc_ids))
            positions = [_final_position(removed.get(d), p)
                         for d, p in zip(doc_ids, positions, strict=True)]
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
                pq.write_table(part, folder / f"batch-{batch_no:05d}.parquet",
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


def _rows_in(folder: Path) -> int:
    parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    return sum(pq.ParquetFile(part).metadata.num_rows for part in parts)
