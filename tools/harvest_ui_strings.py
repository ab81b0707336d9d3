"""Harvest boilerplate UI strings from public translation catalogues into lexicon data.

The words of page chrome ("What links here", "Printable version", "Accept all cookies",
"No Comments Yet") come from the software that renders pages, and that software's
translation catalogues are public. This script reads chosen catalogues from local git
snapshots (brought in with the search tool's `fetch`; they are never committed), keeps
the messages whose KEY names a whole boilerplate line (a button, a menu entry, a notice),
maps each key to a reason, and writes `cleaners/uistrings/<lang>.tsv` plus
`cleaners/uistrings/SOURCES.md`.

    .venv/bin/python tools/harvest_ui_strings.py --mirror /work/.mirror

Selection is by key, never by text; the texts are then filtered for lines that are also
content: a string is dropped when its English original is a single word ("Edit",
"Help": ordinary headings in content), when it is shorter than `MIN_KEY_CHARS`, or
when its normalized form equals a content line of the given clean text (the labelled
content lines of ../shared/eval boiler_lines train/dev and seeds, and the sentences of
../shared/eval lang_sentences).

Placeholders become bounded slots written `{url}`, `{text}`, `{n}` or `{list}` (see
`cleaners/uistrings.py` for what each may match).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.uistrings import SLOT_KINDS, UiStrings, line_key, template_key  # noqa: E402

#: A string whose normalized form has fewer characters than this is too short to be
#: sure of as a whole line ("OK", "Go").
MIN_KEY_CHARS = 4
#: A one-word string ("Avböj", "Druckversion") is dropped when that word occurs this many
#: times in the clean text: it is a common word, and a line of it may be a heading.
COMMON_WORD_COUNT = 3

# --- which messages are whole boilerplate lines ---------------------------------------
# key -> reason; `slots` maps a key's placeholders to slot kinds where "text" (the
# default) does not fit.

MEDIAWIKI_KEYS: dict[str, str] = {
    # wiki chrome: the toolbox, the footer, the tagline
    "whatlinkshere": "wiki_widget",
    "recentchangeslinked-toolbox": "wiki_widget",
    "printableversion": "wiki_widget",
    "permalink": "wiki_widget",
    "pageinfo-toolboxlink": "wiki_widget",
    "specialpages": "wiki_widget",
    "upload": "wiki_widget",
    "retrievedfrom": "wiki_widget",
    "tagline": "wiki_widget",
    "lastmodifiedat": "wiki_widget",
    "viewcount": "wiki_widget",
    "jumpto": "navigation",
    "redirectedfrom": "wiki_widget",
    "viewsource": "wiki_widget",
    "pagecategories": "wiki_widget",
    "hidden-categories": "wiki_widget",
    "edit-local": "wiki_widget",
    "morenotlisted": "wiki_widget",
    "category-media-header": "wiki_widget",
    "redirectpagesub": "wiki_widget",
    "nstab-special": "wiki_widget",
    "returnto": "navigation",
    # the sidebar and the personal menu
    "navigation-heading": "navigation",
    "personaltools": "navigation",
    "mainpage-description": "navigation",
    "randompage": "navigation",
    "currentevents": "navigation",
    "recentchanges": "navigation",
    "portal": "navigation",
    "privacy": "navigation",
    "aboutsite": "navigation",
    "disclaimers": "navigation",
    "otherlanguages": "navigation",
    "createaccount": "navigation",
    "pt-createaccount": "navigation",
    "login": "navigation",
    "pt-login": "navigation",
    "pt-userlogout": "navigation",
    "notloggedin": "navigation",
    "tooltip-search": "navigation",
    "site-rss-feed": "navigation",
    "site-atom-feed": "navigation",
    "newwindow": "navigation",
}
MEDIAWIKI_SLOTS: dict[str, dict[str, str]] = {
    "retrievedfrom": {"$1": "url"},
    "lastmodifiedat": {"$1": "text", "$2": "text"},
    "viewcount": {"$1": "n"},
    "pagecategories": {"$1": "n"},
    "hidden-categories": {"$1": "n"},
}

VECTOR_KEYS: dict[str, str] = {
    "vector-jumptocontent": "navigation",
    "vector-main-menu-label": "navigation",
    "vector-view-history": "wiki_widget",
    "vector-action-toggle-sidebar": "navigation",
    "vector-language-button-label": "wiki_widget",
    "vector-pin-element-label": "wiki_widget",
    "vector-toc-toggle-button-label": "wiki_widget",
    "vector-page-tools-label": "wiki_widget",
}
VECTOR_SLOTS: dict[str, dict[str, str]] = {"vector-language-button-label": {"$1": "n"}}

COLLECTION_KEYS: dict[str, str] = {
    "coll-download_as": "wiki_widget",
    "coll-print_export": "wiki_widget",
    "coll-create_a_book": "wiki_widget",
    "coll-printable_version_pdf": "wiki_widget",
}

ISSO_KEYS: dict[str, str] = {
    "postbox-text": "comment_prompt",
    "postbox-notification": "comment_prompt",
    "num-comments": "comment_prompt",
    "no-comments": "comment_prompt",
    "comment-deleted": "comment_prompt",
    "comment-queued": "comment_prompt",
    "comment-hidden": "comment_prompt",
    "postbox-author": "comment_prompt",
    "postbox-email": "comment_prompt",
    "postbox-website": "comment_prompt",
}

TARTEAUCITRON_KEYS: dict[str, str] = {
    "adblock": "cookie_banner",
    "adblock_call": "cookie_banner",
    "alertBigPrivacy": "cookie_banner",
    "alertSmall": "cookie_banner",
    "acceptAll": "cookie_banner",
    "closeBanner": "cookie_banner",
    "all": "cookie_banner",
    "info": "cookie_banner",
    "disclaimer": "cookie_banner",
    "noCookie": "cookie_banner",
    "useNoCookie": "cookie_banner",
    "credit": "cookie_banner",
    "noServices": "cookie_banner",
    "toggleInfoBox": "cookie_banner",
    "title": "cookie_banner",
    "allowAll": "cookie_banner",
    "denyAll": "cookie_banner",
    "mandatoryTitle": "cookie_banner",
    "mandatoryText": "cookie_banner",
    "save": "cookie_banner",
}

KLARO_KEYS: dict[str, str] = {
    "acceptAll": "cookie_banner",
    "acceptSelected": "cookie_banner",
    "consentModal.description": "cookie_banner",
    "consentModal.title": "cookie_banner",
    "consentNotice.changeDescription": "cookie_banner",
    "consentNotice.title": "cookie_banner",
    "consentNotice.description": "cookie_banner",
    "consentNotice.learnMore": "cookie_banner",
    "contextualConsent.description": "cookie_banner",
    "decline": "cookie_banner",
    "ok": "cookie_banner",
    "poweredBy": "powered_by",
    "privacyPolicy.text": "cookie_banner",
    "service.disableAll.description": "cookie_banner",
    "service.disableAll.title": "cookie_banner",
}
KLARO_SLOTS: dict[str, dict[str, str]] = {
    "consentNotice.description": {"{purposes}": "list"},
}

NODEBB_KEYS: dict[str, str] = {
    "global.please-log-in": "navigation",
    "global.posting-restriction-info": "forum_widget",
    "global.pagination.previouspage": "navigation",
    "global.pagination.nextpage": "navigation",
    "global.pagination.firstpage": "navigation",
    "global.pagination.lastpage": "navigation",
    "global.pagination.go-to-page": "navigation",
    "global.pagination.page-x": "navigation",
    "global.pagination.out-of": "navigation",
    "global.lastpost": "forum_widget",
    "global.firstpost": "forum_widget",
    "global.read-more": "related_link",
    "global.posted-ago-by": "byline",
    "global.posted-in": "navigation",
    "global.posted-in-by": "byline",
    "global.last-edited-by": "byline",
    "global.norecentposts": "forum_widget",
    "global.norecenttopics": "forum_widget",
    "global.recentposts": "navigation",
    "global.moderator-tools": "forum_widget",
    "global.updated.message": "forum_widget",
    "global.cookies.message": "cookie_banner",
    "global.cookies.accept": "cookie_banner",
    "global.cookies.learn-more": "related_link",
    "global.rss-feed": "navigation",
    "global.skip-to-content": "navigation",
    "global.enter-page-number": "navigation",
    "global.x-posts": "forum_widget",
    "global.x-topics": "forum_widget",
    "global.x-votes": "forum_widget",
    "topic.no-topics-found": "forum_widget",
    "topic.no-posts-found": "forum_widget",
    "topic.post-is-deleted": "forum_widget",
    "topic.posted-by": "byline",
    "topic.posted-by-guest": "byline",
    "topic.notify-me": "forum_widget",
    "topic.replies-to-this-post": "comment_prompt",
    "topic.one-reply-to-this-post": "comment_prompt",
    "topic.last-reply-time": "forum_widget",
    "topic.reply-as-topic": "forum_widget",
    "topic.guest-login-reply": "comment_prompt",
}
NODEBB_SLOTS: dict[str, dict[str, str]] = {
    "global.pagination.page-x": {"%1": "n"},
    "global.pagination.out-of": {"%1": "n", "%2": "n"},
    # A category name, not a list: "Posted in {list}" took "Posted in the window of
    # the bakery was a handwritten notice."
    "global.posted-in": {"%1": "text"},
    "global.posted-in-by": {"%1": "text"},
    "global.x-posts": {"%1": "n"},
    "global.x-topics": {"%1": "n"},
    "global.x-votes": {"%1": "n"},
    "topic.replies-to-this-post": {"%1": "n"},
}

ANANKE_KEYS: dict[str, str] = {
    "readMore": "related_link",
    "readingTime": "byline",
    "whatsInThis": "navigation",
    "taxonomyPageList": "navigation",
}

SHARIFF_KEYS: dict[str, str] = {
    f"{service}.title": "share_prompt"
    for service in ("facebook", "twitter", "linkedin", "pinterest", "whatsapp", "xing",
                    "telegram", "reddit", "mail", "print", "threema", "tumblr", "vk",
                    "flipboard", "pocket", "diaspora", "buffer", "flattr", "info",
                    "addthis", "qzone", "weibo", "tencent-weibo", "stumbleupon")
}

SPREE_KEYS: dict[str, str] = {
    # Not "in_stock"/"out_of_stock": a product list shows them per item, and the gold
    # of boiler_lines calls such a line ("Ausverkauft") content.
    f"spree.{key}": reason for key, reason in {
        "add_to_cart": "shop_widget",
        "back_to_store": "navigation",
        "continue_shopping": "shop_widget",
        "create_a_new_account": "navigation",
        "forgot_password": "navigation",
        "free_shipping": "shop_widget",
        "login_as_existing": "navigation",
        "my_account": "navigation",
        "new_customer": "navigation",
        "no_products_found": "shop_widget",
        "remember_me": "navigation",
        "shopping_cart": "shop_widget",
        "your_cart_is_empty": "shop_widget",
        "empty_cart": "shop_widget",
        "guest_checkout": "shop_widget",
        "contact_us": "navigation",
        "sign_up": "navigation",
        "sort_by": "shop_widget",
        "added_to_cart": "shop_widget",
        "order_summary": "shop_widget",
    }.items()
}

DOCSY_KEYS: dict[str, str] = {
    "ui_read_more": "related_link",
    "ui_search": "navigation",
    "footer_all_rights_reserved": "copyright_notice",
    "footer_privacy_policy": "navigation",
    "post_last_mod": "byline",
    "post_edit_this": "navigation",
    "post_view_this": "navigation",
    "post_create_child_page": "navigation",
    "post_create_issue": "navigation",
    "post_create_project_issue": "navigation",
    "post_less_than_a_minute_read": "byline",
    "print_printable_section": "navigation",
    "print_click_to_print": "share_prompt",
    "print_show_regular": "navigation",
    "print_entire_section": "share_prompt",
    "feedback_question": "navigation",
    "toc_on_this_page": "navigation",
    "toc_top_of_page": "navigation",
}

BEAUTIFULHUGO_KEYS: dict[str, str] = {
    "postedOnDate": "byline",
    "lastModified": "byline",
    "readMore": "related_link",
    "olderPosts": "navigation",
    "newerPosts": "navigation",
    "previousPost": "navigation",
    "nextPost": "navigation",
    "toggleNavigation": "navigation",
    "searchPlaceholder": "navigation",
    "useMarkdown": "comment_prompt",
    "yourName": "comment_prompt",
    "yourEmail": "comment_prompt",
    "yourWebsite": "comment_prompt",
    "seeAlso": "related_link",
    "archiveYearFilter": "navigation",
    "viewSource": "navigation",
}

PAPERMOD_KEYS: dict[str, str] = {
    "toc": "navigation",
    "code_copy": "navigation",
    "read_time": "byline",
}


# --- parsing catalogues ------------------------------------------------------------------


def parse_json_messages(text: str) -> dict[str, str]:
    """MediaWiki-style i18n JSON: {"@metadata": ..., "key": "text"}."""
    data = json.loads(text)
    return {key: value for key, value in data.items() if isinstance(value, str)}


_JS_PAIR = re.compile(r'"([\w.-]+)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(\{))|(\})')


def parse_js_object(text: str) -> dict[str, str]:
    """A JS file holding one object literal of strings (isso, tarteaucitron).

    Nested objects give dotted keys ("ads.title"); only double-quoted strings are read.
    """
    found: dict[str, str] = {}
    path: list[str] = []
    for match in _JS_PAIR.finditer(text):
        key, value, opens, closes = match.groups()
        if closes:
            if path:
                path.pop()
        elif opens:
            path.append(key)
        else:
            found.setdefault(".".join([*path, key]), json.loads(f'"{value}"'))
    return found


def _flatten(data: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flatten(value, f"{prefix}{key}.")
    elif isinstance(data, str):
        yield prefix[:-1], data


def parse_yaml_tree(text: str) -> dict[str, str]:
    """A nested YAML mapping of strings (klaro): dotted keys."""
    return dict(_flatten(yaml.safe_load(text) or {}))


def parse_rails_locale(text: str) -> dict[str, str]:
    """A Rails locale YAML file ({lang: {...}}): dotted keys without the language."""
    data = yaml.safe_load(text) or {}
    return {key: value for inner in data.values() for key, value in _flatten(inner)}


def parse_hugo_i18n(text: str) -> dict[str, str]:
    """A Hugo i18n YAML list of {id, translation}; plural forms are joined with newlines."""
    found: dict[str, str] = {}
    for item in yaml.safe_load(text) or []:
        translation = item.get("translation")
        if isinstance(translation, dict):
            translation = "\n".join(str(v) for v in translation.values())
        if isinstance(translation, str):
            found[str(item["id"])] = translation
    return found


def parse_hugo_toml(text: str) -> dict[str, str]:
    """A Hugo i18n TOML file: [key] tables with one/other forms, joined with newlines."""
    found: dict[str, str] = {}
    for key, value in tomllib.loads(text).items():
        if isinstance(value, dict):
            forms = [str(v) for v in value.values() if isinstance(v, str)]
            if forms:
                found[key] = "\n".join(forms)
        elif isinstance(value, str):
            found[key] = value
    return found


_SHARIFF_TITLE = re.compile(r"\btitle:\s*\{([^{}]*)\}")
_SHARIFF_PAIR = re.compile(r"([a-z]{2}(?:-[a-z]+)?|'[a-z-]+'):\s*'((?:[^'\\]|\\.)*)'")


def parse_shariff_service(text: str) -> dict[str, dict[str, str]]:
    """A shariff service module: its `title: {lang: '...'}` object, by language."""
    match = _SHARIFF_TITLE.search(text)
    if match is None:
        return {}
    return {lang.strip("'"): {"title": value.replace("\\'", "'")}
            for lang, value in _SHARIFF_PAIR.findall(match.group(1))}


# --- placeholders -> slots ---------------------------------------------------------------

_MAGIC = re.compile(r"\{\{\s*(PLURAL|GENDER)\s*:\s*[^|{}]*\|([^{}]*)\}\}", re.IGNORECASE)
_VARIANTS_MAX = 12
_SLOT_MARK = re.compile(r"\{(?:" + "|".join(SLOT_KINDS) + r")\}")


def expand_variants(text: str) -> list[str]:
    """Expand MediaWiki {{PLURAL:..}} / {{GENDER:..}} into each of their forms.

    >>> expand_variants("{{PLURAL:$1|Category|Categories}}")
    ['Category', 'Categories']
    """
    done: list[str] = []
    todo = [text]
    while todo and len(done) + len(todo) <= _VARIANTS_MAX:
        current = todo.pop(0)
        match = _MAGIC.search(current)
        if match is None:
            done.append(current)
            continue
        for form in dict.fromkeys(match.group(2).split("|")):
            form = re.sub(r"^\s*\d+\s*=", "", form)  # explicit forms: "0=no pages"
            todo.append(current[:match.start()] + form + current[match.end():])
    return done


def to_template(text: str, slots: dict[str, str]) -> str | None:
    """A catalogue text with its placeholders as `{kind}` slots, or None if unusable."""
    text = text.strip()
    if re.search(r"\[\[|<\w|'''|\{\{(?!\s*(SITENAME\b|\.\w*|n\b))", text):
        return None  # wiki links, HTML, magic words: not a line as readers see it
    text = re.sub(r"\{\{\s*SITENAME\s*\}\}", "{text}", text)
    text = re.sub(r"\{\{\s*(?:\.Count|n)\s*\}\}", "{n}", text)
    text = re.sub(r"\{\{\s*\.\w*\s*\}\}", "{text}", text)  # Hugo: {{ .Title }}, {{ . }}

    def slot(match: re.Match[str]) -> str:
        placeholder = match.group()
        if placeholder in slots:
            return "{" + slots[placeholder] + "}"
        if placeholder[1:-1] in SLOT_KINDS:  # a slot written above ({{SITENAME}})
            return placeholder
        return "{text}"

    text = re.sub(r"\$\d|%\d|%(?:\d\$)?[sd]|\{\w+\}", slot, text)
    if re.search(r"[{}]", _SLOT_MARK.sub("", text)):
        return None  # a brace that is not a slot
    return " ".join(text.split())


@dataclass(frozen=True)
class Source:
    """One catalogue: a repository snapshot, the files to read, the keys to keep."""

    name: str
    mirror: str
    licence: str
    pattern: str  # regex on the path; group "lang" is the language code
    #: Text -> {key: text}; for a file without a "lang" group, text -> {lang: {key: text}}.
    parse: Callable[[str], Any]
    keys: dict[str, str]
    slots: dict[str, dict[str, str]] = field(default_factory=dict)
    lang_map: dict[str, str] = field(default_factory=dict)
    upstream: str = ""
    skip_langs: tuple[str, ...] = ()


SOURCES: tuple[Source, ...] = (
    Source("mediawiki", "kekecoco+momokingwiki", "GPL-2.0-or-later",
           r"^languages/i18n/(?P<lang>[a-z-]+)\.json$", parse_json_messages,
           MEDIAWIKI_KEYS, MEDIAWIKI_SLOTS,
           upstream="a copy of MediaWiki core 1.39 (wikimedia/mediawiki); messages from "
                    "translatewiki.net"),
    Source("vector", "wikimedia+mediawiki-skins-Vector", "GPL-2.0-or-later",
           r"^i18n/(?P<lang>[a-z-]+)\.json$", parse_json_messages, VECTOR_KEYS,
           VECTOR_SLOTS),
    Source("collection", "wikimedia+mediawiki-extensions-Collection", "GPL-2.0-or-later",
           r"^i18n/(?P<lang>[a-z-]+)\.json$", parse_json_messages, COLLECTION_KEYS),
    Source("isso", "isso-comments+isso", "MIT",
           r"^isso/js/app/i18n/(?P<lang>[A-Za-z_]+)\.js$", parse_js_object, ISSO_KEYS,
           lang_map={"el_GR": "el", "pt_BR": "pt-br", "pt_PT": "pt", "zh_CN": "zh-hans",
                     "zh_TW": "zh-hant"}),
    Source("tarteaucitron", "AmauriC+tarteaucitron.js", "MIT",
           r"^lang/tarteaucitron\.(?P<lang>[a-z]+)\.js$", parse_js_object,
           TARTEAUCITRON_KEYS, lang_map={"cn": "zh-hans", "se": "se", "no": "nb"}),
    Source("klaro", "klaro-org+klaro-js", "BSD-3-Clause",
           r"^src/translations/(?P<lang>[a-z_]+)\.yml$", parse_yaml_tree, KLARO_KEYS,
           KLARO_SLOTS, lang_map={"no": "nb", "zh": "zh-hans", "sr_cyrl": "sr-ec"}),
    Source("nodebb", "NodeBB+NodeBB", "GPL-3.0",
           r"^public/language/(?P<lang>[a-zA-Z-]+)/(?P<file>global|topic)\.json$",
           parse_json_messages, NODEBB_KEYS, NODEBB_SLOTS,
           lang_map={"en-GB": "en", "fa-IR": "fa", "nn-NO": "nn", "sq-AL": "sq",
                     "zh-CN": "zh-hans", "zh-TW": "zh-hant", "pt-PT": "pt"},
           skip_langs=("en-US", "en-x-pirate")),
    Source("ananke", "theNewDynamic+gohugo-theme-ananke", "MIT",
           r"^i18n/(?P<lang>[a-z-]+)\.toml$", parse_hugo_toml, ANANKE_KEYS,
           lang_map={"zh": "zh-hans", "zh-tw": "zh-hant", "no": "nb"}),
    Source("shariff", "heiseonline+shariff", "MIT",
           r"^src/js/services/(?P<file>[a-z-]+)\.js$", parse_shariff_service, SHARIFF_KEYS,
           lang_map={"zh": "zh-hans", "no": "nb"}),
    Source("spree", "spree-contrib+spree_i18n", "BSD-3-Clause",
           r"^config/locales/(?P<lang>[a-zA-Z-]+)\.yml$", parse_rails_locale, SPREE_KEYS,
           lang_map={"en-GB": "en", "de-CH": "de-ch", "sl-SI": "sl", "zh-CN": "zh-hans",
                     "zh-TW": "zh-hant"},
           skip_langs=("en-AU", "en-IN", "en-NZ", "es-CL", "es-EC", "es-MX")),
    Source("docsy", "google+docsy", "Apache-2.0",
           r"^theme/i18n/(?P<lang>[a-z-]+)\.yaml$", parse_yaml_tree, DOCSY_KEYS,
           lang_map={"zh-cn": "zh-hans", "zh-tw": "zh-hant", "no": "nb", "sr-cyrl": "sr-ec",
                     "sr-latn": "sr-el"}),
    Source("beautifulhugo", "halogenica+beautifulhugo", "MIT",
           r"^i18n/(?P<lang>[a-zA-Z-]+)\.yaml$", parse_hugo_i18n, BEAUTIFULHUGO_KEYS,
           lang_map={"dk": "da", "zh-CN": "zh-hans", "zh-TW": "zh-hant"}),
    Source("papermod", "adityatelange+hugo-PaperMod", "MIT",
           r"^i18n/(?P<lang>[a-z-]+)\.yaml$", parse_hugo_i18n, PAPERMOD_KEYS,
           lang_map={"zh": "zh-hans", "zh-tw": "zh-hant", "no": "nb"}),
)


# --- harvesting --------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@dataclass
class Harvest:
    """What was kept: lang -> {template: (reason, rule)}, and the files read per source."""

    strings: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    commits: dict[str, str] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)
    langs_by_source: dict[str, set[str]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def english_is_one_word(source: Source, english: dict[str, str], key: str) -> bool:
    """Whether the key's English text is a single word (after its slots)."""
    forms = expand_variants(english.get(key, ""))
    templates = [to_template(f, source.slots.get(key, {})) for v in forms for f in v.split("\n")]
    # A number counts as a word: "{n} Comments" is a counter, not the word "Comments".
    return any(t is None or len(_literal_words(t)) + t.count("{n}") < 2 for t in templates)


