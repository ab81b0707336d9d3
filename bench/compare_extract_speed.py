#!/usr/bin/env python3
"""CPU of HTML extraction (`cleaners.extract.extract_html`) in this tree against another
checkout's, in turns, on the pages `flows.batch.clean_files` extracts.

The pages of files 300 to 300 + N of the 10k bench corpus (after 300 files of warm-up)
are captured once with this tree's code, as `clean_document` hands them to
`extract_html` (text, URL, config). Then one fresh process of each checkout in turn
(old, new, old, new, ...) extracts them all `--reps` times and reports the median CPU
(time.process_time) in ms per corpus file (not per page), so that the figure adds up
with `bench/compare_stage_speed.py`'s. Each process also checks that its extractions
are those of the first process (a digest of every result), so a speed change that
changed an answer stops the comparison.

    .venv/bin/python bench/compare_extract_speed.py --old /work/main [--files 2000] [--rounds 3]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_stage_speed  # a sibling script: the in-turns harness

CAPTURE = """
import pickle, sys, tempfile
from pathlib import Path
import cleaners.pipeline as pipeline
from flows import batch
from flows.inputs import discover
from flows.settings import Settings
corpus, first, count, out = Path(sys.argv[1]), 300, int(sys.argv[2]), sys.argv[3]
pages = []
extract = pipeline.extract_html
def extract_html(text, *, url=None, config):
    pages.append((text, url, config))
    return extract(text, url=url, config=config)
files = sorted(discover(corpus)[0], key=lambda f: str(f.path))
settings = Settings()
batch.toolkit(settings.pipeline)
stage = tempfile.mkdtemp()
batch.clean_files(0, files[:first], stage, settings, "run")
pipeline.extract_html = extract_html
batch.clean_files(1, files[first:first + count], stage, settings, "run")
pickle.dump(pages, open(out, "wb"))
"""

REPLAY = """
import hashlib, json, pickle, statistics, sys, time
from cleaners.extract import extract_html
pages, files, reps = pickle.load(open(sys.argv[1], "rb")), int(sys.argv[2]), int(sys.argv[3])
digest = hashlib.sha256()
for text, url, config in pages:  # warm-up, and the answers
    digest.update(repr(extract_html(text, url=url, config=config)).encode())
seconds = []
for _ in range(reps):
    start = time.process_time()
    for text, url, config in pages:
        extract_html(text, url=url, config=config)
    seconds.append(time.process_time() - start)
print(json.dumps({"extract": statistics.median(seconds) / files * 1000,
                  "pages": len(pages), "digest": digest.hexdigest()}))
"""


def main() -> None:
    args = compare_stage_speed.turns_parser(__doc__.split("\n")[0]).parse_args()
    runs = compare_stage_speed.in_turns(args, CAPTURE, REPLAY)
    if len({r["digest"] for r in runs["old"] + runs["new"]}) != 1:
        sys.exit("the two checkouts' extractions differ")
    old = statistics.median(r["extract"] for r in runs["old"])
    new = statistics.median(r["extract"] for r in runs["new"])
    print(f"extract: old {old:.4f}, new {new:.4f} ms a file; new/old {new / old:.3f}; "
          "same extractions")


if __name__ == "__main__":
    main()
