"""Stopping a run (issue 16, findings 9 and 13): Ctrl-C ends it within seconds with the
flow run marked Crashed and the output intact, the next run equals an uninterrupted one,
and a SIGKILL of the main process takes its children (API server, resource tracker,
workers) with it.

These run `textclean` as a user does, without PREFECT_API_URL, so the embedded server
is the one the CLI starts; its start-up (~20 s) dominates their time.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from flows import lifeline, storage
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def _rows(out: Path, name: str) -> list[str]:
    rows: list[dict[str, Any]] = ds.dataset(out / name, format="parquet").to_table().to_pylist()
    drop = ("run_id", "processed_at")
    return sorted(json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True,
                             default=str) for r in rows)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, shared_eval: Path) -> Path:
    folder = tmp_path_factory.mktemp("signals") / "corpus"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), "--docs", "400",
                    "--out", str(folder)], check=True, capture_output=True, timeout=300)
    return folder


def _start(corpus: Path, out: Path, config: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    # A session of its own, as a shell gives a job: Ctrl-C is SIGINT to the group.
    return subprocess.Popen([str(BIN / "textclean"), "run", str(corpus), "--output", str(out),
                             "--config", str(config), "--verbose", "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def _when_batches_are_staged(process: subprocess.Popen[str], out: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if glob.glob(f"{out}/_textclean/staging/*/batch-*/documents/*.parquet"):
            return
        time.sleep(0.05)
    raise AssertionError("the run ended (or never started) before it could be stopped")


def _descendants(pid: int) -> list[int]:
    found = []
    for children in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            kids = [int(k) for k in Path(children).read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *_descendants(kid)]
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "c.toml"
    config.write_text("[batching]\nfiles = 40\n", encoding="utf-8")  # ten batches
    return config


def test_ctrl_c_ends_the_run_within_10_s_and_the_next_run_completes(
        tmp_path: Path, corpus: Path) -> None:
    out, reference, config = tmp_path / "out", tmp_path / "reference", _config(tmp_path)
    first = tmp_path / "first"
    first.mkdir()
    (first / "seed.txt").write_bytes((SEEDS / "000_84b4950511e689db.txt").read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    subprocess.run([str(BIN / "textclean"), "run", str(first), "--output", str(out)],
                   env=env, check=True, capture_output=True, timeout=600)
    before = {name: _rows(out, name) for name in storage.TABLES}

    process = _start(corpus, out, config)
    _when_batches_are_staged(process, out)
    interrupted = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    log, _ = process.communicate(timeout=120)
    seconds = time.monotonic() - interrupted
    print(f"Ctrl-C to exit: {seconds:.1f} s")
    assert process.returncode == 130, log[-3000:]
    assert seconds < 10, log[-3000:]
    assert "Finished in state Crashed('Execution was aborted by an interrupt signal.')" in log
    assert "ConnectError" not in log and "Error logging to API" not in log
    for name in storage.TABLES:
        assert _rows(out, name) == before[name], name

    for folder, target in ((corpus, out), (first, reference), (corpus, reference)):
        subprocess.run([str(BIN / "textclean"), "run", str(folder), "--output", str(target),
                        "--config", str(config)], env=env, check=True, capture_output=True,
                       timeout=900)
    for name in storage.TABLES:
        assert _rows(out, name) == _rows(reference, name), name


class _Dropper:
    """An object whose `__del__` takes a Ctrl-C: Python prints the KeyboardInterrupt
    ("Exception ignored") and goes on."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10_000):  # the handler runs at the next bytecode check, in here
            pass


def _lose_a_ctrl_c() -> str:
    _Dropper()  # freed at once
    return "went on"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_ctrl_c_python_drops_is_raised_again_at_the_next_check() -> None:
    lifeline.catch_interrupts()
    try:
        lifeline.check_interrupted()  # nothing yet
        assert _lose_a_ctrl_c() == "went on"
        with pytest.raises(KeyboardInterrupt):
            lifeline.check_interrupted()
        with pytest.raises(KeyboardInterrupt):  # and at every check after it
            lifeline.check_interrupted()
        lifeline.catch_interrupts()  # a new run starts clean
        lifeline.check_interrupted()
        # A run started off the main thread (Python delivers signals to the main one
        # only) runs as before instead of failing in `signal.signal`.
        errors: list[Exception] = []

        def off_main() -> None:
            try:
                lifeline.catch_interrupts()
            except Exception as error:
                errors.append(error)

        worker = threading.Thread(target=off_main)
        worker.start()
        worker.join()
        assert errors == []
        assert signal.getsignal(signal.SIGINT) is lifeline._on_interrupt
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def test_children_die_with_a_killed_main_process(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "out"
    process = _start(corpus, out, _config(tmp_path))
    _when_batches_are_staged(process, out)
    children = _descendants(process.pid)
    # The API server, the resource tracker and two workers.
    assert len(children) >= 4, children
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)]


def test_a_worker_exits_when_its_parent_is_gone() -> None:
    # The tie itself, without a run: a child whose parent exits follows it.
    code = ("import os, sys, time; from flows import lifeline\n"
            "parent = os.getpid()\n"
            "if os.fork():\n"
            "    time.sleep(0.5); os._exit(0)\n"
            "lifeline.watch_parent(parent, interval=0.05)\n"
            "print(os.getpid(), flush=True); sys.stdout.close(); time.sleep(30)\n")
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=30, cwd=ROOT)
    orphan = int(started.stdout.split()[0])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(orphan):
        time.sleep(0.05)
    assert not _alive(orphan)
    assert lifeline.POLL_SECONDS <= 1
