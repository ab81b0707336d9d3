"""Decode a document's bytes to text, choosing the codec so that no character is invented.

The evidence is weighed strongest first, and the first step that decides wins:

1. ``bom``: a byte-order mark (UTF-8, UTF-16, UTF-32) decides, as it does in browsers.
2. NUL bytes that alternate with text are UTF-16/UTF-32 without a BOM (``detected``).
3. Images, archives and random bytes are refused as ``binary``: known magic numbers,
   or more control bytes than any text file carries.
4. ``utf8``: bytes that are valid UTF-8 are UTF-8. A legacy-encoded text with accents
   is almost never valid UTF-8 by accident (an accented letter would have to be followed
   by exactly the right number of symbol bytes every time), so this is safe and fast.
5. ``mixed``: UTF-8 with a few stray non-UTF-8 bytes (a Latin-1 field pasted into a
   UTF-8 page) stays UTF-8, and only the stray bytes are read as cp1252, the way HTML5
   reads unlabelled Western bytes. Decoding the whole page as cp1252 instead would turn
   every correct character into mojibake.
6. ``declared``: the charset the caller passes (an HTTP header) or that the document
   declares (``<meta charset>``, ``http-equiv``, XML declaration), mapped through the
   WHATWG label table (``iso-8859-1`` means cp1252, ``gb2312`` means gb18030...), if the
   bytes decode cleanly with it and no other codec reads clearly more plausibly
   (templates copied between sites often carry a charset that lies).
7. ``detected``: every common legacy codec that decodes the bytes strictly is scored
   by how plausible its text is, plus a prior per codec (see `_CANDIDATES`), and the most
   plausible wins. charset-normalizer's mess and coherence measures are two of the
   ingredients; its own ranking (``from_bytes(...).best()``) is not used because on
   short Western texts it often prefers cp1250/cp1257/hp_roman8 or a CJK codec over
   cp1252 (measured in bench/eval_encodings.py's notes).

Nothing is ever decoded with ``errors="replace"``: a text gains no U+FFFD that its
bytes did not encode. Bytes that no codec reads plausibly are refused as
``undecodable``; no bytes, or only whitespace, as ``empty``.
"""

# The character tables below name typographic and foreign letters on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType

from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio

from cleaners.records import Rejection

__all__ = ["Decoded", "declared_charset", "decode_bytes"]


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

# How much of the document the plausibility score reads: enough words for a stable
# ratio, bounded so a 10 MB page costs the same as a 100 KB one.
_SCORE_TOKENS = 2000
_SCORE_CHARS = 20000

# Above this score no decoding reads like text. Correct decodings of the test corpus
# score below 0.1 (the worst: a one-line Polish sentence at 0.09); random high bytes
# score above 1.0 in every codec.
_UNDECODABLE = 0.5

# UTF-16 without a BOM is accepted only when its text is clearly clean: correct
# decodings of the test corpus score below 0.1, garbage above 1.
_WIDE_MAX_IMPLAUSIBILITY = 0.2

# A declared charset is evidence: it wins unless another codec's text is more plausible
# by more than this (one implausible character in twenty).
_DECLARED_BONUS = 0.05

# UTF-8 with stray bytes is only "mixed" when valid multi-byte characters outnumber the
# stray bytes this many times; legacy texts show the opposite proportion (in cp1251
# Russian nearly every letter is an invalid byte, a letter followed by "»" the rare
# valid pair).
_MIXED_MIN_RATIO = 10
_MIXED_MAX_STRAY = 256

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
    ("cp1250", 0.02),
    ("cp1253", 0.02),
    ("cp1254", 0.02),
    ("cp1255", 0.02),
    ("cp1256", 0.02),
    ("cp1257", 0.02),
    ("koi8-r", 0.02),
    ("cp874", 0.03),
    ("iso8859-2", 0.03),
    ("iso8859-15", 0.03),
    ("iso8859-5", 0.03),
    ("iso8859-6", 0.03),
    ("iso8859-7", 0.03),
    ("iso8859-8", 0.03),
    ("iso8859-13", 0.03),
    ("koi8-u", 0.03),
    ("mac-cyrillic", 0.03),
    ("cp866", 0.03),
    ("mac-roman", 0.03),
    ("iso8859-16", 0.04),
)

