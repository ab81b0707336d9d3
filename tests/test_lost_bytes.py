"""Tests for cleaners.lost_bytes: bytes a cp1252 round trip lost, chosen from context."""

# The test texts are foreign and typographic on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaners.lost_bytes import LostByteConfig, restore_lost_bytes
from cleaners.normalize import NormalizeConfig, normalize_text

# The step is off by default (cleaners/normalize.py says why); these tests switch it on.
RESTORE = NormalizeConfig(restore_lost_bytes=True)

DATA = Path(__file__).parent / "data"
FLOORS = json.loads((Path(__file__).with_name("quality_floors.json")).read_text())["lost_bytes"]
ROWS = [json.loads(line) for line in (DATA / "lost_bytes.jsonl").open(encoding="utf-8")]


def round_trip(text: str) -> str:
    """A real cp1252 round trip: the five undefined bytes become U+FFFD."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize(("original", "why"), [
    ("He said “Connect to Learn” and left.", "an opening quote before it: ”"),
    ("Sloven\u010dina je jazyk.", "Slovak letters around č (C4 8D)"),
    ("Nemôžem ísť, lebo keď prší, zostávam doma.", "ď (C4 8F) before a word's end"),
    ("На улице было холодно.", "Н (D0 9D) before а, at a sentence's start"),
    ("Rīgā ir daudz cilvēku.", "Latvian ā (C4 81) between Latvian letters"),
])
def test_lost_byte_is_chosen(original: str, why: str) -> None:
    damaged = round_trip(original)
    assert "\ufffd" in damaged, why
    assert normalize_text(damaged, RESTORE).text == original, why


@pytest.mark.parametrize("line", [
    "plain text with a stray \ufffd in it",
    "ä\ufffdö",  # 0xE4 0x1A 0xF6: no UTF-8 sequence holds the lost byte
    "Â\ufffd",  # C2 + lost byte is a C1 control: nothing text is made of
    "naïve café",  # nothing lost
])
def test_undecided_or_not_mojibake_is_left_alone(line: str) -> None:
    assert restore_lost_bytes(line) is None


def test_a_close_call_keeps_the_replacement_character() -> None:
    # "Ã" + lost byte is Á, Í, Ï, Ð or Ý; alone on a line nothing tells them apart.
    assert restore_lost_bytes("Ã\ufffd", LostByteConfig(margin=1000)) is None


def test_margin_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="margin"):
        LostByteConfig(margin=0.5)


@given(st.text(max_size=60))
def test_never_invents_where_nothing_was_lost(text: str) -> None:
    # Without U+FFFD in the line there is no lost byte to choose.
    line = text.replace("\ufffd", "")
    assert restore_lost_bytes(line) is None


@given(st.sampled_from(ROWS))
def test_repair_is_idempotent_on_round_tripped_sentences(row: dict[str, object]) -> None:
    once = normalize_text(round_trip(str(row["text"])), RESTORE).text
    assert normalize_text(once, RESTORE).text == once


def test_quality_floor() -> None:
    """The share of round-tripped UD sentences that come back exactly (pinned floors)."""
    right = {"all": [0, 0], "lost byte": [0, 0]}
    for row in ROWS:
        ok = normalize_text(round_trip(row["text"]), RESTORE).text == unicodedata.normalize(
            "NFC", row["text"])
        for key in ("all", "lost byte") if row["lost_byte"] else ("all",):
            right[key][0] += ok
            right[key][1] += 1
    languages = {row["language"] for row in ROWS}
    assert len(ROWS) >= 300 and len(languages) >= 10
    for key, (hits, total) in right.items():
        assert hits / total >= FLOORS[key], (key, hits / total)
