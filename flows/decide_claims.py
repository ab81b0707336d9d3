"""How the tasks of a decide phase share its units (`flows.decide_tasks`): every task is
given all the phase's units (batches, buckets or bands) and takes the next one no task
has taken yet, so a task slowed by its neighbour, or started late, does fewer and the
phase ends when its work does; the decide process then checks that each unit was done
once.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

# The spill's folder of claims (`claimed`), and the lock of this process's claims.
FOLDER = "claims"
_CLAIMING = threading.Lock()


def largest_first(weights: np.ndarray) -> list[int]:
    """The indexes of the nonzero `weights`, largest first (ties in index order): the
    order in which the tasks of a phase claim them, so the last claimed are small.

    >>> largest_first(np.array([3, 0, 5, 3]))
    [2, 0, 3]
    """
    order = np.argsort(-weights, kind="stable")
    return [int(i) for i in order[weights[order] > 0]]


def claimed(spill: Path, phase: str, units: Sequence[int]) -> Iterator[int]:
    """The units of `units` (a phase's batches, buckets or bands) that this task takes:
    every task of the phase is given the whole list, and each takes the next unit no
    task has taken yet when it is ready for one.

    So a phase ends when its work does, not with its slowest share: a task slowed by the
    caller's work beside it, or started late, takes fewer units (static shares of two
    tasks ended 0.1-0.2 s apart at 1M paragraphs, per phase). The count of units taken
    is the length of the phase's file in the spill folder, grown by a byte under a
    POSIX lock, so it holds across processes and machines that share the folder (a
    file per claim cost ~1 ms of file system work each), and under a thread lock.
    Nothing is given back: a task that fails fails the run, and a task lost and run
    again (Dask reruns the tasks of a worker that died) finds its units taken, which
    `all_done` reports."""
    handle = os.open(spill / FOLDER / phase, os.O_RDWR | os.O_CREAT)
    try:
        while True:
            # A POSIX lock is the process's: tasks on threads of one process (a Dask
            # worker's) are kept apart by the thread lock.
            with _CLAIMING:
                fcntl.lockf(handle, fcntl.LOCK_EX)
                try:
                    taken = os.fstat(handle).st_size
                    if taken < len(units):
                        os.pwrite(handle, b"\0", taken)
                finally:
                    fcntl.lockf(handle, fcntl.LOCK_UN)
            if taken >= len(units):
                return
            yield units[taken]
    finally:
        os.close(handle)


def all_done(phase: str, units: Sequence[int], done: list[list[int]]) -> None:
    """Raise unless the tasks of `phase` did each of `units` once (`done`: each task's).

    A unit is taken for good (`claimed`): a task lost after taking some (its worker
    killed, and the task run again elsewhere, as Dask does) leaves them undone, and the
    run stops here rather than decide on part of its paragraphs."""
    taken = sorted(unit for units_of_task in done for unit in units_of_task)
    if taken != sorted(units):
        raise RuntimeError(
            f"decide's {phase} tasks did {len(taken)} of its {len(units)} units "
            f"({len(set(taken))} distinct): a task was lost or run twice, so the run "
            "stops before its output is written; run it again")
