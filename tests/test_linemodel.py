"""Tests for cleaners/linemodel.py: the learned line model, alone and in the line pass."""

# Real multilingual page text: the typographic marks are what is being tested.

from __future__ import annotations

import importlib.util
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.boilerplate import BoilerplateConfig, load_lexicon, strip_boilerplate
from cleaners.boilerplate.lexicon import _core, _tokens
from cleaners.boilerplate.rules import _facts
from cleaners.linemodel import (
    CONTEXT_FEATURES,
    FEATURES,
    NGRAM_BUCKETS,
    PLAIN_PYTHON_LINES,
    _line_rows,
    context_rows,
    line_features,
    line_kinds,
    load_line_model,
)

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
MODEL = load_line_model()
LEXICON = load_lexicon(BoilerplateConfig())
# The line pass of a language the lexicon has no file for: only the model and the
# language-neutral rules know its boilerplate.
NEUTRAL = load_lexicon(BoilerplateConfig(languages=("common",)))


def scores(lines: list[str]) -> np.ndarray:
    return MODEL.scores(lines, [_tokens(_core(line)) for line in lines])


# Each page: menu or chrome lines (boilerplate) around paragraphs (content), in
# languages the model was not trained on (it saw en, de, es, fi and the French seeds).
PAGES = [
    pytest.param(
        ["Hem", "Nyheter", "Sport", "Kultur", "Ekonomi", "Kontakta oss",
         "Ditt användarkonto",
         "Regeringen presenterade på tisdagen en ny budget som ska stärka vården i hela landet.",
         "Förslaget möttes av kritik från oppositionen, som menar att pengarna inte räcker.",
         "Dela", "Skriv ut", "Logga in", "Prenumerera", "Om oss", "Annonsera"],
        id="sv-news",
    ),
    pytest.param(
        ["Strona główna", "Wiadomości", "Sport", "Pogoda", "Kontakt", "Zaloguj się",
         "Rada miasta zatwierdziła we wtorek plan budowy nowej linii tramwajowej do centrum.",
         "Prace mają rozpocząć się jesienią i potrwać około dwóch lat, podał urząd.",
         "Polityka prywatności", "Regulamin", "Mapa strony", "Reklama", "Kariera"],
        id="pl-news",
    ),
    pytest.param(
        ["Accueil", "Actualités", "Sacs de sport et de voyage", "Bons Plans Weekend",
         "Hors ligne", "Mon compte", "Panier",
         "La municipalité a inauguré samedi une nouvelle médiathèque dans le quartier nord.",
         "Le bâtiment accueillera aussi des ateliers pour les enfants le mercredi après-midi.",
         "Mentions légales", "Plan du site", "Nous contacter", "Recrutement", "Presse"],
        id="fr-shop",
    ),
]


@pytest.mark.parametrize("lines", PAGES)
def test_paragraphs_score_below_the_chrome_around_them(lines: list[str]) -> None:
    found = scores(lines)
    body = [k for k, line in enumerate(lines) if line.endswith(".")]
    chrome = [k for k in range(len(lines)) if k not in body]
    assert found[body].max() < MODEL.threshold
    assert found[body].max() < np.median(found[chrome])


@pytest.mark.parametrize("lines", PAGES)
def test_unseen_language_keeps_its_paragraphs(lines: list[str]) -> None:
    result = strip_boilerplate(lines, NEUTRAL)
    kept = [line.text for line in result.kept]
    assert all(line in kept for line in lines if line.endswith("."))


# Known limit: on a page this short the model ranks the chrome above the paragraphs
# (above) but is not sure enough of most lines (scores 0.5-0.85) to reach the threshold
# chosen for content kept on held-out languages: the Swedish and French pages lose
# fewer than half their chrome lines; the Polish one (since the model without trigrams)
# loses more than half.
SHORT_PAGE_LIMIT = pytest.mark.xfail(strict=True,
                                     reason="short page: chrome scores below the threshold")


@pytest.mark.parametrize("lines", [
    pytest.param(*page.values, id=page.id,
                 marks=() if page.id == "pl-news" else SHORT_PAGE_LIMIT)
    for page in PAGES
])
def test_unseen_language_keeps_its_paragraphs_and_loses_chrome(lines: list[str]) -> None:
    result = strip_boilerplate(lines, NEUTRAL)
    kept = [line.text for line in result.kept]
    assert all(line in kept for line in lines if line.endswith("."))
    assert len(result.removed) >= (len(lines) - 2) // 2


