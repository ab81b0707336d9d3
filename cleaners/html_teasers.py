"""Headlines of other articles (teasers) taken out of the extraction.

A heading whose text is a link to another page is the headline of a teaser: "more on
this", a related-articles box, a list of recent posts. An article's own section headings
are not links, or link to an anchor of the same page (a permalink "¶", a table of
contents). trafilatura keeps such headlines when the box stands inside the container it
takes as the body. A line of the extraction that is the whole text of such a heading
leaves, unless the heading is the page's own title (a blog's h1 links to the post's
permalink) or the lines would take half of the text or more.
"""

from __future__ import annotations

from lxml.etree import XPath, _Element

from cleaners.html_body import text_of, word_string

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A heading is a link when links to other pages hold at least this share of its text.
_MIN_LINK_SHARE = 0.9
# Above this share of the text the "teasers" are the page itself (a list page).
_MAX_SHARE = 0.5
_TITLES = XPath("//title//text() | //meta[@property='og:title' or @name='og:title'"
                " or @name='twitter:title' or @property='twitter:title']/@content")


def without_linked_headings(tree: _Element, text: str) -> str:
    """`text` without the lines that are the whole text of a heading linking elsewhere.

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
    teasers = linked_headings(tree)
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
