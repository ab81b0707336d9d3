"""Main text and metadata of an HTML page, through trafilatura.

trafilatura is the user's choice for HTML. We call it with comments excluded (reader
comments are not the article) and ask for its metadata, which becomes the `title`,
`url`, `published` and `sitename` columns. Its output already has one paragraph per line,
which is what the line-level boilerplate pass expects. trafilatura's own cross-document
deduplication is left off: it keeps an LRU cache between calls (module state), and
paragraph deduplication is our dedup stage's job, with reasons and a kept copy.

The article's lead (standfirst) often sits in a header block above the container
trafilatura picks as the body, and is lost with that header. Many pages also give the
lead as their meta description; when that description is written out in the page's
visible text and trafilatura's extraction lacks it, it is put back as the first line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import trafilatura
from lxml.etree import XPath, _Element
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html

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
        kept on 2 pages, none lost; f1 0.9251 -> 0.9276.
    drop_calls_to_action: leave out blocks whose class or id has the token `cta` (call
        to action: "write us a letter", "try it free" boxes); trafilatura has no rule for
        them. On ../shared/eval/html_pages 16 pages have one: 1 fewer boilerplate snippet
        kept, none lost; f1 0.9276 -> 0.9282.
    """

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    extensive_date_search: bool = False
    lead_from_description: bool = True
    drop_captions: bool = True
    drop_calls_to_action: bool = True


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
        # Parsed here once so that the lead check below reads the same tree.
        tree = load_html(html)
        doc = trafilatura.bare_extraction(
            tree if tree is not None else html,
            url=url,
            include_comments=False,
            include_tables=config.include_tables,
            favor_precision=config.favor_precision,
            favor_recall=config.favor_recall,
            with_metadata=True,
            deduplicate=False,
            prune_xpath=_prune_xpath(config) or None,
            # trafilatura's own date defaults (original date, none later than today),
            # with the extensive search as configured.
            date_extraction_params=set_date_params(config.extensive_date_search),
        )
    except (ValueError, TypeError, RecursionError) as error:
        # lxml refuses some malformed or absurdly nested documents by raising; the
        # page is then recorded as rejected instead of stopping the batch.
        return Rejection("unparsable_html", f"{type(error).__name__}: {error}"[:500])
    found = doc.as_dict() if isinstance(doc, trafilatura.settings.Document) else doc or {}
    text = found.get("text") or ""
    if not text.strip():
        return Rejection("no_main_text", "trafilatura found no main text in the page")
    if config.lead_from_description and tree is not None:
        lead = missing_lead(tree, found.get("description"), text)
        if lead is not None:
            text = f"{lead}\n{text}"
    return Extracted(
        text=text,
        title=_clean(found.get("title")),
        url=_clean(found.get("url")) or url,
        published=_clean(found.get("date")),
        sitename=_clean(found.get("sitename")),
    )


_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
# Blocks only (a figure's caption and credit lines, the wp-caption box around an image),
# never a figure, which may hold a chart or a table; and short ones, so that a wrapper
# whose class happens to contain the word (`has-caption`, `credit-cards`) is kept.
_CAPTION_XPATH = (
    "//*[self::div or self::p or self::span or self::figcaption or self::small][("
    + " or ".join(f"contains({_LOWER.format(attr)}, '{word}')"
                  for attr in ("@class", "@id") for word in ("caption", "credit"))
    + ") and string-length(normalize-space(.)) < 400]"
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


def _prune_xpath(config: ExtractConfig) -> list[str]:
    return ([_CAPTION_XPATH] if config.drop_captions else []) + (
        [_CTA_XPATH] if config.drop_calls_to_action else [])


# A description this short is a tagline or a site slogan rather than an article's lead.
_LEAD_MIN_WORDS = 6
_WORD = re.compile(r"\w+")
_VISIBLE_TEXT = XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
                      " or ancestor::template)]")


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
    words = _words(lead)
    if len(words.split()) < _LEAD_MIN_WORDS or words in _words(text):
        return None
    body = tree.find(".//body")
    if body is None:
        return None
    return lead if words in _words(" ".join(_visible_text(body))) else None


def _visible_text(body: _Element) -> list[str]:
    found = _VISIBLE_TEXT(body)
    return [str(part) for part in found] if isinstance(found, list) else []


def _words(text: str) -> str:
    """`text` as space-separated casefolded words, padded with a space on each side so
    that `in` matches whole words only."""
    return f" {' '.join(_WORD.findall(unicodedata.normalize('NFKC', text).casefold()))} "


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