def test_model_removals_carry_reason_and_score() -> None:
    lines = PAGES[0].values[0]
    config = BoilerplateConfig(languages=("common",), line_model_threshold=0.7)
    removed = [r for r in strip_boilerplate(lines, load_lexicon(config)).removed
               if r.reason == "line_model"]
    assert removed
    for removal in removed:
        assert re.fullmatch(r"line_model:(0\.\d\d|1\.00)", removal.rule)
        assert float(removal.rule.split(":")[1]) >= 0.7 - 0.005


@pytest.mark.parametrize("config", [
    BoilerplateConfig(languages=("common",), line_model=False, line_model_threshold=0.7),
    BoilerplateConfig(languages=("common",), disabled_rules=frozenset({"line_model"}),
                      line_model_threshold=0.7),
    BoilerplateConfig(languages=("common",), disabled_reasons=frozenset({"line_model"}),
                      line_model_threshold=0.7),
])
def test_the_model_can_be_turned_off(config: BoilerplateConfig) -> None:
    result = strip_boilerplate(PAGES[0].values[0], load_lexicon(config))
    assert not [r for r in result.removed if r.reason == "line_model"]


def test_lexicon_rules_win_over_the_model() -> None:
    lines = ["We use cookies to give you the best experience on our website.",
             "Accept all", *PAGES[0].values[0]]
    reasons = {r.text: r.reason for r in strip_boilerplate(lines, LEXICON).removed}
    assert reasons[lines[0]] == "cookie_banner"


def test_a_clean_article_passes_through() -> None:
    article = [
        "Der Stadtrat hat am Dienstag beschlossen, das Programm um drei Jahre zu verlängern.",
        "Die Kosten trägt zu gleichen Teilen das Land, wie der Bürgermeister mitteilte.",
        "Kritiker bemängeln, dass die Wirkung des Programms bisher nicht untersucht wurde.",
    ]
    assert [line.text for line in strip_boilerplate(article, NEUTRAL).kept] == article


def test_scores_are_deterministic_and_the_file_reloads_the_same() -> None:
    lines = PAGES[1].values[0]
    again = load_line_model()
    assert np.array_equal(scores(lines), scores(lines))
    assert np.array_equal(MODEL.dense, again.dense)
    assert np.array_equal(MODEL.ngrams, again.ngrams)
    assert MODEL.threshold == again.threshold and MODEL.source == again.source


def test_shipped_model_is_small_and_names_its_data() -> None:
    path = ROOT / "cleaners" / "models" / "line_model.npz"
    assert path.stat().st_size < 1_000_000
    assert "boiler_lines train split" in MODEL.source
    assert MODEL.dense.shape == (len(FEATURES),)
    # Trained without trigrams (they added nothing on held-out languages); a file with
    # them still loads.
    assert MODEL.ngrams.shape in ((NGRAM_BUCKETS,), (0,))
    assert 0.0 < MODEL.threshold <= 1.0


def test_a_model_file_for_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    np.savez(path, features=np.array(["length"]), dense=np.zeros(1), ngrams=np.zeros(3),
             bias=np.float32(0), threshold=np.float32(0.9), source=np.array("test"))
    with pytest.raises(ValueError, match="does not match"):
        load_line_model(path)


def training_script() -> ModuleType:
    # bench/ is scripts, not a package: its folder goes on the path, as when run.
    sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module("train_line_model")


@pytest.mark.skipif(not (EVAL / "score.py").exists(), reason="no evaluation data")
def test_training_script_rebuilds_the_shipped_weights() -> None:
    # The threshold search takes minutes; the weights are refitted here with the shipped
    # threshold, which `bench/train_line_model.py --check` verifies in full.
    training = training_script()
    rebuilt = training.fit(training.training_docs(training.LANGUAGES))
    assert np.allclose(rebuilt.dense.astype(np.float32), MODEL.dense, atol=1e-4)
    assert np.allclose(rebuilt.ngrams.astype(np.float32), MODEL.ngrams, atol=1e-4)
    assert abs(rebuilt.bias - MODEL.bias) < 1e-3


LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
               min_size=1, max_size=80).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=30))
def test_scores_are_probabilities_one_per_line(lines: list[str]) -> None:
    features = line_features(lines, [_tokens(_core(line)) for line in lines])
    assert features.shape == (len(lines), len(FEATURES))
    assert np.isfinite(features).all()
    found = scores(lines)
    assert found.shape == (len(lines),)
    assert ((found >= 0) & (found <= 1)).all()


