"""The naive-Bayes judge scores a document's paragraphs together: the same bits as alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.language import LanguageConfig, LanguageDetector, LanguageGuess
from cleaners.language_text import script_counts

DATA = Path(__file__).parent / "data"
SENTENCES = [
    sentence
    for language, sentences in json.loads(
        (DATA / "multilingual.json").read_text(encoding="utf-8")
    ).items()
    if not language.startswith("_")
    for sentence in sentences
]
# One detector for the module (Hypothesis tests take no function-scoped fixture).
_DETECTOR = LanguageDetector()


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return _DETECTOR


def _alone_and_together(detector: LanguageDetector, texts: list[str]) -> None:
    """Each script's texts, scored in one batch, get what each gets scored alone."""
    by_script: dict[str, list[str]] = {}
    for text in texts:
        words = detector._read(text, script_counts(text))
        if not isinstance(words, LanguageGuess):
            by_script.setdefault(words[0], []).append(words[1])
    for script, own in by_script.items():
        together = detector._score(script, own, 1)
        alone = [detector._score(script, [text], 1)[0] for text in own]
        # LanguageGuess compares its float score exactly: the same bits, not close ones.
        assert together == alone


def test_sentences_of_every_language_score_alike_together(detector: LanguageDetector) -> None:
    assert len(SENTENCES) > 90
    _alone_and_together(detector, SENTENCES)


def test_word_prefixes_score_alike_together(detector: LanguageDetector) -> None:
    # Short texts: where the close-language rule and `und` come in.
    prefixes = [" ".join(s.split()[:n]) for s in SENTENCES for n in (1, 2, 3, 5)]
    _alone_and_together(detector, prefixes)


LETTERS = st.sampled_from(list("abcdeéèàçñßøåäöüšžčřłţș ") + list("привет ") + list("سلام "))


@given(st.lists(st.text(LETTERS, min_size=0, max_size=80), min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_any_batch_scores_alike_together(texts: list[str]) -> None:
    _alone_and_together(_DETECTOR, texts)


def test_paragraphs_match_one_at_a_time(detector: LanguageDetector) -> None:
    # `detect_paragraphs` scores its paragraphs in batches; a document of one paragraph
    # is a batch of one, so each paragraph alone must come out as it does among others.
    config = LanguageConfig(paragraph_min_chars=0)
    judge = LanguageDetector(config)
    document = judge.detect(" ".join(SENTENCES))
    together = judge.detect_paragraphs(SENTENCES, document)
    alone = tuple(judge.detect_paragraphs([s], document)[0] for s in SENTENCES)
    assert together == alone
    assert len({guess.language for guess in together}) > 20
