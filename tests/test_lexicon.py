"""Tests for the lexicon's index in cleaners/boilerplate/lexicon.py: the unions of its
buckets and the stem gate only ever turn away lines none of their patterns match."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.boilerplate import BoilerplateConfig, load_lexicon
from cleaners.boilerplate.lexicon import _DECORATION, _SEEN_LINES, _core, _tokens
from cleaners.linear import compile_linear

ROOT = Path(__file__).resolve().parents[1]
LEXICON = load_lexicon(BoilerplateConfig())

# Page furniture of several languages, most of it starting with a number or a symbol
# (the largest buckets), and lines that only look like it.
FURNITURE = [
    "12 comments", "1 comment", "3 commentaires", "25 Kommentare", "7 commenti",
    "12 May 2020", "Posted on 12 May 2020", "3 de março de 2021 às 12:00",
    "15 de marzo de 2021", "le 4 juin 2019 à 18h02", "4. Juni 2019, 18:02 Uhr",
    "5 min read", "5 minutes de lecture", "4.5 out of 5 stars", "120 reviews",
    "3 of 4 people found this helpful", "1,234 users online", "No results found for",
    "(PDF, 2 MB)", "(pdf 1,2 Mo)", "(mostrando 1-10 de 50)", "© 2021 Example Ltd.",
    "(c) 2020 Foo", "Foto: Reuters", "Photo: AFP", "| Home | News |", "Menu",
    "Read more", "» Lire la suite", "Weiterlesen …", "Leggi tutto", "Czytaj więcej",
    "Подписаться на рассылку", "Политика конфиденциальности", "Evästeet",
    "We use cookies to improve your experience.", "This site uses cookies.",
    "Nous utilisons des cookies.", "Utilizamos cookies propias y de terceros.",
    "12", "2020", "1.", "3 cats sat on the mat and looked at the 12 dogs outside.",
    "100 years ago, the bridge over the river was built by hand.",
    "(this is an aside in brackets)", "Dodaj komentarze", "Zdjęcie: PAP", "fot. PAP",
]


def _lines() -> list[str]:
    lines = list(FURNITURE)
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines += path.read_text(encoding="utf-8").splitlines()
    sentences = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text("utf-8"))
    lines += [text for key, texts in sentences.items() if key != "_comment" for text in texts]
    return [line for line in lines if line.strip()]


LINES = _lines()


def _unions() -> list[object]:
    found = {id(bucket): bucket for index in (LEXICON.first_exact, LEXICON.any_exact,
                                              LEXICON.any_symbols)
             for bucket in index.values() if bucket.union is not None}
    return list(found.values())


def test_the_largest_buckets_have_unions() -> None:
    # A line starting with a number brings in dozens of patterns: one search, not dozens.
    assert len(LEXICON.first_exact["#"].positions) >= 20
    assert LEXICON.first_exact["#"].union is not None
    assert all((bucket.union is None) == (len(bucket.positions) == 1) for bucket in _unions())


def test_a_union_admits_a_line_exactly_when_one_of_its_patterns_is_found() -> None:
    unions = _unions()
    assert len(unions) > 50
    admitted = 0
    for line in LINES:
        data = _core(line.strip()).encode("utf-8", "surrogatepass")
        for bucket in unions:
            expected = any(LEXICON.rules[p].search_utf8(data) for p in bucket.positions)
            assert bucket.admits(data) == expected, (line, bucket.positions)
            admitted += expected
    assert admitted > 20  # the table does hold furniture the unions must let through


@pytest.mark.parametrize("line", FURNITURE)
def test_matching_through_the_buckets_is_matching_every_candidate(line: str) -> None:
    # The same answer as trying each candidate of the index in turn (no unions).
    core = _core(line.strip())
    tokens = _tokens(core)
    found = LEXICON._match(core, tokens)
    data = core.encode("utf-8")
    candidates = sorted({p for bucket in _candidate_buckets(core, tokens)
                         for p in bucket.positions}
                        | set(LEXICON.gated) | _stem_positions(tokens))
    expected = next((LEXICON.rules[p] for p in candidates
                     if LEXICON.rules[p].search_utf8(data)), None)
    assert found == expected


def _candidate_buckets(core: str, tokens: list[str]) -> list[object]:
    buckets = [LEXICON.any_symbols[s] for s in LEXICON.any_symbols if s in core]
    buckets += [LEXICON.first_exact[key] for key in ("=" + core[:1], *tokens[:1])
                if key in LEXICON.first_exact]
    if tokens and tokens[0][0].isdigit():
        buckets.append(LEXICON.first_exact["#"])
    buckets += [LEXICON.any_exact[word] for word in set(tokens) if word in LEXICON.any_exact]
    first = tokens[0] if tokens else ""
    buckets += [_One(p) for stem, p in LEXICON.first_stems.get(first[:3], ())
                if first.startswith(stem)]
    return buckets


class _One:
    def __init__(self, position: int) -> None:
        self.positions = (position,)


def _stem_positions(tokens: list[str]) -> set[int]:
    return {p for pairs in LEXICON.any_stems.values() for stem, p in pairs
            if any(token.startswith(stem) for token in tokens)}


STEMS = sorted({stem for pairs in LEXICON.any_stems.values() for stem, _ in pairs})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(STEMS),
    st.builds(str.__add__, st.sampled_from(STEMS), st.text("abcdeéąя", max_size=4)),
    st.builds(str.__add__, st.text("abcdeéąя", min_size=1, max_size=4), st.sampled_from(STEMS)),
    st.text("abcdefghijklmnopqrstuvwxyzéąяж0123456789_", min_size=1, max_size=8),
), max_size=8))
def test_the_stem_gate_lets_through_every_line_holding_a_stem(tokens: list[str]) -> None:
    assert LEXICON.stem_gate is not None
    spaced = " " + " ".join(tokens)
    assert (LEXICON.stem_gate.search(spaced) is not None) == bool(_stem_positions(tokens))


def test_a_pattern_keeps_its_memory_budget_through_pickling() -> None:
    # Worker processes receive toolkits pickled: a union must keep its larger budget.
    pattern = compile_linear("^(?:a|b)", memory=64 << 20)
    copy = pickle.loads(pickle.dumps(pattern))
    assert copy.search("b") and not copy.search("c")
    assert pickle.dumps(copy) == pickle.dumps(pattern)
    assert pickle.dumps(compile_linear("^(?:a|b)")) != pickle.dumps(pattern)


def test_a_lexicon_remembers_only_its_own_answers() -> None:
    # Each config's lexicon keeps its own: "Menu" is boilerplate to one, not the other.
    plain = load_lexicon(BoilerplateConfig(languages=()))
    extra = load_lexicon(BoilerplateConfig(languages=(),
                                           extra_patterns=(("^menu$", "navigation"),)))
    for _ in range(2):  # asked again, the answers it kept
        assert plain.match("Menu") is None
        found = extra.match("Menu")
        assert found is not None and found.rule == "extra:1"
    assert "Menu" in plain.seen and "Menu" in extra.seen


def test_long_lines_are_not_kept_and_the_kept_lines_are_bounded() -> None:
    lexicon = load_lexicon(BoilerplateConfig(languages=("en",)))
    long_line = "We use cookies " + "and more words " * 10
    assert lexicon.match(long_line) == LEXICON.match(long_line)
    assert lexicon.seen == {}
    for n in range(_SEEN_LINES + 5):
        lexicon.match(f"{n} comments")
    assert 0 < len(lexicon.seen) <= _SEEN_LINES
    found = lexicon.match("12 comments")
    assert found is not None and found == lexicon._search("12 comments", ["12", "comments"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(alphabet=st.sampled_from("ab `'’‘ʼ´»«.,:-—\u00a0"), max_size=30),  # noqa: RUF001
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(["» Read `more`", "l’été — Lire la suite", "Don`t miss",  # noqa: RUF001
                     "ʼOkina", "It´s free", "Compartir:", "«Читать далее»"]),  # noqa: RUF001
))
def test_a_core_is_the_line_stripped_of_decoration_with_one_apostrophe(text: str) -> None:
    # The definition: the decoration stripped, every apostrophe mark made "'".
    expected = text.strip(_DECORATION)
    for mark in "’‘ʼ`´":  # noqa: RUF001
        expected = expected.replace(mark, "'")
    assert _core(text) == expected


# --- the sweep: one search for the gated, stem and symbol patterns ----------------------

UNSWEPT = replace(LEXICON, sweep=None)
_STEM_POSITIONS = {p for pairs in LEXICON.any_stems.values() for _, p in pairs}
_SYMBOL_POSITIONS = {p for bucket in LEXICON.any_symbols.values() for p in bucket.positions}
# Lines whose answer is a gated, a stem or a symbol pattern found past the first word.
SWEPT_LINES = ["Mostrando 1-10 de 50 resultados", "$25 free shipping", "¿Ya tienes una cuenta?",
               "Подписаться на рассылку", "Text und Bilder © Reuters 2021", "(PDF, 2 MB)"]


def test_the_sweep_holds_the_gated_stem_and_symbol_patterns() -> None:
    assert LEXICON.sweep is not None and LEXICON.sweep.union is not None
    assert set(LEXICON.sweep.positions) == (set(LEXICON.gated) | _STEM_POSITIONS
                                            | _SYMBOL_POSITIONS)


@pytest.mark.parametrize("line", [*LINES, *SWEPT_LINES])
def test_the_sweep_admits_a_line_exactly_when_one_of_its_patterns_is_found(line: str) -> None:
    assert LEXICON.sweep is not None
    data = _core(line.strip()).encode("utf-8", "surrogatepass")
    assert LEXICON.sweep.admits(data) == any(
        LEXICON.rules[p].search_utf8(data) for p in LEXICON.sweep.positions)


@pytest.mark.parametrize("line", [*LINES, *SWEPT_LINES])
def test_a_line_the_sweep_turns_away_gets_the_answer_of_the_whole_index(line: str) -> None:
    core = _core(line.strip())
    tokens = _tokens(core)
    assert LEXICON._search(core, tokens) == UNSWEPT._search(core, tokens)


def test_the_swept_lines_are_answered_by_each_kind_of_swept_pattern() -> None:
    # What makes the test above able to fail: without the sweep's admission, each of
    # these lines would lose its answer, and each kind of pattern answers one.
    kinds = set()
    for line in SWEPT_LINES:
        core = _core(line)
        found = LEXICON._search(core, _tokens(core))
        assert found is not None, line
        position = LEXICON.rules.index(found)
        kinds |= {kind for kind, positions in (("gated", set(LEXICON.gated)),
                                               ("stem", _STEM_POSITIONS),
                                               ("symbol", _SYMBOL_POSITIONS))
                  if position in positions}
    assert kinds == {"gated", "stem", "symbol"}


@pytest.mark.parametrize("line", [*LINES, *SWEPT_LINES, "Printable version", "Edit"])
def test_a_decision_is_the_first_rules_or_else_the_ui_strings(line: str) -> None:
    # Kept for short lines (asked twice, the second answer is the kept one) and not for
    # long ones; the same either way.
    fresh = replace(LEXICON)
    core = _core(line.strip())
    tokens = _tokens(core)
    rule = UNSWEPT._search(core, tokens)
    expected = (rule.reason, rule.rule) if rule is not None else LEXICON.ui.match_words(tokens)
    assert fresh.decide(core, tokens) == expected
    assert fresh.decide(core, tokens) == expected
    assert fresh._match(core, tokens) == rule
    assert (core in fresh.seen) == (len(core) <= 80)