# Lines whose features are easy to get wrong twice: dashes at a line's edge, bullets,
# letters whose lowercase is longer ("İ"), closing quotes after the final mark, digits.
EDGE_LINES = st.lists(st.sampled_from([
    "- Home", "–", "a - b - c", "Kontakt –", "• Startseite", "İstanbul haberleri",  # noqa: RUF001
    "»Das ist alles.«", "(c) 2024 Firma", "http://example.org/a/b", "mail@example.org",
    "Seite 1 | 2 | 3", "Was ist das?", "Kategorien:", "Erä, toinen;", "1999", "ALLE NEWS",
    "Er sagte. Dann ging er. Und kam nicht wieder zurück an diesem Abend.",
    "Die Regierung hat am Dienstag einen neuen Haushalt vorgelegt, der mehr Geld vorsieht.",
]), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.one_of(EDGE_LINES, st.lists(LINE, min_size=1, max_size=30)))
def test_plain_python_features_equal_numpys(lines: list[str]) -> None:
    tokens = [_tokens(_core(line)) for line in lines]
    # Equal to the last bits: math.log1p and numpy's may round the last bit apart.
    assert np.allclose(np.array(_line_rows(lines, tokens), dtype=np.float64),
                       line_features(lines, tokens), rtol=1e-12, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.one_of(EDGE_LINES, st.lists(LINE, min_size=1, max_size=30)), st.data())
def test_rows_of_some_lines_are_those_rows_of_all(lines: list[str], data: st.DataObject) -> None:
    # The line pass scores only the lines the rules left; their features must not
    # depend on which other lines are scored.
    tokens = [_tokens(_core(line)) for line in lines]
    wanted = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    every = _line_rows(lines, tokens)
    assert _line_rows(lines, tokens, wanted) == [row for row, w in zip(every, wanted,
                                                                        strict=True) if w]


@settings(max_examples=150, deadline=None)
@given(st.one_of(EDGE_LINES, st.lists(LINE, min_size=1, max_size=40)), st.data())
def test_numpys_rows_of_some_lines_are_those_rows_of_all_to_the_bit(
        lines: list[str], data: st.DataObject) -> None:
    # Given the scored lines, numpy reads only their characters: their rows, and so
    # their products with the weights, must be the whole matrix's to the last bit (a
    # dash opening the first scored line, a document whose "İ" is in an unscored line).
    tokens = [_tokens(_core(line)) for line in lines]
    wanted = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    mask = np.array(wanted, dtype=bool)
    whole = line_features(lines, tokens)[mask]
    some = line_features(lines, tokens, wanted)
    assert some.shape == whole.shape and some.flags.c_contiguous
    assert np.array_equal(some, whole)
    assert np.array_equal(some @ MODEL.dense, whole @ MODEL.dense)


@pytest.mark.parametrize("lines", [
    ["- Home", "İstanbul haberleri", "- News", "Kontakt –"],  # noqa: RUF001
    ["Startseite", "- Sport", "Die Regierung hat am Dienstag einen Haushalt vorgelegt."],
    ["İ", "a - b", "İİ"],
    # "ǅ" is titlecase: lowering changes it, str.isupper says no; "İ" lengthens when
    # lowered, so the whole document is asked str.isupper, scored lines or not.
    ["İstanbul", "ǅemal Bijedić, ǅ ǅ"],
])
def test_the_first_scored_line_keeps_its_place_in_the_document(lines: list[str]) -> None:
    # The unscored first line still decides whether the next one opens after a line
    # break (its " - " is a dash) and whether lowering keeps the document's length.
    tokens = [_tokens(_core(line)) for line in lines]
    for first in range(len(lines)):
        wanted = [k >= first for k in range(len(lines))]
        assert np.array_equal(line_features(lines, tokens, wanted),
                              line_features(lines, tokens)[np.array(wanted)])


@settings(max_examples=100, deadline=None)
@given(st.one_of(EDGE_LINES, st.lists(LINE, min_size=1, max_size=40)), st.data())
def test_the_line_pass_kinds_give_the_models_scores(lines: list[str],
                                                     data: st.DataObject) -> None:
    # The line pass hands the model its lines' kinds (short, body) from its own facts:
    # the scores are those the model gets by working them out.
    tokens = [_tokens(_core(line)) for line in lines]
    evidence = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    kinds = line_kinds(lines, tokens)
    plain, listed = MODEL.scores_and_lists(lines, tokens, evidence)
    given_kinds, listed_kinds = MODEL.scores_and_lists(lines, tokens, evidence, kinds=kinds)
    assert np.array_equal(plain, given_kinds) and listed == listed_kinds
    assert _line_rows(lines, tokens, None, kinds) == _line_rows(lines, tokens)


