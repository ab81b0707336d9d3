#!/usr/bin/env python3
"""End-to-end benchmark: `textclean run` on generated corpora, and the closest datatrove
pipeline on the same corpora (issue 8).

For each size, the corpus from bench/make_corpus.py (generated once under bench/corpus/)
goes through `textclean run` as a subprocess, Prefect's embedded server start-up
included, into a fresh output folder each time (an earlier output would make the run
incremental). Measured per run:

- wall time, documents/s and MB/s (MB = 10^6 bytes of uncompressed input text);
- peak RSS of the whole process tree: /proc read every 0.2 s, the RSS of the process
  and all its descendants summed (Prefect's server and datatrove's workers included);
- the largest single process's peak RSS, from wait4()'s ru_maxrss (exact, no polling);
- CPU time (user + system) per document of the whole tree, summed from the same /proc
  samples per process (split into main process, worker processes and Prefect's
  server): less sensitive to other people's load than wall time;
- textclean's seconds per stage from OUT/manifest.json, and the peer's per stage.

With --peer, bench/peer_datatrove.py runs the datatrove pipeline in bench/.peer-venv,
which this script creates on first use (python3 -m venv + pip install PEER_PACKAGES):
datatrove is never a project dependency. Figures are medians over --repeat runs. The
machine has two cores and is shared, so absolute figures move with other people's work:
compare the ratio measured in one invocation, not figures of different invocations.

    .venv/bin/python bench/run_bench.py --docs 1000,10000 --peer --repeat 3

With --peer-docs, the peer runs at those sizes only (and textclean at those too), so
one invocation can time textclean at 100k and compare it with datatrove at 10k, where
datatrove takes minutes rather than hours (issue 20):

    .venv/bin/python bench/run_bench.py --docs 100000 --peer-docs 10000 --repeat 3

Prints one table, and writes every run's figures to bench/out/bench-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The textclean measured: this checkout's, or another's (`--textclean`, e.g. the issue's
# baseline commit in a checkout of its own, against this checkout's corpora).
TEXTCLEAN = ROOT / ".venv" / "bin" / "textclean"
OUT = HERE / "out"
PEER_VENV = HERE / ".peer-venv"
# What the peer's steps import, pinned to the versions measured in docs/benchmarks.md.
# spaCy is the word tokenizer datatrove assigns to English (a blank pipeline, no model
# download); tokenizers and orjson are imported by datatrove's dedup and JSONL modules;
# trafilatura<1.12 is what datatrove's extractor supports; it imports lxml.html.clean,
# which lxml 5.2 moved out into lxml_html_clean (without it the peer venv was broken).
PEER_PACKAGES = ["datatrove==0.10.1", "ftfy==6.3.1", "langdetect==1.0.9", "spacy==3.8.18",
                 "trafilatura==1.11.0", "lxml_html_clean", "regex", "xxhash<4", "orjson",
                 "tokenizers"]
PEER_IMPORTS = ("import datatrove, ftfy, langdetect, spacy, trafilatura, regex, xxhash, orjson, "
                "tokenizers")
POLL_SECONDS = 0.2
PAGE = os.sysconf("SC_PAGE_SIZE")

sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402 - a sibling script, found through the path set just above


@dataclass(slots=True)
class RunFailed(Exception):
    """A benchmarked command exited non-zero; the message holds its stderr's tail."""


@dataclass(slots=True)
class Measured:
    """One subprocess run: its time, memory and what it printed."""

    seconds: float
    returncode: int
    tree_peak_rss_mb: float
    largest_process_rss_mb: float
    processes_seen: int
    cpu_seconds: float
    cpu_seconds_by_kind: dict[str, float]
    load_before: float
    load_after: float
    stdout: str = field(repr=False)
    stderr_tail: str = field(repr=False)


TICKS = os.sysconf("SC_CLK_TCK")


