"""Tests for cleaners.normalize: mojibake repaired, the author's form kept, every step."""

# The test texts are typographic and foreign on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import json
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-* codecs used below)
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaners.normalize import NormalizeConfig, _ftfy_config, normalize_text

DATA = Path(__file__).parent / "data"
SENTENCES: dict[str, list[str]] = {
    lang: lines
    for lang, lines in json.loads((DATA / "multilingual.json").read_text(encoding="utf-8")).items()
    if not lang.startswith("_")
}


# The common ways UTF-8 text is misread: as Windows-1252 (what browsers and most
# Windows tools assume; the five bytes it leaves undefined become C1 controls, as in
# every browser), as Latin-1, and twice over.
def as_cp1252(text: str) -> str:
    return text.encode("utf-8").decode("sloppy-windows-1252")


def as_latin1(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


MISREADINGS = {
    "cp1252": as_cp1252,
    "latin1": as_latin1,
    "cp1252_twice": lambda text: as_cp1252(as_cp1252(text)),
    "latin1_then_cp1252": lambda text: as_cp1252(as_latin1(text)),
}

MOJIBAKE_CASES = [
    (f"{lang}{i}-{kind}", sentence, misread(sentence))
    for lang, sentences in SENTENCES.items()
    for i, sentence in enumerate(sentences)
    for kind, misread in MISREADINGS.items()
    if misread(sentence) != sentence  # pure ASCII sentences cannot be misread
]


def test_mojibake_recovery_rate() -> None:
    recovered = sum(
        normalize_text(broken).text == original for _, original, broken in MOJIBAKE_CASES
    )
    assert len(MOJIBAKE_CASES) > 300
    assert recovered / len(MOJIBAKE_CASES) >= 0.95


@pytest.mark.parametrize(
    ("original", "broken"), [c[1:] for c in MOJIBAKE_CASES], ids=[c[0] for c in MOJIBAKE_CASES]
)
def test_mojibake_is_repaired(original: str, broken: str) -> None:
    result = normalize_text(broken)
    assert result.text == original
    assert result.repaired
    assert {"fix_encoding", "decode_inconsistent_utf8"} & set(result.fixes)


# Cyrillic UTF-8 read as cp1251, the common Russian-web misreading, is repaired too.
CP1251_CASES = [
    (f"{lang}{i}", sentence)
    for lang in ("ru", "uk", "bg")
    for i, sentence in enumerate(SENTENCES[lang])
]


@pytest.mark.parametrize("original", [c[1] for c in CP1251_CASES], ids=[c[0] for c in CP1251_CASES])
def test_cyrillic_read_as_cp1251_is_repaired(original: str) -> None:
    broken = original.encode("utf-8").decode("sloppy-windows-1251")
    assert normalize_text(broken).text == original


def unchanged_lines() -> list[tuple[int, str]]:
    lines = (DATA / "unchanged.txt").read_text(encoding="utf-8").split("\n")
    return [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("# ")]


@pytest.mark.parametrize(
    "line", [line for _, line in unchanged_lines()], ids=[f"line{n}" for n, _ in unchanged_lines()]
)
def test_correct_text_is_unchanged(line: str) -> None:
    result = normalize_text(line)
    assert result.text == line
    assert result.fixes == ()
    assert not result.repaired


def test_correct_document_is_unchanged() -> None:
    document = "\n\n".join(line for _, line in unchanged_lines())
    assert normalize_text(document).text == document


@pytest.mark.parametrize("original", [s for lines in SENTENCES.values() for s in lines])
def test_test_sentences_are_already_normal(original: str) -> None:
    assert normalize_text(original).fixes == ()


# Each documented step: input, output, the fix it reports.
STEPS = [
    ("Ligne un\r\nLigne deux\rLigne trois", "Ligne un\nLigne deux\nLigne trois", "line_breaks"),
    ("Absatz\u2029Zeile\u2028Ende\x0cSeite", "Absatz\nZeile\nEnde\nSeite", "line_breaks"),
    ("Prix\u00a0: 5\u202f€ «\u202fenviron\u202f»", "Prix : 5 € « environ »", "unicode_spaces"),
    ("em\u2003space\u2009thin\u200ahair\u205fmath", "em space thin hair math", "unicode_spaces"),
    ("mot\u200bcoupé", "motcoupé", "invisible_chars"),
    ("\ufeffTitre avec BOM", "Titre avec BOM", "invisible_chars"),
    ("word\u2060joiner and \ufffcobject", "wordjoiner and object", "invisible_chars"),
    ("fin\u200d et \u200cdébut", "fin et début", "invisible_chars"),
    ("tab\there", "tab here", "tabs"),
    ("bell\x07 null\x00 del\x7f", "bell null del", "control_chars"),
    ("e\u0301te\u0301 a\u0300 Cafe\u0301", "été à Café", "nfc"),
    ("many     spaces   here", "many spaces here", "collapse_spaces"),
    ("  indented\ntrailing   \n", "indented\ntrailing", "strip_lines"),
    ("\n\none\n\n\n\n\ntwo\n\n", "one\n\ntwo", "blank_lines"),
    ("Tom &amp; Jerry &ndash; &#8220;classic&#8221;", "Tom & Jerry – “classic”", "unescape_html"),
    # With the en dash the line is not Latin-1, so the C1 controls are fixed one by one.
    ("\x93Quoted\x94 – and \x85", "“Quoted” – and …", "fix_c1_controls"),
    ("\x93Quoted\x94 and \x85", "“Quoted” and …", "fix_encoding"),
    ("\x1b[31mred alert\x1b[0m", "red alert", "remove_terminal_escapes"),
    ("ŉ Chloroplas, Ĳsselmeer, ǅak", "’n Chloroplas, IJsselmeer, Džak", "legacy_digraphs"),
    ("Ã©tÃ© Ã  Paris", "été à Paris", "fix_encoding"),
]


@pytest.mark.parametrize(
    ("text", "expected", "fix"), STEPS, ids=[f"{step[2]}{i}" for i, step in enumerate(STEPS)]
)
def test_documented_step(text: str, expected: str, fix: str) -> None:
    result = normalize_text(text)
    assert result.text == expected
    assert fix in result.fixes


def test_markup_lines_keep_their_entities() -> None:
    # ftfy's "auto" rule, per line: a line with "<" is markup, where entities are meant.
    text = "<p>Tom &amp; Jerry</p>\nTom &amp; Jerry"
    assert normalize_text(text).text == "<p>Tom &amp; Jerry</p>\nTom & Jerry"


def test_only_the_damaged_line_is_repaired() -> None:
    text = "Prix : 5 €, voilà.\nLâ€™Ã©tÃ© est chaud.\nDéjà fini."
    assert normalize_text(text).text == "Prix : 5 €, voilà.\nL’été est chaud.\nDéjà fini."


@pytest.mark.parametrize(
    ("config", "text", "expected"),
    [
        (NormalizeConfig(repair=False), "Ã©tÃ©", "Ã©tÃ©"),
        (NormalizeConfig(unescape_html=False), "a &amp; b", "a &amp; b"),
        (NormalizeConfig(unify_spaces=False), "a\u00a0: b", "a\u00a0: b"),
        (NormalizeConfig(keep_ideographic_space=False), "東京　大阪", "東京 大阪"),
        (NormalizeConfig(remove_soft_hyphens=True), "Donau\u00addampf", "Donaudampf"),
        (NormalizeConfig(split_legacy_digraphs=False), "ĳs", "ĳs"),
        (NormalizeConfig(max_blank_lines=0), "a\n\n\nb", "a\nb"),
        (NormalizeConfig(max_blank_lines=2), "a\n\n\n\n\nb", "a\n\n\nb"),
        (NormalizeConfig(collapse_spaces=False, strip_lines=False), " a  b ", " a  b "),
        (NormalizeConfig(remove_invisible=False), "a\u200bb", "a\u200bb"),
        (NormalizeConfig(nfc=False), "e\u0301", "e\u0301"),
    ],
)
def test_options(config: NormalizeConfig, text: str, expected: str) -> None:
    assert normalize_text(text, config).text == expected


@pytest.mark.parametrize("bad", [{"max_blank_lines": -1}, {"unescape_html": "sometimes"}])
def test_config_errors_stop_at_once(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        NormalizeConfig(**bad)  # type: ignore[arg-type]


@pytest.mark.xfail(strict=True, reason="ftfy reads a lone 'Ã ' as the mojibake of 'à'")
def test_lone_a_tilde_before_a_space() -> None:
    # A capital Ã standing alone as a word, then a space: the UTF-8 bytes of "à" are
    # C3 A0, and A0 is so often turned into a space that ftfy restores it.
    text = "The letter Ã is a Portuguese capital."
    assert normalize_text(text).text == text


# Characters that mojibake is made of, for the Hypothesis tests to combine often.
MOJIBAKE_ALPHABET = st.sampled_from(
    list("Ã©Â â€™œ\x9d\x81Ð¿Ñ€Ðžï¿½Å¡ÄÅ‚ÄÂ\xa0?¢£¤¥¦§¨«®°±²³´µ¶·¸»¼½¾¿ÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâ")
    + list("abc éèà\n&;#\u200b\u200d\t")
)
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=200)
MOJIBAKE_TEXT = st.text(MOJIBAKE_ALPHABET, max_size=60)


@given(st.one_of(ANY_TEXT, MOJIBAKE_TEXT))
@settings(max_examples=500, deadline=None)
@example("Ã\u200b©")
@example("x\u200d\u200d y")
def test_idempotent(text: str) -> None:
    once = normalize_text(text).text
    assert normalize_text(once).text == once


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_never_raises_and_leaves_no_surrogate_or_control(text: str) -> None:
    out = normalize_text(text).text
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in out)
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in out)
    out.encode("utf-8")  # storable as Parquet strings


