#!/usr/bin/env python3
"""Check that a change leaves textclean's Parquet output unchanged, row for row.

Two modes over the same runs:

    .venv/bin/python bench/compare_outputs.py save    --dir /work/tmp/h1-baseline
    .venv/bin/python bench/compare_outputs.py compare --dir /work/tmp/h1-baseline \
        [--new /work/tmp/h1-after] [--runs seeds-dedup,corpus-10k-dedup]
    .venv/bin/python bench/compare_outputs.py diff --dir DIR --new NEW   (no runs)
    ... compare --ordered ...   (every table in stored order, schemas too)

Each run is `textclean run INPUT --output OUT` through the CLI, with dedup and with
`--no-dedup` (the eval contract runs seeds and near_duplicates with dedup, the others
without; both are run here for every set), over:

- the repository's `seeds/` (`repo-seeds`);
- each dev set of ../shared/eval (seeds, boiler_lines, html_pages, lang_sentences,
  encodings, near_duplicates);
- a 10k-document corpus from bench/make_corpus.py (generated once under DIR/corpus-10k).

`save` keeps every committed version folder (OUT/_textclean/current) under DIR;
`compare` runs the same again into NEW (default DIR-new) and compares every Parquet
table of the committed version with the saved one: documents, paragraphs, removed,
rejected, inputs, site_templates, and the dedup index (entries, and bands per band).
Hive folders (`language=xx/`) become a column. Rows are compared after a stable sort
on every column, except the dedup index, whose row order is part of its contract
(band file row i belongs to entries row i, parts in index order): it is compared
in stored order, parts by number.

With `--ordered`, every table is compared in stored order (parts by number, then hive
folder) and its schema (names, types, nullability, field descriptions) too: for a change
that must leave the part files themselves alone, such as how finalize builds them.

Ignored, because they are the run's by nature: the columns `run_id` (every table that
has it) and `processed_at` (documents: the run's start time); part file names (they
carry a tag of the run id); the manifest (timings, paths, run id).

With `--time N` the 10k dedup run is timed N times (each into a fresh output, the
first kept), and the median printed: the throughput check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVAL = ROOT.parent / "shared" / "eval"
DEV_SETS = ("seeds", "boiler_lines", "html_pages", "lang_sentences", "encodings",
            "near_duplicates")
# What differs between two runs of the same input by nature.
RUN_COLUMNS = ("run_id", "processed_at")
# Tables whose row order is part of their contract.
ORDERED = "dedup_index"
_TAG = re.compile(r"-[0-9a-f]{8}$")
_HIVE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def inputs(base: Path) -> dict[str, Path]:
    """The input folders by name; the 10k corpus is generated under `base` once."""
    found = {"repo-seeds": ROOT / "seeds"}
    found |= {name: EVAL / name for name in DEV_SETS}
    corpus = base / "corpus-10k"
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--docs", "10000",
                        "--out", str(corpus)], check=True)
    found["corpus-10k"] = corpus
    return found


def run(textclean: str, source: Path, out: Path, dedup: bool) -> float:
    """One `textclean run` into a fresh `out`; returns its wall time."""
    shutil.rmtree(out, ignore_errors=True)
    args = ["nice", textclean, "run", str(source), "--output", str(out)]
    args += [] if dedup else ["--no-dedup"]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def run_all(base: Path, target: Path, textclean: str, times: int,
            only: set[str] | None = None) -> dict[str, Any]:
    """Every run (or those named in `only`) into `target/<set>-<dedup|nodedup>/`; the
    committed version is kept as `.../version`; returns the timings."""
    timings: dict[str, Any] = {}
    for name, source in inputs(base).items():
        for dedup in (True, False):
            key = f"{name}-{'dedup' if dedup else 'nodedup'}"
            if only is not None and key not in only:
                continue
            out = target / key
            seconds = [run(textclean, source, out / "out", dedup)]
            if name == "corpus-10k" and dedup:
                for n in range(1, times):
                    scratch = target / f"{key}-timing-{n}"
                    seconds.append(run(textclean, source, scratch, dedup))
                    shutil.rmtree(scratch)
            current = (out / "out" / "_textclean" / "current").resolve()
            shutil.rmtree(out / "version", ignore_errors=True)
            shutil.copytree(current, out / "version")
            shutil.rmtree(out / "out")
            timings[key] = seconds
            print(f"{key}: {', '.join(f'{s:.1f}' for s in seconds)} s", flush=True)
    return timings


def tables(version: Path) -> dict[str, pa.Table]:
    """Every Parquet table of a version folder, by its folder (hive parts as columns)."""
    parts: dict[str, list[tuple[str, pa.Table]]] = defaultdict(list)
    for path in version.rglob("*.parquet"):
        relative = path.relative_to(version).parent.parts
        keys = {m[1]: m[2] for m in map(_HIVE.match, relative) if m}
        name = "/".join(p for p in relative if not _HIVE.match(p))
        table = pq.read_table(path)
        table = table.replace_schema_metadata(None)
        for column, value in sorted(keys.items()):
            if column not in table.column_names:
                table = table.append_column(column, pa.array([value] * table.num_rows))
        hive = "/".join(sorted(f"{k}={v}" for k, v in keys.items()))
        order = _TAG.sub("", path.stem) + "/" + hive
        parts[name].append((order, table))
    result = {}
    for name, found in parts.items():
        found.sort(key=lambda item: _part_order(item[0]))
        result[name] = pa.concat_tables([t for _, t in found], promote_options="permissive")
    return result


def _part_order(key: str) -> tuple[Any, ...]:
    # Parts by number (part-100000 after part-99999), then by hive folder.
    stem, _, hive = key.partition("/")
    digits = re.findall(r"\d+", stem)
    return (int(digits[0]) if digits else -1, stem, hive)


def rows(name: str, table: pa.Table, ordered: bool = False) -> list[tuple[Any, ...]]:
    """The rows without run columns, as tuples; sorted unless the order is contract
    (or `ordered`)."""
    kept = [c for c in table.column_names if c not in RUN_COLUMNS]
    table = table.select(sorted(kept))
    result = [tuple(_plain(row[c]) for c in table.column_names) for row in table.to_pylist()]
    if not ordered and not name.startswith(ORDERED):
        result.sort(key=repr)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def compare_version(old: Path, new: Path, ordered: bool = False) -> list[str]:
    """What differs between two version folders (empty: identical); `ordered`: rows in
    stored order, and the schemas."""
    problems = []
    before, after = tables(old), tables(new)
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            problems.append(f"{name}: only in {'saved' if name in before else 'new'}")
            continue
        if ordered and not before[name].schema.equals(after[name].schema, check_metadata=True):
            problems.append(f"{name}: schema {before[name].schema} != {after[name].schema}")
        a, b = rows(name, before[name], ordered), rows(name, after[name], ordered)
        columns_a = sorted(c for c in before[name].column_names if c not in RUN_COLUMNS)
        columns_b = sorted(c for c in after[name].column_names if c not in RUN_COLUMNS)
        if columns_a != columns_b:
            problems.append(f"{name}: columns {columns_a} != {columns_b}")
        elif a != b:
            first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                         min(len(a), len(b)))
            problems.append(f"{name}: {len(a)} vs {len(b)} rows, first difference at row "
                            f"{first}: {a[first] if first < len(a) else None!r:.300} vs "
                            f"{b[first] if first < len(b) else None!r:.300}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("save", "compare", "diff"))
    parser.add_argument("--dir", type=Path, required=True, help="the saved baseline")
    parser.add_argument("--new", type=Path, help="where compare runs (default DIR-new)")
    parser.add_argument("--textclean", default=str(ROOT / ".venv" / "bin" / "textclean"))
    parser.add_argument("--time", type=int, default=3, help="timed 10k dedup runs")
    parser.add_argument("--runs", help="comma-separated runs to do (e.g. seeds-dedup,"
                        "corpus-10k-dedup; default all); compare checks those saved")
    parser.add_argument("--ordered", action="store_true",
                        help="compare every table in stored order, and its schema")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    base: Path = args.dir
    only = set(args.runs.split(",")) if args.runs else None
    if args.mode == "save":
        base.mkdir(parents=True, exist_ok=True)
        timings = run_all(base, base, args.textclean, args.time, only)
        (base / "timings.json").write_text(json.dumps(timings, indent=1))
        _print_timing(timings)
        return 0
    new = args.new or base.with_name(base.name + "-new")
    if args.mode == "compare":
        new.mkdir(parents=True, exist_ok=True)
        timings = run_all(base, new, args.textclean, args.time, only)
        saved = new / "timings.json"
        if saved.exists():
            timings = {**json.loads(saved.read_text()), **timings}
        saved.write_text(json.dumps(timings, indent=1))
        before = base / "timings.json"
        _print_timing(timings, json.loads(before.read_text()) if before.exists() else None)
    failed = 0
    keys = sorted(only) if only is not None else sorted(
        p.parent.name for p in [*base.glob("*/version"), *new.glob("*/version")])
    for key in dict.fromkeys(keys):
        saved, made = base / key / "version", new / key / "version"
        if not saved.is_dir() or not made.is_dir():
            failed += 1
            print(f"MISSING {key}: no {'saved' if not saved.is_dir() else 'new'} output")
            continue
        problems = compare_version(saved, made, args.ordered)
        names = sorted(tables(saved))
        counts = {n: t.num_rows for n, t in tables(saved).items()}
        if problems:
            failed += 1
            print(f"DIFFERENT {key}:", *problems, sep="\n  ")
        else:
            print(f"identical {key}: {len(names)} tables, "
                  + ", ".join(f"{n} {counts[n]}" for n in names))
    print("all identical" if not failed else f"{failed} runs differ")
    return 1 if failed else 0


def _print_timing(timings: dict[str, Any], before: dict[str, Any] | None = None) -> None:
    seconds = timings.get("corpus-10k-dedup", [])
    if seconds:
        line = f"10k dedup run: median {statistics.median(seconds):.1f} s of {seconds}"
        if before and "corpus-10k-dedup" in before:
            old = before["corpus-10k-dedup"]
            line += f"; saved median {statistics.median(old):.1f} s of {old}"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