@settings(max_examples=150, deadline=None)
@given(st.one_of(EDGE_LINES, st.lists(LINE, min_size=1, max_size=30)))
def test_the_line_pass_facts_are_the_models_kinds(lines: list[str]) -> None:
    # What lets the line pass hand its facts' kinds to the model under the default
    # config: the same lines are short and the same are body paragraphs.
    config = BoilerplateConfig()
    facts = [_facts(k, line, config) for k, line in enumerate(lines, start=1)]
    assert line_kinds(lines, [f.tokens for f in facts]) == (
        [f.short for f in facts], [f.body for f in facts])


def test_context_rows_read_the_neighbours() -> None:
    # Five lines: a paragraph, then three short lines the first stage is sure of, of
    # which the rules removed the middle one, then a paragraph.
    logits = [-4.0, 3.0, 9.0, 1.0, -4.0]
    short = [False, True, True, True, False]
    evidence = [False, False, True, False, False]
    tokens = [["news"], ["home"], ["home"], ["contact"], ["sport", "news"]]
    rows = dict(context_rows(logits, short, evidence, tokens=tokens))
    named = {k: dict(zip(CONTEXT_FEATURES, row, strict=True)) for k, row in rows.items()}
    third = named[3]
    assert third["logit"] == 1.0 and third["prev_logit"] == 6.0  # capped at 6
    assert third["next_logit"] == -4.0
    assert third["window_logit"] == (3.0 + 6.0 - 4.0) / 3  # lines 1, 2 and 4
    assert third["run_logit"] == (3.0 + 6.0 + 1.0) / 3
    assert third["prev_removed"] == 1.0 and third["window_removed"] == 1 / 3
    assert named[0]["run_logit"] == 0.0 and named[0]["prev_logit"] == 0.0  # no run, edge
    assert named[1]["first_word_recurs"] == math.log1p(1)  # "home" starts line 2 too
    assert named[4]["last_word_recurs"] == math.log1p(1)  # "news" ends line 0 too
    assert named[3]["first_word_recurs"] == 0.0
    assert named[1]["line_recurs"] == math.log1p(1)  # "home" is line 2 too
    assert named[4]["line_recurs"] == 0.0  # "sport news" once, though "news" ends line 0
    assert named[3]["log_run"] == math.log1p(3) and named[0]["log_run"] == 0.0
    assert [k for k, _ in context_rows(logits, short, evidence, [not e for e in evidence],
                                       tokens=tokens)] == [
        0, 1, 3, 4]


@pytest.mark.parametrize(("line", "body"), [
    ("Der Stadtrat hat am Dienstag beschlossen, das Programm zu verlängern.", True),
    ("Kaupunginvaltuusto päätti tiistaina jatkaa ohjelmaa kahdella vuodella eteenpäin.", True),
    ("«El ayuntamiento aprobó el martes el nuevo plan de movilidad urbana.»", True),
    ("Kontakt", False),
    ("Seven words here but no final mark", False),
    ("Four words, then stop.", False),
])
def test_body_paragraphs_are_not_scored_and_count_as_content(line: str, body: bool) -> None:
    # A body paragraph (8+ words ending a sentence) is neither the model's nor the
    # context rules' to remove: the first stage skips it and gives it sure content.
    lines = ["Startseite", line, "Impressum"]
    tokens = [_tokens(_core(text)) for text in lines]
    logits, _, wanted = MODEL.first_stage(lines, tokens, [False, False, False])
    assert wanted[1] is not body
    assert (logits[1] == -6.0) is body
    assert (MODEL.scores(lines, tokens, [False, False, False])[1] < 0.01) or not body


def test_the_second_stage_scores_lines_among_removed_ones_higher() -> None:
    # The same short line scores higher between lines the rules removed than between
    # paragraphs: what the second stage adds.
    if not MODEL.context.size:
        pytest.skip("the shipped model has no second stage")
    para = "Der Stadtrat hat am Dienstag beschlossen, das Programm zu verlängern."
    lines = [para, "Kontakt", "Impressum", "Datenschutz", para, para]
    tokens = [_tokens(_core(line)) for line in lines]
    among_removed = MODEL.scores(lines, tokens, [False, True, False, True, False, False])
    among_kept = MODEL.scores(lines, tokens, [False, False, False, False, False, False])
    assert among_removed[2] > among_kept[2]


