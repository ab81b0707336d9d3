"""Read the start of a lexicon pattern: the literal words every match must hold.

The lexicon (`cleaners.boilerplate.lexicon`) indexes each pattern by these words, so a
line is only tried against the patterns whose word it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

_LETTERS = re.compile(r"[^\W\d_]+")


def _structure(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Yield each `(`, `)` and `|` of `source` from `start` that is regex structure (not
    escaped, not inside a character class), with its position and the group depth after it."""
    depth, escaped, in_class = 0, False, False
    for pos in range(start, len(source)):
        char = source[pos]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            depth += 1 if char == "(" else -1 if char == ")" else 0
            yield pos, char, depth


def _group_end(source: str, start: int) -> int:
    """Index just past the group opening at `source[start] == "("`, or -1."""
    for pos, char, depth in _structure(source, start):
        if char == ")" and depth == 0:
            return pos + 1
    return -1


def _split_alternatives(source: str) -> list[str]:
    """Split a pattern on its top-level `|`."""
    cuts = [pos for pos, char, depth in _structure(source) if char == "|" and depth == 0]
    bounds = [-1, *cuts, len(source)]
    return [source[a + 1:b] for a, b in pairwise(bounds)]


# Items a pattern may hold before or between its literal words: zero-width ones, and
# separators that cannot be part of a \w+ token.
_ZERO_WIDTH = ("^", "\\b")
_SEPARATORS = ("\\s+", "\\s", " ", "'", "-")
_QUANTIFIERS = ("?", "*", "{", "+")
_LOOKBEHIND = re.compile(r"\(\?<[=!]")
# A leading number is a token of its own when whitespace must follow ("^\d+ comments").
_NUMBER = re.compile(r"\\d(?:\+|\{\d+(?:,\d*)?\})?(?= |\\s\+|\\s(?![*?{]))")
_OPTIONAL = ("?", "*", "{0")
# A digit that no quantifier makes optional, and a literal symbol, plain or escaped
# ("©", "\("), likewise.
_DIGIT_START = re.compile(r"\\d(?![?*]|\{0)")
_LITERAL = re.compile(r"(?:\\([^\w\s])|([^\w\s\\.^$*+?{}\[\]|()]))(?![?*]|\{0)")
# What may follow a literal word for it to end a \w+ token of the line (when it is not
# itself made optional by a quantifier).
_WORD_END = ("\\b", "$", "\\W", ":", ",", "\\.", "/", "&", *_SEPARATORS)

_Words = frozenset[tuple[str, bool]]


def _separator_at(source: str, pos: int) -> tuple[int, bool]:
    """Length of the separator at `pos` (0 if none) and whether it must match a char."""
    for item in _ZERO_WIDTH:
        if source.startswith(item, pos):
            return len(item), False
    for item in ("\\s*", *_SEPARATORS):
        if source.startswith(item, pos):
            end = pos + len(item)
            if item != "\\s*" and not source.startswith(_QUANTIFIERS[:3], end):
                return len(item), True
            # An optional separator ("\s*", " ?"): the words around it may be glued.
            quantified = source[end:end + 1] in ("?", "*")
            return len(item) + quantified, False
    return 0, False


