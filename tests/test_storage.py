"""Commits, versions and what readers see (issue 16, findings 3, 6 and 7).

A reader racing commits reads one version, whole; the last committed version survives
any crash; pruning follows the manifests, not file times; what dead runs left is
removed by the next run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
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


# The racing readers: each reads the table `documents` of an output folder, the way its
# library is used on a folder of part files; `resolve` first turns the table's link into
# its version folder, as docs/schema.md recommends while runs commit. A reader is made
# by its thread (`_duckdb_reader()`), as a DuckDB connection serves one thread.
Reader = Callable[[str, bool], list[tuple[str, int, int]]]


def _duckdb_reader() -> Reader:
    con = duckdb.connect()

    def read(folder: str, partitioned: bool) -> list[tuple[str, int, int]]:
        # The README's query.
        return sorted(con.sql(
            f"select run_id, part, row from read_parquet('{folder}/**/*.parquet', "
            f"hive_partitioning={str(partitioned).lower()})").fetchall())
    return read


def _duckdb_manifest_reader() -> Reader:
    con = duckdb.connect()

    def read(out: str, partitioned: bool) -> list[tuple[str, int, int]]:
        # Resolved in SQL alone: the manifest names the version folder (docs/schema.md).
        con.sql(f"set variable version = (select version from read_json('{out}/manifest.json'))")
        return sorted(con.sql(
            f"select run_id, part, row from read_parquet('{out}/_textclean/versions/' || "
            f"getvariable('version') || '/documents/**/*.parquet', "
            f"hive_partitioning={str(partitioned).lower()})").fetchall())
    return read


def _pyarrow_reader() -> Reader:
    def read(folder: str, partitioned: bool) -> list[tuple[str, int, int]]:
        # pyarrow.dataset, as pandas.read_parquet and pyarrow.parquet.read_table use it.
        table = ds.dataset(folder, format="parquet",
                           partitioning="hive" if partitioned else None).to_table(
            columns=["run_id", "part", "row"])
        return sorted(zip(*(table[c].to_pylist() for c in ("run_id", "part", "row")),
                          strict=True))
    return read


def _found_no_file(failure: Exception | None) -> bool:
    """Whether pyarrow failed because its dataset held no file: no column to project."""
    return isinstance(failure, pa.ArrowInvalid) and "No match for FieldRef" in str(failure)


RACE_ROWS = pa.schema([pa.field("run_id", pa.string()), pa.field("part", pa.int32()),
                       pa.field("row", pa.int32()), pa.field("language", pa.string())])
LANGUAGES = ("fr", "de", "fi")


def _stage_race_version(out: OutputFolder, n: int, partitioned: bool) -> str:
    """Version `n`: a full run's (n even: 1 to 4 new parts) or an incremental run's (n odd:
    the previous version's first part carried by a hard link, plus one new part). Its
    number of parts, and with `partitioned` its set of `language=xx/` folders, changes
    from version to version, so a reader mixing two versions cannot go unnoticed."""
    run_id = f"run-{n:02d}"
    table = out.version(run_id) / "documents"
    previous = out.current
    carried = n % 2 == 1 and previous is not None
    if carried:
        assert previous is not None
        first = storage.table_parts(previous / "documents")[0]
        storage.link(first, table / first.relative_to(previous / "documents").with_name(
            "part-carried.parquet"))
    languages = LANGUAGES[n % len(LANGUAGES):] if partitioned else ("",)
    for part in range(1 if carried else 1 + n % 4):
        rows = [{"run_id": run_id, "part": part, "row": row, "language": language}
                for language in languages for row in range(50)]
        storage.write_partitioned(table, f"part-{part:05d}.parquet", rows, RACE_ROWS,
                                  "language" if partitioned else "")
    write_manifest(out.version(run_id), {"run_id": run_id})
    return run_id


@pytest.mark.parametrize("partitioned", [False, True])
def test_readers_racing_20_commits_never_see_a_mix(tmp_path: Path, partitioned: bool) -> None:
    # Finding 3. Through the link, a reader lists the files of one version and opens
    # them by path a moment later: when a commit lands in between, it can find a listed
    # file gone (a loud, retryable error) but must never read rows of two versions. A
    # reader that resolves the link first must always read one version, whole.
    out = OutputFolder(tmp_path / "out")
    versions: dict[str, list[tuple[str, int, int]]] = {}
    commits = Counter[str]()  # started and finished

    def commit(n: int) -> None:
        with out.lock():
            run_id = _stage_race_version(out, n, partitioned)
            # What a reader of this version must get, read before anyone can.
            versions[run_id] = _pyarrow_reader()(str(out.version(run_id) / "documents"),
                                                 partitioned)
            commits["started"] += 1
            out.commit(run_id)
            commits["finished"] += 1

    commit(0)
    readers: dict[str, tuple[Callable[[], Reader], bool]] = {
        "duckdb": (_duckdb_reader, False), "pyarrow": (_pyarrow_reader, False),
        "duckdb resolved": (_duckdb_reader, True), "pyarrow resolved": (_pyarrow_reader, True),
        "duckdb manifest": (_duckdb_manifest_reader, True)}
    seen: dict[str, Counter[str]] = {name: Counter() for name in readers}
    errors: list[BaseException] = []
    done = threading.Event()

    def race(name: str, make_reader: Callable[[], Reader], resolve: bool) -> None:
        reader = make_reader()
        while not done.is_set():
            finished = commits["finished"]
            folder = (str(out.root) if make_reader is _duckdb_manifest_reader
                      else os.path.realpath(out.root / "documents") if resolve
                      else f"{out.root}/documents")
            rows: list[tuple[str, int, int]] | None = None
            failure: Exception | None = None
            try:
                rows = reader(folder, partitioned)
            except Exception as error:  # judged below: missing, or a failure of the test
                failure = error
            if commits["started"] - finished >= 2:
                # Two commits during one read (a thread stalled on a loaded machine): the
                # version it began with can be deleted under it, through the link too
                # (docs/schema.md). Outside the contract, so not judged.
                seen[name]["two commits"] += 1
            elif not resolve and isinstance(failure, (FileNotFoundError, duckdb.IOException)):
                seen[name]["missing"] += 1
            elif not resolve and _found_no_file(failure):
                # pyarrow lists the folder, then looks each name up through the link
                # again: after a commit in between, no listed name may be left, and
                # its empty dataset has no run_id to read (seen once in a CI run). As
                # loud as a listed file gone, and no mix of versions.
                seen[name]["empty listing"] += 1
            elif failure is not None or rows is None:
                errors.append(failure or AssertionError("no rows"))
                return
            else:
                seen[name]["whole" if rows in versions.values() else "mixed"] += 1

    threads = [threading.Thread(target=race, args=(name, *reader))
               for name, reader in readers.items()]
    for thread in threads:
        thread.start()
    for n in range(1, 21):
        time.sleep(0.05)
        commit(n)
    time.sleep(0.05)
    done.set()
    for thread in threads:
        thread.join()
    print({name: dict(counts) for name, counts in seen.items()})
    assert not errors, errors
    assert out.current == out.version("run-20").resolve()
    # Listing hive folders through the link takes one listing per folder, each resolving
    # the link again, so a commit in between can give two versions' partitions (DuckDB
    # 4 reads in ~1,300, pyarrow 2 in ~1,600, measured): docs/schema.md tells readers of
    # a partitioned output to resolve the link.
    may_mix = {"duckdb", "pyarrow"} if partitioned else set()
    for name, counts in seen.items():
        assert counts["whole"] > 0, seen
        assert counts["mixed"] == 0 or name in may_mix, seen
    for name in ("duckdb resolved", "pyarrow resolved", "duckdb manifest"):
        assert seen[name]["missing"] == 0, seen


def test_table_links_point_at_one_version_each(tmp_path: Path) -> None:
    out = OutputFolder(tmp_path / "out")
    _commit(out, 1)
    run_id = _commit(out, 2)
    for name in (*storage.TABLES, "manifest.json"):
        assert os.readlink(out.root / name) == os.path.join("_textclean", "versions",
                                                            run_id, name)
    assert out.current == out.version(run_id).resolve()
    manifest = json.loads((out.root / "manifest.json").read_text())
    assert (manifest["version"], manifest["previous_version"]) == (run_id, "run-01")


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
        storage._record_versions(out.version(killed), good)
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
        # The manifest, shared with the version it came from, names the new folder.
        assert json.loads((out.root / "manifest.json").read_text())["version"] == run_id
    names = sorted(p.name for p in (out.root / "documents").iterdir())
    assert len(names) == 2 and all(storage._TAG.search(Path(n).stem) for n in names)
    assert all(n.count("-") == 2 for n in names), names


@pytest.mark.parametrize("files", [0, 1, 3, 40])
def test_commit_syncs_every_file_of_the_version_before_publishing_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: int) -> None:
    # The files are synced from several threads (issue 20): every one of them still is,
    # once, before the link that publishes the version.
    out = OutputFolder(tmp_path / "out")
    version = out.version("run-1")
    for n in range(files):
        path = version / ("documents" if n % 2 else "paragraphs") / f"sub{n % 3}" / f"{n}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1" * (n + 1))
    synced: list[str] = []
    published: list[bool] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        published.append(out.current is not None)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    out.commit("run-1")
    committed = sorted(str(p) for p in out.current.rglob("*") if p.is_file())
    assert sum(p.endswith(".parquet") for p in committed) == files
    assert sorted(synced) == committed  # each file of the version, once
    assert not any(published)
    assert out.current == version.resolve()
