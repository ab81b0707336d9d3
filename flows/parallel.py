"""A pool of worker processes for the CPU-bound batch work.

ftfy, langdetect and the regex passes hold the GIL, so threads cannot use a second
core. Prefect's own ProcessPoolTaskRunner starts an embedded API server in every worker
process when no server is configured (tens of seconds each, measured), so instead the
flow keeps Prefect's thread runner for orchestration and each batch task hands its pure
work (`flows.batch.clean_files`) to this pool. On a Dask cluster the pool is not used:
tasks already run in the cluster's worker processes.

A worker that dies (the OOM killer, a SIGKILL) breaks the whole pool: every call in
flight and every later one fails. The pool is then replaced once per break and the
calls that failed are tried again on the new one, so one dead worker costs a retry,
not the run (issue 16: the retry reused the broken pool and the run exited 1).

A call that breaks the fresh pool too can be run again with `call_alone`, in a pool of
its own with one worker: a death there is that call's alone, not a neighbour's, so the
caller can find the document that caused it (flows.batch.clean_files_alone).

The cleaning pool's workers are forked from a fork server (`worker_pool(..., pipeline=)`)
that imported the cleaning stack and built the run's toolkit once (flows.fork_server):
each spawned worker spent ~2 s of CPU on both (issue 20), a forked one starts with them.
The server is stopped with the pool, so that it does not hold a toolkit through the
decide step, the run's memory peak. The other pools are spawned, and import only what
their calls need.
"""

from __future__ import annotations

import base64
import importlib
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flows import lifeline

T = TypeVar("T")


@dataclass(slots=True)
class _Pool:
    """The pool of the flow run in progress, and how many times it was replaced."""

    workers: int
    executor: ProcessPoolExecutor
    #: The module each worker imports as it starts (`_warm_up`).
    warm: str = "flows.batch"
    #: Whether the workers are forked from the fork server (`worker_pool`'s `pipeline`).
    forked: bool = False
    generation: int = 0
    # Set when the run stops the pool (Ctrl-C, a failure): calls it broke give up.
    stopped: bool = False
    # The one-worker pools of `call_alone` in progress, stopped with the pool.
    alone: set[ProcessPoolExecutor] = field(default_factory=set)


# The pool of the flow run in progress in this process; None runs work inline.
_pool: _Pool | None = None
_replacing = threading.Lock()

class PoolStopped(RuntimeError):
    """The run stopped the worker pool (Ctrl-C or a failure) under a call in flight."""


#: Tries of one call on a fresh pool after the pool broke under it.
RETRIES_AFTER_A_DEAD_WORKER = 1


#: How the fork server learns the pipeline config whose toolkit it builds: pickled,
#: in its environment (flows.fork_server reads it as it starts).
WARM_PIPELINE = "TEXTCLEAN_WARM_PIPELINE"


def _new_executor(workers: int, warm: str = "flows.batch",
                  forked: bool = False) -> ProcessPoolExecutor:
    # "spawn", or forked from the fork server: the flow's process runs Prefect's
    # threads, and forking a threaded process can copy held locks into the child. The
    # fork server is a process of its own, started by exec, with one thread.
    context = multiprocessing.get_context("forkserver" if forked else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_warm_up, initargs=(warm,))


@contextmanager
def worker_pool(workers: int, warm: str = "flows.batch",
                pipeline: Any = None) -> Iterator[None]:
    """Run `call`s in `workers` processes for the duration of the block (inline if 1),
    each of which imports module `warm` as it starts: the cleaning stack by default,
    about 0.6 s of CPU a worker; what a pool for other work calls needs is less (the
    finalize step's `flows.finalize`: 0.15 s).

    With `pipeline` (the run's `PipelineConfig`), the workers are forked from a fork
    server that imported the cleaning stack and built that config's toolkit (~2 s of
    CPU), once for all of them, instead of each doing both (flows.fork_server).
    """
    global _pool
    if workers <= 1:
        yield
        return
    forked = pipeline is not None and _start_fork_server(pipeline)
    _pool = _Pool(workers, _new_executor(workers, warm, forked=forked), warm, forked=forked)
    try:
        yield
    except BaseException:
        # Ctrl-C or a failure: stop the workers now rather than let them finish
        # their batches (a run must end within seconds of Ctrl-C). The calls in flight
        # must then give up, not take the stop for a dead worker: retried on a fresh
        # pool, or cleaned alone, their batches ran to the end first (24-33 s after
        # Ctrl-C on a loaded machine).
        _pool.stopped = True
        _stop(_pool.executor)
        for executor in list(_pool.alone):
            _stop(executor)
        raise
    finally:
        pool, _pool = _pool, None
        pool.executor.shutdown(wait=True, cancel_futures=True)
        if forked:
            _stop_fork_server()


