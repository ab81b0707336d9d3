"""Measure the boilerplate pass on the line-labelled dev sets, and its speed.

Each input file of /work/shared/eval/seeds and /work/shared/eval/boiler_lines is read,
NFC-normalized (the pipeline's normalize stage does that and ftfy before this stage; ftfy
is left out here because the boiler_lines gold keeps the files' mojibake, so repairing it
would count repaired content lines as removed), split into lines and passed through
`strip_boilerplate`. The kept lines, joined by newlines, are scored with `line_metric`
imported from the shared score.py, so the figures are the scorer's own.

    .venv/bin/python bench/eval_boilerplate.py            # quality per set and split
    .venv/bin/python bench/eval_boilerplate.py --speed    # plus documents per second
    .venv/bin/python bench/eval_boilerplate.py --errors boiler_lines/dev   # misses
    .venv/bin/python bench/eval_boilerplate.py --lolo     # leave one language out
    .venv/bin/python bench/eval_boilerplate.py --threshold 0.9   # the model at 0.9
    .venv/bin/python bench/eval_boilerplate.py --by-rule train dev   # lines per rule

Tune on the train and dev splits of boiler_lines; the test split is reported, not tuned.

`--lolo` measures what the line pass does on a language it was not built from: for each
of boiler_lines' four languages, the line model is trained (and its threshold chosen)
on the other three languages' train splits, the seeds and the extra pages not in the
held-out language (`--extra-weight` sets their weight), exactly as
`bench/train_line_model.py` builds the shipped one, and the held-out language's every
split is scored twice: with the whole shipped lexicon, and without that language's
lexicon file (`BoilerplateConfig.languages`), which is what an unseen language looks like.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.boilerplate import (  # noqa: E402  (the project root is put on the path first)
    BoilerplateConfig,
    Lexicon,
    load_lexicon,
    strip_boilerplate,
)

EVAL = ROOT.parent / "shared" / "eval"


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", EVAL / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_lines(path: Path) -> list[str]:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).split("\n")


def run_set(name: str, lexicon: Lexicon) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Gold items and predicted documents of one set, grouped by split."""
    groups: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    folder = EVAL / name
    with open(folder / "gold.jsonl", encoding="utf-8") as handle:
        gold = [json.loads(line) for line in handle]
    for item in gold:
        split = Path(item["source"]).name.split("_")[0] if name == "boiler_lines" else "all"
        result = strip_boilerplate(read_lines(folder / item["source"]), lexicon)
        items, docs = groups.setdefault(split, ([], {}))
        items.append(item)
        docs[item["source"]] = {"text": "\n".join(line.text for line in result.kept),
                                "removed": result.removed}
    return groups


def show_errors(items: list[dict[str, Any]], docs: dict[str, Any], score: ModuleType) -> None:
    for item in items:
        doc = docs[item["source"]]
        text = score.norm(doc["text"])
        reasons = {score.norm(r.text): f"{r.reason}/{r.rule}" for r in doc["removed"]}
        for line, label in zip(item["lines"], item["labels"], strict=True):
            if not score.norm(line):
                continue
            kept = score.contains(text, line)
            if label == 1 and not kept:
                print(f"LOST {item['source']}: {line[:100]!r} <- {reasons.get(score.norm(line))}")
            elif label == 0 and kept:
                how = "kept" if score.norm(line) not in reasons else "removed, but in kept text"
                print(f"LEFT {item['source']}: {line[:100]!r} ({how})")


