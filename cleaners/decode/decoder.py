"""`decode_bytes`: the evidence steps that choose a codec, strongest first.

See `cleaners.decode` for the steps and why each comes where it does.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from cleaners import reasons
from cleaners.decode.charsets import codecs_for_label, declared_charset, decode_or_none
from cleaners.decode.mixed import read_strays, split_utf8
from cleaners.decode.plausibility import (
    COHERENCE_WEIGHT,
    SCORE_CHARS,
    implausibility,
    language_measures,
    odd_character_share,
)
from cleaners.records import Rejection


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, with the codec used and the evidence that chose it.

    `encoding` is the lower-case Python codec name (``utf-8``, ``utf-8-sig``,
    ``cp1252``, ``utf-16-le``...). `method` is one of ``bom``, ``utf8``, ``mixed``
    (UTF-8 whose few invalid bytes were read as cp1252), ``declared`` or ``detected``.
    """

    text: str
    encoding: str
    method: str


# UTF-32 marks first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Only signatures that contain bytes no text has; short ASCII ones ("MZ", "BZh") would
# refuse real texts that happen to start with those letters.
_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",  # zip, docx, epub
    b"\x1f\x8b\x08",  # gzip
    b"7z\xbc\xaf\x27\x1c",
    b"\xfd7zXZ\x00",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: .doc, .xls
    b"\x7fELF",
    b"OggS\x00",
    b"wOFF",
    b"wOF2",
)

# Control bytes that plain text does not contain: C0 minus TAB, LF, VT, FF, CR and
# ESC (terminal escapes are text, and ftfy removes them later).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_SAMPLE = 65536

# The first sift reads this many non-ASCII characters of every reading and keeps those
# within this margin of the best: a reading with a quarter more odd characters in its
# first hundred is never the right one in the test corpus (its wrong readings are
# 0.3 to 3 worse), and it saves two thirds of the work on a legacy document.
_SIFT_NON_ASCII = 100
_SIFT_MARGIN = 0.25

# Above this score a reading is not text: the bytes are refused as undecodable, and a
# UTF-16/32 reading (with or without a BOM) is not taken. Right readings of the test
# sentences score at most 0.40 (a one-line Chinese sentence with a Latin name, which
# charset-normalizer's mess ratio dislikes); wrong ones at least 0.85 (Russian UTF-8
# read as UTF-16-BE); random bytes above 1 (bench/eval_legacy_detection.py prints the
# highest right score).
_UNREADABLE = 0.7

# A declared charset is evidence: it wins unless another codec's text is more plausible
# by more than this (one implausible character in twenty).
_DECLARED_BONUS = 0.05

# UTF-8 with stray bytes is only "mixed" when valid multi-byte characters outnumber the
# stray bytes this many times; legacy texts show the opposite proportion (in cp1251
# Russian nearly every letter is an invalid byte, a letter followed by "»" the rare
# valid pair).
_MIXED_MIN_RATIO = 10

# Below that ratio but with at least this many valid multi-byte characters per stray
# byte, the mixed reading is one more candidate of detection (step 7), carrying this
# prior penalty. A short UTF-8 text with a stray euro sign and a "ÿþ" has 22 accented
# letters for 3 stray bytes, and every legacy reading of it is mojibake; a legacy text
# never has more valid UTF-8 pairs than invalid bytes (see above). On one sentence of
# each of 20 languages with one of its words in its legacy code page (3 to 9 valid
# characters per stray byte), the mixed reading scores 0.39 to 2 better than the best
# legacy one (tests/test_decode.py), so the penalty only decides near-ties.
_MIXED_WEAK_RATIO = 2
_MIXED_PENALTY = 0.03

# Legacy codecs tried by detection, with a prior penalty added to the implausibility
# score. The order and tiers follow how often each charset is still served on the web
# (W3Techs charset survey: ISO-8859-1/Windows-1252 far ahead, then Windows-1251,
# Shift_JIS, GB2312/GBK, EUC-KR, then the other Windows code pages, then the ISO and
# Mac variants). The penalty only breaks near-ties: a Western text that reads equally
# well as cp1252 and cp1250 is cp1252. Where a narrow codec and its superset give the
# same text, the narrow one is listed first so it is the one reported.
_CANDIDATES: tuple[tuple[str, float], ...] = (
    ("cp1252", 0.0),
    ("cp1251", 0.01),
    ("gb2312", 0.01),
    ("gbk", 0.01),
    ("gb18030", 0.01),
    ("shift_jis", 0.01),
    ("cp932", 0.01),
    ("euc_kr", 0.01),
    ("cp949", 0.01),
    ("big5", 0.015),
    ("cp950", 0.015),
    ("big5hkscs", 0.015),
    ("euc_jp", 0.015),
    ("cp1250", 0.025),
    ("cp1253", 0.025),
    ("cp1254", 0.025),
    ("cp1255", 0.025),
    ("cp1256", 0.025),
    ("cp1257", 0.025),
    ("koi8-r", 0.025),
    ("cp874", 0.03),
    ("iso8859-2", 0.03),
    ("iso8859-15", 0.03),
    ("iso8859-5", 0.03),
    ("iso8859-6", 0.03),
    ("iso8859-7", 0.03),
    ("iso8859-8", 0.03),
    ("iso8859-13", 0.03),
    ("koi8-u", 0.03),
    ("mac-cyrillic", 0.04),
    ("cp866", 0.04),
    ("mac-roman", 0.04),
    ("iso8859-16", 0.05),
)

