"""Tests for cleaners.lost_bytes: bytes a cp1252 round trip lost, chosen from context."""

# The test texts are foreign and typographic on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaners import lost_bytes
from cleaners.lost_byte_words import WordTable, choose_stem, lost_mark
from cleaners.lost_bytes import LostByteConfig, restore_lost_bytes
from cleaners.normalize import NormalizeConfig, normalize_text

# The step is off by default (cleaners/normalize.py says why); these tests switch it on.
RESTORE = NormalizeConfig(restore_lost_bytes=True)

DATA = Path(__file__).parent / "data"
FLOORS = json.loads((Path(__file__).with_name("quality_floors.json")).read_text())["lost_bytes"]
ROWS = [json.loads(line) for line in (DATA / "lost_bytes.jsonl").open(encoding="utf-8")]
# A second held-out set, built later from other sentences (bench/make_lost_bytes_set.py).
SECOND_ROWS = [json.loads(line) for line in
               (DATA / "lost_bytes_second.jsonl").open(encoding="utf-8")]


def round_trip(text: str) -> str:
    """A real cp1252 round trip: the five undefined bytes become U+FFFD."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize(("original", "why"), [
    ("He said “Connect to Learn” and left.", "an opening quote before it: ”"),
    ("Sloven\u010dina je jazyk.", "Slovak letters around č (C4 8D)"),
    ("Nemôžem ísť, lebo keď prší, zostávam doma.", "ď (C4 8F) before a word's end"),
    ("На улице было холодно.", "Н (D0 9D) before а, at a sentence's start"),
    ("Rīgā ir daudz cilvēku.", "Latvian ā (C4 81) between Latvian letters"),
    ("Он сказал, что это было давно.", "'это', not 'сто' (D1 8D, D1 81)"),
    ("Ísland er eyja í Norður-Atlantshafi.", "Icelandic 'Ísland', not 'Ásland' (C3 8D)"),
    ("Děti se ve škole učí číst a počítat.", "Czech č (C4 8D) in three words"),
    # Word evidence: the letters alone read each of these wrong (or not at all).
    ("Зачем эти книги лежат на столе?", "'эти', not 'сти'; 'столе'"),
    ("А вот это правда.", "'это' after 'вот'"),
    ("Со стороны реки дул холодный ветер.", "'стороны', not 'этороны'"),
    ("Обсяг експорту зріс на 24 відсотки.", "Ukrainian 'зріс', not 'зрія'"),
    ("Це галузь, яка дуже швидко росте.", "Ukrainian 'яка', not 'ска'"),
    ("Trả lời phỏng vấn báo chí hôm qua.", "Vietnamese 'phỏng' (E1 BB 8F)"),
    ("Love it \u2764\ufe0f so much", "❤ (E2 9D A4) and U+FE0F (EF B8 8F) after it"),
    # Belarusian: its own words and letters (UD text), and its relatives' lists.
    ("Мы ведаем, што гэта ясны сігнал для ўсіх.", "Belarusian 'ясны' (Russian list)"),
    ("Яна сказала, што сёння ў горадзе вельмі холадна.", "Belarusian 'Яна', 'сёння'"),
    ("Гэта наша сям'я і наша зямля.", "Belarusian 'сям'я' with its apostrophe"),
])
def test_lost_byte_is_chosen(original: str, why: str) -> None:
    damaged = round_trip(original)
    assert "\ufffd" in damaged, why
    assert normalize_text(damaged, RESTORE).text == original, why


def test_a_language_with_many_rare_letters_is_not_taken_for_an_unknown_one() -> None:
    # Vietnamese writes "ẵ" and "õ" rarely (under 500 per million letters): a line with
    # both was refused as a language no table knows, and kept U+FFFD for "Đ".
    original = "Đồng bào đã chuẩn bị sẵn sàng, võng dù đầy đủ."
    assert restore_lost_bytes(round_trip(original)) == original


@pytest.mark.parametrize("line", [
    "plain text with a stray \ufffd in it",
    "ä\ufffdö",  # 0xE4 0x1A 0xF6: no UTF-8 sequence holds the lost byte
    "Â\ufffd",  # C2 + lost byte is a C1 control: nothing text is made of
    "naïve café",  # nothing lost
])
def test_undecided_or_not_mojibake_is_left_alone(line: str) -> None:
    assert restore_lost_bytes(line) is None


@pytest.mark.parametrize(("original", "why"), [
    ("Қазақстан Республикасы Орталық Азияда орналасқан.", "Kazakh қ ң: no table has it"),
    ("Менің атым Асан, мен Алматыда тұрамын.", "Kazakh і ң ұ beside ы"),
])
def test_a_language_no_table_knows_is_left_to_ftfy(original: str, why: str) -> None:
    damaged = round_trip(original)
    assert "\ufffd" in damaged, why
    assert restore_lost_bytes(damaged) is None, why


@pytest.mark.parametrize(("original", "why"), [
    ("Вчера я видел его с братом.", "'я' before a verb, 'с' before an instrumental"),
    ("Потом я думал о нём весь день.", "'я' before 'думал'"),
])
def test_neighbouring_words_decide_between_two_known_words(original: str, why: str) -> None:
    # " \ue0d1 " is "с" or "я", both common: without the neighbours' evidence (a
    # margin nothing reaches) the letters read "с" for both.
    damaged = round_trip(original)
    assert restore_lost_bytes(damaged) == original, why
    assert restore_lost_bytes(damaged, LostByteConfig(context_margin=1e9)) != original, why


# A floor no window reaches: the letter windows never decide.
NO_WINDOWS = LostByteConfig(window_floor=1e9)


@pytest.mark.parametrize(("original", "why"), [
    ("На основе аккумуляторных батарей.", "starts with 'аккумулятор'"),
    ("Трансатлантический ястребок.", "starts with 'ястреб'"),
])
def test_a_word_the_lists_lack_is_read_from_a_known_word_at_its_start_or_end(
        original: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = round_trip(original)
    assert restore_lost_bytes(damaged) == original, why
    # Without the pieces (none is that long), the stems and the letter windows the
    # letters read it wrong or not at all.
    monkeypatch.setattr(lost_bytes, "_PIECE", 1000)
    monkeypatch.setattr(lost_bytes, "_STEM", 1000)
    assert restore_lost_bytes(damaged, NO_WINDOWS) != original, why


@pytest.mark.parametrize(("original", "why"), [
    ("Урад прыняў рашэнне аб прынятым законе.", "'прынятым' shares 'прынят' with 'прынята'"),
    ("Гэта эканамічны крызіс.", "'эканамічны' shares its start with other forms"),
    ("Кэтрын пайшла дадому.", "Belarusian 'Кэтрын' shares 'кэтр' with Russian 'Кэтрин'"),
])
def test_an_inflection_the_lists_lack_is_read_from_the_words_sharing_its_start(
        original: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = round_trip(original)
    assert restore_lost_bytes(damaged) == original, why
    # Without the stems (and the letter windows) the letters read it wrong ("прынстым",
    # "Кстрын") or leave U+FFFD.
    monkeypatch.setattr(lost_bytes, "_STEM", 1000)
    assert restore_lost_bytes(damaged, NO_WINDOWS) != original, why


# Sentences of UD Ukrainian-ParlaMint's test split that no lost-byte set holds (CC BY-SA
# 4.0): "ґ" is rare in Ukrainian (16 per million letters in its table), and while the
# tables took it for a letter no language writes, each such line was left to ftfy.
@pytest.mark.parametrize("original", [
    "Пояснити обґрунтування і необхідність його ухвалення?",
    "У своїй другій доповіді, мені ще дадуть 3 хвилини по моїх поправках, я ще скажу пару "
    "тез, які обґрунтують вказану позицію.",
    "Тому я підтримую колег, які говорять про необхідність ґрунтовного доопрацювання до "
    "другого читання даного законопроекту.",
])
def test_a_ukrainian_line_with_its_rare_letter_ghe_is_repaired(original: str) -> None:
    assert restore_lost_bytes(round_trip(original)) == original


# Sentences of UD Belarusian-HSE's test split that no lost-byte set holds (CC BY-SA 4.0),
# each with the word that only hunspell-be's forms hold: before them the repair read
# "хмызнсковымі", "прыч\ufffdпах", "палымснымі", "прарязаны", "Яўрсі", "кацэнят".
@pytest.mark.parametrize(("original", "word"), [
    ("Корміцца травяністымі і хмызняковымі раслінамі.", "хмызняковымі"),
    ("Яны сядзяць у прычэпах грузавікоў у амуніцыі, са шчытамі.", "прычэпах"),
    ("Табакеркі, гузікі, галаўныя ўборы ўпрыгожваліся юбілейнымі вензелямі і палымянымі "
     "словамі.", "палымянымі"),
    ("Фасады гарызантальна ашаляваны, прарэзаны лучковымі аконнымі праёмамі.", "прарэзаны"),
    ("Яўрэі ў сінагогах спявалі песню падзякі ў гонар Канстытуцыі.", "яўрэі"),
    ("Нараджаюць звычайна 3—4 кацянят (зрэдку да 7), некаторыя віды — двойчы за год.",
     "кацянят"),
])
def test_a_belarusian_word_only_the_dictionary_holds_is_read(original: str, word: str) -> None:
    assert restore_lost_bytes(round_trip(original)) == original
    # The word is known at the dictionary's floor (Zipf 3.0: no frequency is given), not
    # from the UD text, whose every word is far more frequent than that.
    key = "".join(lost_mark(ch) or ch for ch in word)
    filling = "".join(ch for ch in word if lost_mark(ch))
    assert f"be:{filling}:3.0" in lost_bytes._data().words.keys[key].split(" ")


# Belarusian words as a cp1252 round trip leaves them ("\ue0d1" for с, э or я), with
# what the marks stood for.
STEM_TABLE = {"прын\ue0d1та": "be:я:4.0", "прын\ue0d1т\ue0d1": "be:яя:4.0",
              "\ue0d1канамічна": "be:э:4.0", "\ue0d1каноміка": "be:э:4.0",
              "\ue0d1карга": "be:с:4.0"}


@pytest.mark.parametrize(("stem", "limit", "want"), [
    ("прын\ue0d1т", 10, ["я"]),  # "прынята", "прынятыя": the stem's one lost letter
    ("прын\ue0d1тым", 10, []),  # no word starts so
    ("\ue0d1ка", 10, ["э", "с"]),  # two words with "э", one with "с"
    ("\ue0d1ка", 1, ["э"]),  # the limit stops at the first key
])
def test_a_stem_reads_the_fillings_of_the_words_that_start_with_it(
        stem: str, limit: int, want: list[str]) -> None:
    table = WordTable(STEM_TABLE, {}, tuple(sorted(STEM_TABLE)))
    got = choose_stem(stem, [("с", "э", "я")], {"be": 0.0}, table, limit)
    assert [filling for _, filling in got] == want


@pytest.mark.parametrize(("original", "why"), [
    ("El espía (en ruso: Олег Антонович Гордиевский) nació en Moscú.", "Russian in Spanish"),
    ("Učitel řekl: «Это хорошо», a odešel.", "Russian in Czech"),
    ("Ona řekla «Спасибо» a usmála se.", "Russian in Czech"),
])
def test_a_word_in_another_script_is_read_by_the_languages_of_its_script(
        original: str, why: str) -> None:
    # The Latin letters alone point to Spanish or Czech, which write no Cyrillic: read
    # by them the Cyrillic lost letters stayed U+FFFD (and the line was refused as one
    # no table's language writes).
    assert restore_lost_bytes(round_trip(original)) == original, why


def test_a_zero_width_joiner_after_an_emoji_stays_lost() -> None:
    # E2 80 8D after an emoji is a joiner or a closing quote (E2 80 9D): undecided. The
    # skin tone (F0 9F 8F BE) after an emoji is restored.
    original = "Мы катаемся на доске \U0001f3c4\U0001f3fe\u200d\u2640\ufe0f каждый день"
    restored = restore_lost_bytes(round_trip(original))
    assert restored is not None
    assert "\U0001f3fe\ufffd\u2640\ufe0f" in restored


@pytest.mark.parametrize(("ch", "lost"), [
    ("с", True), ("Н", True), ("č", True), ("Í", True), ("”", True), ("ỏ", True),
    ("a", False), ("н", False), ("é", False), ("“", False),
    ("\u2041", False),  # E2 81 81: two lost bytes in one character, no mark
])
def test_lost_mark_is_given_exactly_to_characters_a_round_trip_loses(ch: str,
                                                                     lost: bool) -> None:
    assert bool(lost_mark(ch)) == lost
    assert ("\ufffd" in round_trip(ch)) == (lost or ch == "\u2041")


def test_characters_of_one_lead_byte_share_a_mark() -> None:
    # "с" (D1 81) and "я" (D1 8F) look alike once damaged; "Н" (D0 9D) does not.
    assert lost_mark("с") == lost_mark("я") != lost_mark("Н")


@given(st.sampled_from(ROWS), st.data())
def test_only_lost_characters_change(row: dict[str, object], data: st.DataObject) -> None:
    """The repair fills lost characters only: every other character of a round-tripped
    sentence (or a random cut of one) comes back as it was."""
    text = str(row["text"])
    start = data.draw(st.integers(0, len(text)))
    original = text[start : data.draw(st.integers(start, len(text)))]
    restored = restore_lost_bytes(round_trip(original))
    if restored is None:
        return
    assert len(restored) == len(original)
    for got, want in zip(restored, original, strict=True):
        assert got == want or (bool(lost_mark(want)) and got != want)


def test_a_close_call_keeps_the_replacement_character() -> None:
    # "Ã" + lost byte is Á, Í, Ï, Ð or Ý; alone on a line nothing tells them apart.
    assert restore_lost_bytes("Ã\ufffd", LostByteConfig(margin=1000)) is None


@pytest.mark.parametrize("config", [{"margin": 0.5}, {"word_margin": 0.9},
                                    {"context_margin": 0.9}])
def test_margin_below_one_is_refused(config: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="margin"):
        LostByteConfig(**config)


@given(st.text(max_size=60))
def test_never_invents_where_nothing_was_lost(text: str) -> None:
    # Without U+FFFD in the line there is no lost byte to choose.
    line = text.replace("\ufffd", "")
    assert restore_lost_bytes(line) is None


@given(st.sampled_from(ROWS))
def test_repair_is_idempotent_on_round_tripped_sentences(row: dict[str, object]) -> None:
    once = normalize_text(round_trip(str(row["text"])), RESTORE).text
    assert normalize_text(once, RESTORE).text == once


@pytest.mark.parametrize(("rows", "prefix"), [(ROWS, ""), (SECOND_ROWS, "second ")],
                         ids=["held-out", "second held-out"])
def test_quality_floor(rows: list[dict[str, object]], prefix: str) -> None:
    """The share of round-tripped UD sentences that come back exactly, as normalize makes
    the undamaged sentence (it also turns a no-break space into a space), and the share
    of lost characters restored wrong rather than left as U+FFFD (pinned bounds), on
    both held-out sets."""
    right = {"all": [0, 0], "lost byte": [0, 0]}
    lost = wrong = 0
    for row in rows:
        want = normalize_text(str(row["text"]), RESTORE).text
        got = normalize_text(round_trip(str(row["text"])), RESTORE).text
        for key in ("all", "lost byte") if row["lost_byte"] else ("all",):
            right[key][0] += got == want
            right[key][1] += 1
        if len(got) == len(want):
            changed = [(g, w) for g, w in zip(got, want, strict=True) if lost_mark(w)]
            lost += len(changed)
            wrong += sum(g not in (w, "\ufffd") for g, w in changed)
    languages = {row["language"] for row in rows}
    assert len(rows) >= 300 and len(languages) >= 10
    for key, (hits, total) in right.items():
        assert hits / total >= FLOORS[prefix + key], (key, hits / total)
    assert wrong / lost <= FLOORS[prefix + "wrong_share_max"], (wrong, lost)
