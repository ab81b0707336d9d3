"""INPUT and --output on S3, against a real S3-compatible server (moto's, in server mode)
that these tests start on 127.0.0.1 and stop: every call goes over HTTP through s3fs,
as it would to AWS. No client is mocked."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from flows import remote, storage
from flows.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A moto S3 server on a free port of 127.0.0.1, the AWS variables pointing at it,
    and an s3fs file system on it; the server is stopped afterwards."""
    import s3fs
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1",
                            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                            "AWS_EC2_METADATA_DISABLED": "true",
                            "TEXTCLEAN_CACHE": str(tmp_path_factory.mktemp("cache"))}.items():
            patch.setenv(name, value)
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        fs.mkdir("corpus")
        fs.put(f"{SEEDS}/", "corpus/seeds/", recursive=True)
        yield fs
        s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def read_version(fs: Any, url: str) -> tuple[str, list[dict[str, Any]]]:
    """What a reader does: resolve the pointer once, then list and read the documents
    of the version it names."""
    tables = remote.resolve(url)
    version = tables["documents"].rstrip("/").split("/")[-2]
    prefix = tables["documents"].removeprefix("s3://")
    rows: list[dict[str, Any]] = []
    for part in sorted(fs.find(prefix)):
        with fs.open(part, "rb") as handle:
            rows += pq.read_table(handle, columns=["doc_id", "source", "run_id"]).to_pylist()
    return version, rows


# ------------------------------------------------------------- usage errors, exit 2


@pytest.mark.parametrize(("input_url", "output_url", "expected"), [
    ("s3://", "s3://corpus/out-e1", "no bucket in the URL"),
    ("s3://corpus/seeds", "s3://", "no bucket in the URL"),
    ("nosuchfs://corpus/seeds", "s3://corpus/out-e2", "no file system for 'nosuchfs://'"),
    ("s3://no-such-bucket/seeds", "s3://corpus/out-e3", "bucket 'no-such-bucket' does not exist"),
    ("s3://corpus/seeds", "s3://no-such-bucket/out", "bucket 'no-such-bucket' does not exist"),
    ("s3://corpus/nothing-here", "s3://corpus/out-e4", "holds no objects"),
    ("s3://corpus/seeds/000_84b4950511e689db.txt", "s3://corpus/out-e5", "is one object"),
    ("s3://corpus/seeds", "s3://corpus/seeds/out", "overlap"),
])
def test_a_bad_url_stops_with_exit_2_naming_it(s3: Any, capsys: pytest.CaptureFixture[str],
                                                input_url: str, output_url: str,
                                                expected: str) -> None:
    assert main(["run", input_url, "--output", output_url]) == 2
    error = capsys.readouterr().err
    assert error.startswith("textclean: error: ") and expected in error
    assert not s3.exists("corpus/out-e1/_textclean")


@pytest.mark.parametrize("role", ["INPUT", "OUT"])
def test_missing_credentials_stop_with_exit_2(s3: Any, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, role: str) -> None:
    import s3fs

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        args = (["run", "s3://corpus/seeds", "--output", str(tmp_path / "out")]
                if role == "INPUT" else ["run", str(SEEDS), "--output", "s3://corpus/out-c"])
        assert main(args) == 2
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
    error = capsys.readouterr().err
    assert f"{role} s3://corpus/" in error and "no credentials found" in error


