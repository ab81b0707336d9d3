#!/usr/bin/env python3
"""CPU of the boilerplate line pass in this tree against another checkout's, in turns.

The line pass is `cleaners.boilerplate.strip_boilerplate` (a single module in older
checkouts, the same entry point and arguments): the line rules, the line model and the
context rules over one document's normalized lines. Its inputs are captured once, with
this tree's code:

- `corpus`: what the pipeline hands the pass (`flows.batch.clean_files`, lines, title,
  plain or HTML lexicon) for files 300 to 300 + N of the 10k bench corpus;
- `html_pages`, `seeds`: the same, for every file of those dev sets;
- `boiler_lines`: each file of the set, NFC-normalized and split into lines, no title
  (as `bench/eval_boilerplate.py` reads it).

Each checkout replays them in a process of its own (run from its root with its own
.venv), both kept alive, and the two time one pass over a set each in turn (old, new,
then new, old, ...), so both see the same load within a second of each other. A pass is
CPU microseconds a document (time.process_time); the lexicon's compiled patterns are
warm, its memory of short lines' answers, where it has one, is emptied before each pass
(within a pass it works as in a run). Prints each version's median over the rounds and
the median of the rounds' new/old ratios, per set, and the load.

With `--dump DIR` it instead writes each version's removals, one JSON row per removed
line (set, document, line, text, reason, rule), over the whole 10k corpus (`--files
0` for all of it) and the dev sets, and says whether the two are identical.

    .venv/bin/python bench/compare_line_speed.py --old /work/tmp/base-f53 [--files 2000] \
        [--rounds 15] [--capture /tmp/lines.pkl]
    .venv/bin/python bench/compare_line_speed.py --old OLD --dump /tmp/rows --files 0
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus" / "e2e-10000-seed1"
EVAL = ROOT.parent / "shared" / "eval"

CAPTURE = """
import pickle, sys, tempfile, unicodedata
from pathlib import Path
import cleaners.pipeline as pipeline
from flows import batch
from flows.inputs import discover
from flows.settings import Settings
corpus, first, count, evals, out = (Path(sys.argv[1]), 300, int(sys.argv[2]), Path(sys.argv[3]),
                                    sys.argv[4])
sets = {}
strip = pipeline.strip_boilerplate
def capture(name):
    def strip_boilerplate(lines, lexicon, *, title=None):
        sets[name].append((list(lines), "table_row" in lexicon.structural_off, title))
        return strip(lines, lexicon, title=title)
    return strip_boilerplate
settings = Settings()
stage = tempfile.mkdtemp()
files = sorted(discover(corpus)[0], key=lambda f: str(f.path))
chosen = files[first:first + count] if count else files
for name, inputs in [("corpus", chosen),
                     ("html_pages", sorted(discover(evals / "html_pages")[0],
                                           key=lambda f: str(f.path))),
                     ("seeds", sorted(discover(evals / "seeds")[0], key=lambda f: str(f.path)))]:
    sets[name] = []
    pipeline.strip_boilerplate = capture(name)
    batch.clean_files(len(sets), inputs, stage, settings, "run")
pipeline.strip_boilerplate = strip
sets["boiler_lines"] = [
    (unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).split("\\n"), False, None)
    for path in sorted((evals / "boiler_lines").glob("*/*.txt"))]
pickle.dump(sets, open(out, "wb"))
print({name: len(docs) for name, docs in sets.items()}, file=sys.stderr)
"""

REPLAY = """
import json, pickle, statistics, sys, time
from cleaners.boilerplate import strip_boilerplate
from cleaners.pipeline import PipelineConfig, Toolkit
sets, dump = pickle.load(open(sys.argv[1], "rb")), sys.argv[2]
tools = Toolkit(PipelineConfig())
lexicons = {False: tools.lexicon, True: tools.html_lexicon}
def forget():
    for lexicon in lexicons.values():
        seen = getattr(lexicon, "seen", None)
        if seen is not None:
            seen.clear()
if dump:
    with open(dump, "w", encoding="utf-8") as out:
        for name, docs in sets.items():
            for n, (lines, html, title) in enumerate(docs):
                for r in strip_boilerplate(lines, lexicons[html], title=title).removed:
                    out.write(json.dumps([name, n, r.line, r.text, r.reason, r.rule],
                                         ensure_ascii=False) + "\\n")
    sys.exit()
for docs in sets.values():  # warm up: compile the patterns every set needs
    for lines, html, title in docs:
        strip_boilerplate(lines, lexicons[html], title=title)
print("ready", flush=True)
for command in sys.stdin:  # one timed pass over a set a line: "<set name>"
    docs = sets[command.strip()]
    forget()
    start = time.process_time()
    for lines, html, title in docs:
        strip_boilerplate(lines, lexicons[html], title=title)
    print((time.process_time() - start) / len(docs) * 1e6, flush=True)
"""


def dump(root: Path, captured: str, out: Path) -> None:
    subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", REPLAY, captured, str(out)],
                   cwd=root, check=True)


def replayer(root: Path, captured: str) -> subprocess.Popen[str]:
    """A process of `root`'s code holding the inputs, timing one pass per line it reads."""
    process = subprocess.Popen(
        [str(root / ".venv" / "bin" / "python"), "-c", REPLAY, captured, ""],
        cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def timed(process: subprocess.Popen[str], name: str) -> float:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(name + "\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="the other checkout's root")
    parser.add_argument("--files", type=int, default=2000, help="corpus files (0: all)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--dump", type=Path, help="write both versions' removals here")
    parser.add_argument("--capture", type=Path, help="reuse (or keep) the captured inputs")
    args = parser.parse_args()
    old = args.old.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        captured = str(args.capture or Path(scratch) / "lines.pkl")
        if not os.path.exists(captured):
            subprocess.run([sys.executable, "-c", CAPTURE, str(CORPUS), str(args.files),
                            str(EVAL), captured], cwd=ROOT, check=True)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            paths = {label: args.dump / f"{label}.jsonl" for label in ("old", "new")}
            for label, root in (("old", old), ("new", ROOT)):
                dump(root, captured, paths[label])
            same = paths["old"].read_bytes() == paths["new"].read_bytes()
            rows = sum(1 for _ in paths["new"].open(encoding="utf-8"))
            print(json.dumps({"identical": same, "removed_rows_new": rows}))
            return
        processes = {"old": replayer(old, captured), "new": replayer(ROOT, captured)}
        with open(captured, "rb") as handle:
            names = list(pickle.load(handle))
        runs: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        loads = []
        for turn in range(args.rounds):
            loads.append(os.getloadavg()[0])
            for name in names:
                # The order alternates each round, so neither version always goes first.
                for label in ("old", "new") if turn % 2 == 0 else ("new", "old"):
                    runs[label].setdefault(name, []).append(timed(processes[label], name))
        for process in processes.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
    print(f"load (1 min) during the rounds: {min(loads):.1f} to {max(loads):.1f}")
    for name in names:
        before, after = runs["old"][name], runs["new"][name]
        ratios = [b / a for a, b in zip(before, after, strict=True)]
        print(f"{name}: old {statistics.median(before):.1f}, new {statistics.median(after):.1f} "
              f"us a document (medians of {len(before)}); new/old {statistics.median(ratios):.3f} "
              f"(median of the pairs)")


if __name__ == "__main__":
    main()
