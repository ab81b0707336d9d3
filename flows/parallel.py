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
"""

from __future__ import annotations

import importlib
import multiprocessing
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


def _new_executor(workers: int, warm: str = "flows.batch") -> ProcessPoolExecutor:
    # "spawn": the flow's process runs Prefect's threads, and forking a threaded
    # process can copy held locks into the child.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_warm_up, initargs=(warm,))


@contextmanager
def worker_pool(workers: int, warm: str = "flows.batch") -> Iterator[None]:
    """Run `call`s in `workers` processes for the duration of the block (inline if 1),
    each of which imports module `warm` as it starts: the cleaning stack by default,
    about 0.3 s of CPU a worker; what a pool for other work calls needs is less (the
    finalize step's `flows.finalize`: 0.15 s)."""
    global _pool
    if workers <= 1:
        yield
        return
    _pool = _Pool(workers, _new_executor(workers, warm), warm)
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
    executor = _new_executor(1, pool.warm)
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
        pool.executor = _new_executor(pool.workers, pool.warm)
        pool.generation += 1
    broken.shutdown(wait=False, cancel_futures=True)


def _warm_up(warm: str = "flows.batch") -> None:
    # Ctrl-C reaches the whole process group: the main process stops the workers, so
    # they ignore it rather than print a traceback each. A worker whose main process
    # was killed exits (flows.lifeline).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lifeline.watch_parent()
    # Import what the calls need once per worker (by default the cleaning stack), so
    # the first call is not slower.
    importlib.import_module(warm)
