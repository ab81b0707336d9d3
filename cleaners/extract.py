"""Main text and metadata of an HTML page, through trafilatura and checks of our own.

trafilatura is the user's choice for HTML. We call it with comments excluded (reader
comments are not the article) and ask for its metadata, which becomes the `title`,
`url`, `published` and `sitename` columns. Its output already has one paragraph per line,
which is what the line-level boilerplate pass expects. trafilatura's own cross-document
deduplication is left off: it keeps an LRU cache between calls (module state), and
paragraph deduplication is our dedup stage's job, with reasons and a kept copy.

The article's lead (standfirst) often sits in a header block above the container
trafilatura picks as the body, and is lost with that header. Many pages also give the
lead as their meta description; when that description is written out in the page's
visible text and trafilatura's extraction lacks it, it is put back as the first line. A
lead the markup names by its class or id (`intro`, `standfirst`, `chapo`...) is put back
the same way (`cleaners.html_lead`).

Reader comment sections are taken out of the page before anything is read from it, so a
comment's timestamp cannot become the publication date. A title trafilatura took from a
heading the page's own metadata and <title> do not name gives way to the <title>. When
trafilatura misses the page's article body (the container densest in paragraph text),
the body's paragraphs are added; when it finds nothing, its recall mode and then that
body are tried in turn (see `ExtractConfig`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import trafilatura
from lxml.etree import XPath, _Element
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html
from trafilatura.xpaths import REMOVE_COMMENTS_XPATH

from cleaners import reasons
from cleaners.html_body import (
    body_paragraphs,
    text_of,
    visible_text,
    with_declared_body,
    with_text_blocks,
    without_page_chrome,
    word_string,
)
from cleaners.html_lead import with_marked_lead
from cleaners.html_teasers import without_linked_headings
from cleaners.page_tables import with_missing_tables
from cleaners.records import Rejection


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """How trafilatura is asked to extract the main text.

    favor_precision / favor_recall: trafilatura's own trade-off switches; both off is its
        balanced default, which measured best on ../shared/eval/html_pages (see
        docs/benchmarks.md).
    include_tables: tables in articles are usually content (results, figures).
    extensive_date_search: let htmldate search the whole page (free text, with
        dateparser) for the publication date when the markup gives none. Off: on
        ../shared/eval/html_pages it found 219 dates of 250 pages instead of 249 (none
        different), but dateparser compiles its language data on its first call in each
        worker process (7.3 s measured), and the search made the median page's
        extraction slower (60 pages: 8.2 s off, 11.3 s on after that one-off).
    lead_from_description: put the page's meta description back as the first line when
        the page shows it as visible text and the extraction lacks it (a lead in the
        article header, outside the container trafilatura took as the body). On
        ../shared/eval/html_pages 56 pages of 250 got a line; f1 0.9164 -> 0.9251
        (recall 0.9128 -> 0.9289, precision 0.9202 -> 0.9214).
    drop_captions: leave out blocks whose class or id says caption or credit (image
        captions, photo credits) before extraction; trafilatura keeps them as text even
        with images excluded. On ../shared/eval/html_pages: 4 fewer boilerplate snippets
        kept on 2 pages, none lost; f1 0.9251 -> 0.9276. The caption's name in other
        languages (`CAPTION_TOKENS`: dida, légende, leyenda, Bildunterschrift...) as a
        whole class or id token: 1 fewer boilerplate snippet (an Italian chart's
        `dida`), none lost; Readability's and newspaper's pages unchanged.
    drop_calls_to_action: leave out blocks whose class or id has the token `cta` (call
        to action: "write us a letter", "try it free" boxes); trafilatura has no rule for
        them. On ../shared/eval/html_pages 16 pages have one: 1 fewer boilerplate snippet
        kept, none lost; f1 0.9276 -> 0.9282.
    drop_consent: leave out blocks under 600 characters whose class or id says cookie,
        consent or content-blocker: cookie banners, and the placeholders consent tools
        put where an embed or a newsletter form would be ("Klicken Sie auf den unteren
        Button, um den Inhalt von www.komoot.de zu laden."), which trafilatura keeps
        when they sit inside the article. On ../shared/eval/html_pages 56 pages have
        such blocks; 2 lines leave the output, both consent text; 1 fewer boilerplate
        snippet kept, none lost (half A 1 fewer, half B no change).
    drop_comment_sections: take reader comment sections out of the page (trafilatura's
        own comment-container patterns, `REMOVE_COMMENTS_XPATH`) before anything is read
        from it, metadata included: trafilatura reads the date from the whole page, and
        a comment's timestamp could become `published`. Also taken out: what trafilatura's
        patterns miss (`marked_comments`: schema.org Comment markup, a section whose class
        or id token starts with "comments" or "kommentare"); on html_pages and
        Readability's test pages no date and no text changed. Kept on forum threads (the
        page declares schema.org DiscussionForumPosting), whose posts live in such
        containers.
    title_from_page: when trafilatura's title is a heading of the page (h1, h2) that the
        page's own metadata (og:title, twitter:title, JSON-LD headline) does not give
        and whose words the page's <title> does not contain, the metadata's title is the
        title instead, else the <title>: a lone h1 in a sidebar ("Ansprechpartner") is
        not the page's title.
        On Mozilla Readability's 130 test pages (bench/eval_html_reference.py) see
        docs/benchmarks.md.
    body_fallback, body_min_chars, body_share: the page's article body, measured as the
        container holding the most paragraph text (paragraphs of at least 40 characters,
        under 30% link text, outside nav, header, footer, aside and form, comment
        sections out), must be at least `body_share` covered by the extraction when it
        holds at least `body_min_chars`, or be longer than it; else its paragraphs the
        extraction lacks are added. When trafilatura finds nothing, its recall mode is
        tried, then that container (a different method: readability's densest-container
        idea). Choosing a whole other extraction per page (trafilatura's recall mode,
        resiliparse's main content) lost on both benchmarks (docs/benchmarks.md):
        trafilatura's choice stands unless it misses the body. resiliparse as the last
        resort was dropped: on a page nested 100,000 deep (tests/test_hostile.py) its
        main-content pass ran for minutes. html_pages: f1 0.9301 -> 0.9315, no page
        rejected.
    declared_body: the same rule for the article body the page declares in its JSON-LD
        (`articleBody`, its markup read as HTML): when the extraction covers less than
        `body_share` of its sentences and is shorter than it, its paragraphs the
        extraction lacks are added. Some pages render the article with a script from
        that data, so the visible markup holds only the lead. On ../shared/eval/html_pages
        one page fires (half B, whose misses suggested the rule: 3 content snippets
        gained, 2 boilerplate added, teaser headlines that the declared body holds
        inline); half A, Readability's and newspaper's pages do not change.
    drop_page_chrome_lines: take out of the extraction the lines whose text the page
        shows only inside nav, footer and aside elements (and nowhere else): trafilatura
        sometimes takes a whole page wrapper as the body, menu and site blurb included.
        Not done when it would take half of the text or more (some sites wrap the article
        in a <nav>). Pruning those elements before extraction instead lost on both halves
        (docs/benchmarks.md). On ../shared/eval/html_pages 3 pages lose lines (a menu, a
        site blurb, "Lorem ipsum" filler): half A 1 fewer boilerplate snippet, half B no
        change; Readability's test pages word f1 0.9057 -> 0.9058, newspaper's no change.
    lead_from_markup: put back the lead a block's class or id names (`intro`, `lead`,
        `standfirst`, `chapo`, `vorspann`...; `cleaners.html_lead`) when it stands before
        the first paragraph of the extraction and the extraction lacks it: trafilatura
        leaves an article header out with its lead. On ../shared/eval/html_pages 14 pages
        get a line: 3 content snippets gained, none of boilerplate (half A +2, half B
        +1); f1 0.9351 -> 0.9372. The reference sets, whose texts leave leads out by
        design, move by -0.0001 (Readability) and -0.0003 (newspaper).
    drop_linked_headings: take out of the extraction the lines that are the whole text of
        a heading linking to another page (a teaser's headline: related articles, recent
        posts; `cleaners.html_teasers`), not the page's own title, and not when that
        would take half of the text. Section headings link to nothing or to an anchor of
        the same page. On ../shared/eval/html_pages 11 pages lose 16 lines: 2 fewer
        boilerplate snippets (half A 1, half B 1), none of content; f1 0.9372 -> 0.9385.
        newspaper's pages 0.8434 -> 0.8438, Readability's 0.9057 either way.
    text_blocks: put back the article body's text-only `div`s that the extraction lacks
        (`cleaners.html_body.with_text_blocks`): a div holding a sentence or more of text
        and inline markup only, right before a sibling that holds a paragraph the
        extraction has. trafilatura reads paragraphs and drops such a div before a block
        of them, even in recall mode (a lead set as `<div>` text). On
        ../shared/eval/html_pages 8 pages get 9 lines: 1 content snippet gained, no
        boilerplate snippet added (see docs/benchmarks.md for the reference sets).
    drop_teaser_cards: with drop_linked_headings, take out the descriptions of teaser
        cards too (`cleaners.html_teasers.teaser_descriptions`): a paragraph in a small
        box whose links, two or more (headline, picture, "read more"), all lead to one
        other page. On ../shared/eval/html_pages 3 pages lose 4 lines: 2 fewer
        boilerplate snippets (recipe teasers), no content snippet lost.
    restore_tables: put back the article's data tables that trafilatura's extraction
        lacks (`cleaners.page_tables`): tables of two filled columns or more, not mostly
        links, not calendars, whose surroundings share a run of 8 words with the
        extraction. On ../shared/eval/html_pages tables came back on 5 pages (wine
        ageing rules, a game wiki's item list, a vocabulary list, a list of petition
        signers): 2 more content snippets kept, no boilerplate snippet added (half A +2,
        half B no change); on Readability's test pages one table of app sizes that
        the reference text holds.
    """

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    extensive_date_search: bool = False
    lead_from_description: bool = True
    drop_captions: bool = True
    drop_calls_to_action: bool = True
    restore_tables: bool = True
    drop_consent: bool = True
    drop_comment_sections: bool = True
    title_from_page: bool = True
    body_fallback: bool = True
    body_min_chars: int = 300
    body_share: float = 0.3
    declared_body: bool = True
    drop_page_chrome_lines: bool = True
    lead_from_markup: bool = True
    text_blocks: bool = True
    drop_linked_headings: bool = True
    drop_teaser_cards: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.body_share <= 1:
            raise ValueError(f"body_share must be between 0 and 1, not {self.body_share}")
        if self.body_min_chars < 0:
            raise ValueError(f"body_min_chars must be 0 or more, not {self.body_min_chars}")


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text of a page (one paragraph per line) and what trafilatura found about it."""

    text: str
    title: str | None
    url: str | None
    published: str | None
    sitename: str | None