def test_a_dry_run_lists_the_remote_input_and_writes_nothing(
        s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "s3://corpus/seeds", "--output", "s3://corpus/out-dry",
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "5 files would be read from s3://corpus/seeds" in out
    assert "output      s3://corpus/out-dry (incremental" in out
    assert not s3.exists("corpus/out-dry")


# ------------------------------------------------------------- runs through the flow


@pytest.mark.slow
def test_a_second_run_on_s3_is_incremental(s3: Any, prefect_server: None,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    url = "s3://corpus/out-incremental"
    monkeypatch.setenv("TEXTCLEAN_CACHE", str(tmp_path / "this-machine"))
    assert main(["run", "s3://corpus/seeds", "--output", url]) == 0
    first = capsys.readouterr().out
    assert "5 files -> 5 documents" in first and "5 downloaded" in first
    assert f"output      {url}\n" in first and f"manifest    {url}/manifest.json" in first
    # The mirror is named only where the summary says where mirrors are.
    assert [line for line in first.splitlines() if str(tmp_path) in line] == [
        line for line in first.splitlines() if line.startswith("  transfer ")]
    v1, rows = read_version(s3, url)
    assert sorted(r["source"] for r in rows) == sorted(p.name for p in SEEDS.iterdir())
    assert {r["run_id"] for r in rows} == {v1}

    # Same machine: nothing downloaded again, nothing cleaned again.
    assert main(["run", "s3://corpus/seeds", "--output", url]) == 0
    second = capsys.readouterr().out
    assert "(5 unchanged files skipped)" in second and "0 downloaded" in second
    # What the new version shares with the old (the dedup index) is copied by the store.
    copied = re.search(r"(\d+) copied from the previous version", second)
    assert copied is not None and int(copied.group(1)) > 0
    v2, rows2 = read_version(s3, url)
    assert v2 != v1 and sorted(map(str, rows2)) == sorted(map(str, rows))

    # Another machine (an empty cache): the state is in the committed version on the
    # store, so this run is incremental too.
    monkeypatch.setenv("TEXTCLEAN_CACHE", str(tmp_path / "other-machine"))
    assert main(["run", "s3://corpus/seeds", "--output", url, "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["counts"]["unchanged_files_skipped"] == 5
    assert manifest["output"] == url and manifest["input"] == "s3://corpus/seeds"
    v3, rows3 = read_version(s3, url)
    assert sorted(map(str, rows3)) == sorted(map(str, rows))
    # The new version and the one it replaced are kept; older ones are pruned.
    versions = {p.rsplit("/", 1)[-1] for p in s3.ls("corpus/out-incremental/_textclean/versions")}
    assert versions == {v2, v3}
    remote_manifest = json.loads(s3.cat("corpus/out-incremental/manifest.json"))
    assert remote_manifest["run_id"] == v3


@pytest.mark.slow
def test_a_reader_racing_a_flow_commit_sees_one_version(
        s3: Any, prefect_server: None, capsys: pytest.CaptureFixture[str],
        record_property: Any) -> None:
    url = "s3://corpus/out-race"
    s3.put(f"{SEEDS}/", "corpus/race-in/", recursive=True)
    assert main(["run", "s3://corpus/race-in", "--output", url]) == 0
    v1, rows1 = read_version(s3, url)
    # The next run sees one more file and one changed.
    s3.pipe("corpus/race-in/extra.txt", "Ein ganz neuer Artikel über die Stadt.\n".encode())
    first = sorted(s3.find("corpus/race-in"))[0]
    s3.pipe(first, s3.cat(first) + "\nUne phrase ajoutée à la fin de l'article.\n".encode())
    reads, stop = [], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            reads.append(read_version(s3, url))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert main(["run", "s3://corpus/race-in", "--output", url]) == 0
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    capsys.readouterr()
    v2, rows2 = read_version(s3, url)
    whole = {v1: sorted(map(str, rows1)), v2: sorted(map(str, rows2))}
    assert len(rows2) == len(rows1) + 1
    seen = Counter(version for version, _ in reads)
    assert set(seen) == {v1, v2}, seen
    for version, rows in reads:
        assert sorted(map(str, rows)) == whole[version]
    record_property("remote_race_summary",
                    f"remote race: {len(reads)} reads during a run: {seen[v1]} of the old "
                    f"version ({len(rows1)} rows), {seen[v2]} of the new ({len(rows2)} rows), "
                    "0 mixed")


# ------------------------------------------------------------- the commit itself


def _local_commit(root: Path, run_id: str, n: int) -> None:
    """Commit a version of `n` documents into the local output `root`, as a run does."""
    out = storage.OutputFolder(root)
    now = datetime.now(UTC)
    rows = [{"doc_id": f"{run_id}-{i}", "source": f"{i}.txt", "kind": "text", "text": "Hallo",
             "language": "de", "language_score": 0.9, "n_paragraphs": 1, "n_removed_lines": 0,
             "n_duplicate_paragraphs": 0, "chars_in": 5, "chars_out": 5, "encoding": "utf-8",
             "repaired": False, "run_id": run_id, "processed_at": now} for i in range(n)]
    with out.lock():
        version = out.version(run_id)
        # Two parts, so that a reader could see one of each version if it could at all.
        storage.write_part(version / "documents", "part-00000.parquet", rows[: n // 2],
                           storage.DOCUMENTS)
        storage.write_part(version / "documents", "part-00001.parquet", rows[n // 2:],
                           storage.DOCUMENTS)
        storage.write_manifest(version, {"run_id": run_id})
        out.commit(run_id)


def _commit(s3: Any, url: str, run_id: str, n: int) -> remote.Pushed:
    location = remote.locate(url, "OUT")
    mirror = remote.cache_folder(url, "OUT")
    base = remote.pull_output(location, mirror)
    _local_commit(mirror / "output", run_id, n)
    return remote.push_output(location, mirror, base, {"output": url})


def test_readers_racing_many_commits_each_read_one_whole_version(
        s3: Any, record_property: Any) -> None:
    url = "s3://corpus/out-commits"
    sizes = {f"run-{i:02d}": 3 + i % 4 for i in range(12)}
    _commit(s3, url, "run-00", sizes["run-00"])
    reads: list[tuple[str, list[dict[str, Any]]]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                reads.append(read_version(s3, url))
            except FileNotFoundError:
                # Resolved a version pruned two commits later before it listed it: a
                # reader slower than two commits; never a mix.
                reads.append(("pruned", []))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for run_id, n in list(sizes.items())[1:]:
            _commit(s3, url, run_id, n)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    seen = Counter(version for version, _ in reads)
    for version, rows in reads:
        if version != "pruned":
            assert {r["run_id"] for r in rows} == {version}
            assert len(rows) == sizes[version]
    assert len(seen) >= 3, seen
    record_property("remote_commits_summary",
                    f"remote commits: {len(sizes) - 1} commits raced by 2 readers: "
                    f"{len(reads)} reads, {len(seen) - ('pruned' in seen)} versions seen, "
                    f"{seen['pruned']} resolved a pruned version, 0 mixed")


def test_a_reader_that_resolved_before_a_commit_still_reads_its_version(s3: Any) -> None:
    url = "s3://corpus/out-stale"
    _commit(s3, url, "stale-1", 4)
    tables = remote.resolve(url)
    _commit(s3, url, "stale-2", 6)
    prefix = tables["documents"].removeprefix("s3://")
    rows = [r for part in s3.find(prefix)
            for r in pq.read_table(s3.open(part, "rb"), columns=["run_id"]).to_pylist()]
    assert rows == [{"run_id": "stale-1"}] * 4


def test_the_second_of_two_runs_from_one_commit_loses_and_leaves_no_trace(
        s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "s3://corpus/out-conflict"
    _commit(s3, url, "both-start-here", 3)
    location = remote.locate(url, "OUT")
    mirrors = []
    for machine in ("a", "b"):  # two machines: two caches, one base
        monkeypatch.setenv("TEXTCLEAN_CACHE", str(tmp_path / machine))
        mirror = remote.cache_folder(url, "OUT")
        mirrors.append((mirror, remote.pull_output(location, mirror)))
    (mirror_a, base_a), (mirror_b, base_b) = mirrors
    _local_commit(mirror_a / "output", "winner", 5)
    _local_commit(mirror_b / "output", "loser", 7)
    remote.push_output(location, mirror_a, base_a, {})
    with pytest.raises(remote.RemoteConflict, match="another run committed"):
        remote.push_output(location, mirror_b, base_b, {})
    assert remote.resolve(url)["documents"].endswith("/winner/documents/")
    assert not s3.exists("corpus/out-conflict/_textclean/versions/loser")


def test_a_run_whose_starting_version_was_pruned_meanwhile_loses_cleanly(
        s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "s3://corpus/out-pruned"
    _commit(s3, url, "p1", 3)
    monkeypatch.setenv("TEXTCLEAN_CACHE", str(tmp_path / "slow-machine"))
    location = remote.locate(url, "OUT")
    mirror = remote.cache_folder(url, "OUT")
    base = remote.pull_output(location, mirror)
    out = storage.OutputFolder(mirror / "output")
    with out.lock():
        # The new version shares a file with p1 by hard link, as a run's dedup index
        # does: publishing it means a server-side copy from p1.
        shared = sorted(out.version("p1").rglob("*.parquet"))[0]
        storage.link(shared, out.version("slow") / "documents" / shared.name)
        storage.write_manifest(out.version("slow"), {"run_id": "slow"})
        out.commit("slow")
    monkeypatch.setenv("TEXTCLEAN_CACHE", str(tmp_path / "fast-machine"))
    _commit(s3, url, "p2", 4)
    _commit(s3, url, "p3", 5)  # p1 is pruned
    with pytest.raises(remote.RemoteConflict, match="is gone"):
        remote.push_output(location, mirror, base, {})
    assert remote.resolve(url)["documents"].endswith("/p3/documents/")
    assert not s3.exists("corpus/out-pruned/_textclean/versions/slow")


def test_input_objects_are_downloaded_again_only_when_they_change(s3: Any,
                                                                  tmp_path: Path) -> None:
    s3.put(f"{SEEDS}/", "corpus/mirror-in/", recursive=True)
    s3.pipe("corpus/mirror-in/sub/ünïcode näme.txt", "Grüße aus Zürich.\n".encode())
    location = remote.locate("s3://corpus/mirror-in", "INPUT")
    first = remote.pull_input(location, tmp_path)
    assert (first.objects, first.downloaded) == (6, 6)
    assert (tmp_path / "files" / "sub" / "ünïcode näme.txt").read_text() == "Grüße aus Zürich.\n"
    s3.pipe("corpus/mirror-in/sub/ünïcode näme.txt", "Grüße aus Basel.\n".encode())
    s3.rm(sorted(s3.find("corpus/mirror-in"))[0])
    second = remote.pull_input(location, tmp_path)
    assert (second.objects, second.downloaded) == (5, 1)
    assert (tmp_path / "files" / "sub" / "ünïcode näme.txt").read_text() == "Grüße aus Basel.\n"
    mirrored = sorted(p.relative_to(tmp_path / "files").as_posix()
                      for p in (tmp_path / "files").rglob("*") if p.is_file())
    expected = sorted(k.removeprefix("corpus/mirror-in/") for k in s3.find("corpus/mirror-in"))
    assert mirrored == expected


def test_another_fsspec_file_system_commits_the_same_way(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """file:// goes through the same fsspec calls, with the pointer checked before its
    PUT instead of a conditional PUT (S3's)."""
    monkeypatch.setenv("TEXTCLEAN_CACHE", str(tmp_path / "cache"))
    url = f"file://{tmp_path}/store/out"
    (tmp_path / "store").mkdir()
    _commit(None, url, "f1", 2)
    _commit(None, url, "f2", 3)
    _commit(None, url, "f3", 4)
    tables = remote.resolve(url)
    folder = Path(tables["documents"].removeprefix("file://"))
    assert pq.read_table(folder).column("run_id").to_pylist() == ["f3"] * 4
    assert sorted(p.name for p in (tmp_path / "store/out/_textclean/versions").iterdir()) == [
        "f2", "f3"]
    location = remote.locate(url, "OUT")
    stale = remote.Base("f2", remote.read_pointer(location)[1])
    _commit(None, url, "f4", 1)
    mirror = remote.cache_folder(url, "OUT")
    _local_commit(mirror / "output", "f5", 2)
    with pytest.raises(remote.RemoteConflict):
        remote.push_output(location, mirror, stale, {})
