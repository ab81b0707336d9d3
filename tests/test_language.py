"""Tests for cleaners.language: script guard, langdetect within a script, determinism."""

# The tables are real text in many scripts; letters that look Latin are meant.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import json
import math
import os
import pickle
import statistics
import subprocess
import sys
from pathlib import Path

import langdetect
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners.language import (
    LANGUAGES,
    UNDETERMINED,
    LanguageConfig,
    LanguageDetector,
    LanguageGuess,
    sample_text,
    script_counts,
    strip_noise,
)

ROOT = Path(__file__).resolve().parents[1]
MULTILINGUAL = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text("utf-8"))
LANG_SENTENCES = ROOT.parent / "shared" / "eval" / "lang_sentences"
OUTCOMES = LANGUAGES | {UNDETERMINED}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


# One news sentence per language, written for these tests (not from any eval set).
SENTENCES = [
    ("en", "The city council approved a new budget for public transport on Tuesday evening."),
    ("fr", "Le conseil municipal a approuvé mardi soir un nouveau budget pour les transports."),
    (
        "de",
        "Der Stadtrat hat am Dienstagabend einen neuen Haushalt für den Busverkehr beschlossen.",
    ),
    (
        "es",
        "El ayuntamiento aprobó el martes por la noche un nuevo presupuesto para los autobuses.",
    ),
    ("it", "Il consiglio comunale ha approvato martedì sera un nuovo bilancio per il trasporto."),
    (
        "pt",
        "A câmara municipal aprovou na terça-feira à noite um novo orçamento para os autocarros.",
    ),
    (
        "nl",
        "De gemeenteraad heeft dinsdagavond een nieuwe begroting voor het busvervoer goedgekeurd.",
    ),
    ("pl", "Rada miasta zatwierdziła we wtorek wieczorem nowy budżet na transport publiczny."),
    ("sv", "Kommunfullmäktige godkände på tisdagskvällen en ny budget för kollektivtrafiken."),
    ("tr", "Belediye meclisi salı akşamı toplu taşıma için yeni bir bütçeyi onayladı."),
    ("fi", "Kaupunginvaltuusto hyväksyi tiistai-iltana uuden talousarvion joukkoliikenteelle."),
    ("cs", "Městská rada v úterý večer schválila nový rozpočet na veřejnou dopravu."),
    ("vi", "Hội đồng thành phố đã thông qua ngân sách mới cho giao thông công cộng tối thứ Ba."),
    ("id", "Dewan kota menyetujui anggaran baru untuk transportasi umum pada Selasa malam."),
    ("ru", "Городской совет во вторник вечером утвердил новый бюджет на общественный транспорт."),
    ("uk", "Міська рада у вівторок увечері затвердила новий бюджет на громадський транспорт."),
    ("bg", "Общинският съвет одобри във вторник вечерта нов бюджет за обществения транспорт."),
    ("ar", "وافق مجلس المدينة مساء الثلاثاء على ميزانية جديدة للنقل العام."),
    ("fa", "شورای شهر سه‌شنبه شب بودجه جدیدی را برای حمل و نقل عمومی تصویب کرد."),
    ("hi", "नगर परिषद ने मंगलवार शाम को सार्वजनिक परिवहन के लिए नए बजट को मंजूरी दी।"),
    ("ja", "市議会は火曜日の夜、公共交通機関のための新しい予算を承認しました。"),
    ("ko", "시의회는 화요일 저녁 대중교통을 위한 새 예산을 승인했다."),
    ("zh", "市议会周二晚上批准了一项新的公共交通预算。"),  # Simplified
    ("zh", "市議會週二晚上批准了一項新的公共交通預算。"),  # Traditional
    ("el", "Το δημοτικό συμβούλιο ενέκρινε την Τρίτη νέο προϋπολογισμό για τις συγκοινωνίες."),
    ("he", "מועצת העיר אישרה ביום שלישי בערב תקציב חדש לתחבורה הציבורית."),
    ("th", "สภาเมืองอนุมัติงบประมาณใหม่สำหรับระบบขนส่งสาธารณะเมื่อคืนวันอังคาร"),
    ("ka", "ქალაქის საბჭომ სამშაბათს საღამოს საზოგადოებრივი ტრანსპორტის ახალი ბიუჯეტი დაამტკიცა."),
    ("hy", "Քաղաքային խորհուրդը երեքշաբթի երեկոյան հաստատեց հասարակական տրանսպորտի նոր բյուջեն."),
    # Foreign names and brands in another script do not outvote the language around them.
    ("zh", "谷歌公司周一在加州山景城发布了新版Android系统。"),
    ("ja", "AppleはiPhoneの新しいモデルを発表しました。"),
    ("ru", "Компания Apple представила в Москве новый iPhone и объявила о снижении цен."),
    # Text set in capitals (langdetect alone skips every word of it as an acronym).
    ("es", "EL GOBIERNO APROBÓ AYER UNA NUEVA LEY DE VIVIENDA PARA LOS JÓVENES"),
    # URLs, addresses and digits carry no language.
    ("fr", "Écrivez à redaction@example.com ou sur https://www.example.com/contact avant le 12."),
]


