"""Commits, versions and what readers see (issue 16, findings 3, 6 and 7).

A reader racing commits reads one version, whole; the last committed version survives
any crash; pruning follows the manifests, not file times; what dead runs left is
removed by the next run.
"""

from __future__ import annotations

import glob
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import storage
from flows.storage import OutputFolder, write_manifest, write_part

ROWS = pa.schema([pa.field("run_id", pa.string()), pa.field("parts", pa.int32())])


def _stage_version(out: OutputFolder, n: int) -> str:
    """A version of every table whose number of part files changes from run to run, as
    an incremental run's does; each row names its run and how many parts it has."""
    run_id = f"run-{n:02d}"
    parts = 1 + n % 4
    for name in storage.TABLES:
        for part in range(parts):
            write_part(out.version(run_id) / name, f"part-{part:05d}.parquet",
                       [{"run_id": run_id, "parts": parts}] * 3, ROWS)
    write_manifest(out.version(run_id), {"run_id": run_id})
    return run_id


def _commit(out: OutputFolder, n: int) -> str:
    with out.lock():
        run_id = _stage_version(out, n)
        out.commit(run_id)
    return run_id


def _verdict(tables: list[pa.Table]) -> str:
    """'whole' if the files read are exactly one version's, else 'mixed'."""
    runs = {run for table in tables for run in table["run_id"].to_pylist()}
    counts = {count for table in tables for count in table["parts"].to_pylist()}
    whole = len(runs) == 1 and counts == {len(tables)}
    return "whole" if whole else "mixed"


def _resolving_reader(out: Path) -> str:
    # Resolves the table's link once, lists, opens, then reads: the way docs/schema.md
    # recommends to read while runs commit.
    folder = os.path.realpath(out / "documents")
    with ExitStack() as stack:
        handles = [stack.enter_context(open(path, "rb"))
                   for path in sorted(glob.glob(f"{folder}/*.parquet"))]
        time.sleep(0.005)
        return _verdict([pq.read_table(handle) for handle in handles])


def _listing_reader(out: Path) -> str:
    # Lists through the link, then opens each file by that path a moment later, as
    # DuckDB, pyarrow and pandas do.
    paths = sorted(glob.glob(f"{out}/documents/*.parquet"))
    time.sleep(0.005)
    try:
        return _verdict([pq.read_table(path) for path in paths])
    except FileNotFoundError:
        return "missing"


def _duckdb_reader(out: Path) -> str:
    # The README's query: one version has `parts` files of 3 rows each.
    try:
        rows = duckdb.sql(f"select run_id, parts from '{out}/documents/*.parquet'").fetchall()
    except duckdb.IOException:
        return "missing"
    whole = len({run for run, _ in rows}) == 1 and len(rows) == 3 * rows[0][1]
    return "whole" if whole else "mixed"


def test_readers_racing_20_commits_never_see_a_mix(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "out")
    _commit(out, 0)
    seen: dict[str, Counter[str]] = {name: Counter() for name in ("resolving", "listing",
                                                                   "duckdb")}
    errors: list[BaseException] = []
    done = threading.Event()

    def read(name: str, reader: Callable[[Path], str]) -> None:
        try:
            while not done.is_set():
                seen[name][reader(out.root)] += 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read, args=item) for item in (
        ("resolving", _resolving_reader), ("listing", _listing_reader),
        ("duckdb", _duckdb_reader))]
    for thread in threads:
        thread.start()
    for n in range(1, 21):
        time.sleep(0.05)
        _commit(out, n)
    time.sleep(0.05)
    done.set()
    for thread in threads:
        thread.join()
    assert not errors, errors
    # The reader that resolves the link once always reads one whole version.
    assert seen["resolving"]["whole"] > 20 and set(seen["resolving"]) == {"whole"}
    # Readers that reopen through the link may find a listed file gone (and read
    # again), but never read one version's file where another's was listed.
    for name in ("listing", "duckdb"):
        assert seen[name]["mixed"] == 0, seen
        assert seen[name]["whole"] > 0, seen


