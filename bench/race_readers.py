#!/usr/bin/env python3
"""Readers racing commits: what a glob reader gets from two layouts of a table folder.

Issue 16 asks that a reader listing `OUT/documents/*.parquet` while runs commit never
sees a mixed or a missing file. Two layouts answer half of that each; this measures both
with the readers people use, so the choice in flows/storage.py rests on figures:

- `tagged` (what textclean writes, `storage.OutputFolder.commit`): a table path is a link
  to an immutable version folder and every part file's name carries its version's tag.
  A name always means the same bytes, so a read is never torn; a listing made before a
  commit names files the new version lacks ("file not found").
- `stable` (the rejected candidate): one file per table under the same name in every
  version (`part-0.parquet`). A stale listing's name still resolves, to the new file;
  but a reader that opens the path twice in one query (footer, then data) can read the
  new file's bytes with the old file's footer: a torn read, which DuckDB returns without
  an error.

Each version has a different number of rows, all of one run; a read is `whole` when it
holds exactly one version's rows, `torn` when it does not (mixed versions, or rows lost
or invented), `missing` on "file not found", `error` on any other failure.

    .venv/bin/python bench/race_readers.py [--commits 20] [--rows 20000] [--row-group 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from flows import storage

SCHEMA = pa.schema([pa.field("run", pa.int32()), pa.field("x", pa.int64())])


def _rows(n: int, base: int) -> int:
    return base + 7 * n  # every version a different size and layout


def _version_table(n: int, base: int) -> pa.Table:
    rows = _rows(n, base)
    return pa.table({"run": pa.array([n] * rows, pa.int32()),
                     "x": pa.array(range(rows), pa.int64())}, schema=SCHEMA)


def commit_tagged(out: storage.OutputFolder, n: int, base: int, row_group: int) -> None:
    run_id = f"run-{n:03d}"
    with out.lock():
        table = _version_table(n, base)
        half = table.num_rows // 2  # two parts, as two batches write
        for part, rows in enumerate((table.slice(0, half), table.slice(half))):
            folder = out.version(run_id) / "documents"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(rows, folder / f"part-{part:05d}.parquet", row_group_size=row_group)
        storage.write_manifest(out.version(run_id), {"run_id": run_id})
        out.commit(run_id)


def commit_stable(root: Path, n: int, base: int, row_group: int) -> None:
    folder = root / "_versions" / f"{n:03d}" / "documents"
    folder.mkdir(parents=True)
    pq.write_table(_version_table(n, base), folder / ".part-0.parquet.partial",
                   row_group_size=row_group)
    os.replace(folder / ".part-0.parquet.partial", folder / "part-0.parquet")
    swap = root / ".documents.swap"
    os.symlink(os.path.join("_versions", f"{n:03d}", "documents"), swap)
    os.replace(swap, root / "documents")
    if n >= 2:
        shutil.rmtree(root / "_versions" / f"{n - 2:03d}")


def _verdict(runs: list[int], count: int, total: int | None, base: int) -> str:
    if len(runs) != 1:
        return "torn"
    rows = _rows(runs[0], base)
    return "whole" if count == rows and total == rows * (rows - 1) // 2 else "torn"


def readers(folder: str, base: int) -> dict[str, Callable[[], str]]:
    con = duckdb.connect()  # one per reader, used by its thread only

    def duck() -> str:
        runs, count, total = con.sql("select list(distinct run), count(*), sum(x) "
                                     f"from read_parquet('{folder}/*.parquet')").fetchall()[0]
        return _verdict(runs, count, total, base)

    def arrow(table: pa.Table) -> str:
        return _verdict(pc.unique(table["run"]).to_pylist(), table.num_rows,
                        pc.sum(table["x"]).as_py(), base)

    def fragments() -> str:
        # Footers read first (row-group splitting, as Dask or Ray do), data a moment later.
        dataset = ds.dataset(folder, format="parquet")
        pieces = [p for f in dataset.get_fragments() for p in f.split_by_row_group()]
        time.sleep(0.01)
        return arrow(ds.FileSystemDataset(pieces, dataset.schema, dataset.format).to_table())

    return {"duckdb glob": duck,
            "pyarrow.dataset": lambda: arrow(ds.dataset(folder, format="parquet").to_table()),
            "pq.read_table": lambda: arrow(pq.read_table(folder)),
            "pyarrow row groups": fragments}


def race(layout: str, commits: int, base: int, row_group: int) -> dict[str, Counter[str]]:
    root = Path(tempfile.mkdtemp(prefix=f"race-{layout}-"))
    out = storage.OutputFolder(root)

    def commit(n: int) -> None:
        if layout == "tagged":
            commit_tagged(out, n, base, row_group)
        else:
            commit_stable(root, n, base, row_group)

    commit(0)
    seen: dict[str, Counter[str]] = {}
    done = threading.Event()

    def loop(name: str, read: Callable[[], str]) -> None:
        seen[name] = Counter()
        while not done.is_set():
            try:
                seen[name][read()] += 1
            except (FileNotFoundError, duckdb.IOException):
                seen[name]["missing"] += 1
            except Exception:  # a torn file fails in many ways: count them all
                seen[name]["error"] += 1

    threads = [threading.Thread(target=loop, args=item)
               for item in readers(f"{root}/documents", base).items()]
    for thread in threads:
        thread.start()
    for n in range(1, commits + 1):
        time.sleep(0.05)
        commit(n)
    time.sleep(0.05)
    done.set()
    for thread in threads:
        thread.join()
    shutil.rmtree(root)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--row-group", type=int, default=500)
    args = parser.parse_args()
    print(f"duckdb {duckdb.__version__}, pyarrow {pa.__version__}; {args.commits} commits, "
          f"~{args.rows} rows in row groups of {args.row_group}")
    for layout in ("tagged", "stable"):
        for name, counts in race(layout, args.commits, args.rows, args.row_group).items():
            reads = sum(counts.values())
            figures = ", ".join(f"{key} {counts[key]}" for key in
                                ("whole", "torn", "missing", "error"))
            print(f"{layout:7} {name:19} reads {reads:5}: {figures}")


if __name__ == "__main__":
    main()
