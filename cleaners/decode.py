"""Decode a document's bytes to text, choosing the codec so that no character is invented.

The evidence is weighed strongest first, and the first step that decides wins:

1. ``bom``: a byte-order mark (UTF-8, UTF-16, UTF-32) decides, as it does in browsers,
   unless what follows it does not read as text in that encoding.
2. ``detected`` UTF-16/UTF-32 without a BOM: NUL bytes all on one side of each pair
   (or, for CJK text, control bytes everywhere) that decode to plausible text.
3. Images, archives and random bytes are refused as ``binary``: known magic numbers,
   or more control bytes than any text file carries.
4. ``utf8``: bytes that are valid UTF-8 are UTF-8. A legacy-encoded text with accents
   is almost never valid UTF-8 by accident (an accented letter would have to be followed
   by exactly the right number of symbol bytes every time), so this is safe and fast.
5. ``mixed``: UTF-8 with a few stray non-UTF-8 bytes (a Latin-1 field pasted into a
   UTF-8 page) stays UTF-8, and only the stray bytes are read with a legacy single-byte
   code page: the one whose reading of them fits the words around them and the rest of
   the text best (cp1252, the way HTML5 reads unlabelled Western bytes, unless another
   fits better: cp1251 inside Russian words, cp1250 inside Polish ones). Decoding the
   whole page with a legacy codec instead would turn every correct character into
   mojibake. With clearly more valid characters than stray bytes the page is mixed at
   once; with fewer, the mixed reading competes with the legacy readings in step 7.
6. ``declared``: the charset the caller passes (an HTTP header) or that the document
   declares (``<meta charset>``, ``http-equiv``, XML declaration), mapped through the
   WHATWG label table (``iso-8859-1`` means cp1252, ``gb2312`` means gb18030...), if the
   bytes decode strictly with it and no other codec reads clearly more plausibly
   (templates copied between sites often carry a charset that lies).
7. ``detected``: every common legacy codec that decodes the bytes strictly is scored
   by how implausible its text reads, plus a prior per codec (see `_CANDIDATES`), and
   the lowest score wins. charset-normalizer's mess and coherence measures are two of
   the ingredients; its own ranking (``from_bytes(...).best()``) is not used: on single
   sentences re-encoded in their languages' legacy code pages it is right 76-80% of
   the time against our 98-99% (bench/eval_legacy_detection.py), preferring cp1250,
   cp1257, hp_roman8 or a CJK codec over cp1252 for short Western texts.

Nothing is ever decoded with ``errors="replace"``: a text gains no U+FFFD that its
bytes did not encode, except in place of the stray bytes of a ``mixed`` text that no
code page reads plausibly. Bytes that no codec reads plausibly are refused as
``undecodable``; no bytes, or only whitespace, as ``empty``; more than `max_bytes`
as ``too_large``.
"""

# The character tables below name typographic and foreign letters on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
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

# How much of the document the plausibility score reads: enough for a stable ratio
# (wrong readings differ from right ones by tens of odd characters per hundred),
# bounded so a 10 MB page costs the same as a 10 KB one.
_SCORE_TOKENS = 2000
_SCORE_NON_ASCII = 600
_SCORE_CHARS = 8000

# How much a perfect language coherence (charset-normalizer's letter-frequency match,
# 0 to 1) lowers a score: enough to split Hebrew from the Cyrillic letters the same
# bytes make in cp1251 (coherence 0.52 against 0.28), small beside one odd character
# in twenty.
_COHERENCE_WEIGHT = 0.1

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
_MIXED_MAX_STRAY = 256
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
# How much of the valid text is read to judge which code page the stray bytes are in:
# enough non-ASCII words to know the language's alphabet.
_STRAY_SAMPLE_TOKENS = 200
_STRAY_CONTEXT = 40

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