def extract_html(html: str, *, url: str | None = None,
                 config: ExtractConfig = ExtractConfig()) -> Extracted | Rejection:
    """Extract the main text of `html`, or say why there is none.

    >>> body = " ".join(f"Sentence number {i} says something about the weather." for i in range(8))
    >>> page = f"<html><body><nav>Home</nav><article><p>{body}</p></article></body></html>"
    >>> extract_html(page).text.startswith("Sentence number 0")
    True
    >>> extract_html("<html><body></body></html>").reason
    'no_main_text'
    """
    try:
        # Parsed here once so that the checks below read the same tree.
        tree = load_html(html)
        if tree is not None and config.drop_comment_sections and not _forum_thread(html):
            _drop(tree, REMOVE_COMMENTS_XPATH)
            _remove_all(marked_comments(tree))
        found = _trafilatura(tree if tree is not None else html, url, config,
                             config.favor_recall)
        text = str(found.get("text") or "")
        if not text.strip() and not config.favor_recall:
            recall = _trafilatura(tree if tree is not None else html, url, config, True)
            text = str(recall.get("text") or "")
    except (ValueError, TypeError, RecursionError) as error:
        # lxml refuses some malformed or absurdly nested documents by raising; the
        # page is then recorded as rejected instead of stopping the batch.
        return Rejection(reasons.UNPARSABLE_HTML, f"{type(error).__name__}: {error}"[:500])
    if config.body_fallback and tree is not None:
        text = with_article_body(tree, text, config)
    if config.declared_body and tree is not None and "articleBody" in html:
        text = with_declared_body(tree, text, min_chars=config.body_min_chars,
                                  share=config.body_share)
    if config.drop_page_chrome_lines and tree is not None and text.strip():
        text = without_page_chrome(tree, text)
    if config.drop_linked_headings and tree is not None and text.strip():
        text = without_linked_headings(tree, text, cards=config.drop_teaser_cards)
    if config.restore_tables and config.include_tables and tree is not None and text.strip():
        text = with_missing_tables(tree, text)
    if not text.strip():
        return Rejection(reasons.NO_MAIN_TEXT, "trafilatura found no main text in the page")
    if config.lead_from_description and tree is not None:
        lead = missing_lead(tree, found.get("description"), text)
        if lead is not None:
            text = f"{lead}\n{text}"
    # The two steps look up the same extraction's words: made once (0.01 ms a document
    # of the e2e corpus), and again only if a lead was put in front of it.
    have = None
    if config.lead_from_markup and tree is not None:
        have = word_string(text)
        marked = with_marked_lead(tree, text, have)
        if marked != text:
            text, have = marked, None
    if config.text_blocks and tree is not None:
        text = with_text_blocks(tree, text, tuple(_prune_xpath(config)), have)
    title = _clean(found.get("title"))
    if config.title_from_page and tree is not None:
        title = page_title(tree, title)
    return Extracted(
        text=text,
        title=title,
        url=_clean(found.get("url")) or url,
        published=_clean(found.get("date")),
        sitename=_clean(found.get("sitename")),
    )


