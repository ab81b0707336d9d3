"""A time limit on one call, so that one runaway document cannot stall a batch.

`call_with_time_limit` stops the call by raising an exception inside it once the limit
has passed. How depends on the thread it runs in, which depends on how the run is
executed (measured in tests/test_timeout.py):

- The main thread of a process: the worker processes of `flows.parallel` (the default
  with several batches and cores) and direct calls. A `SIGALRM` timer (`setitimer`)
  whose handler raises. Python's regular expression engine checks for signals while it
  matches, so this also stops a catastrophic backtracking `re` match (a user's
  `extra_patterns` on a hostile line), which no other in-process mechanism can.
- Any other thread: Prefect's task threads (one worker, or a run of one batch) and
  Dask worker threads. A watchdog thread (one per process, asleep until the earliest
  deadline) raises the exception in the late thread with
  `PyThreadState_SetAsyncExc`. It is delivered between two Python bytecodes, so a
  single C call that does not return (one `re` match) is stopped only when it
  returns; every stage of our pipeline is Python code calling C briefly (lxml stops
  building a tree at depth 256; the built-in patterns are linear on long lines:
  tests/test_hostile.py), so in practice that bounds the wait to one C call.

The exception is a `BaseException` inside the call, so that a library's
`except Exception` cannot swallow it, and a `TimeLimitExceeded` (an `Exception`) to the
caller. Each mechanism only raises while the call is in progress: a timer or watchdog
that fires as the call returns raises nothing later in the caller. A stopped call
leaves nothing of ours half-done (the cleaners are pure, the toolkit is only read);
as with Ctrl-C, a library interrupted inside its own bookkeeping is the residual risk.

Cost per call, median of 5 x 20,000 calls of a trivial function on the shared 2-core
machine under load: 16 µs in the main thread (arming and disarming the timer), 10 µs
in another thread (two lock round trips; the watchdog does not wake per call). A
document takes 6.7 ms (150 a second per core), so the limit costs 0.2%.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class TimeLimitExceeded(Exception):
    """A call ran past its time limit and was stopped."""


class _Expired(BaseException):
    """Raised inside the call when its time is up (a BaseException: see the module)."""


def call_with_time_limit(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, stopped with `TimeLimitExceeded` after `seconds` (0: no limit).

    >>> call_with_time_limit(1.0, sum, [1, 2])
    3
    """
    if seconds <= 0 or math.isinf(seconds):
        return function(*args)
    # A call inside a timed call keeps the outer one's timer: it is watched instead.
    if (threading.current_thread() is threading.main_thread() and not _alarm.armed
            and _alarm.ready()):
        return _alarm.call(seconds, function, args)
    return _with_watchdog(seconds, function, args)


class _Alarm:
    """The SIGALRM timer of the main thread, its handler installed once per process.

    Installing and restoring a handler around every call cost 39 µs a call, mostly the
    two `signal.signal`; arming and disarming the timer alone costs a few µs. The
    handler raises only while a call is armed, so it is harmless between calls.
    """

    def __init__(self) -> None:
        self.armed = False
        self.expired = False

    def ready(self) -> bool:
        """Install the handler if SIGALRM is free; False if someone else uses it."""
        current = signal.getsignal(signal.SIGALRM)
        if current == self._on_alarm:
            return True
        if current not in (signal.SIG_DFL, signal.SIG_IGN):
            return False
        signal.signal(signal.SIGALRM, self._on_alarm)
        return True

    def _on_alarm(self, signum: int, frame: object) -> None:
        if self.armed:
            self.expired = True
            raise _Expired

    def call(self, seconds: float, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        self.expired = False
        self.armed = True
        try:
            # While the handler is ours, nobody else's timer can be running.
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                result = function(*args)
            finally:
                # From here on the handler raises nothing, wherever the signal lands.
                self.armed = False
        except _Expired:
            raise TimeLimitExceeded(f"stopped after the limit of {seconds:g} s") from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if self.expired:  # the call caught the exception and went on
            raise TimeLimitExceeded(f"ran past the limit of {seconds:g} s")
        return result


_alarm = _Alarm()


@dataclass(slots=True)
class _Job:
    """One call being watched: its thread, its deadline, whether it was stopped."""

    thread: int
    deadline: float
    done: bool = False
    fired: bool = False


class _Watchdog:
    """One daemon thread per process that stops calls running past their deadline."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._jobs: dict[int, _Job] = {}
        self._wake = math.inf
        threading.Thread(target=self._run, name="textclean-time-limit", daemon=True).start()

    def watch(self, job: _Job) -> None:
        with self._cond:
            self._jobs[job.thread] = job
            # Calls follow one another with the same limit, so a new deadline is
            # almost always after the one the watchdog sleeps until: no wake-up.
            if job.deadline < self._wake:
                self._cond.notify()

    def finish(self, job: _Job) -> None:
        with self._cond:
            job.done = True
            if self._jobs.get(job.thread) is job:
                del self._jobs[job.thread]

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for job in [j for j in self._jobs.values() if j.deadline <= now]:
                    del self._jobs[job.thread]
                    if not job.done:
                        job.fired = True
                        _raise_in(job.thread, _Expired)
                self._wake = min((j.deadline for j in self._jobs.values()), default=math.inf)
                self._cond.wait(None if math.isinf(self._wake) else self._wake - now)


_watchdog: _Watchdog | None = None
_watchdog_lock = threading.Lock()


def _the_watchdog() -> _Watchdog:
    global _watchdog
    with _watchdog_lock:
        # A forked child has the parent's object but not its thread.
        if _watchdog is None or _watchdog.pid != os.getpid():
            _watchdog = _Watchdog()
        return _watchdog


def _raise_in(thread: int, exception: type[BaseException] | None) -> None:
    # None clears an exception set earlier and not yet raised.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(exception) if exception else None)


def _with_watchdog(seconds: float, function: Callable[..., T], args: tuple[Any, ...]) -> T:
    watchdog = _the_watchdog()
    job = _Job(threading.get_ident(), time.monotonic() + seconds)
    try:
        watchdog.watch(job)
        try:
            result = function(*args)
        finally:
            watchdog.finish(job)
            if job.fired:
                # Set but maybe not yet raised (the call was returning): it must not
                # surface later in the caller.
                _raise_in(job.thread, None)
    except _Expired:
        raise TimeLimitExceeded(f"stopped after the limit of {seconds:g} s") from None
    # The call caught the exception and went on, or ended past its deadline before the
    # watchdog thread was scheduled (a loaded machine): over the limit either way.
    if job.fired or time.monotonic() > job.deadline:
        raise TimeLimitExceeded(f"ran past the limit of {seconds:g} s")
    return result
