"""The `clean-corpus` Prefect flow: input folder in, committed Parquet output out.

    discover -> clean-batch-NNNNN (per batch) -> decide (templates, dedup) ->
    finalize-batch-NNNNN (per batch) -> commit -> artifacts

Tasks receive paths and small settings, never documents (flow and task parameters are
stored by the Prefect API, capped at 512 KB). Each batch writes its own part files, so
the tasks can run on threads, processes or Dask workers alike.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import artifacts, decide_runners, dedup_store, incremental, lifeline, parallel, storage
from flows.batch import Cleaned, clean_files, clean_files_alone
from flows.decide import DecideStats, decide
from flows.finalize import BatchStats, finalize_batch
from flows.inputs import InputFile, RejectedInput, discover, overlap
from flows.rows import rejected_row
from flows.selection import select
from flows.settings import Batching, Layout, Selection, Settings, load_settings
from flows.staging import SIGNATURES, rows_in, write_plan

# Batches per worker process that a run of few files is cut into at least, and the
# files of a batch below which it is not cut further. Each batch is two task runs
# (clean, finalize), and Prefect's server spends ~40-80 ms of CPU on each (issue 20):
# 500-file batches made 382 task runs of a 100k-document run. Few batches per worker
# leave one worker idle at the end, while the other cleans its last batch.
BATCHES_PER_WORKER = 8
SMALLEST_BATCH = 500


def plan_batches(files: list[InputFile], batching: Batching,
                 workers: int = 1) -> list[list[InputFile]]:
    """Group consecutive files into batches bounded by file count and bytes, each
    worker getting at least `BATCHES_PER_WORKER` unless that makes batches smaller than
    `SMALLEST_BATCH` files."""
    most = min(batching.files, max(SMALLEST_BATCH,
                                   -(-len(files) // (BATCHES_PER_WORKER * max(1, workers)))))
    batches: list[list[InputFile]] = []
    current: list[InputFile] = []
    size = 0
    for file in files:
        if current and (len(current) >= most or size + file.size > batching.bytes):
            batches.append(current)
            current, size = [], 0
        current.append(file)
        size += file.size
    if current:
        batches.append(current)
    return batches


def with_selection(settings: Settings, include: list[str] | None,
                   exclude: list[str] | None) -> Settings:
    """`settings` with the command line's globs added to the config's [input] ones."""
    chosen = Selection(settings.selection.include + tuple(include or ()),
                       settings.selection.exclude + tuple(exclude or ()))
    return replace(settings, selection=chosen)


@task(name="discover", cache_policy=NONE, retries=2, retry_delay_seconds=[1, 5])
def discover_task(input_dir: str, follow_links: bool = False
                  ) -> tuple[list[InputFile], list[RejectedInput]]:
    files, rejected = discover(Path(input_dir), follow_links)
    get_run_logger().info("found %d input files under %s (%d unusable)",
                          len(files), input_dir, len(rejected))
    return files, rejected


@task(name="fingerprint", cache_policy=NONE, retries=2, retry_delay_seconds=[1, 5])
def fingerprint_task(files: list[InputFile]) -> dict[str, str]:
    """Hash every input file's bytes, to skip those unchanged since the last run."""
    return incremental.hash_files(files)


@task(name="clean-batch", cache_policy=NONE, retries=1, retry_delay_seconds=2)
def clean_batch_task(batch_no: int, files: list[InputFile], staging: str,
                     settings: Settings, run_id: str, dedup: bool,
                     hash_inputs: bool) -> Cleaned:
    try:
        stats = parallel.call(clean_files, batch_no, files, staging, settings, run_id, dedup,
                              hash_inputs)
    except BrokenProcessPool:
        # Its worker died twice: clean it where a death names the document (issue 16).
        get_run_logger().warning("batch %d: its worker died twice; cleaning it again in a "
                                 "process of its own to find the document", batch_no)
        stats = clean_files_alone(parallel.call_alone, batch_no, files, staging, settings,
                                  run_id, dedup, hash_inputs)
    get_run_logger().info("batch %d: %d files cleaned, %d rejected", batch_no, stats.files,
                          sum(stats.rejected.values()))
    return stats


@task(name="decide", cache_policy=NONE)
def decide_task(staging: str, batches: int, settings: Settings, dedup: bool,
                previous_version: str | None, version: str, tasks: int) -> DecideStats:
    stats = decide(staging, batches, settings, dedup, previous_version, version, tasks,
                   _decide_parts)
    if stats.index_discarded:
        get_run_logger().warning(
            "the dedup index of the previous run was written with other [dedup] settings: "
            "it is not used, so this run is not checked against earlier output (run "
            "`textclean reindex OUT --config FILE` first to keep it)")
    get_run_logger().info(
        "cross-document: %d template lines; duplicates %s; dedup index %d -> %d entries",
        stats.template_lines, dict(stats.duplicates), stats.index_entries_before,
        stats.index_entries_after)
    return stats


