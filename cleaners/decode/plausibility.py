"""How unlike real text a decoding reads: the score that ranks candidate codecs.

Our share of the non-ASCII characters that a wrong code page typically produces
(`odd_character_share`, rules seen in real misreadings), plus charset-normalizer's
mess and coherence measures (`language_measures`).
"""

# The character tables below name typographic and foreign letters on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from types import MappingProxyType

from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio

# How much of the document the plausibility score reads: enough for a stable ratio
# (wrong readings differ from right ones by tens of odd characters per hundred),
# bounded so a 10 MB page costs the same as a 10 KB one.
_SCORE_TOKENS = 2000
_SCORE_NON_ASCII = 600
SCORE_CHARS = 8000

# How much a perfect language coherence (charset-normalizer's letter-frequency match,
# 0 to 1) lowers a score: enough to split Hebrew from the Cyrillic letters the same
# bytes make in cp1251 (coherence 0.52 against 0.28), small beside one odd character
# in twenty.
COHERENCE_WEIGHT = 0.1

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
ORDINARY_MARKS = frozenset(
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


def writing_system(ch: str) -> str:
    """The first word of a character's Unicode name, CJK systems folded into one."""
    prefix = unicodedata.name(ch, "?").split(" ", 1)[0]
    return "CJK" if prefix in _CJK_PREFIXES else prefix


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _is_han_or_kana(tally: Tally, ch: str) -> bool:
    return (
        bool(ch)
        and not ch.isascii()
        and not _is_hangul(ch)
        and unicodedata.category(ch) == "Lo"
        and tally.system(ch) == "CJK"
    )


def implausibility(text: str) -> float:
    """Score how unlike real text a decoding reads: 0 is clean, above 0.5 is garbage.

    Our share of implausible non-ASCII characters (see `odd_character_share`) plus
    charset-normalizer's measures (`language_measures`).
    """
    return odd_character_share(text) + language_measures(text)


def language_measures(text: str) -> float:
    """charset-normalizer's mess ratio, minus a tenth of its best language coherence.

    Read on a window from just before the first non-ASCII character, where the
    decodings differ.
    """
    found = _FIRST_NON_ASCII.search(text)
    first = found.start() if found else 0
    # Without the joiners and direction marks Persian and Hebrew words are full of:
    # charset-normalizer counts them as unprintable mess.
    window = text[max(0, first - 1000) : first + SCORE_CHARS].translate(_FORMAT_MARKS)
    coherence = coherence_ratio(window)
    best_language = coherence[0][1] if coherence else 0.0
    return mess_ratio(window, 1.0) - COHERENCE_WEIGHT * best_language


@dataclass(slots=True)
class Tally:
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
            found = self.system_of[ch] = writing_system(ch)
        return found


def odd_character_share(text: str, limit: int = 0) -> float:
    """Share of the non-ASCII characters that a wrong code page typically produces.

    Each odd character counts one (controls, private and unassigned ones three); the
    rules, each seen in real misreadings, are in `_tally_letter`, `_tally_cjk_run`,
    `_mark_oddity` and `odd_total`. `limit` reads fewer non-ASCII characters than
    the default `_SCORE_NON_ASCII`, for a first sift.
    """
    tally = tally_of(text, limit)
    return odd_total(tally) / tally.seen if tally.seen else 0.0


def non_ascii_tokens(text: str) -> Iterator[str]:
    """The whitespace-separated words of `text` that hold a non-ASCII character, in order."""
    for found in _TOKEN.finditer(text):
        token = found.group()
        if not token.isascii():
            yield token


def tally_of(text: str, limit: int = 0) -> Tally:
    """The counts `odd_total` reads, over the first non-ASCII characters of `text`."""
    tally = Tally()
    has_cjk = _CJK_RUN.search(text) is not None
    for token in islice(non_ascii_tokens(text), _SCORE_TOKENS):
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


def _tally_letter(tally: Tally, ch: str, prev: str, nxt: str) -> None:
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


def _tally_cjk_run(tally: Tally, token: str, start: int, end: int) -> None:
    """Count a run of ideographs, kana or Hangul and whether it stands oddly.

    Big5, GBK, Shift_JIS and UHC accept ASCII as a second byte, so a Western text read
    with them turns an accented letter and the letter after it into one ideograph:
    glued inside a Latin word ("t巐巔hones", "l鋗p鰐ila": runs of one or two) or alone among
    Latin words ("de 峚, mes"). Real Chinese and Japanese do that too ("Papworth和
    Addenbrooke", "2024年"), and Korean writes one-syllable words, but only for a few
    of their characters: `odd_total` counts these runs only when they are most of the
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
    if ch not in ORDINARY_MARKS:
        return 1 if prev.isalpha() or nxt.isalpha() else 0
    if ch in _AFTER_WORD_MARKS and nxt.isalpha():
        return 1
    if prev.isalpha() and nxt.isalpha():
        if ch in _NOT_INSIDE_WORDS:
            return 1
        if ch == "·" and not (prev in "lL" and nxt in "lL"):
            return 1
    return 0


def odd_total(tally: Tally) -> float:
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


def added(one: Tally, other: Tally) -> Tally:
    """The tally of two texts from the tallies of each."""
    total = Tally(seen=one.seen + other.seen, odd=one.odd + other.odd,
                   cjk=one.cjk + other.cjk, cjk_alone=one.cjk_alone + other.cjk_alone,
                   system_of={**other.system_of, **one.system_of})
    for name in ("letters", "systems", "upper", "lower"):
        counts = dict(getattr(other, name))
        for key, n in getattr(one, name).items():
            counts[key] = counts.get(key, 0) + n
        setattr(total, name, counts)
    return total