@pytest.mark.parametrize(
    ("language", "text"), SENTENCES, ids=[f"{c}-{t[:16]}" for c, t in SENTENCES]
)
def test_detects_sentence(detector: LanguageDetector, language: str, text: str) -> None:
    guess = detector.detect(text)
    assert guess.language == language
    assert guess.score >= 0.5


SHARED_SENTENCES = [
    (code.split("-")[0], text)
    for code, texts in MULTILINGUAL.items()
    if not code.startswith("_")
    for text in texts
]
# Languages langdetect has no profile for come out as a neighbour: known, not fixable
# without another detector.  Serbian in Cyrillic is named by its own letters ђ ћ
# (cleaners/language_letters.txt), which both Serbian sentences hold.
NO_PROFILE = {"is"}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        pytest.param(
            code,
            text,
            marks=pytest.mark.xfail(
                code in NO_PROFILE, reason="no langdetect profile", strict=True
            ),
        )
        for code, text in SHARED_SENTENCES
    ],
    ids=[f"{c}-{t[:16]}" for c, t in SHARED_SENTENCES],
)
def test_detects_shared_multilingual_sentences(
    detector: LanguageDetector, language: str, text: str
) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Close pairs that share a script: the letters tell them apart.
        ("Уряд оголосив про підвищення мінімальної зарплати з першого січня.", "uk"),
        ("Правительство объявило о повышении минимальной зарплаты с первого января.", "ru"),
        ("دولت افزایش حداقل دستمزد را از اول ژانویه اعلام کرد.", "fa"),
        ("أعلنت الحكومة عن زيادة الحد الأدنى للأجور اعتبارا من الأول من يناير.", "ar"),
        ("O governo anunciou o aumento do salário mínimo a partir de janeiro.", "pt"),
        ("El gobierno anunció el aumento del salario mínimo a partir de enero.", "es"),
    ],
)
def test_tells_close_languages_apart(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "OK",
        "Tel.",
        "Foto: AFP",
        "12:30",
        "—",
        "★★★★☆",
        "https://example.com/a/b-c",
        "jean.dupont@example.fr",
        "<br/>&nbsp;",
        "字",
        "#breaking @newsdesk",
    ],
)
def test_too_short_or_empty_is_und_with_zero_score(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == LanguageGuess(UNDETERMINED, 0.0)


@pytest.mark.xfail(reason="kanji-only Japanese reads as Chinese: no kana to tell", strict=True)
def test_kanji_only_japanese(detector: LanguageDetector) -> None:
    assert detector.detect("東京都知事選挙").language == "ja"


def test_seed_documents_are_french(detector: LanguageDetector) -> None:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    assert seeds
    for path in seeds:
        assert detector.detect(path.read_text("utf-8")).language == "fr", path.name


def test_long_document_costs_a_bounded_sample(detector: LanguageDetector) -> None:
    paragraph = SENTENCES[1][1]
    short, long = detector.detect(paragraph * 3), detector.detect("\n".join([paragraph] * 400))
    assert short.language == long.language == "fr"


# --- paragraphs ------------------------------------------------------------------------

ARTICLE = [
    "Le président a reçu mardi les représentants des syndicats à l'Élysée pour discuter "
    "de la réforme des retraites, sans parvenir à un accord sur l'âge de départ.",
    "Lire aussi :",
    "Interrogé à la sortie, le négociateur britannique a résumé la rencontre en anglais :",
    "We had a frank and useful conversation, but there is still a long way to go before "
    "both sides can agree on the details of the final text.",
    "Les discussions doivent reprendre la semaine prochaine, selon un communiqué publié "
    "dans la soirée par les services de la présidence.",
    "AFP",
]


def test_english_quote_inside_french_article(detector: LanguageDetector) -> None:
    document = detector.detect("\n".join(ARTICLE))
    assert document.language == "fr"
    guesses = detector.detect_paragraphs(ARTICLE, document)
    assert [g.language for g in guesses] == ["fr", "fr", "fr", "en", "fr", "fr"]
    # Short paragraphs inherit the document's guess itself, score included.
    assert guesses[1] is document and guesses[5] is document
    assert guesses[3].score > 0.9


def test_paragraphs_inherit_und_document_when_short(detector: LanguageDetector) -> None:
    document = LanguageGuess(UNDETERMINED, 0.0)
    assert detector.detect_paragraphs(["Merci", "OK"], document) == (document, document)
    assert detector.detect_paragraphs([], document) == ()


def test_paragraph_min_chars_zero_judges_every_paragraph() -> None:
    eager = LanguageDetector(LanguageConfig(paragraph_min_chars=0))
    document = LanguageGuess("fr", 1.0)
    (guess,) = eager.detect_paragraphs(["Where is the main train station, please?"], document)
    assert guess.language == "en"


# --- determinism -----------------------------------------------------------------------

_SUBPROCESS = """
import json, sys
from cleaners.language import LanguageDetector
detector = LanguageDetector()
texts = json.load(sys.stdin)
guesses = [detector.detect(t) for t in texts]
document = guesses[0]
guesses += list(detector.detect_paragraphs(texts, document))
print(json.dumps([[g.language, g.score.hex()] for g in guesses]))
"""


def _run_fresh(texts: list[str], hash_seed: str) -> list[list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    result: list[list[str]] = json.loads(out.stdout)
    return result


def test_identical_results_in_fresh_processes(detector: LanguageDetector) -> None:
    # Short ambiguous lines are where langdetect's random trials disagree, so they are
    # the ones that would differ if anything were left unseeded.
    texts = [t for _, t in SENTENCES] + ARTICLE + ["Chi sono?", "Kto они", "Dann endet es."]
    first, second = _run_fresh(texts, "1"), _run_fresh(texts, "2")
    assert first == second
    here = [detector.detect(t) for t in texts]
    here += list(detector.detect_paragraphs(texts, here[0]))
    assert first == [[g.language, g.score.hex()] for g in here]


def test_repeated_calls_and_two_detectors_agree(detector: LanguageDetector) -> None:
    other = LanguageDetector()
    for _, text in SENTENCES:
        assert detector.detect(text) == detector.detect(text) == other.detect(text)


def test_langdetect_global_seed_untouched() -> None:
    before = langdetect.DetectorFactory.seed
    LanguageDetector(LanguageConfig(seed=1234)).detect(SENTENCES[0][1])
    assert langdetect.DetectorFactory.seed == before


def test_languages_constant_matches_profiles(detector: LanguageDetector) -> None:
    assert detector.languages == LANGUAGES
    assert UNDETERMINED not in LANGUAGES
    assert all(len(code) == 2 for code in LANGUAGES)


# --- invariants ------------------------------------------------------------------------

# The detector fixture is module-scoped, so sharing it across examples is safe; a call
# takes a millisecond or two, too uneven for Hypothesis' default deadline.
_SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_WORDS = [word for _, text in SENTENCES + SHARED_SENTENCES for word in text.split()] + [
    "https://t.co/x",
    "a@b.cc",
    "<p>",
    "&amp;",
    "1984",
    "NASA",
    "ー",
    "々",
    "\u200d",
    "\ufeff",
]


@settings(_SLOW, max_examples=300)
@given(st.text())
def test_arbitrary_unicode_never_raises(detector: LanguageDetector, text: str) -> None:
    guess = detector.detect(text)
    assert guess.language in OUTCOMES
    assert 0.0 <= guess.score <= 1.0


@settings(_SLOW, max_examples=200)
@given(st.lists(st.sampled_from(_WORDS), max_size=60), st.sampled_from([" ", "", "\n", "·"]))
def test_mixed_real_words_give_a_known_code(
    detector: LanguageDetector, words: list[str], separator: str
) -> None:
    text = separator.join(words)
    guess = detector.detect(text)
    assert guess.language in OUTCOMES
    assert 0.0 <= guess.score <= 1.0
    paragraphs = [text, *words[:5]]
    guesses = detector.detect_paragraphs(paragraphs, guess)
    assert len(guesses) == len(paragraphs)
    assert all(g.language in OUTCOMES for g in guesses)


_CYRILLIC_WORDS = [
    w
    for code, t in SENTENCES + SHARED_SENTENCES
    if code in {"ru", "uk", "bg", "sr"}
    for w in t.split()
    if set(script_counts(w)) == {"Cyrl"}  # not the Latin brand names among them
]


@settings(_SLOW, max_examples=100)
@given(st.lists(st.sampled_from(_CYRILLIC_WORDS), min_size=1, max_size=30))
def test_cyrillic_text_gets_a_cyrillic_language(
    detector: LanguageDetector, words: list[str]
) -> None:
    cyrillic = {"be", "bg", "mk", "ru", "sr", "uk", UNDETERMINED}
    assert detector.detect(" ".join(words)).language in cyrillic


@given(st.text(), st.integers(60, 2000), st.integers(1, 3))
def test_sample_is_bounded_and_made_of_the_text(text: str, size: int, windows: int) -> None:
    sample = sample_text(text, size, windows)
    assert len(sample) <= size
    if len(text) <= size:
        assert sample == text
    else:
        assert all(part in text for part in sample.split(" ") if part)


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("Привет, world", {"Cyrl": 6, "Latn": 5}),
        ("東京タワー", {"Hani": 2, "Kana": 3}),
        ("서울 2024", {"Hang": 2}),
        ("नमस्ते", {"Deva": 6}),  # vowel signs and virama count with their letters
        ("12 + 7 = 19 !", {}),
    ],
)
def test_script_counts(text: str, counts: dict[str, int]) -> None:
    assert script_counts(text) == counts


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("see https://example.org/x?y=1 now", "see now"),
        ("mail me: a.b+c@mail.example.co.uk", "mail me:"),
        ("<a href='x'>link</a> &amp; more", "link more"),
        ("RT @user: so #blessed 2024", "RT : so"),
        ("rien à enlever ici", "rien à enlever ici"),
    ],
)
def test_strip_noise(text: str, clean: str) -> None:
    assert strip_noise(text) == clean


