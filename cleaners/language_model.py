"""langdetect's profiles as a naive-Bayes model in numpy, read with array lookups.

langdetect estimates a text's language by random walks over a sample of its n-grams,
in pure Python.  `ScriptModel` holds the same profiles (those of one script) as arrays,
so that every 1-3-gram of a text is scored at once: `ngram_rows` finds each n-gram's
row by array lookups over character ids, and `LanguageDetector` sums the rows' log
probabilities (the posterior langdetect's trials estimate).  Profiles are read from the
installed langdetect package, never downloaded.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.lang_profile import LangProfile
from langdetect.utils.ngram import NGram

from cleaners.language_text import SCRIPT_CLASSES, SCRIPT_RUN_RE

__all__ = [
    "ScriptModel",
    "iso639_1",
    "langdetect_ranked",
    "merged_posteriors",
    "ngram_rows",
    "ngram_rows_each",
    "read_profiles",
    "script_model",
    "script_of",
]

# langdetect's additive smoothing of a profile probability (alpha / BASE_FREQ): an
# n-gram a language's profile lacks still leaves that language a chance.  langdetect
# jitters alpha per trial (sd 0.05 around 0.5); the model here uses its centre.
_SMOOTHING = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ

# Code points a model maps to ids: the Basic Multilingual Plane, which holds every
# letter of the scripts judged by n-grams (Latin, Cyrillic, Arabic, Devanagari).
_BMP = 0x10000
_SURROGATES = slice(0xD800, 0xE000)


def iso639_1(profile_name: str) -> str:
    """Fold a langdetect profile name to ISO 639-1 (`zh-cn`, `zh-tw` -> `zh`)."""
    return profile_name.split("-")[0]


def script_of(profile: LangProfile) -> str:
    """Name the script that holds most of a profile's single-letter mass."""
    counts: dict[str, int] = {}
    for gram, freq in profile.freq.items():
        match = SCRIPT_RUN_RE.fullmatch(gram) if len(gram) == 1 else None
        if match is not None and match.lastgroup is not None:
            counts[match.lastgroup] = counts.get(match.lastgroup, 0) + int(freq)
    return max(sorted(counts), key=counts.__getitem__)


def read_profiles() -> list[LangProfile]:
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
class ScriptModel:
    """langdetect's profiles of one script as a naive-Bayes model held in numpy.

    Characters are small numbers: `char_ids` maps a code point to its id (0 for a
    character no profile n-gram holds), and `base` is one more than the largest id.
    Row r of `log_prob` is for one profile n-gram: one column per profile (in name
    order), each cell log(P(n-gram | language) + smoothing), the factor langdetect
    multiplies a language's probability by when it draws that n-gram.  `columns` maps
    each column to its ISO 639-1 code in `codes`; `merges_columns` says whether that is
    anything but one column per code in order (zh-cn and zh-tw would share one).
    `char_ids` also does, for this script's letters, what langdetect's per-character
    `NGram.normalize` does (Romanian comma letters read as cedilla ones, every
    Vietnamese letter of Latin Extended Additional as one, Persian yeh as Arabic yeh),
    by giving both the same id.

    An n-gram finds its row by array lookups, no search (`ngram_rows`), each table
    holding -1 where no profile has the n-gram:

    - `unigram_rows[a]` for the character of id a;
    - `bigram_rows[a * base + b]` for a bigram;
    - a trigram abc: `prefixes[a * base + b]` numbers the bigram ab among the bigrams
      some profile trigram starts with (0 for none), and `trigram_rows[p * base + c]`
      is the row.  The table is 3,154 prefixes by 338 characters for Latin (2 MB),
      where a table of every three ids would take 39 million cells.

    `tail_capital` finds a letter followed by one `str.lower` changes: a word with a
    capital inside, which the judge leaves out (see `_tail_capital_re`).

    A binary search over the sorted n-gram numbers did the same in a fifth of the time
    of detection before (bench/bench_language.py); these lookups give the same rows, in
    the same order, so every sum and every answer is the same to the last bit.
    """

    codes: tuple[str, ...]
    columns: npt.NDArray[np.intp]
    merges_columns: bool
    char_ids: npt.NDArray[np.int64]
    base: int
    unigram_rows: npt.NDArray[np.signedinteger[Any]]
    bigram_rows: npt.NDArray[np.signedinteger[Any]]
    prefixes: npt.NDArray[np.signedinteger[Any]]
    trigram_rows: npt.NDArray[np.signedinteger[Any]]
    log_prob: npt.NDArray[np.float64]
    tail_capital: re.Pattern[str]