@given(st.one_of(MOJIBAKE_TEXT, ANY_TEXT))
@settings(max_examples=500, deadline=None)
def test_precheck_changes_nothing(text: str) -> None:
    # The pre-check only skips ftfy where ftfy would change nothing.
    assert normalize_text(text).text == normalize_text(text, NormalizeConfig(precheck=False)).text


@given(st.one_of(MOJIBAKE_TEXT, ANY_TEXT))
@settings(max_examples=500, deadline=None)
@example("CafÃ© au lait &lt;b&gt;")
@example("Ã¤Ã¤n kÃ¤yttÃ¤Ã¤ &amp;amp;")
def test_a_repaired_line_is_left_alone_as_ftfy_would_leave_it(text: str) -> None:
    # normalize_text skips the lines ftfy has just repaired when it checks the text a
    # second time: that is only right if ftfy, asked again, changes nothing.
    from ftfy import fix_and_explain

    from cleaners.normalize import _ftfy_config, _is_fixed_point

    config = _ftfy_config("auto")
    for line in text.split("\n"):
        fixed, _ = fix_and_explain(line, config)
        if fixed != line and _is_fixed_point(line, fixed, config, lost_bytes=False):
            assert fix_and_explain(fixed, config).text == fixed


@given(st.one_of(MOJIBAKE_TEXT, ANY_TEXT))
@settings(max_examples=500, deadline=None)
@example("CafÃ© au lait &lt;b&gt;")
@example("Ã¤Ã¤n kÃ¤yttÃ¤Ã¤ &amp;amp;")
@example("<p>Ã©tÃ© &amp; hiver</p>")
def test_fix_line_is_ftfy(text: str) -> None:
    # `_fix_line` stops where the pre-check finds nothing more for ftfy to do: the text
    # and the steps must be ftfy's own, line by line.
    from ftfy import fix_and_explain

    from cleaners.mojibake import fix_line as _fix_line
    from cleaners.normalize import _ftfy_config

    for unescape in ("auto", True, False):
        config = _ftfy_config(unescape)
        for line in text.split("\n"):
            fixed, steps = fix_and_explain(line, config)
            assert _fix_line(line, config) == (fixed, list(steps or ()))