@pytest.mark.parametrize(
    "change",
    [
        {"sample_chars": 10},
        {"sample_windows": 0},
        {"n_trial": 0},
        {"paragraph_n_trial": 0},
        {"min_letters": 0},
        {"min_script_letters": 0},
        {"min_probability": 1.5},
        {"paragraph_min_chars": -1},
        {"paragraph_min_chars": 500},
        {"priors": (("xx", 2.0),)},
        {"priors": (("en", 0.0),)},
        {"priors": (("af", -1.0),)},
    ],
)
def test_config_rejects_nonsense(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(LanguageConfig(), **change)


# Written for this test.  Without priors the first reads as Afrikaans (0.66); the others
# are what the priors must leave alone: Afrikaans and Tagalog that say so clearly.
PRIOR_CASES = [
    ("en", "See you all next week"),
    ("af", "Ek is baie bly om jou te sien"),
    ("af", "Ons gaan more see toe"),
    ("tl", "Mahal kita, anak ko"),
    ("tl", "Salamat po sa inyo"),
]


@pytest.mark.parametrize(("language", "text"), PRIOR_CASES)
def test_priors_tip_only_a_hesitating_judge(
    detector: LanguageDetector, language: str, text: str
) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize("judge", ["naive_bayes", "langdetect"])
def test_weighted_scores_stay_probabilities(judge: str) -> None:
    heavy = LanguageDetector(LanguageConfig(judge=judge, priors=(("en", 50.0), ("af", 0.01))))
    for _, text in PRIOR_CASES:
        assert 0.0 <= heavy.detect(text).score <= 1.0


def test_without_priors_the_judge_hesitates_towards_afrikaans() -> None:
    # The judge alone: the close-language rule now names it English by its words too
    # (cleaners/close_languages/af-en.txt), priors or not.
    flat = LanguageDetector(LanguageConfig(priors=(), tiebreak=False))
    assert flat.detect(PRIOR_CASES[0][1]).language == "af"


# --- quality gate ----------------------------------------------------------------------


@pytest.mark.skipif(not (LANG_SENTENCES / "gold.jsonl").exists(), reason="dev set not present")
def test_dev_sentences_floor(detector: LanguageDetector) -> None:
    """The dev set's floors from the issue: 0.98 overall and no language under 0.93."""
    per: dict[str, list[bool]] = {}
    for line in (LANG_SENTENCES / "gold.jsonl").open(encoding="utf-8"):
        item = json.loads(line)
        text = (LANG_SENTENCES / item["source"]).read_text("utf-8")
        got = detector.detect(text).language.split("-")[0]
        per.setdefault(item["language"], []).append(got == item["language"])
    total = sum(len(v) for v in per.values())
    assert sum(sum(v) for v in per.values()) / total >= 0.98
    assert min(statistics.mean(v) for v in per.values()) >= 0.93


def test_short_chinese_quote_counts_as_long_enough(detector: LanguageDetector) -> None:
    # 40 Han characters say as much as ~120 Latin letters, so the quote is judged.
    quote = "他在记者会上表示，政府将在明年年初公布新的住房补贴计划，并扩大对年轻家庭的支持。"
    document = LanguageGuess("en", 1.0)
    assert len(quote) < LanguageConfig().paragraph_min_chars
    (guess,) = detector.detect_paragraphs([quote], document)
    assert guess.language == "zh"


# --- the naive-Bayes judge against langdetect's own random walks ------------------------


@pytest.fixture(scope="module")
def walker() -> LanguageDetector:
    return LanguageDetector(LanguageConfig(judge="langdetect"))


@pytest.mark.parametrize(
    ("language", "text"), SENTENCES, ids=[f"{c}-{t[:16]}" for c, t in SENTENCES]
)
def test_both_judges_name_the_sentence(
    detector: LanguageDetector, walker: LanguageDetector, language: str, text: str
) -> None:
    assert detector.config.judge == "naive_bayes"
    assert detector.detect(text).language == walker.detect(text).language == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Letters langdetect folds before reading: Romanian comma-below letters read as
        # cedilla ones, Persian yeh as Arabic yeh, Vietnamese letters of Latin Extended
        # Additional as one letter, and a base letter with a combining mark as one.
        ("Guvernul a aprobat ieri modificările aduse legii învățământului.", "ro"),
        ("Guvernul a aprobat ieri modificarile aduse legii invatamantului.", "ro"),
        ("دولت ایران برنامه جدیدی برای کاهش تورم ارائه کرد.", "fa"),
        ("Chính phủ đã phê duyệt kế hoạch mới để giảm lạm phát.", "vi"),
        ("Chi\u0301nh phu\u0309 đa\u0303 phê duyê\u0323t kê\u0301 hoa\u0323ch mơ\u0301i.", "vi"),
        # A brand in capitals inside a sentence is left out, not read as a word.
        ("Die NASA und die ESA wollen gemeinsam eine neue Raumsonde zum Mars schicken.", "de"),
        ("सरकार ने नई शिक्षा नीति को मंजूरी दे दी है।", "hi"),
        ("Владата ја усвои новата стратегија за развој на туризмот.", "mk"),
    ],
)
def test_naive_bayes_reads_letters_as_langdetect_does(
    detector: LanguageDetector, text: str, language: str
) -> None:
    guess = detector.detect(text)
    assert guess.language == language
    assert 0.5 <= guess.score <= 1.0


