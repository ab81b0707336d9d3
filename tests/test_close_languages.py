"""Tests for cleaners.close_languages: the tie-break between close languages."""

# Real sentences in Cyrillic and Latin scripts; letters that look alike are meant.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import json
import statistics
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners.close_languages import (
    load_close_languages,
    parse_ending_table,
    parse_pair_file,
    parse_word_table,
)
from cleaners.language import LANGUAGES, UNDETERMINED, LanguageConfig, LanguageDetector

ROOT = Path(__file__).resolve().parents[1]
UD_SENTENCES = ROOT / "bench" / "data" / "lang_sentences.jsonl"
FLOORS = json.loads((ROOT / "tests" / "quality_floors.json").read_text("utf-8"))["language"]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.fixture(scope="module")
def plain() -> LanguageDetector:
    return LanguageDetector(LanguageConfig(tiebreak=False))


# Sentences written for these tests (news and everyday prose, not from any eval set), in
# pairs the n-gram judge alone confuses on short text.
CLOSE_PAIRS = [
    ("uk", "Я ставлю на голосування поправку народного депутата."),
    ("uk", "Прошу передати слово народному депутату Олександру."),
    ("uk", "Це те, що ви вже напанували."),
    ("ru", "Это не то, что нужно нашей стране, ребята."),
    ("ru", "Кто они?"),
    ("bg", "Сушата и безразборното пилеене на вода са основните причини."),
    ("bg", "Продадоха хотела за единадесет милиона."),
    ("mk", "Учев многу и пак не го положив испитот."),
    ("mk", "Владата ја усвои новата стратегија за развој."),
    ("da", "Vi er ikke vant til den ro, jeg prøver at fortælle om."),
    ("da", "Han havde ikke set hende siden sidste sommer."),
    ("no", "Vil hun være der inne?"),
    ("no", "Hun hadde ikke sett henne siden i fjor."),
    # Norwegian against the languages a short Norwegian line is read as (issue 19,
    # fourth round): this one was Indonesian.  Their own lines keep their names.
    ("no", "Kan du ta med litt melk?"),
    ("id", "Saya mau makan nasi goreng di pasar."),
    ("it", "Ho mangiato una pizza con mia madre."),
    ("tr", "Annem bana bir kitap aldı."),
    ("fi", "Minä menen kauppaan huomenna."),
    ("ca", "La nena va menjar una poma amb la seva mare."),
    ("es", "Mi madre compró pan en la tienda."),
    ("es", "Por suerte, alguien dijo: ¿os habéis dado cuenta de esto?"),
    ("es", "El niño pidió una manzana a su madre."),
    ("pt", "A criança pediu uma maçã à mãe."),
    ("pt", "Ele não sabe se vai ao cinema amanhã."),
    ("cs", "Říkal, že už je příliš pozdě."),
    ("sk", "Povedal, že už je príliš neskoro."),
    ("hr", "Rekao je da će doći sutra ujutro."),
    ("sl", "Rekel je, da bo prišel jutri zjutraj."),
    ("nl", "Ik heb het niet voor hem gedaan."),
    ("af", "Ek het dit nie vir hom gedoen nie."),
    ("ca", "Per què no m'ho vas dir abans?"),
    ("ca", "La meva germana viu a Girona des de fa tres anys."),
    ("es", "¿Por qué no me lo dijiste antes?"),
    ("sk", "Tu už študovali jeho dvaja bratia."),
    ("hr", "Tu su već studirala njegova dva brata."),
    # Short English lines the judge reads as Afrikaans: English marker words (af-en.txt).
    ("en", "how was your weekend?"),
    ("en", "Ladies room open on Sundays"),
    ("en", "Dinner is at eight tonight"),
    ("en", "great, see you at ten"),
    # ... and Afrikaans keeps its name: none of them is an Afrikaans word.
    ("af", "Die kinders speel buite in die tuin."),
    ("af", "Hy het gesê hy sal more terugkom."),
    # Written for these tests (issue 19, fifth round): the Norwegian lines hold a loan or
    # a rarer word ("actionfilmen", "admin") that Bokmål's `small` wordfreq list (which
    # stops at Zipf 3) lacks and its `large` list has. The da-no table used to count them
    # as Danish words, and the detector named the lines Danish. The Danish ones keep
    # their name.
    ("no", "Anmelderen var ikke imponert over den nye actionfilmen."),
    ("no", "Anmelderen skrev at filmen var for lang."),
    ("no", "Hun er admin for gruppen på nettet."),
    ("da", "Han gav et generøst bidrag til skolen."),
    ("da", "Han læste anmeldelsen af den nye actionfilm."),
    ("da", "Analytikerne venter, at renten stiger."),
]


