"""Measure documents per second of decode + normalize against ftfy's default ``fix_text``.

Documents are ~3.5 KB of news sentences per language (tests/data/multilingual.json,
42 languages in 20 scripts), in four forms:

- clean:    UTF-8 bytes of correct text;
- mojibake: the same text read once as cp1252, stored as UTF-8 (every line damaged);
- legacy:   the text in its language's legacy code page (detection path), where one
            exists;
and each is timed as ``decode_bytes`` + ``normalize_text`` (ours), ours with the
pre-check off (ftfy on every line), and ``bytes.decode("utf-8")`` + ``ftfy.fix_text``
with ftfy's defaults. Each run goes once over all documents; the figure is the median
of the runs. Time is the process's CPU time, not the wall clock: the machine is shared,
and waiting for a core is not the code's cost.

    .venv/bin/python bench/bench_decode.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # registers sloppy-windows-1252

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.decode import Decoded, decode_bytes  # noqa: E402  (after the path set-up)
from cleaners.normalize import NormalizeConfig, normalize_text  # noqa: E402

LEGACY = {
    "fr": "cp1252", "de": "cp1252", "es": "cp1252", "pt": "cp1252", "it": "cp1252",
    "pl": "cp1250", "cs": "cp1250", "ru": "cp1251", "uk": "cp1251", "el": "cp1253",
    "tr": "cp1254", "ar": "cp1256", "he": "cp1255", "zh": "gb18030", "zh-Hant": "big5",
    "ja": "shift_jis", "ko": "euc_kr", "th": "cp874",
}
DEFAULT = NormalizeConfig()
NO_PRECHECK = NormalizeConfig(precheck=False)


def documents() -> dict[str, str]:
    """One ~3.5 KB document per language: its sentences repeated as paragraphs."""
    data = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text("utf-8"))
    docs = {}
    for lang, sentences in data.items():
        if lang.startswith("_"):
            continue
        paragraphs: list[str] = []
        k = 0
        while len("\n\n".join(paragraphs).encode("utf-8")) < 3500:
            paragraphs.append(" ".join(sentences[(k + j) % len(sentences)] for j in range(2)))
            k += 1
        docs[lang] = "\n\n".join(paragraphs)
    return docs


def ours(data: bytes, config: NormalizeConfig = DEFAULT) -> str:
    decoded = decode_bytes(data)
    assert isinstance(decoded, Decoded)
    return normalize_text(decoded.text, config).text


def ours_no_precheck(data: bytes) -> str:
    return ours(data, NO_PRECHECK)


def ftfy_default(data: bytes) -> str:
    return ftfy.fix_text(data.decode("utf-8"))


def docs_per_second(run: Callable[[bytes], str], corpus: list[bytes], runs: int) -> float:
    rates = []
    for _ in range(runs):
        start = time.process_time()
        for data in corpus:
            run(data)
        rates.append(len(corpus) / (time.process_time() - start))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    docs = documents()
    clean = [text.encode("utf-8") for text in docs.values()]
    mojibake = [
        text.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8") for text in docs.values()
    ]
    legacy = [docs[lang].encode(codec) for lang, codec in LEGACY.items()]

    # Correctness first: the timings mean nothing if the outputs are wrong.
    repaired = sum(ours(bad) == text for bad, text in zip(mojibake, docs.values(), strict=True))
    detected = sum(ours(data) == docs[lang] for data, lang in zip(legacy, LEGACY, strict=True))
    print(f"{len(docs)} documents, median {statistics.median(map(len, clean))} bytes; "
          f"mojibake repaired {repaired}/{len(mojibake)}, legacy decoded {detected}/{len(legacy)}")

    rows = [
        ("clean", clean, [("ours", ours), ("ours, no pre-check", ours_no_precheck),
                          ("ftfy.fix_text", ftfy_default)]),
        ("mojibake", mojibake, [("ours", ours), ("ours, no pre-check", ours_no_precheck),
                                ("ftfy.fix_text", ftfy_default)]),
        ("legacy", legacy, [("ours", ours)]),
    ]
    for kind, corpus, contenders in rows:
        for name, run in contenders:
            rate = docs_per_second(run, corpus, args.runs)
            print(f"{kind:9} {name:20} {rate:8.0f} docs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
