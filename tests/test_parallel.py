"""The worker pool survives a worker that dies (issue 16)."""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cleaners.reasons import WORKER_DIED
from flows import parallel
from flows.batch import Cleaned, clean_files_alone
from flows.clean_corpus import plan_batches
from flows.inputs import InputFile, discover
from flows.settings import Batching, load_settings
from flows.staging import CURRENT
from tests.conftest import ROOT
from tests.test_signals import _alive


def _die_first_time(marker: str, value: int) -> int:
    """Kill this worker the first time (as the OOM killer would), then answer."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once")
        os.kill(os.getpid(), signal.SIGKILL)
    return value * 2


def _always_die() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def test_a_dead_worker_is_replaced_and_its_call_retried(tmp_path: Path) -> None:
    # Before: the pool stayed broken, the retry failed the same way and the run exited 1.
    with parallel.worker_pool(2):
        assert parallel.call(_die_first_time, str(tmp_path / "marker"), 21) == 42
        assert parallel.call(abs, -5) == 5  # later calls run on the fresh pool


def test_a_call_that_kills_every_worker_gives_up_after_one_retry() -> None:
    with parallel.worker_pool(2):
        with pytest.raises(BrokenProcessPool):
            parallel.call(_always_die)
        assert parallel.call(abs, -7) == 7


# The stand-in for the OOM killer: a worker that starts cleaning a document holding this
# word is killed with SIGKILL, as the kernel kills the process whose memory it reclaims.
# The code under test is the real one: the flow, the shared pool, `call_alone` and
# `clean_files_alone`; only the cause of death is simulated, in the test's workers.
KILLER = "Speicherfresser"


def _warm_up_with_a_killer(once: str | None) -> None:
    """The pool's warm-up, then: die on a KILLER document (only the first time if `once`
    names a marker file: a death that does not repeat)."""
    parallel._warm_up()
    import flows.batch

    clean = flows.batch.clean_document

    def clean_or_die(raw: Any, tools: Any) -> Any:
        text = raw.data if isinstance(raw.data, str) else raw.data.decode("utf-8", "replace")
        if KILLER in text and not (once and Path(once).exists()):
            if once:
                Path(once).write_text("died once")
            os.kill(os.getpid(), signal.SIGKILL)
        return clean(raw, tools)

    flows.batch.clean_document = clean_or_die


def _executor_with_a_killer(workers: int, warm: str = "flows.batch",
                            once: str | None = None, forked: bool = False
                            ) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver" if forked else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_warm_up_with_a_killer, initargs=(once,))


TEXTS = {
    "fr": "Le conseil municipal a voté mardi soir le budget de la commune pour l'année "
          "prochaine, après un long débat sur la rénovation de l'école primaire.",
    "de": "Die Stadtbibliothek bleibt wegen Bauarbeiten bis Ende des Monats geschlossen, "
          "Ausleihen können aber online verlängert werden.",
    "es": "El ayuntamiento anunció ayer que las obras de la nueva línea de autobús "
          "comenzarán en primavera y durarán unos seis meses.",
    "pl": "Mieszkańcy dzielnicy zebrali ponad tysiąc podpisów pod petycją w sprawie "
          "budowy nowego parku przy ulicy Długiej.",
}


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize("where", ["txt", "jsonl"])
def test_a_document_that_kills_its_worker_twice_becomes_a_rejected_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    # Before: the retry on a fresh pool died too, BrokenProcessPool failed the batch's
    # task and the run (exit 1). Now the batch is cleaned again in a worker of its own,
    # which names the document; the others of its batch and of the run are kept.
    from flows.clean_corpus import clean_corpus

    monkeypatch.setattr(parallel, "_new_executor", _executor_with_a_killer)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for code, text in TEXTS.items():
        (inputs / f"{code}.txt").write_text(f"{text}\n\n{text}\n")
    killer = f"{TEXTS['de']} {KILLER}."
    if where == "txt":
        (inputs / "de_killer.txt").write_text(killer + "\n")
        expected = ("de_killer.txt", None)
    else:
        records = [{"text": TEXTS["fr"] + " Premier."}, {"text": killer},
                   {"text": TEXTS["es"] + " Tercero."}]
        (inputs / "de_killer.jsonl").write_text("\n".join(json.dumps(r) for r in records))
        expected = ("de_killer.jsonl", 2)  # 1-based lines
    config = tmp_path / "config.toml"
    config.write_text("[batching]\nfiles = 3\n")  # two batches: the pool is used

    manifest = clean_corpus(input_dir=str(inputs), output=str(tmp_path / "out"),
                            config_file=str(config), workers=2)

    rejected = pq.read_table(tmp_path / "out" / "rejected").to_pylist()
    assert [(r["source"], r["record"], r["reason"]) for r in rejected] == [
        (*expected, WORKER_DIED)]
    assert "died twice" in rejected[0]["message"]
    documents = pq.read_table(tmp_path / "out" / "documents").to_pylist()
    sources = sorted((d["source"], d["record"]) for d in documents)
    kept = [(f"{code}.txt", None) for code in TEXTS]
    if where == "jsonl":
        kept += [("de_killer.jsonl", 1), ("de_killer.jsonl", 3)]
    assert sources == sorted(kept)
    assert manifest["rejected_by_reason"] == {WORKER_DIED: 1}


def test_a_worker_death_outside_any_document_still_fails_the_batch(tmp_path: Path) -> None:
    # Nothing to blame (the CURRENT file names no document): no row is invented.
    def run(function: Any, *args: Any) -> Cleaned:
        raise BrokenProcessPool("died while writing the batch's files")

    with pytest.raises(BrokenProcessPool):
        clean_files_alone(run, 0, [], str(tmp_path), load_settings(None), "run")


def test_a_document_on_which_the_lone_worker_died_once_is_cleaned_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One death in the worker of its own is not enough to reject a document (the OOM
    # killer may have picked that worker for another process's memory): it is retried.
    monkeypatch.setattr(parallel, "_new_executor",
                        functools.partial(_executor_with_a_killer, once=str(tmp_path / "died")))
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "de.txt").write_text(f"{TEXTS['de']} {KILLER}.\n")
    (inputs / "pl.txt").write_text(TEXTS["pl"] + "\n")
    files, _ = discover(inputs)
    with parallel.worker_pool(2):
        stats = clean_files_alone(parallel.call_alone, 0, files, str(tmp_path / "staging"),
                                  load_settings(None), "run")
    assert (tmp_path / "died").exists()
    assert (stats.files, sum(stats.rejected.values())) == (2, 0)
    assert not (tmp_path / "staging" / "batch-00000" / CURRENT).exists()


def _sleep(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_calls_in_flight_give_up_when_the_run_stops_the_pool() -> None:
    # Ctrl-C stops the pool under calls in flight: they must not be retried on a fresh
    # pool (before: each batch ran to its end first, 24-33 s after Ctrl-C under load).
    import threading
    import time

    failures: list[BaseException] = []

    def call() -> None:
        try:
            parallel.call(_sleep, 30)
        except BaseException as error:
            failures.append(error)

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), parallel.worker_pool(2):
        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(1.5)  # the call is running in a worker
        raise KeyboardInterrupt
    caller.join(timeout=20)
    assert not caller.is_alive()
    assert [type(f) for f in failures] == [parallel.PoolStopped]
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(("files", "batching", "workers", "sizes"), [
    # A small run: batches of the smallest size, not cut per worker below it.
    (1200, Batching(), 2, [500, 500, 200]),
    # Mid-sized: at least eight batches per worker.
    (10_000, Batching(), 2, [625] * 16),
    # A large run: capped at `files`, far fewer task runs than 500-file batches.
    (95_000, Batching(), 2, [4000] * 23 + [3000]),
    # The config's own bound still holds, however small.
    (7, Batching(files=2), 4, [2, 2, 2, 1]),
    # Bytes bound a batch first when files are large.
    (10, Batching(bytes=3 * 1000), 1, [3, 3, 3, 1]),
])
def test_batches_per_worker(files: int, batching: Batching, workers: int,
                            sizes: list[int]) -> None:
    inputs = [InputFile(f"/in/{n}.txt", f"{n}.txt", "text", False, 1000) for n in range(files)]
    batches = plan_batches(inputs, batching, workers)
    assert [len(batch) for batch in batches] == sizes
    assert [file for batch in batches for file in batch] == inputs


def _frozen_after_toolkit() -> tuple[int, int]:
    import gc

    from flows.batch import toolkit
    before = gc.get_freeze_count()
    toolkit(load_settings(None).pipeline)
    return before, gc.get_freeze_count()


def test_a_worker_freezes_its_toolkit_for_the_garbage_collector() -> None:
    # The toolkit lives as long as the worker: its collections need not walk it.
    with parallel.worker_pool(2):  # one worker would run calls in this process
        before, after = parallel.call(_frozen_after_toolkit)
    assert before == 0 and after > 10_000


def _toolkits_built() -> tuple[int, int]:
    """The toolkit cache's misses before and after asking for the default toolkit."""
    from flows.batch import toolkit
    before = toolkit.cache_info().misses
    toolkit(load_settings(None).pipeline)
    return before, toolkit.cache_info().misses


