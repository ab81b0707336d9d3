"""Tests for cleaners/linemodel_shapes.py: within-document shape features of the line
model's second stage."""

from __future__ import annotations

import importlib
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.boilerplate.lexicon import _core, _tokens
from cleaners.linemodel import CONTEXT_FEATURES, LineModel, context_rows, load_line_model
from cleaners.linemodel_shapes import SHAPE_FEATURES, line_label, shape_keys, shape_rows


@pytest.mark.parametrize(("first", "second", "same"), [
    # A product grid, a list of names, a list of dates: one pattern, other words.
    ("- 28% OFFThis Is Not a Pipe Design by Genee Cosden $25 $18",
     "- 4% OFFIrony Design by Teo Zirinis $25 $24 and up", False),  # ends differ: digit / letter
    ("- 28% OFFSuper Playbros Design by Yannick Bouchard $25 $18",
     "- 28% OFFPenrose Triforce Design by John Tibbott $25 $18", True),
    (", Marianne Thieme", ", Mark Rutte", True),
    (", Marianne Thieme", ", Kees van der Staaij", False),  # 2 words against 4
    ("Päivitetty 12.3.2021", "Päivitetty 4.11.2019", True),
    ("Воскресенье, 12 марта", "Понедельник, 13 марта", True),
    # A sentence and a menu entry do not share a shape.
    ("Der Stadtrat hat am Dienstag beschlossen, das Programm zu verlängern.", "Impressum", False),
    ("Kontakt", "kontakt", False),  # capital against lower case
])
def test_shape_keys_group_lines_cut_to_one_pattern(first: str, second: str, same: bool) -> None:
    keys = shape_keys([first, second])
    assert (keys[0] == keys[1]) is same


def test_shape_rows_count_the_lines_sharing_a_shape() -> None:
    lines = ["Related polls", ", Marianne Thieme", ", Mark Rutte", ", Job Cohen",
             "Der Stadtrat hat am Dienstag beschlossen, das Programm zu verlängern."]
    capped = [1.0, 2.0, 3.0, -1.0, -6.0]
    short = [True, True, True, True, False]
    rows = [dict(zip(SHAPE_FEATURES, row, strict=True))
            for row in shape_rows(lines, capped, short)]
    names = rows[2]
    assert names["shape_recurs"] == math.log1p(2)  # two other ", Aa Aa" lines
    assert names["prefix_recurs"] == math.log1p(2)  # ", " starts them all
    assert names["shape_neighbours"] == 2.0 and rows[1]["shape_neighbours"] == 1.0
    assert names["shape_group_logit"] == (2.0 - 1.0) / 2  # the others' mean, not its own
    assert rows[0]["shape_recurs"] == 0.0 and rows[0]["shape_group_logit"] == 0.0
    assert rows[3]["suffix_recurs"] == 0.0  # "en" ends no other line
    assert rows[4]["doc_short_share"] == 4 / 5
    assert rows[4]["doc_mean_logit"] == pytest.approx((1.0 + 2.0 + 3.0 - 1.0 - 6.0) / 5)


def test_digits_are_folded_in_the_first_and_last_characters() -> None:
    rows = shape_rows(["12 Kommentare", "37 Kommentare", "Impressum"], [0.0] * 3, [True] * 3)
    assert rows[0][SHAPE_FEATURES.index("prefix_recurs")] == math.log1p(1)
    assert rows[2][SHAPE_FEATURES.index("prefix_recurs")] == 0.0


def test_context_rows_append_the_shape_features_when_given_the_texts() -> None:
    lines = ["Inicio", ", Ana Pérez", ", Luis Gómez", "Contacto"]
    tokens = [_tokens(_core(line)) for line in lines]
    logits, short, evidence = [0.5, 1.0, 2.0, 3.0], [True] * 4, [False] * 4
    plain = context_rows(logits, short, evidence, tokens=tokens)
    shaped = context_rows(logits, short, evidence, tokens=tokens, texts=lines)
    assert all(len(row) == len(CONTEXT_FEATURES) for _, row in plain)
    assert all(len(row) == len(CONTEXT_FEATURES) + len(SHAPE_FEATURES) for _, row in shaped)
    assert [row[:len(CONTEXT_FEATURES)] for _, row in shaped] == [row for _, row in plain]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=30))