@pytest.mark.parametrize("case", MOJIBAKE_CASES, ids=[c[0] for c in MOJIBAKE_CASES])
def test_fix_line_is_ftfy_on_misread_sentences(case: tuple[str, str, str]) -> None:
    from ftfy import fix_and_explain

    from cleaners.mojibake import fix_line as _fix_line
    from cleaners.normalize import _ftfy_config

    config = _ftfy_config("auto")
    fixed, steps = fix_and_explain(case[2], config)
    assert _fix_line(case[2], config) == (fixed, list(steps or ()))


@st.composite
def damaged_utf8(draw: st.DrawFn) -> str:
    """UTF-8 read in one of ftfy's code pages, some bytes first turned into a space, a
    "?" or byte 1A: what `restore_byte_a0` and `replace_lossy_sequences` undo."""
    from ftfy.chardata import CHARMAP_ENCODINGS

    pieces = []
    for _ in range(draw(st.integers(1, 6))):
        data = bytearray(draw(st.characters(blacklist_categories=("Cs",))).encode("utf-8"))
        if draw(st.booleans()):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.sampled_from(b" ?\x1a"))
        encoding = draw(st.sampled_from(CHARMAP_ENCODINGS))
        pieces.append(bytes(data).decode(encoding, errors="replace"))
        pieces.append(draw(st.sampled_from(["", " ", "?", "a", " la ", "\ufffd"])))
    return "".join(pieces)


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT))
@settings(max_examples=1000, deadline=None)
@example("Ã la carte")
@example("â€? and â€\ufffd")
@example("Ã¼ber Ã  la")
def test_a_step_without_the_byte_fixes_that_cannot_apply_is_ftfys_step(text: str) -> None:
    # `_trimmed` turns off restore_byte_a0 / replace_lossy_sequences for a text whose
    # bytes they cannot change: ftfy's step must give the same text and steps.
    from ftfy import _fix_encoding_one_step_and_explain as step

    from cleaners.mojibake import _trimmed

    for unescape in ("auto", False):
        config = _ftfy_config(unescape)
        assert step(text, _trimmed(text, config)) == step(text, config)


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT))
@settings(max_examples=1000, deadline=None)
@example("Ã la carte, â€? Ã ")
def test_the_text_patterns_match_wherever_ftfys_byte_patterns_could(text: str) -> None:
    # Each pattern over characters stands for a pattern over the bytes of some code
    # pages; skipping the byte search where it finds nothing is only right if it never
    # misses a line in which the byte pattern matches.
    from ftfy.chardata import ALTERED_UTF8_RE, CHARMAP_ENCODINGS, LOSSY_UTF8_RE

    from cleaners import mojibake

    for encoding in CHARMAP_ENCODINGS:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        if ALTERED_UTF8_RE.search(data):
            assert mojibake._A0_ANYWHERE.search(text)
        if encoding != "macroman" and ALTERED_UTF8_RE.search(data):
            assert any(p.search(text) for p in mojibake._A0_BEFORE_SPACE)
        if encoding.startswith("sloppy") and LOSSY_UTF8_RE.search(data):
            assert ("\ufffd" in text or "\x1a" in text
                    or mojibake._LOSSY_BEFORE_QUESTION.search(text))


