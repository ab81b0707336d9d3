#!/usr/bin/env python3
"""CPU of `finalize_batch` in this tree and another checkout, in turns, on one staged run.

    .venv/bin/python bench/compare_finalize_speed.py --old /work/tmp/h43-old \
        --stage /work/tmp/finalize-10k [--corpus bench/corpus/e2e-10000-seed1] \
        [--decision-copies 20] [--turns 6] [--rounds 3] [--partition-by language]

The corpus is cleaned and decided once, with this tree's code, into STAGE (kept for
later calls; each batch as `clean_files` stages it for a 2-worker run, the decisions as
`decide` writes them). `--decision-copies N` makes the decisions file N times as long
with rows on documents of no batch, as a larger run's file is (a 100k run has about
300,000 rows; every batch reads the file). Then, `--turns` times, a fresh process of each
checkout in turn (old first on even turns) finalizes every batch `--rounds` times into
STAGE/out-<old|new>, and the CPU of its rounds is printed (time.process_time) and of the
whole process (imports included). At the end, the part files of both checkouts' first
round are compared byte for byte, and the run statistics they return.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-12-07T09:00:00+00:00"

# Run in a child process with a checkout's code first on the path.
_FINALIZE = """
import json, shutil, sys, time
from datetime import datetime
from pathlib import Path
checkout, stage, out, rounds, partition_by, at = sys.argv[1:7]
sys.path.insert(0, checkout)
try:
    import flows.finalize as finalize
except ImportError:  # a checkout from before flows/finalize.py
    import flows.batch as finalize
assert finalize.__file__.startswith(checkout), finalize.__file__
batches = json.loads((Path(stage) / "plan.json").read_text())["batches"]
times = []
for n in range(int(rounds)):
    target = Path(out) / f"round-{n}"
    shutil.rmtree(target, ignore_errors=True)
    started = time.process_time()
    total = finalize.BatchStats()
    for batch_no in range(batches):
        total.add(finalize.finalize_batch(batch_no, stage, str(target), "run-bench",
                                          datetime.fromisoformat(at), partition_by))
    times.append(time.process_time() - started)
    if n:
        shutil.rmtree(target)
(Path(out) / "stats.json").write_text(json.dumps(total.as_dict()))
print(json.dumps(times))
"""

_STAGE = """
import sys
from pathlib import Path
from flows.batch import clean_files
from flows.clean_corpus import plan_batches
from flows.decide import decide
from flows.inputs import discover
from flows.settings import Settings
from flows.staging import write_plan
corpus, stage = Path(sys.argv[1]), Path(sys.argv[2])
files, _ = discover(corpus)
settings = Settings()
batches = plan_batches(files, settings.batching, 2)
for n, batch in enumerate(batches):
    clean_files(n, batch, str(stage), settings, "run-bench", True, True)
decide(str(stage), len(batches), settings, True, None, str(stage.parent / "version0"), 1)
write_plan(stage, len(batches), len(files))
"""


def stage_run(corpus: Path, stage: Path, copies: int) -> None:
    """Clean and decide `corpus` into `stage` (once), the decisions `copies` times long."""
    if not (stage / "plan.json").exists():
        subprocess.run(["nice", sys.executable, "-c", _STAGE, str(corpus), str(stage)],
                       check=True, cwd=ROOT)
    decisions = stage / "decisions.parquet"
    original = stage / "decisions-original.parquet"
    if not original.exists():
        shutil.copy2(decisions, original)
    table = pq.read_table(original)
    parts = [table] + [table.set_column(0, table.schema.field(0), pc.binary_join_element_wise(
        table["doc_id"], pa.scalar(f"-copy{k}"), "")) for k in range(1, copies)]
    pq.write_table(pa.concat_tables(parts), decisions)
    print(f"staged {json.loads((stage / 'plan.json').read_text())['batches']} batches, "
          f"{pq.read_metadata(decisions).num_rows} decision rows", flush=True)


def finalize_in(checkout: Path, stage: Path, out: Path, rounds: int,
                partition_by: str) -> tuple[float, list[float]]:
    """CPU of a fresh process finalizing every batch with `checkout`'s code: the whole
    process's, and each round's."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(["nice", sys.executable, "-c", _FINALIZE, str(checkout), str(stage),
                           str(out), str(rounds), partition_by, AT],
                          check=True, capture_output=True, text=True, cwd="/")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    whole = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return whole, json.loads(done.stdout)


def same_files(old: Path, new: Path) -> list[str]:
    """The files that differ between two output folders (or exist in one only)."""
    names = {p.relative_to(old) for p in old.rglob("*") if p.is_file()}
    names |= {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    return sorted(str(n) for n in names if not (old / n).is_file() or not (new / n).is_file()
                  or not filecmp.cmp(old / n, new / n, shallow=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="the other checkout")
    parser.add_argument("--stage", type=Path, required=True, help="where the run is staged")
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench/corpus/e2e-10000-seed1")
    parser.add_argument("--decision-copies", type=int, default=1)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--partition-by", default="")
    args = parser.parse_args()
    stage = args.stage.resolve() / "staging"
    stage_run(args.corpus.resolve(), stage, args.decision_copies)
    documents = sum(pq.read_metadata(part).num_rows
                    for part in stage.glob("batch-*/documents/*.parquet"))
    figures: dict[str, list[tuple[float, list[float]]]] = {"old": [], "new": []}
    checkouts = {"old": args.old.resolve(), "new": ROOT}
    for turn in range(args.turns):
        for name in ("old", "new") if turn % 2 == 0 else ("new", "old"):
            whole, rounds = finalize_in(checkouts[name], stage, args.stage / f"out-{name}",
                                        args.rounds, args.partition_by)
            figures[name].append((whole, rounds))
            print(f"turn {turn} {name}: process {whole:.2f} s, rounds "
                  f"{' '.join(f'{r:.3f}' for r in rounds)}", flush=True)
    for name, runs in figures.items():
        median = statistics.median(r for _, rs in runs for r in rs)
        print(f"{name}: rounds median {median:.3f} CPU s ({median / documents * 1000:.3f} ms "
              f"a document), whole process median {statistics.median(w for w, _ in runs):.2f} s")
    differ = same_files(args.stage / "out-old" / "round-0", args.stage / "out-new" / "round-0")
    differ += [] if (args.stage / "out-old" / "stats.json").read_text() == (
        args.stage / "out-new" / "stats.json").read_text() else ["stats.json"]
    print("part files and statistics identical" if not differ else f"DIFFERENT: {differ[:10]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
