"""Site templates: short lines that recur across many articles of the same site.

A line such as "Share this article" or "© 2024 Example Media, all rights reserved" may
look like content on its own, but when the same line stands in many articles of one
site (the URL's host, or the input folder for files without a URL) it is the site's
template. This module holds the pure parts of that decision: which lines are
candidates, what identifies an article, which documents are copies of one article, and
when a count is high enough. `flows.site_templates` gathers the counts over a run and
over earlier runs over the same output, and applies the decision.

Only short lines are candidates: long paragraphs that recur are syndicated content,
which is the dedup stage's business (it keeps the first copy instead of removing all).

Articles are counted, not files: when one article is scraped three times, its headline
stands in three files but in one article, and must stay in the copy that is kept. Two
documents of one site are copies of one article when their bodies (the lines longer
than a candidate) are near-identical, judged on small bottom-k sketches of their body
lines' hashes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w")
# The ids that bottom-k sketches keep are uniform 64-bit hashes.
_HASH_SPACE = float(2**64)


@dataclass(frozen=True, slots=True)
class TemplateConfig:
    """When a recurring line counts as template.

    max_words: only lines of at most this many words are candidates; menu items,
        share prompts and footers are short, while a recurring 20-word sentence is more
        often a syndicated paragraph (handled by dedup, which keeps the first copy).
    min_documents: a line must stand in at least this many distinct articles of its
        site (copies of one article count once; the name is kept from when files were
        counted, so that existing config files still load).
    min_share: ... and in at least this share of the site's articles, so that a
        common short heading ("Introduction") in a large mixed folder is not a template.
    same_article: two documents of one site whose body lines' sets overlap at least
        this much (Jaccard, estimated on sketches) are copies of one article. Copies of
        one page scraped at different times differ by a changing teaser or two; two
        articles of a site share at most a long legal footer. 0.5 sits between.
    sketch_lines: body lines' hashes kept per document to judge `same_article` (the
        smallest ones: a bottom-k sketch, exact for bodies of at most this many lines).
    remembered_articles: per site and line, the article ids the output's state keeps
        (the smallest: counts up to this are exact, beyond it estimated to ~1/sqrt of
        it, 12% at 64), so the state stays bounded however many runs add to it.
    remembered_lines: per site, the lines the state keeps, those in most articles
        first: a site's template lines are a few dozen, the rest is evidence that a
        line may yet become one.
    """

    max_words: int = 12
    min_documents: int = 3
    min_share: float = 0.2
    same_article: float = 0.5
    sketch_lines: int = 16
    remembered_articles: int = 64
    remembered_lines: int = 4000

    def __post_init__(self) -> None:
        if self.max_words < 1 or self.min_documents < 1:
            raise ValueError("max_words and min_documents must be at least 1")
        if not 0 <= self.min_share <= 1 or not 0 < self.same_article <= 1:
            raise ValueError("min_share must be within 0-1 and same_article within (0, 1]")
        if self.sketch_lines < 1 or self.remembered_articles < 2 or self.remembered_lines < 1:
            raise ValueError("sketch_lines, remembered_lines must be at least 1 and "
                             "remembered_articles at least 2")


def is_candidate(line: str, config: TemplateConfig, words: int | None = None) -> bool:
    """Whether `line` is short enough to be judged as a template line (`words`, its
    count of whitespace-separated words, when the caller has it already).

    >>> is_candidate("Share this article", TemplateConfig())
    True
    >>> is_candidate(" ".join(["word"] * 40), TemplateConfig())
    False
    """
    if words is None:
        words = len(line.split())
    return 0 < words <= config.max_words and not looks_like_code(line)


# Lines that end a statement or open a block, and attributes: code, whose boilerplate
# (`fn main() {`, `#![allow(unused)]`, `import os;`) recurs across a documentation site's
# pages as much as its menus do, but is content. Template chrome is words for a reader.
_CODE_ENDS = ("{", ";")
_CODE_STARTS = ("#[", "#![")


def looks_like_code(line: str) -> bool:
    """Whether `line` reads as a line of program code rather than words for a reader.

    >>> looks_like_code("fn main() {"), looks_like_code("#![allow(unused)]")
    (True, True)
    >>> looks_like_code("Mentions légales"), looks_like_code("16.1. {arm,thumb}v6-none-eabi{,hf}")
    (False, False)
    """
    stripped = line.strip()
    return stripped.endswith(_CODE_ENDS) or stripped.startswith(_CODE_STARTS)


def line_hash(key: str) -> int:
    """A 64-bit hash of a line key; collisions (2**-64 per pair) are negligible.

    >>> line_hash("share this article") == line_hash("share this article")
    True
    """
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(frozen=True, slots=True)
class Article:
    """What identifies a document's article: an id, and a sketch to find near copies.

    identity: a hash of the body lines in order, case and spacing folded (copies with
        the same body share it, whatever their file name or chrome).
    sketch: the smallest hashes of the distinct body lines, ascending.
    """

    identity: int
    sketch: tuple[int, ...]


def article_of(lines: Sequence[str], config: TemplateConfig,
               words: Sequence[Sequence[str]] | None = None) -> Article:
    """The article a document's kept lines make: its body is the lines too long to be
    template candidates, or all its lines when none is (a page of short lines).
    `words`: each line's `str.split()`, when the caller has them.

    >>> body = "A long enough body sentence of the article, " * 2
    >>> a = article_of(["Home", body], TemplateConfig())
    >>> b = article_of(["Start", body], TemplateConfig())
    >>> a == b, len(a.sketch)
    (True, 1)
    """
    split = [line.split() for line in lines] if words is None else words
    body = [parts for parts in split if len(parts) > config.max_words] or split
    # Case and spacing folded, digits kept: two reports that differ only in their
    # figures (a weather page, a results table) are two articles. (Casefolding never
    # makes or unmakes whitespace, so folding the joined words folds the line.)
    keys = [key for key in (" ".join(parts).casefold() for parts in body)
            if _WORD.search(key)]
    identity = line_hash("\n".join(keys))
    sketch = tuple(sorted({line_hash(key) for key in keys})[:config.sketch_lines])
    return Article(identity, sketch)


def sketch_similarity(a: Sequence[int], b: Sequence[int], size: int) -> float:
    """Jaccard similarity of two sets estimated from their bottom-`size` sketches (exact
    when the two sets together have at most `size` elements).

    >>> sketch_similarity((1, 2, 3), (2, 3, 4), 16)
    0.5
    >>> sketch_similarity((), (), 16)
    1.0
    """
    union = sorted(set(a) | set(b))[:size]
    if not union:
        return 1.0
    both = set(a) & set(b)
    return sum(1 for x in union if x in both) / len(union)


def same_articles(articles: Sequence[Article], config: TemplateConfig,
                  representatives: int = 4,
                  links: Sequence[Sequence[int]] | None = None) -> list[int]:
    """For each of one site's documents, the identity of the article it is a copy of.

    Documents whose sketches are `same_article`-similar are one article, named by the
    smallest identity among them. Candidates come from shared sketch entries; each
    entry is compared with at most `representatives` earlier articles, so a long footer
    line that every page shares costs a few comparisons per page, not one per pair.
    The result depends on the order of `articles` only in rare chains of partial
    copies; the flow passes them in its canonical order.

    `links`: each article's sketch entries that another of `articles` holds too (in
    sketch order), when the caller knows them; the other entries cannot make it a copy
    of anything, and are skipped (the whole sketch still measures similarity).

    >>> c = TemplateConfig()
    >>> body = [article_of([f"Sentence {n} of a body that is long enough to count here ok"], c)
    ...         for n in "AAB"]
    >>> ids = same_articles(body, c)
    >>> ids[0] == ids[1] != ids[2]
    True
    """
    parent = list(range(len(articles)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    seen: dict[int, list[int]] = {}
    for n, article in enumerate(articles):
        for entry in article.sketch if links is None else links[n]:
            earlier = seen.get(entry)
            if earlier is None:
                # Most entries are met first here (a body line of one article): nothing
                # to compare, and the document is the entry's first representative.
                seen[entry] = [n]
                continue
            for other in earlier:
                if root(other) != root(n) and sketch_similarity(
                        article.sketch, articles[other].sketch,
                        config.sketch_lines) >= config.same_article:
                    parent[max(root(n), root(other))] = min(root(n), root(other))
            if len(earlier) < representatives:
                mine = root(n)
                if all(root(o) != mine for o in earlier):
                    earlier.append(n)
    # Documents without a body word have no sketch, and one identity: one article.
    identity: dict[int, int] = {}
    for n, article in enumerate(articles):
        r = root(n)
        identity[r] = min(identity.get(r, article.identity), article.identity)
    return [identity[root(n)] for n in range(len(articles))]


def estimate_count(smallest: Sequence[int], size: int) -> int:
    """How many distinct uniform 64-bit ids a set held, from its `size` smallest ids
    (a bottom-k "k minimum values" estimate: exact while fewer than `size` were kept).

    >>> estimate_count([5, 9], 64)
    2
    >>> estimate_count([n * 2**58 for n in range(1, 5)], 4)
    48
    """
    if len(smallest) < size:
        return len(smallest)
    return max(size, round((size - 1) * _HASH_SPACE / (float(smallest[size - 1]) + 1.0)))


def template_floor(articles: int, config: TemplateConfig) -> float:
    """The distinct articles a line must stand in to be template in a site of `articles`
    articles (infinite when the site is too small to tell).

    >>> template_floor(10, TemplateConfig()), template_floor(100, TemplateConfig())
    (3, 20.0)
    >>> template_floor(2, TemplateConfig())
    inf
    """
    if articles < config.min_documents:
        return math.inf
    return max(config.min_documents, config.min_share * articles)


def line_key(key: str) -> int:
    """The hash that counts a line alone (`key` is its `template_key`)."""
    return line_hash(f"line\n{key}")


def pair_key(first: str, second: str) -> int:
    """The hash that counts two lines standing one after the other (their
    `template_key`s; `START` and `END` for a document's edges)."""
    return line_hash(f"pair\n{first}\n{second}")


START, END = "\x02", "\x03"


def template_positions(paragraphs: int, with_neighbour: Collection[int],
                       alone: Collection[int]) -> set[int]:
    """Which of a document's lines are template lines, from what recurs across its site.

    `with_neighbour`: positions of lines whose pair with the line before or after them
    recurs: a template prints its lines in blocks, in the same order (menus, footers,
    tables of contents), while a body's recurring heading ("Requirements") or code line
    stands among lines of its own. `alone`: positions of lines that recur by
    themselves; they are template only in the document's head or tail, before the first
    or after the last line that does not recur (a lone "Advertisement" amid the body
    is left to the lexicon).

    >>> sorted(template_positions(6, with_neighbour={0, 1}, alone={0, 1, 3, 5}))
    [0, 1, 5]
    """
    rest = [p for p in range(paragraphs) if p not in alone]
    first, last = (rest[0], rest[-1]) if rest else (paragraphs, -1)
    return set(with_neighbour) | {p for p in alone if p < first or p > last}