_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")


def decode_bytes(
    data: bytes, *, declared: str | None = None, max_bytes: int | None = None
) -> Decoded | Rejection:
    """Decode a document's bytes with the codec its bytes most plausibly use.

    `declared` is a charset label from outside the bytes (an HTTP Content-Type); when
    absent the document's own ``<meta>``/XML declaration is read. `max_bytes` refuses
    larger inputs as ``too_large`` rather than cutting them (a cut can split a
    character and silently drop the end of a document).

    >>> decode_bytes("Ça va très bien".encode("cp1252"))
    Decoded(text='Ça va très bien', encoding='cp1252', method='detected')
    >>> decode_bytes(b"").reason
    'empty'
    """
    if max_bytes is not None and len(data) > max_bytes:
        return Rejection(reasons.TOO_LARGE,
                         f"{len(data)} bytes, more than the limit of {max_bytes}")
    if not data.strip():
        return Rejection(reasons.EMPTY, "no bytes" if not data else "only whitespace bytes")

    decoded = _by_bom(data)
    sample = data[:_SAMPLE]
    wide = b"\x00" in sample or _control_bytes(sample) > _max_control_bytes(sample)
    if decoded is None and wide and (data.isascii() or not _is_utf8(data)):
        # UTF-16 of ASCII-range text is valid UTF-8 too, so its NULs are looked at
        # first; valid UTF-8 with non-ASCII characters is UTF-8 whatever NULs it has.
        decoded = _by_nul_pattern(data)
    if decoded is None:
        refusal = _binary_reason(sample)
        if refusal is not None:
            return Rejection(reasons.BINARY, refusal)
        found = _by_content(data, declared)
        if isinstance(found, Rejection):
            return found
        decoded = found
    if not decoded.text.strip():
        return Rejection(reasons.EMPTY, f"only whitespace once decoded as {decoded.encoding}")
    return decoded