@pytest.mark.parametrize(
    ("language", "text"), CLOSE_PAIRS, ids=[f"{c}-{t[:16]}" for c, t in CLOSE_PAIRS]
)
def test_close_pairs(detector: LanguageDetector, language: str, text: str) -> None:
    assert detector.detect(text).language == language


# Languages without a langdetect profile, named by letters only they write.
NAMED_BY_LETTERS = [
    ("be", "Урад абвясціў аб павышэнні мінімальнай зарплаты з першага студзеня."),
    ("be", "Мы былі ў горадзе ўвесь дзень."),
    ("be", "Гэта быў цікавы дзень для ўсіх нас."),
    ("sr", "Влада је објавила повећање минималне зараде од првог јануара."),
    ("sr", "Ђаци су данас кренули у школу."),
    # Their neighbours keep their own names.
    ("uk", "Уряд оголосив про підвищення мінімальної зарплати з першого січня."),
    ("ru", "Правительство объявило о повышении минимальной зарплаты с первого января."),
    ("mk", "Владата ја објави новата стратегија за развој на туризмот."),
]


@pytest.mark.parametrize(
    ("language", "text"), NAMED_BY_LETTERS, ids=[f"{c}-{t[:16]}" for c, t in NAMED_BY_LETTERS]
)
def test_named_by_letters(detector: LanguageDetector, language: str, text: str) -> None:
    assert detector.detect(text).language == language


def test_letter_rules_off_with_tiebreak(plain: LanguageDetector) -> None:
    assert plain.detect(NAMED_BY_LETTERS[0][1]).language in {"ru", "uk"}
    assert "be" not in plain.languages


@pytest.mark.xfail(
    reason="no marker letter; its one distinctive word, vant, is ten times commoner in Norwegian",
    strict=True,
)
def test_danish_sentence_without_markers(detector: LanguageDetector) -> None:
    assert detector.detect("Vi er ikke vant til den ro, jeg prøver at formidle.").language == "da"


def test_rule_changes_some_answers_the_judge_gets_wrong(plain: LanguageDetector) -> None:
    """The table above is not won by the judge alone: the rule is what decides it."""
    wrong = [text for language, text in CLOSE_PAIRS if plain.detect(text).language != language]
    assert len(wrong) >= 5


