#!/usr/bin/env python3
"""Time and memory of the cross-document step (`flows.decide.decide`) alone.

The corpus of bench/make_corpus.py is cleaned once, without Prefect, by the batch
function the flow uses (`flows.batch.clean_files`, on a process pool), into a staging
folder kept under bench/out/ (made again only with --restage). Then `decide` runs over
it in a fresh subprocess, so its peak RSS (ru_maxrss) is the step's own plus the imports,
and its time is not mixed with cleaning.

    .venv/bin/python bench/bench_decide.py --docs 10000
    .venv/bin/python bench/bench_decide.py --docs 100000 --profile
    .venv/bin/python bench/bench_decide.py --docs 100000 --group-rows 250000,100000000

`--tasks 1,2` runs decide once per figure with each phase of its duplicate search in that
many tasks (`flows.decide_tasks`, local processes); `--tasks 0` is the one-process
reference path (`flows.run_dedup`). The peak RSS of the task processes is reported apart
(`task_peak_rss_mb`: the largest VmHWM of them; each phase's `peak_mb` is counted from
that task's own start, `decide_runners.timed_alone`), and the CPU seconds of the
decide process and of its tasks (`cpu_s`, `task_cpu_s`): on a shared machine wall
time says more about the neighbours than about the code.

`--paragraphs N` stages N generated paragraphs instead of cleaning the corpus
(bench/bench_dedup.py's generator: 8 paragraphs a document, one in five an edited copy;
hashed by the same `signatures_table` the batches use), which is how the scale model of
docs/scaling.md was fitted; each result line holds the model's prediction beside the
measurement (`model_s`). The 1-task vs 2-task figures at 1M paragraphs, for a quiet
machine:

    nice .venv/bin/python bench/bench_decide.py --paragraphs 1000000 --tasks 1,2

`--group-rows` sets `flows.run_dedup.PROBE_ROWS`, the signatures decided together (one
group larger than the run is the whole run's index in memory at once).

Prints one JSON line per decide run: seconds, paragraphs checked, duplicates found,
peak RSS in MB.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def stage(corpus: Path, staging: Path, workers: int) -> int:
    """Clean `corpus` into `staging` batch by batch; returns the number of batches."""
    from flows.batch import clean_files
    from flows.clean_corpus import plan_batches
    from flows.inputs import discover
    from flows.settings import Settings

    settings = Settings()
    files, _ = discover(corpus)
    batches = plan_batches(files, settings.batching)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(clean_files, n, batch, str(staging), settings, "bench", True,
                               False) for n, batch in enumerate(batches)]
        for future in futures:
            future.result()
    (staging / "batches.json").write_text(json.dumps({"batches": len(batches)}))
    print(f"staged {len(files)} files in {len(batches)} batches in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    return len(batches)


# The scale model of docs/scaling.md: decide's wall time for N paragraphs in T tasks on
# idle cores is FIXED + N * (SPLIT / T + SERIAL), seconds (SERIAL: what every task pays
# per row of the run whatever T, and the merge), fitted to the CPU of the 1M runs.
MODEL = {"fixed_s": 0.1, "split_us": 9.2, "serial_us": 2.6}  # docs/scaling.md, refit after H55


def model_seconds(paragraphs: int, tasks: int) -> float:
    """The scale model's decide wall time (docs/scaling.md)."""
    return MODEL["fixed_s"] + paragraphs * (MODEL["split_us"] / max(1, tasks)
                                            + MODEL["serial_us"]) / 1e6


