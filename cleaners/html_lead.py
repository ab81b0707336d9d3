"""An article's lead (standfirst) that its markup names, put back above the extraction.

Many sites mark the lead with a class or id: `intro`, `lead`, `standfirst`, `summary`,
`chapo`, `vorspann`, `entradilla`... and set it in the article's header or in a block of
its own above the body, which trafilatura leaves out with the header (or because the
block's class also says `teaser`). The meta description gives the lead back only where
the page repeats it there (`cleaners.extract.missing_lead`); this reads it from the
markup. A block counts as the lead when a token of its class or id is one of those words,
it holds a sentence or more of its own text (not mostly links, not inside a link, nav,
footer, aside or form), and it stands before the first paragraph the extraction kept:
after the body it would be a teaser for another article.
"""

from __future__ import annotations

import re

from lxml.etree import XPath, _Element

from cleaners.html_body import text_of, word_string

# The words a class or id token names a lead by, in the languages sites are written in
# (class names are mostly English; German, French, Spanish, Italian, Portuguese,
# Polish and Nordic sites also use their own).
LEAD_TOKENS = frozenset({
    "intro", "lead", "lede", "standfirst", "summary", "excerpt", "abstract", "deck", "dek",
    "teaser", "subtitle", "subheadline", "subhead", "strapline", "chapo", "chapeau",
    "vorspann", "anriss", "einleitung", "entradilla", "sumario", "bajada", "sommario",
    "catenaccio", "resumo", "linhafina", "zajawka", "lid", "ingress", "ingressi",
})
# Candidates: blocks, never a link or a list item (teasers for other articles).
_CANDIDATES = XPath(
    "//body//*[self::p or ((self::div or self::section or self::header or self::span"
    " or self::h2 or self::strong) and (@class or @id))]")
_OUTSIDE_ARTICLE = frozenset({"nav", "footer", "aside", "form", "a", "li", "figure"})
_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
# A lead is at least a sentence: fewer words are a kicker, a date or a label.
_MIN_WORDS = 8
_MAX_CHARS = 1500
_MAX_LINK_SHARE = 0.3
# A lead is text: a block holding a heading, a picture, a list or a form is a header or
# a teaser card, and one of many paragraphs is the body itself.
_INLINE = frozenset({"p", "span", "strong", "b", "em", "i", "a", "abbr", "br", "time",
                     "sup", "sub", "small", "mark", "q", "cite", "u", "s", "bdi", "wbr"})
_MAX_PARAGRAPHS = 3
# A lead ends a sentence (a kicker or a headline does not), closing quotes aside.
_SENTENCE_END = re.compile("[.!?\u2026\u3002\uff01\uff1f][\\s\"'\u00bb\u00ab\u201d\u201c\u2019)]*$")
# The first paragraph of the extraction that is this long locates the body in the page.
_BODY_LINE_MIN_CHARS = 40
# Paragraphs looked at before the body starts, at most: a lead is near the top, and each
# one is searched for in the extraction (linear work per page).
_MAX_PARAGRAPHS_BEFORE = 200


def is_lead_name(value: str) -> bool:
    """True when a token of a class or id value names a lead.

    >>> [is_lead_name(v) for v in ("content__intro", "c-articleLead", "leader", "sub-lead")]
    [True, True, False, True]
    """
    return any(part.lower() in LEAD_TOKENS for part in _SPLIT.split(value) if part)


def with_marked_lead(tree: _Element, text: str, have: str | None = None) -> str:
    """`text` with the page's marked lead as its first line, when it lacks it
    (`have`: `word_string(text)`, when the caller has it).

    >>> from lxml import html
    >>> lead = "Die Stadt baut bis 2025 drei neue Schulen und saniert zwei alte Turnhallen."
    >>> body = "Der Gemeinderat hat am Montag einstimmig beschlossen, das Geld freizugeben."
    >>> page = html.fromstring(f'<html><body><header><h1>Schulen</h1><div class="intro">'
    ...     f'{lead}</div></header><article><p>{body}</p></article></body></html>')
    >>> with_marked_lead(page, body).split("\\n") == [lead, body]
    True
    """
    if have is None:
        have = word_string(text)
    lead = None
    paragraphs = 0
    found = _CANDIDATES(tree)
    for element in found if isinstance(found, list) else ():
        if not isinstance(element, _Element):
            continue
        named = is_lead_name(f"{element.get('class') or ''} {element.get('id') or ''}")
        if element.tag == "p":
            paragraphs += 1
            if paragraphs > _MAX_PARAGRAPHS_BEFORE:
                return text  # no body start near the top: no lead to speak of
        elif not named:
            continue
        own = " ".join(text_of(element).split())
        key = word_string(own)
        if element.tag == "p" and len(own) >= _BODY_LINE_MIN_CHARS and key in have:
            # The body starts here: a lead after it would be another article's.
            return text if lead is None else f"{lead}\n{text}"
        if named and _lead_like(element, own) and key not in have:
            lead = own
    # No paragraph of the page starts the extraction's body: nothing tells where it is.
    return text


def _lead_like(element: _Element, own: str) -> bool:
    if len(own.split()) < _MIN_WORDS or len(own) > _MAX_CHARS:
        return False
    if _SENTENCE_END.search(own) is None:
        return False
    inside = [child.tag for child in element.iterdescendants()]
    if any(tag not in _INLINE for tag in inside) or inside.count("p") > _MAX_PARAGRAPHS:
        return False
    if any(above.tag in _OUTSIDE_ARTICLE for above in element.iterancestors()):
        return False
    links = sum(len(" ".join(text_of(a).split())) for a in element.iter("a"))
    return links <= _MAX_LINK_SHARE * len(own)
