"""A run killed with SIGKILL in the middle of writing leaves the previous output intact
and readable; the next run completes it and equals an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from flows import storage
from tests.conftest import SEEDS

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]
BIN = Path(sys.executable).parent


def _rows(out: Path, name: str, drop: tuple[str, ...] = ("run_id", "processed_at")) -> list[str]:
    rows: list[dict[str, Any]] = ds.dataset(out / name, format="parquet").to_table().to_pylist()
    return sorted(json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True,
                             default=str) for r in rows)


def _textclean(*args: str) -> list[str]:
    return [str(BIN / "textclean"), "run", *args]


def _corpus(folder: Path, copies: int) -> None:
    # Many distinct documents from the seeds, so the run has batches to be killed in.
    for n in range(copies):
        for seed in sorted(SEEDS.glob("*.txt")):
            lines = seed.read_text(encoding="utf-8").split("\n")
            lines.insert(2, f"Édition numéro {n} de ce texte, publiée pour l'essai de reprise.")
            (folder / f"{n:03d}_{seed.name}").write_text("\n".join(lines), encoding="utf-8")


def test_sigkill_mid_write_keeps_old_output_and_rerun_completes(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    small, big, out, reference = (tmp_path / n for n in ("small", "big", "out", "reference"))
    small.mkdir()
    big.mkdir()
    shutil.copy(SEEDS / "000_84b4950511e689db.txt", small)
    _corpus(big, copies=60)
    config = tmp_path / "c.toml"
    config.write_text("[batching]\nfiles = 10\n", encoding="utf-8")

    subprocess.run(_textclean(str(small), "--output", str(out)), env=env, check=True,
                   capture_output=True, timeout=600)
    before = {name: _rows(out, name, ()) for name in storage.TABLES}

    process = subprocess.Popen(
        _textclean(str(big), "--output", str(out), "--config", str(config), "--workers", "1"),
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    versions = out / "_textclean" / "versions"
    deadline = time.monotonic() + 600
    killed_while = ""
    while time.monotonic() < deadline and process.poll() is None:
        staged = list((out / "_textclean" / "staging").glob("*/batch-*/documents/*.parquet"))
        if len(staged) >= 3:  # in the middle of writing the batches' part files
            os.killpg(process.pid, signal.SIGKILL)
            killed_while = f"{len(staged)} batches staged"
            break
        time.sleep(0.05)
    process.wait(timeout=60)
    assert killed_while, "the run finished before it could be killed; make the corpus larger"
    assert len(list(versions.iterdir())) == 1  # the killed run published nothing

    for name in storage.TABLES:  # the old output, exactly, and still readable
        assert _rows(out, name, ()) == before[name], name

    subprocess.run(_textclean(str(big), "--output", str(out), "--config", str(config)),
                   env=env, check=True, capture_output=True, timeout=900)
    # The same two runs, uninterrupted: the first run's paragraphs are in the dedup index
    # of both, so the second run's duplicate marks must agree too.
    for folder in (small, big):
        subprocess.run(_textclean(str(folder), "--output", str(reference), "--config",
                                  str(config)), env=env, check=True, capture_output=True,
                       timeout=900)
    for name in storage.TABLES:
        assert _rows(out, name) == _rows(reference, name), name
    assert not list((out / "_textclean" / "staging").iterdir())  # leftovers cleaned up
