"""Build tests/data/lost_bytes.jsonl: real sentences that a cp1252 round trip damages.

Sentences come from the test split (else the dev split) of Universal Dependencies treebanks licensed
CC BY-SA 4.0 (or CC BY 4.0), never the PUD treebanks ../shared/eval uses. A sentence is
kept when its UTF-8 bytes, read as cp1252, hit one of the five bytes cp1252 leaves
undefined (0x81 0x8D 0x8F 0x90 0x9D), which a real round trip turns into U+FFFD; a
smaller share of sentences damaged only by ordinary mojibake (no lost byte) is kept
beside them. The file stores the sentence only; the damage is made again by the test.

    .venv/bin/python bench/make_lost_bytes_set.py MIRROR_DIR

MIRROR_DIR holds git snapshots named UniversalDependencies+UD_<Treebank>/repo.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "lost_bytes.jsonl"

# treebank -> (language, licence)
TREEBANKS = {
    "Czech-CAC": ("cs", "CC BY-SA 4.0"),
    "Slovak-SNK": ("sk", "CC BY-SA 4.0"),
    "Croatian-SET": ("hr", "CC BY-SA 4.0"),
    "Slovenian-SSJ": ("sl", "CC BY-SA 4.0"),
    "Icelandic-Modern": ("is", "CC BY-SA 4.0"),
    "Lithuanian-HSE": ("lt", "CC BY-SA 4.0"),
    "Latvian-LVTB": ("lv", "CC BY-SA 4.0"),
    "Russian-Taiga": ("ru", "CC BY-SA 4.0"),
    "Ukrainian-ParlaMint": ("uk", "CC BY-SA 4.0"),
    "Vietnamese-VTB": ("vi", "CC BY-SA 4.0"),
    "Turkish-BOUN": ("tr", "CC BY-SA 4.0"),
    "Spanish-AnCora": ("es", "CC BY 4.0"),
    "English-EWT": ("en", "CC BY-SA 4.0"),
}
LOST_PER_LANGUAGE = 30
PLAIN_PER_LANGUAGE = 6
UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def round_trip(sentence: str) -> str:
    """What a cp1252 round trip makes of `sentence`: undefined bytes become U+FFFD."""
    return sentence.encode("utf-8").decode("cp1252", errors="replace")


def sentences(mirror: Path, treebank: str) -> list[str]:
    repo = mirror / f"UniversalDependencies+UD_{treebank}" / "repo"
    names = subprocess.run(["git", "-C", str(repo), "ls-tree", "--name-only", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.split()
    # The test split, or the dev split where the snapshot lacks the test file (files of
    # 4 MiB and more are not in the snapshots this was built from).
    text = ""
    for split in ("test", "dev"):
        name = next(name for name in names if name.endswith(f"-ud-{split}.conllu"))
        shown = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{name}"],
                               capture_output=True, text=True)
        if shown.returncode == 0:
            text = shown.stdout
            break
    return [unicodedata.normalize("NFC", line[len("# text = "):].strip())
            for line in text.splitlines() if line.startswith("# text = ")]


def main() -> None:
    mirror = Path(sys.argv[1])
    rows = []
    for treebank, (language, licence) in TREEBANKS.items():
        lost, plain = [], []
        for sentence in sentences(mirror, treebank):
            if len(sentence) < 20 or sentence.isascii():
                continue
            if UNDEFINED & set(sentence.encode("utf-8")):
                if len(lost) < LOST_PER_LANGUAGE:
                    lost.append(sentence)
            elif len(plain) < PLAIN_PER_LANGUAGE:
                plain.append(sentence)
            if len(lost) >= LOST_PER_LANGUAGE and len(plain) >= PLAIN_PER_LANGUAGE:
                break
        rows += [{"language": language, "lost_byte": True, "text": s,
                  "source": f"UD_{treebank}", "licence": licence} for s in lost]
        rows += [{"language": language, "lost_byte": False, "text": s,
                  "source": f"UD_{treebank}", "licence": licence} for s in plain]
        print(treebank, language, len(lost), len(plain))
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(rows), "rows ->", OUT)


if __name__ == "__main__":
    main()