def test_long_documents_score_as_short_ones_do() -> None:
    # Past PLAIN_PYTHON_LINES the features come from numpy: a document twice that long,
    # made of one page repeated, scores its first copy as the page alone would but for
    # the features that see the whole document.
    lines = [line for page in PAGES for line in page.values[0]]
    assert len(lines) > PLAIN_PYTHON_LINES
    tokens = [_tokens(_core(line)) for line in lines]
    expected = line_features(lines, tokens) @ MODEL.dense + MODEL.bias
    assert np.allclose(MODEL.logits(lines, tokens), expected)


def test_a_menu_block_goes_as_a_whole() -> None:
    # A run of short lines the model is fairly sure of is removed together, each line
    # with its own score in the rule.
    lines = PAGES[1].values[0]
    config = BoilerplateConfig(languages=("common",), line_model_threshold=1.01,
                               line_model_block_mean=0.5)
    removed = [r for r in strip_boilerplate(lines, load_lexicon(config)).removed
               if r.reason == "line_model"]
    assert len(removed) >= 3
    assert all(re.fullmatch(r"line_model_block:(0\.\d\d|1\.00)", r.rule) for r in removed)
    assert not [r for r in removed if r.text.endswith(".")]


# One- and two-line documents (a kaomoji, a unit, a product code from the encodings dev
# set) have no page around them for the model to judge: it removes nothing there.
@pytest.mark.parametrize("lines", [
    ["┒(⌣˛⌣)┎"],  # noqa: RUF001 (a real kaomoji: the ogonek is part of it)
    ["∆°"],
    ["Zapisz", "Eksport"],
])
def test_the_model_leaves_documents_too_short_to_have_a_page(lines: list[str]) -> None:
    config = BoilerplateConfig(languages=("common",), line_model_threshold=0.0)
    assert [r for r in strip_boilerplate(lines, load_lexicon(config)).removed
            if r.reason == "line_model"] == []


def test_the_short_document_guard_is_the_only_reason_it_stays() -> None:
    # The two-line document above with one more line is long enough: at threshold 0
    # the model removes its lines, so the guard is what spares them, not their scores.
    lines = ["Zapisz", "Eksport", "Import"]
    config = BoilerplateConfig(languages=("common",), line_model_threshold=0.0,
                               line_model_content_below=0.0)
    removed = [r for r in strip_boilerplate(lines, load_lexicon(config)).removed
               if r.reason == "line_model"]
    assert removed


@pytest.mark.parametrize(("paragraph", "titles"), [
    ("El ayuntamiento aprobó el martes el nuevo plan de movilidad urbana para la ciudad.",
     ["Al Rojo Vivo", "Betty en NY", "Boda Real", "Caso Cerrado", "Doña Bárbara",
      "Jugar Con Fuego", "La Reina del Sur", "Marido en Alquiler", "Santa Diabla",
      "Señora Acero", "Selfie Diary", "Mi Familia Perfecta"]),
    ("Kaupunginvaltuusto päätti tiistaina jatkaa ohjelmaa kahdella vuodella eteenpäin.",
     ["Uutiset", "Urheilu", "Kulttuuri", "Sää", "Talous", "Kotimaa", "Ulkomaat",
      "Tiede", "Terveys", "Matkailu", "Autot", "Asuminen"]),
])
def test_a_longer_run_of_short_lines_scores_higher(paragraph: str, titles: list[str]) -> None:
    # A run of a dozen short lines between paragraphs is an index or a menu; two are
    # as likely a subheading and a caption. The run's length is read by both stages.
    means = []
    for count in (2, 4, 12):
        lines = [paragraph, *titles[:count], paragraph]
        tokens = [_tokens(_core(line)) for line in lines]
        scores = MODEL.scores(lines, tokens, [False] * len(lines))
        means.append(float(scores[1:count + 1].mean()))
    assert means[0] < means[1] < means[2]


def line_data_script() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module("make_line_data")


# A page as a plain-text dump sees it (menu, article, footer) and the article a
# reference extractor kept: each dumped line is labelled from that article.
PAGE = """<html><head><title>t</title><style>p {color: red}</style></head><body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/k">Kontakt</a></li></ul></nav>
<h1>Kuntavaalit lähestyvät</h1>
<div class="story"><p>Ehdokkaita on tänä vuonna <b>enemmän</b> kuin koskaan aiemmin.</p>
<p>Äänestys alkaa huhtikuussa, ja ennakkoäänestys viikkoa aiemmin.</p></div>
<script>var x = "Kontakt";</script>
<footer>© 2024 Uutiset Oy | <a href="/p">Tietosuoja</a></footer></body></html>"""
ARTICLE = """<div><p>Ehdokkaita on tänä vuonna enemmän kuin koskaan aiemmin.</p>
<p>Äänestys alkaa huhtikuussa, ja ennakkoäänestys viikkoa aiemmin.</p></div>"""


