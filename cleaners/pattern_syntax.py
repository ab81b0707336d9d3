r"""How a Python regex is built, read the way `cleaners.linear` needs to rewrite it.

Where a class or a group ends or starts, what the pattern's parts are in RE2 terms
(its classes, the non-word characters an atom can match), and what kinds of characters
may stand on each side of a position: a word character, a non-word one, the end of
the text (`$`) or the end of the pattern. Everything here reads a pattern that
`re.compile` accepts; none of it matches text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

WORD_SET = r"\p{L}\p{N}_"
_SPACE_SET = (r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
              r"\x{202f}\x{205f}\x{3000}")
NOT_WORD = f"[^{WORD_SET}]"
NOT_LINE = f"[^{WORD_SET}\\n]"  # what `.` matches that is not a word character
#: Escapes rewritten alike inside and outside a character class.
_IN_CLASS = {"w": WORD_SET, "d": r"\p{Nd}", "s": _SPACE_SET}
OUTSIDE = {
    "w": f"[{WORD_SET}]", "W": NOT_WORD, "d": r"\p{Nd}", "D": r"\P{Nd}",
    "s": f"[{_SPACE_SET}]", "S": f"[^{_SPACE_SET}]", "Z": r"\z", "A": r"\A",
}
QUANTIFIER = re.compile(r"[?*+]\??|\{\d*(?:,\d*)?\}\??")
_OPTIONAL = re.compile(r"\?\??|\*\??|\{0?(?:,\d*)?\}\??")
FLAGS = re.compile(r"\(\?([imsx]*)(?:-([imsx]+))?(:|\))")
_PUNCT_CLASS = re.compile(r"\[([^\]\\]|\\.)*\]")


class PatternError(ValueError):
    """A pattern RE2 cannot match in linear time, or an invalid one."""


def repeat_bounds(quantifier: str) -> tuple[int, int | None]:
    """How many times a quantifier lets its atom match: (at least, at most or None)."""
    quantifier = quantifier.rstrip("?") if len(quantifier) > 1 else quantifier
    if quantifier in ("", "?", "*", "+"):
        return {"": (1, 1), "?": (0, 1), "*": (0, None), "+": (1, None)}[quantifier]
    low, _, high = quantifier[1:-1].partition(",")
    if not _:
        return int(low), int(low)
    return int(low or 0), int(high) if high else None


def nonword_part(atom: str) -> str | None:
    """An RE2 class of the characters `atom` matches that are not word characters.

    "" when it matches none, None when that is not known from the pattern.
    """
    if atom == ".":
        return NOT_LINE
    if atom.startswith("\\"):
        letter = atom[1]
        if letter in "sW":
            return OUTSIDE[letter]
        if letter in "wd" or _is_word(letter):
            return ""
        return None if letter.isalpha() else atom
    if atom.startswith("["):
        body = atom[1:-1]
        if body.startswith("^"):
            return None
        kept, pos = [], 0
        while pos < len(body):
            if body[pos] == "\\":
                letter = body[pos + 1]
                pos += 2
                if letter == "s":
                    kept.append(_IN_CLASS["s"])
                elif letter in "wd" or _is_word(letter):
                    continue
                else:
                    kept.append("\\" + letter)
                continue
            if pos + 2 < len(body) and body[pos + 1] == "-":
                low, high = body[pos], body[pos + 2]
                words = [_is_word(chr(c)) for c in range(ord(low), ord(high) + 1)]
                if any(words) and not all(words):
                    return None
                if not any(words):
                    kept.append(body[pos:pos + 3])
                pos += 3
                continue
            if not _is_word(body[pos]):
                kept.append("\\-" if body[pos] == "-" else body[pos])
            pos += 1
        return f"[{''.join(kept)}]" if kept else ""
    return "" if _is_word(atom) else re.escape(atom) if atom in ".^$*+?{}[]|()" else atom


def class_end(source: str, pos: int) -> int:
    """Index just past the character class opening at `source[pos] == "["`."""
    end = pos + 1
    if source.startswith("^", end):
        end += 1
    if source.startswith("]", end):
        end += 1
    while source[end] != "]":
        end += 2 if source[end] == "\\" else 1
    return end + 1


def _structure(source: str, pos: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
    r"""Each character of `source[pos:stop]` outside escapes and classes, with its index.

    >>> [char for _, char in _structure(r"a\(b[()|]|(c)")]
    ['a', 'b', '|', '(', 'c', ')']
    """
    end = len(source) if stop is None else stop
    while pos < end:
        char = source[pos]
        if char == "\\":
            pos += 2
        elif char == "[":
            pos = class_end(source, pos)
        else:
            yield pos, char
            pos += 1


def group_end(source: str, pos: int) -> int:
    """Index just past the group opening at `source[pos] == "("`."""
    depth = 0
    for at, char in _structure(source, pos):
        depth += 1 if char == "(" else -1 if char == ")" else 0
        if depth == 0:
            return at + 1
    return len(source)


def _group_start(source: str, close: int) -> int:
    """Index of the `(` that the `)` at `close` ends."""
    opens = []
    for at, char in _structure(source, 0, close):
        if char == "(":
            opens.append(at)
        elif char == ")":
            opens.pop()
    return opens[-1]


def _top_alternatives(body: str) -> list[str]:
    """Split a group's body on its top-level `|`."""
    parts, depth, last = [], 0, 0
    for at, char in _structure(body):
        if char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(body[last:at])
            last = at + 1
    parts.append(body[last:])
    return parts