def _cesu8(text: str) -> bytes:
    """Java's "modified UTF-8": an astral character as its two UTF-16 halves, each encoded."""
    units = text.encode("utf-16-le")
    halves = "".join(chr(int.from_bytes(units[k:k + 2], "little")) for k in range(0, len(units), 2))
    return halves.encode("utf-8", "surrogatepass")


@pytest.mark.parametrize(("line", "could"), [
    # Clean Cyrillic: "н" is byte ED in cp1251, which ftfy reads as CESU-8 and fails.
    ("Никаким частным лицам либо организациям не было предъявлено обвинений.", False),
    ("Україна відновила роботу енергосистеми після атаки.", False),
    # CESU-8 of an emoji, and of Cyrillic, read as cp1252 / cp1251: ftfy decodes those.
    (_cesu8("Смайлик 😀 в тексте").decode("sloppy-windows-1252"), True),
    (_cesu8("Привет 😀").decode("sloppy-windows-1251"), True),
    ("ÐŸÑ€Ð¸Ð²ÐµÑ‚, Ð¼Ð¸Ñ€", True),
])
def test_could_redecode_reads_cesu8_as_ftfy_does(line: str, could: bool) -> None:
    # ftfy decodes a re-encoded line holding byte ED or C0 as "utf-8-variants"; where
    # that fails it changes nothing by re-decoding, and the pre-check says so.
    from ftfy import fix_and_explain

    from cleaners.mojibake import _could_redecode

    assert _could_redecode(line) is could
    if not could:
        assert fix_and_explain(line, _ftfy_config("auto")).text == line


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT, ANY_TEXT,
                 st.text(st.characters(min_codepoint=0x400, max_codepoint=0x45F), max_size=80)))
