"""Tests for the line model's list stage (`cleaners/linemodel.py`, `list_lines`): lines of
five words or more cut to one pattern (a product grid, related titles), decided by their
own weights; lines of at most four words decide exactly as without it."""

# Real multilingual page text: the shapes and marks are what is being tested.

from __future__ import annotations

import importlib
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.boilerplate import BoilerplateConfig, Lexicon, load_lexicon, strip_boilerplate
from cleaners.boilerplate.lexicon import _core, _tokens
from cleaners.linemodel import (
    CONTEXT_FEATURES,
    LIST_MIN_OTHERS,
    LIST_MIN_WORDS,
    SHAPE_FEATURES,
    LineModel,
    line_kinds,
    list_lines,
    load_line_model,
)
from cleaners.linemodel_shapes import line_label, shape_keys

SHIPPED = load_line_model()
#: The shipped model without a list stage: the two stages alone.
PLAIN = replace(SHIPPED, lists=np.zeros(0), lists_threshold=2.0, lists_words=0)
LEXICON = load_lexicon(BoilerplateConfig())


def listing(threshold: float, bias: float = 0.0, words: int = 8) -> LineModel:
    """The shipped model with a list stage of zero weights: every line it decides
    scores sigmoid(`bias`)."""
    return replace(SHIPPED, lists=np.zeros(len(CONTEXT_FEATURES) + len(SHAPE_FEATURES)),
                   lists_bias=bias, lists_threshold=threshold, lists_words=words)


# Each page: (its lines, the indices `list_lines` picks with at most 8 words).
PAGES = [
    pytest.param(
        ["Inicio", "Ofertas", "Camisetas",
         "El ayuntamiento aprobó el martes el nuevo plan de movilidad urbana para el centro.",
         "- 28% OFF Camiseta Gato Astronauta 25 €",
         "- 10% OFF Camiseta Pulpo Pirata 19 €",
         "- 15% OFF Camiseta Faro Azul 22 €",
         "Envío gratis", "Contacto"],
        [4, 5, 6], id="es-product-grid"),
    pytest.param(
        ["Etusivu", "Uutiset",
         "Kaupunginvaltuusto hyväksyi tiistaina uuden talousarvion pitkän keskustelun jälkeen.",
         "Miten saan kesätyöpaikan kunnan nuorisotoimesta tänä vuonna?",
         "Kuinka paljon sähköauton lataaminen kotona maksaa kuukaudessa?",
         "Mihin aikaan kirjaston uusi lukusali aukeaa arkipäivisin?",
         "Palaute"],
        [3, 4, 5], id="fi-related-questions"),
    pytest.param(
        ["Startseite", "Politik",
         "Der Stadtrat hat am Dienstag beschlossen, das Programm um drei Jahre zu verlängern.",
         "Die Kosten trägt zu gleichen Teilen das Land, wie der Bürgermeister mitteilte.",
         "Kritiker bemängeln, dass die Wirkung des Programms bisher nicht untersucht wurde.",
         "Impressum"],
        [], id="de-article-prose-is-no-list"),
    pytest.param(
        ["Joined: 28 Feb 2011", "Posts: 39", "Joined: 3 Mar 2009", "Posts: 412",
         "Joined: 17 Jan 2015", "Posts: 7",
         "Has anyone tried the new firmware on the older boards yet?"],
        [], id="en-forum-member-blocks-are-short"),
    pytest.param(
        ["Tłumaczenia", "loteria (język polski)",
         "- angielski: (1.1) lottery, raffle → en",
         "- francuski: (1.1) loterie, tombola → fr",
         "- niemiecki: (1.1) Lotterie, Tombola → de",
         "- włoski: (1.1) lotteria, riffa → it"],
        [], id="pl-dictionary-fields-each-their-own-label"),
    pytest.param(
        ["Recetas", "Postres",
         "Calorías: 220 • Carbohidratos: 61 g • Grasa: 4 g",
         "Calorías: 65 • Carbohidratos: 4 g • Grasa: 6 g",
         "Calorías: 310 • Carbohidratos: 12 g • Grasa: 9 g",
         "Suscríbete"],
        [2, 3, 4], id="es-recipe-cards-repeat-their-caption"),
    pytest.param(
        ["Главная", "Новости",
         "Городской совет утвердил во вторник новый план развития общественного транспорта.",
         "Понедельник, 12 марта 2024 года в 18:00",
         "Вторник, 13 марта 2024 года в 19:30"],
        [], id="ru-two-alike-are-no-list"),
]


