#!/usr/bin/env python3
"""CPU of the worker's stages in this tree against another checkout's, in turns.

The inputs each stage gets from `flows.batch.clean_files` are captured once (files
300 to 300 + N of the 10k bench corpus, after 300 files of warm-up, with this tree's
code), then replayed by one fresh process of each version in turn (old, new, old,
new, ...), so a busy machine slows both alike. Each process imports its own
`cleaners` and `flows` (run from its checkout root with its own .venv) and reports
CPU ms a file (time.process_time, the median of `--reps` passes) of:

- `normalize`: `normalize_text` on every text and title the pipeline normalizes;
- `language`: `detect` then `detect_paragraphs` per document (a fresh detector a pass);
- `signatures`: `flows.staging.signatures_table` on the batch's paragraphs;
- `staged writes`: `flows.staging.write` of the tables the batch stages.

Prints each version's median over the rounds and new/old per stage.

    .venv/bin/python bench/compare_stage_speed.py --old /work/main [--files 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus" / "e2e-10000-seed1"

CAPTURE = """
import pickle, sys, tempfile
from pathlib import Path
import cleaners.pipeline as pipeline
from cleaners.language import LanguageDetector
from flows import batch, staging, storage
from flows.inputs import discover
from flows.settings import Settings
corpus, first, count, out = Path(sys.argv[1]), 300, int(sys.argv[2]), sys.argv[3]
cap = {"normalize": [], "language": [], "signatures": [], "writes": []}
normalize, detect = pipeline.normalize_text, LanguageDetector.detect
paragraphs = LanguageDetector.detect_paragraphs
signatures, write = staging.signatures_table, storage.write_part
def normalize_text(text, config):
    cap["normalize"].append((text, config))
    return normalize(text, config)
def detect_paragraphs(self, texts, document):
    cap["language"][-1][1].append(list(texts))
    return paragraphs(self, texts, document)
def detect_document(self, text):
    cap["language"].append((text, []))
    return detect(self, text)
def signatures_table(rows, config):
    keep = ("doc_id", "position", "line", "text")
    cap["signatures"].append(([{k: row[k] for k in keep} for row in rows], config))
    return signatures(rows, config)
def write_part(folder, name, rows, schema, *args, **kwargs):
    cap["writes"].append((rows if hasattr(rows, "cast") else list(rows), schema))
    return write(folder, name, rows, schema, *args, **kwargs)
files = sorted(discover(corpus)[0], key=lambda f: str(f.path))
settings = Settings()
batch.toolkit(settings.pipeline)
stage = tempfile.mkdtemp()
batch.clean_files(0, files[:first], stage, settings, "run")
pipeline.normalize_text, staging.signatures_table = normalize_text, signatures_table
storage.write_part = write_part
LanguageDetector.detect, LanguageDetector.detect_paragraphs = detect_document, detect_paragraphs
batch.clean_files(1, files[first:first + count], stage, settings, "run")
pickle.dump(cap, open(out, "wb"))
"""

REPLAY = """
import json, pickle, statistics, sys, tempfile, time
from cleaners.language import LanguageDetector
from cleaners.normalize import normalize_text
from flows import staging
cap, files, reps = pickle.load(open(sys.argv[1], "rb")), int(sys.argv[2]), int(sys.argv[3])
folder = tempfile.mkdtemp()
def normalize(_):
    for text, config in cap["normalize"]:
        normalize_text(text, config)
def language(detector):
    for text, paragraphs in cap["language"]:
        document = detector.detect(text)
        for texts in paragraphs:
            detector.detect_paragraphs(texts, document)
def signatures(_):
    for rows, config in cap["signatures"]:
        staging.signatures_table(rows, config)
def writes(_):
    for n, (rows, schema) in enumerate(cap["writes"]):
        staging.write(folder, n, "table", rows, schema)
out = {}
for name, stage in [("normalize", normalize), ("language", language),
                    ("signatures", signatures), ("staged writes", writes)]:
    seconds = []
    for _ in range(reps):
        detector = LanguageDetector()
        detector.detect("warm up the detector once")
        start = time.process_time()
        stage(detector)
        seconds.append(time.process_time() - start)
    out[name] = statistics.median(seconds) / files * 1000
print(json.dumps(out))
"""


def turns_parser(description: str) -> argparse.ArgumentParser:
    """The options every in-turns comparison of two checkouts takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--old", type=Path, required=True, help="the other checkout's root")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=3)
    return parser


def in_turns(args: argparse.Namespace, capture: str,
             replay: str) -> dict[str, list[dict[str, Any]]]:
    """Capture the work once with this tree's code (`capture`), then replay it in a fresh
    process of each checkout in turn (old, new, old, ...), `args.rounds` times; each
    replay prints one JSON object, returned per checkout in order."""
    with tempfile.TemporaryDirectory() as scratch:
        captured = str(Path(scratch) / "captured.pkl")
        subprocess.run([sys.executable, "-c", capture, str(CORPUS), str(args.files), captured],
                       cwd=ROOT, check=True)
        runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            for label, root in (("old", args.old.resolve()), ("new", ROOT)):
                done = subprocess.run(
                    [str(root / ".venv" / "bin" / "python"), "-c", replay, captured,
                     str(args.files), str(args.reps)],
                    cwd=root, check=True, capture_output=True, text=True)
                runs[label].append(json.loads(done.stdout))
                print(label, done.stdout.strip(), flush=True)
    return runs


def main() -> None:
    args = turns_parser(__doc__.split("\n")[0]).parse_args()
    runs = in_turns(args, CAPTURE, REPLAY)
    for stage in runs["new"][0]:
        old = statistics.median(r[stage] for r in runs["old"])
        new = statistics.median(r[stage] for r in runs["new"])
        print(f"{stage}: old {old:.4f}, new {new:.4f} ms a file; new/old {new / old:.3f}")


if __name__ == "__main__":
    main()
