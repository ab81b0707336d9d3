"""The run's duplicate search as tasks over partitions, then one vectorized keep-first.

`flows.decide` calls `find_duplicates` with a `Runner` (`flows.decide_runners`) that
runs a list of calls as tasks: local processes by default, Prefect tasks on Dask with
`--dask` (`flows.clean_corpus`), inline for one task. Every phase is `tasks` calls over
units of its partition (batches, buckets or bands). In the spill, sort, search and index
phases each task takes the next unit no task has taken yet (`flows.decide_claims`), so
a slow task does fewer; earlier copies and verify split their units beforehand. The
tasks talk through files in the staging folder (`staging.DEDUP_ROWS`), never through
the caller's memory:

1. spill (by batch): a task reads its batches' signatures, gives each row its
   document's rank, and writes each row to the bucket of its rank range (an external
   sort, in parallel). Meanwhile the caller decides the site template lines (they need
   the documents' ranks only, the spill does not need them);
2. sort (by bucket, the largest first): each bucket's template lines dropped, the others
   given their output position, and sorted by (rank, position): the buckets in turn are
   the run's rows in canonical order, row numbers global without a gather; each row's
   shingle sketch added (`decide_spill.with_sketches`), and the bucket's exact keys
   saved in order, for the search's representatives (`_representatives`);
3. earlier copies (by group of buckets, only with an earlier index): each group matched
   against the earlier runs' index part by part (`EarlierCopies`); what it flags is
   decided and leaves the search;
4. search (by bands, `_BANDS_CLAIMED` at a time): a task reads its bands' keys only (one
   column per band) and returns the candidate pairs of its bands (`keep_first` says
   which: each key's pool), after the size bound, each pair sent to the verify task its
   hash names (the first task saves each row's representative too);
5. verify (by hash of pair): a task reads the sketches of the rows in its pairs only,
   drops pairs by the sketch bound, reads the shingles of the rows of the pairs left and
   verifies them, all at once (`bounds.similarities`): plausible pairs with their
   similarity, each pair verified once whatever the number of bands it shares;
6. merge (here): `cleaners.dedup.keep_first` over the pairs, vectorized;
7. index (by bucket, the most kept rows first): each bucket's kept rows written as one
   part of the new index, in canonical order. Meanwhile the caller makes the decision
   rows and hands them on (`decided`: `flows.decide` writes the decisions file).

The decisions are the same for any number of tasks, and whichever task took a unit:
every phase's union over tasks is the same set, and only the merge depends on order.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cleaners.dedup import DedupConfig, EarlierCopies
from cleaners.dedup.bounds import bounded_pairs, similarities
from cleaners.dedup.keep_first import keep_first, representatives
from cleaners.dedup.records import EXACT_DUPLICATE, NEAR_DUPLICATE
from cleaners.dedup.tables import merged_unique, pair_keys, sorted_unique
from flows import decide_claims, decide_spill, dedup_store, run_dedup, staging
from flows.decide_claims import all_done, claimed, largest_first
from flows.decide_runners import Runner, inline
from flows.staging import DECISIONS_SCHEMA, SIGNATURES, Documents

_EMPTY_PAIRS = np.empty(0, np.int64)
# Bands whose pairs are gathered before they are merged into the distinct pairs.
_BANDS_MERGED = 8
# The search's file of each active row's representative, which the merge reads.
_REPRESENTATIVES = "representatives.npy"
# Bands a search task takes at a time: 10 shares of 40 bands, each ~0.2 s of a task at
# 1M paragraphs.
_BANDS_CLAIMED = 4


def band_column(band: int) -> str:
    """The spill's column of band `band`'s keys."""
    return f"band_{band:03d}"


def find_duplicates(stage: Path, batches: int, docs: Documents,
                    templates: Callable[[], Mapping[str, Sequence[int]]], config: DedupConfig,
                    previous_version: str | None, version: str,
                    stats: run_dedup.DedupStats, tasks: int, decided: Callable[[pa.Table], None],
                    run: Runner = inline) -> None:
    """Find the run's duplicate paragraphs in `tasks` tasks per phase, hand their
    decision rows to `decided`, and write the new version's index.

    `templates()` decides the run's site template lines (`doc_id -> lines`), which are
    left out of the search; it is called once, while the spill tasks run (they do not
    need its answer: the sort phase leaves the lines out). `decided` is called once, while
    the index tasks run."""
    tasks = max(1, tasks)
    target = Path(version)
    earlier: list[dedup_store.Part] = []
    if previous_version is not None:
        previous = Path(previous_version)
        stats.index_discarded = not dedup_store.usable(previous, config)
        earlier = dedup_store.carry_forward(
            previous, target, config, exclude=run_dedup.processed_again(previous, docs))
    stats.index_entries_before = sum(part.rows() for part in earlier)
    stats.index_entries_after = stats.index_entries_before
    total = sum(staging.rows_in(stage, n, SIGNATURES) for n in range(batches))
    if not total:
        # Nothing staged to search (every file unchanged since the last run, or no
        # paragraph long enough): no duplicates, and the index is the earlier one,
        # carried. The phases would find the same, at a task run each (issue 20).
        templates()
        decided(DECISIONS_SCHEMA.empty_table())
        return
    number = max((part.number for part in earlier), default=-1) + 1
    spill = stage / staging.DEDUP_ROWS
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir(parents=True)
    try:
        _find(spill, stage, batches, total, docs, templates, config, earlier, target, number,
              stats, tasks, decided, run)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _find(spill: Path, stage: Path, batches: int, total: int, docs: Documents,
          templates: Callable[[], Mapping[str, Sequence[int]]], config: DedupConfig,
          earlier: list[dedup_store.Part], target: Path, number: int,
          stats: run_dedup.DedupStats, tasks: int, decided: Callable[[pa.Table], None],
          run: Runner) -> None:
    # Rows per bucket of the external sort, and so per index part: run_dedup's figure.
    buckets = max(1, -(-total // run_dedup.BUCKET_ROWS))
    starts = np.r_[0, np.cumsum(docs.batch_sizes)].astype(np.int64)
    # Files, not task arguments: the Prefect API stores task parameters (512 KB at most).
    # Each batch's documents' ranks, in the order the batch staged them.
    np.save(spill / "ranks.npy", docs.ranks)
    np.save(spill / "documents.npy", starts)
    # Every task of a phase is given all its units and takes them in turn (`claimed`).
    (spill / decide_claims.FOLDER).mkdir()
    template_lines: dict[str, Sequence[int]] = {}
    spilled = run("spill", spill_batches, [(str(stage), str(spill), range(batches),
                                            max(1, len(docs)), buckets, config.bands)]
                  * min(tasks, batches),
                  meanwhile=lambda: template_lines.update(templates()))
    # The template lines as sorted `rank << 32 | line` keys, for the sort phase.
    np.save(spill / "templates.npy", np.sort(np.fromiter(
        ((docs.rank[d] << 32) | line for d, lines in template_lines.items() for line in lines),
        np.int64)))
    all_done("spill", range(batches), [result["batches"] for result in spilled])
    spilled_rows = np.zeros(buckets, np.int64)
    for result in spilled:
        np.add.at(spilled_rows, result["buckets"], result["bucket_rows"])
    bucket_nos = largest_first(spilled_rows)
    sizes = run("sort", sort_buckets, [(str(spill), bucket_nos)] * min(tasks, len(bucket_nos)))
    all_done("sort", bucket_nos, [list(result) for result in sizes])
    rows_per_bucket = np.zeros(buckets, np.int64)
    for result in sizes:
        for b, n in result.items():
            rows_per_bucket[b] = n
    offsets = np.r_[0, np.cumsum(rows_per_bucket)].astype(np.int64)
    n = int(offsets[-1])
    active = np.ones(n, bool)
    earlier_found: list[tuple[int, str, str, int, float]] = []
    if earlier and n:
        groups = _bucket_groups(rows_per_bucket, run_dedup.PROBE_ROWS)
        for found, capped in run("earlier", earlier_copies,
                                 [(str(spill), group, offsets[group[0]], earlier, config)
                                  for group in groups]):
            earlier_found += found
            stats.capped += capped
        for row, *_ in earlier_found:
            active[row] = False
    np.save(spill / "active.npy", active)
    searched = run("search", search_bands,
                   [(str(spill), offsets, tasks, t, config)
                    for t in range(min(tasks, len(_band_units(config.bands))))])
    all_done("search", range(config.bands), [result["bands"] for result in searched])
    verified = run("verify", verify_pairs,
                   [(str(spill), offsets, u, tasks, config) for u in range(tasks)])
    pair_rows = np.concatenate([_EMPTY_PAIRS, *(v[0] for v in verified)])
    pair_of = np.concatenate([_EMPTY_PAIRS, *(v[1] for v in verified)])
    pair_similarity = np.concatenate([np.empty(0), *(v[2] for v in verified)])

    # Rows copying an earlier run are out of the merge: renumber the active rows.
    where = np.flatnonzero(active)
    local = np.full(n, -1, np.int64)
    local[where] = np.arange(len(where))
    # Each active row's representative (`representatives` of their exact keys), as the
    # search saved it.
    result = keep_first(np.load(spill / _REPRESENTATIVES), local[pair_rows], local[pair_of],
                        pair_similarity, config.max_candidates)
    # A representative past the pool of one of its keys and kept: a copy of it may be
    # among the candidates the pool left out (one was on make_corpus's 100k documents,
    # docs/scaling.md), so it is counted as capped, as a row over `max_candidates` is.
    capped = result.capped.copy()
    past_pool = local[np.concatenate([_EMPTY_PAIRS, *(
        np.load(path) for path in sorted(spill.glob("capped-*.npy")))])]
    capped[past_pool[result.kept[past_pool]]] = True
    stats.capped += int(capped.sum())
    kept = np.zeros(n, bool)
    kept[where[result.kept]] = True
    np.save(spill / "kept.npy", kept)
    duplicates = where[~result.kept]
    of_rows = where[result.of[~result.kept]]
    similarity = result.similarity[~result.kept]
    kinds = np.where(result.exact[~result.kept], EXACT_DUPLICATE, NEAR_DUPLICATE)

    def decisions() -> None:
        # The decision rows and their figures, made and handed to `decided` while the
        # index tasks run.
        table = _decisions(spill, offsets, duplicates, of_rows, similarity, kinds,
                           earlier_found, config)
        stats.duplicates.update(Counter(table["action"].to_pylist()))
        stats.clusters = _clusters(table)
        decided(table)

    # The buckets with the most kept rows (what an index task writes) taken first: the
    # first buckets, the run's earliest documents, keep more of theirs than the last.
    kept_before = np.r_[0, np.cumsum(kept)]
    kept_rows = kept_before[offsets[1:]] - kept_before[offsets[:-1]]
    bucket_nos = largest_first(kept_rows)
    written = run("index", write_index,
                  [(str(spill), offsets, bucket_nos, str(target), number, config)]
                  * min(tasks, len(bucket_nos)), meanwhile=decisions)
    all_done("index", bucket_nos, [result["buckets"] for result in written])
    stats.index_entries_after = stats.index_entries_before + sum(
        result["rows"] for result in written)


def _bucket_groups(rows: np.ndarray, limit: int) -> list[list[int]]:
    """Consecutive buckets gathered into groups of about `limit` rows."""
    groups: list[list[int]] = [[]]
    size = 0
    for b, count in enumerate(rows.tolist()):
        if size >= limit:
            groups.append([])
            size = 0
        groups[-1].append(b)
        size += count
    return [g for g in groups if g]


def _decisions(spill: Path, offsets: np.ndarray, duplicates: np.ndarray,
               of_rows: np.ndarray, similarity: np.ndarray, kinds: np.ndarray,
               earlier_found: list[tuple[int, str, str, int, float]],
               config: DedupConfig) -> pa.Table:
    """The decision rows, in canonical order: earlier runs' copies, then the run's."""
    rows = np.r_[np.array([item[0] for item in earlier_found], np.int64), duplicates]
    # The rows named (the copies and what they copy), read at once, and where each is
    # among them (`_numbered`: `np.unique` of the 392k rows at 1M paragraphs took 0.25 s).
    named, at, of_at = _numbered(int(offsets[-1]), rows, of_rows)
    columns = decide_spill.columns_at(spill, offsets, ["doc_id", "line", "position"], named)
    doc_id, line, position = (columns[name] for name in ("doc_id", "line", "position"))
    earlier_of = [item[3] for item in earlier_found]
    table = pa.Table.from_arrays([
        doc_id.take(pa.array(at)).cast(pa.string()),
        line.take(pa.array(at)).cast(pa.int32()),
        pa.array([item[1] for item in earlier_found] + kinds.tolist(), pa.string()),
        pa.nulls(len(rows), pa.string()),
        pa.concat_arrays([pa.array([item[2] for item in earlier_found], pa.string()),
                          doc_id.take(pa.array(of_at)).cast(pa.string()).combine_chunks()]),
        pa.concat_arrays([pa.array(earlier_of, pa.int32()),
                          position.take(pa.array(of_at)).cast(pa.int32()).combine_chunks()]),
        pa.array(np.r_[np.array([item[4] for item in earlier_found]), similarity]
                 .astype(np.float32)),
    ], schema=DECISIONS_SCHEMA)
    if not config.drop_repeats_within_document:
        # A repeat inside one document stays in its text (DedupConfig); it is still not
        # indexed, which keep_first already decided.
        table = table.filter(pc.not_equal(table["doc_id"], table["of_doc_id"]))
    return table


def _clusters(table: pa.Table) -> list[dict[str, Any]]:
    """The ten kept paragraphs with the most copies (ties by doc_id, then position)."""
    if not table.num_rows:
        return []
    counts = table.group_by(["of_doc_id", "of_position"]).aggregate([("doc_id", "count")])
    copies = counts["doc_id_count"].to_numpy()
    # Only the groups that can be among the ten are sorted in Python (1M rows: 150k groups).
    tenth = np.sort(copies)[-min(10, len(copies))]
    top = counts.filter(pa.array(copies >= tenth))
    biggest = sorted(zip(top["of_doc_id"].to_pylist(), top["of_position"].to_pylist(),
                         top["doc_id_count"].to_pylist(), strict=True),
                     key=lambda item: (-item[2], item[0], item[1]))[:10]
    return [{"kept": f"{d}#{p}", "copies": c} for d, p, c in biggest]


# -- the tasks: module functions of paths and small arrays, picklable for any runner --


def spill_batches(stage: str, spill: str, batch_nos: Sequence[int], documents: int,
                  buckets: int, bands: int) -> dict[str, Any]:
    """Phase 1: the signature rows of the batches of `batch_nos` this task claims
    (`claimed`), each to its bucket; the rows each bucket got (`buckets`,
    `bucket_rows`: the sort phase's work)."""
    start = time.perf_counter()
    ranks = np.load(Path(spill) / "ranks.npy", mmap_mode="r")
    doc_starts = np.load(Path(spill) / "documents.npy")
    rows = 0
    done = []
    bucket_rows = np.zeros(buckets, np.int64)
    for batch_no in claimed(Path(spill), "spill", batch_nos):
        done.append(batch_no)
        rank_of_doc = np.asarray(ranks[doc_starts[batch_no]:doc_starts[batch_no + 1]])
        table = staging.read(stage, batch_no, SIGNATURES)
        if not table.num_rows:
            continue
        batch_docs = staging.read(stage, batch_no, staging.DOCUMENTS, ["doc_id"])["doc_id"]
        rank = rank_of_doc[pc.index_in(table["doc_id"], value_set=batch_docs).to_numpy()]
        band_keys = table["band_keys"].combine_chunks().flatten().to_numpy().reshape(-1, bands)
        shingles = table["shingles"]
        columns = {"doc_id": table["doc_id"], "line": table["line"],
                   "position": table["position"], "rank": pa.array(rank),
                   "exact_key": table["exact_key"], "shingles": shingles,
                   "size": pc.list_value_length(shingles).cast(pa.int32())}
        columns.update({band_column(b): pa.array(band_keys[:, b]) for b in range(bands)})
        spilled = pa.table(columns)
        bucket_of = spilled["rank"].to_numpy() * buckets // documents
        np.add.at(bucket_rows, bucket_of, 1)
        for b in np.unique(bucket_of).tolist():
            folder = Path(spill) / f"bucket-{b:05d}"
            folder.mkdir(parents=True, exist_ok=True)
            decide_spill.write(spilled.filter(pa.array(bucket_of == b)),
                               folder / f"{batch_no:05d}{decide_spill.SUFFIX}")
        rows += spilled.num_rows
    touched = np.flatnonzero(bucket_rows)
    return {"batches": done, "rows": rows, "buckets": touched,
            "bucket_rows": bucket_rows[touched], "seconds": time.perf_counter() - start}


def sort_buckets(spill: str, bucket_nos: Sequence[int]) -> dict[int, int]:
    """Phase 2: the rows of each bucket of `bucket_nos` this task claims, template
    lines out, sorted by (rank, position); its rows per bucket."""
    template_keys = np.load(Path(spill) / "templates.npy")
    rows: dict[int, int] = {}
    for b in claimed(Path(spill), "sort", bucket_nos):
        folder = Path(spill) / f"bucket-{b:05d}"
        parts = sorted(folder.glob(f"*{decide_spill.SUFFIX}")) if folder.is_dir() else []
        rows[b] = 0
        if not parts:
            continue
        table = _without_templates(pa.concat_tables([decide_spill.read(p) for p in parts]),
                                   template_keys)
        order = pc.sort_indices(table, [("rank", "ascending"), ("position", "ascending")])
        table = table.take(order)
        decide_spill.write(decide_spill.with_sketches(table),
                           decide_spill.sorted_path(Path(spill), b))
        # The bucket's exact keys in order, with their rows: the search's representatives
        # are then a merge of sorted runs (`_representatives`). Ordered by their high 32
        # bits (1 ms a bucket, a stable sort of the 64-bit keys 3 ms): a run is then
        # sorted but where two keys share those bits, which the search's stable sort of
        # the whole keys puts right, and a key's rows stay in order.
        keys = table["exact_key"].to_numpy()
        by_key = _stable_order((keys >> np.uint64(32)).astype(np.uint32))
        np.save(_keys_path(Path(spill), b), np.stack([keys[by_key], by_key.astype(np.uint64)]))
        rows[b] = table.num_rows
        shutil.rmtree(folder)
    return rows


def _without_templates(table: pa.Table, template_keys: np.ndarray) -> pa.Table:
    """`table`'s rows but its template lines (`template_keys`: sorted `rank << 32 |
    line`), each row's `position` in the output: less its document's template lines
    before it."""
    if not len(template_keys):
        return table
    rank = table["rank"].to_numpy()
    key = (rank << 32) | table["line"].to_numpy().astype(np.int64)
    at = np.searchsorted(template_keys, key)
    is_template = template_keys[np.minimum(at, len(template_keys) - 1)] == key
    position = (table["position"].to_numpy().astype(np.int64)
                - (at - np.searchsorted(template_keys, rank << 32)))
    table = table.set_column(table.schema.get_field_index("position"), "position",
                             pa.array(position))
    return table.filter(pa.array(~is_template))


def earlier_copies(spill: str, bucket_nos: list[int], first_row: int,
                   earlier: list[dedup_store.Part], config: DedupConfig
                   ) -> tuple[list[tuple[int, str, str, int, float]], int]:
    """Phase 3: which rows of the buckets copy the earlier runs' index (global rows)."""
    parts = [decide_spill.read(decide_spill.sorted_path(Path(spill), b)) for b in bucket_nos
             if decide_spill.sorted_path(Path(spill), b).exists()]
    if not parts:
        return [], 0
    table = pa.concat_tables(parts)
    band_keys = np.stack([table[band_column(b)].to_numpy() for b in range(config.bands)],
                         axis=1).astype(np.uint32)
    columns = dedup_store.index_columns(table, band_keys)
    copies = EarlierCopies(columns, config)
    for part in earlier:
        copies.add_part(dedup_store.read_part(part, config))
    rows = {(d, p): r for r, (d, p) in enumerate(zip(
        columns.doc_id, columns.position.tolist(), strict=True))}
    found = [(first_row + rows[(dup.doc_id, dup.position)], dup.kind, dup.of_doc_id,
              dup.of_position, dup.similarity) for dup in copies.found()]
    return found, copies.capped


def search_bands(spill: str, offsets: np.ndarray, tasks: int, task: int,
                 config: DedupConfig) -> dict[str, Any]:
    """Phase 4: the candidate pairs of the bands this task claims (`_BANDS_CLAIMED` at a
    time), after the size bound, written to one file per verify task
    (`pairs-<task>-<verify task>.npy`)."""
    start = time.perf_counter()
    folder = Path(spill)
    active = np.load(folder / "active.npy")
    reps = np.flatnonzero(active)
    rep_of = _representatives(folder, offsets, active)
    if task == 0:
        # The merge's too: saved once, not worked out again by the decide process.
        np.save(folder / _REPRESENTATIVES, rep_of)
    reps = reps[rep_of == np.arange(len(reps))]
    del rep_of
    # Only the representatives' values are held (a 1M-row table of the task's bands,
    # read whole, measured ~100 MB, twice that while its chunks were combined).
    sizes = decide_spill.values_at(folder, offsets, "size", reps, np.int32)
    found = np.empty(0, np.uint64)
    past_pool: list[np.ndarray] = []
    taken: list[int] = []
    pending: list[np.ndarray] = []

    def merge() -> None:
        # A pair shares most bands with its copy: merged every few bands, the pairs
        # held are the distinct ones, not one per band (1.8 GB at 1M rows, 40 bands).
        # The few bands' pairs are sorted, then merged into those found (sorted already).
        nonlocal found
        found = merged_unique(found, sorted_unique(np.concatenate(pending)))
        pending.clear()

    for lo in claimed(folder, "search", _band_units(config.bands)):
        bands = range(lo, min(config.bands, lo + _BANDS_CLAIMED))
        taken += bands
        keys = decide_spill.values_at(folder, offsets, [band_column(b) for b in bands], reps,
                                      np.uint32)
        for k in range(len(bands)):
            at, of_at, cut = _pool_pairs(keys[k], config.max_candidates)
            past_pool.append(cut)
            small = np.minimum(sizes[at], sizes[of_at])
            large = np.maximum(sizes[at], sizes[of_at])
            keep = small >= config.min_jaccard * large
            pending.append(pair_keys(reps[at[keep]], reps[of_at[keep]]))
        del keys
        if len(pending) >= _BANDS_MERGED:
            merge()
    if pending:
        merge()
    rows, of = (found >> np.uint64(32)).astype(np.int64), (found & np.uint64(0xFFFFFFFF)).astype(
        np.int64)
    # Representatives past the pool of one of their keys (counted as capped if kept).
    np.save(folder / f"capped-{task:03d}.npy",
            reps[np.unique(np.concatenate([_EMPTY_PAIRS, *past_pool]))])
    owner = _owner(rows, of, tasks)
    for u in range(tasks):
        np.save(folder / f"pairs-{task:03d}-{u:03d}.npy", np.stack([rows[owner == u],
                                                                   of[owner == u]]))
    return {"bands": taken, "pairs": len(rows),
            "seconds": time.perf_counter() - start}


def _band_units(bands: int) -> range:
    """The search phase's units: the first band of each `_BANDS_CLAIMED` a task takes."""
    return range(0, bands, _BANDS_CLAIMED)


def _keys_path(spill: Path, bucket: int) -> Path:
    """The sort phase's file of bucket `bucket`'s exact keys, in order of their high 32
    bits, and their rows."""
    return spill / f"keys-{bucket:05d}.npy"


def _representatives(folder: Path, offsets: np.ndarray, active: np.ndarray) -> np.ndarray:
    """`representatives` of the active rows' exact keys (as indexes among the active
    rows), from each bucket's keys as the sort phase saved them, in order: a merge of
    the buckets' runs, where reading the keys in row order and sorting them all took
    0.15-0.25 s of each search task at 1M rows."""
    # Each active row's index among the active rows.
    local = np.cumsum(active) - 1
    keys, rows = [np.empty(0, np.uint64)], [_EMPTY_PAIRS]
    for b in np.flatnonzero(np.diff(offsets)).tolist():
        sorted_keys, by_key = np.load(_keys_path(folder, b))
        at = offsets[b] + by_key.astype(np.int64)
        mine = active[at]
        keys.append(sorted_keys[mine])
        rows.append(local[at[mine]])
    return representatives(np.concatenate(keys), np.concatenate(rows))


def _pool_pairs(keys: np.ndarray, pool: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j) for items sharing a key, j before i and among the key's first `pool`
    items (items in canonical order); and the items past their key's pool."""
    # Items of a key stay in canonical order.
    order = _stable_order(keys)
    ordered = keys[order]
    start = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    del ordered
    length = np.diff(np.r_[start, len(order)])
    start_of = np.repeat(start, length)
    before = np.arange(len(order)) - start_of  # items of its key before it
    cut = order[before > pool]
    count = np.minimum(before, pool)  # pool items before it
    total = int(count.sum())
    if not total:
        return _EMPTY_PAIRS, _EMPTY_PAIRS, cut
    member = np.repeat(np.arange(len(order)), count)
    step = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    return order[member], order[np.repeat(start_of, count) + step], cut


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """The order of a stable sort of 32-bit `keys`, by their 16-bit halves (numpy sorts
    16-bit values stably by radix): 0.37 of the time of a stable argsort of the keys
    (22 ms against 59 at 672k items; 40 bands a run)."""
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")]


def _owner(rows: np.ndarray, of: np.ndarray, tasks: int) -> np.ndarray:
    """Which verify task owns each pair: a hash of the pair, so load is even."""
    mixed = (rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ of.astype(np.uint64)
    return ((mixed >> np.uint64(29)) % np.uint64(tasks)).astype(np.int64)


def verify_pairs(spill: str, offsets: np.ndarray, task: int, tasks: int,
                 config: DedupConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phase 5: this task's pairs left by the sketch bound, with their Jaccard where they
    verify (NaN where not). Reads the sizes and sketches of the pairs' rows, and the
    shingles of the rows of the pairs the bound leaves only."""
    folder = Path(spill)
    files = sorted(folder.glob(f"pairs-*-{task:03d}.npy"))
    # Each search task's pairs are distinct and sorted (`search_bands`): merged, not
    # sorted again.
    found = np.empty(0, np.uint64)
    for f in files:
        pairs = np.load(f)
        found = merged_unique(found, pair_keys(pairs[0], pairs[1]))
        del pairs
    rows = (found >> np.uint64(32)).astype(np.int64)
    of = (found & np.uint64(0xFFFFFFFF)).astype(np.int64)
    del found
    for f in files:
        f.unlink()
    if not len(rows):
        return _EMPTY_PAIRS, _EMPTY_PAIRS, np.empty(0)
    involved, mine, theirs = _numbered(int(offsets[-1]), rows, of)
    del rows, of  # held through the reads, they were 16 B a pair more
    sizes = decide_spill.values_at(folder, offsets, "size", involved, np.int64)
    sketch = decide_spill.sketches_at(folder, offsets, involved)
    mine, theirs = bounded_pairs(mine, theirs, sizes, sizes, sketch, sketch, config,
                                 distinct=True)
    del sketch, sizes
    # The shingles of the rows of the pairs the bound left only.
    needed, mine_at, theirs_at = _numbered(len(involved), mine, theirs)
    set_offsets, shingles = decide_spill.shingles_of(folder, offsets, involved[needed])
    return involved[mine], involved[theirs], similarities(set_offsets, shingles, mine_at,
                                                          theirs_at, config)


def _numbered(n: int, rows: np.ndarray, of: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of `rows` and `of` (all below `n`), ascending, and `rows` and
    `of` as indexes into them. By marks, not `np.unique` and searches (2.9 s of verify's
    CPU at 100k documents); the order of pairs is kept."""
    mark = np.zeros(n, bool)
    mark[rows] = True
    mark[of] = True
    number = np.cumsum(mark) - 1
    return np.flatnonzero(mark), number[rows], number[of]


def write_index(spill: str, offsets: np.ndarray, bucket_nos: Sequence[int], version: str,
                number: int, config: DedupConfig) -> dict[str, Any]:
    """Phase 7: the kept rows of each bucket of `bucket_nos` this task claims, as index
    part `number + bucket`; the rows written (`rows`) and the buckets taken."""
    kept = np.load(Path(spill) / "kept.npy", mmap_mode="r")
    # What the index holds only (not the sort's rank, sizes or sketches).
    columns = [*dedup_store.entries_schema(config).names,
               *(band_column(k) for k in range(config.bands))]
    written = 0
    done = []
    for b in claimed(Path(spill), "index", bucket_nos):
        done.append(b)
        path = decide_spill.sorted_path(Path(spill), b)
        if not path.exists():
            continue
        table = decide_spill.read(path, columns,
                                  keep=np.asarray(kept[offsets[b]:offsets[b + 1]]))
        band_keys = np.stack([table[band_column(k)].to_numpy() for k in range(config.bands)],
                             axis=1).astype(np.uint32)
        written += dedup_store.write_part(Path(version), number + b, table, config,
                                          band_keys=band_keys)
    return {"rows": written, "buckets": done}
