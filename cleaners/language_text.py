"""What the language judge reads: a bounded sample of a text, without noise, by script.

Three pure steps that `cleaners.language.LanguageDetector` runs before any model is
asked: `sample_text` takes a bounded sample from evenly spaced places, `blank_noise`
blanks what carries no language (URLs, e-mail addresses, handles, markup, digits), and
`script_counts` counts the sample's letters per Unicode script, which decides which
profiles may judge it (or names the language outright).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CJK_SCRIPTS",
    "MOST_WEIGHT",
    "SCRIPT_CLASSES",
    "SCRIPT_RUN_RE",
    "SCRIPT_WORD_RES",
    "blank_noise",
    "cjk_language",
    "sample_text",
    "script_counts",
    "strip_noise",
    "weighted_counts",
]

# Unicode script classes (ISO 15924 codes), each the blocks a language written in that
# script uses, combining marks included (Indic vowel signs are marks, not letters).
# Fullwidth Latin counts as Latin; Bopomofo counts as Han because only Chinese uses it.
SCRIPT_CLASSES: tuple[tuple[str, str], ...] = (
    (
        "Latn",
        "A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0300-\u036f"
        "\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f\uff21-\uff3a\uff41-\uff5a",
    ),
    ("Grek", "\u0370-\u03ff\u1f00-\u1fff"),
    ("Cyrl", "\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"),
    ("Armn", "\u0531-\u058f\ufb13-\ufb17"),
    ("Hebr", "\u0591-\u05ff\ufb1d-\ufb4f"),
    ("Arab", "\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff"),
    ("Deva", "\u0900-\u097f\ua8e0-\ua8ff"),
    ("Beng", "\u0980-\u09ff"),
    ("Guru", "\u0a00-\u0a7f"),
    ("Gujr", "\u0a80-\u0aff"),
    ("Orya", "\u0b00-\u0b7f"),
    ("Taml", "\u0b80-\u0bff"),
    ("Telu", "\u0c00-\u0c7f"),
    ("Knda", "\u0c80-\u0cff"),
    ("Mlym", "\u0d00-\u0d7f"),
    ("Sinh", "\u0d80-\u0dff"),
    ("Thai", "\u0e00-\u0e7f"),
    ("Laoo", "\u0e80-\u0eff"),
    ("Tibt", "\u0f00-\u0fff"),
    ("Mymr", "\u1000-\u109f"),
    ("Geor", "\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f"),
    ("Hang", "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uffa0-\uffdc"),
    ("Ethi", "\u1200-\u139f\u2d80-\u2ddf"),
    ("Khmr", "\u1780-\u17ff\u19e0-\u19ff"),
    ("Kana", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d"),
    (
        "Hani",
        "\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f",
    ),
)

# One pass over a text finds every run of letters of one script; the group that matched
# names the script.
SCRIPT_RUN_RE = re.compile("|".join(f"(?P<{code}>[{chars}]+)" for code, chars in SCRIPT_CLASSES))
# Everything that is no letter of any script class.  Deleted first, it leaves the run
# search above one match per change of script instead of one per word, and no position
# where all 26 alternatives are tried in vain: counting became about 4 times cheaper.
_NOT_LETTER_RE = re.compile("[^" + "".join(chars for _, chars in SCRIPT_CLASSES) + "]+")
# Every ASCII character that is no letter of a script class (all but A-Z and a-z).
_ASCII_NOT_LETTERS = bytes(
    code for code in range(128) if _NOT_LETTER_RE.fullmatch(chr(code)) is not None
)
# The runs of one script's letters: the words the judge reads.  `findall` gives what
# blanking everything else and splitting would, at half the cost.
SCRIPT_WORD_RES: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {code: re.compile(f"[{chars}]+") for code, chars in SCRIPT_CLASSES}
)

# Language-free noise: its letters (a domain, a user name, a tag's attribute) would be
# judged as words of some language, and digits only inflate length.  Each pattern runs
# only when its trigger occurs in the text: run blindly over 3.5 KB of news, the e-mail
# pattern alone took about a third of the time langdetect needs for its answer.
_NOISE_RES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("://", "www."), re.compile(r"(?:https?://|ftp://|www\.)\S+")),
    # E-mail addresses, matched from the start of a run only: without the lookbehind a
    # 20k-character word before an "@" was rescanned from each of its positions (2.3 s).
    (("@",), re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (("@", "#"), re.compile(r"[@#]\w+")),  # handles; hashtags are often English slogans
    (("<",), re.compile(r"<[^<>\n]{0,300}>")),  # markup tags left by extraction
    (("&",), re.compile(r"&#?\w{1,10};")),  # character entities
    (("",), re.compile(r"[\d_]+")),  # digits in any script, and underscores
)
_WHITESPACE_RE = re.compile(r"\s")
_SPACES_RE = re.compile(r"\s+")


def blank_noise(text: str) -> str:
    """Replace language-free noise by spaces (see _NOISE_RES)."""
    for triggers, pattern in _NOISE_RES:
        # Plain loops: a generator per pattern cost as much as the tests themselves.
        for trigger in triggers:
            if trigger in text:
                text = pattern.sub(" ", text)
                break
    return text


def strip_noise(text: str) -> str:
    """Blank out URLs, e-mail addresses, handles, markup and digits, and fold spaces.

    >>> strip_noise("Voir https://example.com/a?b=1 ou <b>écrire</b> à x.y@z.fr le 12 mai")
    'Voir ou écrire à le mai'
    """
    return _SPACES_RE.sub(" ", blank_noise(text)).strip()


def sample_text(text: str, size: int, windows: int) -> str:
    """Take up to `size` characters from `windows` evenly spaced places, in whole words.

    Windows are cut at whitespace so no word (nor URL) is split; text written without
    spaces (Chinese, Japanese, Thai) is cut where the window falls.

    >>> sample_text("one two three four five six seven eight nine ten", 20, 2)
    'one two nine ten'
    """
    if len(text) <= size:
        return text
    width = (size - windows + 1) // windows  # room for the spaces that join the windows
    step = (len(text) - width) / (windows - 1) if windows > 1 else 0.0
    parts = []
    for k in range(windows):
        start = round(k * step)
        end = start + width
        if start > 0 and not text[start - 1].isspace():
            space = _WHITESPACE_RE.search(text, start, end)
            if space is not None:
                start = space.end()
        if end < len(text) and not text[end].isspace():
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut > start:
                end = cut
        if end > start:
            parts.append(text[start:end].strip())
    return " ".join(parts)


def script_counts(text: str) -> dict[str, int]:
    """Count the letters (and combining marks) of `text` per ISO 15924 script.

    >>> script_counts("Привет, world")
    {'Cyrl': 6, 'Latn': 5}
    """
    if text.isascii():
        # Its only letters are A-Z and a-z, all Latin: deleting the rest as bytes is a
        # tenth of the cost of the search below.
        latin = len(text.encode("ascii").translate(None, _ASCII_NOT_LETTERS))
        return {"Latn": latin} if latin else {}
    counts: dict[str, int] = {}
    for match in SCRIPT_RUN_RE.finditer(_NOT_LETTER_RE.sub("", text)):
        code = match.lastgroup
        if code is not None:
            counts[code] = counts.get(code, 0) + match.end() - match.start()
    return counts


# Japanese prose mixes kanji with kana: langdetect's own ja profile is 62% kana by
# unigram mass and the kanji-heavy news sentences of tests/data run 42-66%, while Chinese
# uses none outside the odd name.  A tenth of the CJK letters sits far inside that gap.
_JAPANESE_KANA_SHARE = 0.10

CJK_SCRIPTS = frozenset({"Hani", "Kana", "Hang"})

# A Han character stands for a morpheme, about three Latin letters (English words run
# near 4.7 letters, Chinese words near 1.6 characters); a kana or a Hangul block for a
# syllable, about two.  Weighted so, a Chinese sentence that names two foreign hospitals
# in Latin letters stays Chinese although it has as many Latin letters as Han ones.
_SCRIPT_WEIGHTS: Mapping[str, int] = MappingProxyType({"Hani": 3, "Kana": 2, "Hang": 2})
# The most a character of a sample weighs (see `weighted_counts`).
MOST_WEIGHT = max(1, *_SCRIPT_WEIGHTS.values())


def weighted_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Weigh a sample's letter counts per script by what a character stands for.

    >>> weighted_counts({"Latn": 4, "Hani": 2})
    {'Latn': 4, 'Hani': 6}
    """
    return {code: n * _SCRIPT_WEIGHTS.get(code, 1) for code, n in counts.items()}


def cjk_language(counts: Mapping[str, int]) -> str:
    """Tell Chinese, Japanese and Korean apart by the counts of their scripts alone.

    >>> cjk_language({"Hani": 9, "Kana": 3}), cjk_language({"Hani": 9, "Hang": 9})
    ('ja', 'ko')
    """
    han, kana, hangul = (counts.get(code, 0) for code in ("Hani", "Kana", "Hang"))
    if hangul >= max(han, kana):
        return "ko"
    if kana >= _JAPANESE_KANA_SHARE * (han + kana + hangul):
        return "ja"
    return "zh"
