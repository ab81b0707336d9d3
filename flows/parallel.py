"""A pool of worker processes for the CPU-bound batch work.

ftfy, langdetect and the regex passes hold the GIL, so threads cannot use a second
core. Prefect's own ProcessPoolTaskRunner starts an embedded API server in every worker
process when no server is configured (tens of seconds each, measured), so instead the
flow keeps Prefect's thread runner for orchestration and each batch task hands its pure
work (`flows.batch.clean_files`) to this pool. On a Dask cluster the pool is not used:
tasks already run in the cluster's worker processes.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from flows import lifeline

T = TypeVar("T")

# The pool of the flow run in progress in this process; None runs work inline.
_pool: Executor | None = None


@contextmanager
def worker_pool(workers: int) -> Iterator[None]:
    """Run `call`s in `workers` processes for the duration of the block (inline if 1)."""
    global _pool
    if workers <= 1:
        yield
        return
    # "spawn": the flow's process runs Prefect's threads, and forking a threaded
    # process can copy held locks into the child.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_warm_up) as pool:
        _pool = pool
        try:
            yield
        except BaseException:
            # Ctrl-C or a failure: stop the workers now rather than let them finish
            # their batches (a run must end within seconds of Ctrl-C).
            _stop(pool)
            raise
        finally:
            _pool = None


def _stop(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


def call(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in the pool if one is active, else here."""
    if _pool is None:
        return function(*args)
    return _pool.submit(function, *args).result()


def _warm_up() -> None:
    # Ctrl-C reaches the whole process group: the main process stops the workers, so
    # they ignore it rather than print a traceback each. A worker whose main process
    # was killed exits (flows.lifeline).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lifeline.watch_parent()
    # Import the cleaning stack once per worker so the first batch is not slower.
    import flows.batch  # noqa: F401