def stage_generated(paragraphs: int, staging: Path, workers: int) -> int:
    """Stage `paragraphs` generated paragraphs (signatures and documents only), 500
    documents a batch; returns the number of batches."""
    import bench_dedup

    corpus = HERE / "corpus"
    corpus.mkdir(exist_ok=True)
    path = corpus / f"dedup_{paragraphs}_{bench_dedup.SEED}.jsonl"
    if not path.exists():
        bench_dedup.generate(path.with_suffix(".tmp"), paragraphs)
        path.with_suffix(".tmp").rename(path)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    start = time.perf_counter()
    batches = 0
    pending: list = []
    with path.open(encoding="utf-8") as lines, ProcessPoolExecutor(workers) as pool:
        batch: list[dict] = []
        for line in [*lines, None]:
            row = json.loads(line) if line else None
            if row is None or (row["p"] == 0 and len(batch) >= 500 * 8):
                # Streamed, a few batches in flight: 3M paragraphs never in memory.
                pending.append(pool.submit(_stage_batch, str(staging), batches, batch))
                batches, batch = batches + 1, []
                while len(pending) > 2 * workers:
                    pending.pop(0).result()
            if row is not None:
                batch.append({"doc_id": row["d"], "position": row["p"], "line": row["p"],
                              "text": row["t"]})
        for future in pending:
            future.result()
    (staging / "batches.json").write_text(json.dumps({"batches": batches}))
    print(f"staged {paragraphs} generated paragraphs in {batches} batches in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    return batches


def replicate(source: Path, staging: Path, copies: int, workers: int) -> int:
    """Stage `copies` copies of the generated staging `source`, each made unrelated to the
    others: doc ids suffixed, exact keys, band keys and shingles XORed with a constant of
    the copy (equal keys stay equal within a copy, and Jaccard within a copy is kept;
    across copies keys meet as rarely as random ones). Each copy has the source's
    duplicate structure; hashing 3M generated paragraphs took too long on this machine."""
    batches = json.loads((source / "batches.json").read_text())["batches"]
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_replicate_batch, [str(source)] * batches * copies,
                      [str(staging)] * batches * copies,
                      [b for _ in range(copies) for b in range(batches)],
                      [k for k in range(copies) for _ in range(batches)],
                      [batches] * batches * copies))
    (staging / "batches.json").write_text(json.dumps({"batches": batches * copies}))
    return batches * copies


def _replicate_batch(source: str, staging: str, batch_no: int, copy: int, batches: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from cleaners.dedup.tables import sets_by_owner
    from flows import staging as staged

    mask = np.uint32((0x9E3779B1 * copy) & 0xFFFFFFFF)
    table = staged.read(source, batch_no, staged.SIGNATURES)
    documents = staged.read(source, batch_no, staged.DOCUMENTS)
    suffix = f"-{copy}"
    shingles = table["shingles"].combine_chunks()
    lengths = pc.list_value_length(shingles).to_numpy().astype(np.int64)
    owner = np.repeat(np.arange(len(lengths), dtype=np.uint64), lengths)
    offsets, values = sets_by_owner(owner, shingles.flatten().to_numpy() ^ mask, len(lengths))
    band_keys = table["band_keys"].combine_chunks()
    table = pa.table({
        "doc_id": pc.binary_join_element_wise(table["doc_id"], suffix, ""),
        "position": table["position"], "line": table["line"],
        "exact_key": pa.array(table["exact_key"].to_numpy()
                              ^ np.uint64((0x9E3779B97F4A7C15 * copy) & (2**64 - 1))),
        "band_keys": pa.FixedSizeListArray.from_arrays(
            pa.array(band_keys.flatten().to_numpy() ^ mask), band_keys.type.list_size),
        "shingles": pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                             pa.array(values)),
    }, schema=table.schema)
    staged.write(staging, copy * batches + batch_no, staged.SIGNATURES, table, table.schema)
    documents = documents.set_column(0, "doc_id", pc.binary_join_element_wise(
        documents["doc_id"], suffix, ""))
    documents = documents.set_column(1, "source", pc.binary_join_element_wise(
        documents["source"], suffix, ""))
    staged.write(staging, copy * batches + batch_no, staged.DOCUMENTS, documents,
                 documents.schema)


def _stage_batch(staging: str, batch_no: int, paragraphs: list[dict]) -> None:
    import pyarrow as pa

    from cleaners.dedup import DedupConfig
    from flows import staging as staged

    config = DedupConfig()
    table = staged.signatures_table(paragraphs, config)
    staged.write(staging, batch_no, staged.SIGNATURES, table, table.schema)
    ids = sorted({p["doc_id"] for p in paragraphs})
    documents = pa.table({"doc_id": ids, "source": [f"{d}.txt" for d in ids],
                          "record": pa.nulls(len(ids), pa.int32()),
                          "url": pa.nulls(len(ids), pa.string()),
                          "sitename": pa.nulls(len(ids), pa.string()),
                          "published": pa.nulls(len(ids), pa.timestamp("us", tz="UTC"))})
    staged.write(staging, batch_no, staged.DOCUMENTS, documents, documents.schema)


