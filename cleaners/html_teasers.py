"""Headlines of other articles (teasers) taken out of the extraction.

A heading whose text is a link to another page is the headline of a teaser: "more on
this", a related-articles box, a list of recent posts. An article's own section headings
are not links, or link to an anchor of the same page (a permalink "¶", a table of
contents). trafilatura keeps such headlines when the box stands inside the container it
takes as the body. A line of the extraction that is the whole text of such a heading
leaves, unless the heading is the page's own title (a blog's h1 links to the post's
permalink) or the lines would take half of the text or more.

A teaser card gives a description under the headline: a paragraph in a small box whose
links (headline, picture, "read more") all lead to one other page. An article's own
paragraph either links to several places or stands in a box with much more text. Those
descriptions leave with the headlines (`teaser_descriptions`).
"""

from __future__ import annotations

from itertools import islice

from lxml.etree import XPath, _Element

from cleaners.html_body import text_of, word_string

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A heading is a link when links to other pages hold at least this share of its text.
_MIN_LINK_SHARE = 0.9
# Above this share of the text the "teasers" are the page itself (a list page).
_MAX_SHARE = 0.5
_TITLES = XPath("//title//text() | //meta[@property='og:title' or @name='og:title'"
                " or @name='twitter:title' or @property='twitter:title']/@content")


def without_linked_headings(tree: _Element, text: str, *, cards: bool = True) -> str:
    """`text` without the lines that are the whole text of a heading linking elsewhere,
    and with `cards` the teaser cards' descriptions.

    >>> from lxml import html
    >>> page = html.fromstring(
    ...     "<html><head><title>Hochwasser am Rhein</title></head><body><article>"
    ...     "<h1>Hochwasser am Rhein</h1><p>Der Pegel stieg in der Nacht auf acht Meter.</p>"
    ...     '<h3><a href="/sturm">Sturm über der Nordsee</a></h3></article></body></html>')
    >>> lines = ["Hochwasser am Rhein", "Der Pegel stieg in der Nacht auf acht Meter.",
    ...          "Sturm über der Nordsee"]
    >>> without_linked_headings(page, "\\n".join(lines)).split("\\n") == lines[:2]
    True
    """
    teasers = linked_headings(tree) | (teaser_descriptions(tree) if cards else set())
    if not teasers:
        return text
    lines = text.split("\n")
    kept = [line for line in lines if word_string(line) not in teasers]
    if len(kept) == len(lines) or sum(map(len, kept)) <= (1 - _MAX_SHARE) * sum(map(len, lines)):
        return text
    return "\n".join(kept)


def linked_headings(tree: _Element) -> set[str]:
    """The word strings (`word_string`) of the page's headings that link to another page,
    the page's own titles left out."""
    found: set[str] = set()
    for heading in tree.iter(*_HEADINGS):
        own = " ".join(text_of(heading).split())
        if own and _links_elsewhere(heading, own):
            found.add(word_string(own))
    if not found:
        return found
    titles = _TITLES(tree)
    named = word_string(" ".join(str(t) for t in titles) if isinstance(titles, list) else "")
    return {key for key in found if key not in named}


def _links_elsewhere(heading: _Element, own: str) -> bool:
    if any(_to_other_page(link) for link in heading.iterancestors("a")):
        return True
    linked = sum(len(" ".join(text_of(link).split()))
                 for link in heading.iter("a") if _to_other_page(link))
    return linked >= _MIN_LINK_SHARE * len(own)


def _to_other_page(link: _Element) -> bool:
    """A link with a target other than an anchor of the same page."""
    href = (link.get("href") or "").strip()
    return bool(href) and not href.startswith("#")


# A teaser's description: a paragraph of this many characters...
_CARD_TEXT_CHARS = (20, 400)
# ...in a box (at most this many levels up) with at most this much other text...
_CARD_LEVELS = 3
_CARD_OTHER_CHARS = 300
# ...whose links, this many or more (headline and "read more", or picture and
# headline), all lead to one other page.
_CARD_MIN_LINKS = 2
# Paragraphs looked at per page, at most (each looks at a few boxes around it).
_CARD_MAX_PARAGRAPHS = 300


def teaser_descriptions(tree: _Element) -> set[str]:
    """The word strings of the page's teaser descriptions: paragraphs (20-400
    characters, under 30% link text) in a small box (up to 3 levels up, at most 300
    characters besides them) whose links, two or more, all lead to one other page, and
    one of them has two words or more (the headline).

    >>> from lxml import html
    >>> page = html.fromstring(
    ...     '<html><body><div class="box"><a href="/blog/malin">Co zrobić z malin?</a>'
    ...     "<p>Słodkie i soczyste owoce, które mogą być składnikiem deserów.</p>"
    ...     '<a href="/blog/malin">Czytaj więcej</a></div></body></html>')
    >>> sorted(teaser_descriptions(page))
    [' słodkie i soczyste owoce które mogą być składnikiem deserów ']
    """
    found: set[str] = set()
    boxes: dict[_Element, tuple[int, list[_Element]]] = {}
    looked = 0
    for paragraph in tree.iter("p"):
        own = " ".join(text_of(paragraph).split())
        if not _CARD_TEXT_CHARS[0] <= len(own) <= _CARD_TEXT_CHARS[1]:
            continue
        looked += 1
        if looked > _CARD_MAX_PARAGRAPHS:
            break
        inside = list(paragraph.iter("a"))
        if sum(len(" ".join(text_of(a).split())) for a in inside) > 0.3 * len(own):
            continue
        for box in islice(paragraph.iterancestors(), _CARD_LEVELS):
            if box not in boxes:
                boxes[box] = (len(" ".join(text_of(box).split())), list(box.iter("a")))
            size, links = boxes[box]
            if size > len(own) + _CARD_OTHER_CHARS:
                break
            outside = [link for link in links if link not in inside]
            if outside:
                if _one_other_page(outside, inside):
                    found.add(word_string(own))
                break
    return found


def _one_other_page(outside: list[_Element], inside: list[_Element]) -> bool:
    targets = {_target(link) for link in outside + inside}
    return (len(outside) >= _CARD_MIN_LINKS and len(targets) == 1 and "" not in targets
            and any(len(text_of(link).split()) >= 2 for link in outside))


def _target(link: _Element) -> str:
    """The page a link leads to: its href without the fragment or a trailing slash
    ("" for none, or an anchor of the same page)."""
    return (link.get("href") or "").strip().split("#")[0].rstrip("/")
