"""The WCXB line data (bench/make_wcxb_lines.py) and how the trainer weighs it."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


def script(name: str) -> ModuleType:
    # bench/ is scripts, not a package: its folder goes on the path, as when run.
    sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module(name)


# A forum page as a dump sees it and the gold a reviewer wrote out for it: the gold's
# spacing, case and punctuation are not the page's.
PAGE = """<html><body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/f">Forum</a></li>
<li><a href="/k">Kontakt</a></li></ul></nav>
<h1>Welche  Kette für ein altes Rennrad?</h1>
<div class="post"><p>Ich fahre ein Rennrad von 1985 und die Kette ist <b>verschlissen</b>.
Welche Kette passt zu einer Sechsfach-Kassette, und worauf muss ich achten?</p>
<p>Eine 6/7/8-fach-Kette passt, achte auf die Breite; im Forum findest du mehr dazu.</p>
<p>Danke, das hat geholfen! Die neue Kette läuft jetzt leise und schaltet sauber.</p></div>
<div class="side"><p>Ähnliche Themen</p><p>Kette springt über - was tun?</p></div>
<footer>© 2025 Radforum | <a href="/d">Datenschutz</a></footer></body></html>"""
GOLD = """Welche Kette fuer ein altes Rennrad

Ich fahre ein Rennrad von 1985 und die Kette ist verschlissen. Welche Kette passt zu einer \
Sechsfach-Kassette, und worauf muss ich achten?

Eine 6/7/8-fach-Kette passt, achte auf die Breite; im Forum findest du mehr dazu.