@pytest.mark.parametrize(
    ("first", "second", "text", "chosen"),
    [
        ("ru", "uk", "уряд оголосив про підвищення зарплати", "uk"),
        ("uk", "ru", "правительство объявило о повышении", "ru"),
        ("es", "pt", "el niño y la niña", "es"),
        ("es", "pt", "não são irmãos", "pt"),
        ("cs", "sk", "říkal že už", "cs"),
        ("no", "da", "efter mig", "da"),
        ("da", "no", "etter meg", "no"),
        ("en", "ja", "anything at all", None),  # not a listed pair
        # Not neighbours, but listed: a short English line the judge read as French.
        ("fr", "en", "is it still for sale", "en"),
        ("en", "fr", "est-il encore à vendre", "fr"),
        ("nl", "en", "best place in town", "en"),
        ("en", "de", "die Katze ist hier", "de"),
        ("ru", "uk", "мама", None),  # written alike, as common in both
        # No marker letter: the word tables decide (Russian кто, она; Ukrainian хто, вона).
        ("uk", "ru", "кто", "ru"),
        ("ru", "uk", "хто", "uk"),
        ("uk", "ru", "она", "ru"),
        ("ru", "uk", "вона", "uk"),
        ("no", "da", "han havde ikke tid", "da"),
        ("da", "no", "han hadde ikke tid", "no"),
        ("pt", "es", "pero ellos", "es"),
        ("es", "pt", "mas eles", "pt"),
        ("hr", "sl", "tudi jaz", "sl"),
        ("sl", "hr", "također ja", "hr"),
        # One-sided pairs: English words lean English; an Afrikaans or Somali line
        # has no marker, so it leans neither way and the judge's order stands.
        ("af", "en", "how was your weekend", "en"),
        ("so", "en", "see you all next week", "en"),
        ("en", "af", "ek het dit nie vir hom gedoen nie", None),
        ("en", "so", "waxaan jeclahay inaan wax barto", None),
        # Words only the 30,000-word da-no table lists (ranks 10,000-30,000).
        ("da", "no", "røyk", "no"),
        ("no", "da", "spøgelse", "da"),
    ],
)
def test_choose(first: str, second: str, text: str, chosen: str | None) -> None:
    assert load_close_languages().choose(first, second, text) == chosen


# Pairs where only English has marker words (cleaners/close_languages/af-en.txt, en-so.txt).
ONE_SIDED_PAIRS = {("af", "en"), ("en", "so")}


def test_pair_files_name_known_languages_with_markers() -> None:
    close = load_close_languages()
    assert len(close.pairs) >= 10
    for (low, high), pair in close.pairs.items():
        assert low < high
        assert {low, high} <= LANGUAGES
        for code, markers in pair.items():
            has_markers = markers.letters or markers.words or markers.endings or markers.inside
            # af-en, en-so: English alone has marker words (wordfreq has no list for the
            # other, so a table cannot speak for it); the other leans by the judge alone.
            one_sided = (low, high) in ONE_SIDED_PAIRS and code != "en"
            assert has_markers or one_sided or (low, high) in close.words, f"{low}-{high}: {code}"
        # A marker both languages claim would only add noise to both sides.
        assert not pair[low].words & pair[high].words, f"{low}-{high}"
        assert not pair[low].letters & pair[high].letters, f"{low}-{high}"
        assert not set(pair[low].inside) & set(pair[high].inside), f"{low}-{high}"


def test_word_tables_cover_pairs_wordfreq_knows() -> None:
    """Every pair has a word table but those with Afrikaans or Somali (wordfreq has no list).

    A pair file named out of code order (en-de.txt) would be refused when loaded.
    """
    close = load_close_languages()
    assert set(close.pairs) - set(close.words) == {("af", "nl")} | ONE_SIDED_PAIRS
    # da-no reads 30,000 words of each list, the others 10,000 (tools/make_close_words.py).
    # (31,117 words instead of 9,725 from 10,000.)
    assert len(close.words[("da", "no")]) > 25_000
    for key, table in close.words.items():
        assert len(table) > 5_000, key
        # Tenths of a Zipf unit, never under the 0.5 cut, never past the floor's span.
        assert all(5 <= abs(value) <= 60 for value in table.values()), key
        assert all(word == word.lower() for word in table), key


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("# da against no\nhavde\t2.1\nhadde\t-2.4\n", {"havde": 21, "hadde": -24}),
        ("vand\t0.5", {"vand": 5}),
        ("", {}),
    ],
)
def test_parse_word_table(table: str, expected: dict[str, int]) -> None:
    assert parse_word_table(table) == expected


