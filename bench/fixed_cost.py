#!/usr/bin/env python3
"""Time a command N times: wall time, CPU time of its whole process tree, load (issue 20).

    python3 bench/fixed_cost.py 5 .venv/bin/textclean run seeds --output data
    python3 bench/fixed_cost.py --fresh /tmp/out 5 .venv/bin/textclean run seeds --output /tmp/out
    python3 bench/fixed_cost.py --boost 5 .venv/bin/textclean run seeds --output data
    python3 bench/fixed_cost.py --old /work/main 5 .venv/bin/textclean run seeds --output data

`--fresh DIR` removes DIR before each run (a first run over that output, not an
incremental one). `--boost` (root only) gives the run's scheduling groups nice -20: on a
Linux machine with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`),
each session is one group and plain `nice` cannot lift a run above other people's jobs;
the embedded Prefect server runs in a session of its own, so each new process of the
run is boosted as it appears. On a shared machine this approaches an idle machine's
figures; say so when quoting them. `--old DIR` runs the command in DIR (another
checkout, with its own .venv and output) and here in turns, old first, and prints the
medians of both: on a machine whose load drifts, the two see the same drift. CPU time
counts the processes the run waited for (its server and workers): `wait4`'s children
usage.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import shutil
import statistics
import subprocess
import threading
import time


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid`, from /proc."""
    found = []
    for children in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(children) as listing:
                kids = [int(k) for k in listing.read().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *descendants(kid)]
    return found


def boost(pid: int, done: threading.Event) -> None:
    """Set nice -20 on the autogroup of `pid` and of each descendant, until `done`."""
    seen: set[int] = set()
    while not done.is_set():
        for process in [pid, *descendants(pid)]:
            if process in seen:
                continue
            try:
                with open(f"/proc/{process}/autogroup", "w") as group:
                    group.write("-20")
                seen.add(process)
            except OSError:
                pass  # gone already, or not ours to change
        time.sleep(0.01)


def run_once(command: list[str], boosted: bool, cwd: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process tree) of one run in `cwd`; exits on
    failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=cwd)
    done = threading.Event()
    if boosted:
        threading.Thread(target=boost, args=(process.pid, done), daemon=True).start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"{command[0]} exited {process.returncode}:\n"
                         f"{stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boost", action="store_true",
                        help="give the run's autogroups nice -20 (root only)")
    parser.add_argument("--fresh", metavar="DIR", help="remove DIR before each run")
    parser.add_argument("--old", metavar="DIR",
                        help="also run the command in DIR, in turns with here (old first)")
    parser.add_argument("runs", type=int)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.boost:
        with open("/proc/self/autogroup", "w") as group:
            group.write("-20")
    trees = {"old": args.old, "new": None} if args.old else {"": None}
    walls: dict[str, list[float]] = {name: [] for name in trees}
    cpus: dict[str, list[float]] = {name: [] for name in trees}
    for number in range(1, args.runs + 1):
        for name, cwd in trees.items():
            if args.fresh:
                shutil.rmtree(os.path.join(cwd or ".", args.fresh), ignore_errors=True)
            wall, cpu = run_once(args.command, args.boost, cwd)
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"  run {number}{' ' + name if name else ''}: {wall:.2f} s wall, "
                  f"{cpu:.2f} s CPU, load {os.getloadavg()[0]:.1f}", flush=True)
    for name in trees:
        print(f"{name + ' ' if name else ''}median of {args.runs}: "
              f"{statistics.median(walls[name]):.2f} s wall, "
              f"{statistics.median(cpus[name]):.2f} s CPU")
    print(f"load average {os.getloadavg()}")

if __name__ == "__main__":
    main()