def by_rule(splits: list[str], lexicon: Lexicon) -> dict[str, dict[str, int]]:
    """Per rule (a lexicon file's pattern by its id, any other rule by its name), how
    many boiler_lines lines of `splits` it removed that the gold calls content and how
    many it calls boilerplate, the gold's lines being the file's non-blank lines."""
    found: dict[str, dict[str, int]] = {}
    with open(EVAL / "boiler_lines" / "gold.jsonl", encoding="utf-8") as handle:
        gold = [json.loads(line) for line in handle]
    for item in gold:
        if Path(item["source"]).name.split("_")[0] not in splits:
            continue
        labels = item["labels"]
        lines = [unicodedata.normalize("NFC", line) for line in item["lines"]]
        for removal in strip_boilerplate(lines, lexicon).removed:
            rule = removal.rule
            family = rule if rule.startswith("lexicon:") else rule.split(":")[0]
            counts = found.setdefault(family, {"content": 0, "boilerplate": 0})
            counts["content" if int(labels[removal.line - 1]) else "boilerplate"] += 1
    return dict(sorted(found.items(), key=lambda pair: -pair[1]["content"]))


def speed(lexicon: Lexicon, trials: int = 300) -> dict[str, float]:
    """Documents per second of `strip_boilerplate` on the seeds, one thread.

    The machine is shared, and the other processes' work slows this one even in CPU
    time (shared caches, the host's steal). So the pass over the five seeds is timed
    `trials` times, each short (a few milliseconds): the fastest trial is the one the
    others disturbed least, the usual way to time on a busy machine (as `timeit` does);
    the median is given too, in wall-clock and in this process's CPU time (what a
    loaded machine's queue for the cores does not inflate).
    """
    docs = [read_lines(p) for p in sorted((EVAL / "seeds").glob("*.txt"))]
    for lines in docs:  # warm up
        strip_boilerplate(lines, lexicon)
    times, cpu = [], []
    for _ in range(trials):
        start, start_cpu = time.perf_counter(), time.process_time()
        for lines in docs:
            strip_boilerplate(lines, lexicon)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    kb = statistics.mean(len("\n".join(d).encode()) for d in docs) / 1000
    return {"docs_per_s_fastest_trial": round(len(docs) / min(times)),
            "docs_per_s_median_trial": round(len(docs) / statistics.median(times)),
            "docs_per_cpu_s_median_trial": round(len(docs) / max(statistics.median(cpu), 1e-9)),
            "docs_per_cpu_s_total": round(len(docs) * trials / max(sum(cpu), 1e-9)),
            "mean_doc_kb": round(kb, 1)}


def speed_in_turns(lexicon: Lexicon, old_model: Path, new_model: Path | None = None,
                   rounds: int = 7) -> dict[str, float]:
    """CPU microseconds a document of the line pass with the shipped model (or the file
    `new_model`), with the model file `old_model` and with no model, timed in turns in
    this process (the order alternating each round) over the seeds and every
    boiler_lines document; medians of `rounds`."""
    from dataclasses import replace

    from cleaners.linemodel import load_line_model

    docs = [read_lines(p) for p in sorted((EVAL / "seeds").glob("*.txt"))]
    docs += [read_lines(p) for p in sorted((EVAL / "boiler_lines").glob("*/*.txt"))]
    if new_model is not None:
        lexicon = replace(lexicon, line_model=load_line_model(new_model))
    runs = {"new": lexicon, "old": replace(lexicon, line_model=load_line_model(old_model)),
            "no_model": replace(lexicon, line_model=None)}
    found: dict[str, list[float]] = {name: [] for name in runs}
    for turn in range(rounds):
        for name in (list(runs) if turn % 2 == 0 else list(reversed(runs))):
            start = time.process_time()
            for lines in docs:
                strip_boilerplate(lines, runs[name])
            found[name].append((time.process_time() - start) / len(docs) * 1e6)
    return {f"{name}_cpu_us_per_doc": round(statistics.median(values))
            for name, values in found.items()} | {"docs": len(docs), "rounds": rounds}