@pytest.mark.parametrize(
    "text",
    [
        "uk letters і\nru letters ы\nbg letters ъ",  # three languages
        "uk letters і\n",  # one language
        "uk vowels і\nru letters ы",  # unknown kind
        "uk letters ії\nru letters ы",  # a letter is one character
    ],
)
def test_bad_pair_file_is_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_pair_file(text)


def test_pair_file_may_leave_one_language_to_its_word_table() -> None:
    pair = parse_pair_file("hr letters ć đ", ("hr", "sl"))
    assert sorted(pair) == ["hr", "sl"]
    assert not pair["sl"].letters and not pair["sl"].words
    with pytest.raises(ValueError):
        parse_pair_file("hr letters ć\nsr letters ђ", ("hr", "sl"))  # not of the pair


# --- invariants ------------------------------------------------------------------------

_SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_WORDS = [word for _, text in CLOSE_PAIRS for word in text.split()]


@settings(_SLOW, max_examples=200)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=25))
def test_rule_only_reorders_the_judges_first_choices(
    detector: LanguageDetector, plain: LanguageDetector, words: list[str]
) -> None:
    """Either the answer is the judge's own, or both answers are close languages."""
    text = " ".join(words)
    ours, theirs = detector.detect(text), plain.detect(text)
    assert ours.language in LANGUAGES | {UNDETERMINED}
    assert 0.0 <= ours.score <= 1.0
    # Once markers decide, the score is the probability of the languages decided among.
    assert ours.score >= theirs.score - 1e-12
    if ours.language != theirs.language and UNDETERMINED not in (ours.language, theirs.language):
        in_pairs = {code for pair in load_close_languages().pairs for code in pair}
        assert {ours.language, theirs.language} <= in_pairs


@settings(_SLOW, max_examples=100)
@given(st.text(max_size=80), st.text(max_size=80))
def test_choose_is_symmetric(first_text: str, second_text: str) -> None:
    """Which language is named first never changes what the markers decide."""
    close = load_close_languages()
    text = f"{first_text} {second_text}"
    for low, high in close.pairs:
        assert close.choose(low, high, text) == close.choose(high, low, text)
        assert close.lean(low, high, text) == -close.lean(high, low, text)


# --- quality gate ----------------------------------------------------------------------


def _per_language(detector: LanguageDetector, split: str) -> dict[str, float]:
    right: dict[str, list[bool]] = {}
    for line in UD_SENTENCES.open(encoding="utf-8"):
        row = json.loads(line)
        if row["split"] == split and row["language"] in detector.languages:
            got = detector.detect(row["text"]).language
            right.setdefault(row["language"], []).append(got == row["language"])
    return {code: statistics.mean(v) for code, v in right.items()}


@pytest.mark.parametrize("split", ["report", "second"])
def test_ud_short_sentences_floor(detector: LanguageDetector, split: str) -> None:
    """UD short sentences (the held-out splits): floors pinned in quality_floors.json.

    Every language with a langdetect profile (29), and Belarusian, which has none and is
    named by its own letters; Galician and Serbian in Latin letters cannot be named.
    `second` is a second held-out sample of the same treebanks (issue 19, third round).
    """
    per = _per_language(detector, split)
    floors = FLOORS[f"ud_{split}"]["per_language"]
    assert len(floors) >= 20
    assert statistics.mean(per[code] for code in floors) >= FLOORS[f"ud_{split}"]["mean"]
    for code, floor in floors.items():
        assert per[code] >= floor, code


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("# da against no\nigt\t1.25\nsjon\t-2.5\n", {"igt": 1.25, "sjon": -2.5}),
        ("", {}),
    ],
)
def test_parse_ending_table(table: str, expected: dict[str, float]) -> None:
    assert parse_ending_table(table) == expected


