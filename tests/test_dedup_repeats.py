"""Dedup never takes content from the document a paragraph first appears in (issue 16,
finding 14a): a step repeated inside one document stays in its text by default, and
`[dedup] drop_repeats_within_document` flags it; copies in other documents are flagged
either way, as copies of the first occurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows import decide as decide_module
from flows import storage
from flows.batch import clean_files
from flows.finalize import finalize_batch
from flows.inputs import discover
from flows.settings import load_settings

STEP_FR = ("Remuez la pâte avec une cuillère en bois pendant deux minutes, jusqu'à ce "
           "qu'elle se détache des bords du saladier.")
STEP_DE = ("Den Teig mit einem Holzlöffel zwei Minuten lang rühren, bis er sich vom Rand "
           "der Schüssel löst und glänzt.")
RECIPE_FR = "\n\n".join([
    "Versez la farine, le sucre et une pincée de sel dans un grand saladier, puis creusez "
    "un puits au centre.",
    STEP_FR,
    "Ajoutez les œufs un à un et le lait tiède, petit à petit, sans cesser de mélanger la "
    "préparation.",
    STEP_FR,
    "Laissez reposer la pâte une heure au frais, couverte d'un torchon propre, avant de la "
    "cuire.",
    STEP_FR,
])
RECIPE_DE = "\n\n".join([
    "Mehl, Zucker und eine Prise Salz in eine große Schüssel geben und in der Mitte eine "
    "Mulde formen.",
    STEP_DE,
    "Die Eier einzeln und die lauwarme Milch nach und nach unterrühren, ohne das Rühren "
    "zu unterbrechen.",
    STEP_DE,
])
# A later document (by source order) quoting the French step once.
QUOTE_FR = "\n\n".join([
    "Dans notre rubrique cuisine, une lectrice nous écrit pour demander conseil sur la pâte "
    "à crêpes de sa grand-mère.",
    STEP_FR,
])


def _run(tmp_path: Path, drop: bool) -> dict[str, str]:
    source = tmp_path / "in"
    source.mkdir()
    for name, text in (("a-recette.txt", RECIPE_FR), ("b-rezept.txt", RECIPE_DE),
                       ("c-courrier.txt", QUOTE_FR)):
        (source / name).write_text(text + "\n", encoding="utf-8")
    files, _ = discover(source)
    settings = load_settings(None)
    settings = replace(settings, dedup=replace(settings.dedup,
                                               drop_repeats_within_document=drop))
    stage, version = tmp_path / "stage", tmp_path / "version"
    clean_files(0, files, str(stage), settings, "run")
    decide_module.decide(str(stage), 1, settings, True, None, str(version))
    finalize_batch(0, str(stage), str(version), "run", datetime.now(UTC))
    return {d["source"]: d["text"] for d in storage.read_rows(version / "documents")}


@pytest.mark.parametrize(("drop", "fr_steps", "de_steps"), [(False, 3, 2), (True, 1, 1)])
def test_repeats_inside_a_document_are_kept_unless_asked(tmp_path: Path, drop: bool,
                                                        fr_steps: int, de_steps: int) -> None:
    texts = _run(tmp_path, drop)
    assert texts["a-recette.txt"].split("\n").count(STEP_FR) == fr_steps
    assert texts["b-rezept.txt"].split("\n").count(STEP_DE) == de_steps
    # The copy in another document is a duplicate of the first occurrence either way.
    assert STEP_FR not in texts["c-courrier.txt"]
    assert texts["c-courrier.txt"].startswith("Dans notre rubrique cuisine")


def test_the_setting_is_read_from_the_dedup_section(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[dedup]\ndrop_repeats_within_document = true\n", encoding="utf-8")
    assert load_settings(config).dedup.drop_repeats_within_document
    assert not load_settings(None).dedup.drop_repeats_within_document
