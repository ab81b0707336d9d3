"""Deterministic, bounded-cost language identification built on langdetect.

A document's language is decided in three steps:

1. Noise that carries no language (URLs, e-mail addresses, @handles, markup tags and
   entities, digits) is blanked out, and a bounded sample of the text is taken from
   several evenly spaced places, so a long document costs what a short one does.
2. The sample's letters are counted by Unicode script.  Where the script alone names the
   language (Hangul -> ko, Kana -> ja, Han without Kana or Hangul -> zh, Thai, Greek,
   Hebrew, Georgian, Armenian, the Indic scripts that one language dominates, ...) that
   is the answer and langdetect is not asked.
3. Otherwise langdetect judges the sample's letters of that script only, against the
   profiles written in that script (Latin: 31 languages, Cyrillic: bg mk ru uk, Arabic:
   ar fa ur, Devanagari: hi mr ne), so a Russian sentence can never come out Korean and
   a Latin one never Persian.  Its answer is folded to ISO 639-1 (zh-cn, zh-tw -> zh) and
   reported as `und` when the text is too short or the top probability too low.

langdetect is random (each trial samples n-grams); every detector here owns private
`DetectorFactory` objects with their own fixed `seed`, so answers are identical on every
run and in every process, and the module-level `langdetect.DetectorFactory.seed` is never
touched.  Profiles are read from the installed langdetect package, once, when a
`LanguageDetector` is built.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.lang_profile import LangProfile

__all__ = [
    "LANGUAGES",
    "UNDETERMINED",
    "LanguageConfig",
    "LanguageDetector",
    "LanguageGuess",
    "sample_text",
    "script_counts",
    "strip_noise",
]

UNDETERMINED = "und"

# Every code `LanguageDetector` can answer besides `und`: langdetect 1.0.9's 55 profiles
# folded to ISO 639-1 (zh-cn and zh-tw are both zh), plus the languages named by a
# script langdetect has no profile for (see _SCRIPT_ONLY_LANGUAGES).
LANGUAGES: frozenset[str] = frozenset(
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv "
    "mk ml mr ne nl no pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh "
    "am bo hy ka km lo my or si".split()
)

# Unicode script classes (ISO 15924 codes), each the blocks a language written in that
# script uses, combining marks included (Indic vowel signs are marks, not letters).
# Fullwidth Latin counts as Latin; Bopomofo counts as Han because only Chinese uses it.
_SCRIPT_CLASSES: tuple[tuple[str, str], ...] = (
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
        "\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        "\U00020000-\U0003134f",
    ),
)

# Scripts langdetect has no profile for, each with the language that writes most of the
# text in it (Ethiopic is also Tigrinya, Myanmar also Shan, Tibetan also Dzongkha; those
# minority users are named wrongly rather than `und`, as a script-only guess must be).
_SCRIPT_ONLY_LANGUAGES: Mapping[str, str] = MappingProxyType(
    {
        "Armn": "hy",
        "Geor": "ka",
        "Orya": "or",
        "Sinh": "si",
        "Laoo": "lo",
        "Tibt": "bo",
        "Mymr": "my",
        "Ethi": "am",
        "Khmr": "km",
    }
)

# Japanese prose mixes kanji with kana: news runs about 30-45% kana and langdetect's own
# ja profile is 62% kana by unigram mass, while Chinese uses none outside the odd brand
# name.  A tenth of the CJK letters sits well inside that gap.
_JAPANESE_KANA_SHARE = 0.10

_CJK_SCRIPTS = frozenset({"Hani", "Kana", "Hang"})

# A Han character stands for a morpheme, about three Latin letters (English words average
# 4.7 letters, Chinese words 1.6 characters); a kana or a Hangul block for a syllable,
# about two.  Weighting them so keeps "Pugh女士已經在劍橋的Papworth和Addenbrooke醫院..."
# Chinese although it has as many Latin letters as Han characters.
_SCRIPT_WEIGHTS: Mapping[str, int] = MappingProxyType({"Hani": 3, "Kana": 2, "Hang": 2})

# One pass over a text finds every run of letters of one script; the group that matched
# names the script.
_SCRIPT_RUN_RE = re.compile("|".join(f"(?P<{code}>[{chars}]+)" for code, chars in _SCRIPT_CLASSES))
_NOT_SCRIPT_RES: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {code: re.compile(f"[^{chars}]+") for code, chars in _SCRIPT_CLASSES}
)

# Language-free noise: its letters (a domain, a user name, a tag's attribute) would be
# judged as words of some language, and digits only inflate length.  Each pattern runs
# only when its trigger occurs in the text: on 3.5 KB news text the e-mail pattern alone
# cost more than langdetect's whole answer.
_NOISE_RES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("://", "www."), re.compile(r"(?:https?://|ftp://|www\.)\S+")),
    (("@",), re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),  # e-mail addresses
    (("@", "#"), re.compile(r"[@#]\w+")),  # handles; hashtags are often English slogans
    (("<",), re.compile(r"<[^<>\n]{0,300}>")),  # markup tags left by extraction
    (("&",), re.compile(r"&#?\w{1,10};")),  # character entities
    (("",), re.compile(r"[\d_]+")),  # digits in any script, and underscores
)
_WHITESPACE_RE = re.compile(r"\s")
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LanguageConfig:
    """How much text to read and how sure to be before naming a language.

    sample_chars: most characters of (noise-stripped) text judged per call; a longer text
        is sampled in `sample_windows` evenly spaced windows of whole words.  Measured on
        3.5 KB news documents (bench/bench_language.py), the document language from 600
        characters agrees with the whole-text answer on every document, at a sixth of the
        cost; 3 windows keep a headline or a quoted block from deciding alone.
    sample_windows: how many places the sample is taken from.
    n_trial: langdetect trials (random n-gram walks) averaged per call; langdetect's
        default is 7.  Measured on the 1,800 dev sentences, 3 trials lose nothing against
        7 while costing under half (each trial is ~60 profile look-ups over every
        candidate language).
    min_letters: fewer letters than this (in a script langdetect must judge) gives `und`:
        on the dev sentences langdetect's accuracy falls below half under about 6 letters.
    min_script_letters: fewer letters than this in a script that alone names the language
        (Hangul, Thai, Han, ...) gives `und`; a single Han character is as likely Japanese
        as Chinese, two already form a word.
    min_probability: a langdetect answer whose probability is below this is `und`.  On
        the dev sentences, right answers score >= 0.9 nearly always and half the wrong
        ones score below 0.8.
    paragraph_min_chars: paragraphs with fewer letters than this inherit the document's
        language in `detect_paragraphs` instead of being judged on their own.
    seed: langdetect's random seed; fixed so results repeat across runs and processes.
    """

    sample_chars: int = 300
    sample_windows: int = 3
    n_trial: int = 3
    min_letters: int = 6
    min_script_letters: int = 2
    min_probability: float = 0.5
    paragraph_min_chars: int = 100
    seed: int = 0

    def __post_init__(self) -> None:
        if self.sample_chars < 50:
            raise ValueError(f"sample_chars must be >= 50, got {self.sample_chars}")
        if not 1 <= self.sample_windows <= self.sample_chars // 20:
            raise ValueError(f"sample_windows out of range: {self.sample_windows}")
        if self.n_trial < 1:
            raise ValueError(f"n_trial must be >= 1, got {self.n_trial}")
        if self.min_letters < 1 or self.min_script_letters < 1:
            raise ValueError("min_letters and min_script_letters must be >= 1")
        if not 0.0 <= self.min_probability <= 1.0:
            raise ValueError(f"min_probability must be in [0, 1], got {self.min_probability}")
        if self.paragraph_min_chars < 0:
            raise ValueError(f"paragraph_min_chars must be >= 0, got {self.paragraph_min_chars}")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A language decision: an ISO 639-1 code (or `und`) and how sure it is.

    `score` is langdetect's probability for that language, or the share of the sample's
    letters written in the deciding script when the script alone decided; 0.0 for `und`
    from too little text.
    """

    language: str
    score: float