def leave_one_language_out(variant: argparse.Namespace, only: str | None = None,
                           content_cost: float | None = None) -> list[dict[str, Any]]:
    """Per held-out language: the line pass's figures with and without its lexicon, the
    model built as `variant` (the options of `add_variant_arguments`) says."""
    import train_line_model as training  # here: it imports this module

    apply_variant(training, variant)
    if content_cost is not None:
        training.LANGUAGE_CONTENT_COST = content_cost
    rows = []
    everything = training.load_docs("boiler_lines")
    for held in training.LANGUAGES:
        if only and held != only:
            continue
        others = [lang for lang in training.LANGUAGES if lang != held]
        model = training.build(others)
        docs = [doc for doc in everything if doc.language == held]
        row: dict[str, Any] = {"held_out": held, "threshold": model.threshold,
                               "block_mean": model.block_mean,
                               "lists_threshold": round(model.lists_threshold, 3)}
        for label, lexicon in (("with_lexicon", training.lexicon_without(None)),
                               ("without_its_lexicon", training.lexicon_without(held))):
            for name, used in (("rules_only", None), ("with_model", model)):
                figures = training.figures(docs, lexicon, used)
                row[f"{label}/{name}"] = {key: figures[key] for key in
                                          ("lines", "content_kept", "boilerplate_removed")}
        rows.append(row)
    return rows


def add_variant_arguments(parser: argparse.ArgumentParser, scope: str = "") -> None:
    """The options that build a variant of the line model, shared with
    bench/train_line_model.py; `scope` opens each help ("with --lolo: ")."""
    parser.add_argument("--shapes", action="store_true",
                        help=f"{scope}the second stage with the shape features (SHAPES)")
    parser.add_argument("--max-words", type=int,
                        help=f"{scope}the line pass's line_model_max_words (default: the "
                             "config's)")
    parser.add_argument("--drop", nargs="+", default=[], metavar="FEATURE",
                        help=f"{scope}second-stage features held at zero weight")
    parser.add_argument("--list-words", type=int,
                        help=f"{scope}the list stage's most words (default LIST_WORDS; 0: "
                             "none)")
    parser.add_argument("--list-edge", action="store_true",
                        help=f"{scope}the list stage only outside the body (LIST_EDGE)")
    parser.add_argument("--extra-weight", type=float,
                        help=f"{scope}the extra pages' weight (default EXTRA_WEIGHT; 0: none)")
    parser.add_argument("--wcxb-weight", type=float,
                        help=f"{scope}the WCXB pages' weight (default WCXB_WEIGHT; 0: none)")
    parser.add_argument("--wcxb-types", nargs="+", metavar="TYPE",
                        help=f"{scope}only these WCXB page types (default WCXB_TYPES)")
    parser.add_argument("--wcxb-lists-only", action="store_true",
                        help=f"{scope}the WCXB pages teach the list stage only")
    parser.add_argument("--wcxb-first-only", action="store_true",
                        help=f"{scope}the WCXB pages teach the first stage only")
    parser.add_argument("--wcxb-skip-stage", nargs="+", choices=("context", "lists"),
                        default=(), help=f"{scope}stages the WCXB pages do not teach")
    parser.add_argument("--wcxb-relabel", choices=("shape", "model"),
                        help=f"{scope}how WCXB's content lines are brought to boiler_lines' "
                             "conventions (default WCXB_RELABEL)")
    parser.add_argument("--wcxb-relabel-rate", type=float,
                        help=f"{scope}boilerplate share or probability that relabels a line "
                             "(default WCXB_RELABEL_RATE)")
    parser.add_argument("--wcxb-relabel-to", type=int, choices=(-1, 0),
                        help=f"{scope}what a relabelled line becomes (-1 unsure, 0 "
                             "boilerplate)")
    parser.add_argument("--wcxb-relabel-both", action="store_true",
                        help=f"{scope}also make unsure the WCXB boilerplate lines "
                             "boiler_lines' side calls content")