@pytest.mark.parametrize(("lines", "picked"), PAGES)
def test_list_lines_are_long_lines_sharing_their_shape_with_two_others(
        lines: list[str], picked: list[int]) -> None:
    tokens = [_tokens(_core(line)) for line in lines]
    _, body = line_kinds(lines, tokens)
    chosen = list_lines(lines, tokens, [not flag for flag in body], 8)
    assert [k for k, flag in enumerate(chosen) if flag] == picked
    for k in picked:
        assert LIST_MIN_WORDS <= len(tokens[k]) <= 8


def test_the_list_stage_removes_its_lines_with_reason_and_score() -> None:
    lines = PAGES[0].values[0]
    lexicon = replace(LEXICON, line_model=listing(0.5, bias=2.0))
    removed = {r.text: r for r in strip_boilerplate(lines, lexicon).removed}
    for k in (4, 5, 6):
        assert removed[lines[k]].reason == "line_model"
        assert removed[lines[k]].rule == "line_model_list:0.88"  # sigmoid(2)
    # Above its score, its threshold removes nothing.
    quiet = replace(LEXICON, line_model=listing(0.9, bias=2.0))
    assert not [r for r in strip_boilerplate(lines, quiet).removed
                if r.rule.startswith("line_model_list")]


def test_lexicon_rules_win_over_the_list_stage() -> None:
    # Three cookie banners of one shape: the lexicon removes them first, with its reason.
    banner = "We use cookies to give you the best experience on our website."
    lines = ["Home", banner, banner.replace("best", "finest"), banner.replace("our", "this"),
             *PAGES[0].values[0]]
    lexicon = replace(LEXICON, line_model=listing(0.0, bias=5.0, words=16))
    reasons = {r.text: r.reason for r in strip_boilerplate(lines, lexicon).removed}
    assert reasons[banner] == "cookie_banner"


def decisions(lines: list[str], model: LineModel) -> list[tuple[str, str, str]]:
    result = strip_boilerplate(lines, replace(LEXICON, line_model=model))
    return sorted({(r.text, r.reason, r.rule) for r in result.removed})


@pytest.mark.parametrize("lines", [param.values[0] for param in PAGES])
def test_lines_of_at_most_four_words_decide_as_without_the_list_stage(lines: list[str]) -> None:
    # Even a list stage that removes every line it decides changes no short line.
    for model in (SHIPPED, listing(0.0, bias=5.0)):
        short = [(text, reason, rule) for text, reason, rule in decisions(lines, model)
                 if len(_tokens(_core(text))) <= 4]
        plain = [(text, reason, rule) for text, reason, rule in decisions(lines, PLAIN)
                 if len(_tokens(_core(text))) <= 4]
        assert short == plain


WORD = st.sampled_from(["Inicio", "Kontakt", "Uutiset", "- 28%", "OFF", "Camiseta", "€",
                        "Päivitetty", "12.3.2021", "Главная", "der", "und", "de", "la", "|",
                        "Joined:", "Posts:", "39", "Ana", "Pérez", "mitteilte."])
LINE = st.lists(WORD, min_size=1, max_size=10).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=25))
def test_short_lines_keep_their_decisions_whatever_the_list_stage(lines: list[str]) -> None:
    eager = listing(0.0, bias=5.0)
    before = strip_boilerplate(lines, replace(LEXICON, line_model=PLAIN))
    after = strip_boilerplate(lines, replace(LEXICON, line_model=eager))
    removed_before = {(r.line, r.reason, r.rule) for r in before.removed}
    for removal in after.removed:
        if len(_tokens(_core(removal.text))) <= 4:
            assert (removal.line, removal.reason, removal.rule) in removed_before
        elif (removal.line, removal.reason, removal.rule) not in removed_before:
            assert removal.rule == "line_model_list:0.99"
    kept_after = {line.number for line in after.kept}
    for removal in before.removed:
        assert removal.line not in kept_after  # the list stage only adds removals