# WHATWG Encoding Standard label table, reduced to what Python can decode: the codecs a
# browser really uses for a declared label, narrowest first. A page that says
# "iso-8859-1" is decoded as windows-1252 by every browser, so its authors saw cp1252.
_WHATWG: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        **dict.fromkeys(
            ("ascii", "us-ascii", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
             "latin-1", "l1", "cp819", "ibm819", "windows-1252", "x-cp1252", "cp1252",
             "iso-ir-100", "csisolatin1"),
            ("cp1252",),
        ),
        **dict.fromkeys(
            ("iso-8859-9", "iso8859-9", "latin5", "l5", "windows-1254", "x-cp1254",
             "cp1254", "iso-ir-148", "csisolatin5"),
            ("cp1254",),
        ),
        **dict.fromkeys(
            ("tis-620", "iso-8859-11", "iso8859-11", "windows-874", "dos-874", "cp874"),
            ("cp874",),
        ),
        **dict.fromkeys(
            ("gb2312", "gbk", "x-gbk", "gb_2312", "gb_2312-80", "chinese", "csgb2312",
             "iso-ir-58", "cp936", "gb18030"),
            ("gb2312", "gbk", "gb18030"),
        ),
        **dict.fromkeys(
            ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950"),
            ("big5", "cp950", "big5hkscs"),
        ),
        **dict.fromkeys(
            ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "ms932",
             "windows-31j", "csshiftjis", "cp932"),
            ("shift_jis", "cp932"),
        ),
        **dict.fromkeys(
            ("euc-kr", "euc_kr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601",
             "ksc_5601", "korean", "csksc56011987", "iso-ir-149", "windows-949", "cp949"),
            ("euc_kr", "cp949"),
        ),
        **dict.fromkeys(("koi8-r", "koi8_r", "koi8", "cskoi8r"), ("koi8-r",)),
        **dict.fromkeys(("koi8-u", "koi8-ru"), ("koi8-u",)),
        **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian"), ("mac-cyrillic",)),
        **dict.fromkeys(("macintosh", "mac", "x-mac-roman", "csmacintosh"), ("mac-roman",)),
        **dict.fromkeys(("ibm866", "866", "cp866", "csibm866"), ("cp866",)),
        # WHATWG decodes these labels as UTF-8 or refuses them (a <meta> in ASCII bytes
        # cannot truly be UTF-16); returning nothing lets detection decide.
        **dict.fromkeys(
            ("utf-16", "utf-16le", "utf-16be", "utf-32", "utf-32le", "utf-32be",
             "unicode", "ucs-2", "utf-7", "x-user-defined", "replacement",
             "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr"),
            (),
        ),
    }
)

# Per-language sets of the non-ASCII letters their orthography uses. A wrong single-byte
# codec maps a language's accented letters onto letters of other languages: French
# "élèves" read as cp1250 gives "élčves", where no single language uses both "è"'s
# byte as "č" and "é"... These sets are orthographic reference data (what each
# alphabet contains), not a tunable word list. "é" is added to Germanic languages,
# which borrow it ("Café").
_ALPHABETS: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        lang: frozenset(letters)
        for lang, letters in {
            "en": "é", "fr": "àâæçéèêëîïôœùûüÿ", "de": "äöüßé", "es": "áéíñóúü",
            "pt": "áâãàçéêíóôõú", "it": "àèéìíîòóùú", "ca": "àçéèíïòóúü",
            "nl": "áéèëïóöüíú", "sv": "åäöé", "da": "æøåé", "no": "æøåéôò",
            "fi": "äöåšž", "is": "áðéíóúýþæö", "fo": "áðíóúýæø", "et": "äõöüšž",
            "lt": "ąčęėįšųūž", "lv": "āčēģīķļņšūž", "pl": "ąćęłńóśźż",
            "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž", "sl": "čšžćđ",
            "hr": "čćđšž", "hu": "áéíóöőúüű", "ro": "ăâîșțşţ", "sq": "çë",
            "tr": "çğıöşüâîû", "az": "çəğıöşü", "mt": "ċġħżàèìòù", "ga": "áéíóú",
            "cy": "âêîôûŵŷäëïöüÿáéíóúàèìòù", "eu": "ñ", "gl": "áéíóúñü",
            "af": "éèêëîïôûŉ", "eo": "ĉĝĥĵŝŭ", "lb": "äëéè", "ku": "çêîşû",
            "ru": "абвгдежзийклмнопрстуфхцчшщъыьэюяё",
            "uk": "абвгдежзийклмнопрстуфхцчшщьюяєіїґ",
            "be": "абвгдежзйклмнопрстуфхцчшыьэюяёіў",
            "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
            "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
            "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
            "el": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰς",
        }.items()
    }
)
_ALPHABET_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})

