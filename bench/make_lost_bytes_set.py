"""Build the lost-byte sets: real sentences that a cp1252 round trip damages.

Sentences come from Universal Dependencies treebanks licensed CC BY-SA 4.0 (or CC BY
4.0), never the PUD treebanks ../shared/eval uses. A sentence is kept when its UTF-8
bytes, read as cp1252, hit one of the five bytes cp1252 leaves undefined (0x81 0x8D 0x8F
0x90 0x9D), which a real round trip turns into U+FFFD; a smaller share of sentences
damaged only by ordinary mojibake (no lost byte) is kept beside them. The files store
the sentence only; the damage is made again by whoever reads them.

Two sets, from different sentences of the same treebanks:
- tests/data/lost_bytes.jsonl, the set reported on: the test split.
- bench/data/lost_bytes_tune.jsonl, the set the repair's constants are chosen on: the
  dev split (a treebank whose snapshot has only one of the two splits gives its first
  half to the test set and its second half to the tune set).

With --second, a third set, held out like the first and built after it (issue 19,
fourth round), without rewriting the other two: tests/data/lost_bytes_second.jsonl,
the next sentences of the same test splits (none of the first set's), and the test
splits of two treebanks the other sets do not read (SECOND_TREEBANKS).

    .venv/bin/python bench/make_lost_bytes_set.py MIRROR_DIR [--second]

MIRROR_DIR holds git snapshots named UniversalDependencies+UD_<Treebank>/repo.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT / "tests" / "data" / "lost_bytes.jsonl"
TUNE = ROOT / "bench" / "data" / "lost_bytes_tune.jsonl"
SECOND = ROOT / "tests" / "data" / "lost_bytes_second.jsonl"

# treebank -> (language, licence); each licence read from the treebank's LICENSE.txt.
TREEBANKS = {
    "Czech-CAC": ("cs", "CC BY-SA 4.0"),
    "Slovak-SNK": ("sk", "CC BY-SA 4.0"),
    "Croatian-SET": ("hr", "CC BY-SA 4.0"),
    "Serbian-SET": ("sr", "CC BY-SA 4.0"),
    "Slovenian-SSJ": ("sl", "CC BY-SA 4.0"),
    "Icelandic-Modern": ("is", "CC BY-SA 4.0"),
    "Lithuanian-HSE": ("lt", "CC BY-SA 4.0"),
    "Lithuanian-ALKSNIS": ("lt", "CC BY-SA 4.0"),
    "Latvian-LVTB": ("lv", "CC BY-SA 4.0"),
    "Russian-Taiga": ("ru", "CC BY-SA 4.0"),
    "Russian-GSD": ("ru", "CC BY-SA 4.0"),
    "Ukrainian-ParlaMint": ("uk", "CC BY-SA 4.0"),
    "Belarusian-HSE": ("be", "CC BY-SA 4.0"),
    "Macedonian-MTB": ("mk", "CC BY-SA 4.0"),
    "Spanish-GSD": ("es", "CC BY-SA 4.0"),
    "Portuguese-Bosque": ("pt", "CC BY-SA 4.0"),
    "Vietnamese-VTB": ("vi", "CC BY-SA 4.0"),
    "Turkish-BOUN": ("tr", "CC BY-SA 4.0"),
    "English-EWT": ("en", "CC BY-SA 4.0"),
}
# Treebanks only the second held-out set reads (licences from their LICENSE.txt).
SECOND_TREEBANKS = {
    "Czech-CLTT": ("cs", "CC BY-SA 4.0"),
    "Romanian-RRT": ("ro", "CC BY-SA 4.0"),
}
LOST_PER_LANGUAGE = 30
PLAIN_PER_LANGUAGE = 6
UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def round_trip(sentence: str) -> str:
    """What a cp1252 round trip makes of `sentence`: undefined bytes become U+FFFD."""
    return sentence.encode("utf-8").decode("cp1252", errors="replace")


def split_sentences(mirror: Path, treebank: str, split: str) -> list[str] | None:
    """The sentences of one split of a treebank, None when the snapshot lacks it."""
    repo = mirror / f"UniversalDependencies+UD_{treebank}" / "repo"
    names = subprocess.run(["git", "-C", str(repo), "ls-tree", "--name-only", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.split()
    name = next((name for name in names if name.endswith(f"-ud-{split}.conllu")), None)
    if name is None:
        return None
    shown = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{name}"],
                           capture_output=True, text=True)
    if shown.returncode != 0:  # files of 4 MiB and more are not in the snapshots
        return None
    # "# text =Thanh ..." (no space after "=") in some files.
    return [unicodedata.normalize("NFC", line[len("# text ="):].strip())
            for line in shown.stdout.splitlines() if line.startswith("# text =")]


def pick(sentences: list[str], lost_wanted: int, plain_wanted: int,
         skip: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    lost: list[str] = []
    plain: list[str] = []
    for sentence in sentences:
        if len(sentence) < 20 or sentence.isascii() or sentence in skip:
            continue
        if UNDEFINED & set(sentence.encode("utf-8")):
            if len(lost) < lost_wanted:
                lost.append(sentence)
        elif len(plain) < plain_wanted:
            plain.append(sentence)
        if len(lost) >= lost_wanted and len(plain) >= plain_wanted:
            break
    return lost, plain


def second(mirror: Path) -> None:
    """tests/data/lost_bytes_second.jsonl: sentences of the test splits that no other
    set holds, LOST_PER_LANGUAGE a language at most (split over its treebanks)."""
    held = frozenset(json.loads(line)["text"] for path in (TEST, TUNE)
                     for line in path.open(encoding="utf-8"))
    treebanks = TREEBANKS | SECOND_TREEBANKS
    per_language: dict[str, int] = {}
    for language, _ in treebanks.values():
        per_language[language] = per_language.get(language, 0) + 1
    rows: list[dict[str, object]] = []
    for treebank, (language, licence) in treebanks.items():
        share = per_language[language]
        test = split_sentences(mirror, treebank, "test")
        if test is None:  # one split only: the first set took its first half
            whole = split_sentences(mirror, treebank, "dev") or []
            test = whole[: len(whole) // 2]
        lost, plain = pick(test, LOST_PER_LANGUAGE // share, PLAIN_PER_LANGUAGE // share,
                           held)
        rows += [{"language": language, "lost_byte": bool(s in lost), "text": s,
                  "source": f"UD_{treebank}", "licence": licence} for s in lost + plain]
        print(SECOND.name, treebank, language, len(lost), len(plain))
    with SECOND.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(rows), "rows ->", SECOND)


def main() -> None:
    mirror = Path(sys.argv[1])
    if "--second" in sys.argv:
        second(mirror)
        return
    per_language: dict[str, int] = {}
    for _, (language, _) in TREEBANKS.items():
        per_language[language] = per_language.get(language, 0) + 1
    sets: dict[Path, list[dict[str, object]]] = {TEST: [], TUNE: []}
    for treebank, (language, licence) in TREEBANKS.items():
        share = per_language[language]
        test = split_sentences(mirror, treebank, "test")
        tune = split_sentences(mirror, treebank, "dev")
        if test is None or tune is None:  # one split only: halve it
            whole = test or tune or []
            test, tune = whole[: len(whole) // 2], whole[len(whole) // 2 :]
        for path, sentences in ((TEST, test), (TUNE, tune)):
            lost, plain = pick(sentences, LOST_PER_LANGUAGE // share,
                               PLAIN_PER_LANGUAGE // share)
            sets[path] += [{"language": language, "lost_byte": bool(s in lost), "text": s,
                            "source": f"UD_{treebank}", "licence": licence}
                           for s in lost + plain]
            print(path.name, treebank, language, len(lost), len(plain))
    for path, rows in sets.items():
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(len(rows), "rows ->", path)


if __name__ == "__main__":
    main()