# A document in one language with one long quoted paragraph in another.
QUOTED = [
    (
        "en",
        "The minister met the press on Monday to present the plan for the coming winter, "
        "which includes new support for households facing high heating bills.",
        "ru",
        "«Мы не собираемся повышать налоги для семей со средним доходом в следующем году, "
        "и это решение уже согласовано с правительством», — сказал министр журналистам.",
    ),
    (
        "fr",
        "Le ministre a présenté lundi son plan pour l'hiver, qui prévoit de nouvelles aides "
        "pour les ménages confrontés à des factures de chauffage élevées.",
        "zh",
        "他在记者会上表示，政府将在明年年初公布新的住房补贴计划，并扩大对年轻家庭的支持。",
    ),
    (
        "de",
        "Der Minister stellte am Montag seinen Plan für den kommenden Winter vor, der neue "
        "Hilfen für Haushalte mit hohen Heizkosten vorsieht.",
        "ar",
        "وقال الوزير في مؤتمر صحفي إن الحكومة لن ترفع الضرائب على الأسر متوسطة الدخل في العام "
        "المقبل، وإن القرار تمت الموافقة عليه بالفعل.",
    ),
    (
        "es",
        "El ministro presentó el lunes su plan para el próximo invierno, que incluye nuevas "
        "ayudas para los hogares con facturas de calefacción elevadas.",
        "fr",
        "« Nous n'avons pas l'intention d'augmenter les impôts des familles aux revenus "
        "moyens l'année prochaine », a déclaré le ministre devant les journalistes.",
    ),
    (
        "en",
        "The minister presented his plan for the coming winter on Monday, including new "
        "support for households facing high heating bills across the country.",
        "de",
        "„Wir haben nicht vor, im nächsten Jahr die Steuern für Familien mit mittlerem "
        "Einkommen zu erhöhen“, sagte der Minister vor den Journalisten in Berlin.",
    ),
]