# Punctuation and symbols that real texts attach to words ("«Bonjour»", "№5", "10°");
# any other non-ASCII symbol touching a letter is a sign of a wrong code page
# ("vot▌", "Za¿ó³æ").
_ORDINARY_MARKS = frozenset(
    "«»“”‘’„‚‹›–—…¿¡·•°§¶©®™€£¥¢№±×÷²³¹½¼¾µ′″‰\xa0\xad‐‑"
    "、。「」『』（）・，：；！？《》【】〈〉ー～〜"
    "،؛؟٪۔।॥׳״־;·։՝ฯๆ"
)
# Of those, the ones that follow a word and never start one ("Windows®", "m²", not
# "®upan", which is iso-8859-2's "Župan" read as cp1250).
_AFTER_WORD_MARKS = frozenset("®©™°²³¹‰′″")
# Of those, the ones that may sit between two letters of a word ("l’école", "l·l").
_INWORD_MARKS = frozenset("’‘·‐‑\xad")

# Unicode name prefixes grouped into writing systems: Japanese mixes kanji and kana,
# Korean Hangul and Hanja, so those count as one system.
_CJK_PREFIXES = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "HALFWIDTH", "FULLWIDTH",
     "IDEOGRAPHIC"}
)

_NON_ASCII_TOKEN = re.compile(r"\S*[^\x00-\x7f]\S*")
_FIRST_NON_ASCII = re.compile(r"[^\x00-\x7f]")

# <meta charset=...>, <meta http-equiv content="...; charset=...">, <?xml encoding=...?>
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:()-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:()-]+)["']""", re.IGNORECASE
)
_DECLARATION_WINDOW = 4096

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
        return Rejection("too_large", f"{len(data)} bytes, more than the limit of {max_bytes}")
    if not data.strip():
        return Rejection("empty", "no bytes" if not data else "only whitespace bytes")

    decoded = _by_bom(data) or _by_nul_pattern(data)
    if decoded is None:
        refusal = _binary_reason(data[:_SAMPLE])
        if refusal is not None:
            return Rejection("binary", refusal)
        found = _by_content(data, declared)
        if isinstance(found, Rejection):
            return found
        decoded = found
    if not decoded.text.strip():
        return Rejection("empty", f"only whitespace once decoded as {decoded.encoding}")
    return decoded


def declared_charset(data: bytes) -> str | None:
    """Return the codec a browser would use for the charset the document declares.

    Reads the first 4 KB for ``<meta charset>``, ``<meta http-equiv="Content-Type">``
    or an XML declaration, maps the label through the WHATWG table (``iso-8859-1`` →
    ``cp1252``) and returns a lower-case Python codec name, or None when nothing usable
    is declared (no declaration, an unknown label, or a UTF-16 label in ASCII bytes).

    >>> declared_charset(b'<html><head><meta charset="ISO-8859-1">')
    'cp1252'
    >>> declared_charset(b'<?xml version="1.0" encoding="koi8-r"?><rss/>')
    'koi8-r'
    """
    head = data[:_DECLARATION_WINDOW]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    family = _codecs_for_label(match.group(1).decode("ascii"))
    return family[0] if family else None


def _codecs_for_label(label: str) -> tuple[str, ...]:
    """Map a charset label to the codecs to try, narrowest first (empty if unusable)."""
    key = label.strip().strip("\"'").lower()
    if key in _WHATWG:
        return _WHATWG[key]
    try:
        name = codecs.lookup(key).name
        # Python registers byte-to-byte "codecs" too (base64, zlib, rot13).
        b"".decode(name)
    except LookupError:
        return ()
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return ()
    return (name,)


