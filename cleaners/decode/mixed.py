"""UTF-8 with a few stray bytes: the stray runs read with the code page that fits.

A Latin-1 field pasted into a UTF-8 page leaves a few invalid bytes among valid
characters. `split_utf8` tells such a text from a legacy-encoded one, and `read_strays`
reads only the stray bytes with a legacy code page, the one whose reading fits the
words around them best.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice

from cleaners.decode.charsets import decode_or_none
from cleaners.decode.plausibility import (
    ORDINARY_MARKS,
    Tally,
    added,
    non_ascii_tokens,
    odd_total,
    tally_of,
    writing_system,
)

# How much of the valid text is read to judge which code page the stray bytes are in:
# enough non-ASCII words to know the language's alphabet.
_STRAY_SAMPLE_TOKENS = 200
_STRAY_CONTEXT = 40
# The scan of a text gives up past this many stray bytes: UTF-8 with accidents has a
# few, a legacy text one per accented letter (see `decoder._MIXED_MIN_RATIO`).
_MIXED_MAX_STRAY = 256

# The code pages a few stray bytes in a UTF-8 text are read with, most common first:
# the Windows code pages and KOI8-R, in which text fields were typed and pasted. The
# rarer single-byte codecs of detection (`decoder._CANDIDATES`) are left out on
# purpose: between them they make some letter or mark of almost any byte ("Å" of
# mac-roman's 0x81), so they would turn a byte that was no text at all into a
# confident guess.
_STRAY_CODECS = ("cp1252", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1256",
                 "cp1257", "koi8-r", "cp874")
_WORD_END = re.compile(r"\S*\Z")
_WORD_START = re.compile(r"\S*")


def split_utf8(data: bytes) -> tuple[list[str], list[bytes], int, int] | None:
    """Split UTF-8 with invalid bytes into its valid texts and the stray runs between.

    Returns the texts, the runs of stray bytes (one fewer than the texts: text, run,
    text...), the number of valid non-ASCII characters and of stray bytes; None when
    the bytes read as a legacy text rather than as UTF-8 with accidents. The first bytes
    of a character cut off at the very end (a cut download, a fixed-size buffer) are
    dropped rather than turned into mojibake ("Ð", "â€") and count as one stray byte:
    "caf\\xe9" alone ends like a cut too, so it is only dropped in a text that proves
    to be UTF-8.
    """
    texts: list[str] = []
    runs: list[bytes] = []
    multibyte = 0
    pos = 0
    while True:
        try:
            text = data[pos:].decode("utf-8")
            start = end = len(data)
            cut = False
        except UnicodeDecodeError as err:
            start, end = pos + err.start, pos + err.end
            text = data[pos:start].decode("utf-8")
            cut = end == len(data) and err.reason == "unexpected end of data"
        multibyte += _non_ascii_count(text)
        if text or not runs:
            texts.append(text)
        if start == len(data) or cut:
            break
        # Stray bytes with nothing valid between them are one run, read together.
        if len(texts) == len(runs):
            runs[-1] += data[start:end]
        else:
            runs.append(data[start:end])
        stray = sum(map(len, runs))
        # More stray bytes than valid characters so far: a legacy text, not UTF-8
        # with accidents (this ends the scan of a cp1251 page within a few words).
        if stray > _MIXED_MAX_STRAY or (stray >= 8 and multibyte < stray):
            return None
        pos = end
    if len(texts) == len(runs):
        texts.append("")
    return texts, runs, multibyte, sum(map(len, runs)) + cut


def read_strays(texts: list[str], runs: list[bytes]) -> str:
    """Join valid texts and the stray runs between them, each run read with the code
    page that fits best, or as U+FFFD when none does.

    Each code page of `_STRAY_CODECS` reads every stray run. A reading fits
    its word when it adds no odd character to it (`odd_character_share`'s rules), its
    letters are of the writing system of the word's other letters (of the text's, or
    Latin, for a word of its own) and its other characters are ordinary marks. The code
    page with the fewest unfitting runs wins, then the one with the fewest odd
    characters in the words alone and in the words followed by a sample of the valid
    text's non-ASCII words (its alphabet), then the more common one. A run that does
    not fit even then (a "ÿþ" from a UTF-16 byte-order mark, a byte cp1252 leaves
    undefined) was not text in any code page: it becomes one U+FFFD per byte rather
    than an invented character.
    """
    sample: list[str] = []
    for text in texts:
        if len(sample) >= _STRAY_SAMPLE_TOKENS:
            break
        sample += islice(non_ascii_tokens(text), _STRAY_SAMPLE_TOKENS - len(sample))
    # Counted once: tallies add up, so each reading only tallies its few words.
    context = tally_of(" ".join(sample))
    systems = context.systems
    main = max(systems, key=lambda name: systems[name]) if systems else "LATIN"
    around = [(_word_end(texts[n]), _word_start(texts[n + 1])) for n in range(len(runs))]
    without = [odd_total(tally_of(before + after)) for before, after in around]
    readings: list[tuple[int, int, Tally, list[str], list[bool]]] = []
    for rank, codec in enumerate(_STRAY_CODECS):
        decoded = [_read_single_bytes(run, codec) for run in runs]
        if None in decoded:
            continue
        read = [reading or "" for reading in decoded]
        fits = [_fits(reading, before, after, odd, main)
                for (before, after), odd, reading in zip(around, without, read, strict=True)]
        alone = tally_of(" ".join(before + reading + after
                                for (before, after), reading in zip(around, read, strict=True)))
        readings.append((fits.count(False), rank, alone, read, fits))
    # Only the readings with the fewest unfitting runs can win: the costlier score with
    # the sample is taken for those alone.
    fewest = min(unfit for unfit, *_ in readings)  # cp1252 reads every byte: never empty
    # The words alone judge how each reading sits in its word ("spécial", not
    # "spйcial"); with the sample, whether its letters are the text's alphabet.
    _, _, read, fits = min(
        (odd_total(alone) + odd_total(added(alone, context)), rank, read, fits)
        for unfit, rank, alone, read, fits in readings if unfit == fewest)
    joined = [texts[0]]
    for n, (run, reading, fit) in enumerate(zip(runs, read, fits, strict=True)):
        joined += (reading if fit else "\ufffd" * len(run), texts[n + 1])
    return "".join(joined)


def _fits(reading: str, before: str, after: str, odd_without: float, main: str) -> bool:
    """Whether a stray run's reading is a plausible part of its word (see `read_strays`):
    `odd_without` is the odd-character count of the word without it."""
    if odd_total(tally_of(before + reading + after)) > odd_without:
        return False
    neighbours = {writing_system(ch) for ch in before + after if ch.isalpha()}
    allowed = neighbours or {main, "LATIN"}
    for ch in reading:
        if ch.isalpha():
            if writing_system(ch) not in allowed:
                return False
        elif unicodedata.category(ch)[0] != "M" and ch not in ORDINARY_MARKS:
            return False
    return True


def _read_single_bytes(run: bytes, codec: str) -> str | None:
    if codec != "cp1252":
        return decode_or_none(run, codec)
    # cp1252 leaves five bytes undefined; Latin-1 gives them their C1 control.
    return "".join(decode_or_none(bytes((b,)), "cp1252") or chr(b) for b in run)


def _word_end(text: str) -> str:
    found = _WORD_END.search(text[-_STRAY_CONTEXT:])
    return found.group() if found else ""


def _word_start(text: str) -> str:
    found = _WORD_START.match(text[:_STRAY_CONTEXT])
    return found.group() if found else ""


def _non_ascii_count(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))