def apply_variant(training: ModuleType, args: argparse.Namespace) -> None:
    """Set bench/train_line_model.py's knobs (module `training`) from the options of
    `add_variant_arguments`; an option not given leaves its knob as it is."""
    training.SHAPES = args.shapes
    training.MAX_WORDS = args.max_words
    training.CONTEXT_DROP = frozenset(args.drop)
    if args.list_words is not None:
        training.LIST_WORDS = args.list_words
    training.LIST_EDGE = training.LIST_EDGE or args.list_edge
    if args.extra_weight is not None:
        training.EXTRA_WEIGHT = args.extra_weight
    if args.wcxb_weight is not None:
        training.WCXB_WEIGHT = args.wcxb_weight
    if args.wcxb_types:
        training.WCXB_TYPES = frozenset(args.wcxb_types)
    training.WCXB_LISTS_ONLY = training.WCXB_LISTS_ONLY or args.wcxb_lists_only
    training.WCXB_FIRST_ONLY = training.WCXB_FIRST_ONLY or args.wcxb_first_only
    training.WCXB_SKIP_STAGES = training.WCXB_SKIP_STAGES | frozenset(args.wcxb_skip_stage)
    if args.wcxb_relabel is not None:
        training.WCXB_RELABEL = args.wcxb_relabel
    if args.wcxb_relabel_rate is not None:
        training.WCXB_RELABEL_RATE = args.wcxb_relabel_rate
    if args.wcxb_relabel_to is not None:
        training.WCXB_RELABEL_TO = args.wcxb_relabel_to
    training.WCXB_RELABEL_BOTH = training.WCXB_RELABEL_BOTH or args.wcxb_relabel_both


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true", help="also time the line pass")
    parser.add_argument("--speed-against", type=Path, nargs="+", metavar="NPZ",
                        help="OLD [NEW]: time the line pass with the model file OLD and the "
                             "shipped one (or NEW) in turns (CPU, one process)")
    parser.add_argument("--errors", help="print misses of SET[/SPLIT], e.g. boiler_lines/dev")
    parser.add_argument("--lolo", action="store_true",
                        help="leave one language out: train on three, score the fourth")
    parser.add_argument("--held", help="with --lolo: only this held-out language")
    parser.add_argument("--threshold", type=float,
                        help="the line model's threshold (default: the shipped file's)")
    parser.add_argument("--by-rule", nargs="+", metavar="SPLIT",
                        help="print, per rule, the boiler_lines lines of these splits it "
                             "removed that the gold calls content and boilerplate")
    add_variant_arguments(parser, "with --lolo: ")
    parser.add_argument("--content-cost", type=float,
                        help="with --lolo: the threshold search's LANGUAGE_CONTENT_COST")
    args = parser.parse_args()
    if not (EVAL / "score.py").exists():
        print(f"no evaluation data under {EVAL}", file=sys.stderr)
        return 1
    if args.speed_against:
        print(json.dumps(speed_in_turns(load_lexicon(BoilerplateConfig()),
                                        *args.speed_against[:2])))
        return 0
    if args.lolo:
        for row in leave_one_language_out(args, args.held, args.content_cost):
            print(json.dumps(row))
        return 0
    score = load_scorer()
    started = time.perf_counter()
    lexicon = load_lexicon(BoilerplateConfig(line_model_threshold=args.threshold))
    load_ms = (time.perf_counter() - started) * 1000
    if args.by_rule:
        for rule, counts in by_rule(args.by_rule, lexicon).items():
            print(json.dumps({"rule": rule, **counts}))
        return 0
    reasons: Counter[str] = Counter()
    for name in ("seeds", "boiler_lines"):
        for split, (items, docs) in sorted(run_set(name, lexicon).items()):
            figures = score.line_metric(items, docs)
            print(json.dumps({"set": name, "split": split, **figures}, ensure_ascii=False))
            for doc in docs.values():
                reasons.update(r.reason for r in doc["removed"])
            if args.errors and args.errors in (name, f"{name}/{split}"):
                show_errors(items, docs, score)
    print(json.dumps({"removals_by_reason": dict(reasons.most_common())}))
    if args.speed:
        print(json.dumps({"lexicon_rules": len(lexicon.rules), "load_ms": round(load_ms, 1),
                          **speed(lexicon)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