@settings(max_examples=1000, deadline=None)
def test_a_line_ftfy_changes_always_passes_the_thorough_precheck(text: str) -> None:
    from ftfy import fix_and_explain

    from cleaners.mojibake import needs_repair

    for line in text.split("\n"):
        if fix_and_explain(line, _ftfy_config("auto")).text != line:
            assert needs_repair(line, thorough=True, judge=False)


_BYTE_PIECES = st.one_of(
    st.characters(blacklist_categories=("Cs",)).map(lambda char: char.encode("utf-8")),
    st.characters(min_codepoint=0x10000).map(_cesu8),
    st.just(b"\xc0\x80"),
    st.binary(min_size=1, max_size=3).map(lambda data: b"\xed" + data),
    st.binary(min_size=1, max_size=2).map(lambda data: b"\xc0" + data),
)


@given(st.lists(st.one_of(_BYTE_PIECES, st.just(b"\n")), max_size=8).map(b"".join))
@settings(max_examples=1000, deadline=None)
@example(b"\xed\xa0\xbd\xed\xb8\x80 \xc0\x80")
@example(b"\xc0\n")  # ftfy's decoder reads C0 before a final newline as a NUL
def test_what_ftfy_decodes_as_cesu8_passes_the_cheap_decode(data: bytes) -> None:
    # `_could_redecode` stands in for ftfy's "utf-8-variants" with a cheaper test: it
    # must accept whatever ftfy's decoder does.
    from cleaners.mojibake import _may_decode_as_variant

    try:
        data.decode("utf-8-variants")
    except UnicodeDecodeError:
        return
    assert _may_decode_as_variant(data)


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT, ANY_TEXT))
@settings(max_examples=2000, deadline=None)
@example("a\u00a0Ã ")
@example("ГўВЂВ\u2028a")
@example("œ\n")
@example("Ã©\ud800")
def test_is_bad_is_ftfys(text: str) -> None:
    # The pre-check and the repair step ask `is_bad` in RE2; ftfy asks it in `re`.
    from ftfy.badness import is_bad as ftfys

    from cleaners.mojibake import is_bad

    assert is_bad(text) == ftfys(text)
    for line in text.split("\n"):
        assert is_bad(line) == ftfys(line)