def _trafilatura(page: _Element | str, url: str | None, config: ExtractConfig,
                 favor_recall: bool) -> dict[str, object]:
    doc = trafilatura.bare_extraction(
        page,
        url=url,
        include_comments=False,
        include_tables=config.include_tables,
        favor_precision=config.favor_precision and not favor_recall,
        favor_recall=favor_recall,
        with_metadata=True,
        deduplicate=False,
        prune_xpath=_prune_xpath(config) or None,
        # trafilatura's own date defaults (original date, none later than today),
        # with the extensive search as configured.
        date_extraction_params=set_date_params(config.extensive_date_search),
    )
    if isinstance(doc, trafilatura.settings.Document):
        return dict(doc.as_dict())
    return dict(doc) if isinstance(doc, dict) else {}


# trafilatura's own test for a forum thread, whose posts sit in comment-like containers.
_FORUM = re.compile(r'"@type"\s*:\s*(?:"DiscussionForumPosting"|\[[^\]]*"DiscussionForumPosting")')


# Comments trafilatura's patterns miss (they want a class or id that starts with
# "comment"): schema.org's markup for a comment, and on a section-like block a class or
# id token that starts with "comments" or German "kommentare" ("comments-area",
# "kommentare-liste"). A token that only ends with it ("has-comments", a post's wrapper)
# is not matched, nor a list item or link ("li.comments" is a comment counter in a share
# bar: without it trafilatura kept the bar's labels on one of Readability's test pages).
_COMMENT_CANDIDATES = XPath(
    "//*[@itemprop='comment' or contains(@itemtype, 'schema.org/Comment')"
    " or contains(@class, 'omment') or contains(@id, 'omment')"
    " or contains(@class, 'ommentare') or contains(@id, 'ommentare')]")
