"""Deterministic, bounded-cost language identification built on langdetect.

A document's language is decided in three steps:

1. A bounded sample of the text is taken from several evenly spaced places, so a long
   document costs what a short one does, and noise that carries no language (URLs,
   e-mail addresses, @handles, #hashtags, markup tags and entities, digits) is blanked.
2. The sample's letters are counted by Unicode script.  Where the script alone names the
   language (Hangul -> ko, Kana -> ja, Han without Kana or Hangul -> zh, Thai, Greek,
   Hebrew, Georgian, Armenian, the Indic scripts that one language dominates, ...) that
   is the answer and langdetect is not asked.
3. Otherwise the sample's letters of that script only are judged against langdetect's
   profiles written in that script (Latin: 31 languages, Cyrillic: bg mk ru uk, Arabic:
   ar fa ur, Devanagari: hi mr ne), so a Russian sentence can never come out Korean and
   a Latin one never Persian.  The answer is folded to ISO 639-1 (zh-cn, zh-tw -> zh) and
   reported as `und` when the text is too short or the top probability too low.
4. When the judge's first and second choice are close languages listed in
   `cleaners/close_languages/` (uk/ru, bg/mk, da/no, es/pt, cs/sk, hr/sl, nl/af, ...),
   the letters and short words one writes and the other lacks decide between the two
   (`cleaners.close_languages`); where they do not, the judge's order stands.

The judge of step 3 is, by default, langdetect's own model read exactly: every 1-3-gram
of the text, normalised as langdetect normalises it, scored against the profiles'
smoothed n-gram probabilities (naive Bayes), all at once in one numpy sum.  langdetect
itself estimates the same posterior by random walks over a sample of the n-grams, in
pure Python, which cost about 2 ms a call and was most of the pipeline's CPU time; the
full sum is deterministic by construction and about 20 times cheaper.  langdetect's own
random walks stay available (`LanguageConfig.judge = "langdetect"`), each detector
owning private `DetectorFactory` objects with their own fixed `seed`, so those answers
also repeat on every run and in every process, and the module-level
`langdetect.DetectorFactory.seed` is never touched.  Profiles are read from the
installed langdetect package, once, when a `LanguageDetector` is built.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.lang_profile import LangProfile
from langdetect.utils.ngram import NGram

from cleaners.close_languages import (
    CloseLanguages,
    LetterRule,
    load_close_languages,
    load_letter_rules,
)

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
# script langdetect has no profile for (see _SCRIPT_ONLY_LANGUAGES), plus those named by
# letters only they write (cleaners/language_letters.txt: be, sr).
_LANGUAGE_LIST = (
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv "
    "mk ml mr ne nl no pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh "
    "am bo hy ka km lo my or si "
    "be sr"
)
LANGUAGES: frozenset[str] = frozenset(_LANGUAGE_LIST.split())

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
        "\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f",
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

# Japanese prose mixes kanji with kana: langdetect's own ja profile is 62% kana by
# unigram mass and the kanji-heavy news sentences of tests/data run 42-66%, while Chinese
# uses none outside the odd name.  A tenth of the CJK letters sits far inside that gap.
_JAPANESE_KANA_SHARE = 0.10

_CJK_SCRIPTS = frozenset({"Hani", "Kana", "Hang"})

# A Han character stands for a morpheme, about three Latin letters (English words run
# near 4.7 letters, Chinese words near 1.6 characters); a kana or a Hangul block for a
# syllable, about two.  Weighted so, a Chinese sentence that names two foreign hospitals
# in Latin letters stays Chinese although it has as many Latin letters as Han ones.
_SCRIPT_WEIGHTS: Mapping[str, int] = MappingProxyType({"Hani": 3, "Kana": 2, "Hang": 2})

# One pass over a text finds every run of letters of one script; the group that matched
# names the script.
_SCRIPT_RUN_RE = re.compile("|".join(f"(?P<{code}>[{chars}]+)" for code, chars in _SCRIPT_CLASSES))
# Everything that is no letter of any script class.  Deleted first, it leaves the run
# search above one match per change of script instead of one per word, and no position
# where all 26 alternatives are tried in vain: counting became about 4 times cheaper.
_NOT_LETTER_RE = re.compile("[^" + "".join(chars for _, chars in _SCRIPT_CLASSES) + "]+")
_NOT_SCRIPT_RES: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {code: re.compile(f"[^{chars}]+") for code, chars in _SCRIPT_CLASSES}
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

# langdetect's additive smoothing of a profile probability (alpha / BASE_FREQ): an
# n-gram a language's profile lacks still leaves that language a chance.  langdetect
# jitters alpha per trial (sd 0.05 around 0.5); the model here uses its centre.
_SMOOTHING = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ

# Code points a model maps to ids: the Basic Multilingual Plane, which holds every
# letter of the scripts judged by n-grams (Latin, Cyrillic, Arabic, Devanagari).
_BMP = 0x10000

# How many of the judge's first choices the close-language rule may choose among: the
# third was needed where a sentence's two neighbours both outranked it (a Ukrainian
# line read as Bulgarian first and Russian second).
_TIEBREAK_RANKS = 3
# A choice the judge gives less than this probability is not a contender: on a 300-letter
# document sample the posterior of a wrong neighbour is astronomically small (1e-50),
# and reading its markers cost 10-20% of detection time.  On the `tune` sentences every
# answer is the same with this floor as without one; 1e-6 lost three.
_TIEBREAK_FLOOR = 1e-9

# The judges `LanguageConfig.judge` can name.
_JUDGES = ("naive_bayes", "langdetect")


@dataclass(frozen=True, slots=True)
class LanguageConfig:
    """How much text to read and how sure to be before naming a language.

    Every default was measured with bench/eval_language.py (the 1,800 dev sentences, and
    their word prefixes for short text), bench/bench_language.py (3.5 KB documents) and
    the 375 web documents of eval/boiler_lines, whose folder names their language.

    sample_chars: most characters of a document judged; a longer one is sampled in
        `sample_windows` evenly spaced windows of whole words.  On the web documents the
        share named right was 0.949 from 100 characters, 0.955 from 150, 0.971 from 200,
        0.963 from 300 and 600, 0.957 from the whole text (naive langdetect: 0.960; the
        misses are mostly documents in another language than their folder says).  300
        keeps a margin over the knee at 200.
    sample_windows: places the sample comes from, so a headline, a byline or one quoted
        block cannot decide alone.
    judge: what decides among the languages of one script.  "naive_bayes" reads every
        1-3-gram of the sample against langdetect's profiles at once (the posterior
        langdetect's trials estimate by sampling); "langdetect" asks langdetect's own
        random walks, as before.  Naive Bayes vs langdetect, `und` counted wrong: dev
        sentences 0.9961 vs 0.9967 (7 misses vs 6: naive Bayes reads one Italian
        sentence with two English words as Slovenian); their 16,842 word prefixes of 6+
        letters better in every length band (6-8 letters 0.640 vs 0.638, 12-19 0.862
        vs 0.851, 20-39 0.965 vs 0.958, 40+ 0.995 vs 0.993); web documents 0.965 vs
        0.960; a web line's own answer matched its document's at 60-99 letters 0.958
        vs 0.953 and at 100-199 0.998 both.  On the first 500 documents of the e2e
        bench corpus the two agree on 99.8% of documents and paragraphs, and naive
        Bayes costs a third or less of the CPU (bench/bench_language.py).
    n_trial: langdetect trials (random walks over the sample's n-grams) averaged per
        document, with judge="langdetect"; langdetect's default is 7.  Dev-sentence
        accuracy: 0.9944 with 1 trial, 0.9967 with 3, 0.9961 with 7; each trial costs
        about what reading 150 characters does.
    min_letters: a text with fewer letters that langdetect would read (those of the
        judged script, words in capitals left out as langdetect skips them) is `und`.
        On word prefixes of the dev sentences langdetect was right 31% of the time with
        0-2 letters, 55% with 3-5, 64% with 6-8, 76% with 9-11: from 6 letters a guess is
        more often right than not.
    min_script_letters: a text with fewer letters of a script that alone names the
        language (Hangul, Thai, Han, ...) is `und`; one Han character is as likely
        Japanese as Chinese, two already make a word.
    min_probability: an answer below this probability is `und`.  With naive Bayes, whose
        probability is the model's posterior, answers below 0.5 were right 19-32% of the
        time on dev-sentence prefixes of 6+ letters (n=130), those of 0.5-0.9 38-57%
        (n=1,000), those of 0.9+ 97% (n=15,500); with langdetect's 3 trials a score
        below 0.5 means no two trials agreed; on dev-sentence prefixes of 6+ letters such
        answers were right about a third of the time (n=22), two-of-three answers half
        the time (0.48, n=553) and unanimous ones 0.92 (n=8,673).  The score is kept, so
        a stricter reader can filter on it.
    paragraph_min_chars: in `detect_paragraphs`, a paragraph with fewer letters in its
        sample (a CJK character counting as the 2-3 letters it stands for) inherits the
        document's language.  On web lines (boiler_lines content lines of documents
        whose language is right) a line's own answer matched its document's 95-97% of
        the time at 60-99 letters, mostly through misread names and code, and 99.6% at
        100-199 letters, where what remains is real foreign lines.
        On the dev sentences, 100+ letters are judged right whether the paragraph is in
        its document's language or not (1.000 both ways).
    paragraph_sample_chars, paragraph_n_trial: sample size and (langdetect) trials for a
        paragraph.
        Paragraphs of 100+ letters are judged as well from 150 characters and 1 trial as
        from 300 and 3 (dev sentences 1.000 both; web lines of 100-199 letters 0.997
        both, of 200+ 0.994 vs 0.995) at about a quarter of the cost, which matters as a
        document has many paragraphs.
    seed: langdetect's random seed; fixed so results repeat across runs and processes.
    tiebreak: decide between close languages (the judge's first choice and one of the
        next two forming a pair of `cleaners/close_languages/`) by their marker letters,
        words and endings, and name Belarusian and Serbian Cyrillic by letters only they
        write (`cleaners/language_letters.txt`).  UD short sentences of 29 languages
        (bench/data/lang_sentences.jsonl, `report` half, never used to choose markers):
        0.978 with the rule, 0.9714 without, langdetect alone 0.9697; da 0.87 -> 0.91,
        no 0.88 -> 0.92, bg 0.92 -> 0.94, sl 0.95 -> 0.98, mk 0.986 -> 1.0, nl 0.94 ->
        0.96, no language lower; Belarusian 0 -> 0.88.  Dev sentences 0.9961 -> 0.9972.
    """

    sample_chars: int = 300
    sample_windows: int = 3
    judge: str = "naive_bayes"
    n_trial: int = 3
    min_letters: int = 6
    min_script_letters: int = 2
    min_probability: float = 0.5
    paragraph_min_chars: int = 100
    paragraph_sample_chars: int = 150
    paragraph_n_trial: int = 1
    seed: int = 0
    tiebreak: bool = True

    def __post_init__(self) -> None:
        for name in ("sample_chars", "paragraph_sample_chars"):
            size = getattr(self, name)
            if size < 20 * self.sample_windows:
                raise ValueError(f"{name} must be at least 20 per window, got {size}")
        if self.judge not in _JUDGES:
            raise ValueError(f"judge must be one of {_JUDGES}, got {self.judge!r}")
        if self.sample_windows < 1:
            raise ValueError(f"sample_windows must be >= 1, got {self.sample_windows}")
        if self.n_trial < 1 or self.paragraph_n_trial < 1:
            raise ValueError("n_trial and paragraph_n_trial must be >= 1")
        if self.min_letters < 1 or self.min_script_letters < 1:
            raise ValueError("min_letters and min_script_letters must be >= 1")
        if not 0.0 <= self.min_probability <= 1.0:
            raise ValueError(f"min_probability must be in [0, 1], got {self.min_probability}")
        if not 0 <= self.paragraph_min_chars <= self.paragraph_sample_chars:
            raise ValueError(
                "paragraph_min_chars must be between 0 and paragraph_sample_chars, "
                f"got {self.paragraph_min_chars}"
            )


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A language decision: an ISO 639-1 code (or `und`) and how sure it is.

    `score` is the judge's probability for that language, or the share of the sample's
    letters written in the deciding script when the script alone decided (CJK characters
    weighted as the letters they stand for).  For `und` it is 0.0 when the text was too
    short, and the best candidate's probability (below `min_probability`) when langdetect
    could not make up its mind.
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


@dataclass(frozen=True, slots=True, eq=False)
class _ScriptModel:
    """langdetect's profiles of one script as a naive-Bayes model held in numpy.

    An n-gram is a number: its characters' ids (`char_ids`, indexed by code point; 0 for
    a character no profile n-gram holds) read as digits in base `base`, plus an offset
    per length so that unigrams, bigrams and trigrams never share a number.  `keys` holds
    the numbers of every profile n-gram in ascending order, and row i of `log_prob` is
    for the n-gram keys[i]: one column per profile (in name order), each cell
    log(P(n-gram | language) + smoothing), the factor langdetect multiplies a language's
    probability by when it draws that n-gram.  `columns` maps each column to its ISO
    639-1 code in `codes`.  `char_ids` also does, for this script's letters, what
    langdetect's per-character `NGram.normalize` does (Romanian comma letters read as
    cedilla ones, every Vietnamese letter of Latin Extended Additional as one, Persian
    yeh as Arabic yeh), by giving both the same id.
    """

    codes: tuple[str, ...]
    columns: npt.NDArray[np.intp]
    char_ids: npt.NDArray[np.int64]
    base: int
    keys: npt.NDArray[np.int64]
    log_prob: npt.NDArray[np.float64]


def _script_chars(script: str) -> Iterable[str]:
    """Yield every BMP character of a script class (its astral ranges are all Han)."""
    ranges = dict(_SCRIPT_CLASSES)[script]
    index = 0
    while index < len(ranges):
        if index + 2 < len(ranges) and ranges[index + 1] == "-":
            low, high, index = ord(ranges[index]), ord(ranges[index + 2]), index + 3
        else:
            low = high = ord(ranges[index])
            index += 1
        yield from map(chr, range(low, min(high, 0xFFFF) + 1))


def _gram_key(ids: Sequence[int], base: int) -> int:
    """Number an n-gram of character ids (see _ScriptModel), as _ngram_rows does."""
    value, offset, power = 0, 0, 1
    for char_id in ids:
        value = value * base + char_id
    for _ in ids[1:]:
        power *= base
        offset += power
    return value + offset


def _script_model(script: str, profiles: Sequence[LangProfile]) -> _ScriptModel:
    """Build the naive-Bayes model of one script's profiles, as DetectorFactory would."""
    grams = {gram for p in profiles for gram in p.freq if 1 <= len(gram) <= 3}
    alphabet = sorted(set("".join(grams)))
    base = len(alphabet) + 1
    char_ids = np.zeros(_BMP, dtype=np.int64)
    for char_id, char in enumerate(alphabet, start=1):
        char_ids[ord(char)] = char_id
    for char in _script_chars(script):
        folded = NGram.normalize(char)
        if folded != char and len(folded) == 1 and ord(folded) < _BMP:
            char_ids[ord(char)] = char_ids[ord(folded)]
    char_ids[_BMP - 1] = 0  # where every astral character is looked up
    keyed = sorted((_gram_key([int(char_ids[ord(c)]) for c in g], base), g) for g in grams)
    rows = {gram: row for row, (_, gram) in enumerate(keyed)}
    prob = np.zeros((len(keyed), len(profiles)), dtype=np.float64)
    for column, profile in enumerate(profiles):
        n_words = profile.n_words
        for gram, freq in profile.freq.items():
            if 1 <= len(gram) <= 3:
                prob[rows[gram], column] = freq / n_words[len(gram) - 1]
    codes = tuple(sorted({_iso639_1(str(p.name)) for p in profiles}))
    columns = np.array([codes.index(_iso639_1(str(p.name))) for p in profiles], dtype=np.intp)
    keys = np.array([key for key, _ in keyed], dtype=np.int64)
    return _ScriptModel(codes, columns, char_ids, base, keys, np.log(prob + _SMOOTHING))


