"""The language judge's shortcuts give exactly the answers of the plain path (issue 20).

Each cheaper path of cleaners.language / language_model / language_text is held to a
plain reference written here the way the code read before: n-grams read as UTF-32 code
points, a document's paragraphs judged one at a time, letters counted by the regular
expressions, the per-word capital test run on every sample.  Equality is exact (scores
to the last bit), on real sentences of 40 languages, their prefixes, and Hypothesis text.
"""

# ruff: noqa: RUF001

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners.language import LanguageDetector, LanguageGuess
from cleaners.language_model import ScriptModel, ngram_rows, ngram_rows_each
from cleaners.language_text import (
    _NOT_LETTER_RE,
    SCRIPT_RUN_RE,
    SCRIPT_WORD_RES,
    script_counts,
)

ROOT = Path(__file__).resolve().parents[1]
MULTILINGUAL: dict[str, Any] = json.loads(
    (ROOT / "tests" / "data" / "multilingual.json").read_text("utf-8")
)
SENTENCES = [
    text for code, texts in MULTILINGUAL.items() if not code.startswith("_") for text in texts
]
# Sentences of every language, and a prefix of each at every tenth character: short and
# long texts, every script, some in capitals or with brand names inside.
TEXTS = SENTENCES + [text[:n] for text in SENTENCES for n in range(10, len(text), 10)]
# Letters of the judged scripts, some astral characters, lone surrogates, capitals.
LETTERS = st.text(
    st.sampled_from("abcdeéèçñßÆæIİıΣσаБвгдежЖіїўыابپیकखगआ 𝐀😀\ud800\udfffXYZ"),
    max_size=60,
)


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def _with(detector: LanguageDetector, **change: Any) -> LanguageDetector:
    """The detector with other config values (sharing its models: building one is slow)."""
    other = copy.copy(detector)
    other.config = dataclasses.replace(detector.config, **change)
    return other


def _utf32_rows(text: str, model: ScriptModel) -> np.ndarray:
    """`ngram_rows` as it read text before: one UTF-32 code point per character."""
    points = np.frombuffer(f" {text} ".encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ids = model.char_ids[np.minimum(points, 0xFFFF)]
    pairs = ids[:-1] * model.base + ids[1:]
    found = np.concatenate(
        (
            model.unigram_rows[ids[1:-1]],
            model.bigram_rows[pairs],
            model.trigram_rows[model.prefixes[pairs[:-1]] * model.base + ids[2:]],
        )
    )
    return found[found >= 0]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(LETTERS, max_size=6))
def test_ngram_rows_read_as_utf16_and_in_batches_as_before(
    detector: LanguageDetector, texts: list[str]
) -> None:
    for model in detector._models.values():
        each = ngram_rows_each(texts, model)
        assert len(each) == len(texts)
        for text, rows in zip(texts, each, strict=True):
            before = _utf32_rows(text, model)
            assert np.array_equal(ngram_rows(text, model), before)
            assert np.array_equal(rows, before)


def test_real_words_keep_their_rows_in_a_batch(detector: LanguageDetector) -> None:
    model = detector._models["Latn"]
    texts = [" ".join(SCRIPT_WORD_RES["Latn"].findall(text)) for text in SENTENCES]
    texts = [text for text in texts if text]
    each = ngram_rows_each(texts, model)
    assert sum(len(rows) for rows in each) > 10 * len(texts)  # the rows were found
    for text, rows in zip(texts, each, strict=True):
        assert np.array_equal(rows, _utf32_rows(text, model))


def _scores(guesses: tuple[LanguageGuess, ...] | list[LanguageGuess]) -> list[tuple[str, str]]:
    # float.hex: equal to the last bit, not approximately.
    return [(guess.language, float(guess.score).hex()) for guess in guesses]


@pytest.mark.parametrize("script", ["Latn", "Cyrl", "Arab", "Deva"])
def test_batched_naive_bayes_equals_one_text_at_a_time(
    detector: LanguageDetector, script: str
) -> None:
    model = detector._models[script]
    prior = detector._priors.get(script)
    words = [" ".join(SCRIPT_WORD_RES[script].findall(text)) for text in TEXTS]
    texts = [text for text in words if text] + ["", "q"]  # no n-gram at all, and one
    assert len(texts) > 10
    alone = [detector._naive_bayes(model, text, prior) for text in texts]
    assert _scores(detector._naive_bayes_each(model, texts, prior)) == _scores(alone)
    assert {guess.language for guess in alone} - {"und"}  # real answers were compared


@pytest.mark.parametrize("min_chars", [0, 20, 100])
def test_paragraphs_judged_together_as_each_alone(
    detector: LanguageDetector, min_chars: int
) -> None:
    # A one-paragraph call takes the one-text path: it is the reference for each.
    judge = _with(detector, paragraph_min_chars=min_chars)
    # Each language's sentences as one long paragraph, each sentence, half of each.
    joined = [" ".join(texts) for code, texts in MULTILINGUAL.items() if code[0] != "_"]
    halves = [text[: len(text) // 2] for text in SENTENCES]
    paragraphs = [*joined, *SENTENCES, *halves, "", "12 34"]
    document = judge.detect("\n".join(paragraphs))
    together = judge.detect_paragraphs(paragraphs, document)
    alone = [judge.detect_paragraphs([paragraph], document)[0] for paragraph in paragraphs]
    assert _scores(together) == _scores(alone)
    assert len({guess.language for guess in together}) > 20


def _counts_by_regex(text: str) -> dict[str, int]:
    """`script_counts` without its ASCII shortcut."""
    counts: dict[str, int] = {}
    for match in SCRIPT_RUN_RE.finditer(_NOT_LETTER_RE.sub("", text)):
        assert match.lastgroup is not None
        counts[match.lastgroup] = counts.get(match.lastgroup, 0) + match.end() - match.start()
    return counts


@given(text=st.text(st.characters(max_codepoint=127)) | LETTERS)
def test_ascii_letter_counts_as_the_regular_expressions_count(text: str) -> None:
    assert script_counts(text) == _counts_by_regex(text)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=LETTERS)
def test_capital_search_finds_exactly_the_words_left_out(
    detector: LanguageDetector, text: str
) -> None:
    for script, model in detector._models.items():
        words = SCRIPT_WORD_RES[script].findall(text)
        kept = [word for word in words if word[1:] == word[1:].lower()]
        assert (model.tail_capital.search(text) is None) == (kept == words)


@pytest.mark.parametrize(
    ("paragraph", "judged"),
    [("Короткий", "und"), ("short line of plain text", "und"), ("漢字漢字漢字", "zh")],
)
def test_too_short_paragraphs_inherit_without_being_read(
    detector: LanguageDetector, paragraph: str, judged: str
) -> None:
    # Shorter than min_chars / 3 characters: no sample can weigh enough to be judged.
    document = LanguageGuess("de", 0.9)
    short = _with(detector, paragraph_min_chars=3 * len(paragraph) + 1)
    assert short.detect_paragraphs([paragraph], document) == (document,)
    # At exactly a third, a Han paragraph (3 a character) is judged on its own.
    guess = _with(detector, paragraph_min_chars=3 * len(paragraph)).detect_paragraphs(
        [paragraph], document
    )[0]
    assert guess.language == (judged if judged != "und" else "de")
