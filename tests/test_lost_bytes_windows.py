"""Tests for cleaners.lost_byte_windows: the letters around a lost one, within its word."""

# The test texts are foreign on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaners.lost_byte_windows import (
    AFTER,
    BEFORE,
    COUNTED,
    WINDOWS,
    cased,
    choose_window,
    window,
)
from cleaners.lost_byte_words import SortedLines
from cleaners.lost_bytes import LostByteConfig, restore_lost_bytes

# A floor no window reaches: the letter windows never decide.
NO_WINDOWS = LostByteConfig(window_floor=1e9)
D1 = "\ue0d1"  # the mark of a lost byte after D1: с, э, я, ѐ or ѝ


def round_trip(text: str) -> str:
    """A real cp1252 round trip: the five undefined bytes become U+FFFD."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize(("original", "why"), [
    ("Прэзідэнт падпісаў пастанову аб энергазберажэнні.",
     "Belarusian: a word starting 'энерг'; the triples read 'янерг...'"),
    ("Электрасамакаты з'явіліся ў горадзе.",
     "Belarusian 'з'явіліся': 'я' after an apostrophe, not 'с'"),
    ("Энергосберегающие лампы дешевеют.", "Russian: 'сберег' inside a compound, not 'яберег'"),
    ("Ясноокая девочка засмеялась.", "Russian 'засмеялась': '...меялась', not '...месл...'"),
])
def test_the_letter_windows_read_a_word_no_list_holds(original: str, why: str) -> None:
    damaged = round_trip(original)
    assert "\ufffd" in damaged, why
    assert restore_lost_bytes(damaged) == original, why
    # Without the windows the letter triples read it wrong or leave U+FFFD.
    assert restore_lost_bytes(damaged, NO_WINDOWS) != original, why


@pytest.mark.parametrize(("key", "at", "left", "right", "want"), [
    # The word's edges are a space; a window never reaches past them.
    (f"н{D1}кляеў", 1, 3, 3, f" н_{D1}кля"),
    (f"н{D1}кляеў", 1, 1, 1, f"н_{D1}к"),
    (f"сябр{D1}", 4, 2, 2, f"бр_{D1} "),
    # Another lost letter in the window stays its mark.
    (f"х{D1}{D1}ль", 1, 2, 2, f" х_{D1}{D1}л"),
    (f"{D1}", 0, 0, 0, f"_{D1}"),
    (f"{D1}то", 0, 3, 0, f" _{D1}"),
])
def test_a_window_is_the_letters_around_the_lost_one_within_its_word(
        key: str, at: int, left: int, right: int, want: str) -> None:
    assert window(list(key), at, left, right) == want


@pytest.mark.parametrize(("options", "before", "after", "want"), [
    (("ō", "Ő", "ŝ", "Ł", "ŏ"), ["T"], ["m"], ("ō", "ŝ", "ŏ")),  # "Tōma": small after it
    (("ō", "Ő", "ŝ", "Ł", "ŏ"), [], ["m"], ("ō", "Ő", "ŝ", "Ł", "ŏ")),  # a word's start
    (("Н", "А", "Ё", "Ѝ", "Џ"), ["д"], ["р"], ("Н", "А", "Ё", "Ѝ", "Џ")),  # capitals only
    (("ō", "Ő"), ["T"], ["M"], ("ō", "Ő")),  # "TŐMA": capitals around it
])
def test_no_capital_inside_a_word_beside_a_small_letter(
        options: tuple[str, ...], before: list[str], after: list[str],
        want: tuple[str, ...]) -> None:
    assert cased(options, before, after) == want


# A window table as the shipped one spells it: counts per language, as Zipf frequencies.
TABLE = SortedLines([
    f" н_{D1}кл\tbe:я:4.0",
    f"н_{D1}к\tbe:с:6.0 be:я:4.0",
    f"а_{D1}ц\tbe:с:5.0 be:я:4.9",
    f"_{D1}\tbe:с:7.0 be:э:6.0 be:я:6.5",
    f"а_{D1}\tbe:с:5.0 be:я:6.0",
    f"_{D1}ц\tbe:с:6.0 be:я:4.0",
    f"у_{D1}\tbe:с:6.0",
])


@pytest.mark.parametrize(("key", "at", "want"), [
    (f"н{D1}кляеў", 1, "я"),  # the widest window seen decides
    (f"н{D1}к", 1, "с"),  # " н_?к " is not seen: the next one decides
    (f"ра{D1}ць", 2, None),  # "а_?ц" leaves с and я close, and so do the sides apart
    (f"ру{D1}ць", 2, "с"),  # no window seen but the sides, both saying с
    (f"рі{D1}ць", 2, None),  # one side alone ("_?ц") is not enough
    (f"н{D1}кляеў", 0, None),  # not a lost letter's window: nothing seen
])
def test_the_widest_window_seen_decides(key: str, at: int, want: str | None) -> None:
    assert choose_window(list(key), at, ("с", "э", "я"), {"be": 0.0}, TABLE, 3.0, 1.0) == want


def test_a_window_of_a_language_the_line_is_not_in_is_no_evidence() -> None:
    assert choose_window(list(f"н{D1}кляеў"), 1, ("с", "э", "я"), {"ru": 0.0}, TABLE, 3.0,
                         1.0) is None


@given(st.dictionaries(st.text(alphabet="аб\ue0d1_ ", min_size=1, max_size=5),
                       st.text(alphabet="abc:", max_size=5)),
       st.lists(st.text(alphabet="аб\ue0d1_ ", min_size=1, max_size=5), max_size=5))
def test_sorted_lines_read_as_the_mapping_they_hold(
        table: dict[str, str], probes: list[str]) -> None:
    lines = SortedLines([f"{key}\t{value}" for key, value in table.items()])
    assert len(lines) == len(table)
    assert sorted(lines) == sorted(table)
    for key in [*table, *probes]:
        assert lines.get(key) == table.get(key)


def test_the_builder_counts_every_window_the_repair_reads() -> None:
    assert set(WINDOWS + BEFORE + AFTER) | {(0, 0)} == set(COUNTED)
    # Widest first: a narrower window is read only where no wider one is seen.
    for sides in (WINDOWS, BEFORE, AFTER):
        sizes = [left + right for left, right in sides]
        assert sizes == sorted(sizes, reverse=True)