@pytest.mark.parametrize(
    ("language", "before", "foreign", "quote"),
    QUOTED,
    ids=[f"{a}-with-{b}" for a, _, b, _ in QUOTED],
)
@pytest.mark.parametrize("judge", ["naive_bayes", "langdetect"])
def test_foreign_quoted_paragraph_gets_its_own_language(
    detector: LanguageDetector,
    walker: LanguageDetector,
    judge: str,
    language: str,
    before: str,
    foreign: str,
    quote: str,
) -> None:
    chosen = detector if judge == "naive_bayes" else walker
    paragraphs = [before, quote, before, "Photo : AFP"]
    document = chosen.detect("\n".join(paragraphs))
    assert document.language == language
    guesses = chosen.detect_paragraphs(paragraphs, document)
    assert [g.language for g in guesses] == [language, foreign, language, language]
    assert guesses[3] is document


def test_judges_agree_on_the_dev_set_paragraph_lengths(
    detector: LanguageDetector, walker: LanguageDetector
) -> None:
    """On the shared multilingual sentences, answers differ at most on a rare few."""
    codes = [(detector.detect(t).language, walker.detect(t).language) for _, t in SHARED_SENTENCES]
    assert sum(a != b for a, b in codes) <= len(codes) // 20


def test_unknown_judge_is_rejected() -> None:
    with pytest.raises(ValueError, match="judge"):
        LanguageConfig(judge="fasttext")