def translate_class(text: str) -> str:
    r"""A character class with its `\w \d \s` made Unicode; `\W \S \D` in one is refused."""
    out, pos = [], 0
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            letter = text[pos + 1]
            if letter in "WSD":
                raise PatternError(f"class {text!r}: \\{letter} inside a class has no RE2 form")
            if letter in "uU":
                width = 4 if letter == "u" else 8
                out.append(f"\\x{{{text[pos + 2:pos + 2 + width]}}}")
                pos += 2 + width
                continue
            out.append(_IN_CLASS.get(letter, text[pos:pos + 2]))
            pos += 2
            continue
        out.append(char)
        pos += 1
    return "".join(out)


def single_char(inner: str) -> str | None:
    """The members of a one-character lookbehind body (`©`, `[ÃÂ]`), or None."""
    if len(inner) == 1 and inner not in "\\[]^":
        return inner
    if _PUNCT_CLASS.fullmatch(inner) and not inner.startswith("[^"):
        return translate_class(inner)[1:-1]
    return None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


_ANY = frozenset({"word", "nonword", "eol", "end"})


def item_kind(source: str, pos: int) -> tuple[frozenset[str], int]:
    """Kinds of the first character the atom at `pos` matches, and where the atom ends."""
    char = source[pos]
    word, nonword = frozenset({"word"}), frozenset({"nonword"})
    if char == "\\":
        letter = source[pos + 1]
        if letter in "uU":
            width = 4 if letter == "u" else 8
            code = chr(int(source[pos + 2:pos + 2 + width], 16))
            return (word if _is_word(code) else nonword), pos + 2 + width
        kind = (word if letter in "wd" else nonword if letter in "sW" else
                word | nonword if letter.isalpha() else nonword)
        return kind, pos + 2
    if char == "[":
        end = class_end(source, pos)
        part = nonword_part(source[pos:end])
        if part == "":
            return word, end
        members = translate_class(source[pos:end])
        if part is not None and part == members:
            return nonword, end
        return word | nonword, end
    if char == ".":
        return word | nonword, pos + 1
    return (word if _is_word(char) else nonword), pos + 1


def first_kinds(source: str, pos: int) -> frozenset[str]:
    """What the text at `pos` may start with for the rest of the pattern to match.

    A set of "word" / "nonword" (its first character), "eol" (`$`: the end of the
    text) and "end" (the pattern ends there, so anything may follow).
    """
    if pos >= len(source):
        return frozenset({"end"})
    char = source[pos]
    if char == "$" or source.startswith("\\Z", pos):
        return frozenset({"eol"})
    if source.startswith("\\b", pos):
        return first_kinds(source, pos + 2)  # a boundary only narrows what may follow
    if char == ")":
        # Leaving a group: what follows it, or the group again if it repeats.
        closing = _quantifier_at(source, pos + 1)
        leaving = first_kinds(source, pos + 1 + len(closing))
        if closing[:1] in ("*", "+", "{"):
            leaving |= first_kinds(source, _group_start(source, pos))
        return leaving
    if char == "|":
        # The end of an alternative: what follows its group.
        depth = 0
        for at, inner in _structure(source, pos + 1):
            if inner in "()":
                depth += 1 if inner == "(" else -1
                if depth < 0:
                    return first_kinds(source, at)
        return frozenset({"end"})
    if char == "(":
        if source.startswith(("(?=", "(?!", "(?<"), pos):
            return _ANY
        end = group_end(source, pos)
        flags = FLAGS.match(source, pos)
        if flags is not None and flags.group(3) == ")":
            return first_kinds(source, flags.end())
        body_start = (flags.end() if flags is not None else
                      source.index(">", pos) + 1 if source.startswith("(?P<", pos) else pos + 1)
        optional = _OPTIONAL.fullmatch(_quantifier_at(source, end))
        rest_at = end + len(_quantifier_at(source, end))
        kinds: frozenset[str] = frozenset()
        for alternative in _top_alternatives(source[body_start:end - 1]):
            kinds |= first_kinds(alternative + source[rest_at:], 0)
        if optional:
            kinds |= first_kinds(source, rest_at)
        return kinds
    if char == "^":
        return first_kinds(source, pos + 1)
    kind, end = item_kind(source, pos)
    quantifier = _quantifier_at(source, end)
    if _OPTIONAL.fullmatch(quantifier or "x"):
        return kind | first_kinds(source, end + len(quantifier))
    return kind


def _quantifier_at(source: str, pos: int) -> str:
    quantifier = QUANTIFIER.match(source, pos)
    return quantifier.group() if quantifier else ""


