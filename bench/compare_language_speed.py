"""Compare LanguageDetector's CPU time now against another commit's, runs interleaved.

The other commit's `cleaners/` is unpacked (`git archive`) into a temporary folder; each
round times one fresh process of each version in turn (old, new, old, new, ...), so a
busy machine slows both alike.  A process builds its detector outside the timing, then
reports the CPU seconds (time.process_time) of three workloads:

- `documents`: `detect` on the ~3.5 KB documents of bench/bench_language.py (seeds and
  joined dev sentences), 100 times over;
- `paragraphs`: `detect`, then `detect_paragraphs` on each document's lines, 20 times;
- `sentences`: `detect` on every sentence of bench/data/lang_sentences.jsonl (short
  text, where the close-language rule runs most).

Prints, per workload, the median seconds of each version and new/old.

With `--worker N`, each process instead cleans N files of the 10k bench corpus the way a
worker does (`flows.batch.clean_files`, after 300 files of warm-up, each version with its
own `cleaners` and `flows`), and reports CPU ms a file of the whole cleaning (`worker`)
and of the two language calls within it (`language`: `detect` and `detect_paragraphs`,
timed where the pipeline calls them, so with the caches the other stages leave).

    .venv/bin/python bench/compare_language_speed.py [--old main] [--rounds 7] [--worker 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

# Run in a fresh interpreter whose sys.path starts with one version of `cleaners`.
TIMER = """
import json, sys, time
from cleaners.language import LanguageDetector
work = json.load(open(sys.argv[1], encoding="utf-8"))
detector = LanguageDetector()
detector.detect("warm up the detector once")
out = {}
start = time.process_time()
for _ in range(100):
    for text in work["documents"]:
        detector.detect(text)
out["documents"] = time.process_time() - start
start = time.process_time()
for _ in range(20):
    for text in work["documents"]:
        detector.detect_paragraphs(text.split("\\n"), detector.detect(text))
out["paragraphs"] = time.process_time() - start
start = time.process_time()
for text in work["sentences"]:
    detector.detect(text)
out["sentences"] = time.process_time() - start
print(json.dumps(out))
"""

# A worker's view: clean_files over the corpus, the language calls timed inside it.
WORKER = """
import json, sys, tempfile, time
from pathlib import Path
from flows.batch import clean_files, toolkit
from flows.inputs import discover
from flows.settings import Settings
files, *_ = discover(Path(sys.argv[1]))
files = sorted(files, key=lambda f: str(f.path) if hasattr(f, "path") else str(f))
count = int(sys.argv[2])
settings = Settings()
detector = toolkit(settings.pipeline).detector  # the one clean_files uses (cached)
spent = [0.0]
def timed(method):
    def call(*args):
        start = time.process_time()
        try:
            return method(*args)
        finally:
            spent[0] += time.process_time() - start
    return call
detector.detect = timed(detector.detect)
detector.detect_paragraphs = timed(detector.detect_paragraphs)
with tempfile.TemporaryDirectory() as stage:
    clean_files(0, files[:300], stage, settings, "run")
    spent[0] = 0.0
    start = time.process_time()
    clean_files(1, files[300:300 + count], stage, settings, "run")
    total = time.process_time() - start
print(json.dumps({"worker": total / count * 1000, "language": spent[0] / count * 1000}))
"""
CORPUS = ROOT / "bench" / "corpus" / "e2e-10000-seed1"


def _workload(path: Path) -> None:
    from bench_language import SHARED, load_documents

    sentences = [
        json.loads(line)["text"]
        for line in (ROOT / "bench" / "data" / "lang_sentences.jsonl").open(encoding="utf-8")
    ]
    documents = [text for _, text in load_documents(SHARED)]
    path.write_text(json.dumps({"documents": documents, "sentences": sentences}), "utf-8")


def _time(source: Path, work: Path, files: int = 0) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(source))
    script = [WORKER, str(CORPUS.resolve()), str(files)] if files else [TIMER, str(work)]
    done = subprocess.run(
        [sys.executable, "-c", *script],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--worker", type=int, default=0, metavar="N", help="time clean_files on N corpus files"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        old = Path(temp) / "old"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.old, "cleaners", "flows"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        work = Path(temp) / "work.json"
        _workload(work)
        times: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            times["old"].append(_time(old, work, args.worker))
            times["new"].append(_time(ROOT, work, args.worker))
    result = {}
    names = ("worker", "language") if args.worker else ("documents", "paragraphs", "sentences")
    unit = "_ms" if args.worker else "_s"  # a file of the corpus, or a whole workload
    for name in names:
        before = statistics.median(t[name] for t in times["old"])
        after = statistics.median(t[name] for t in times["new"])
        result[name] = {
            f"old{unit}": round(before, 3),
            f"new{unit}": round(after, 3),
            "new_over_old": round(after / before, 3),
        }
    print(json.dumps({"old": args.old, "rounds": args.rounds, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
