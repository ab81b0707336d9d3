"""The article body of an HTML page, read from its structure and its declared data.

Pure helpers of `cleaners.extract` for what trafilatura's choice of body misses or takes
in wrongly: the densest container of paragraph text, the article body a page declares in
its JSON-LD, and the lines a page shows only in its navigation, footer and sidebar.
"""

from __future__ import annotations

import json
import re
import unicodedata

import lxml.html
from lxml.etree import XPath, _Element, _ElementUnicodeResult

# Paragraph-like blocks and what does not count as article text around them.
_BLOCKS = ("p", "pre", "blockquote")
_OUTSIDE_ARTICLE = frozenset({"nav", "header", "footer", "aside", "form"})
_NOT_TEXT = frozenset({"script", "style", "noscript", "template"})
# A paragraph shorter than this is a label, a date or a button rather than prose; one
# with more link text than this share is a teaser list (readability's link-density idea).
_PARAGRAPH_MIN_CHARS = 40
_PARAGRAPH_MAX_LINK_SHARE = 0.3


def body_paragraphs(tree: _Element) -> list[str]:
    """The paragraphs of the page's article body: those of the container holding the
    most paragraph text (paragraphs of 40 characters or more, under 30% link text,
    outside nav, header, footer, aside and form), in page order.

    >>> from lxml import html
    >>> lead = "The storm reached the coast on Monday and cut power to many homes."
    >>> page = html.fromstring(
    ...     f"<html><body><nav><p>{lead}</p></nav><div><p>{lead}</p><p>Crews worked"
    ...     " through the night to restore it.</p><p>{lead}</p></div></body></html>")
    >>> len(body_paragraphs(page))
    2
    """
    groups: dict[_Element, list[str]] = {}
    sizes: dict[_Element, int] = {}
    for element in tree.iter(*_BLOCKS):
        parent = element.getparent()
        if parent is None or any(a.tag in _OUTSIDE_ARTICLE for a in element.iterancestors()):
            continue
        text = " ".join(text_of(element).split())
        if len(text) < _PARAGRAPH_MIN_CHARS:
            continue
        links = sum(len(" ".join(text_of(a).split())) for a in element.iter("a"))
        if links > _PARAGRAPH_MAX_LINK_SHARE * len(text):
            continue
        groups.setdefault(parent, []).append(text)
        sizes[parent] = sizes.get(parent, 0) + len(text)
    if not groups:
        return []
    return groups[max(sizes, key=lambda parent: sizes[parent])]


def text_of(element: _Element) -> str:
    """The visible text of `element`: its script and style contents left out."""
    found = _VISIBLE_TEXT(element)
    return "".join(str(part) for part in found) if isinstance(found, list) else ""


def with_declared_body(tree: _Element, text: str, *, min_chars: int, share: float) -> str:
    """`text`, with the paragraphs of the page's declared article body (JSON-LD
    `articleBody`) it lacks added when it covers less than `share` of its
    sentences: some pages render the article with a script from that data alone."""
    paragraphs = declared_body(tree)
    sentences = [part for paragraph in paragraphs for part in _SENTENCE_END.split(paragraph)]
    total = sum(len(sentence) for sentence in sentences)
    if total < min_chars or len(text) >= total:
        return text
    have = word_string(text)
    covered = sum(len(sentence) for sentence in sentences if word_string(sentence) in have)
    if covered >= share * total:
        return text
    missing = [paragraph for paragraph in paragraphs if word_string(paragraph) not in have]
    return "\n".join(([text.rstrip("\n")] if text.strip() else []) + missing)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LD_JSON = XPath("//script[@type='application/ld+json']/text()")


def declared_body(tree: _Element) -> list[str]:
    """The paragraphs of the longest `articleBody` in the page's JSON-LD (markup in it
    read as HTML), or none.

    >>> from lxml import html
    >>> page = html.fromstring('<html><head><script type="application/ld+json">'
    ...     '{"@graph": [{"@type": "NewsArticle", "articleBody": "<p>One.</p><p>Two.</p>"}]}'
    ...     '</script></head><body></body></html>')
    >>> declared_body(page)
    ['One.', 'Two.']
    """
    found: list[str] = []
    scripts = _LD_JSON(tree)
    for script in scripts if isinstance(scripts, list) else ():
        try:
            data = json.loads(str(script), strict=False)
        except ValueError:
            continue
        found.extend(_article_bodies(data))
    if not found:
        return []
    body = max(found, key=len)
    if "<" in body and ">" in body:
        fragment = lxml.html.fragment_fromstring(body, create_parent="div")
        blocks = [" ".join(text_of(block).split()) for block in fragment.iter(*_BLOCKS)]
        if any(blocks):
            return [block for block in blocks if block]
        body = " ".join(visible_text(fragment))
    return [" ".join(line.split()) for line in body.splitlines() if line.strip()]