def test_is_bad_reads_each_class_as_ftfy_does() -> None:
    # BADNESS_RE has `\s`, `\w`, `.` and `[^A-Za-z]`, whose members `re` and RE2 define
    # differently unless spelled out: every code point is read alike, and the rest of
    # the expression is ftfy's, without VERBOSE's spaces and comments.
    import re

    import re2
    from ftfy.badness import BADNESS_RE

    from cleaners.linear import to_re2
    from cleaners.mojibake import _python_word_class, _unverbose

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for pattern, ours in [(r"\w", _python_word_class())] + [
            (pattern, to_re2(pattern)) for pattern in (r"\s", r".", r"[^A-Za-z]")]:
        python = [m.start() for m in re.finditer(pattern, every)]
        assert [m.start() for m in re2.compile(ours).finditer(every)] == python, pattern
    parse = re._parser.parse  # type: ignore[attr-defined]
    assert (str(parse(_unverbose(BADNESS_RE.pattern), 0).data)
            == str(parse(BADNESS_RE.pattern, re.VERBOSE).data))


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT, ANY_TEXT))
@settings(max_examples=1000, deadline=None)
@example("Ã©tÃ© â€œ")
@example("x Ã©\x81 Ð¿Ñ€Ð¸")
def test_the_repair_step_is_ftfys(text: str) -> None:
    # `fix_line` asks ftfy's step only what the RE2 `is_bad` flags: the same answers.
    from ftfy import _fix_encoding_one_step_and_explain as ftfys

    from cleaners.mojibake import _fix_encoding_step

    for unescape in ("auto", False):
        config = _ftfy_config(unescape)
        assert _fix_encoding_step(text, config) == ftfys(text, config)


def _mojibake_chars() -> list[str]:
    from cleaners import mojibake

    return sorted(mojibake._LEADS | mojibake._CONTINUATIONS | set(" ?x\u00a0"))


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT,
                 st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
                 st.text(st.sampled_from(_mojibake_chars()), max_size=40)))
@settings(max_examples=2000, deadline=None)
@example("Ã ")
@example("â ‚")
@example("Ã?")
@example("â?‚")
@example("â?x")
def test_the_prechecks_in_re2_are_the_scans_in_re(text: str) -> None:
    from cleaners import mojibake

    utf8 = text.encode("utf-8")
    assert mojibake._MAY_HOLD_MOJIBAKE.search_utf8(utf8) == mojibake._may_hold_mojibake(text)
    assert (mojibake._ALWAYS_REPAIRABLE_UTF8.search_utf8(utf8)
            == bool(mojibake._ALWAYS_REPAIRABLE.search(text)))
    assert (mojibake._DETECTOR_START_UTF8.search_utf8(utf8)
            == bool(mojibake._DETECTOR_START.search(text)))
    assert mojibake._A0_ANYWHERE_UTF8.search_utf8(utf8) == bool(mojibake._A0_ANYWHERE.search(text))
    assert (mojibake._A0_BEFORE_SPACE_UTF8.search_utf8(utf8)
            == any(p.search(text) for p in mojibake._A0_BEFORE_SPACE))
    assert (mojibake._LOSSY_BEFORE_QUESTION_UTF8.search_utf8(utf8)
            == bool(mojibake._LOSSY_BEFORE_QUESTION.search(text)))


def test_the_prechecks_in_re2_on_every_pair_of_mojibake_characters() -> None:
    # Each pattern is classes of these characters (and a space or "?"): every pair,
    # and every lead before a space or "?" before each character, is read alike.
    from cleaners import mojibake

    chars = _mojibake_chars()
    texts = [a + b for a in chars for b in chars]
    texts += [a + b + c for a in mojibake._LEADS for b in " ?" for c in chars]
    for text in texts:
        utf8 = text.encode("utf-8")
        assert mojibake._MAY_HOLD_MOJIBAKE.search_utf8(utf8) == mojibake._may_hold_mojibake(text)
        assert (mojibake._DETECTOR_START_UTF8.search_utf8(utf8)
                == bool(mojibake._DETECTOR_START.search(text))), text
        assert (mojibake._A0_ANYWHERE_UTF8.search_utf8(utf8)
                == bool(mojibake._A0_ANYWHERE.search(text))), text
        assert (mojibake._A0_BEFORE_SPACE_UTF8.search_utf8(utf8)
                == any(p.search(text) for p in mojibake._A0_BEFORE_SPACE)), text
        assert (mojibake._LOSSY_BEFORE_QUESTION_UTF8.search_utf8(utf8)
                == bool(mojibake._LOSSY_BEFORE_QUESTION.search(text))), text
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    assert ([c for c in every if mojibake._ALWAYS_REPAIRABLE_UTF8.search(c)]
            == [c for c in every if mojibake._ALWAYS_REPAIRABLE.search(c)])