def _by_bom(data: bytes) -> Decoded | None:
    """Decode by byte-order mark; None when there is none or the rest does not decode."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data if codec == "utf-8-sig" else data[len(bom):]
            try:
                return Decoded(body.decode(codec), codec, "bom")
            except UnicodeDecodeError:
                # A mark followed by bytes its codec cannot read was not a mark
                # (cp1252 text can start with "ÿþ"); let the content decide.
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
            text = _decode_or_none(data[: len(data) // unit * unit], codec)
            if text is not None and _reads_as_text(text):
                return Decoded(text, codec, "detected")
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    one_sided = max(even, odd) >= max(2, pairs // 100) and min(even, odd) * 10 <= max(even, odd)
    if not (one_sided or _control_bytes(sample) > _max_control_bytes(sample)):
        return None
    order = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
    for codec in order:
        text = _decode_or_none(data[: len(data) // 2 * 2], codec)
        if text is not None and _reads_as_text(text):
            return Decoded(text, codec, "detected")
    return None


def _decode_or_none(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _reads_as_text(text: str) -> bool:
    """True when at most 1% of the characters are controls, unassigned or private and
    the whole reads plausibly (see `_implausibility`)."""
    sample = text[:_SAMPLE]
    odd = sum(
        1
        for ch in sample
        if ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )
    if odd * 100 > len(sample) or not any(ch.isalpha() for ch in sample):
        return False
    return _implausibility(sample) <= _WIDE_MAX_IMPLAUSIBILITY


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
            text = _decode_or_none(data, codec)
            if text is not None:
                return Decoded(text, codec, "detected")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf8")
    except UnicodeDecodeError:
        pass
    mixed = _utf8_with_stray_bytes(data)
    if mixed is not None:
        return Decoded(mixed, "utf-8", "mixed")

    declared_family = _codecs_for_label(declared) if declared else ()
    if not declared:
        found = declared_charset(data)
        declared_family = _codecs_for_label(found) if found else ()
    return _detect(data, declared_family)


def _utf8_with_stray_bytes(data: bytes) -> str | None:
    """Decode UTF-8 whose few invalid bytes are single-byte cp1252; None if not that.

    Two or three bytes of a character cut at the very end (a cut download) are dropped
    rather than turned into mojibake ("â€"); a single byte there is read as cp1252 like
    any stray byte, since "caf\\xe9" ends like a cut sequence too.
    """
    pieces: list[str] = []
    stray = 0
    truncated = False
    pos = 0
    while pos < len(data):
        try:
            pieces.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as err:
            start, end = pos + err.start, pos + err.end
            pieces.append(data[pos:start].decode("utf-8"))
            if end == len(data) and end - start > 1 and err.reason == "unexpected end of data":
                truncated = True
                break
            for byte in data[start:end]:
                single = bytes((byte,))
                # cp1252 leaves five bytes undefined; Latin-1 gives them their C1
                # control, which normalization then drops.
                pieces.append(_decode_or_none(single, "cp1252") or single.decode("latin-1"))
            stray += end - start
            if stray > _MIXED_MAX_STRAY:
                return None
            pos = end
    text = "".join(pieces)
    multibyte = sum(1 for ch in text if not ch.isascii()) - stray
    if multibyte >= _MIXED_MIN_RATIO * (stray + truncated):
        return text
    return None


def _detect(data: bytes, declared_family: tuple[str, ...]) -> Decoded | Rejection:
    """Score every candidate codec that decodes strictly; the most plausible wins."""
    texts: dict[str, tuple[str, float, str]] = {}
    for codec in declared_family:
        text = _decode_or_none(data, codec)
        if text is not None:
            texts.setdefault(text, (codec, -_DECLARED_BONUS, "declared"))
            break
    for codec, penalty in _CANDIDATES:
        text = _decode_or_none(data, codec)
        if text is not None and text not in texts:
            texts[text] = (codec, penalty, "detected")
    if not texts:
        return Rejection("undecodable", "no candidate codec decodes these bytes")
    scored = sorted(
        (_implausibility(text) + penalty, rank, text, codec, method)
        for rank, (text, (codec, penalty, method)) in enumerate(texts.items())
    )
    score, _, text, codec, method = scored[0]
    if score > _UNDECODABLE:
        return Rejection(
            "undecodable", f"no codec reads these bytes as text (best: {codec}, score {score:.2f})"
        )
    return Decoded(text, codec, method)


def _writing_system(ch: str) -> str:
    """The first word of a character's Unicode name, CJK systems folded into one."""
    prefix = unicodedata.name(ch, "?").split(" ", 1)[0]
    return "CJK" if prefix in _CJK_PREFIXES else prefix