def _article_bodies(data: object) -> list[str]:
    """Every string `articleBody` in a parsed JSON-LD value, at any depth."""
    found: list[str] = []
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            body = value.get("articleBody")
            if isinstance(body, str):
                found.append(body)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


_PAGE_CHROME = ("nav", "footer", "aside")
# Above this share of the text the "chrome" holds the article itself.
_CHROME_MAX_SHARE = 0.5


def without_page_chrome(tree: _Element, text: str) -> str:
    """`text` without the lines the page shows only inside nav, footer and aside.

    >>> from lxml import html
    >>> page = html.fromstring("<html><body><nav><span>Wines from Spain and Portugal, "
    ...     "delivered</span></nav><p>Rioja lies in the north of Spain.</p>"
    ...     "<p>Its wines age in oak.</p></body></html>")
    >>> lines = ["Wines from Spain and Portugal, delivered",
    ...          "Rioja lies in the north of Spain.", "Its wines age in oak."]
    >>> without_page_chrome(page, "\\n".join(lines)).split("\\n")
    ['Rioja lies in the north of Spain.', 'Its wines age in oak.']
    """
    body = tree.find(".//body")
    if body is None:
        return text
    outermost = [element for element in body.iter(*_PAGE_CHROME)
                 if not any(above.tag in _PAGE_CHROME for above in element.iterancestors())]
    if not outermost:
        return text
    # Most pages have no line from their chrome: the whole page's text is read only when
    # some line stands there.
    only_there = word_string(" ".join(part for e in outermost for part in visible_text(e)))
    lines = text.split("\n")
    keys = [word_string(line) for line in lines]
    if not any(key.strip() and key in only_there for key in keys):
        return text
    chrome = {inside for element in outermost for inside in element.iter()}
    found = _VISIBLE_TEXT(body)
    parts = found if isinstance(found, list) else []
    shown = word_string(" ".join(str(part) for part in parts if _holder(part) not in chrome))
    kept = [line for line, key in zip(lines, keys, strict=True)
            if not (key.strip() and key in only_there and key not in shown)]
    if sum(map(len, kept)) <= (1 - _CHROME_MAX_SHARE) * sum(map(len, lines)):
        return text
    return "\n".join(kept)


def _holder(part: object) -> _Element | None:
    """The element a text node of an XPath result stands in (a tail's is its parent's)."""
    if not isinstance(part, _ElementUnicodeResult):
        return None
    holder = part.getparent()
    return holder.getparent() if holder is not None and part.is_tail else holder


_WORD = re.compile(r"\w+")
# MathML's <annotation> holds a formula's TeX source, which browsers do not show.
_VISIBLE_TEXT = XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
                      " or ancestor::template or ancestor::annotation)]")


def visible_text(body: _Element) -> list[str]:
    found = _VISIBLE_TEXT(body)
    return [str(part) for part in found] if isinstance(found, list) else []


def word_string(text: str) -> str:
    """`text` as space-separated casefolded words, padded with a space on each side so
    that `in` matches whole words only."""
    return f" {' '.join(_WORD.findall(unicodedata.normalize('NFKC', text).casefold()))} "


# Text-level markup: a `div` holding only these (and text) reads as one paragraph.
_INLINE = frozenset({"span", "strong", "b", "em", "i", "a", "abbr", "br", "time", "sup", "sub",
                     "small", "mark", "q", "cite", "u", "s", "bdi", "wbr", "font"})
# Where a block of text is another thing than the body: chrome, a teaser, a table cell.
_NOT_BODY = frozenset({"nav", "footer", "aside", "form", "header", "a", "li", "figure", "table"})
# Class or id tokens of notices over the page, not the article: an alert banner, a "this
# site needs JavaScript" box, a pop-up.
_NOTICE_TOKENS = frozenset({"alert", "banner", "notice", "notification", "popup", "modal",
                            "toast", "noscript", "nojs"})
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
# A block of text is at least a sentence: fewer words are a label or a kicker.
_BLOCK_MIN_WORDS = 8
_BLOCK_MAX_CHARS = 1500
_BLOCK_MAX_LINK_SHARE = 0.3
_BLOCK_END = re.compile("[.!?\u2026\u3002\uff01\uff1f][\\s\"'\u00bb\u00ab\u201d\u201c\u2019)]*$")
# Text-only divs looked at per page, at most: each one is searched for in the
# extraction, so the work per page stays linear.
_MAX_BLOCKS = 200


