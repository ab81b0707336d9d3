"""The worker pool survives a worker that dies (issue 16)."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from flows import parallel


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