@task(name="decide-part", cache_policy=NONE)
def decide_part_task(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    # In the worker pool by default; on Dask, `parallel.call` runs it in the Dask worker.
    start = time.perf_counter()
    result, cpu, peak = parallel.call(decide_runners.timed, function, *args)
    get_run_logger().info("%s done in %.1f s (%.1f s CPU, process peak %.0f MB)",
                          function.__name__, time.perf_counter() - start, cpu, peak)
    return result


def _decide_parts(phase: str, function: Callable[..., Any], calls: list[tuple[Any, ...]],
                  meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """decide's `Runner`: one task run per call, on the flow's task runner."""
    start = time.perf_counter()
    futures = [decide_part_task.with_options(task_run_name=f"decide-{phase}-{n:03d}")
               .submit(function, args) for n, args in enumerate(calls)]
    if meanwhile is not None:
        meanwhile()
    results = [future.result() for future in futures]
    get_run_logger().info("decide %s: %d task(s) in %.1f s", phase, len(calls),
                          time.perf_counter() - start)
    return results


@task(name="finalize-batch", cache_policy=NONE, retries=1, retry_delay_seconds=2)
def finalize_task(batch_no: int, staging: str, version: str, run_id: str,
                  processed_at: datetime, partition_by: str) -> BatchStats:
    return parallel.call(finalize_batch, batch_no, staging, version, run_id, processed_at,
                         partition_by)


# What a stage's batches return, added up: what cleaning read, or the output's counts.
T = TypeVar("T", Cleaned, BatchStats)


def _submit_all(task_: Any, stage: str, total: T, calls: list[tuple[Any, ...]],
                progress: bool = False) -> T:
    """Submit one task run per batch (named by stage and batch) and add up their counts."""
    futures = [task_.with_options(task_run_name=f"{stage}-{args[0]:05d}").submit(*args)
               for args in calls]
    artifact = artifacts.start_progress(len(futures)) if progress else None
    for done, future in enumerate(futures, start=1):
        total.add(future.result())
        lifeline.check_interrupted()
        artifacts.update_progress(artifact, done, len(futures))
    return total


def _unwalked(files: list[InputFile]) -> Any:
    """`files` marked so that Prefect does not walk them looking for futures.

    The walk visits each of a batch's 500 InputFile objects, several times per task run:
    about 25 ms of the flow process's CPU per batch, while the workers clean. On Dask the
    mark is not removed before the task runs (distributed rebuilds the NamedTuple that
    `quote` is as a plain tuple), so there the list is passed as it is.
    """
    if _on_threads():
        return quote(files)
    return files


# Below this many staged signatures, `--decide-tasks` left at its default decides in the
# flow's process: at 100k paragraphs two tasks saved 0.8 s of CPU on the critical path
# (docs/scaling.md) while starting a pool of worker processes costs 1-2 s, which would
# be most of a small nightly run's decide.
AUTO_SPLIT_ROWS = 100_000


def _decide_splits(staging_dir: Path, batches: int) -> int:
    """decide's tasks by default: one per CPU core for a large run, else one."""
    rows = sum(rows_in(staging_dir, n, SIGNATURES) for n in range(batches))
    return (os.cpu_count() or 1) if rows >= AUTO_SPLIT_ROWS else 1


def _on_threads() -> bool:
    """Whether the flow's tasks run on Prefect's thread runner (not on Dask)."""
    context = FlowRunContext.get()
    return context is not None and isinstance(context.task_runner, ThreadPoolTaskRunner)


def _run_name() -> str:
    params = flow_run.parameters
    return f"clean {Path(params['input_dir']).name or params['input_dir']} -> {params['output']}"


@flow(name="clean-corpus", flow_run_name=_run_name, validate_parameters=True, log_prints=False,
      task_runner=ThreadPoolTaskRunner(max_workers=8))  # type: ignore[arg-type]
def clean_corpus(input_dir: str, output: str, dedup: bool = True,
                 config_file: str | None = None, full: bool = False,
                 workers: int = 0, follow_links: bool = False,
                 include: list[str] | None = None, exclude: list[str] | None = None,
                 partition_by: str | None = None, decide_tasks: int = 0) -> dict[str, Any]:
    """Clean every document under `input_dir` into Parquet tables under `output`.

    Args:
        input_dir: folder of .txt, .md, .html, .htm, .jsonl files (optionally .gz), read
            recursively.
        output: folder for the documents, paragraphs, removed and rejected tables.
        dedup: flag near-duplicate paragraphs across documents and earlier runs.
        config_file: optional TOML file with per-stage settings (docs/config.md).
        full: clean every file again, even those unchanged since the last run over
            `output` (by default their rows are carried over).
        workers: processes for the CPU-bound batch work; 0 means one per CPU core, 1 runs
            everything in the flow's process.
        follow_links: read the targets of links that lead outside `input_dir` (by
            default they are rejected as `outside_input`).
        include, exclude: globs over sources, added to the config's [input] ones.
        partition_by: "language" to split documents and paragraphs into hive folders
            (overrides [output] partition_by).
        decide_tasks: tasks of each phase of the duplicate search (flows.decide_tasks);
            0 means one per CPU core, or one for a run under 100k paragraphs. The
            decisions do not depend on it.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    settings = with_selection(load_settings(config_file), include, exclude)
    if partition_by is not None:
        settings = replace(settings, layout=Layout(partition_by))
    source = Path(input_dir)
    if not source.is_dir():
        raise NotADirectoryError(f"input folder {input_dir} does not exist or is not a folder")
    conflict = overlap(source, Path(output))
    if conflict:
        raise ValueError(conflict)
    out = storage.OutputFolder(Path(output))
    out.check()
    run_id = str(flow_run.id or datetime.now(UTC).strftime("local-%Y%m%dT%H%M%S%f"))
    processed_at = datetime.now(UTC)
    timings: dict[str, float] = {}

    with out.lock():
        previous = out.current
        staging, version = out.staging(run_id), out.version(run_id)
        tick = time.perf_counter()
        files, unusable = discover_task(input_dir, follow_links)
        files, unusable = select(files, settings.selection), select(unusable, settings.selection)
        fingerprint = incremental.settings_fingerprint(settings, dedup)
        known = {} if full else incremental.previous_hashes(previous, fingerprint)
        # Hashing every file first pays only when there are hashes to compare with; else
        # each batch hashes its files as it reads them, on the worker processes (a
        # first run over 95k files spent 24 s hashing on one core, cold disk cache).
        hashes = fingerprint_task(files) if known else None
        unchanged = {f.source for f in files if f.source in known
                     and hashes is not None and hashes.get(f.source) == known[f.source]}
        wanted = workers or os.cpu_count() or 1
        batches = plan_batches([f for f in files if f.source not in unchanged],
                               settings.batching, wanted)
        write_plan(staging, len(batches), len(files), sum(map(len, batches)))
        if unchanged:
            logger.info("%d of %d files unchanged since the last run: their rows are carried "
                        "over (--full cleans them again)", len(unchanged), len(files))
        timings["discover"] = time.perf_counter() - tick

        # No more processes than batches: a small run is not worth their start-up. They
        # are forked from a process that built the run's toolkit once (flows.parallel).
        processes = min(wanted, len(batches))
        with parallel.worker_pool(processes, pipeline=settings.pipeline):
            tick = time.perf_counter()
            cleaned = _submit_all(clean_batch_task, "clean-batch", Cleaned(),
                                  [(n, _unwalked(batch), str(staging), settings, run_id, dedup,
                                    hashes is None)
                                   for n, batch in enumerate(batches)], progress=True)
            timings["clean"] = time.perf_counter() - tick
            logger.info("cleaned %d files in %d batches on %d process(es)", len(files),
                        len(batches), max(1, processes))

        # The workers are gone while the dedup index is in memory: each holds a
        # toolkit, and the decide step is the run's memory peak.
        tick = time.perf_counter()
        splits = decide_tasks or _decide_splits(staging, len(batches))
        # The decide tasks hand their work to processes of their own, unless on Dask.
        with parallel.worker_pool(splits if _on_threads() else 1, "flows.decide_tasks"):
            decided = decide_task(str(staging), len(batches), settings, dedup,
                                  str(previous) if previous else None, str(version), splits)
        lifeline.check_interrupted()
        if not dedup and previous is not None:
            dedup_store.carry(previous, version)
        timings["decide"] = time.perf_counter() - tick

        tick = time.perf_counter()
        with parallel.worker_pool(processes, "flows.finalize"):
            final = _submit_all(finalize_task, "finalize-batch", BatchStats(),
                                [(n, str(staging), str(version), run_id, processed_at,
                                  settings.layout.partition_by)
                                 for n in range(len(batches))])
        if unchanged and previous is not None:
            final.add(incremental.carry(previous, version, unchanged,
                                        settings.layout.partition_by))
        if hashes is None:
            hashes = incremental.staged_hashes(staging, len(batches))
        incremental.save_hashes(version, files, hashes, fingerprint)
        final.files = len(files) + len(unusable)
        final.bytes_in = cleaned.bytes_in
        if unusable:
            storage.write_part(version / "rejected", "part-unusable.parquet",
                               [rejected_row(r.source, r.record, r.reason, r.message, run_id)
                                for r in unusable],
                               storage.REJECTED)
            final.rejected.update(r.reason for r in unusable)
        timings["finalize"] = time.perf_counter() - tick

        manifest = artifacts.manifest(run_id, input_dir, output, dedup, config_file,
                                      processed_at, final, decided, timings,
                                      time.perf_counter() - started, len(unchanged))
        storage.write_manifest(version, manifest)
        lifeline.check_interrupted()  # a Ctrl-C Python lost must not end in a commit
        out.commit(run_id)
    logger.info("committed output to %s: %d documents, %d rejected", output,
                final.documents, sum(final.rejected.values()))
    artifacts.publish(manifest, out, decided)
    return manifest
