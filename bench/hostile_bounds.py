#!/usr/bin/env python3
"""Issue 16's real-world shapes through the CLI: wall time and peak memory per mode.

Writes a folder with a flattened calendar line, a list of dates, a 40k base64 image in
a cp1252 page and in a UTF-8 page with one stray byte, a .gz of 3M short lines and
4,000 adversarial near-duplicate paragraphs (a shared 38-word core, 20 words of their
own) over 40 files; runs `textclean run` in thread mode (--workers 1) and process mode
(--workers 2) and prints, per mode, seconds (flow_seconds: the flow alone, without the
CLI's imports and Prefect's server start-up and shut-down), the outcome of each file,
the largest process's peak RSS (ru_maxrss of the children, which covers the worker
processes) and the peak of the summed RSS of the run's process tree (sampled every
0.1 s: the flow, Prefect's server, the workers).

    .venv/bin/python bench/hostile_bounds.py
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_hostile import (  # noqa: E402
    PARAGRAPH_FR,
    _article,
    _calendar_line,
    _date_list,
    _inline_image_page,
)


def write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "calendar.txt").write_text(_article(_calendar_line()))
    (folder / "dates.txt").write_text(_article(_date_list()))
    page = _inline_image_page()
    (folder / "image_cp1252.html").write_bytes(page.encode("cp1252"))
    (folder / "image_stray.html").write_bytes(page.encode("utf-8").replace(b"5 EUR", b"5 \x80"))
    (folder / "lines.txt.gz").write_bytes(gzip.compress(b"a\n" * 3_000_000, 9))
    rng = random.Random(7)
    words = [f"mot{k}" for k in range(50_000)]
    core = " ".join(rng.choice(words) for _ in range(38))
    for f in range(40):
        paragraphs = [core + " " + " ".join(rng.choice(words) for _ in range(20)) + "."
                      for _ in range(100)]
        (folder / f"adversarial_{f:02d}.txt").write_text(
            PARAGRAPH_FR + "\n\n" + "\n\n".join(paragraphs))


def tree_rss(pid: int) -> int:
    """The summed RSS of process `pid` and its descendants, in bytes (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def run(inputs: Path, out: Path, workers: int) -> dict[str, object]:
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen([str(ROOT / ".venv/bin/textclean"), "run", str(inputs),
                                    "--output", str(out), "--workers", str(workers)],
                                   stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        tree_peak = 0
        while process.poll() is None:  # the server, the flow and the workers, summed
            tree_peak = max(tree_peak, tree_rss(process.pid))
            time.sleep(0.1)
        stderr.seek(0)
        done = subprocess.CompletedProcess(process.args, process.returncode, "", stderr.read())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manifest = json.loads((out / "manifest.json").read_text()) if done.returncode == 0 else {}
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "rejected").to_pylist() if done.returncode == 0 else []
    rejected = {row["source"]: row["reason"] for row in rows}
    return {"workers": workers, "exit": done.returncode, "seconds": round(seconds, 1),
            "peak_rss_mb": round(max(peak, before) / 1024),
            "peak_tree_rss_mb": round(tree_peak / 2**20),
            "documents": manifest.get("counts", {}).get("documents"),
            "rejected": rejected, "capped": manifest.get("dedup_capped_paragraphs"),
            "flow_seconds": manifest.get("seconds"),
            "seconds_per_stage": manifest.get("seconds_per_stage"),
            "stderr_tail": done.stderr[-300:] if done.returncode else ""}


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        inputs = Path(scratch) / "in"
        write_inputs(inputs)
        for workers in (1, 2):
            print(json.dumps(run(inputs, Path(scratch) / f"out{workers}", workers)), flush=True)


if __name__ == "__main__":
    main()
