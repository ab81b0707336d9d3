#!/usr/bin/env python3
"""Decide's decisions do not depend on how its duplicate search is split (issue 20).

Stages bench/make_corpus.py's corpus once (as bench/bench_decide.py does, kept under
bench/out/), then decides it with the one-process reference path (`tasks=0`,
flows/run_dedup.py), and with the split path (flows/decide_tasks.py) in 1, 2, 4 and 8
tasks as local processes, and in 2 tasks on a local Dask cluster of 2 workers. Compares
the decisions (every row), the new index (every entry, in order), the duplicate counts
and the capped paragraphs; prints what it compared and exits 1 on any difference.

    nice .venv/bin/python bench/check_decide_identity.py --docs 100000
    nice .venv/bin/python bench/check_decide_identity.py --paragraphs 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _digest(table: Any) -> str:
    rows = sorted(json.dumps(row, sort_keys=True, default=str) for row in table.to_pylist())
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def _index_digest(version: Path, config: Any) -> tuple[int, str]:
    from flows import dedup_store

    digest = hashlib.sha256()
    entries = 0
    for columns in dedup_store.iter_parts(version, config):
        entries += len(columns)
        for doc_id, position in zip(columns.doc_id, columns.position.tolist(), strict=True):
            digest.update(f"{doc_id}#{position}\n".encode())
        digest.update(columns.band_keys.tobytes())
        digest.update(columns.shingles.tobytes())
    return entries, digest.hexdigest()[:16]


def _dask_runner(workers: int) -> Any:
    from distributed import Client, LocalCluster

    client = Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True))

    def run(phase: str, function: Any, calls: list[tuple[Any, ...]],
            meanwhile: Any = None) -> list[Any]:
        futures = [client.submit(function, *args, pure=False) for args in calls]
        if meanwhile is not None:
            meanwhile()
        return list(client.gather(futures))
    return client, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--paragraphs", type=int, default=0,
                        help="check bench_decide.py's staging of N generated paragraphs "
                             "instead (made by `bench_decide.py --paragraphs N` first)")
    args = parser.parse_args()

    import make_corpus
    import pyarrow.parquet as pq
    from bench_decide import stage

    from flows import decide_runners, staging
    from flows.decide import decide
    from flows.settings import Settings

    if args.paragraphs:
        work = HERE / "out" / f"decide-generated-{args.paragraphs}"
        stage_dir = work / "staging"
    else:
        corpus, _ = make_corpus.ensure(args.docs, args.seed)
        work = HERE / "out" / f"decide-{args.docs}-seed{args.seed}"
        stage_dir = work / "staging"
        if not (stage_dir / "batches.json").exists():
            stage(corpus, stage_dir, args.workers)
    batches = json.loads((stage_dir / "batches.json").read_text())["batches"]
    settings = Settings()
    runs: list[tuple[str, int, str]] = [("one process (run_dedup)", 0, "inline"),
                                        *((f"{n} task(s)", n, "processes") for n in (1, 2, 4, 8)),
                                        ("2 tasks on Dask local:2", 2, "dask")]
    results = []
    for name, tasks, how in runs:
        version = work / f"identity-{tasks}-{how}"
        shutil.rmtree(version, ignore_errors=True)
        version.mkdir(parents=True)
        start = time.perf_counter()
        if how == "dask":
            client, run = _dask_runner(2)
            try:
                stats = decide(str(stage_dir), batches, settings, True, None, str(version),
                               tasks, run)
            finally:
                client.close()
        else:
            with decide_runners.processes(tasks if how == "processes" else 1) as run:
                stats = decide(str(stage_dir), batches, settings, True, None, str(version),
                               tasks, run)
        decisions = pq.read_table(stage_dir / staging.DECISIONS)
        entries, index = _index_digest(version, settings.dedup)
        figures = {"decisions": decisions.num_rows, "decisions_digest": _digest(decisions),
                   "duplicates": dict(sorted(stats.duplicates.items())),
                   "capped": stats.capped, "template_lines": stats.template_lines,
                   "index_entries": entries, "index_digest": index}
        results.append(figures)
        print(json.dumps({"run": name, "seconds": round(time.perf_counter() - start, 1),
                          **figures}), flush=True)
        shutil.rmtree(version, ignore_errors=True)
    same = all(r == results[0] for r in results)
    what = f"{args.paragraphs} generated paragraphs" if args.paragraphs else \
        f"{args.docs} documents"
    print(f"{len(results)} runs over {what}: decisions, index entries, "
          f"duplicate counts and capped paragraphs {'identical' if same else 'DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