def _by_bom(data: bytes) -> Decoded | None:
    """Decode by byte-order mark; None when there is none or the rest does not decode."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data if codec == "utf-8-sig" else data[len(bom):]
            text = decode_or_none(body, codec)
            # A mark followed by bytes its codec cannot read, or reads as garbage, was
            # not a mark (a cp1252 text can start with "ÿþ"); the content decides.
            # UTF-8 needs no such check: its mark and validity are evidence enough.
            if text is not None and (codec == "utf-8-sig" or _reads_as_text(text)):
                return Decoded(text, codec, "bom")
            return None
    return None


def _by_nul_pattern(data: bytes) -> Decoded | None:
    """Recognise UTF-32 or UTF-16 without a BOM from where the NUL and control bytes fall.

    Latin, Cyrillic or Greek text in UTF-16 has a NUL in every other byte, always on
    the same side of each pair. CJK text in UTF-16 has few NULs (from its spaces, digits
    and line breaks) but, read byte by byte, is full of control bytes, which is what
    would otherwise refuse it as binary. So UTF-16 is tried when the NULs fall on one
    side, or when the control bytes are too many for an ASCII-compatible text; a legacy
    text with one stray NUL qualifies for neither. The decoded text must then read as
    text: few controls, nothing unassigned, a low implausibility.
    """
    sample = data[:_SAMPLE]
    for codec, unit in (("utf-32-le", 4), ("utf-32-be", 4)):
        lane = sample[3::unit] if codec.endswith("le") else sample[0::unit]
        if len(sample) >= 2 * unit and lane.count(0) == len(lane):
            text = decode_or_none(data[: len(data) // unit * unit], codec)
            if text is not None and _reads_as_text(text):
                return Decoded(text, codec, "detected")
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    one_sided = max(even, odd) >= max(2, pairs // 100) and min(even, odd) * 10 <= max(even, odd)
    if not (one_sided or _control_bytes(sample) > _max_control_bytes(sample)):
        return None
    order = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
    for codec in order:
        text = decode_or_none(data[: len(data) // 2 * 2], codec)
        if text is not None and _reads_as_text(text):
            return Decoded(text, codec, "detected")
    return None


def _is_utf8(data: bytes) -> bool:
    return decode_or_none(data, "utf-8") is not None


def _reads_as_text(text: str) -> bool:
    """True when at most 1% of the first characters are controls, unassigned or private
    and they read plausibly (see `implausibility`)."""
    sample = text[:SCORE_CHARS]
    odd = sum(
        1
        for ch in sample
        if ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )
    if odd * 100 > len(sample) or not any(ch.isalpha() for ch in sample):
        return False
    return implausibility(sample) <= _UNREADABLE


def _control_bytes(sample: bytes) -> int:
    return len(sample) - len(sample.translate(None, _CONTROL_BYTES))


def _max_control_bytes(sample: bytes) -> int:
    # Text files carry at most a stray control byte or two (a NUL terminator, a form
    # feed); random or compressed bytes carry one in eight.
    return max(2, len(sample) // 100)


def _binary_reason(sample: bytes) -> str | None:
    """Say why the bytes are not text (a file signature, control bytes), or None."""
    for magic in _MAGIC:
        if sample.startswith(magic):
            return f"starts with the signature {magic[:8]!r}"
    if sample[8:12] == b"WEBP" or sample[4:8] == b"ftyp":
        return "starts with an image or video container signature"
    controls = _control_bytes(sample)
    if controls > _max_control_bytes(sample):
        return f"{controls} control bytes in the first {len(sample)}"
    return None


def _by_content(data: bytes, declared: str | None) -> Decoded | Rejection:
    """Decode ASCII-compatible bytes: UTF-8, mixed UTF-8, declared, then detected."""
    if data.isascii() and any(escape in data for escape in _ISO2022_ESCAPES):
        # ISO-2022-JP is 7-bit, so it would pass as UTF-8 with its escapes left in.
        for codec in ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext"):
            text = decode_or_none(data, codec)
            if text is not None:
                return Decoded(text, codec, "detected")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf8")
    except UnicodeDecodeError:
        pass
    split = split_utf8(data)
    mixed = None
    if split is not None:
        texts, runs, multibyte, stray = split
        if multibyte >= _MIXED_MIN_RATIO * stray:
            return Decoded(read_strays(texts, runs), "utf-8", "mixed")
        if multibyte >= _MIXED_WEAK_RATIO * stray:
            mixed = read_strays(texts, runs)

    declared_family = codecs_for_label(declared) if declared else ()
    if not declared:
        found = declared_charset(data)
        declared_family = codecs_for_label(found) if found else ()
    return _detect(data, declared_family, mixed)


def _detect(
    data: bytes, declared_family: tuple[str, ...], mixed: str | None = None
) -> Decoded | Rejection:
    """Score every candidate codec that decodes strictly, and the `mixed` reading if
    given (UTF-8 with a few stray bytes); the most plausible wins."""
    texts: dict[str, tuple[str, float, str]] = {}
    if mixed is not None:
        texts[mixed] = ("utf-8", _MIXED_PENALTY, "mixed")
    for codec in declared_family:
        text = decode_or_none(data, codec)
        if text is not None:
            texts.setdefault(text, (codec, -_DECLARED_BONUS, "declared"))
            break
    for codec, penalty in _CANDIDATES:
        text = decode_or_none(data, codec)
        if text is not None and text not in texts:
            texts[text] = (codec, penalty, "detected")
    if not texts:
        return Rejection(reasons.UNDECODABLE, "no candidate codec decodes these bytes")
    # A first sift on the first non-ASCII characters drops the readings that are
    # already far worse than the best; then the odd-character share on the whole
    # sample; charset-normalizer's measures (about 1 ms each on 3.5 KB) only for the
    # readings that can still win: its mess ratio is never negative and its coherence
    # takes off at most `COHERENCE_WEIGHT`.
    sifted = sorted(
        (odd_character_share(text, _SIFT_NON_ASCII) + meta[1], rank, text)
        for rank, (text, meta) in enumerate(texts.items())
    )
    kept = [text for sift, _, text in sifted if sift <= sifted[0][0] + _SIFT_MARGIN]
    cheap = sorted(
        (odd_character_share(text) + texts[text][1], rank, text, *texts[text][::2])
        for rank, text in enumerate(kept)
    )
    best: tuple[float, int, str, str, str] | None = None
    for lower_bound, rank, text, codec, method in cheap:
        if best is not None and lower_bound - COHERENCE_WEIGHT >= best[0]:
            break
        score = lower_bound + language_measures(text)
        if best is None or (score, rank) < best[:2]:
            best = (score, rank, text, codec, method)
    assert best is not None
    score, _, text, codec, method = best
    if score > _UNREADABLE:
        return Rejection(
            reasons.UNDECODABLE,
            f"no codec reads these bytes as text (best: {codec}, score {score:.2f})",
        )
    return Decoded(text, codec, method)