def test_ending_tables_beside_word_tables() -> None:
    """Every word table has an ending table beside it, but hr-sl (left out on purpose)."""
    close = load_close_languages()
    assert set(close.words) - set(close.endings) == {("hr", "sl")}
    for key, table in close.endings.items():
        assert len(table) > 2_000, key
        assert all(2 <= len(ending) <= 4 for ending in table), key
        assert all(abs(ratio) >= 0.3 for ratio in table.values()), key


@pytest.mark.parametrize(
    ("language", "other", "word", "groups"),
    [
        # Unlisted words whose spelling inside names the standard: Norwegian øy, kj, sj
        # against Danish øj, ej, tion (cleaners/close_languages/da-no.txt).
        ("no", "da", "røykerne", 1),
        ("no", "da", "bagasjeboks", 1),
        ("no", "da", "kjøkkenbenken", 1),
        ("da", "no", "købmandsbutikken", 1),
        ("da", "no", "højskolelærer", 1),
        ("da", "no", "stationsbygning", 1),
        # Neither standard's spelling: no lean from inside.
        ("da", "no", "bioenergi", 0),
    ],
)
def test_unlisted_word_leans_by_its_inside_spelling(
    language: str, other: str, word: str, groups: int
) -> None:
    close = load_close_languages()
    key = (language, other) if language < other else (other, language)
    assert word not in close.words[key]
    pair = close.pairs[key]
    without = {code: dataclasses.replace(markers, inside=()) for code, markers in pair.items()}
    plain = dataclasses.replace(close, pairs={**close.pairs, key: without})
    shift = close.lean(language, other, word) - plain.lean(language, other, word)
    assert shift == 15 * groups
    assert pair[language].spelled_inside(word) == groups
    assert pair[other].spelled_inside(word) == 0


@pytest.mark.parametrize(
    ("first", "second", "word"),
    [
        # Words no table lists; their spelling names the language (Danish -igt, -tion,
        # -skib against Norwegian -sjon, -skip; Ukrainian -ння).
        ("da", "no", "uforklarligt"),
        ("da", "no", "inspektionsskibet"),
        ("no", "da", "inspeksjonsskipet"),
        ("da", "no", "redningsstation"),
        ("no", "da", "redningsstasjon"),
        ("uk", "ru", "перепрацювання"),
    ],
)
def test_unlisted_word_leans_by_its_endings(first: str, second: str, word: str) -> None:
    close = load_close_languages()
    key = (first, second) if first < second else (second, first)
    assert word not in close.words[key]
    assert close.lean(first, second, word) > 0


# --- words a deeper wordfreq list knows (issue 19, fifth round) -------------------------

@pytest.mark.parametrize(
    ("word", "listed"),
    [
        # In Danish's `small` list and in Bokmål's `large` one only (Zipf 2.5-3): written
        # in both, so not listed (they were, as Danish words, before the fifth round).
        ("actionfilm", False),
        ("admin", False),
        ("abonnerer", False),
        ("generøst", False),
        ("fyldige", False),
        # Danish words Bokmål does not write at all stay listed as Danish.
        ("hævelse", True),
        ("havde", True),
        ("spøgelse", True),
    ],
)
def test_da_no_table_lists_only_words_one_standard_lacks(word: str, listed: bool) -> None:
    table = load_close_languages().words[("da", "no")]
    assert (table.get(word, 0) >= 5) is listed


@settings(_SLOW, max_examples=150)
@given(
    st.lists(
        st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=10)),
        min_size=1,
        max_size=20,
    )
)
def test_decide_is_deterministic_and_names_a_ranked_language(words: list[str]) -> None:
    """On any text, every pair's decision is one of the languages ranked, the same twice."""
    close = load_close_languages()
    text = " ".join(words)
    for ranked in (("da", "no", "sv"), ("no", "it", "da"), ("ru", "bg", "uk"), ("es", "pt")):
        language, among = close.decide(ranked, text)
        assert language in ranked
        assert (language, among) == close.decide(ranked, text)
        assert all(0 <= position < len(ranked) for position in among)
        assert not among or 0 in among