Danke, das hat geholfen! Die neue Kette läuft jetzt leise und schaltet sauber."""


@pytest.mark.parametrize(("line", "label"), [
    ("Startseite", 0),
    ("Forum", -1),  # a menu entry the gold names in a sentence: unsure, no weight
    ("Kontakt", 0),
    ("Welche Kette für ein altes Rennrad?", 1),  # the title, given apart from the text
    ("Eine 6/7/8-fach-Kette passt, achte auf die Breite; im Forum findest du mehr dazu.", 1),
    ("Danke, das hat geholfen! Die neue Kette läuft jetzt leise und schaltet sauber.", 1),
    ("Ähnliche Themen", 0),
    ("Kette springt über - was tun?", 0),
    ("© 2025 Radforum | Datenschutz", 0),
])
def test_wcxb_pages_become_labelled_lines(line: str, label: int) -> None:
    lines, labels, coverage = script("make_wcxb_lines").labelled(
        PAGE, GOLD, "Welche Kette für ein altes Rennrad?")
    assert dict(zip(lines, labels, strict=True))[line] == label
    # The gold's every trigram is a content line's but the three of its title, which it
    # spells apart ("fuer"): the title line is content as the page's title, not the gold's.
    assert 0.9 < coverage < 1.0


def test_a_line_most_of_whose_trigrams_are_the_golds_is_content() -> None:
    page = ("<body><p>Menü</p><p>Die Kette ist verschlissen und muss bald gewechselt "
            "werden, sagt der Mechaniker heute.</p></body>")
    gold = "Die Kette ist verschlissen und muss bald gewechselt werden, sagt der Mechaniker."
    _, labels, _ = script("make_wcxb_lines").labelled(page, gold, "")
    assert labels == [0, 1]


def test_a_gold_the_page_does_not_hold_has_low_coverage() -> None:
    _, labels, coverage = script("make_wcxb_lines").labelled(
        PAGE, "Ganz anderer Text, der auf dieser Seite nirgends steht und nie stand.", "")
    assert coverage == 0.0
    assert 1 not in labels


@pytest.mark.skipif(not (ROOT / "bench" / "data" / "wcxb_lines.jsonl").exists(),
                    reason="no WCXB line data")
def test_the_stored_wcxb_rows_are_well_formed() -> None:
    with open(ROOT / "bench" / "data" / "wcxb_lines.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(raw) for raw in handle]
    assert rows
    for row in rows:
        assert "CC-BY-4.0" in row["licence"]
        assert len(row["lines"]) == len(row["labels"]) <= 200
        assert set(row["labels"]) <= {-1, 0, 1}
        assert 0 in row["labels"] and 1 in row["labels"]
        assert max(map(len, row["lines"])) <= 300


def test_unsure_lines_weigh_nothing_in_the_fit() -> None:
    training = script("train_line_model")
    # Short lines: none is a body paragraph, so the first stage scores each.
    lines = ["Startseite", "Forum", "Kontakt", "Kette gewechselt"]
    doc = training.Doc("t", "de", "extra", lines, [0, -1, 0, 1], 0.5, 2)
    dense, _, targets, weights, extra = training.design([doc])
    assert dense.shape[0] == 4
    # The unsure line is there with no weight (its target 0 then counts for nothing).
    assert targets.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert weights.tolist() == [0.5, 0.0, 0.5, 0.5]
    assert extra.tolist() == [2.0] * 4


def test_each_extra_set_gets_its_own_intercept_column() -> None:
    training = script("train_line_model")
    z = np.zeros((4, 2))
    groups = np.array([0.0, 1.0, 2.0, 2.0])
    out = training.own_intercept(z, groups)
    assert out.shape == (4, 4)
    assert out[:, 2].tolist() == [0, 1, 0, 0] and out[:, 3].tolist() == [0, 0, 1, 1]
    assert training.own_intercept(z, np.zeros(4)).shape == (4, 2)


@pytest.mark.parametrize(("rate", "both", "to", "expected"), [
    # Content lines boiler_lines' side calls boilerplate at 0.9 or more become `to`.
    (0.9, False, -1, [0, -1, 1, -1, 1, 0]),
    (0.9, False, 0, [0, 0, 1, -1, 1, 0]),
    (0.95, False, -1, [0, 1, 1, -1, 1, 0]),
    # Both ways: a boilerplate line it calls content (0.1 or less) becomes unsure.
    (0.9, True, -1, [0, -1, 1, -1, 1, -1]),
])
def test_wcxb_labels_are_brought_to_boiler_lines_conventions(
        rate: float, both: bool, to: int, expected: list[int]) -> None:
    training = script("train_line_model")
    lines = ["Home", "Chris Hall", "", "Forum", "A long sentence of the article here.", "Buy"]
    labels = [0, 1, 1, -1, 1, 0]  # the blank line keeps its label and takes no share
    share = [0.99, 0.92, 0.97, 0.5, 0.05]
    old = (training.WCXB_RELABEL_RATE, training.WCXB_RELABEL_BOTH, training.WCXB_RELABEL_TO)
    try:
        training.WCXB_RELABEL_RATE, training.WCXB_RELABEL_BOTH = rate, both
        training.WCXB_RELABEL_TO = to
        assert training.relabel(lines, labels, share) == expected
    finally:
        (training.WCXB_RELABEL_RATE, training.WCXB_RELABEL_BOTH,
         training.WCXB_RELABEL_TO) = old


def test_wcxb_is_used_as_built_without_a_relabelling() -> None:
    training = script("train_line_model")
    doc = training.Doc("t", "en", "extra", ["Home", "Chris Hall"], [0, 1], 0.1, 2)
    old = training.WCXB_RELABEL
    try:
        training.WCXB_RELABEL = None
        assert training.relabelled([doc], ("de",), 0.1) == [doc]
    finally:
        training.WCXB_RELABEL = old


def test_a_lines_shape_class_reads_its_words_ends_capitals_and_place() -> None:
    training = script("train_line_model")
    doc = training.Doc("t", "en", "extra", [
        "Home | News", "By Chris Hall", "",
        "The council approved the new budget on Tuesday after a long debate.",
        "Pros", "The second paragraph says more about the budget and what it buys.",
        "Posted on 12 May 2024:"], [0, 1, 1, 1, 1, 1, 0], 0.1, 2)
    keys, targets = training._keys(doc)
    assert targets == [1, 0, 0, 0, 0, 1]
    # (words bin, end, start, capitals, digits, separators, region)
    assert keys[0] == (2, 4, 0, 2, 0, 1, 0)  # two words and a pipe, before the body
    assert keys[1] == (3, 4, 0, 2, 0, 0, 0)
    assert keys[2][-1] == keys[4][-1] == 1  # the body paragraphs themselves
    assert keys[3] == (1, 4, 0, 2, 0, 0, 1)  # a subheading between two paragraphs
    assert keys[5] == (4, 1, 0, 1, 1, 0, 2)  # 4-5 words, a colon, digits, after the body