# The code pages a few stray bytes in a UTF-8 text are read with, most common first:
# the Windows code pages and KOI8-R, in which text fields were typed and pasted. The
# rarer single-byte codecs of `_CANDIDATES` are left out on purpose: between them they
# make some letter or mark of almost any byte ("Å" of mac-roman's 0x81), so they would
# turn a byte that was no text at all into a confident guess.
_STRAY_CODECS = ("cp1252", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1256",
                 "cp1257", "koi8-r", "cp874")

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
            ("big5", "big5-hkscs", "big5hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950"),
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
            "vi": "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ",
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
# For each letter, the positions in `_ALPHABETS` of the alphabets that have it.
_ALPHABETS_OF: MappingProxyType[str, tuple[int, ...]] = MappingProxyType({
    letter: tuple(n for n, alphabet in enumerate(_ALPHABETS.values()) if letter in alphabet)
    for letter in frozenset().union(*_ALPHABETS.values())
})
_ALPHABET_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
# Scripts whose code pages a wrong reading can flip between capitals and small letters.
_BICAMERAL_SCRIPTS = frozenset({"CYRILLIC", "GREEK"})

# Punctuation and symbols that real texts attach to words ("«Bonjour»", "№5", "10°");
# any other non-ASCII symbol touching a letter is a sign of a wrong code page
# ("vot▌", "Za¿ó³æ").
_ORDINARY_MARKS = frozenset(
    "«»“”‘’„‚‹›–—…¿¡·•°§¶©®™€£¥¢№±×÷²³¹½¼¾µ′″‰\xa0\xad‐‑₀₁₂₃₄₅₆₇₈₉⁰⁴⁵⁶⁷⁸⁹"
    "、。「」『』（）・，：；！？《》【】〈〉ー～〜"
    "،؛؟٪۔।॥׳״־;·։՝ฯๆ"
    # Joiners and direction marks belong inside Persian, Indic, Arabic and Hebrew words.
    "\u200c\u200d\u200e\u200f"
)
# Of those, the ones that follow a word or a number and never start a word ("Windows®",
# "m²", "1½", not "®upan", which is iso-8859-2's "Župan" read as cp1250, nor "½uvre";
# the degree sign does start "°C").
_AFTER_WORD_MARKS = frozenset("®©™²³¹‰′″½¼¾")
# Of those, the ones that never sit between two letters of a word ("Za¿ó³æ" is Polish
# cp1250 read as cp1252); dashes, quotes and apostrophes do ("l’école", "butts—their").
_NOT_INSIDE_WORDS = frozenset("¿¡«»‹›„‚§¶©®™°±×÷²³¹½¼¾€£¥¢№‰•")
# Ordinal indicators are letters to Unicode but follow numbers in every Latin-script
# language ("2º", "1ª"), so no alphabet lists them.
_ANY_LATIN_ALPHABET = frozenset("ªº")

# Unicode name prefixes grouped into writing systems: Japanese mixes kanji and kana,
# Korean Hangul and Hanja, so those count as one system.
_CJK_PREFIXES = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "HALFWIDTH", "FULLWIDTH",
     "IDEOGRAPHIC"}
)

_FORMAT_MARKS = dict.fromkeys(map(ord, "\u200c\u200d\u200e\u200f"))
# Words are found with \S+ and then tested: `\S*[^\x00-\x7f]\S*` scanned an unbroken ASCII
# run once per start position (a 40k-character base64 image took minutes).
_TOKEN = re.compile(r"\S+")
# The national standards whose repertoires are the common characters of each CJK
# language: GB 2312 (Simplified), Big5 (Traditional), JIS X 0208/0212 (Japanese), and
# for Korean the 2,350 syllables of KS X 1001 (rows 0xB0-0xC8 of EUC-KR; Python's
# euc_kr codec also spells every other syllable as a jamo sequence, so the encoder
# cannot tell).
_HAN_STANDARDS = ("gb2312", "big5", "euc_jp")
_COMMON_HANGUL = frozenset(
    bytes((lead, trail)).decode("euc_kr")
    for lead in range(0xB0, 0xC9)
    for trail in range(0xA1, 0xFF)
)
# Ideographs, kana and Hangul syllables (not CJK punctuation).
_CJK_RUN = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f]+"
)
_FIRST_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_END = re.compile(r"\S*\Z")
_WORD_START = re.compile(r"\S*")

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
    ``cp1252``, ``gb2312`` → ``gb18030``, ``shift_jis`` → ``cp932``: the superset
    browsers decode with) and returns a lower-case Python codec name, or None when
    nothing usable is declared (no declaration, an unknown label, or a UTF-16 label
    in ASCII bytes).

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
    return family[-1] if family else None