def test_naive_bayes_detector_pickles_and_answers_alike(detector: LanguageDetector) -> None:
    copy = pickle.loads(pickle.dumps(detector))
    for _, text in SENTENCES:
        assert copy.detect(text) == detector.detect(text)


@settings(_SLOW, max_examples=150)
@given(
    st.lists(
        st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=12)),
        max_size=40,
    ),
    st.sampled_from([" ", "\n", ""]),
)
def test_naive_bayes_is_deterministic_and_never_raises(
    detector: LanguageDetector, words: list[str], separator: str
) -> None:
    text = separator.join(words)
    first = detector.detect(text)
    assert first == detector.detect(text)
    assert first.language in OUTCOMES
    assert 0.0 <= first.score <= 1.0
    paragraphs = text.split("\n")
    assert detector.detect_paragraphs(paragraphs, first) == detector.detect_paragraphs(
        paragraphs, first
    )


def test_noise_blanking_is_linear_on_a_long_word_before_an_address() -> None:
    # Issue 16 audit: the e-mail pattern rescanned a long unbroken word from each of its
    # positions (20k characters: 2.3 s, quadratic). Now one pass.
    import time

    from cleaners.language_text import blank_noise

    text = "Écrivez-nous à contact@example.org. " + "x" * 200_000 + " ou redaction@journal.fr"
    started = time.perf_counter()
    blanked = blank_noise(text)
    assert time.perf_counter() - started < 1.0
    assert "contact@" not in blanked and "redaction@" not in blanked
    assert "Écrivez-nous" in blanked


