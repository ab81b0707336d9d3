"""Patterns run on RE2 (issue 16): the translation from Python's syntax keeps what matches."""
# ruff: noqa: RUF001  (Cyrillic letters in the cases are meant)

from __future__ import annotations

import re
import time
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.boilerplate import SHIPPED_LANGUAGES, BoilerplateConfig, load_lexicon
from cleaners.boilerplate.lexicon import _parse_lexicon_file
from cleaners.linear import PatternError, compile_linear

SHIPPED = [
    (rule, source)
    for lang in SHIPPED_LANGUAGES
    for rule, _, source in _parse_lexicon_file(
        lang, resources.files("cleaners").joinpath(f"patterns/{lang}.txt").read_text("utf-8"))
]

# (pattern, text): RE2's answer must be Python's, in several scripts.
CASES = [
    (r"\bдата\b", "Дата: 12 марта"),
    (r"\bдата\b", "Датаобновления"),
    (r"^(?:дата)\b\s*:?\s*\d+$", "дата 12"),
    (r"^(?:дата)\b\s*:?\s*\d+$", "дата12"),
    (r"connecté\b.{0,80}$", "Vous êtes connecté en tant que Marie"),
    (r"connecté\b.{0,80}$", "connectée"),
    (r"^download\b.{0,60}\b(?:pdf|zip)$", "Download the report pdf"),
    (r"^download\b.{0,60}\b(?:pdf|zip)$", "Downloadpdf"),
    (r"\w+ \d+", "Ünïcödé ٣٤"),
    (r"^\s+x", "\u00a0x"),
    (r"(?<=\()foto\s*:\s*[^)]{1,80}\)$", "(Foto: dpa)"),
    (r"(?<=\()foto\s*:\s*[^)]{1,80}\)$", "Foto: dpa)"),
    (r"©(?<![ÃÂ]©).{0,150}$", "Ã© mojibake"),
    (r"©(?<![ÃÂ]©).{0,150}$", "Photo © AFP"),
    (r"^(?:lun|mié)[a-z]*\b", "miércoles"),
    (r"kautta\b", "kauttaä"),
]


@pytest.mark.parametrize(("pattern", "text"), CASES)
def test_re2_answers_as_python(pattern: str, text: str) -> None:
    assert compile_linear(pattern).search(text) == bool(re.search(pattern, text, re.I))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(SHIPPED), st.text(alphabet="aeoséüд 0123.,:-()|©", max_size=24))
def test_shipped_patterns_answer_as_python(shipped: tuple[str, str], text: str) -> None:
    rule, source = shipped
    assert compile_linear(source).search(text) == bool(re.search(source, text, re.I)), rule


@pytest.mark.parametrize(("rule", "source"), SHIPPED, ids=[rule for rule, _ in SHIPPED])
def test_every_shipped_pattern_has_a_linear_form(rule: str, source: str) -> None:
    compile_linear(source)


def _calendar_line(cells: int) -> str:
    """A flattened French calendar widget: day numbers, then "oct. 15 nov. 16 ..."."""
    months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
              "oct.", "nov.", "déc."]
    days = "".join(f"{day:02d}" for day in range(1, 32))
    return (days + " ".join(f"{months[(9 + n) % 12]} {15 + n % 3}" for n in range(cells))
            + "Adultes123")


def _date_list(dates: int) -> str:
    months = ["January", "March", "May", "July", "September", "November"]
    return ", ".join(f"{1 + n % 28} {months[n % 6]} {1990 + n}" for n in range(dates)) + (
        " (see notes)")


@pytest.mark.parametrize("line", [_calendar_line(56), _date_list(40)],
                         ids=["calendar-line", "date-list"])
def test_lines_that_made_the_date_patterns_backtrack(line: str) -> None:
    # Issue 16: on Python's re, 26 calendar cells took 2.8 s and each 4 more cells five
    # times as long (56 cells, 536 characters: hours); each extra date doubled the list.
    lexicon = load_lexicon(BoilerplateConfig())
    lexicon.match(line)  # patterns compile on first use; time the matching alone
    started = time.perf_counter()
    assert lexicon.match(line) is None
    assert time.perf_counter() - started < 0.5


def test_a_refused_pattern_names_itself_and_why() -> None:
    with pytest.raises(PatternError, match=r"'\(a\)\\\\1'.*backreference"):
        compile_linear(r"(a)\1")
