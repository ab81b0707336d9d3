#!/usr/bin/env python3
"""The measurements behind DedupConfig's numbers, reproducible.

1. Jaccard and containment of edited copies and of non-copies, per shingle size, on
   4-sentence paragraphs recombined from ``eval/lang_sentences`` (9 languages, 150 per
   language and case): what min_containment, min_jaccard and shingle_size rest on.
2. LSH candidate probability ``1 - (1 - J**r)**b`` for a few bandings.
3. Verifying from MinHash signatures instead of stored shingles: how often the estimate
   decides differently from the exact rule, and what each costs in bytes.
4. Word counts of boilerplate and content lines in ``eval/boiler_lines`` (train and dev
   only): what min_words rests on.

    .venv/bin/python bench/measure_dedup.py [--part 1,2,3,4]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaners.dedup import DedupConfig
from cleaners.dedup.bounds import verify
from cleaners.dedup.minhash import Hasher, shingle_sets, token_hashes
from cleaners.dedup.text import folded_words

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def shingles(text: str, k: int) -> np.ndarray:
    tokens = folded_words(text)[0]
    return shingle_sets(token_hashes(" ".join(tokens).encode("utf-8")),
                        np.array([len(tokens)]), k)[1]


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared), shared / min(len(a), len(b))


def cases(per_language: int = 150) -> dict[str, list[tuple[str, str]]]:
    """Pairs (earlier paragraph, later paragraph) per kind of edit, all languages."""
    sentences: dict[str, list[str]] = {}
    for path in sorted((EVAL / "lang_sentences").glob("*_*.txt")):
        sentences.setdefault(path.name[:2], []).append(path.read_text(encoding="utf-8").strip())
    rng = random.Random(1)
    out: dict[str, list[tuple[str, str]]] = {}

    for lang, pool in sorted(sentences.items()):
        sep = "" if lang == "zh" else " "

        def join(parts: list[str], sep: str = sep) -> str:
            return sep.join(parts)

        def typo(text: str, sep: str = sep) -> str:
            units = list(text) if not sep else text.split(sep)
            n = rng.randrange(len(units))
            units[n] = units[n][::-1] + "x"
            return sep.join(units)

        def add(name: str, a: str, b: str) -> None:
            out.setdefault(name, []).append((a, b))

        for _ in range(per_language):
            pick = rng.sample(range(len(pool)), 9)
            base, other = [pool[i] for i in pick[:4]], [pool[i] for i in pick[4:]]
            original = join(base)
            add("copy: 1 word changed", original, typo(original))
            add("copy: 3 words changed", original, typo(typo(typo(original))))
            add("copy: sentence added (4+1)", original, join([*base, other[0]]))
            add("copy: 2 sentences added (3+2)", join(base[:3]), join([*base[:3], *other[:2]]))
            add("copy: ending trimmed (4-1)", original, join(base[:3]))
            add("copy: ending trimmed (3-1)", join(base[:3]), join(base[:2]))
            add("not: 1 of 4 sentences shared", original, join([base[0], *other[:3]]))
            add("not: 2 of 5 sentences shared", join([*base, other[4]]),
                join([*base[:2], *other[:3]]))
            add("not: 1 sentence vs its paragraph", original, base[1])
            add("not: unrelated", original, join(other[:4]))
    return out


def part_similarities() -> None:
    pairs = cases()
    for k in (2, 3, 4):
        print(f"shingle_size={k}")
        for name, items in pairs.items():
            js, cs = zip(*(similarity(shingles(a, k), shingles(b, k)) for a, b in items),
                         strict=True)
            def q(v: tuple[float, ...], p: float) -> float:
                return round(float(np.quantile(v, p)), 3)

            print(f"  {name:36s} J p1 {q(js, .01):5} p50 {q(js, .5):5} p99 {q(js, .99):5} "
                  f"max {max(js):5.3f} | C p1 {q(cs, .01):5} p5 {q(cs, .05):5} "
                  f"p99 {q(cs, .99):5} max {max(cs):5.3f}")
    config = DedupConfig()
    print("flagged by the default rule (share of pairs):")
    for name, items in pairs.items():
        hits = sum(verify(shingles(a, config.shingle_size), shingles(b, config.shingle_size),
                           config) is not None for a, b in items)
        print(f"  {name:36s} {hits / len(items):.3f}")


def part_banding() -> None:
    for bands, rows in ((40, 3), (32, 3), (20, 2), (64, 4), (72, 4)):
        p = {j: 1 - (1 - j ** rows) ** bands for j in (0.007, 0.1, 0.3, 0.5, 0.6)}
        print(f"bands={bands} rows={rows} num_perm={bands * rows}: "
              + " ".join(f"P({j})={v:.3g}" for j, v in p.items()))


def part_signature_verification() -> None:
    config = DedupConfig()
    hasher = Hasher(config)
    pairs = [pair for name, items in cases(100).items() if name != "not: unrelated"
             for pair in items]
    differ: Counter[tuple[bool, bool]] = Counter()
    sizes = []
    for a, b in pairs:
        sa, sb = shingles(a, config.shingle_size), shingles(b, config.shingle_size)
        sizes += [len(sa), len(sb)]
        exact = verify(sa, sb, config) is not None
        sig = hasher.signatures(np.array([0, len(sa), len(sa) + len(sb)]),
                                np.concatenate([sa, sb]))
        j = float((sig[0] == sig[1]).mean())
        containment = j * (len(sa) + len(sb)) / (1 + j) / min(len(sa), len(sb))
        estimate = j >= config.min_jaccard and containment >= config.min_containment
        differ[(exact, estimate)] += 1
    print(f"{len(pairs)} pairs; signature estimate flags a non-copy: {differ[(False, True)]}, "
          f"misses a copy: {differ[(True, False)]}; bytes per paragraph: shingles median "
          f"{4 * np.median(sizes):.0f}, signature {4 * config.num_perm}")


def part_length_cut() -> None:
    counts: Counter[tuple[int, int]] = Counter()
    for line in (EVAL / "boiler_lines" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if "/test" in item["source"]:
            continue
        for text, label in zip(item["lines"], item["labels"], strict=True):
            words = len(folded_words(text)[0])
            if words:
                counts[(min(words, 40), int(label))] += 1
    boiler = sum(v for (_, label), v in counts.items() if label == 0)
    content = sum(v for (_, label), v in counts.items() if label == 1)
    b = c = 0
    for words in range(1, 16):
        here_b, here_c = counts[(words, 0)], counts[(words, 1)]
        b, c = b + here_b, c + here_c
        print(f"{words:2d} words: {here_b / (here_b + here_c):.2f} boilerplate | lines of <= "
              f"{words:2d} words: {b / boiler:.2f} of all boilerplate lines, "
              f"{c / content:.2f} of content lines")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="1,2,3,4")
    args = parser.parse_args()
    parts = {"1": part_similarities, "2": part_banding, "3": part_signature_verification,
             "4": part_length_cut}
    for key in args.part.split(","):
        print(f"== part {key}: {parts[key].__name__}")
        parts[key]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