def _kind(pid: int) -> str:
    """What a process of the tree is, from its command line, to split CPU time by."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
    except OSError:
        return "gone"
    # Started as `uvicorn ...` by Prefect itself, or as `-m flows.lifeline PID
    # flows.prefect_server ...` by textclean (flows/prefect_server.py).
    if b"uvicorn" in cmdline or b"flows.prefect_server" in cmdline:
        return "prefect_server"
    if b"spawn_main" in cmdline or b"forkserver" in cmdline or b"multiprocess" in cmdline:
        return "workers"
    return "main"


def _tree_rss(root: int, cpu: dict[int, tuple[str, float]]) -> tuple[int, int]:
    """Bytes of RSS summed over `root` and its descendants, and how many processes;
    records each one's CPU seconds so far in `cpu`."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: the fields follow the last ')'.
        fields = stat[stat.rindex(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
            count += 1
        except OSError:
            pass
        if pid in times:
            kind = cpu[pid][0] if pid in cpu else _kind(pid)
            cpu[pid] = (kind, times[pid])
        todo.extend(children.get(pid, ()))
    return total, count


def by_kind(cpu: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per kind of process, as last sampled (up to 0.2 s short of the end)."""
    totals: dict[str, float] = {}
    for kind, seconds in cpu.values():
        totals[kind] = round(totals.get(kind, 0.0) + seconds, 1)
    return totals


def measure(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    """Run `cmd` to the end, sampling its process tree's memory every 0.2 s."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    with open(log, "wb") as err, open(log.with_suffix(".stdout"), "wb+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        peak, seen, done = 0, 0, threading.Event()
        cpu: dict[int, tuple[str, float]] = {}

        def poll() -> None:
            nonlocal peak, seen
            while not done.is_set():
                rss, count = _tree_rss(proc.pid, cpu)
                peak, seen = max(peak, rss), max(seen, count)
                done.wait(POLL_SECONDS)

        sampler = threading.Thread(target=poll, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    tail = log.read_bytes()[-3000:].decode("utf-8", "replace")
    return Measured(seconds=seconds, returncode=proc.returncode,
                    tree_peak_rss_mb=peak / 1e6, largest_process_rss_mb=usage.ru_maxrss / 1e3,
                    processes_seen=seen, cpu_seconds=usage.ru_utime + usage.ru_stime,
                    cpu_seconds_by_kind=by_kind(cpu),
                    load_before=load_before,
                    load_after=os.getloadavg()[0], stdout=stdout, stderr_tail=tail)


def textclean_env(prefect_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    env.pop("PREFECT_API_URL", None)  # always the embedded server, as a first-time user has
    return env


def run_textclean(corpus: Path, out: Path, env: dict[str, str], log: Path,
                  dedup: bool = True) -> tuple[Measured, dict[str, Any]]:
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(TEXTCLEAN), "run", str(corpus), "--output", str(out)]
    if not dedup:
        cmd.append("--no-dedup")
    measured = measure(cmd, env, log)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
    shutil.rmtree(out, ignore_errors=True)
    if measured.returncode != 0:
        raise RunFailed(f"textclean failed ({measured.returncode}):\n{measured.stderr_tail}")
    return measured, manifest


def ensure_peer_venv() -> Path:
    """bench/.peer-venv's python, the venv created and filled on first use."""
    python = PEER_VENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", PEER_IMPORTS],
                                          capture_output=True).returncode == 0:
        return python
    print(f"creating {PEER_VENV} with {' '.join(PEER_PACKAGES)} ...", file=sys.stderr)
    subprocess.run([sys.executable if not sys.prefix.startswith(str(ROOT)) else "python3",
                    "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *PEER_PACKAGES], check=True)
    return python


def run_peer(python: Path, corpus: Path, work: Path, tasks: int,
             log: Path) -> tuple[Measured, dict[str, Any]]:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    cmd = [str(python), str(HERE / "peer_datatrove.py"), str(corpus), str(work),
           "--tasks", str(tasks), "--workers", str(tasks)]
    measured = measure(cmd, env, log)
    shutil.rmtree(work, ignore_errors=True)
    if measured.returncode != 0:
        raise RunFailed(f"datatrove failed ({measured.returncode}):\n{measured.stderr_tail}")
    return measured, json.loads(measured.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(runs: list[dict[str, Any]], docs: int, mbytes: float) -> dict[str, Any]:
    seconds = median([r["seconds"] for r in runs])
    stages: dict[str, float] = {}
    for name in runs[0]["stages"]:
        stages[name] = median([r["stages"].get(name, float("nan")) for r in runs])
    return {
        "runs": len(runs), "seconds": seconds,
        "seconds_all": [round(r["seconds"], 1) for r in runs],
        "docs_per_s": docs / seconds, "mb_per_s": mbytes / seconds,
        "tree_peak_rss_mb": median([r["tree_peak_rss_mb"] for r in runs]),
        "largest_process_rss_mb": median([r["largest_process_rss_mb"] for r in runs]),
        # Sampled from /proc: wait4()'s total misses processes nobody waits for, such as
        # datatrove's forkserver workers.
        "cpu_ms_per_doc": 1000 * median([sum(r["cpu_seconds_by_kind"].values())
                                         for r in runs]) / docs,
        "stages": stages,
    }


def row(label: str, tc: dict[str, Any], peer: dict[str, Any] | None, fmt: str) -> str:
    left = format(tc[label], fmt)
    right = format(peer[label], fmt) if peer else "-"
    return f"  {label:<26}{left:>14}{right:>14}"


def ratio_line(tc: dict[str, Any], peer: dict[str, Any]) -> str:
    """textclean's advantage in throughput and in CPU time per document (higher: better)."""
    return (f"{tc['docs_per_s'] / peer['docs_per_s']:.2f}; "
            f"datatrove/textclean CPU ms per document: "
            f"{peer['cpu_ms_per_doc'] / tc['cpu_ms_per_doc']:.2f}")


def print_summary(by_size: dict[int, dict[str, Any]]) -> None:
    """One line per size: textclean's CPU per document, and the peer's where it ran."""
    print("\nsummary (CPU ms per document, whole process tree, median):")
    peers = [(docs, f["datatrove"]) for docs, f in sorted(by_size.items()) if f["datatrove"]]
    for docs, figures in sorted(by_size.items()):
        tc, peer = figures["textclean"], figures["datatrove"]
        line = f"  {docs:>7} documents: textclean {tc['cpu_ms_per_doc']:.2f}"
        if peer:
            line += (f", datatrove {peer['cpu_ms_per_doc']:.2f}; ratio textclean/datatrove "
                     f"docs/s {ratio_line(tc, peer)}")
        elif peers:
            # The peer ran at a smaller size only: its CPU per document there, for scale.
            size, other = peers[-1]
            line += (f" (datatrove at {size}: {other['cpu_ms_per_doc']:.2f}, "
                     f"{other['cpu_ms_per_doc'] / tc['cpu_ms_per_doc']:.2f}x textclean's)")
        print(line)


def main(argv: list[str] | None = None) -> int:
    global TEXTCLEAN
    parser = argparse.ArgumentParser(description="textclean end-to-end benchmark (issue 8)")
    parser.add_argument("--docs", default="1000,10000", help="corpus sizes, comma-separated")
    parser.add_argument("--peer", action="store_true", help="also run the datatrove pipeline")
    parser.add_argument("--peer-docs", default="",
                        help="sizes at which to run the datatrove pipeline (implies --peer; "
                             "textclean runs at these sizes too); default: every --docs size")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size and tool (median)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--tasks", type=int, default=os.cpu_count() or 1,
                        help="datatrove tasks and workers (default: cores)")
    parser.add_argument("--no-dedup", action="store_true", help="textclean --no-dedup")
    parser.add_argument("--textclean", type=Path, default=TEXTCLEAN,
                        help="the textclean executable to measure (default: this checkout's); "
                             "another checkout's, e.g. .../base-f53/.venv/bin/textclean, runs "
                             "its own code on this checkout's corpora")
    args = parser.parse_args(argv)
    TEXTCLEAN = args.textclean.absolute()
    peer_sizes = {int(s) for s in args.peer_docs.split(",") if s.strip()}
    sizes = sorted({int(s) for s in args.docs.split(",") if s.strip()} | peer_sizes)
    if args.peer and not peer_sizes:
        peer_sizes = set(sizes)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    prefect_home = OUT / "prefect-home"
    env = textclean_env(prefect_home)
    peer_python = ensure_peer_venv() if peer_sizes else None

    # The first run on a fresh PREFECT_HOME creates Prefect's database (20+ s here): a
    # user pays that once, so it is measured apart and kept out of the timed runs. The
    # five seed files then give the fixed cost of a run (server start-up, flow set-up).
    fresh = not (prefect_home / "prefect.db").exists()
    logs = OUT / "logs" / stamp
    first, _ = run_textclean(ROOT / "seeds", OUT / "tc-warmup", env, logs / "warmup.log")
    fixed, _ = run_textclean(ROOT / "seeds", OUT / "tc-warmup", env, logs / "fixed.log")
    print(f"Prefect first run on {'a fresh' if fresh else 'an existing'} PREFECT_HOME: "
          f"{first.seconds:.1f} s; a run on the 5 seed files (fixed cost): {fixed.seconds:.1f} s")

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=TEXTCLEAN.parents[2],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=TEXTCLEAN.parents[2],
                           capture_output=True, text=True).stdout.count("\n")
    print(f"textclean at commit {head}" + (f" with {dirty} modified files" if dirty else ""))
    results: dict[str, Any] = {"started": stamp, "argv": sys.argv[1:], "commit": head,
                               "modified_files": dirty,
                               "fixed_cost_seconds": fixed.seconds,
                               "first_run_seconds": first.seconds, "sizes": {}}
    path = OUT / f"bench-{stamp}.json"
    for docs in sizes:
        corpus, meta = make_corpus.ensure(docs, args.seed)
        mbytes = int(str(meta["input_bytes"])) / 1e6
        tc_runs: list[dict[str, Any]] = []
        peer_runs: list[dict[str, Any]] = []
        manifest: dict[str, Any] = {}
        peer_info: dict[str, Any] = {}
        for attempt in range(args.repeat):
            measured, manifest = run_textclean(
                corpus, OUT / f"tc-{docs}", env, logs / f"tc-{docs}-{attempt}.log",
                dedup=not args.no_dedup)
            tc_runs.append({**{k: v for k, v in asdict(measured).items()
                               if k not in ("stdout", "stderr_tail")},
                            "stages": manifest.get("seconds_per_stage", {}),
                            "counts": manifest.get("counts", {})})
            print(f"  textclean {docs}: {measured.seconds:.1f} s (load average "
                  f"{measured.load_before:.1f} -> {measured.load_after:.1f})", file=sys.stderr)
            if peer_python and docs in peer_sizes:
                try:
                    measured, peer_info = run_peer(
                        peer_python, corpus, OUT / f"dt-{docs}", args.tasks,
                        logs / f"dt-{docs}-{attempt}.log")
                except RunFailed as error:  # keep textclean's figures; say what failed
                    print(error, file=sys.stderr)
                    continue
                peer_runs.append({**{k: v for k, v in asdict(measured).items()
                                     if k not in ("stdout", "stderr_tail")},
                                  "stages": peer_info["seconds_per_stage"], "info": peer_info})
                print(f"  datatrove {docs}: {measured.seconds:.1f} s (load average "
                      f"{measured.load_before:.1f} -> {measured.load_after:.1f})",
                      file=sys.stderr)
        tc = summarize(tc_runs, docs, mbytes)
        peer = summarize(peer_runs, docs, mbytes) if peer_runs else None
        results["sizes"][docs] = {"corpus": meta, "textclean": tc, "textclean_runs": tc_runs,
                                  "datatrove": peer, "datatrove_runs": peer_runs}
        print(f"\n{docs} documents, {mbytes:.1f} MB, {meta['files']} files "
              f"(median of {args.repeat}; shared 2-core machine, figures are noisy)")
        print(f"  {'':<26}{'textclean':>14}{'datatrove':>14}")
        for label, fmt in (("seconds", ".1f"), ("docs_per_s", ".1f"), ("mb_per_s", ".2f"),
                           ("tree_peak_rss_mb", ".0f"), ("largest_process_rss_mb", ".0f"),
                           ("cpu_ms_per_doc", ".1f")):
            print(row(label, tc, peer, fmt))
        print(f"  seconds per run: textclean {tc['seconds_all']}"
              + (f", datatrove {peer['seconds_all']}" if peer else ""))
        if peer:
            print(f"  ratio textclean/datatrove docs/s: {ratio_line(tc, peer)}")
        print("  textclean stages (s): "
              + ", ".join(f"{k} {v:.1f}" for k, v in tc["stages"].items())
              + f"; fixed cost of a run ~{fixed.seconds:.1f}")
        print(f"  textclean CPU s by process (last run): {tc_runs[-1]['cpu_seconds_by_kind']}"
              + (f"; datatrove: {peer_runs[-1]['cpu_seconds_by_kind']}" if peer_runs else ""))
        counts = manifest.get("counts", {})
        print(f"  textclean out: {counts.get('documents')} documents, "
              f"{counts.get('rejected')} rejected {manifest.get('rejected_by_reason')}, "
              f"{counts.get('duplicate_paragraphs')} duplicate paragraphs of "
              f"{counts.get('paragraphs')}")
        if peer:
            print("  datatrove stages (s): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in peer["stages"].items()))
            print(f"  datatrove out: {peer_info['docs_in']} read, "
                  f"{peer_info['docs_after_filters']} after C4/Gopher, "
                  f"{peer_info['docs_out']} after MinHash "
                  f"({peer_info['tasks']} tasks, {peer_info['workers']} workers)")
        if peer_runs:
            results["peer_versions"] = peer_runs[-1]["info"]["versions"]
        # Written after every size, so a long run that is stopped keeps what it measured.
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print_summary(results["sizes"])
    print(f"\nfigures of every run: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