def _profile_log_likelihood(text: str, script: str) -> dict[str, float]:
    """Sum log(P(n-gram | language) + smoothing) over the n-grams langdetect reads in
    `text`, straight from langdetect's profile files: the reference `ngram_rows` must match."""
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    from cleaners.language_model import read_profiles, script_of

    smoothing = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
    profiles = [p for p in read_profiles() if script_of(p) == script]
    grams = []
    for word in NGram.normalize_vi(text).split():
        padded = f" {''.join(NGram.normalize(c) for c in word)} "
        for n in (1, 2, 3):
            grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    grams = [g for g in grams if g != " "]
    known = [g for g in grams if any(g in p.freq for p in profiles)]
    return {
        str(p.name): sum(
            math.log(p.freq.get(g, 0) / p.n_words[len(g) - 1] + smoothing) for g in known
        )
        for p in profiles
    }


@pytest.mark.parametrize(
    ("script", "text"),
    [
        ("Latn", "Le gouvernement a présenté mercredi son projet de loi sur les retraites"),
        ("Latn", "Guvernul a aprobat ieri modificările aduse legii învățământului"),
        ("Latn", "Chính phủ đã phê duyệt kế hoạch mới để giảm lạm phát"),
        ("Latn", "Bundesregierung beschließt Übergangsfrist für Größenangaben qxzj"),
        ("Cyrl", "Уряд оголосив про підвищення зарплати вчителям з наступного року"),
        ("Arab", "دولت ایران برنامه جدیدی برای کاهش تورم ارائه کرد"),
        ("Deva", "सरकार ने नई शिक्षा नीति को मंजूरी दे दी है"),
    ],
)
def test_ngram_lookup_reads_the_profiles_as_langdetect_does(
    detector: LanguageDetector, script: str, text: str
) -> None:
    # The array lookups find exactly the n-grams a profile holds, each with its own
    # probabilities: the summed log-likelihood per profile equals one computed from
    # langdetect's files n-gram by n-gram (a missed or wrong row would move it).
    from langdetect.utils.ngram import NGram

    from cleaners.language_model import ngram_rows, read_profiles, script_of

    model = detector._models[script]
    rows = ngram_rows(NGram.normalize_vi(text), model)
    got = model.log_prob[rows].sum(axis=0)
    names = [str(p.name) for p in read_profiles() if script_of(p) == script]
    want = _profile_log_likelihood(text, script)
    assert len(rows) > len(text)  # unigrams, bigrams and trigrams were all found
    for column, name in enumerate(names):
        assert got[column] == pytest.approx(want[name], rel=1e-9)