def _literal_words(template: str) -> list[str]:
    return [w for w in template_key(template).split(" ") if w and not w.startswith("{")]


def harvest(sources: tuple[Source, ...], mirror: Path, content_keys: set[str],
            common_words: set[str]) -> Harvest:
    result = Harvest()
    for source in sources:
        repo = mirror / source.mirror / "repo"
        commit = _git(repo, "rev-parse", "HEAD^{commit}").strip()
        result.commits[source.name] = commit
        files = [p for p in _git(repo, "ls-tree", "-r", "--name-only", commit).splitlines()
                 if re.match(source.pattern, p)]
        result.paths[source.name] = files
        catalogues: dict[str, dict[str, str]] = {}
        for path in files:
            match = re.match(source.pattern, path)
            assert match is not None
            groups = match.groupdict()
            parsed = source.parse(_git(repo, "show", f"{commit}:{path}"))
            by_lang = {groups["lang"]: parsed} if "lang" in groups else parsed
            prefix = f"{groups['file']}." if "file" in groups else ""
            for lang, messages in by_lang.items():
                if lang in source.skip_langs:
                    continue
                code = source.lang_map.get(lang, lang).lower().replace("_", "-")
                catalogues.setdefault(code, {}).update(
                    {prefix + key: text for key, text in messages.items()})
        english = catalogues.get("en", {})
        keys = {key: reason for key, reason in source.keys.items()
                if not english_is_one_word(source, english, key)}
        for lang, messages in catalogues.items():
            if lang in ("qqq", "qqx"):  # message documentation, not a language
                continue
            for key, reason in keys.items():
                text = messages.get(key)
                if not text:
                    continue
                for form in (f for v in expand_variants(text) for f in v.split("\n")):
                    template = to_template(form, source.slots.get(key, {}))
                    if template is None:
                        continue
                    normal = template_key(template)
                    if len(line_key(template).replace(" ", "")) < MIN_KEY_CHARS and not \
                            re.search(r"\{\w+\}", template):
                        result.dropped["short"] = result.dropped.get("short", 0) + 1
                        continue
                    if normal in content_keys:
                        result.dropped["content"] = result.dropped.get("content", 0) + 1
                        continue
                    literal = _literal_words(template)
                    if len(literal) == 1 and "{" not in template and literal[0] in common_words:
                        result.dropped["common_word"] = result.dropped.get("common_word", 0) + 1
                        continue
                    if re.search(r"\{(?:text|list|url)\}", template) and len(literal) < 2:
                        # "Om {text}" ("About {text}") would take any short Swedish line
                        # starting with "om" (if).
                        result.dropped["loose_slot"] = result.dropped.get("loose_slot", 0) + 1
                        continue
                    rule = f"ui:{source.name}:{key}"
                    result.strings.setdefault(lang, {}).setdefault(template, (reason, rule))
                    result.langs_by_source.setdefault(source.name, set()).add(lang)
    drop_matching(result, content_keys)
    return result