def test_shape_rows_are_finite_and_one_per_line(lines: list[str]) -> None:
    capped = [float((k % 13) - 6) for k in range(len(lines))]
    rows = shape_rows(lines, capped, [len(line.split()) <= 4 for line in lines])
    assert len(rows) == len(lines)
    for row in rows:
        assert len(row) == len(SHAPE_FEATURES)
        assert all(math.isfinite(value) for value in row)
        assert 0.0 <= row[SHAPE_FEATURES.index("shape_neighbours")] <= 2.0
        assert -6.0 <= row[SHAPE_FEATURES.index("shape_group_logit")] <= 6.0


MODEL = load_line_model()
GRID = ["Inicio", "Ofertas",
        "El ayuntamiento aprobó el martes el nuevo plan de movilidad urbana para el centro.",
        ", Ana Pérez", ", Luis Gómez", ", Marta Ruiz", ", Pablo Sanz", "Contacto"]


def with_shape_weights(weights: list[float]) -> LineModel:
    base = MODEL.context[:len(CONTEXT_FEATURES)] if MODEL.context.size else np.zeros(
        len(CONTEXT_FEATURES))
    return replace(MODEL, context=np.concatenate([base, np.array(weights)]))


def test_a_model_file_with_shape_weights_reads_them(tmp_path: Path) -> None:
    # Zero shape weights score as the same model without them; a weight on
    # "shape_neighbours" raises the lines next to one of their shape (the name list,
    # "Inicio" and "Ofertas") and nothing else.
    tokens = [_tokens(_core(line)) for line in GRID]
    evidence = [False] * len(GRID)
    plain = replace(MODEL, context=with_shape_weights([])
                    .context[:len(CONTEXT_FEATURES)])
    zero = with_shape_weights([0.0] * len(SHAPE_FEATURES))
    assert np.allclose(zero.scores(GRID, tokens, evidence), plain.scores(GRID, tokens, evidence))
    weights = [0.0] * len(SHAPE_FEATURES)
    weights[SHAPE_FEATURES.index("shape_neighbours")] = 1.0
    raised = with_shape_weights(weights).scores(GRID, tokens, evidence)
    before = plain.scores(GRID, tokens, evidence)
    assert all(raised[k] > before[k] for k in (0, 1, 3, 4, 5, 6))
    assert raised[2] == pytest.approx(before[2]) and raised[7] == pytest.approx(before[7])
    # The file keeps the shape weights, and loads back with them.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    training = importlib.import_module("train_line_model")
    path = tmp_path / "model.npz"
    path.write_bytes(training.to_bytes(with_shape_weights(weights)))
    loaded = load_line_model(path)
    assert loaded.context.shape == (len(CONTEXT_FEATURES) + len(SHAPE_FEATURES),)
    assert np.allclose(loaded.scores(GRID, tokens, evidence), raised, atol=1e-5)


@pytest.mark.parametrize(("line", "label"), [
    ("- Französisch: [1] loterie → fr f", "französisch"),
    ("Syntynyt: 12. toukokuuta 1950 Helsingissä", "syntynyt"),
    ("|+ Aikuisia enintään: 2. Lapsia enintään: 1|", "aikuisia enintään"),
    ("Date published: 2020-07-06", "date published"),
    ("• Дата рождения: 1 мая 1950", "дата рождения"),
    # No label: a time, a word with a colon inside, a sentence, nothing after the colon.
    ("Kickoff 12:30 at the old stadium", ""),
    ("klovnit tv:ssä toisilleen hurraavat", ""),
    ("Der Stadtrat hat am Dienstag Folgendes beschlossen: mehr Geld", ""),
    ("Synonyme:", ""),
    ("2019: a year in pictures", ""),
])
def test_line_label_is_a_short_opening_before_a_colon(line: str, label: str) -> None:
    assert line_label(line) == label
