"""Tests for cleaners/uistrings.py, its shipped data and tools/harvest_ui_strings.py."""

# The cases are real multilingual text: Turkish dotless i is what is being tested.
# ruff: noqa: RUF001

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cleaners.boilerplate import (
    SHIPPED_LANGUAGES,
    BoilerplateConfig,
    Lexicon,
    load_lexicon,
    strip_boilerplate,
)
from cleaners.uistrings import (
    UiStrings,
    line_key,
    load_ui_strings,
    parse_ui_file,
    shipped_languages,
    template_key,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "cleaners" / "uistrings"
EVAL = ROOT.parent / "shared" / "eval"
KEEP = Path(__file__).with_name("data") / "uistrings_keep.txt"

LEXICON = load_lexicon(BoilerplateConfig())
UI = LEXICON.ui
BODY = "The council voted on Tuesday to extend the programme for another three years."


def _harvester() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "harvest_ui_strings", ROOT / "tools" / "harvest_ui_strings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("harvest_ui_strings", module)
    spec.loader.exec_module(module)
    return module


def _removal(line: str, lexicon: Lexicon = LEXICON) -> tuple[str, str] | None:
    """(reason, rule) of `line` when it stands between two body paragraphs."""
    result = strip_boilerplate([BODY, line, BODY], lexicon)
    found = [(r.reason, r.rule) for r in result.removed if r.line == 2]
    return found[0] if found else None


# Real UI strings of languages with no hand lexicon: the harvested data must remove them,
# with the reason of the message and a rule naming its source and key.
REMOVED = [
    ("sv", "Vad som länkar hit", "wiki_widget", "ui:mediawiki:whatlinkshere"),
    ("sv", "Utskriftsvänlig version", "wiki_widget", "ui:mediawiki:printableversion"),
    ("sv", 'Hämtad från "https://sv.wikipedia.org/w/index.php?title=Ume%C3%A5&oldid=5"',
     "wiki_widget", "ui:mediawiki:retrievedfrom"),
    ("sv", "Dela på Facebook", "share_prompt", "ui:shariff:facebook.title"),
    ("cs", "Verze k tisku", "wiki_widget", "ui:mediawiki:printableversion"),
    ("cs", "Povolit všechny soubory cookie", "cookie_banner", "ui:tarteaucitron:allowAll"),
    ("tr", "Sayfaya bağlantılar", "wiki_widget", "ui:mediawiki:whatlinkshere"),
    ("tr", "Tüm çerezlere izin verin", "cookie_banner", "ui:tarteaucitron:allowAll"),
    ("tr", "Ayşe Yılmaz tarafından gönderildi", "byline", "ui:nodebb:topic.posted-by"),
    ("ja", "印刷用バージョン", "wiki_widget", "ui:mediawiki:printableversion"),
    ("ja", "すべてのクッキーを許可する", "cookie_banner", "ui:tarteaucitron:allowAll"),
    ("ar", "نسخة للطباعة", "wiki_widget", "ui:mediawiki:printableversion"),
    ("ko", "여기를 가리키는 문서", "wiki_widget", "ui:mediawiki:whatlinkshere"),
    ("el", "Πρόσφατες αλλαγές", "navigation", "ui:mediawiki:recentchanges"),
    ("zh", "可打印版本", "wiki_widget", "ui:mediawiki:printableversion"),
    ("uk", "Посилання сюди", "wiki_widget", "ui:mediawiki:whatlinkshere"),
    ("he", "גרסה להדפסה", "wiki_widget", "ui:mediawiki:printableversion"),
    ("id", "Dibuat oleh Budi Santoso", "byline", "ui:nodebb:topic.posted-by"),
    ("vi", "Các liên kết đến đây", "wiki_widget", "ui:mediawiki:whatlinkshere"),
    ("hu", "Mi hivatkozik erre?", "wiki_widget", "ui:mediawiki:whatlinkshere"),
    ("nb", "Hentet fra «https://no.wikipedia.org/w/index.php?title=Oslo&oldid=1»",
     "wiki_widget", "ui:mediawiki:retrievedfrom"),
    ("da", "» Udskriftsvenlig udgave «", "wiki_widget", "ui:mediawiki:printableversion"),
    ("ro", "SCHIMBĂRI RECENTE (12)", "navigation", "ui:mediawiki:recentchanges"),
    ("fi", "Kirjaudu sisään", "navigation", "ui:mediawiki:login"),
    ("de", "12 Kommentare", "comment_prompt", "ui:isso:num-comments"),
]


@pytest.mark.parametrize(("lang", "line", "reason", "rule"), REMOVED)
def test_ui_string_removed_with_reason_and_source(
    lang: str, line: str, reason: str, rule: str
) -> None:
    assert lang in shipped_languages() or lang == "zh"
    # For a language with a hand lexicon, what the harvested strings give without it.
    lexicon = LEXICON if lang not in SHIPPED_LANGUAGES else load_lexicon(BoilerplateConfig(
        languages=tuple(code for code in SHIPPED_LANGUAGES if code != lang)))
    assert _removal(line, lexicon) == (reason, rule)


@pytest.mark.parametrize(("line", "prefix"), [
    ("Share on Facebook", "lexicon:en:"),       # the hand lexicon matches first
    ("Partager sur Facebook", "lexicon:fr:"),
    ("Allow all cookies", "lexicon:en:"),
])
def test_hand_lexicon_wins_where_it_matches(line: str, prefix: str) -> None:
    found = _removal(line)
    assert found is not None and found[1].startswith(prefix)
    assert UI.match(line_key(line)) is not None  # the harvested data has it too


def _keep_lines() -> list[str]:
    return [line for line in KEEP.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("line", _keep_lines())
def test_content_line_is_not_a_ui_string(line: str) -> None:
    assert UI.match(line_key(line)) is None
    assert _removal(line) is None


def test_labelled_content_lines_are_not_ui_strings() -> None:
    """No content line of boiler_lines (every split) or the seeds is a harvested string."""
    if not EVAL.exists():
        pytest.skip("no ../shared/eval")
    hits = []
    for name in ("boiler_lines", "seeds"):
        with open(EVAL / name / "gold.jsonl", encoding="utf-8") as handle:
            for raw in handle:
                item = json.loads(raw)
                for line, label in zip(item["lines"], item["labels"], strict=True):
                    if label == 1 and UI.match(line_key(line)) is not None:
                        hits.append(line)
    assert hits == []


def test_shipped_data_covers_40_languages_with_recorded_sources() -> None:
    languages = shipped_languages()
    assert len(languages) >= 40
    sources_md = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z]+)` \| (\S+)", sources_md, flags=re.MULTILINE))
    listed = set(re.findall(r"^- `([a-z-]+)`:", sources_md, flags=re.MULTILINE))
    for lang in languages:
        text = (DATA / f"{lang}.tsv").read_text(encoding="utf-8")
        header = re.search(r"^# sources: (.+) \(see SOURCES\.md\)$", text, flags=re.MULTILINE)
        assert header is not None, lang
        used = set(header.group(1).split())
        entries = parse_ui_file(f"{lang}.tsv", text)
        assert entries, lang
        assert {rule.split(":")[1] for _, rule, _ in entries} == used, lang
        assert used <= set(table), (lang, used - set(table))
        assert lang in listed
    for repo in table.values():
        assert "/" in repo


def test_ui_strings_can_be_switched_off() -> None:
    lexicon = load_lexicon(BoilerplateConfig(disabled_rules=frozenset({"ui:mediawiki"})))
    assert lexicon.ui.match(line_key("Vad som länkar hit")) is None
    assert lexicon.ui.match(line_key("Dela på Facebook")) is not None
    off = load_lexicon(BoilerplateConfig(disabled_reasons=frozenset({"wiki_widget"})))
    assert off.ui.match(line_key("Utskriftsvänlig version")) is None


@pytest.mark.parametrize(("string", "line", "matches"), [
    ("{n} Comments", "3 comments", True),
    ("{n} Comments", "1,234 Comments", True),
    ("{n} Comments", "many comments", False),
    ('Retrieved from "{url}"', "Retrieved from https://a.org/w/index.php?x=1", True),
    ('Retrieved from "{url}"', "Retrieved from", False),
    ("Posted by {text}", "Posted by Jane Doe", True),
    ("Posted by {text}", "Posted by " + " ".join(["word"] * 7), False),  # over 6 words
    ("{text} tarafından gönderildi", "Ali Veli tarafından gönderildi", True),
    ("Printable version", "Printable version (2)", True),  # a trailing count
    ("Printable version", "Printable version of the ballot", False),
])
def test_slots_are_bounded(string: str, line: str, matches: bool) -> None:
    ui = UiStrings.build([("wiki_widget", "ui:test:key", string)])
    assert (ui.match(line_key(line)) is not None) is matches


def test_a_long_line_is_not_walked() -> None:
    ui = load_ui_strings()
    assert ui.match(line_key("Posted by " + "name " * 100_000)) is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(k for k in UI.exact)),
       st.sampled_from(["", "» ", "• ", "*** "]), st.sampled_from(["", ":", " «", " (7)"]))
def test_decoration_and_case_do_not_matter(key: str, before: str, after: str) -> None:
    assume(key.upper().casefold() == key)  # not Turkish dotless i, not final sigma
    assert UI.match(line_key(before + key.upper() + after)) == UI.match(key)


# --- the harvest script's parsers, on small fixtures -------------------------------------

ISSO_JS = '''module.exports = {
    "postbox-submit": "Abschicken",
    "num-comments": "1 Kommentar\\n{{ n }} Kommentare",
    "ads": {
        "title": "Werbenetzwerk"
    },
    "no-comments": "Bisher keine Kommentare"
};'''

SHARIFF_JS = """module.exports = function (shariff) {
  return {
    shareText: { de: 'teilen', en: 'share' },
    name: 'facebook',
    title: {
      de: 'Bei Facebook teilen',
      en: 'Share on Facebook',
      'zh': '在Facebook上分享',
    },
  }
}"""

HUGO_TOML = '''[readMore]
other = "weiterlesen"

[readingTime]
one = "Eine Minute"
other = "{{ .Count }} Minuten Lesezeit"
'''


def test_parse_js_object_reads_nested_keys() -> None:
    harvest = _harvester()
    assert harvest.parse_js_object(ISSO_JS) == {
        "postbox-submit": "Abschicken",
        "num-comments": "1 Kommentar\n{{ n }} Kommentare",
        "ads.title": "Werbenetzwerk",
        "no-comments": "Bisher keine Kommentare",
    }


def test_parse_shariff_and_hugo_toml() -> None:
    harvest = _harvester()
    assert harvest.parse_shariff_service(SHARIFF_JS) == {
        "de": {"title": "Bei Facebook teilen"}, "en": {"title": "Share on Facebook"},
        "zh": {"title": "在Facebook上分享"}}
    assert harvest.parse_hugo_toml(HUGO_TOML) == {
        "readMore": "weiterlesen",
        "readingTime": "Eine Minute\n{{ .Count }} Minuten Lesezeit"}


@pytest.mark.parametrize(("text", "slots", "expected"), [
    ('Hämtad från "$1"', {"$1": "url"}, 'Hämtad från "{url}"'),
    ("Från {{SITENAME}}", {}, "Från {text}"),
    ("{{ .Count }} Minuten Lesezeit", {}, "{n} Minuten Lesezeit"),
    ("Posted by %1", {}, "Posted by {text}"),
    ("Vi samlar data för {purposes}.", {"{purposes}": "list"}, "Vi samlar data för {list}."),
    ("See [[Special:Log|the log]]", {}, None),  # wiki markup: not a line as read
    ("<b>Bold</b> notice", {}, None),
])
def test_to_template(text: str, slots: dict[str, str], expected: str | None) -> None:
    assert _harvester().to_template(text, slots) == expected


def test_expand_variants_and_json_messages() -> None:
    harvest = _harvester()
    assert harvest.expand_variants("Diese Seite wurde {{PLURAL:$1|einmal|$1-mal}} abgerufen.") \
        == ["Diese Seite wurde einmal abgerufen.", "Diese Seite wurde $1-mal abgerufen."]
    messages = harvest.parse_json_messages(
        '{"@metadata": {"authors": ["X"]}, "whatlinkshere": "Links auf diese Seite"}')
    assert messages == {"whatlinkshere": "Links auf diese Seite"}
    assert template_key(harvest.to_template('Abgerufen von „$1“', {"$1": "url"})) \
        == "abgerufen von {url}"


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([*sorted(UI.exact), "retrieved from https en wikipedia org w 0",
                        "0 kommentare", "les chefs d état"]),
       st.sampled_from(["", " (12)", " 3", " and more words"]))
def test_word_gate_never_changes_the_answer(key: str, after: str) -> None:
    """`match_words` turns lines away early; it must answer as `match` on the key."""
    line = key + after
    words = re.findall(r"\w+", line.casefold())
    assert UI.match_words(words) == UI.match(line_key(line))