_SECTIONS = frozenset({"div", "section", "ol", "ul", "aside"})
_COMMENT_TOKEN = re.compile(r"(?:^|\s)(?:[Cc]omments|[Kk]ommentare)")
_COMMENT_ID = re.compile(r"^(?:[Cc]omments|[Kk]ommentare)")


def marked_comments(tree: _Element) -> list[_Element]:
    """The elements of `tree` that are comments by schema.org markup, or comment
    sections by a class or id token (see the comment above)."""
    found = _COMMENT_CANDIDATES(tree)
    return [element for element in (found if isinstance(found, list) else [])
            if isinstance(element, _Element) and (
                element.get("itemprop") == "comment"
                or "schema.org/Comment" in (element.get("itemtype") or "")
                or (element.tag in _SECTIONS
                    and (_COMMENT_TOKEN.search(element.get("class") or "") is not None
                         or _COMMENT_ID.match(element.get("id") or "") is not None)))]


def _forum_thread(html: str) -> bool:
    return _FORUM.search(html) is not None


def _drop(tree: _Element, xpaths: list[XPath]) -> None:
    """Remove what the expressions match from `tree` (a tree this module parsed)."""
    for xpath in xpaths:
        found = xpath(tree)
        for element in found if isinstance(found, list) else ():
            if isinstance(element, _Element) and (parent := element.getparent()) is not None:
                _remove_keeping_tail(parent, element)