def test_forked_workers_start_with_the_runs_toolkit() -> None:
    # Issue 20: each spawned worker imported the cleaning stack and built the toolkit,
    # ~2 s of CPU; forked from the fork server, which built it once, a worker has it.
    from multiprocessing import forkserver

    with parallel.worker_pool(2, pipeline=load_settings(None).pipeline):
        # What a worker spent before its first call (a builtin: no module to import).
        started = parallel.call(time.process_time)
        before, after = parallel.call(_toolkits_built)
        assert forkserver._forkserver._forkserver_pid is not None
    assert (before, after) == (1, 1)  # built by the server: no miss in the worker
    assert started < 0.3, started
    # The server (and its toolkit) is gone with the pool: decide is the memory peak.
    assert forkserver._forkserver._forkserver_pid is None
    # A pool without a pipeline is spawned, and builds what its calls need itself.
    with parallel.worker_pool(2):
        assert parallel.call(time.process_time) > 0.3  # imported the cleaning stack
        assert parallel.call(_toolkits_built) == (0, 1)


def test_a_forked_worker_exits_when_the_main_process_is_killed() -> None:
    # Its parent is the fork server, not the main process: the tie is the pipe the main
    # process holds for it (flows.parallel._watch_main).
    code = ("import os, sys\n"
            "from flows import parallel\n"
            "from flows.settings import load_settings\n"
            "if __name__ == '__main__':\n"
            "    with parallel.worker_pool(2, pipeline=load_settings(None).pipeline):\n"
            "        print(parallel.call(os.getpid), flush=True)\n"
            "        os.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    worker = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.05)
    assert not _alive(worker)