_UTF8_BYTES = st.sampled_from([b" ", b"?", b"\x1a", b"a", b"\xc2", b"\xc3", b"\xc5", b"\xce",
                               b"\xd0", b"\xd9", b"\xdf", b"\xe0", b"\xe2", b"\xe3", b"\xe4",
                               b"\xed", b"\xef", b"\xf0", b"\xf4", b"\x80", b"\x85", b"\x9f",
                               b"\xa0", b"\xa1", b"\xaf", b"\xb0", b"\xbf"])


@given(st.one_of(st.lists(_UTF8_BYTES, max_size=12).map(b"".join), st.binary(max_size=40)))
@settings(max_examples=3000, deadline=None)
def test_the_byte_patterns_in_re2_are_ftfys(data: bytes) -> None:
    from ftfy.chardata import ALTERED_UTF8_RE, LOSSY_UTF8_RE

    from cleaners import mojibake

    assert mojibake._ALTERED_UTF8.search(data) == bool(ALTERED_UTF8_RE.search(data))
    assert mojibake._LOSSY_UTF8.search(data) == bool(LOSSY_UTF8_RE.search(data))


def test_the_byte_patterns_in_re2_on_every_short_byte_string() -> None:
    # Every byte and pair of bytes; every string of up to 6 of the bytes the patterns
    # name by class boundaries.
    import itertools

    from ftfy.chardata import ALTERED_UTF8_RE, LOSSY_UTF8_RE

    from cleaners import mojibake

    texts = [bytes([a, b]) for a in range(256) for b in range(256)]
    edges = (b" ?\x1a\x7f\x80\x84\x85\x86\x9f\xa0\xa1\xaf\xb0\xbf"
             b"\xc0\xc2\xc3\xc5\xdf\xe0\xe3\xed\xef\xf0\xf4\xf5")
    for size in range(3, 5):
        texts += [bytes(t) for t in itertools.product(edges, repeat=size)]
    texts += [b"\xed\xa0?\xed\xb0\x80", b"\xed\xaf\x1a\xed\xbf?", b"\xed\xa0\x80\xed\xb0\x1a"]
    for data in texts:
        assert mojibake._ALTERED_UTF8.search(data) == bool(ALTERED_UTF8_RE.search(data)), data
        assert mojibake._LOSSY_UTF8.search(data) == bool(LOSSY_UTF8_RE.search(data)), data


@given(st.one_of(damaged_utf8(), MOJIBAKE_TEXT, ANY_TEXT,
                 st.text(st.sampled_from(_mojibake_chars()), max_size=40)))
@settings(max_examples=2000, deadline=None)
@example("ÃÂ©")
@example("€Ã©")
@example("\nÃ©")
@example("Ã©\ud800")
def test_the_detector_in_re2_finds_what_ftfys_finds(text: str) -> None:
    from ftfy.chardata import UTF8_DETECTOR_RE

    from cleaners.mojibake import _detects_utf8

    assert _detects_utf8(text) == bool(UTF8_DETECTOR_RE.search(text))


def test_the_detectors_classes_are_ftfys() -> None:
    # `_clue_chars` reads the BMP only: every code point of each class is there.
    import re

    from ftfy.chardata import UTF8_CLUES

    from cleaners.mojibake import _clue_chars

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for clue in UTF8_CLUES.values():
        assert _clue_chars(clue) == set(re.findall(f"[{clue}]", every))