def _ngram_rows(text: str, model: _ScriptModel) -> npt.NDArray[np.intp]:
    """Return the model rows of every 1-3-gram of `text` a profile holds.

    `text` is words of letters joined by single spaces.  As langdetect reads it, each
    word has a space on either side (" ab", "ab " are bigrams; " a " is a trigram) and a
    lone space is no n-gram.  No profile holds an n-gram with a space inside, so the
    trigrams that span two words find no row.  The whole extraction is a few numpy
    operations on the code points: langdetect's own, a Python call per character, was
    half of its cost, and a C-level map over str and dict methods still cost twice
    this.  (Counting equal n-grams first, to look up and add fewer rows, cost 10% more
    on the e2e corpus than it saved.)
    """
    points = np.frombuffer(f" {text} ".encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ids = model.char_ids[np.minimum(points, _BMP - 1)]
    base = model.base
    pairs = ids[:-1] * base + ids[1:]
    keys = np.concatenate(
        (ids[1:-1], pairs + base, pairs[:-1] * base + ids[2:] + (base + base * base))
    )
    found = np.searchsorted(model.keys, keys)
    np.minimum(found, len(model.keys) - 1, out=found)
    rows: npt.NDArray[np.intp] = found[model.keys[found] == keys]
    return rows


def _break_tie(
    close: CloseLanguages | None, ranked: Sequence[tuple[str, float]], text: str
) -> tuple[str, float]:
    """Let close-language markers overrule the judge's order among its first choices.

    `ranked` is the judge's best languages with their probabilities, best first (see
    `CloseLanguages.decide`); those below _TIEBREAK_FLOOR do not take part.  Once
    markers have decided, the score is the probability of every language they decided
    among: the judge named the group, the letters and words named the member.
    """
    if close is None:
        return ranked[0]
    contenders = [ranked[0]] + [c for c in ranked[1:] if c[1] >= _TIEBREAK_FLOOR]
    if len(contenders) < 2:
        return ranked[0]
    language, among = close.decide([code for code, _ in contenders], text)
    if not among:
        return ranked[0]
    return language, min(sum(contenders[i][1] for i in among), 1.0)


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
    counts: dict[str, int] = {}
    for match in _SCRIPT_RUN_RE.finditer(_NOT_LETTER_RE.sub("", text)):
        code = match.lastgroup
        if code is not None:
            counts[code] = counts.get(code, 0) + match.end() - match.start()
    return counts


class LanguageDetector:
    """Decide the language of documents and paragraphs, deterministically and cheaply.

    Build one per process: construction reads langdetect's 55 profiles (about half a
    second) into one model per script (naive Bayes: 9 MB in numpy arrays, pickled in
    9 MB and unpickled in milliseconds) or private factories (langdetect judge);
    detection itself reads no file and keeps no state between calls.

    >>> detector = LanguageDetector()
    >>> guess = detector.detect("Le gouvernement a présenté mercredi son projet de loi.")
    >>> guess.language, guess.score > 0.99
    ('fr', True)
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
        models: dict[str, _ScriptModel] = {}
        script_language = dict(_SCRIPT_ONLY_LANGUAGES)
        for script, profiles in by_script.items():
            names = {_iso639_1(str(p.name)) for p in profiles}
            if len(names) == 1:
                # One language writes this script (Thai, Hangul, Han: zh-cn and zh-tw
                # are both zh): the script decides, langdetect has nothing to add.
                script_language[script] = names.pop()
                continue
            if config.judge == "naive_bayes":
                models[script] = _script_model(script, profiles)
                continue
            factory = DetectorFactory()
            for index, profile in enumerate(profiles):
                factory.add_profile(profile, index, len(profiles))
            # An instance attribute: the class-level DetectorFactory.seed stays untouched.
            factory.set_seed(config.seed)
            factories[script] = factory
        # Plain dicts and arrays, never changed after this point, so a detector can be
        # pickled.  Only the configured judge's data is built: each is 6-50 MB.
        self._factories: Mapping[str, DetectorFactory] = factories
        self._models: Mapping[str, _ScriptModel] = models
        self._script_language: Mapping[str, str] = script_language
        self._close: CloseLanguages | None = load_close_languages() if config.tiebreak else None
        self._letter_rules: tuple[LetterRule, ...] = load_letter_rules() if config.tiebreak else ()
        self.languages: frozenset[str] = (
            frozenset(script_language.values())
            | frozenset(_iso639_1(name) for f in factories.values() for name in f.get_lang_list())
            | frozenset(code for model in models.values() for code in model.codes)
            | frozenset(rule.language for rule in self._letter_rules)
        )

    def detect(self, text: str) -> LanguageGuess:
        """Return the language of `text`, judged on a bounded sample of it."""
        config = self.config
        sample = self._sample(text, config.sample_chars)
        return self._judge(sample, script_counts(sample), config.n_trial)

    def detect_paragraphs(
        self, paragraphs: Sequence[str], document: LanguageGuess
    ) -> tuple[LanguageGuess, ...]:
        """Judge each long paragraph on its own; short or undecided ones inherit `document`.

        Short paragraphs (headings, captions, bylines) say too little to overrule the
        document; a long one in another language (a quote, an abstract) gets its own.
        """
        config = self.config
        guesses = []
        for paragraph in paragraphs:
            sample = self._sample(paragraph, config.paragraph_sample_chars)
            counts = script_counts(sample)
            guess = document
            weighted = sum(n * _SCRIPT_WEIGHTS.get(code, 1) for code, n in counts.items())
            if weighted >= config.paragraph_min_chars:
                guess = self._judge(sample, counts, config.paragraph_n_trial)
            guesses.append(document if guess.language == UNDETERMINED else guess)
        return tuple(guesses)

    def _sample(self, text: str, size: int) -> str:
        """Cut the bounded sample, then blank its noise."""
        # In this order, cleaning and counting cost the same for any text length.
        return _blank_noise(sample_text(text, size, self.config.sample_windows))

    def _judge(self, sample: str, counts: Mapping[str, int], n_trial: int) -> LanguageGuess:
        """Decide by script where it names the language, else by langdetect on its letters."""
        if not counts:
            return _UND
        weighted = {code: n * _SCRIPT_WEIGHTS.get(code, 1) for code, n in counts.items()}
        total = sum(weighted.values())
        cjk = sum(weighted.get(code, 0) for code in _CJK_SCRIPTS)
        script = max(sorted(weighted), key=weighted.__getitem__)
        if cjk >= weighted[script]:
            # Chinese, Japanese and Korean share Han characters: decide among them as one.
            return self._cjk(counts, cjk / total)
        language = self._script_language.get(script)
        if language is not None:
            if counts[script] < self.config.min_script_letters:
                return _UND
            return LanguageGuess(language, weighted[script] / total)
        model = self._models.get(script)
        factory = self._factories.get(script)
        if model is None and factory is None:
            return _UND
        # Judge only this script's letters: a Latin brand name inside Russian text, or a
        # Cyrillic name inside English, is evidence of nothing.
        words = _NOT_SCRIPT_RES[script].sub(" ", sample).split()
        if sum(map(str.isupper, words)) * 2 > len(words):
            # Text set in capitals: langdetect skips words in capitals (as acronyms), so
            # it would have nothing left to read.
            words = [word.lower() for word in words]
        elif model is not None:
            # langdetect reads no n-gram that ends in a second capital in a row (NASA,
            # OpenAI); a word with any capital after its first letter is left out whole,
            # which one cheap test per word decides.
            words = [word for word in words if word[1:] == word[1:].lower()]
        else:
            # The words langdetect would skip must not count towards min_letters either.
            words = [word for word in words if len(word) == 1 or not word.isupper()]
        own = " ".join(words)
        if sum(map(len, words)) < self.config.min_letters:
            return _UND
        if model is not None:
            guess = self._naive_bayes(model, own)
        else:
            assert factory is not None
            guess = self._langdetect(factory, own, n_trial)
        if guess.language == UNDETERMINED:
            return guess
        return self._named_by_letters(script, own, guess)

    def _named_by_letters(self, script: str, text: str, guess: LanguageGuess) -> LanguageGuess:
        """Name a language without a profile whose own letters `text` holds (be, sr)."""
        for rule in self._letter_rules:
            if rule.script == script and rule.matches(text):
                # The judge's score: how sure it was of this script's neighbourhood.
                return LanguageGuess(rule.language, guess.score)
        return guess

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

    def _naive_bayes(self, model: _ScriptModel, text: str) -> LanguageGuess:
        """Score every n-gram of `text` against one script's profiles; fold to ISO 639-1."""
        rows = _ngram_rows(NGram.normalize_vi(text), model)
        if not rows.size:
            # No n-gram any profile knows (langdetect: "No features in text").
            return _UND
        log_likelihood = model.log_prob[rows].sum(axis=0)
        posterior = np.exp(log_likelihood - log_likelihood.max())
        merged = np.bincount(model.columns, weights=posterior, minlength=len(model.codes))
        total = float(merged.sum())
        best = int(np.argmax(merged))  # the first code in name order on a tie
        language, score = model.codes[best], float(merged[best] / total)
        if self._close is not None and (merged >= _TIEBREAK_FLOOR * total).sum() > 1:
            # Only where a neighbour is still a contender (see _TIEBREAK_FLOOR): most
            # document samples leave one, and cost no more than before the rule.
            order = np.argsort(-merged, kind="stable")[:_TIEBREAK_RANKS]
            ranked = [(model.codes[i], float(merged[i] / total)) for i in order]
            language, score = _break_tie(self._close, ranked, text)
        if score < self.config.min_probability:
            return LanguageGuess(UNDETERMINED, score)
        return LanguageGuess(language, score)

    def _langdetect(self, factory: DetectorFactory, text: str, n_trial: int) -> LanguageGuess:
        """Ask langdetect, within one script's profiles, and fold its answer to ISO 639-1."""
        detector = factory.create()
        detector.n_trial = n_trial
        detector.set_max_text_length(len(text))
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
        codes = sorted(sorted(merged), key=merged.__getitem__, reverse=True)
        ranked = [(code, merged[code]) for code in codes[:_TIEBREAK_RANKS]]
        language, score = _break_tie(self._close, ranked, text)
        if score < self.config.min_probability:
            return LanguageGuess(UNDETERMINED, score)
        return LanguageGuess(language, score)
