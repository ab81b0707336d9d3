"""Time normalize on lines without U+FFFD, and its import, for the lost-byte repair.

The repair must not slow the lines it has nothing to do with: normalize tests a line
for U+FFFD before anything else, and the repair's tables are read on the first line
that needs them. This times, in one process, importing cleaners.normalize and
normalizing the undamaged sentences of both lost-byte sets (none holds U+FFFD), with the
repair off (the default) and on, then the same sentences damaged by a cp1252 round trip
with the repair on; CPU and wall-clock. To compare with another commit,
run it again on that commit's cleaners:

    .venv/bin/python bench/speed_lost_bytes.py
    git archive 2c2845f cleaners | tar -x -C /tmp/main-cleaners
    .venv/bin/python bench/speed_lost_bytes.py --root /tmp/main-cleaners
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = (ROOT / "tests" / "data" / "lost_bytes.jsonl",
        ROOT / "bench" / "data" / "lost_bytes_tune.jsonl")
ROUNDS = 5


def main() -> None:
    cleaners_root = sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv else ROOT
    sys.path.insert(0, str(cleaners_root))
    cpu, wall = time.process_time(), time.perf_counter()
    from cleaners.normalize import NormalizeConfig, normalize_text
    print(f"import cleaners.normalize: {time.process_time() - cpu:.3f} s CPU, "
          f"{time.perf_counter() - wall:.3f} s wall ({cleaners_root})")
    texts = [json.loads(line)["text"] for path in SETS for line in path.open(encoding="utf-8")]
    lines = [line for line in texts if "\ufffd" not in line]
    for config in (NormalizeConfig(), NormalizeConfig(restore_lost_bytes=True)):
        normalize_text(lines[0], config)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(ROUNDS):
            for line in lines:
                normalize_text(line, config)
        count = ROUNDS * len(lines)
        print(f"restore_lost_bytes={config.restore_lost_bytes}: "
              f"{1e6 * (time.process_time() - cpu) / count:.1f} us CPU, "
              f"{1e6 * (time.perf_counter() - wall) / count:.1f} us wall a line ({count})")
    # The lines the repair works on: each sentence after a cp1252 round trip, repair on
    # (the first one reads the tables, untimed).
    damaged = [text.encode("utf-8").decode("cp1252", errors="replace") for text in texts]
    damaged = [line for line in damaged if "\ufffd" in line]
    config = NormalizeConfig(restore_lost_bytes=True)
    normalize_text(damaged[0], config)
    cpu, wall = time.process_time(), time.perf_counter()
    for line in damaged:
        normalize_text(line, config)
    print(f"damaged lines, repair on: {1e3 * (time.process_time() - cpu) / len(damaged):.2f} ms"
          f" CPU, {1e3 * (time.perf_counter() - wall) / len(damaged):.2f} ms wall a line"
          f" ({len(damaged)})")


if __name__ == "__main__":
    main()