def _script_chars(script: str) -> Iterable[str]:
    """Yield every BMP character of a script class (its astral ranges are all Han)."""
    ranges = dict(SCRIPT_CLASSES)[script]
    index = 0
    while index < len(ranges):
        if index + 2 < len(ranges) and ranges[index + 1] == "-":
            low, high, index = ord(ranges[index]), ord(ranges[index + 2]), index + 3
        else:
            low = high = ord(ranges[index])
            index += 1
        yield from map(chr, range(low, min(high, 0xFFFF) + 1))


def script_model(script: str, profiles: Sequence[LangProfile]) -> ScriptModel:
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
    char_ids[_BMP - 1] = 0  # no n-gram, as every astral character
    # UTF-16 surrogates: `ngram_rows` reads an astral character as two of them, each
    # "no n-gram" as the character itself is.  No profile letter is one.
    char_ids[_SURROGATES] = 0
    grams_in_order = sorted(grams, key=lambda g: (len(g), [int(char_ids[ord(c)]) for c in g]))
    rows = {gram: row for row, gram in enumerate(grams_in_order)}
    prob = np.zeros((len(grams_in_order), len(profiles)), dtype=np.float64)
    for column, profile in enumerate(profiles):
        n_words = profile.n_words
        for gram, freq in profile.freq.items():
            if 1 <= len(gram) <= 3:
                prob[rows[gram], column] = freq / n_words[len(gram) - 1]
    codes = tuple(sorted({iso639_1(str(p.name)) for p in profiles}))
    columns = np.array([codes.index(iso639_1(str(p.name))) for p in profiles], dtype=np.intp)
    # The narrowest integer that numbers every row (and -1): int16 for every script
    # today, which keeps the trigram table at 2 MB and its lookups in cache.
    dtype: type[np.signedinteger[Any]] = (
        np.int16 if len(rows) < np.iinfo(np.int16).max else np.int32
    )
    unigram_rows = np.full(base, -1, dtype=dtype)
    bigram_rows = np.full(base * base, -1, dtype=dtype)
    prefixes = np.zeros(base * base, dtype=np.int32)
    trigrams: list[tuple[int, int, int]] = []
    count = 0  # trigram prefixes numbered so far
    for gram, row in rows.items():
        ids = [int(char_ids[ord(c)]) for c in gram]
        if len(ids) == 1:
            unigram_rows[ids[0]] = row
        elif len(ids) == 2:
            bigram_rows[ids[0] * base + ids[1]] = row
        else:
            pair = ids[0] * base + ids[1]
            if not prefixes[pair]:
                count += 1
                prefixes[pair] = count
            trigrams.append((int(prefixes[pair]), ids[2], row))
    trigram_rows = np.full((count + 1) * base, -1, dtype=dtype)
    for prefix, last, row in trigrams:
        trigram_rows[prefix * base + last] = row
    return ScriptModel(
        codes,
        columns,
        not np.array_equal(columns, np.arange(len(profiles))),
        char_ids,
        base,
        unigram_rows,
        bigram_rows,
        prefixes,
        trigram_rows,
        np.log(prob + _SMOOTHING),
        _tail_capital_re(script),
    )


def _tail_capital_re(script: str) -> re.Pattern[str]:
    """Find a letter of `script` followed by one that `str.lower` changes.

    That is a word with a capital after its first letter (NASA, OpenAI), which the judge
    leaves out whole as langdetect reads none of its n-grams: when a text has no match,
    every word stays and the per-word test need not run.  `word[1:] == word[1:].lower()`
    fails exactly when one of its letters is changed by `lower`, as `lower` maps each
    letter on its own (the Greek final sigma aside, and sigma is changed either way).
    """
    changed = "".join(re.escape(char) for char in _script_chars(script) if char.lower() != char)
    # A script without case (Arabic, Devanagari) has no such letter: nothing matches.
    return re.compile(f"[{dict(SCRIPT_CLASSES)[script]}][{changed}]" if changed else "(?!)")