def _leading_words(source: str, first: bool = False) -> _Words | None:
    r"""The literal words one of which every match must hold (stems of 3+ letters).

    Reads the start of a pattern: skips anchors, spacing, lookbehinds and a number
    followed by a space, follows a leading group into each of its alternatives (and
    past it when it is optional), then reads the run of literal words that follows and
    keeps its longest word (the rarest, so a pattern like "de acuerdo" is only tried on
    lines holding "acuerdo"). Only words that must start a \w+ token count: the first
    one (a match is taken to start at a word, as if the pattern began with \b), and
    later ones after a separator that cannot be empty. Each word comes with whether it
    is a whole token (followed by a boundary) or only a stem.

    With `first`, the pattern is anchored and the words returned are those the line can
    start with: the first word, whatever its length, or "#" for a leading number.
    Returns None when the pattern does not start that way (a class, a dot, a symbol).
    """
    alternatives = _split_alternatives(source)
    if len(alternatives) > 1:
        return _union(_leading_words(alternative, first) for alternative in alternatives)
    best: tuple[str, bool] | None = None
    pos, seen_word, token_start = 0, False, True
    while pos < len(source):
        length, mandatory = _separator_at(source, pos)
        if length:
            pos += length
            if seen_word and not mandatory and not source.startswith(_ZERO_WIDTH, pos - length):
                token_start = False
            elif mandatory:
                token_start = True
            continue
        if not seen_word:
            # A pattern starting with a symbol ("©", "\(") is indexed by it: "=©". An
            # anchored one starting with a digit is indexed by "#", any leading digit.
            literal = _LITERAL.match(source, pos)
            if literal is not None:
                return frozenset({("=" + (literal.group(1) or literal.group(2)), True)})
            if first and _DIGIT_START.match(source, pos):
                return frozenset({("#", True)})
        number = _NUMBER.match(source, pos)
        if number is not None and not seen_word:
            pos = number.end()
            continue
        if source[pos] == "(":
            # A short word such as "en" or "de" is in half the lines of a language;
            # the group that follows it is usually a better index.
            if best is None or len(best[0]) <= 3:
                group = _group_words(source, pos, first)
                if group is not None or best is None:
                    return group
            break
        run = _LETTERS.match(source, pos)
        if run is None or not token_start:
            break
        word, pos = run.group(), run.end()
        seen_word = True
        if source.startswith("?", pos) and _ends_word(source, pos + 1) and (
            len(word) > 3 or (first and len(word) > 1)
        ):
            # "cookies?" is two whole words, cheaper to look up than the stem "cookie".
            if best is not None and len(best[0]) >= len(word):
                return frozenset({best})
            return frozenset({(word[:-1].casefold(), True), (word.casefold(), True)})
        quantified = source[pos:pos + 1] in _QUANTIFIERS
        if quantified:
            word = word[:-1]
        whole = not quantified and _ends_word(source, pos)
        if first:
            return frozenset({(word.casefold(), whole)}) if word else None
        if (len(word) >= 3 or (len(word) == 2 and whole)) and (
            best is None or len(word) > len(best[0])
        ):
            best = (word.casefold(), whole)
        if quantified or not whole:
            break
        # A one-letter word ("l'", "j'") is passed over: the next word is still required.
    return None if best is None else frozenset({best})


def _ends_word(source: str, pos: int) -> bool:
    """Whether whatever matches from `pos` on must start with a non-word character."""
    for spacing in ("\\s*", "\\s?", " ?", " *"):
        if source.startswith(spacing, pos):
            # Optional spacing before something that must be a non-word character.
            return _ends_word(source, pos + len(spacing))
    for item in _WORD_END:
        if source.startswith(item, pos):
            return not source.startswith(_QUANTIFIERS[:3], pos + len(item)) or item in (
                "\\b", "$")
    if _LITERAL.match(source, pos):  # a symbol such as ")" or "©" that must follow
        return True
    if not source.startswith("(?:", pos):
        return False
    end = _group_end(source, pos)
    rest = source[end:]
    optional = rest.startswith(_OPTIONAL)
    if optional:
        rest = rest[rest.find("}") + 1:] if rest.startswith("{") else rest[1:]
    inner = source[pos + 3:end - 1]
    alternatives_end = all(_ends_word(alt + rest, 0) for alt in _split_alternatives(inner))
    return alternatives_end and (not optional or _ends_word(rest, 0))


def _group_words(source: str, pos: int, first: bool = False) -> _Words | None:
    end = _group_end(source, pos)
    if end < 0:
        return None
    if _LOOKBEHIND.match(source, pos):
        return _leading_words(source[end:], first)
    inner = source[pos + 1:end - 1]
    if inner.startswith("?:"):
        inner = inner[2:]
    elif inner.startswith("?"):
        return None
    rest = source[end:]
    optional = rest.startswith(_OPTIONAL)
    if optional:
        rest = rest[rest.find("}") + 1:] if rest.startswith("{") else rest[1:]
    alternatives = _split_alternatives(inner)
    if optional:
        after = _leading_words(rest, first)
        # An optional group that ends in whitespace ("(?:Monday,\s+)?") leaves the words
        # after it mandatory, and those alone are the sharper index (not for the first
        # word of the line, which the group may hold).
        if (not first and after is not None
                and all(alt.endswith((" ", "\\s+", "\\s")) for alt in alternatives)):
            return after
        return _union([*(_leading_words(alt + rest, first) for alt in alternatives), after])
    return _union(_leading_words(alt + rest, first) for alt in alternatives)


def _union(found: Iterator[_Words | None] | list[_Words | None]) -> _Words | None:
    words: set[tuple[str, bool]] = set()
    for part in found:
        if part is None:
            return None
        words |= part
    return frozenset(words)

