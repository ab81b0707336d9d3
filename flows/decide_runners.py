"""How decide's tasks run (`flows.decide_tasks`): a `Runner` runs a phase's calls
inline, on threads (`threads`, for tests), in local processes (`processes`) or, in the
flow, as Prefect tasks (`flows.clean_corpus`), each timed with its CPU seconds and peak
memory (`timed`).
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa


class Runner(Protocol):
    """Runs `function(*args)` for each args of `calls` as tasks of phase `phase`, and
    returns the results in order; calls `meanwhile()` (the caller's own work that the
    tasks do not need) while they run, or after them where they run here."""

    def __call__(self, phase: str, function: Callable[..., Any],
                 calls: list[tuple[Any, ...]],
                 meanwhile: Callable[[], None] | None = None) -> list[Any]: ...


def inline(phase: str, function: Callable[..., Any], calls: list[tuple[Any, ...]],
           meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """A `Runner` that runs every task here, one after another."""
    results = [function(*args) for args in calls]
    if meanwhile is not None:
        meanwhile()
    return results


def threads(phase: str, function: Callable[..., Any], calls: list[tuple[Any, ...]],
            meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """A `Runner` that runs the calls at once, on threads of this process: the tasks
    take their units in turn as processes do (`decide_claims.claimed`), so which task
    does which unit changes from run to run; inline, the first task takes them all. For
    checking that the decisions do not depend on it (the tests), not for speed."""
    with ThreadPoolExecutor(max(1, len(calls))) as pool:
        futures = [pool.submit(function, *args) for args in calls]
        if meanwhile is not None:
            meanwhile()
        return [future.result() for future in futures]


@contextmanager
def processes(tasks: int, log: Callable[[dict[str, Any]], None] | None = None,
              own_peaks: bool = False) -> Iterator[Runner]:
    """A `Runner` over `tasks` local processes (spawned: the caller may run threads), or
    inline for one. `log` gets, per phase, its tasks' wall time, CPU seconds and peak
    memory each; with `own_peaks` a task's peak in a process is counted from its own
    start (`timed_alone`: these processes are the caller's alone), inline the caller's
    process's peak so far."""
    if tasks <= 1:
        yield _reported(lambda function, args: timed(function, *args), log)
        return
    measure = timed_alone if own_peaks else timed
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(tasks, mp_context=context) as pool:
        # Started and importing before the first phase, as a worker pool is in the flow.
        list(pool.map(_ready, range(tasks)))
        yield _reported(lambda function, args: pool.submit(measure, function, *args), log)


def _ready(_: int) -> None:
    """A worker's first call, which starts it and imports the tasks' module."""
    importlib.import_module("flows.decide_tasks")


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """`function(*args)`, the CPU seconds it took in this process, and the process's
    peak resident memory so far in MB (0 where /proc is not there).

    Then the memory the call freed goes back to the system (`release_memory`): a worker
    runs one phase after another, and each would otherwise start with the high-water
    mark of the one before it still resident (the 1M-paragraph verify phase measured
    610 MB so, in a process whose search phase had left ~200 MB in the allocators)."""
    start = time.process_time()
    with reusing_freed_memory():
        result = function(*args)
    cpu = time.process_time() - start
    peak = peak_rss_mb()
    release_memory()
    return result, cpu, peak


def timed_alone(function: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """`timed`, with the peak counted from this call's start: what the task itself held
    at most, the memory its process still held when it began included. The count is
    reset for the whole process (`ru_maxrss` too): not for a worker that others measure."""
    reset_peak()
    return timed(function, *args)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: unlike ru_maxrss, not
    inherited from the process that started it), 0 where /proc is not there."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def reset_peak() -> None:
    """Restart this process's peak resident memory count from what it holds now (Linux
    `clear_refs`; nothing where that is not there)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


# glibc's mallopt parameters (malloc.h) and their defaults.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_THRESHOLD = 128 * 1024
# The settings are the process's: tasks on threads of one process (a Dask worker's)
# share them, set by the first task in and set back by the last one out.
_REUSING = threading.Lock()
_reusing: dict[str, Any] = {"tasks": 0, "pool": None}


@contextmanager
def reusing_freed_memory() -> Iterator[None]:
    """While the block runs, freed memory is reused instead of handed back and faulted
    in again: Arrow allocates from glibc's heap (its system pool), blocks up to 32 MB
    come from that heap (not mapped fresh and unmapped when freed), and the heap is not
    trimmed as it shrinks.

    A task frees and allocates slices of that size all along (sorts, gathers, band
    keys, a bucket's taken columns). Arrow's own pool (mimalloc) hands back what was
    freed a second before, so the next bucket's columns were faulted in again, as huge
    pages cleared whole: at 1M paragraphs ~20% of the sort phase's CPU, more with two
    tasks clearing pages at once. The settings are set back when the last block running
    in the process ends (glibc's to its starting values, 128 kB), and `release_memory`
    hands the memory back. glibc's part is skipped where the C library is not glibc."""
    with _REUSING:
        if not _reusing["tasks"]:
            _reusing["pool"] = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
            _mallopt(32 << 20, 1 << 30)
        _reusing["tasks"] += 1
    try:
        yield
    finally:
        with _REUSING:
            _reusing["tasks"] -= 1
            if not _reusing["tasks"]:
                pa.set_memory_pool(_reusing["pool"])
                _mallopt(_DEFAULT_THRESHOLD, _DEFAULT_THRESHOLD)


def _mallopt(mmap_threshold: int, trim_threshold: int) -> None:
    """glibc's thresholds of mapping a block and of trimming the heap (nothing where
    the C library is not glibc)."""
    with suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
        libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold)


def release_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool (mimalloc or jemalloc) and
    glibc's heap keep freed pages for the next allocation otherwise."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    with suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reported(submit: Callable[[Callable[..., Any], tuple[Any, ...]], Any],
              log: Callable[[dict[str, Any]], None] | None) -> Runner:
    def run(phase: str, function: Callable[..., Any], calls: list[tuple[Any, ...]],
            meanwhile: Callable[[], None] | None = None) -> list[Any]:
        start = time.perf_counter()
        done = [submit(function, args) for args in calls]
        if meanwhile is not None:
            meanwhile()
        timed = [item if isinstance(item, tuple) else item.result() for item in done]
        if log is not None:
            log({"phase": phase, "tasks": len(calls),
                 "wall_s": round(time.perf_counter() - start, 2),
                 "cpu_s": [round(cpu, 2) for _, cpu, _ in timed],
                 "peak_mb": [round(peak) for _, _, peak in timed]})
        return [result for result, _, _ in timed]
    return run