def _codecs_for_label(label: str) -> tuple[str, ...]:
    """Map a charset label to the codecs to try, narrowest first (empty if unusable)."""
    key = label.strip().strip("\"'").lower()
    if key in _WHATWG:
        return _WHATWG[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return ()
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return ()
    try:
        # Python registers byte-to-byte "codecs" too (base64, zlib, rot13), and one
        # that refuses everything ("undefined").
        b"a".decode(name)
    except (LookupError, UnicodeError):
        return ()
    return (name,)


def _by_bom(data: bytes) -> Decoded | None:
    """Decode by byte-order mark; None when there is none or the rest does not decode."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data if codec == "utf-8-sig" else data[len(bom):]
            text = _decode_or_none(body, codec)
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


def _is_utf8(data: bytes) -> bool:
    return _decode_or_none(data, "utf-8") is not None


def _decode_or_none(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _reads_as_text(text: str) -> bool:
    """True when at most 1% of the first characters are controls, unassigned or private
    and they read plausibly (see `_implausibility`)."""
    sample = text[:_SCORE_CHARS]
    odd = sum(
        1
        for ch in sample
        if ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
    )
    if odd * 100 > len(sample) or not any(ch.isalpha() for ch in sample):
        return False
    return _implausibility(sample) <= _UNREADABLE


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
    split = _split_utf8(data)
    mixed = None
    if split is not None:
        texts, runs, multibyte, stray = split
        if multibyte >= _MIXED_MIN_RATIO * stray:
            return Decoded(_read_strays(texts, runs), "utf-8", "mixed")
        if multibyte >= _MIXED_WEAK_RATIO * stray:
            mixed = _read_strays(texts, runs)

    declared_family = _codecs_for_label(declared) if declared else ()
    if not declared:
        found = declared_charset(data)
        declared_family = _codecs_for_label(found) if found else ()
    return _detect(data, declared_family, mixed)


def _split_utf8(data: bytes) -> tuple[list[str], list[bytes], int, int] | None:
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


def _read_strays(texts: list[str], runs: list[bytes]) -> str:
    """Join valid texts and the stray runs between them, each run read with the code
    page that fits best, or as U+FFFD when none does.

    Each code page of `_STRAY_CODECS` reads every stray run. A reading fits
    its word when it adds no odd character to it (`_odd_character_share`'s rules), its
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
        sample += islice(_non_ascii_tokens(text), _STRAY_SAMPLE_TOKENS - len(sample))
    # Counted once: tallies add up, so each reading only tallies its few words.
    context = _tally(" ".join(sample))
    systems = context.systems
    main = max(systems, key=lambda name: systems[name]) if systems else "LATIN"
    around = [(_word_end(texts[n]), _word_start(texts[n + 1])) for n in range(len(runs))]
    without = [_odd_total(_tally(before + after)) for before, after in around]
    readings: list[tuple[int, int, _Tally, list[str], list[bool]]] = []
    for rank, codec in enumerate(_STRAY_CODECS):
        decoded = [_read_single_bytes(run, codec) for run in runs]
        if None in decoded:
            continue
        read = [reading or "" for reading in decoded]
        fits = [_fits(reading, before, after, odd, main)
                for (before, after), odd, reading in zip(around, without, read, strict=True)]
        alone = _tally(" ".join(before + reading + after
                                for (before, after), reading in zip(around, read, strict=True)))
        readings.append((fits.count(False), rank, alone, read, fits))
    # Only the readings with the fewest unfitting runs can win: the costlier score with
    # the sample is taken for those alone.
    fewest = min(unfit for unfit, *_ in readings)  # cp1252 reads every byte: never empty
    # The words alone judge how each reading sits in its word ("spécial", not
    # "spйcial"); with the sample, whether its letters are the text's alphabet.
    _, _, read, fits = min(
        (_odd_total(alone) + _odd_total(_added(alone, context)), rank, read, fits)
        for unfit, rank, alone, read, fits in readings if unfit == fewest)
    joined = [texts[0]]
    for n, (run, reading, fit) in enumerate(zip(runs, read, fits, strict=True)):
        joined += (reading if fit else "\ufffd" * len(run), texts[n + 1])
    return "".join(joined)


def _added(one: _Tally, other: _Tally) -> _Tally:
    """The tally of two texts from the tallies of each."""
    total = _Tally(seen=one.seen + other.seen, odd=one.odd + other.odd,
                   cjk=one.cjk + other.cjk, cjk_alone=one.cjk_alone + other.cjk_alone,
                   system_of={**other.system_of, **one.system_of})
    for name in ("letters", "systems", "upper", "lower"):
        counts = dict(getattr(other, name))
        for key, n in getattr(one, name).items():
            counts[key] = counts.get(key, 0) + n
        setattr(total, name, counts)
    return total


def _fits(reading: str, before: str, after: str, odd_without: float, main: str) -> bool:
    """Whether a stray run's reading is a plausible part of its word (see `_read_strays`):
    `odd_without` is the odd-character count of the word without it."""
    if _odd_total(_tally(before + reading + after)) > odd_without:
        return False
    neighbours = {_writing_system(ch) for ch in before + after if ch.isalpha()}
    allowed = neighbours or {main, "LATIN"}
    for ch in reading:
        if ch.isalpha():
            if _writing_system(ch) not in allowed:
                return False
        elif unicodedata.category(ch)[0] != "M" and ch not in _ORDINARY_MARKS:
            return False
    return True


def _read_single_bytes(run: bytes, codec: str) -> str | None:
    if codec != "cp1252":
        return _decode_or_none(run, codec)
    # cp1252 leaves five bytes undefined; Latin-1 gives them their C1 control.
    return "".join(_decode_or_none(bytes((b,)), "cp1252") or chr(b) for b in run)


def _word_end(text: str) -> str:
    found = _WORD_END.search(text[-_STRAY_CONTEXT:])
    return found.group() if found else ""


def _word_start(text: str) -> str:
    found = _WORD_START.match(text[:_STRAY_CONTEXT])
    return found.group() if found else ""


def _non_ascii_count(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _detect(
    data: bytes, declared_family: tuple[str, ...], mixed: str | None = None
) -> Decoded | Rejection:
    """Score every candidate codec that decodes strictly, and the `mixed` reading if
    given (UTF-8 with a few stray bytes); the most plausible wins."""
    texts: dict[str, tuple[str, float, str]] = {}
    if mixed is not None:
        texts[mixed] = ("utf-8", _MIXED_PENALTY, "mixed")
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
    # A first sift on the first non-ASCII characters drops the readings that are
    # already far worse than the best; then the odd-character share on the whole
    # sample; charset-normalizer's measures (about 1 ms each on 3.5 KB) only for the
    # readings that can still win: its mess ratio is never negative and its coherence
    # takes off at most `_COHERENCE_WEIGHT`.
    sifted = sorted(
        (_odd_character_share(text, _SIFT_NON_ASCII) + meta[1], rank, text)
        for rank, (text, meta) in enumerate(texts.items())
    )
    kept = [text for sift, _, text in sifted if sift <= sifted[0][0] + _SIFT_MARGIN]
    cheap = sorted(
        (_odd_character_share(text) + texts[text][1], rank, text, *texts[text][::2])
        for rank, text in enumerate(kept)
    )
    best: tuple[float, int, str, str, str] | None = None
    for lower_bound, rank, text, codec, method in cheap:
        if best is not None and lower_bound - _COHERENCE_WEIGHT >= best[0]:
            break
        score = lower_bound + _language_measures(text)
        if best is None or (score, rank) < best[:2]:
            best = (score, rank, text, codec, method)
    assert best is not None
    score, _, text, codec, method = best
    if score > _UNREADABLE:
        return Rejection(
            "undecodable", f"no codec reads these bytes as text (best: {codec}, score {score:.2f})"
        )
    return Decoded(text, codec, method)


def _writing_system(ch: str) -> str:
    """The first word of a character's Unicode name, CJK systems folded into one."""
    prefix = unicodedata.name(ch, "?").split(" ", 1)[0]
    return "CJK" if prefix in _CJK_PREFIXES else prefix


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _is_han_or_kana(tally: _Tally, ch: str) -> bool:
    return (
        bool(ch)
        and not ch.isascii()
        and not _is_hangul(ch)
        and unicodedata.category(ch) == "Lo"
        and tally.system(ch) == "CJK"
    )


def _implausibility(text: str) -> float:
    """Score how unlike real text a decoding reads: 0 is clean, above 0.5 is garbage.

    Our share of implausible non-ASCII characters (see `_odd_character_share`) plus
    charset-normalizer's measures (`_language_measures`).
    """
    return _odd_character_share(text) + _language_measures(text)


def _language_measures(text: str) -> float:
    """charset-normalizer's mess ratio, minus a tenth of its best language coherence.

    Read on a window from just before the first non-ASCII character, where the
    decodings differ.
    """
    found = _FIRST_NON_ASCII.search(text)
    first = found.start() if found else 0
    # Without the joiners and direction marks Persian and Hebrew words are full of:
    # charset-normalizer counts them as unprintable mess.
    window = text[max(0, first - 1000) : first + _SCORE_CHARS].translate(_FORMAT_MARKS)
    coherence = coherence_ratio(window)
    best_language = coherence[0][1] if coherence else 0.0
    return mess_ratio(window, 1.0) - _COHERENCE_WEIGHT * best_language


@dataclass(slots=True)
class _Tally:
    """Counts gathered over one candidate decoding (local to one call)."""

    seen: int = 0
    odd: float = 0.0
    letters: dict[str, int] = field(default_factory=dict)
    systems: dict[str, int] = field(default_factory=dict)
    upper: dict[str, int] = field(default_factory=dict)
    lower: dict[str, int] = field(default_factory=dict)
    cjk: int = 0
    cjk_alone: int = 0
    # Writing system of each character met, looked up once per call: a document uses
    # a few hundred distinct characters many times over.
    system_of: dict[str, str] = field(default_factory=dict)

    def system(self, ch: str) -> str:
        found = self.system_of.get(ch)
        if found is None:
            found = self.system_of[ch] = _writing_system(ch)
        return found


def _odd_character_share(text: str, limit: int = 0) -> float:
    """Share of the non-ASCII characters that a wrong code page typically produces.

    Each odd character counts one (controls, private and unassigned ones three); the
    rules, each seen in real misreadings, are in `_tally_letter`, `_tally_cjk_run`,
    `_mark_oddity` and `_odd_total`. `limit` reads fewer non-ASCII characters than
    the default `_SCORE_NON_ASCII`, for a first sift.
    """
    tally = _tally(text, limit)
    return _odd_total(tally) / tally.seen if tally.seen else 0.0


def _non_ascii_tokens(text: str) -> Iterator[str]:
    """The whitespace-separated words of `text` that hold a non-ASCII character, in order."""
    for found in _TOKEN.finditer(text):
        token = found.group()
        if not token.isascii():
            yield token


def _tally(text: str, limit: int = 0) -> _Tally:
    """The counts `_odd_total` reads, over the first non-ASCII characters of `text`."""
    tally = _Tally()
    has_cjk = _CJK_RUN.search(text) is not None
    for token in islice(_non_ascii_tokens(text), _SCORE_TOKENS):
        if tally.seen >= (limit or _SCORE_NON_ASCII):
            break
        for run in _CJK_RUN.finditer(token) if has_cjk else ():
            _tally_cjk_run(tally, token, run.start(), run.end())
        last = len(token) - 1
        # Only the non-ASCII characters are looked at, found in C: a word may be a
        # 400k-character inline image with one stray byte in it.
        for found in _FIRST_NON_ASCII.finditer(token):
            i, ch = found.start(), found.group()
            tally.seen += 1
            prev = token[i - 1] if i else ""
            nxt = token[i + 1] if i < last else ""
            category = unicodedata.category(ch)
            if category[0] == "L":
                _tally_letter(tally, ch, prev, nxt)
            elif category[0] == "M":
                # A mark sits on a letter or on another mark, never twice the same one,
                # and a script's own marks (Thai, Devanagari, Arabic vowel signs) sit on
                # that script's letters: cp874 reads "é" as a Thai tone mark.
                carrier = prev.isalpha() or unicodedata.category(prev[:1] or " ")[0] == "M"
                foreign = prev.isalpha() and tally.system(ch) not in (
                    "COMBINING", tally.system(prev))
                tally.odd += 1 if prev == ch or not carrier or foreign else 0
            elif category in ("Cc", "Cn", "Co", "Cs"):
                tally.odd += 3
            elif category[0] in "SP" or category in ("No", "Cf"):
                tally.odd += _mark_oddity(ch, prev, nxt)
    return tally


def _tally_letter(tally: _Tally, ch: str, prev: str, nxt: str) -> None:
    """Count a non-ASCII letter and the odd ways it can sit among its neighbours.

    Odd: an uppercase letter right after a lowercase one ("цХРЕКХ", KOI8 read as
    cp1251); a non-Latin letter glued to an ASCII letter ("йlиves", cp1252 read as
    cp1251); Hangul glued to a Han character ("쬔卿", KOI8 read as EUC-KR); half-width
    katakana (KOI8 read as cp932); a final sigma inside a Greek word.
    """
    if ch in _ANY_LATIN_ALPHABET:
        # "2º", "25ºC", "nº 5", but never starting a word ("ºi" is cp1250's "şi").
        if nxt.isalpha() and not prev.isalnum():
            tally.odd += 1
        return
    system = tally.system(ch)
    tally.systems[system] = tally.systems.get(system, 0) + 1
    if ch.isupper():
        tally.upper[system] = tally.upper.get(system, 0) + 1
        if prev.islower():
            tally.odd += 1
    elif ch.islower():
        tally.lower[system] = tally.lower.get(system, 0) + 1
    if system == "CJK":
        if _is_hangul(ch):
            tally.odd += 0.5 * sum(
                1 for other in (prev, nxt) if _is_han_or_kana(tally, other)
            )
        elif 0xFF61 <= ord(ch) <= 0xFF9F:
            tally.odd += 0.5
    elif system != "LATIN" and (
        (prev.isascii() and prev.isalpha()) or (nxt.isascii() and nxt.isalpha())
    ):
        tally.odd += 1
    if ch == "ς" and nxt.isalpha():
        tally.odd += 1
    lower = ch.lower()
    key = lower if len(lower) == 1 else ch
    tally.letters[key] = tally.letters.get(key, 0) + 1


def _tally_cjk_run(tally: _Tally, token: str, start: int, end: int) -> None:
    """Count a run of ideographs, kana or Hangul and whether it stands oddly.

    Big5, GBK, Shift_JIS and UHC accept ASCII as a second byte, so a Western text read
    with them turns an accented letter and the letter after it into one ideograph:
    glued inside a Latin word ("t巐巔hones", "l鋗p鰐ila": runs of one or two) or alone among
    Latin words ("de 峚, mes"). Real Chinese and Japanese do that too ("Papworth和
    Addenbrooke", "2024年"), and Korean writes one-syllable words, but only for a few
    of their characters: `_odd_total` counts these runs only when they are most of the
    CJK text.
    """
    before = token[start - 1] if start else ""
    after = token[end] if end < len(token) else ""
    run = token[start:end]
    tally.cjk += len(run)
    glued = before.isascii() and before.isalpha() and after.isascii() and after.isalpha()
    if glued and len(run) <= 2:
        tally.cjk_alone += len(run)
    elif len(run) == 1 and not (before.isdigit() or after.isdigit()):
        tally.cjk_alone += 1
    # Characters outside every national standard's common set are rare in real text
    # but make up most of a wrong reading: Big5 read as UHC gives syllables like "쫛"
    # that KS X 1001's 2,350 common syllables lack.
    hangul = sum(1 for ch in run if _is_hangul(ch))
    tally.odd += sum(1 for ch in run if _is_hangul(ch) and ch not in _COMMON_HANGUL)
    if hangul < len(run):
        others = "".join(ch for ch in run if not _is_hangul(ch))
        tally.odd += min(others.encode(codec, "replace").count(b"?") for codec in _HAN_STANDARDS)


def _mark_oddity(ch: str, prev: str, nxt: str) -> float:
    """1 for punctuation or a symbol where real text does not put it, else 0.

    An unusual symbol touching a letter ("vot▌", mac-roman read as KOI8); a mark that
    only follows words starting one ("®upan", "½uvre"); a mark that never sits inside
    a word between two letters ("Za¿ó³æ", Polish cp1250 read as cp1252); a middle dot
    between letters other than Catalan's "l·l".
    """
    if 0x2500 <= ord(ch) <= 0x259F:
        # Box drawing and block elements draw tables in a terminal, never prose: they
        # are how accented letters look in cp437, cp866 and KOI8.
        return 1
    if ch not in _ORDINARY_MARKS:
        return 1 if prev.isalpha() or nxt.isalpha() else 0
    if ch in _AFTER_WORD_MARKS and nxt.isalpha():
        return 1
    if prev.isalpha() and nxt.isalpha():
        if ch in _NOT_INSIDE_WORDS:
            return 1
        if ch == "·" and not (prev in "lL" and nxt in "lL"):
            return 1
    return 0


def _odd_total(tally: _Tally) -> float:
    """Add the document-level oddities to the per-character ones.

    Letters of a second writing system; letters the best-fitting alphabet of
    `_ALPHABETS` lacks; in Cyrillic and Greek, more capitals than small letters (KOI8
    read as cp1251 swaps the cases, a quarter point per excess capital, so a real
    all-capitals headline costs little); and ideographs or Hangul glued inside or alone
    among Latin words, when that is where most of them are (see `_tally_cjk_run`).
    """
    odd = tally.odd
    if not tally.systems:
        return odd
    main = max(tally.systems, key=lambda name: tally.systems[name])
    odd += sum(count for name, count in tally.systems.items() if name != main)
    if main in _ALPHABET_SCRIPTS and tally.letters:
        used = {ch: n for ch, n in tally.letters.items() if tally.system(ch) == main}
        # The letters outside the best-fitting alphabet: all of them, less the most any
        # one alphabet holds (counted through each letter's alphabets, not per alphabet).
        held = [0] * len(_ALPHABETS)
        for ch, n in used.items():
            for alphabet in _ALPHABETS_OF.get(ch, ()):
                held[alphabet] += n
        odd += sum(used.values()) - max(held)
    if main in _BICAMERAL_SCRIPTS:
        odd += 0.25 * max(0, tally.upper.get(main, 0) - tally.lower.get(main, 0))
    if tally.cjk_alone * 2 > tally.cjk:
        odd += tally.cjk_alone
    return odd