def _remove_all(elements: list[_Element]) -> None:
    for element in elements:
        if (parent := element.getparent()) is not None:
            _remove_keeping_tail(parent, element)


def _remove_keeping_tail(parent: _Element, element: _Element) -> None:
    # The text after an element (its tail) belongs to the parent, not to the element.
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def with_article_body(tree: _Element, text: str, config: ExtractConfig) -> str:
    """`text`, with the article body's paragraphs it lacks added when it covers less
    than `config.body_share` of them."""
    body = body_paragraphs(tree)
    total = sum(len(paragraph) for paragraph in body)
    # An extraction at least as long as the body is kept whatever it covers (below):
    # known before any paragraph is looked for in it.
    if total < config.body_min_chars or len(text) >= total:
        return text
    have = word_string(text)
    missing = [paragraph for paragraph in body if word_string(paragraph) not in have]
    covered = total - sum(len(paragraph) for paragraph in missing)
    # Both: the extraction misses most of the body, and is itself shorter than it (a
    # longer one holds the article elsewhere, the densest container being notes or a
    # comment thread).
    if covered >= config.body_share * total or len(text) >= total:
        return text
    return "\n".join(([text.rstrip("\n")] if text.strip() else []) + missing)


_META_TITLES = XPath(
    "//meta[@property='og:title' or @name='og:title' or @name='twitter:title'"
    " or @property='twitter:title']/@content")
_HEADLINE = re.compile(r'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"')
_HEADINGS = XPath("//h1|//h2")


def page_title(tree: _Element, title: str | None) -> str | None:
    """`title`, unless it is a heading of the page that neither the page's metadata nor
    its <title> gives: then the metadata's title (og:title, twitter:title, JSON-LD
    headline, in that order), else the <title>.

    >>> from lxml import html
    >>> page = html.fromstring("<html><head><title>Flood warning for the coast</title>"
    ...     "</head><body><aside><h1>Contact</h1></aside><p>Text</p></body></html>")
    >>> page_title(page, "Contact")
    'Flood warning for the coast'
    >>> page_title(page, "Flood warning")
    'Flood warning'
    """
    if title is None:
        return None
    heads = _HEADINGS(tree)
    headings = {" ".join(text_of(h).split()) for h in heads} if isinstance(heads, list) else set()
    if " ".join(title.split()) not in headings:
        return title
    given = metadata_titles(tree)
    if " ".join(title.split()) in given:
        return title
    element = tree.find(".//title")
    page = " ".join(text_of(element).split()) if element is not None else ""
    if page and word_string(title) in word_string(page):
        return title
    return next(iter(given), page or title)


def metadata_titles(tree: _Element) -> list[str]:
    """The titles the page's metadata gives, in order: og:title and twitter:title, then
    JSON-LD headlines.

    >>> from lxml import html
    >>> metadata_titles(html.fromstring('<html><head><script type="application/ld+json">'
    ...     r'{"headline": "Caf\u00e9 am Markt schlie\u00dft"}</script></head></html>'))
    ['Café am Markt schließt']
    """
    meta = _META_TITLES(tree)
    given = [" ".join(str(value).split()) for value in meta] if isinstance(meta, list) else []
    scripts = tree.xpath("//script[@type='application/ld+json']/text()")
    for script in scripts if isinstance(scripts, list) else ():
        for found in _HEADLINE.findall(str(script)):
            try:
                headline = json.loads(f'"{found}"')
            except ValueError:
                continue
            given.append(" ".join(str(headline).split()))
    return [value for value in given if value]