_GROUP_OPEN = re.compile(r"\((?:\?(?::|P<\w+>|[ims]*-?[ims]*:))?$")


def last_kinds(source: str, pos: int) -> frozenset[str]:
    """Kinds of the last character matched just before `pos`, as far as the pattern says."""
    if pos == 0:
        return _ANY
    opener = _GROUP_OPEN.search(source, 0, pos)
    if opener is not None and not _escaped(source, opener.start()):
        return last_kinds(source, opener.start())  # the start of a group: what precedes it
    char = source[pos - 1]
    if char == "|" and not _escaped(source, pos - 1):
        return last_kinds(source, _enclosing_start(source, pos - 1))
    if char in "?*+}" and not _escaped(source, pos - 1):
        quantifier_start = pos - 1
        if char == "}":
            quantifier_start = source.rindex("{", 0, pos)
        elif char == "?" and source[pos - 2:pos - 1] in ("?", "*", "+", "}") and (
                not _escaped(source, pos - 2)):
            return last_kinds(source, pos - 1)  # a lazy quantifier
        item_start = _item_start(source, quantifier_start)
        repeated = last_kinds(source, quantifier_start)
        if repeat_bounds(source[quantifier_start:pos])[0] == 0:
            repeated |= last_kinds(source, item_start)
        return repeated
    if char == ")" and not _escaped(source, pos - 1):
        start = _group_start(source, pos - 1)
        body = _GROUP_PREFIX.sub("", source[start:pos - 1])
        kinds: frozenset[str] = frozenset()
        for alternative in _top_alternatives(body):
            kinds |= last_kinds(alternative, len(alternative)) if alternative else (
                last_kinds(source, start))
        return kinds
    if char == "]" and not _escaped(source, pos - 1):
        kind, _ = item_kind(source, _item_start(source, pos))
        return kind
    if _escaped(source, pos - 1):
        kind, _ = item_kind(source, pos - 2)
        return kind
    if char in ".^$":
        return _ANY
    return frozenset({"word"}) if _is_word(char) else frozenset({"nonword"})


_GROUP_PREFIX = re.compile(r"^\((?:\?(?::|P<\w+>|[ims]*-?[ims]*:))?")


def _escaped(source: str, pos: int) -> bool:
    """Whether `source[pos]` is escaped by an odd run of backslashes before it."""
    count = 0
    while pos - count - 1 >= 0 and source[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _enclosing_start(source: str, pos: int) -> int:
    """Index of the `(` of the group holding `pos` (0 at the top level)."""
    depth = 0
    for start in range(pos - 1, -1, -1):
        if _escaped(source, start) or _in_class(source, start):
            continue
        if source[start] == ")":
            depth += 1
        elif source[start] == "(":
            if depth == 0:
                return start
            depth -= 1
    return 0


def _in_class(source: str, pos: int) -> bool:
    """Whether `pos` lies inside a character class."""
    at = 0
    while at < pos:
        if source[at] == "\\":
            at += 2
            continue
        if source[at] == "[":
            end = class_end(source, at)
            if at < pos < end - 1:
                return True
            at = end
            continue
        at += 1
    return False


def ascii_sides(source: str, pos: int) -> bool:
    r"""Whether the pattern's own characters on either side of the `\b` at `pos` are ASCII.

    Then RE2's ASCII-only `\b` sees the pattern's side as Python does.
    """
    before = _last_chars(source, pos)
    if before is not None and all(char.isascii() for char in before):
        return True
    after = source[pos + 2:pos + 3]
    return after.isascii() and _is_word(after) and not _escaped(source, pos + 2)


def _last_chars(source: str, pos: int) -> set[str] | None:
    """The characters a match may end with just before `pos`, or None if not literal."""
    if pos == 0:
        return None
    char = source[pos - 1]
    if char == ")":
        start = _group_start(source, pos - 1)
        body = _GROUP_PREFIX.sub("", source[start:pos - 1])
        found: set[str] = set()
        for alternative in _top_alternatives(body):
            chars = _last_chars(alternative, len(alternative))
            if chars is None:
                return None
            found |= chars
        return found
    if char in "?*":
        # An optional last item: its characters, or those before it.
        item_start = _item_start(source, pos - 1)
        inner = _last_chars(source, pos - 1)
        earlier = _last_chars(source, item_start)
        return None if inner is None or earlier is None else inner | earlier
    if char == "]":
        body = source[source.rfind("[", 0, pos) + 1:pos - 1]
        return None if body.startswith("^") or "\\" in body else set(body.replace("-", ""))
    if char in "+}.^$|(\\" or (pos >= 2 and source[pos - 2] == "\\"):
        return None
    return {char}


def _item_start(source: str, end: int) -> int:
    """Index where the atom ending just before `end` starts."""
    char = source[end - 1]
    if char == ")":
        return _group_start(source, end - 1)
    if char == "]" and not _escaped(source, end - 1):
        start = end - 1
        while not (source[start] == "[" and not _escaped(source, start)
                   and class_end(source, start) == end):
            start -= 1
        return start
    if _escaped(source, end - 1):
        return end - 2
    return end - 1
