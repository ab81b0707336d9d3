"""Turn WCXB's pages (forums, shops, listings, docs, service pages, articles) into
boilerplate-labelled lines for the line model.

Source: WCXB, the Web Content eXtraction Benchmark
(https://github.com/Murrough-Foley/web-content-extraction-benchmark, CC BY 4.0): 2,008
pages of 2025 from ~1,600 sites in seven page types, each `<split>/html/<id>.html.gz` a
saved page and `<split>/ground-truth/<id>.json` its `main_content`, reviewed by people
(headings and paragraphs a line each). Both of WCXB's splits are used: this is training
data here, never an evaluation set. The snapshot read is the one `fetch` brought in
(commit named in each row's `source`).

Each page becomes what `boiler_lines` holds: the page's text as a plain-text dump sees it
(`make_line_data.block_lines`: every block element its own line, menus and footers and
all), each line labelled from the gold by its words (case, punctuation and spacing
aside, as the gold's text was written out by a reviewer, not copied byte for byte):
- content (1) when the line's words are one of the gold's lines, or a stretch of the gold
  of at least `LONG_WORDS` words, or when most (`SHARE`) of its word trigrams are the gold's;
- boilerplate (0) when none of that holds and its words are nowhere in the gold;
- unsure (-1) when a short line's words stand inside the gold without being one of its
  lines ("Services" in a menu and in a sentence): the trainer gives it no weight, so a
  menu entry the article happens to name is not taught as content, nor the reverse.
A page is kept only when the lines labelled content hold `MIN_COVERAGE` of the gold's
word trigrams (the dump and the gold see the same page: not a page rendered by script)
and it has both kinds of line. Pages are taken in WCXB's order, every page type up to
`PER_TYPE` pages, each cut to its first `MAX_LINES` lines and each line to `MAX_CHARS`
characters, so the stored file stays small. A page's language is langdetect's guess
over its content lines (seeded).

    .venv/bin/python bench/make_wcxb_lines.py \
        /work/.mirror/Murrough-Foley+web-content-extraction-benchmark/repo

writes `bench/data/wcxb_lines.jsonl` (one page a row: source, language, licence,
page_type, lines, labels; see bench/data/SOURCES.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_line_data import _clean, block_lines, git, language

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "data" / "wcxb_lines.jsonl"
LICENCE = "CC-BY-4.0 (Murrough-Foley/web-content-extraction-benchmark, WCXB v1.0)"
MAX_LINES = 200
MAX_CHARS = 300
#: Pages per page type at most (WCXB has 224 service pages, 1,050 articles, ~150 of each
#: other type), so the file stays small (~3 MB).
PER_TYPE = 60
#: A line of this many words that stands inside the gold is content, not unsure.
LONG_WORDS = 6
#: The share of a line's word trigrams found in the gold that makes it content.
SHARE = 0.6
MIN_COVERAGE = 0.85
MIN_LINES = 30
MIN_CONTENT = 5
_WORD = re.compile(r"\w+")


def words(text: str) -> tuple[str, ...]:
    """A line's words, casefolded: what the gold and the dump both spell the same."""
    return tuple(_WORD.findall(text.casefold()))


def trigrams(seq: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {seq[k:k + 3] for k in range(len(seq) - 2)}


def labelled(html: str, gold_text: str, title: str) -> tuple[list[str], list[int], float]:
    """The dump's first `MAX_LINES` lines of `html`, their labels (1, 0, -1: unsure) from
    the gold, and the share of the gold's word trigrams the content lines hold (over the
    whole dump: how well the labels fit, not how much of the page is kept)."""
    gold = [words(line) for line in gold_text.split("\n")]
    gold = [line for line in gold if line]
    own = set(gold) | {words(title)}
    flat = [word for line in gold for word in line]
    joined = " " + " ".join(flat) + " "
    # Trigrams within the gold's lines: one across two of its lines is in no dump line.
    gold_grams = set().union(*map(trigrams, gold)) if gold else set()
    lines = block_lines(html)
    labels, found = [], set()
    for line in lines:
        seq = words(line)
        grams = trigrams(seq)
        if not seq:
            label = 0
        elif seq in own:
            label = 1
        elif " " + " ".join(seq) + " " in joined:
            label = 1 if len(seq) >= LONG_WORDS else -1
        elif grams and len(grams & gold_grams) >= SHARE * len(grams):
            label = 1
        else:
            label = 0
        if label == 1:
            found |= grams & gold_grams
        labels.append(label)
    coverage = len(found) / len(gold_grams) if gold_grams else 0.0
    return [line[:MAX_CHARS] for line in lines[:MAX_LINES]], labels[:MAX_LINES], coverage


def show(repo: Path, path: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={repo}", "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="git directory of a WCXB snapshot")
    args = parser.parse_args()
    commit = git(args.repo, "rev-parse", "HEAD").strip()
    files = json.loads(show(args.repo, "metadata.json"))["files"]
    rows: list[dict[str, Any]] = []
    taken: Counter[str] = Counter()
    seen = skipped = 0
    for name, meta in sorted(files.items()):
        kind, split = meta["page_type"], meta["split"]
        if taken[kind] >= PER_TYPE:
            continue
        seen += 1
        try:
            truth = json.loads(show(args.repo, f"{split}/ground-truth/{name}.json"))
            html = gzip.decompress(show(args.repo, f"{split}/html/{name}.html.gz"))
        except (subprocess.CalledProcessError, OSError, json.JSONDecodeError):
            skipped += 1
            continue
        gold = truth.get("ground_truth") or {}
        lines, labels, coverage = labelled(html.decode("utf-8", "replace"),
                                           str(gold.get("main_content") or ""),
                                           _clean(str(gold.get("title") or "")))
        content = sum(label == 1 for label in labels)
        if (coverage < MIN_COVERAGE or len(lines) < MIN_LINES or content < MIN_CONTENT
                or 0 not in labels):
            skipped += 1
            continue
        taken[kind] += 1
        known = [max(label, 0) for label in labels]
        rows.append({"source": f"Murrough-Foley/web-content-extraction-benchmark@{commit[:12]}:"
                               f"{split}/html/{name}.html.gz",
                     "language": language(lines, known), "licence": LICENCE,
                     "page_type": kind, "lines": lines, "labels": labels})
    with open(OUT, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    flat = [label for row in rows for label in row["labels"]]
    print(json.dumps({"pages": len(rows), "looked_at": seen, "left_out": skipped,
                      "lines": len(flat), "content": flat.count(1), "unsure": flat.count(-1),
                      "page_types": dict(taken),
                      "languages": dict(Counter(row["language"] for row in rows)),
                      "bytes": OUT.stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