def test_table_links_point_at_one_version_each(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "out")
    _commit(out, 1)
    run_id = _commit(out, 2)
    for name in (*storage.TABLES, "manifest.json"):
        assert os.readlink(out.root / name) == os.path.join("_textclean", "versions",
                                                            run_id, name)
    assert out.current == out.version(run_id).resolve()
    assert json.loads((out.root / "manifest.json").read_text())["previous_version"] == "run-01"


def test_killed_runs_partial_version_never_outlives_the_last_good_one(tmp_path: Path) -> None:
    # Finding 7: killed in finalize or commit, a run's version folder is the newest by
    # modification time; pruning by time then kept it and deleted the last committed.
    out = OutputFolder(tmp_path / "out")
    _commit(out, 1)
    good = _commit(out, 2)
    with out.lock():
        _stage_version(out, 3)  # killed after finalize: a complete-looking, newer folder
    partial = out.version("run-03")
    os.utime(partial, (time.time() + 3600, time.time() + 3600))
    before = sorted(pq.read_table(out.root / "documents")["run_id"].to_pylist())
    # The next run holds the lock first: the killed run's folder goes, the good stays.
    with out.lock():
        assert not partial.exists()
        assert out.version(good).is_dir() and out.version("run-01").is_dir()
    assert sorted(pq.read_table(out.root / "documents")["run_id"].to_pylist()) == before
    following = _commit(out, 4)
    kept = sorted(p.name for p in (out.home / "versions").iterdir())
    assert kept == sorted([good, following])


def test_a_kill_between_current_and_the_table_links_is_completed(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "out")
    good = _commit(out, 1)
    with out.lock():
        killed = _stage_version(out, 2)
        # Killed after `current` was swapped (the commit point) but before the links.
        storage._record_previous(out.version(killed), good)
        out._swap(out.home / "current", os.path.join("versions", killed))
    assert os.readlink(out.root / "documents").split(os.sep)[2] == good
    with out.lock():  # the next run publishes what `current` says was committed
        assert os.readlink(out.root / "documents").split(os.sep)[2] == killed
        assert out.version(good).is_dir()  # still the previous version in the chain


def test_stale_staging_is_removed_when_the_next_run_starts(tmp_path: Path) -> None:
    # Finding 6: a run that failed on a full disk left its staging; every later run
    # then failed with ENOSPC too, since staging was pruned only after a commit.
    out = OutputFolder(tmp_path / "out")
    _commit(out, 1)
    stale = out.staging("failed-run") / "batch-00000" / "documents"
    stale.mkdir(parents=True)
    (stale / "part.parquet").write_bytes(b"\0" * 1_000_000)
    (out.home / ".current.swap").symlink_to("versions/nowhere")
    with out.lock():
        assert not (out.home / "staging" / "failed-run").exists()
        assert not (out.home / ".current.swap").is_symlink()
        assert out.current == out.version("run-01").resolve()


def test_a_first_run_killed_leaves_nothing_for_the_next(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "out")
    with out.lock():
        _stage_version(out, 1)  # killed before its first commit
    with out.lock():
        assert not (out.home / "versions").exists()
        assert out.current is None


@pytest.mark.parametrize("reindexed", [1, 3])
def test_part_names_keep_one_tag_whatever_the_versions(tmp_path: Path, reindexed: int) -> None:
    out = OutputFolder(tmp_path / "out")
    _commit(out, 1)
    for n in range(reindexed):  # as `reindex` does: link the current files, commit
        with out.lock():
            run_id = f"reindex-{n}"
            current = out.current
            assert current is not None
            storage.link_tree(current, out.version(run_id))
            out.commit(run_id)
    names = sorted(p.name for p in (out.root / "documents").iterdir())
    assert len(names) == 2 and all(storage._TAG.search(Path(n).stem) for n in names)
    assert all(n.count("-") == 2 for n in names), names