def _implausibility(text: str) -> float:
    """Score how unlike real text a decoding reads: 0 is clean, above 0.5 is garbage.

    The sum of charset-normalizer's mess ratio, minus a tenth of its language
    coherence, plus our share of implausible non-ASCII characters (see
    `_odd_character_share`).
    """
    found = _FIRST_NON_ASCII.search(text)
    first = found.start() if found else 0
    window = text[max(0, first - 1000) : first + _SCORE_CHARS]
    coherence = coherence_ratio(window)
    best_language = coherence[0][1] if coherence else 0.0
    return _odd_character_share(text) + mess_ratio(window, 1.0) - 0.1 * best_language


def _odd_character_share(text: str) -> float:
    """Share of the non-ASCII characters that a wrong code page typically produces.

    Counted as odd: an uppercase letter right after a lowercase one ("цХРЕКХ"); a
    non-Latin letter glued to an ASCII letter ("йlиves"); a CJK character between
    ASCII letters ("l鋗p鰐ila"); half-width katakana (cp932's reading of KOI8); a
    final sigma inside a Greek word; a combining mark with no letter to sit on; a
    control, private or unassigned character (three times); an unusual symbol touching
    a letter; letters of a second writing system; and letters that the best-fitting
    alphabet of `_ALPHABETS` lacks.
    """
    letters: dict[str, int] = {}
    systems: dict[str, int] = {}
    seen = 0
    odd = 0.0
    for token in _NON_ASCII_TOKEN.findall(text)[:_SCORE_TOKENS]:
        last = len(token) - 1
        for i, ch in enumerate(token):
            if ch.isascii():
                continue
            seen += 1
            prev = token[i - 1] if i else ""
            nxt = token[i + 1] if i < last else ""
            category = unicodedata.category(ch)
            if category[0] == "L":
                system = _writing_system(ch)
                systems[system] = systems.get(system, 0) + 1
                prev_ascii = prev.isascii() and prev.isalpha()
                next_ascii = nxt.isascii() and nxt.isalpha()
                if ch.isupper() and prev.islower():
                    odd += 1
                if system == "CJK":
                    odd += 1 if prev_ascii and next_ascii else 0
                    odd += 0.5 if 0xFF61 <= ord(ch) <= 0xFF9F else 0
                elif system != "LATIN" and (prev_ascii or next_ascii):
                    odd += 1
                if ch == "ς" and nxt.isalpha():
                    odd += 1
                lower = ch.lower()
                key = lower if len(lower) == 1 else ch
                letters[key] = letters.get(key, 0) + 1
            elif category[0] == "M":
                # A mark sits on a letter or on another mark, never twice the same.
                carrier = prev.isalpha() or unicodedata.category(prev[:1] or " ")[0] == "M"
                if prev == ch or not carrier:
                    odd += 1
            elif category in ("Cc", "Cn", "Co", "Cs"):
                odd += 3
            elif category[0] in "SP" or category in ("No", "Cf"):
                if ch not in _ORDINARY_MARKS:
                    odd += 1 if prev.isalpha() or nxt.isalpha() else 0
                elif (ch in _AFTER_WORD_MARKS and nxt.isalpha()) or (
                    prev.isalpha()
                    and nxt.isalpha()
                    and ch not in _INWORD_MARKS
                    and _writing_system(prev) != "CJK"
                    and _writing_system(nxt) != "CJK"
                ):
                    odd += 1
    if not seen:
        return 0.0
    if systems:
        main = max(systems, key=lambda name: systems[name])
        odd += sum(count for name, count in systems.items() if name != main)
        if main in _ALPHABET_SCRIPTS:
            used = {ch: n for ch, n in letters.items() if _writing_system(ch) == main}
            odd += min(
                sum(n for ch, n in used.items() if ch not in alphabet)
                for alphabet in _ALPHABETS.values()
            )
    return odd / seen
