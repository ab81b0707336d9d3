#!/usr/bin/env python3
"""Time and memory of cleaners.dedup on N generated paragraphs, 20% of them edited copies.

Sentences are generated per language by a word-bigram walk over the real sentences of
``eval/lang_sentences`` (9 languages) and ``eval/near_duplicates``, with a random jump
now and then, so that at 1M paragraphs sentences are not reused thousands of times (which
real news does not do either, and which would turn every paragraph into an LSH candidate
of thousands of others). Documents hold 8 paragraphs of 3-5 sentences in one language.
One paragraph in five is an edited copy of an earlier original: exact, quote and spacing
style changed, one or two words changed, a sentence added, or the last sentence dropped.

The corpus is written once to ``bench/corpus/`` (git-ignored) and streamed from there, so
the process holds no more of it than the index needs. Prints one JSON line: seconds and
microseconds per paragraph (overall and per tenth of the run), peak RSS from
``resource.getrusage``, recall on the copies and how many originals were flagged.

    .venv/bin/python bench/bench_dedup.py --paragraphs 100000
    .venv/bin/python bench/bench_dedup.py --paragraphs 100000 --compare datasketch
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cleaners.dedup import DedupConfig, DedupIndex, ParagraphRef

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "eval"
SEED = 20240601


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chains() -> dict[str, tuple[list[str], dict[str, list[str]], list[str]]]:
    sentences: dict[str, list[str]] = {}
    for path in sorted((SHARED / "lang_sentences").glob("*_*.txt")):
        sentences.setdefault(path.name[:2], []).append(path.read_text(encoding="utf-8").strip())
    for path in sorted((SHARED / "near_duplicates").glob("*.txt")):
        # The near-duplicate set's own paragraphs, split into sentences, form one more
        # (mixed-language) source.
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences.setdefault("nd", []).extend(re.split(r"(?<=[.!?»])\s+", line))
    chains = {}
    for lang, items in sentences.items():
        starts: list[str] = []
        follow: dict[str, list[str]] = {}
        vocabulary: list[str] = []
        for sentence in items:
            words = list(sentence) if lang == "zh" else sentence.split()
            if not words:
                continue
            starts.append(words[0])
            vocabulary += words
            for a, b in zip([*words], [*words[1:], ""], strict=True):
                follow.setdefault(a, []).append(b)
        chains[lang] = (starts, follow, vocabulary)
    return chains


def _sentence(rng: random.Random, chain: tuple[list[str], dict[str, list[str]], list[str]],
              lang: str) -> str:
    starts, follow, vocabulary = chain
    words = [rng.choice(starts)]
    while len(words) < 40:
        nxt = rng.choice(follow.get(words[-1], [""]))
        if rng.random() < 0.15:
            nxt = rng.choice(vocabulary)  # a jump, so that no source sentence is copied whole
        if not nxt:
            if len(words) >= 6:
                break
            nxt = rng.choice(vocabulary)
        words.append(nxt)
    text = ("" if lang == "zh" else " ").join(words)
    return text if text[-1] in ".!?。" else text + ("。" if lang == "zh" else ".")


def _edit(rng: random.Random, sentences: list[str], lang: str,
          chain: tuple[list[str], dict[str, list[str]], list[str]]) -> tuple[str, str]:
    sep = "" if lang == "zh" else " "
    kind = rng.choices(["exact", "style", "words", "added", "trimmed"], [25, 15, 20, 20, 20])[0]
    if kind == "trimmed" and len(sentences) < 3:
        kind = "words"
    if kind == "exact":
        return kind, sep.join(sentences)
    if kind == "style":
        text = sep.join(sentences).replace("'", "\u2019").replace('"', "\u201c")
        return kind, text.replace(" ", "  ").replace(",", " ,")
    if kind == "added":
        return kind, sep.join([*sentences, _sentence(rng, chain, lang)])
    if kind == "trimmed":
        return kind, sep.join(sentences[:-1])
    units = list(sep.join(sentences)) if lang == "zh" else sep.join(sentences).split(" ")
    for _ in range(rng.choice([1, 2])):
        n = rng.randrange(len(units))
        units[n] = units[n][::-1] + "x"
    return kind, sep.join(units)


def generate(path: Path, paragraphs: int) -> None:
    rng = random.Random(SEED)
    chains = _chains()
    langs = sorted(chains)
    originals: list[tuple[str, list[str], str]] = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(paragraphs):
            doc, position = divmod(n, 8)
            if position == 0:
                lang = rng.choice(langs)
            origin = ""
            if originals and rng.random() < 0.2:
                src_lang, sentences, origin = rng.choice(originals)
                kind, text = _edit(rng, sentences, src_lang, chains[src_lang])
            else:
                sentences = [_sentence(rng, chains[lang], lang) for _ in range(rng.randint(3, 5))]
                text = ("" if lang == "zh" else " ").join(sentences)
                kind = ""
                # A bounded pool of recent originals to copy from: syndication copies
                # recent news, and the generator's memory stays flat.
                item = (lang, sentences, f"d{doc:07d}#{position}")
                if len(originals) < 20000:
                    originals.append(item)
                else:
                    originals[rng.randrange(20000)] = item
            out.write(json.dumps({"d": f"d{doc:07d}", "p": position, "t": text, "k": kind,
                                  "o": origin}, ensure_ascii=False) + "\n")


def stream(path: Path, truth: list[str]) -> Iterator[ParagraphRef]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            truth.append(row["k"])
            yield ParagraphRef(row["d"], row["p"], row["t"])


def shingles(text: str, config: DedupConfig) -> np.ndarray:
    """The shingle set cleaners.dedup verifies with (its inner steps, for measuring)."""
    from cleaners.dedup.minhash import shingle_sets, token_hashes
    from cleaners.dedup.text import folded_words

    tokens = folded_words(text)[0]
    joined = " ".join(tokens).encode("utf-8")
    return shingle_sets(token_hashes(joined), np.array([len(tokens)]), config.shingle_size)[1]


def run_index(path: Path, n: int) -> dict[str, object]:
    index = DedupIndex(DedupConfig())
    truth: list[str] = []
    flagged: dict[tuple[str, int], str] = {}
    tenth = max(1, n // 10)
    slices: list[float] = []
    cpu_slices: list[float] = []
    refs = stream(path, truth)
    before = rss_mb()
    start = time.perf_counter()
    cpu_start = time.process_time()
    mark, cpu_mark = start, cpu_start
    done = 0
    while done < n:
        batch = []
        for ref in refs:
            batch.append(ref)
            if len(batch) == tenth:
                break
        if not batch:
            break
        for dup in index.check_and_add(batch):
            flagged[(dup.doc_id, dup.position)] = dup.kind
        done += len(batch)
        now, cpu_now = time.perf_counter(), time.process_time()
        slices.append(round((now - mark) / len(batch) * 1e6, 1))
        cpu_slices.append(round((cpu_now - cpu_mark) / len(batch) * 1e6, 1))
        mark, cpu_mark = now, cpu_now
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    peak_check = rss_mb()
    t = time.perf_counter()
    columns = index.new_columns()
    columns_seconds = time.perf_counter() - t
    result: dict[str, object] = {
        "paragraphs": done, "kept": len(index), "seconds": round(seconds, 1),
        "us_per_paragraph": round(seconds / max(1, done) * 1e6, 1),
        "us_per_paragraph_by_tenth": slices,
        # CPU time of this process: the machine is shared, so wall time per tenth
        # mostly shows what else ran.
        "cpu_seconds": round(cpu_seconds, 1),
        "cpu_us_per_paragraph": round(cpu_seconds / max(1, done) * 1e6, 1),
        "cpu_us_per_paragraph_by_tenth": cpu_slices,
        "rss_before_mb": round(before), "peak_rss_after_check_mb": round(peak_check),
        "new_columns_seconds": round(columns_seconds, 1),
        "peak_rss_after_columns_mb": round(rss_mb()),
    }
    del columns
    copies = [k for k in truth if k]
    by_kind: dict[str, list[int]] = {}
    missed: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            hit = (row["d"], row["p"]) in flagged
            by_kind.setdefault(row["k"] or "original", []).append(hit)
            if row["k"] and not hit:
                missed[f"{row['d']}#{row['p']}"] = (row["o"], row["t"])
    result["copies"] = len(copies)
    result["recall_by_kind"] = {k: round(sum(v) / len(v), 4) for k, v in sorted(by_kind.items())
                                if k != "original"}
    result["originals_flagged"] = sum(by_kind.get("original", []))
    result.update(_explain_misses(path, missed, index.config))
    return result


def _explain_misses(path: Path, missed: dict[str, tuple[str, str]],
                    config: DedupConfig) -> dict[str, int]:
    """Split missed copies into those the verification rule rejects by design (the copy
    keeps or adds too much) and those LSH failed to propose although they would pass."""
    from cleaners.dedup.bounds import verify

    wanted = {origin for origin, _ in missed.values()}
    originals: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            key = f"{row['d']}#{row['p']}"
            if key in wanted:
                originals[key] = row["t"]

    by_design = lsh = 0
    for origin, text in missed.values():
        if verify(shingles(text, config), shingles(originals[origin], config), config) is None:
            by_design += 1
        else:
            lsh += 1
    return {"missed_below_verification_thresholds": by_design, "missed_by_lsh": lsh}


def run_compare(path: Path, n: int, library: str) -> dict[str, object]:
    """Signature + LSH insert/query only (no verification), with a third-party index."""
    config = DedupConfig()
    truth: list[str] = []
    if library == "datasketch":
        from datasketch import MinHash, MinHashLSH
    else:
        from rensa import RMinHash, RMinHashLSH
    before = rss_mb()
    start = time.perf_counter()
    count = 0
    if library == "datasketch":
        lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
        perms = MinHash(num_perm=config.num_perm, seed=config.seed, scheme="affine32").permutations
        for ref in stream(path, truth):
            values = shingles(ref.text, config)
            m = MinHash(num_perm=config.num_perm, permutations=perms, scheme="affine32",
                        hashfunc=int)
            m.update_batch(values.tolist())
            lsh.query(m)
            lsh.insert(count, m, check_duplication=False)
            count += 1
    else:
        index = RMinHashLSH(threshold=0.5, num_perm=config.num_perm, num_bands=config.bands)
        for ref in stream(path, truth):
            m = RMinHash(num_perm=config.num_perm, seed=config.seed)
            m.update([str(v) for v in shingles(ref.text, config).tolist()])
            index.query(m)
            index.insert(count, m)
            count += 1
    seconds = time.perf_counter() - start
    return {"library": library, "paragraphs": count, "seconds": round(seconds, 1),
            "us_per_paragraph": round(seconds / max(1, count) * 1e6, 1),
            "rss_before_mb": round(before), "peak_rss_mb": round(rss_mb())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--compare", choices=["datasketch", "rensa"],
                        help="instead, time signatures + a third-party LSH index")
    args = parser.parse_args()
    corpus = HERE / "corpus"
    corpus.mkdir(exist_ok=True)
    path = corpus / f"dedup_{args.paragraphs}_{SEED}.jsonl"
    if not path.exists():
        t = time.perf_counter()
        generate(path.with_suffix(".tmp"), args.paragraphs)
        path.with_suffix(".tmp").rename(path)
        print(f"generated {path.name} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    if args.compare:
        result = run_compare(path, args.paragraphs, args.compare)
    else:
        result = run_index(path, args.paragraphs)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
