"""Tie child processes to the textclean process that started them.

A run starts an API server (the embedded Prefect server) and worker processes. Killed
with SIGKILL, the main process cannot stop them, and they used to run on for minutes
(issue 16). Two ties, one per kind of child:

- the API server is started through `python -m flows.lifeline PID MODULE ARGS...`,
  which asks Linux for a signal when its parent (PID) dies (`prctl(PR_SET_PDEATHSIG)`)
  and then runs MODULE as `python -m MODULE ARGS...` would;
- a worker process runs `watch_parent` in its initializer: a daemon thread that exits
  the process as soon as its parent is gone (the parent-death signal is tied to the
  parent *thread* that started the child, and a pool's workers are started from
  whichever task thread submitted first, so polling is the safe choice there).

Where prctl does not exist (not Linux), the server falls back to the same polling.

Both the CLI and the server also start and end the same quick way (issue 20): their
start-up imports run without the cyclic garbage collector (`started` turns it back on),
and once done they exit without tearing the interpreter down (`exit_now`).

Ctrl-C in the CLI is also remembered, not only raised (`catch_interrupts`): the flow
checks for it between batches and before it commits (`check_interrupted`), so a run
that Python's KeyboardInterrupt did not stop still ends as interrupted, with the output
as the last completed run left it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import gc
import os
import runpy
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1
# How often a worker checks its parent: a killed run's workers are gone within this.
POLL_SECONDS = 0.5


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send `sig` to this process when its parent dies; False where
    that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return bool(libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0)


def watch_parent(parent: int | None = None, interval: float = POLL_SECONDS) -> None:
    """Exit this process (at once, status 1) when its parent process `parent` (by
    default the current one) is gone: a daemon thread polls for it."""
    expected = os.getppid() if parent is None else parent

    def watch() -> None:
        while True:
            if os.getppid() != expected:
                os._exit(1)
            threading.Event().wait(interval)

    threading.Thread(target=watch, name="textclean-lifeline", daemon=True).start()


def started() -> None:
    """The process's start-up is over: its imports, config and warm-up ran without the
    cyclic garbage collector (importing Prefect and the cleaners makes ~160,000 objects
    and almost no garbage: full collections over them cost 0.3 s of CPU there). What
    they made lives as long as the process, so it is frozen (later full collections,
    such as each decide phase's, no longer walk it: 0.09 s each) and the collector
    turned back on. Nothing when the collector was on (a caller that never turned it
    off, as the tests are)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


_interrupted = threading.Event()


def catch_interrupts() -> None:
    """From now on, Ctrl-C (SIGINT) in this process raises KeyboardInterrupt, as Python's
    own handler does, and is remembered until the next call, for `check_interrupted`.
    Python drops a KeyboardInterrupt raised while a `__del__` method or a garbage
    collector callback runs (it prints "Exception ignored" and goes on); one full test
    run saw a run go on to commit 5 s after its Ctrl-C, in state Completed, its cause
    not proven. Off the main thread (where Python delivers no signal) it only forgets
    an earlier Ctrl-C."""
    _interrupted.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(signum: int, frame: object) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


def check_interrupted() -> None:
    """Raise KeyboardInterrupt again if Ctrl-C came since `catch_interrupts`, whatever
    became of the first one."""
    if _interrupted.is_set():
        raise KeyboardInterrupt


def exit_now(code: int) -> None:
    """Exit with status `code` without tearing the interpreter down: the exit handlers
    run and the standard streams are flushed, but the objects a run imported are not
    freed one by one (0.3-0.4 s of CPU for Prefect, pyarrow, numpy and the lexicons)."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def command(module: str, *args: str) -> list[str]:
    """The command line that runs `python -m module args...` tied to this process."""
    return [sys.executable, "-m", "flows.lifeline", str(os.getpid()), module, *args]


def main(argv: list[str]) -> None:
    """Run module `argv[1]` with arguments `argv[2:]`, tied to parent process `argv[0]`."""
    parent = int(argv[0])
    if not set_parent_death_signal():
        watch_parent(parent)
    if os.getppid() != parent:  # the parent died before the tie was made
        sys.exit(1)
    sys.argv = list(argv[1:])
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