def drop_matching(result: Harvest, content_keys: set[str]) -> None:
    """Drop every string that a content line matches as the line pass would match it.

    The equality test above misses strings with slots ("{n} kommenttia" is "57
    kommenttia:", a line the gold calls content) and trailing counts; this runs the
    content lines through the matcher itself.
    """
    entries = [(reason, "ui:x:" + str(k), template)
               for k, (template, (reason, _)) in enumerate(
                   (t, v) for strings in result.strings.values() for t, v in strings.items())]
    ui = UiStrings.build(entries)
    by_rule = {rule: template_key(template) for _, rule, template in entries}
    hits = set()
    for line_key_ in content_keys:
        found = ui.match(line_key_)
        if found is not None:
            hits.add(by_rule[found[1]])
    for strings in result.strings.values():
        for template in [t for t in strings if template_key(t) in hits]:
            del strings[template]
            result.dropped["content_match"] = result.dropped.get("content_match", 0) + 1


def content_lines(eval_dir: Path, mirror: Path) -> Iterator[str]:
    """Clean text to test harvested strings against: labelled content lines, sentences.

    The sentences are those of ../shared/eval lang_sentences and of any Universal
    Dependencies treebank snapshot in the mirror folder (`# text = ...` lines).
    """
    gold = eval_dir / "boiler_lines" / "gold.jsonl"
    for name in ("boiler_lines", "seeds"):
        with open(eval_dir / name / "gold.jsonl", encoding="utf-8") as handle:
            for raw in handle:
                item = json.loads(raw)
                if name == "boiler_lines" and "/test_" in "/" + item["source"]:
                    continue  # the test split is reported, never tuned on
                for line, label in zip(item["lines"], item["labels"], strict=False):
                    if label == 1:
                        yield line
    del gold
    sentences = eval_dir / "lang_sentences" / "gold.jsonl"
    if sentences.exists():
        folder = sentences.parent
        with open(sentences, encoding="utf-8") as handle:
            for raw in handle:
                path = folder / json.loads(raw)["source"]
                if path.exists():
                    yield from path.read_text(encoding="utf-8").splitlines()
    for repo in sorted(mirror.glob("UniversalDependencies+*/repo")):
        commit = _git(repo, "rev-parse", "HEAD^{commit}").strip()
        for path in _git(repo, "ls-tree", "-r", "--name-only", commit).splitlines():
            if path.endswith(".conllu"):
                # Files of 4 MiB and more are not in the snapshots: skipped.
                text = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"],
                                      capture_output=True, text=True).stdout
                yield from (line[9:] for line in text.splitlines()
                            if line.startswith("# text = "))