_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
# Blocks only (a figure's caption and credit lines, the wp-caption box around an image),
# never a figure, which may hold a chart or a table; and short ones, so that a wrapper
# whose class happens to contain the word (`has-caption`, `credit-cards`) is kept.
# Sites in other languages name the caption in theirs, as a whole token of the class or
# id (`dida` is a substring of "candidate"): Italian dida/didascalia, French légende,
# Spanish leyenda, Portuguese and Polish legenda, German Bildunterschrift, Nordic
# bildtext/kuvateksti, Dutch onderschrift, Polish podpis, Czech popisek. The token test
# (translate and concat on every element) is costly, so a plain substring that each
# token holds in any letter case but its first (`CAPTION_STEMS`: the token without its
# first letter, none that holds another) is tested first.
CAPTION_TOKENS = ("dida", "didascalia", "legende", "leyenda", "legenda", "bildunterschrift",
                  "bildtext", "kuvateksti", "onderschrift", "podpis", "popisek")
CAPTION_STEMS = tuple(sorted(
    stem for stem in {token[1:] for token in CAPTION_TOKENS}
    if not any(other != stem and other in stem for other in (t[1:] for t in CAPTION_TOKENS))))
_TOKENS = ("concat(' ', translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_-',"
           " 'abcdefghijklmnopqrstuvwxyz  '), ' ')")
_CAPTION_XPATH = (
    "//*[self::div or self::p or self::span or self::figcaption or self::small][("
    + " or ".join(f"contains({_LOWER.format(attr)}, '{word}')"
                  for attr in ("@class", "@id") for word in ("caption", "credit"))
    + " or (("
    + " or ".join(f"contains({attr}, '{stem}')"
                  for attr in ("@class", "@id") for stem in CAPTION_STEMS)
    + ") and ("
    + " or ".join(f"contains({_TOKENS.format(attr)}, ' {token} ')"
                  for attr in ("@class", "@id") for token in CAPTION_TOKENS)
    + "))) and string-length(normalize-space(.)) < 400]"
)

# `cta` as a whole token of a class or id, with `-` or `_` as separators inside a token
# (`c-letters-cta`, `footer_cta`, `cta-box`): as a substring it would match `octavia`.
_CTA_XPATH = (
    "//*[self::div or self::section or self::aside or self::p or self::form]["
    + " or ".join(f"contains(concat(' ', translate({attr}, '_', '-'), ' '), '{token}')"
                  for attr in ("@class", "@id")
                  for token in (" cta ", " cta-", "-cta ", "-cta-"))
    + "]"
)


# Cookie banners and consent placeholders are short; the limit keeps an article whose
# wrapper's class happens to say cookie (a recipe for cookies) whole.
_CONSENT_XPATH = (
    "//*[self::div or self::section or self::aside or self::p][("
    + " or ".join(f"contains({_LOWER.format(attr)}, '{word}')"
                  for attr in ("@class", "@id")
                  for word in ("cookie", "consent", "content-blocker"))
    + ") and string-length(normalize-space(.)) < 600]"
)


def _prune_xpath(config: ExtractConfig) -> list[str]:
    return ([_CAPTION_XPATH] if config.drop_captions else []) + (
        [_CTA_XPATH] if config.drop_calls_to_action else []) + (
        [_CONSENT_XPATH] if config.drop_consent else [])


# A description this short is a tagline or a site slogan rather than an article's lead.
_LEAD_MIN_WORDS = 6
def missing_lead(tree: _Element, description: object, text: str) -> str | None:
    """The page's meta `description`, if the page shows it as text and `text` lacks it.

    Words are compared casefolded and NFKC-normalized, so markup, punctuation and
    spacing between them do not matter.

    >>> from lxml import html
    >>> lead = "The storm reached the coast on Monday and cut power to many homes."
    >>> page = html.fromstring(f"<html><body><header><p>{lead}</p></header>"
    ...                        "<article><p>Crews worked all night.</p></article></body></html>")
    >>> missing_lead(page, lead, "Crews worked all night.") == lead
    True
    >>> missing_lead(page, lead, lead + " Crews worked all night.") is None
    True
    >>> missing_lead(page, "A description that is nowhere on the page at all.", "Crews") is None
    True
    """
    if not isinstance(description, str):
        return None
    lead = " ".join(description.split())
    words = word_string(lead)
    if len(words.split()) < _LEAD_MIN_WORDS or words in word_string(text):
        return None
    body = tree.find(".//body")
    if body is None:
        return None
    return lead if words in word_string(" ".join(visible_text(body))) else None


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