@pytest.mark.parametrize(("line", "label"), [
    ("Startseite", 0),
    ("Kontakt", 0),
    ("Kuntavaalit lähestyvät", 1),  # the title, given apart from the article
    ("Ehdokkaita on tänä vuonna enemmän kuin koskaan aiemmin.", 1),  # inline tags joined
    ("Äänestys alkaa huhtikuussa, ja ennakkoäänestys viikkoa aiemmin.", 1),
    ("© 2024 Uutiset Oy | Tietosuoja", 0),  # an inline link stays on its line
])
def test_readability_pages_become_labelled_lines(line: str, label: int) -> None:
    script = line_data_script()
    lines, labels = script.labelled(PAGE, ARTICLE, "Kuntavaalit lähestyvät")
    assert dict(zip(lines, labels, strict=True))[line] == label
    # Hidden elements (style, script, head) give no line.
    assert not any("color" in text or "var x" in text for text in lines)


def _context_rows_by_definition(logits: list[float], short: list[bool],
                                evidence: list[bool], wanted: list[bool] | None,
                                tokens: list[list[str]]) -> list[tuple[int, list[float]]]:
    """`context_rows` as defined, every line's run and counts worked out first."""
    count = len(logits)
    capped = [min(max(value, -6.0), 6.0) for value in logits]
    removed = [1.0 if flag else 0.0 for flag in evidence]
    sum_logit = [0.0]
    sum_removed = [0.0]
    for value, flag in zip(capped, removed, strict=True):
        sum_logit.append(sum_logit[-1] + value)
        sum_removed.append(sum_removed[-1] + flag)
    runs = []
    for k in range(count):
        start, end = k, k + 1
        while short[k] and start > 0 and short[start - 1]:
            start -= 1
        while short[k] and end < count and short[end]:
            end += 1
        runs.append((start, end))
    worded = [words for words in tokens if words]
    rows = []
    for k in range(count):
        if wanted is not None and not wanted[k]:
            continue
        words = tokens[k]
        recurs = [math.log1p(sum(1 for other in worded if pick(other) == pick(words)) - 1)
                  if words else 0.0
                  for pick in (lambda w: w[0], lambda w: w[-1], tuple)]
        low, high = max(k - 2, 0), min(k + 3, count)
        others = high - low - 1
        window = (sum_logit[high] - sum_logit[low] - capped[k]) / others if others else 0.0
        window_removed = ((sum_removed[high] - sum_removed[low] - removed[k]) / others
                          if others else 0.0)
        prev = capped[k - 1] if k else 0.0
        after = capped[k + 1] if k + 1 < count else 0.0
        a, b = runs[k]
        rows.append((k, [
            capped[k], prev, after, window,
            max(prev if k else -6.0, after if k + 1 < count else -6.0),
            (sum_logit[b] - sum_logit[a]) / (b - a) if short[k] else 0.0,
            window if short[k] else 0.0,
            removed[k - 1] if k else 0.0, removed[k + 1] if k + 1 < count else 0.0,
            window_removed, (sum_removed[b] - sum_removed[a]) / (b - a) if short[k] else 0.0,
            window_removed if short[k] else 0.0, *recurs,
            math.log1p(b - a) if short[k] else 0.0,
        ]))
    return rows


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-9.0, 9.0), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.one_of(st.none(), st.lists(st.booleans(), min_size=n, max_size=n)),
    st.lists(st.lists(st.sampled_from(["home", "news", "0", "a", "é"]), max_size=3),
             min_size=n, max_size=n),
)))
def test_context_rows_are_their_definition(
        case: tuple[list[float], list[bool], list[bool], list[bool] | None, list[list[str]]],
) -> None:
    # Up to 40 lines, all or some of them wanted: the rows found by scanning the lines
    # and those found by tallying them (`_COUNT_BY_SCAN`) are the same, to the bit.
    logits, short, evidence, wanted, tokens = case
    assert context_rows(logits, short, evidence, wanted, tokens=tokens) == (
        _context_rows_by_definition(logits, short, evidence, wanted, tokens))
