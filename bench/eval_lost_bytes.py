"""Measure lost-byte repair on tests/data/lost_bytes.jsonl, beside ftfy alone.

Every sentence is pushed through a cp1252 round trip as real ones happen (its UTF-8
bytes read as cp1252, the five undefined bytes becoming U+FFFD), then repaired by
ftfy's ``fix_text`` alone and by textclean's `normalize_text`. A sentence counts when it
comes back exactly: as each tool makes the undamaged sentence (textclean's normalize also
turns a no-break space into a space and unescapes "&#39;", which are not repairs; ftfy
leaves them). Each lost character is also counted apart: restored right, restored wrong
(a different character: worse than U+FFFD, which a reader sees as damage), or left as
U+FFFD.

    .venv/bin/python bench/eval_lost_bytes.py [-v] [--tune | --second]

--tune measures on bench/data/lost_bytes_tune.jsonl, the set the repair's constants are
chosen on, instead of the reported set; --second on tests/data/lost_bytes_second.jsonl,
a second held-out set built later from other sentences (bench/make_lost_bytes_set.py).
--belarusian MIRROR_DIR measures on the rest of UD Belarusian-HSE's current test split
(the sentences no set holds that a round trip damages; no table reads a test split):
Belarusian is the language whose tables come from least text, and the sets hold only 36
of its sentences each.

    .venv/bin/python bench/eval_lost_bytes.py --belarusian MIRROR_DIR
"""

from __future__ import annotations

import difflib
import json
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import ftfy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.normalize import NormalizeConfig, normalize_text  # noqa: E402

UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Languages of the sets whose tables come from little text (Belarusian: UD, 17,000
# words, beside its relatives' lists); "wordfreq" sums the others.
THIN_TABLE = frozenset({"be"})
SET = ROOT / "tests" / "data" / "lost_bytes.jsonl"
TUNE = ROOT / "bench" / "data" / "lost_bytes_tune.jsonl"
SECOND = ROOT / "tests" / "data" / "lost_bytes_second.jsonl"


def round_trip(sentence: str) -> str:
    """What a cp1252 round trip makes of `sentence`: undefined bytes become U+FFFD."""
    return sentence.encode("utf-8").decode("cp1252", errors="replace")


def main() -> None:
    path = TUNE if "--tune" in sys.argv else SECOND if "--second" in sys.argv else SET
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    if "--belarusian" in sys.argv:
        rows = belarusian_rows(Path(sys.argv[sys.argv.index("--belarusian") + 1]))
    verbose = "-v" in sys.argv
    scores: dict[str, dict[str, list[int]]] = {"ftfy": defaultdict(lambda: [0, 0]),
                                               "textclean": defaultdict(lambda: [0, 0])}
    seconds = 0.0
    config = NormalizeConfig(restore_lost_bytes=True)
    chars: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        damaged = round_trip(row["text"])
        start = time.process_time()
        ours = normalize_text(damaged, config).text
        seconds += time.process_time() - start
        theirs = unicodedata.normalize("NFC", ftfy.fix_text(damaged))
        want_ours = normalize_text(row["text"], config).text
        want_theirs = unicodedata.normalize("NFC", ftfy.fix_text(row["text"]))
        for name, got, want in (("ftfy", theirs, want_theirs), ("textclean", ours, want_ours)):
            keys = [row["language"], "lost byte" if row["lost_byte"] else "no lost byte",
                    "all"] + ([] if row["language"] in THIN_TABLE else ["wordfreq"])
            for key in keys:
                scores[name][key][0] += got == want
                scores[name][key][1] += 1
        for kind in lost_characters(want_ours, ours):
            chars[row["language"]][kind] += 1
            chars["all"][kind] += 1
        if verbose and ours != want_ours:
            print(f"MISS {row['language']}: {ours!r}\n   want {want_ours!r}")
    keys = [*sorted(k for k in scores["ftfy"] if len(k) == 2), *(
        key for key in ("lost byte", "no lost byte", "wordfreq") if key in scores["ftfy"]),
        "all"]
    print(f"{'':14} {'ftfy alone':>12} {'textclean':>12}  sentences")
    for key in keys:
        f, t = scores["ftfy"][key], scores["textclean"][key]
        print(f"{key:14} {f[0] / f[1]:12.4f} {t[0] / t[1]:12.4f}  {t[1]}")
    print(f"\nlost characters (textclean): {'right':>7} {'wrong':>7} {'U+FFFD':>7}")
    for key in sorted(chars, key=lambda k: (k == "all", k)):
        counts = chars[key]
        print(f"{key:28} {counts['right']:7} {counts['wrong']:7} {counts['kept']:7}")
    print(f"textclean normalize: {1000 * seconds / len(rows):.2f} ms CPU/sentence")


def belarusian_rows(mirror: Path) -> list[dict[str, object]]:
    """The sentences of UD Belarusian-HSE's current test split that no lost-byte set
    holds and a cp1252 round trip damages, as rows of a set."""
    sys.path.insert(0, str(ROOT / "bench"))
    from ud_text import held_out_sentences

    held = {json.loads(line)["text"] for path in (SET, TUNE, SECOND)
            for line in path.open(encoding="utf-8")}
    return [{"text": text, "language": "be", "lost_byte": True}
            for text in held_out_sentences(mirror, "Belarusian-HSE", "be_hse-ud-test.conllu")
            if text not in held and "\ufffd" in round_trip(text)]


def lost_characters(want: str, got: str) -> list[str]:
    """For each character of `want` that a cp1252 round trip loses: "right" when `got`
    has it back, "kept" when U+FFFD stands there, "wrong" otherwise (aligned by
    difflib, so a line ftfy could not decode at all counts as kept or wrong)."""
    lost = {i for i, ch in enumerate(want) if UNDEFINED & set(ch.encode("utf-8")[1:])}
    kinds = []
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for i in range(i1, i2):
            if i not in lost:
                continue
            if tag == "equal":
                kinds.append("right")
            elif tag == "replace" and i2 - i1 == j2 - j1 and got[j1 + i - i1] == "\ufffd":
                kinds.append("kept")
            elif tag == "replace" and i2 - i1 == j2 - j1:
                kinds.append("wrong")
            else:
                kinds.append("kept" if "\ufffd" in got[j1:j2] else "wrong")
    return kinds


if __name__ == "__main__":
    main()
