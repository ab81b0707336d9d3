"""Site templates on real pages: share of template lines removed, content kept, and the
same on a new page of a known site in a second run over the same output.

    .venv/bin/python bench/eval_site_templates.py [--cmd ".venv/bin/textclean"] [--keep DIR]

The corpus is `tests/data/site_pages.jsonl.gz` (bench/make_site_corpus.py says where its
pages come from and how its lines are labelled). Sites without URL are folders of .txt
files, sites with one are a JSON Lines file of records with `url` and `text`.

Three runs of the command line, all with `--no-dedup` (as score.py scores lines):
1. `first`: every page but the last of each site, into OUT;
2. `second`: only those last pages, into the same OUT: the sites are known from the
   output's state alone;
3. `alone`: those last pages into a fresh output, the control: a single page of a site
   has nothing to recur with, so what `second` removes beyond it comes from the state.
Prints one JSON object: the figures overall and per site.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shlex
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "site_pages.jsonl.gz"
_WORD = re.compile(r"\w+")
REASON = "site_template"


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def split(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page but the last of each site, and those last pages."""
    last = {row["site"]: row["page"] for row in sorted(rows, key=lambda r: r["page"])}
    return ([r for r in rows if last[r["site"]] != r["page"]],
            [r for r in rows if last[r["site"]] == r["page"]])


def write_input(rows: list[dict[str, Any]], folder: Path, prefix: str = "") -> dict[Any, int]:
    """Write `rows` as input files under `folder`; returns where each page's document
    will be (`source` or `(source, record)`) -> row index."""
    where: dict[Any, int] = {}
    records: dict[str, list[str]] = defaultdict(list)
    for n, row in enumerate(rows):
        text = "\n".join(row["lines"]) + "\n"
        if row["url"] is None:
            path = folder / row["site"] / (row["page"].replace("/", "_") + ".txt")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            where[path.relative_to(folder).as_posix()] = n
        else:
            name = f"{prefix}{row['site']}.jsonl"
            records[name].append(json.dumps({"url": row["url"], "text": text},
                                            ensure_ascii=False))
            where[(name, len(records[name]))] = n
    for name, lines in records.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def run(cmd: str, source: Path, out: Path) -> None:
    subprocess.run([*shlex.split(cmd), "run", str(source), "--output", str(out), "--no-dedup"],
                   check=True, capture_output=True)


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def kept_flags(rows: list[dict[str, Any]], where: dict[Any, int], out: Path
               ) -> dict[int, list[str | None]]:
    """For each page (row index), per line: None when it stands in the output text, else
    the reason it was removed with (from `removed`; "other" if none names it)."""
    documents = ds.dataset(out / "documents", format="parquet").to_table(
        columns=["doc_id", "source", "record", "text"]).to_pylist()
    reasons: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in ds.dataset(out / "removed", format="parquet").to_table(
            columns=["doc_id", "text", "reason"]).to_pylist():
        reasons[row["doc_id"]][_norm(row["text"])].append(row["reason"])
    flags: dict[int, list[str | None]] = {}
    for doc in documents:
        key = doc["source"] if doc["record"] is None else (doc["source"], doc["record"])
        if key not in where:
            continue
        n = where[key]
        left = Counter(_norm(line) for line in doc["text"].split("\n"))
        page: list[str | None] = []
        for line in rows[n]["lines"]:
            norm = _norm(line)
            if left[norm] > 0 or not norm:
                page.append(None)
            else:
                why = reasons[doc["doc_id"]][norm]
                page.append(why.pop() if why else "other")
            left[norm] -= 1
        flags[n] = page
    return flags


def figures(rows: list[dict[str, Any]], flags: dict[int, list[str | None]]
            ) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    per_site: dict[str, Counter[str]] = defaultdict(Counter)
    lost: Counter[str] = Counter()
    for n, kept in flags.items():
        for label, why in zip(rows[n]["labels"], kept, strict=True):
            for counter in (totals, per_site[rows[n]["site"]]):
                counter[label] += 1
                counter[f"{label}_kept"] += why is None
                counter[f"{label}_by_site_template"] += why == REASON
            if label == "content" and why is not None:
                lost[why] += 1

    def share(c: Counter[str]) -> dict[str, Any]:
        if not c["template"] and not c["content"]:
            return {}
        return {"template_lines": c["template"],
                "template_removed": round(1 - c["template_kept"] / c["template"], 4)
                if c["template"] else None,
                "template_removed_as_site_template":
                    round(c["template_by_site_template"] / c["template"], 4)
                    if c["template"] else None,
                "content_lines": c["content"],
                "content_kept": round(c["content_kept"] / c["content"], 4),
                "content_kept_by_site_templates":
                    round(1 - c["content_by_site_template"] / c["content"], 4)}

    return {**share(totals), "content_lost_by_reason": dict(lost.most_common()),
            "sites": {site: share(c) for site, c in sorted(per_site.items())}}


def evaluate(cmd: str, work: Path) -> dict[str, Any]:
    rows = load()
    known, new = split(rows)
    out = work / "out"
    first_in, second_in, alone_out = work / "first", work / "second", work / "alone"
    first_where = write_input(known, first_in)
    second_where = write_input(new, second_in, prefix="new-")
    run(cmd, first_in, out)
    first = kept_flags(known, first_where, out)
    run(cmd, second_in, out)
    second = kept_flags(new, second_where, out)
    run(cmd, second_in, alone_out)
    alone = kept_flags(new, second_where, alone_out)
    # The lines the first run removed as site templates from the known pages of a site,
    # by text: does the second run remove the same from the new page?
    removed_first: dict[str, set[str]] = defaultdict(set)
    for n, kept in first.items():
        for line, why in zip(known[n]["lines"], kept, strict=True):
            if why == REASON:
                removed_first[known[n]["site"]].add(_norm(line))
    same = total = 0
    for n, kept in second.items():
        for line, why in zip(new[n]["lines"], kept, strict=True):
            if _norm(line) in removed_first[new[n]["site"]]:
                total += 1
                same += why is not None
    everything = {**{n: f for n, f in first.items()},
                  **{len(known) + n: f for n, f in second.items()}}
    return {
        "pages": len(rows), "sites": len({r["site"] for r in rows}),
        "all_pages": figures(known + new, everything),
        "new_pages_second_run": figures(new, second),
        "new_pages_alone": figures(new, alone),
        "new_pages_lines_removed_as_site_template_in_first_run": total,
        "new_pages_same_lines_removed": round(same / total, 4) if total else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cmd", default=str(ROOT / ".venv" / "bin" / "textclean"))
    parser.add_argument("--keep", type=Path, help="keep inputs and outputs in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = evaluate(args.cmd, args.keep)
    else:
        with tempfile.TemporaryDirectory() as work:
            result = evaluate(args.cmd, Path(work))
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