_UND = LanguageGuess(UNDETERMINED, 0.0)


def _iso639_1(profile_name: str) -> str:
    """Fold a langdetect profile name to ISO 639-1 (`zh-cn`, `zh-tw` -> `zh`)."""
    return profile_name.split("-")[0]


def _script_of(profile: LangProfile) -> str:
    """Name the script that holds most of a profile's single-letter mass."""
    counts: dict[str, int] = {}
    for gram, freq in profile.freq.items():
        match = _SCRIPT_RUN_RE.fullmatch(gram) if len(gram) == 1 else None
        if match is not None and match.lastgroup is not None:
            counts[match.lastgroup] = counts.get(match.lastgroup, 0) + int(freq)
    return max(sorted(counts), key=counts.__getitem__)


def _read_profiles() -> list[LangProfile]:
    """Read every profile shipped with langdetect, in name order (listdir order varies)."""
    profiles = []
    for name in sorted(os.listdir(PROFILES_DIRECTORY)):
        path = os.path.join(PROFILES_DIRECTORY, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as handle:
            profiles.append(LangProfile(**json.load(handle)))
    return profiles


def _blank_noise(text: str) -> str:
    """Replace language-free noise by spaces (see _NOISE_RES)."""
    for triggers, pattern in _NOISE_RES:
        if any(trigger in text for trigger in triggers):
            text = pattern.sub(" ", text)
    return text


def strip_noise(text: str) -> str:
    """Blank out URLs, e-mail addresses, handles, markup and digits, and fold spaces.

    >>> strip_noise("Voir https://example.com/a?b=1 ou <b>écrire</b> à x.y@z.fr le 12 mai")
    'Voir ou écrire à le mai'
    """
    return _SPACES_RE.sub(" ", _blank_noise(text)).strip()


def sample_text(text: str, size: int, windows: int) -> str:
    """Take up to `size` characters from `windows` evenly spaced places, in whole words.

    Windows are cut at whitespace so no word (nor URL) is split; text written without
    spaces (Chinese, Japanese, Thai) is cut where the window falls.

    >>> sample_text("one two three four five six seven eight nine ten", 20, 2)
    'one two three nine ten'
    """
    if len(text) <= size:
        return text
    width = size // windows
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
    counts: dict[str, int] = {}
    for match in _SCRIPT_RUN_RE.finditer(text):
        code = match.lastgroup
        if code is not None:
            counts[code] = counts.get(code, 0) + match.end() - match.start()
    return counts


class LanguageDetector:
    """Decide the language of documents and paragraphs, deterministically and cheaply.

    Build one per process: construction reads langdetect's 55 profiles (about half a
    second) into private factories, one per script; detection itself reads no file and
    keeps no state between calls.

    >>> detector = LanguageDetector()
    >>> detector.detect("Le gouvernement a présenté mercredi son projet de loi.")
    LanguageGuess(language='fr', score=0.99...)
    >>> detector.detect("서울은 대한민국의 수도이다.").language
    'ko'
    >>> detector.detect("OK").language
    'und'
    """

    def __init__(self, config: LanguageConfig = LanguageConfig()) -> None:
        self.config = config
        by_script: dict[str, list[LangProfile]] = {}
        for profile in _read_profiles():
            by_script.setdefault(_script_of(profile), []).append(profile)
        factories: dict[str, DetectorFactory] = {}
        script_language = dict(_SCRIPT_ONLY_LANGUAGES)
        for script, profiles in by_script.items():
            names = {_iso639_1(str(p.name)) for p in profiles}
            if len(names) == 1:
                # One language writes this script (Thai, Hangul, Han: zh-cn and zh-tw
                # are both zh): the script decides, langdetect has nothing to add.
                script_language[script] = names.pop()
                continue
            factory = DetectorFactory()
            for index, profile in enumerate(profiles):
                factory.add_profile(profile, index, len(profiles))
            # An instance attribute: the class-level DetectorFactory.seed stays untouched.
            factory.set_seed(config.seed)
            factories[script] = factory
        self._factories: Mapping[str, DetectorFactory] = MappingProxyType(factories)
        self._script_language: Mapping[str, str] = MappingProxyType(script_language)
        self.languages: frozenset[str] = frozenset(script_language.values()) | frozenset(
            _iso639_1(name) for f in factories.values() for name in f.get_lang_list()
        )

    def detect(self, text: str) -> LanguageGuess:
        """Return the language of `text`, judged on a bounded sample of it."""
        sample = self._sample(text)
        return self._judge(sample, script_counts(sample))

    def detect_paragraphs(
        self, paragraphs: Sequence[str], document: LanguageGuess
    ) -> tuple[LanguageGuess, ...]:
        """Judge each long paragraph on its own; short or undecided ones inherit `document`."""
        guesses = []
        for paragraph in paragraphs:
            sample = self._sample(paragraph)
            counts = script_counts(sample)
            guess = document
            if sum(counts.values()) >= self.config.paragraph_min_chars:
                guess = self._judge(sample, counts)
            guesses.append(document if guess.language == UNDETERMINED else guess)
        return tuple(guesses)

    def _sample(self, text: str) -> str:
        """Cut the bounded sample and blank its noise, in that order."""
        # Sampling first makes cleaning and counting cost the same for any text length.
        config = self.config
        return _blank_noise(sample_text(text, config.sample_chars, config.sample_windows))

    def _judge(self, sample: str, counts: Mapping[str, int]) -> LanguageGuess:
        """Decide by script where it names the language, else by langdetect on its letters."""
        if not counts:
            return _UND
        weighted = {code: n * _SCRIPT_WEIGHTS.get(code, 1) for code, n in counts.items()}
        total = sum(weighted.values())
        cjk = sum(weighted.get(code, 0) for code in _CJK_SCRIPTS)
        script = max(sorted(weighted), key=weighted.__getitem__)
        if cjk >= weighted[script]:
            # Chinese, Japanese and Korean share Han characters: decide among them as one.
            return self._cjk(counts, round(cjk / total, 4))
        language = self._script_language.get(script)
        if language is not None:
            if counts[script] < self.config.min_script_letters:
                return _UND
            return LanguageGuess(language, round(weighted[script] / total, 4))
        factory = self._factories.get(script)
        if factory is None or counts[script] < self.config.min_letters:
            return _UND
        # Judge only this script's letters: a Latin brand name inside Russian text, or a
        # Cyrillic name inside English, is evidence of nothing.
        own = _NOT_SCRIPT_RES[script].sub(" ", sample).strip()
        upper = sum(map(str.isupper, own))
        if upper > sum(map(str.islower, own)):
            # langdetect skips words in capitals (acronyms), so text set in capitals
            # would leave it nothing to read.
            own = own.lower()
        return self._langdetect(factory, own)

    def _cjk(self, counts: Mapping[str, int], share: float) -> LanguageGuess:
        """Tell Chinese, Japanese and Korean apart by their scripts alone."""
        han, kana, hangul = (counts.get(s, 0) for s in ("Hani", "Kana", "Hang"))
        cjk = han + kana + hangul
        if cjk < self.config.min_script_letters:
            return _UND
        if hangul >= max(han, kana):
            language = "ko"
        elif kana >= _JAPANESE_KANA_SHARE * cjk:
            language = "ja"
        else:
            language = "zh"
        return LanguageGuess(language, share)

    def _langdetect(self, factory: DetectorFactory, text: str) -> LanguageGuess:
        """Ask langdetect, within one script's profiles, and fold its answer to ISO 639-1."""
        detector = factory.create()
        detector.n_trial = self.config.n_trial
        detector.set_max_text_length(self.config.sample_chars)
        detector.append(text)
        try:
            ranked = detector.get_probabilities()
        except LangDetectException:
            # "No features in text": nothing langdetect has a profile n-gram for.
            return _UND
        merged: dict[str, float] = {}
        for item in ranked:
            code = _iso639_1(str(item.lang))
            merged[code] = merged.get(code, 0.0) + float(item.prob)
        if not merged:
            return _UND
        language = max(sorted(merged), key=merged.__getitem__)
        score = merged[language]
        if score < self.config.min_probability:
            return LanguageGuess(UNDETERMINED, round(score, 4))
        return LanguageGuess(language, round(score, 4))