def run_decide(staging: Path, version: Path, previous: Path | None, profile: bool,
               group_rows: int | None, tasks: int = 1) -> dict:
    from flows import decide_runners, run_dedup
    from flows.decide import decide
    from flows.settings import Settings

    if group_rows:
        run_dedup.PROBE_ROWS = group_rows

    batches = json.loads((staging / "batches.json").read_text())["batches"]
    shutil.rmtree(version, ignore_errors=True)
    version.mkdir(parents=True)
    profiler = cProfile.Profile() if profile else None
    phases: list[dict] = []
    with decide_runners.processes(tasks, phases.append, own_peaks=True) as run:
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        stats = decide(str(staging), batches, Settings(), True,
                       str(previous) if previous else None, str(version), tasks, run)
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    return {"seconds": round(seconds, 2), "duplicates": dict(stats.duplicates),
            "index_before": stats.index_entries_before, "index_after": stats.index_entries_after,
            "group_rows": run_dedup.PROBE_ROWS, "tasks": tasks, "capped": stats.capped,
            "cpu_s": round(cpu, 2), "task_cpu_s": round(children.ru_utime + children.ru_stime, 2),
            "phases": phases, "load": os.getloadavg()[0],
            # On an idle machine with a core per task, the wall time is about this: the
            # CPU of this process plus, per phase, that of its slowest task.
            "critical_cpu_s": round(cpu + sum(max(p["cpu_s"], default=0) for p in phases
                                               if p["tasks"] > 1 or tasks > 1), 2),
            # VmHWM, per process: ru_maxrss is inherited across exec from the process
            # that staged the corpus, which held more than decide.
            "task_peak_rss_mb": max((m for p in phases for m in p["peak_mb"]), default=0)
            if tasks > 1 else 0,
            "peak_rss_mb": round(decide_runners.peak_rss_mb(), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--restage", action="store_true", help="clean the corpus again")
    parser.add_argument("--profile", action="store_true", help="cProfile the decide step")
    parser.add_argument("--group-rows", default="",
                        help="comma-separated PROBE_ROWS values, one decide run each")
    parser.add_argument("--tasks", default="1",
                        help="comma-separated decide task counts (0: the one-process path)")
    parser.add_argument("--paragraphs", type=int, default=0,
                        help="stage this many generated paragraphs instead of the corpus")
    parser.add_argument("--replicate", type=int, default=1,
                        help="with --paragraphs: that many unrelated copies of them")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        staging, version, previous = args.child
        print(json.dumps(run_decide(Path(staging), Path(version),
                                    Path(previous) if previous != "-" else None,
                                    args.profile, int(args.group_rows or 0) or None,
                                    int(args.tasks))))
        return 0

    if args.paragraphs:
        work = HERE / "out" / f"decide-generated-{args.paragraphs}"
        staging = work / "staging"
        if args.restage or not (staging / "batches.json").exists():
            stage_generated(args.paragraphs, staging, args.workers)
        if args.replicate > 1:
            work = HERE / "out" / f"decide-generated-{args.paragraphs}x{args.replicate}"
            source, staging = staging, work / "staging"
            if args.restage or not (staging / "batches.json").exists():
                replicate(source, staging, args.replicate, args.workers)
    else:
        import make_corpus

        corpus, _ = make_corpus.ensure(args.docs, args.seed)
        work = HERE / "out" / f"decide-{args.docs}-seed{args.seed}"
        staging = work / "staging"
        if args.restage or not (staging / "batches.json").exists():
            stage(corpus, staging, args.workers)
    runs = [(group_rows, tasks)
            for group_rows in (args.group_rows.split(",") if args.group_rows else [""])
            for tasks in args.tasks.split(",")]
    for group_rows, tasks in runs:
        command = [sys.executable, __file__, "--child", str(staging), str(work / "version-1"),
                   "-", "--group-rows", group_rows, "--tasks", tasks]
        if args.profile:
            command.append("--profile")
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        sys.stderr.write(result.stderr)
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        if args.paragraphs:
            paragraphs = args.paragraphs * args.replicate
            figures.update(paragraphs=paragraphs,
                           model_s=round(model_seconds(paragraphs, int(tasks)), 1))
        else:
            figures.update(docs=args.docs)
        print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
