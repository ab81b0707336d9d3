"""Build cleaners/letters/lost_byte_context.tsv.gz: the words beside damageable words.

For every word of the running text of bench/ud_text.py (UD sentences, CC BY-SA 4.0: the
train splits of Russian-Taiga, Icelandic-Modern, Vietnamese-VTB and Belarusian-HSE, and
the dev sentences outside the tune set of those and of Russian-GSD and
Ukrainian-ParlaMint; never a sentence of either lost-byte set or of a current test
split) that a cp1252 round trip can damage in some case (lower, title or upper), seen
at least MIN_COUNT times: how often it was seen, and how often after each word, before
each word, and before a word ending in each two letters
(cleaners/lost_byte_context.py, `features`), features seen once left out. A neighbour
counts only when nothing but spaces stands between; else it is "" (the line's edge, a
comma). Gzipped text lines ``language<TAB>word<TAB>count<TAB>feature:count ...``.

    .venv/bin/python bench/make_lost_byte_context.py MIRROR_DIR

MIRROR_DIR holds git snapshots named UniversalDependencies+UD_<Treebank>/repo.
"""

from __future__ import annotations

import gzip
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ud_text import SOURCES, WORD, sentences  # noqa: E402

from cleaners.lost_byte_context import features  # noqa: E402
from cleaners.lost_byte_words import lost_mark  # noqa: E402

OUT = ROOT / "cleaners" / "letters" / "lost_byte_context.tsv.gz"
MIN_COUNT = 3
MIN_FEATURE = 2


def damageable(word: str) -> bool:
    return any(lost_mark(ch) for variant in (word, word.title(), word.upper())
               for ch in variant)


def normal(word: str) -> str:
    return word.lower().replace("\u2019", "'").replace("\u02bc", "'")


def main() -> None:
    mirror = Path(sys.argv[1])
    lines = []
    for language in sorted(SOURCES):
        totals: Counter[str] = Counter()
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for text in sentences(mirror, language):
            found = list(WORD.finditer(text))
            for k, match in enumerate(found):
                word = normal(match.group())
                if not damageable(word):
                    continue
                before = after = ""
                if k and text[found[k - 1].end() : match.start()].isspace():
                    before = normal(found[k - 1].group())
                if k + 1 < len(found) and text[match.end() : found[k + 1].start()].isspace():
                    after = normal(found[k + 1].group())
                totals[word] += 1
                seen[word].update(features(before, after))
        for word, count in sorted(totals.items()):
            if count < MIN_COUNT:
                continue
            kept = " ".join(f"{feature}:{n}" for feature, n in sorted(seen[word].items())
                            if n >= MIN_FEATURE)
            lines.append(f"{language}\t{word}\t{count}\t{kept}")
        print(language, sum(totals.values()), "damageable words seen")
    text = ("# Built by bench/make_lost_byte_context.py from UD sentences (CC BY-SA 4.0;"
            " bench/ud_text.py names them).\n" + "\n".join(lines) + "\n")
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(len(lines), "words,", OUT.stat().st_size, "bytes ->", OUT)


if __name__ == "__main__":
    main()