def with_text_blocks(tree: _Element, text: str, pruned: tuple[str, ...] = (),
                     have: str | None = None) -> str:
    """`text` with the text-only `div`s of the article body it lacks, each put back
    before the body paragraph that follows it on the page.

    trafilatura reads paragraphs; a `div` that holds only text and inline markup is
    dropped when it stands before a block of paragraphs, even in its recall mode. Such a
    div is put back when it holds a sentence or more (8+ words ending in sentence
    punctuation, at most 1,500 characters, under 30% link text), stands outside chrome,
    headers, links, lists, figures, tables and notices (a class or id token `alert`,
    `banner`, `notice`, `popup`, `no-js`...), and the next element beside it holds a
    paragraph of 40 characters or more that the extraction has: then it is part of that
    body. A div after the body's last paragraph (a footer line, a notice) is not, nor
    one inside what the XPath expressions `pruned` match (what the extraction was told
    to leave out: captions, calls to action, consent notices). `have`: `word_string(text)`,
    when the caller has it.

    >>> from lxml import html
    >>> lead = "Der Konzern muss nach dem Urteil zwei Milliarden Dollar Schadenersatz zahlen."
    >>> body = "Die Geschworenen in Kalifornien sahen einen Zusammenhang mit der Krankheit."
    >>> page = html.fromstring(f"<html><body><article><div>{lead}</div>"
    ...     f"<div><p>{body}</p></div></article></body></html>")
    >>> with_text_blocks(page, body).split("\\n") == [lead, body]
    True
    """
    if have is None:
        have = word_string(text)
    lines = text.split("\n")
    added: list[tuple[int, str, _Element]] = []
    keys: list[str] | None = None  # each line's word string, once a block needs them
    seen = 0
    for div in tree.iter("div"):
        if any(isinstance(inner.tag, str) and inner.tag not in _INLINE
               for inner in div.iterdescendants()):
            continue
        own = " ".join(text_of(div).split())
        if len(own.split()) < _BLOCK_MIN_WORDS:
            continue
        seen += 1
        if seen > _MAX_BLOCKS:
            break
        if (len(own) > _BLOCK_MAX_CHARS or _BLOCK_END.search(own) is None
                or word_string(own) in have):
            continue
        # (<html class="no-js"> is how scripts learn they run: not a notice.)
        if any(above.tag in _NOT_BODY for above in div.iterancestors()) or any(
                _notice(element) for element in (div, *div.iterancestors())
                if element.tag not in ("html", "body")):
            continue
        links = sum(len(" ".join(text_of(a).split())) for a in div.iter("a"))
        if links > _BLOCK_MAX_LINK_SHARE * len(own):
            continue
        if keys is None:
            keys = [word_string(line) for line in lines]
        where = _next_body_line(div, keys, have)
        if where is not None:
            added.append((where, own, div))
    if added and pruned:
        # Read only when a block is to come back (most pages have none).
        left_out = {element for xpath in pruned for element in _elements(tree.xpath(xpath))}
        added = [(where, own, div) for where, own, div in added
                 if div not in left_out and not any(a in left_out for a in div.iterancestors())]
    for where, own, _ in sorted(added, key=lambda found: -found[0]):
        lines.insert(where, own)
    return "\n".join(lines)


def _notice(element: _Element) -> bool:
    """True when a class or id token of `element` names a notice ("no-js" is one)."""
    name = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    name = name.replace("no-js", "nojs")
    return any(token in _NOTICE_TOKENS for token in _TOKEN_SPLIT.split(name))


def _elements(found: object) -> list[_Element]:
    return [e for e in found if isinstance(e, _Element)] if isinstance(found, list) else []


def _next_body_line(div: _Element, keys: list[str], have: str) -> int | None:
    """The index of the line (`keys`: each line's `word_string`) holding the first
    paragraph after `div` among its siblings that the extraction holds, or None."""
    for sibling in div.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        paragraph = next((text for text in (" ".join(text_of(p).split())
                                             for p in sibling.iter("p"))
                          if len(text) >= _PARAGRAPH_MIN_CHARS), None)
        if paragraph is None:
            continue
        key = word_string(paragraph)
        if key not in have:
            continue
        return next((i for i, line in enumerate(keys) if key in line), None)
    return None