def ngram_rows(text: str, model: ScriptModel) -> npt.NDArray[np.signedinteger[Any]]:
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
    # UTF-16 code units index `char_ids` directly.  An astral character is two
    # surrogates, both of id 0 like the character would be: an n-gram holding either
    # finds no row, and one "no n-gram" character or two leave every other n-gram, and
    # their order, as they were.
    units = np.frombuffer(f" {text} ".encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    ids = model.char_ids[units]
    base = model.base
    pairs = ids[:-1] * base + ids[1:]
    found = np.concatenate(
        (
            model.unigram_rows[ids[1:-1]],
            model.bigram_rows[pairs],
            model.trigram_rows[model.prefixes[pairs[:-1]] * base + ids[2:]],
        )
    )
    rows: npt.NDArray[np.signedinteger[Any]] = found[found >= 0]
    return rows


def ngram_rows_each(
    texts: Sequence[str], model: ScriptModel
) -> list[npt.NDArray[np.signedinteger[Any]]]:
    """Return `ngram_rows(text, model)` of each text, read in one pass over them all.

    The texts are joined by single spaces and looked up once.  Text k's padded form
    " text " is then the run of code units from the space before it to the space after
    it, starting at `start`: its unigrams are the joined text's unigrams from `start`,
    its bigrams and trigrams those starting at `start` (as " text " is one unit longer
    than the text, one bigram more).  So each text gets exactly its own rows in its own
    order, and a document's paragraphs pay numpy's per-call cost once, not once each.
    """
    joined = " ".join(texts)
    units = np.frombuffer(f" {joined} ".encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    ids = model.char_ids[units]
    base = model.base
    pairs = ids[:-1] * base + ids[1:]
    unigrams = model.unigram_rows[ids[1:-1]]
    bigrams = model.bigram_rows[pairs]
    trigrams = model.trigram_rows[model.prefixes[pairs[:-1]] * base + ids[2:]]
    # Code units per text: characters, unless an astral one (two units) is among them.
    sizes = (
        [len(text) for text in texts]
        if len(units) == len(joined) + 2
        else [len(text.encode("utf-16-le", "surrogatepass")) // 2 for text in texts]
    )
    each = []
    start = 0
    for size in sizes:
        end = start + size
        found = np.concatenate((unigrams[start:end], bigrams[start : end + 1], trigrams[start:end]))
        each.append(found[found >= 0])
        start = end + 1
    return each


def merged_posteriors(
    model: ScriptModel,
    rows: Sequence[npt.NDArray[np.signedinteger[Any]]],
    prior: npt.NDArray[np.float64] | None,
) -> npt.NDArray[np.float64]:
    """One line per text of found n-gram `rows`: its posterior per code, prior applied.

    Not normalised: line k is what `LanguageDetector._naive_bayes` computes for text k
    alone, by the same operations along the line (rows summed in order by `add.reduce`,
    `max`, `exp`, the prior's product), so every value is the same to the last bit.
    """
    log_likelihood = np.empty((len(rows), model.log_prob.shape[1]))
    for line, found in enumerate(rows):
        np.add.reduce(model.log_prob.take(found, axis=0), axis=0, out=log_likelihood[line])
    posterior = np.exp(log_likelihood - log_likelihood.max(axis=1, keepdims=True))
    merged = (
        np.array([
            np.bincount(model.columns, weights=line, minlength=len(model.codes))
            for line in posterior
        ])
        if model.merges_columns
        else posterior
    )
    return merged * prior if prior is not None else merged


def langdetect_ranked(
    factory: DetectorFactory, text: str, n_trial: int, weights: Mapping[str, float]
) -> list[tuple[str, float]]:
    """langdetect's own random walks: its probabilities for `text`, best first.

    Folded to ISO 639-1 and multiplied by `weights` (1 for a code not listed), then
    scaled back to the sum langdetect gave, so a score stays a probability; the first
    code in name order on a tie.  Empty where langdetect finds no n-gram of its profiles
    ("No features in text").
    """
    detector = factory.create()
    detector.n_trial = n_trial
    detector.set_max_text_length(len(text))
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return []
    merged: dict[str, float] = {}
    for item in ranked:
        code = iso639_1(str(item.lang))
        merged[code] = merged.get(code, 0.0) + float(item.prob) * weights.get(code, 1.0)
    if merged and weights:
        # Weighted, the probabilities no longer add up to what langdetect gave.
        scale = sum(float(item.prob) for item in ranked) / sum(merged.values())
        merged = {code: value * scale for code, value in merged.items()}
    codes = sorted(sorted(merged), key=merged.__getitem__, reverse=True)
    return [(code, merged[code]) for code in codes]