def write(result: Harvest, out: Path, min_strings: int) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.tsv"):
        old.unlink()
    written = []
    for lang, strings in sorted(result.strings.items()):
        if len(strings) < min_strings:
            continue
        used = sorted({rule.split(":")[1] for _, rule in strings.values()})
        lines = [f"# textclean UI strings: {lang}. Generated by tools/harvest_ui_strings.py;"
                 " do not edit by hand.",
                 f"# sources: {' '.join(used)} (see SOURCES.md)",
                 "# reason<TAB>rule<TAB>string"]
        lines += [f"{reason}\t{rule}\t{template}"
                  for template, (reason, rule) in sorted(strings.items(),
                                                         key=lambda kv: (kv[1][1], kv[0]))]
        (out / f"{lang}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(lang)
    return written


def write_sources(result: Harvest, sources: tuple[Source, ...], out: Path,
                  written: list[str]) -> None:
    rows = ["# Where the UI strings come from", "",
            "Generated by `tools/harvest_ui_strings.py`; the catalogues themselves are not",
            "in this repository. Each string is a translation catalogue entry, kept as data",
            "with attribution under its project's licence. Rule ids are "
            "`ui:<source>:<message key>`.", "",
            "| source | repository snapshot | commit | files | licence | languages used |",
            "|---|---|---|---|---|---|"]
    for source in sources:
        repo = source.mirror.replace("+", "/", 1)
        pattern = re.sub(r"\(\?P<\w+>", "(", source.pattern).strip("^$")
        langs = sorted(result.langs_by_source.get(source.name, set()) & set(written))
        upstream = f" ({source.upstream})" if source.upstream else ""
        rows.append(f"| `{source.name}` | {repo}{upstream} | `{result.commits[source.name]}`"
                    f" | `{pattern}` | {source.licence} | {len(langs)} |")
    rows += ["", "## Languages and their sources", ""]
    for lang in written:
        used = sorted({rule.split(":")[1] for _, rule in result.strings[lang].values()})
        rows.append(f"- `{lang}`: {', '.join(used)} ({len(result.strings[lang])} strings)")
    (out / "SOURCES.md").write_text("\n".join(rows) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"),
                        help="folder of the fetched snapshots (<owner>+<name>/repo)")
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval",
                        help="the shared eval folder, for the content lines to test against")
    parser.add_argument("--out", type=Path, default=ROOT / "cleaners" / "uistrings")
    parser.add_argument("--min-strings", type=int, default=30,
                        help="write a language only with at least this many strings")
    args = parser.parse_args()
    lines = list(content_lines(args.eval, args.mirror))
    content_keys = {template_key(line) for line in lines}
    counts = Counter(word for line in lines for word in line_key(line).split(" "))
    common_words = {word for word, count in counts.items() if count >= COMMON_WORD_COUNT}
    result = harvest(SOURCES, args.mirror, content_keys, common_words)
    written = write(result, args.out, args.min_strings)
    write_sources(result, SOURCES, args.out, written)
    total = sum(len(result.strings[lang]) for lang in written)
    print(json.dumps({"languages": len(written), "strings": total, "dropped": result.dropped}))


if __name__ == "__main__":
    main()