def _start_fork_server(pipeline: Any) -> bool:
    """Start the fork server, which builds `pipeline`'s toolkit as it starts (beside
    this process's own work); False where there is none (not on Linux or macOS)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    from multiprocessing import forkserver

    # A server left by an earlier pool would hold another run's toolkit.
    _stop_fork_server()
    forkserver.set_forkserver_preload(["flows.fork_server"])
    os.environ[WARM_PIPELINE] = base64.b64encode(pickle.dumps(pipeline)).decode("ascii")
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(WARM_PIPELINE, None)
    return True


def _stop_fork_server() -> None:
    # The server and its toolkit (~240 MB) are not needed after the cleaning pool.
    # multiprocessing has no public call for it; where this one is missing, the server
    # stays until this process exits (as it would without the call).
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def _stop(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


def call(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in the pool if one is active, else here.

    If a worker dies under it, the pool is replaced and the call tried again; a call
    that breaks the fresh pool too raises `BrokenProcessPool`.
    """
    pool = _pool
    if pool is None:
        return function(*args)
    for attempt in range(RETRIES_AFTER_A_DEAD_WORKER + 1):
        generation, executor = pool.generation, pool.executor
        try:
            return executor.submit(function, *args).result()
        except BrokenProcessPool:
            if pool.stopped:
                raise PoolStopped("the run stopped its worker processes") from None
            if attempt == RETRIES_AFTER_A_DEAD_WORKER:
                raise
            _replace(pool, generation)
    raise AssertionError("unreachable")  # the loop returns or raises


def call_alone(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a new pool of one worker, or here if no pool is active.

    Nothing else runs in that worker, so a `BrokenProcessPool` from it means this call
    killed it (or the OOM killer picked it). The calls in the shared pool go on.
    """
    pool = _pool
    if pool is None:
        return function(*args)
    if pool.stopped:
        raise PoolStopped("the run stopped its worker processes")
    executor = _new_executor(1, pool.warm, forked=pool.forked)
    pool.alone.add(executor)
    try:
        return executor.submit(function, *args).result()
    finally:
        pool.alone.discard(executor)
        executor.shutdown(wait=True, cancel_futures=True)


def _replace(pool: _Pool, generation: int) -> None:
    """A fresh executor for `pool`, unless another caller already replaced this one."""
    with _replacing:
        if pool.generation != generation or pool.stopped:
            return
        broken = pool.executor
        pool.executor = _new_executor(pool.workers, pool.warm, forked=pool.forked)
        pool.generation += 1
    broken.shutdown(wait=False, cancel_futures=True)


def _warm_up(warm: str = "flows.batch") -> None:
    # Ctrl-C reaches the whole process group: the main process stops the workers, so
    # they ignore it rather than print a traceback each. A worker whose main process
    # was killed exits (flows.lifeline); a forked one's parent is the fork server.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid != os.getppid():
        _watch_main(parent)
    else:
        lifeline.watch_parent()
    # Import what the calls need once per worker (by default the cleaning stack), so
    # the first call is not slower.
    importlib.import_module(warm)


def _watch_main(parent: Any) -> None:
    """Exit this worker at once when the process that started it (`parent`, the run's
    main process, not the fork server it was forked from) is gone: a daemon thread
    waits on the pipe the main process holds open for it, which closes as it dies."""

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="textclean-lifeline", daemon=True).start()