def by_definition(lines: list[str], tokens: list[list[str]], wanted: list[bool],
                  most_words: int) -> list[bool]:
    """`list_lines` as its docstring says it, every line's shape key counted."""
    keys = shape_keys(lines, [len(words) for words in tokens])
    labels = [line_label(line) for line in lines]
    return [flag and LIST_MIN_WORDS <= len(words) <= most_words
            and keys.count(key) > LIST_MIN_OTHERS and not (label and labels.count(label) == 1)
            for flag, words, key, label in zip(wanted, tokens, keys, labels, strict=True)]


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=25), st.data(), st.sampled_from([5, 8, 12]))
def test_list_lines_count_the_keys_of_the_lines_that_can_share_them(
        lines: list[str], data: st.DataObject, most_words: int) -> None:
    # Only lines in the word-count bin of a line that may be taken are keyed (a key
    # holds its bin): what is taken is what counting every line's key takes.
    tokens = [_tokens(_core(line)) for line in lines]
    wanted = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    assert list_lines(lines, tokens, wanted, most_words) == by_definition(
        lines, tokens, wanted, most_words)


def test_a_model_file_keeps_its_list_stage(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    training = importlib.import_module("train_line_model")
    weights = np.linspace(-1.0, 1.0, len(CONTEXT_FEATURES) + len(SHAPE_FEATURES))
    model = replace(listing(0.6, bias=0.3, words=7), lists=weights)
    path = tmp_path / "model.npz"
    path.write_bytes(training.to_bytes(model))
    loaded = load_line_model(path)
    assert loaded.lists_words == 7 and loaded.lists_threshold == pytest.approx(0.6)
    lines = PAGES[0].values[0]
    tokens = [_tokens(_core(line)) for line in lines]
    evidence = [False] * len(lines)
    found = loaded.scores_and_lists(lines, tokens, evidence)[1]
    expected = model.scores_and_lists(lines, tokens, evidence)[1]
    assert sorted(found) == [4, 5, 6]
    assert all(found[k] == pytest.approx(expected[k], abs=1e-5) for k in found)
    # Scores of every line are the two stages', with or without the list stage.
    assert np.allclose(loaded.scores(lines, tokens, evidence),
                       PLAIN.scores(lines, tokens, evidence), atol=1e-5)


@pytest.mark.parametrize(("lines", "picked"), [
    pytest.param(
        ["Kaupunginvaltuusto hyväksyi tiistaina uuden talousarvion pitkän keskustelun jälkeen.",
         "- Kappale yksi: Kesäyö Helsingissä 3:45",
         "- Kappale kaksi: Talvi Lapissa 4:10",
         "- Kappale kolme: Syksy Turussa 2:58",
         "Levy julkaistaan ensi perjantaina kaikissa suurimmissa palveluissa ja kaupoissa.",
         "- Lue myös: Uusi museo avautuu keväällä",
         "- Lue myös: Kirjasto laajentaa iltojen aukioloaikoja",
         "- Lue myös: Raitiotie valmistuu ensi vuonna"],
        [5, 6, 7], id="fi-tracklist-among-paragraphs-is-not-edge"),
    pytest.param(PAGES[0].values[0], [4, 5, 6], id="es-grid-after-the-body"),
])
def test_the_edge_list_stage_leaves_lists_among_paragraphs(
        lines: list[str], picked: list[int]) -> None:
    tokens = [_tokens(_core(line)) for line in lines]
    _, body = line_kinds(lines, tokens)
    evidence = [False] * len(lines)
    wanted = [not flag for flag in body]
    assert [k for k, flag in enumerate(list_lines(lines, tokens, wanted, 8, evidence))
            if flag] == picked
    # The model file's flag turns the gate on.
    found = replace(listing(0.5, bias=2.0), lists_edge=True).scores_and_lists(
        lines, tokens, evidence)[1]
    assert sorted(found) == picked


def test_the_shipped_file_has_a_list_stage_that_spares_a_records_fields() -> None:
    # A dictionary entry's translations: one shape, each line its own label (the page's
    # data); the same page with the label repeated is a template the stage may decide.
    assert SHIPPED.lists.size and SHIPPED.lists_words >= LIST_MIN_WORDS
    lines = ["Tłumaczenia", "loteria (język polski)",
             "- angielski: (1.1) lottery, raffle → en",
             "- francuski: (1.1) loterie, tombola → fr",
             "- niemiecki: (1.1) Lotterie, Tombola → de",
             "- włoski: (1.1) lotteria, riffa → it"]
    eager = replace(LEXICON, line_model=listing(0.0, bias=5.0))
    kept = {line.text for line in strip_boilerplate(lines, eager).kept}
    assert set(lines[2:]) <= kept
    repeated = [line.replace(line.split(":")[0], "- tłumaczenie") for line in lines[2:]]
    removed = {r.text for r in strip_boilerplate(lines[:2] + repeated, eager).removed
               if r.rule.startswith("line_model_list")}
    assert removed == set(repeated)


# A recipe page as trafilatura extracts it: its nutrition table is part of the main text,
# and a grid of related recipes under it is the site's.
RECIPE = [
    "Linsensuppe mit Möhren und Ingwer",
    "Die Suppe ist in einer halben Stunde fertig und lässt sich gut einfrieren.",
    "Nährwerte pro Portion",
    "| Energie | 412 kcal | 21 % des Tagesbedarfs |",
    "| Eiweiß | 24 g | 48 % des Tagesbedarfs |",
    "| Kohlenhydrate | 52 g | 35 % des Tagesbedarfs |",
    "| Ballaststoffe | 11,6 g | 39 % des Tagesbedarfs |",
    "Die Linsen vorher kurz abspülen, dann mit der Brühe aufkochen und köcheln lassen.",
    "- Linsen Dal mit Spinat 25 Min.",
    "- Kürbis Curry mit Kokosmilch 40 Min.",
    "- Bohnen Eintopf mit Tomaten 50 Min.",
]
TABLE_ROWS = RECIPE[3:7]


HTML = replace(LEXICON, structural_off=LEXICON.structural_off | {"table_row"})


@pytest.mark.parametrize(("lexicon", "kept_rows"), [
    # As `cleaners.pipeline.Toolkit.html_lexicon`: a table the extractor kept is text.
    pytest.param(HTML, TABLE_ROWS, id="html-tables-kept"),
    # In plain text a |cell|cell| row is page layout: `table_row` removes it first.
    pytest.param(LEXICON, [], id="plain-text"),
])
def test_the_list_stage_leaves_the_rows_of_a_kept_table(
        lexicon: Lexicon, kept_rows: list[str]) -> None:
    tokens = [_tokens(_core(line)) for line in RECIPE]
    _, body = line_kinds(RECIPE, tokens)
    chosen = list_lines(RECIPE, tokens, [not flag for flag in body], 8)
    assert all(chosen[3:7]) and all(chosen[8:])  # both are lists to the stage
    result = strip_boilerplate(RECIPE, replace(lexicon, line_model=listing(0.5, bias=2.0)))
    rules = {r.text: r.rule for r in result.removed}
    assert [line.text for line in result.kept if line.text in TABLE_ROWS] == kept_rows
    assert all(rules[line] == "line_model_list:0.88" for line in RECIPE[8:])
    if lexicon is LEXICON:
        assert all(rules[row] == "table_row" for row in TABLE_ROWS)


def test_the_first_stage_and_context_rules_leave_the_rows_of_a_kept_table() -> None:
    # A threshold every line passes: the model removes every short line it may.
    eager = replace(HTML, config=replace(HTML.config, line_model_threshold=0.0))
    lines = ["Vokabeln: Im Bahnhof", *VOCABULARY, "Teilen", "Drucken", "Merken"]
    result = strip_boilerplate(lines, eager)
    assert [line.text for line in result.kept if line.text in VOCABULARY] == VOCABULARY
    assert {r.text for r in result.removed} >= {"Teilen", "Drucken", "Merken"}


# A Japanese vocabulary table on a German learners' page: short rows a model reads as menu.
VOCABULARY = [
    "| Japanisch | Romaji | Deutsch |",
    "| 駅員 | ekiin | Bahnhofspersonal |",
    "| 警察 | keisatsu | Polizei |",
    "| 呼ぶ | yobu | rufen |",
    "| 防ぐ | fusegu | verhindern |",
]
