r"""Compile Python-style patterns for RE2, so matching a line takes linear time.

Python's `re` backtracks: the shipped `dateline` patterns took exponential time on a
flattened calendar widget (`"31oct. 15nov. 15déc. …"`, 536 characters) and on a list of
dates with a trailing note (issue 16). RE2 matches in time linear in the text, but it
reads a narrower syntax with ASCII-only classes. `to_re2` rewrites a pattern written for
`re` into one RE2 matches the same way, for searching (a yes/no answer, not spans):

- `\w \W \d \D \s \S` become the Unicode classes Python means (`\p{L}\p{N}_`, `\p{Nd}`,
  Unicode spaces); `{,n}` becomes `{0,n}`, `\Z` becomes `\z`, `\uXXXX` becomes `\x{XXXX}`.
- `\b`: RE2's is ASCII-only. Where the words around it are known from the pattern it
  becomes an exact Unicode form: dropped where it cannot fail, a consumed non-word
  character where nothing of the pattern stands on that side, `(?:\z|\W)` at the end.
  Between ASCII letters of the pattern RE2's own `\b` is kept: it differs from Python's
  only when a non-ASCII letter is glued to the ASCII word in the text.
- A lookbehind at the start of a pattern (`(?<=\()`) is consumed instead; the answer to
  "is it found?" is the same.

What has no linear equivalent (backreferences, lookaheads, other lookbehinds, atomic
groups, possessive quantifiers, conditionals, `\B`) raises `ValueError` naming the
pattern and the reason, so a config error stops a run before any document.

>>> to_re2(r"\bpäivä\b")
'(?:^|[^\\p{L}\\p{N}_])päivä(?:\\z|[^\\p{L}\\p{N}_])'
>>> compile_linear(r"\bpäivä\b").search("Päivä: 12"), compile_linear(r"\bpäivä\b").search("päiväys")
(True, False)
"""

from __future__ import annotations

import re

import re2
from re2 import _re2  # its C++ binding, called directly (see LinearPattern)

_UNANCHORED = _re2.RE2.Anchor.UNANCHORED

_WORD_SET = r"\p{L}\p{N}_"
_SPACE_SET = (r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
              r"\x{202f}\x{205f}\x{3000}")
_NOT_WORD = f"[^{_WORD_SET}]"
_NOT_LINE = f"[^{_WORD_SET}\\n]"  # what `.` matches that is not a word character
# `\b.{0,60}\b`: dots between two boundaries.
_DOTS_BETWEEN = re.compile(r"\.\{(\d*),(\d+)\}\\b")
#: Escapes rewritten alike inside and outside a character class.
_IN_CLASS = {"w": _WORD_SET, "d": r"\p{Nd}", "s": _SPACE_SET}
_OUTSIDE = {
    "w": f"[{_WORD_SET}]", "W": _NOT_WORD, "d": r"\p{Nd}", "D": r"\P{Nd}",
    "s": f"[{_SPACE_SET}]", "S": f"[^{_SPACE_SET}]", "Z": r"\z", "A": r"\A",
}
_UNSUPPORTED_ESCAPES = {"B": "\\B (not a word boundary)", "N": "\\N{...} names"}
_QUANTIFIER = re.compile(r"[?*+]\??|\{\d*(?:,\d*)?\}\??")
_OPTIONAL = re.compile(r"\?\??|\*\??|\{0?(?:,\d*)?\}\??")
_FLAGS = re.compile(r"\(\?([imsx]*)(?:-([imsx]+))?(:|\))")
_PUNCT_CLASS = re.compile(r"\[([^\]\\]|\\.)*\]")


class PatternError(ValueError):
    """A pattern RE2 cannot match in linear time, or an invalid one."""


class LinearPattern:
    """A pattern compiled by RE2; `search` says whether it is found in a text.

    It calls RE2 itself rather than through `re2.compile(...).search`, which builds a
    match object with character offsets: the lexicon asks yes or no, up to a dozen
    times a line, and the wrapper made the boilerplate pass a third slower.
    """

    __slots__ = ("_regexp", "source")

    def __init__(self, source: str, ignore_case: bool) -> None:
        options = re2.Options()
        options.case_sensitive = not ignore_case
        options.never_capture = True
        options.log_errors = False
        self.source = source
        self._regexp = _re2.RE2(source.encode("utf-8"), options)
        if not self._regexp.ok():
            raise PatternError(f"RE2 cannot compile it ({self._regexp.error()})")

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in `text`."""
        return self.search_utf8(text.encode("utf-8", "surrogatepass"))

    def search_utf8(self, data: bytes) -> bool:
        """Whether the pattern matches somewhere in `data` (text encoded as UTF-8)."""
        start: int = self._regexp.Match(_UNANCHORED, data, 0, len(data))[0][0]
        return start >= 0

    def __reduce__(self) -> tuple[type[LinearPattern], tuple[str, bool]]:
        return LinearPattern, (self.source, not self._regexp.options().case_sensitive)


def compile_linear(source: str, ignore_case: bool = True,
                   translated: bool = False) -> LinearPattern:
    """Compile `source` (Python `re` syntax, or RE2's if `translated`) for RE2.

    Raises `PatternError` (a ValueError) naming the pattern when RE2 cannot take it.
    """
    translated_source = source if translated else to_re2(source)
    try:
        return LinearPattern(translated_source, ignore_case)
    except PatternError as error:
        raise PatternError(f"pattern {source!r}: {error}") from error


def to_re2(source: str) -> str:
    """Rewrite `source` from Python `re` syntax into RE2 syntax with the same matches."""
    try:
        re.compile(source)
    except re.error as error:
        raise PatternError(f"pattern {source!r}: invalid regex ({error})") from error
    return _Translator(source).run()


class _Translator:
    """One pass over a pattern, tracking whether anything can precede the position."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        # Whether nothing of the pattern can have matched before this position, and
        # the same for each open group (to restore it at its `|`).
        self.leading = True
        self.stack: list[bool] = []

    def fail(self, reason: str) -> PatternError:
        return PatternError(f"pattern {self.source!r}: {reason}, which RE2 cannot match "
                            "in linear time; rewrite it without")

    def run(self) -> str:
        source, pos = self.source, 0
        while pos < len(source):
            pos = self.step(pos)
        return "".join(self.out)

    def step(self, pos: int) -> int:
        source, char = self.source, self.source[pos]
        if char == "\\":
            return self.escape(pos)
        if char == "[":
            end = _class_end(source, pos)
            self.out.append(_translate_class(source[pos:end]))
            self.leading = False
            return end
        if char == "(":
            return self.group(pos)
        if char == ")":
            self.out.append(")")
            self.stack.pop()
            self.leading = False
            return pos + 1
        if char == "|":
            self.out.append("|")
            self.leading = self.stack[-1] if self.stack else True
            return pos + 1
        if char in "^$":
            self.out.append(char)
            return pos + 1
        if char == "{" and source.startswith("{,", pos):
            self.out.append("{0,")
            return pos + 2
        if char in "*+?{":
            quantifier = _QUANTIFIER.match(source, pos)
            if quantifier is not None:
                end = quantifier.end()
                if source[end:end + 1] == "+":
                    raise self.fail("a possessive quantifier")
                self.out.append(quantifier.group())
                return end
        self.out.append(char)
        self.leading = False
        return pos + 1

    def escape(self, pos: int) -> int:
        source = self.source
        letter = source[pos + 1]
        if letter == "b":
            text, end = self.boundary(pos)
            self.out.append(text)
            self.leading = False
            return end
        if letter in _UNSUPPORTED_ESCAPES:
            raise self.fail(_UNSUPPORTED_ESCAPES[letter])
        if letter.isdigit() and letter != "0":
            raise self.fail("a backreference")
        if letter in "uU":
            width = 4 if letter == "u" else 8
            self.out.append(f"\\x{{{source[pos + 2:pos + 2 + width]}}}")
            self.leading = False
            return pos + 2 + width
        self.out.append(_OUTSIDE.get(letter, source[pos:pos + 2]))
        if letter not in "AZ":
            self.leading = False
        return pos + 2

    def group(self, pos: int) -> int:
        source = self.source
        if source.startswith(("(?=", "(?!"), pos):
            raise self.fail("a lookahead")
        if source.startswith(("(?>",), pos):
            raise self.fail("an atomic group")
        if source.startswith("(?(", pos):
            raise self.fail("a conditional group")
        if source.startswith("(?P=", pos):
            raise self.fail("a backreference")
        if source.startswith("(?#", pos):
            return source.index(")", pos) + 1
        if source.startswith(("(?<=", "(?<!"), pos):
            return self.lookbehind(pos)
        flags = _FLAGS.match(source, pos)
        if flags is not None:
            if "x" in flags.group(0):
                raise self.fail("verbose mode (?x)")
            self.out.append(flags.group(0))
            if flags.group(3) == ":":
                self.stack.append(self.leading)
            return flags.end()
        if source.startswith("(?P<", pos):
            end = source.index(">", pos) + 1
            self.out.append(source[pos:end])
            self.stack.append(self.leading)
            return end
        if source.startswith("(?", pos):
            raise self.fail(f"the group {source[pos:pos + 4]!r}")
        self.out.append("(")
        self.stack.append(self.leading)
        return pos + 1

    def lookbehind(self, pos: int) -> int:
        """A lookbehind with nothing of the pattern before it is consumed instead."""
        source = self.source
        end = _group_end(source, pos)
        inner = source[pos + 4:end - 1]
        if not self.leading:
            # `©(?<![ÃÂ]©)`: not after one of these, said of a first character.
            first = "".join(self.out)
            single = _single_char(inner[:-1]) if inner[-1:] == first else None
            if len(first) == 1 and source.startswith("(?<!", pos) and single is not None:
                self.out[:] = [f"(?:^|[^{single}]){first}"]
                return end
            raise self.fail("a lookbehind after the start of the pattern")
        if source.startswith("(?<=", pos):
            self.out.append("(?:" + _Translator(inner).run() + ")")
        else:
            single = _single_char(inner)
            if single is None:
                raise self.fail("a negative lookbehind longer than one character")
            self.out.append(f"(?:^|[^{single}])")
        self.leading = False
        return end

    def boundary(self, pos: int) -> tuple[str, int]:
        r"""The Unicode word boundary at `source[pos:pos + 2] == "\b"`, in RE2 terms, and
        where translating goes on (a rewrite may take in the items after it)."""
        source = self.source
        after = _first_kinds(source, pos + 2)
        if self.leading:
            # Nothing of the pattern stands before it: the character before the match
            # decides, and consuming it gives the same yes/no answer.
            if after == {"word"}:
                return f"(?:^|{_NOT_WORD})", pos + 2
            if after <= {"nonword", "eol", "end"}:
                return f"[{_WORD_SET}]", pos + 2
            raise self.fail("\\b before something that may or may not be a word character")
        before = _last_kinds(source, pos)
        if before == {"nonword"}:
            if after == {"word"}:
                return "", pos + 2
            raise self.fail("\\b after a non-word character before what may not be a word")
        if before == {"word"}:
            if after <= {"nonword", "eol"}:
                return "", pos + 2  # it holds whenever the rest matches
            if after <= {"nonword", "eol", "end"}:
                return f"(?:\\z|{_NOT_WORD})", pos + 2
            if after == {"word"}:
                raise self.fail("\\b between two word characters (it never matches)")
            between = _DOTS_BETWEEN.match(source, pos + 2)
            if between is not None and _first_kinds(source, between.end()) == {"word"}:
                # `word\b.{0,60}\bpdf`: the dots hold a non-word character at each end.
                low, high = int(between.group(1) or 0), int(between.group(2))
                inner = f".{{{max(low - 2, 0)},{high - 2}}}"
                dots = f"(?:{_NOT_LINE}|{_NOT_LINE}{inner}{_NOT_LINE})" if low <= 1 else (
                    f"{_NOT_LINE}{inner}{_NOT_LINE}")
                return dots, between.end()
            rewrite = _first_not_word(source, pos + 2)
            if rewrite is not None:
                return rewrite
        if _ascii_sides(source, pos):
            # RE2's own \b is ASCII-only: it differs from Python's only when a non-ASCII
            # letter is glued to this ASCII word in the text.
            return "\\b", pos + 2
        raise self.fail("\\b next to a non-ASCII letter where its sides are not known")


def _first_not_word(source: str, pos: int) -> tuple[str, int] | None:
    r"""The items from `pos` on, made to start with a non-word character, in RE2 terms.

    `дата\b\s*:?\s*` then a digit: the boundary holds when the run of optional items
    starts with a non-word character, or is empty before something that is not a word.
    Returns the rewritten run and where it ends, or None when it is not such a run.
    """
    items: list[tuple[str, str, str]] = []  # (atom, quantifier, atom's non-word class)
    end = pos
    while end < len(source) and source[end] not in ")|$(":
        if source[end] == "^" or source.startswith("\\b", end):
            return None
        _, atom_end = _item_kind(source, end)
        atom = source[end:atom_end]
        quantifier = _QUANTIFIER.match(source, atom_end)
        quant = quantifier.group() if quantifier else ""
        nonword = _nonword_part(atom)
        if nonword is None:
            return None
        items.append((atom, quant, nonword))
        end = atom_end + len(quant)
        if _bounds(quant)[0] > 0:
            break
    alternatives = []
    for k, (atom, quant, nonword) in enumerate(items):
        low, high = _bounds(quant)
        rest = "".join(_Translator(a + q).run() for a, q, _ in items[k + 1:])
        if nonword and high != 0:
            # The first repetition is a non-word character; the others are as written.
            more = "" if high == 1 else (
                f"{{{max(low - 1, 0)},{high - 1 if high is not None else ''}}}")
            again = _Translator(atom).run() + more if more else ""
            alternatives.append(nonword + again + rest)
        if low > 0:
            break
    else:
        following = _first_kinds(source, end)
        if following <= {"nonword", "eol", "end"}:
            alternatives.append("")
        elif following == {"word", "eol"}:
            alternatives.append("$")
        elif following != {"word"}:
            return None
    if not alternatives:
        return None
    return "(?:" + "|".join(alternatives) + ")", end


def _bounds(quantifier: str) -> tuple[int, int | None]:
    """How many times a quantifier lets its atom match: (at least, at most or None)."""
    quantifier = quantifier.rstrip("?") if len(quantifier) > 1 else quantifier
    if quantifier in ("", "?", "*", "+"):
        return {"": (1, 1), "?": (0, 1), "*": (0, None), "+": (1, None)}[quantifier]
    low, _, high = quantifier[1:-1].partition(",")
    if not _:
        return int(low), int(low)
    return int(low or 0), int(high) if high else None


def _nonword_part(atom: str) -> str | None:
    """An RE2 class of the characters `atom` matches that are not word characters.

    "" when it matches none, None when that is not known from the pattern.
    """
    if atom == ".":
        return _NOT_LINE
    if atom.startswith("\\"):
        letter = atom[1]
        if letter in "sW":
            return _OUTSIDE[letter]
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


def _class_end(source: str, pos: int) -> int:
    """Index just past the character class opening at `source[pos] == "["`."""
    end = pos + 1
    if source.startswith("^", end):
        end += 1
    if source.startswith("]", end):
        end += 1
    while source[end] != "]":
        end += 2 if source[end] == "\\" else 1
    return end + 1


def _group_end(source: str, pos: int) -> int:
    """Index just past the group opening at `source[pos] == "("`."""
    depth, end = 0, pos
    while end < len(source):
        char = source[end]
        if char == "\\":
            end += 2
            continue
        if char == "[":
            end = _class_end(source, end)
            continue
        depth += 1 if char == "(" else -1 if char == ")" else 0
        end += 1
        if depth == 0:
            return end
    return end


def _group_start(source: str, close: int) -> int:
    """Index of the `(` that the `)` at `close` ends."""
    pos, opens = 0, []
    while pos < close:
        char = source[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            pos = _class_end(source, pos)
            continue
        if char == "(":
            opens.append(pos)
        elif char == ")":
            opens.pop()
        pos += 1
    return opens[-1]


def _top_alternatives(body: str) -> list[str]:
    """Split a group's body on its top-level `|`."""
    parts, depth, last, pos = [], 0, 0, 0
    while pos < len(body):
        char = body[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            pos = _class_end(body, pos)
            continue
        if char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(body[last:pos])
            last = pos + 1
        pos += 1
    parts.append(body[last:])
    return parts


def _translate_class(text: str) -> str:
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


def _single_char(inner: str) -> str | None:
    """The members of a one-character lookbehind body (`©`, `[ÃÂ]`), or None."""
    if len(inner) == 1 and inner not in "\\[]^":
        return inner
    if _PUNCT_CLASS.fullmatch(inner) and not inner.startswith("[^"):
        return _translate_class(inner)[1:-1]
    return None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


_ANY = frozenset({"word", "nonword", "eol", "end"})


def _item_kind(source: str, pos: int) -> tuple[frozenset[str], int]:
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
        end = _class_end(source, pos)
        part = _nonword_part(source[pos:end])
        if part == "":
            return word, end
        members = _translate_class(source[pos:end])
        if part is not None and part == members:
            return nonword, end
        return word | nonword, end
    if char == ".":
        return word | nonword, pos + 1
    return (word if _is_word(char) else nonword), pos + 1


def _first_kinds(source: str, pos: int) -> frozenset[str]:
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
        return _first_kinds(source, pos + 2)  # a boundary only narrows what may follow
    if char == ")":
        # Leaving a group: what follows it, or the group again if it repeats.
        closing = _quantifier_at(source, pos + 1)
        leaving = _first_kinds(source, pos + 1 + len(closing))
        if closing[:1] in ("*", "+", "{"):
            leaving |= _first_kinds(source, _group_start(source, pos))
        return leaving
    if char == "|":
        # The end of an alternative: what follows its group.
        depth, end = 0, pos + 1
        while end < len(source):
            if source[end] == "\\":
                end += 2
                continue
            if source[end] == "[":
                end = _class_end(source, end)
                continue
            if source[end] in "()":
                depth += 1 if source[end] == "(" else -1
                if depth < 0:
                    return _first_kinds(source, end)
            end += 1
        return frozenset({"end"})
    if char == "(":
        if source.startswith(("(?=", "(?!", "(?<"), pos):
            return _ANY
        end = _group_end(source, pos)
        flags = _FLAGS.match(source, pos)
        if flags is not None and flags.group(3) == ")":
            return _first_kinds(source, flags.end())
        body_start = (flags.end() if flags is not None else
                      source.index(">", pos) + 1 if source.startswith("(?P<", pos) else pos + 1)
        optional = _OPTIONAL.fullmatch(_quantifier_at(source, end))
        rest_at = end + len(_quantifier_at(source, end))
        kinds: frozenset[str] = frozenset()
        for alternative in _top_alternatives(source[body_start:end - 1]):
            kinds |= _first_kinds(alternative + source[rest_at:], 0)
        if optional:
            kinds |= _first_kinds(source, rest_at)
        return kinds
    if char == "^":
        return _first_kinds(source, pos + 1)
    kind, end = _item_kind(source, pos)
    quantifier = _quantifier_at(source, end)
    if _OPTIONAL.fullmatch(quantifier or "x"):
        return kind | _first_kinds(source, end + len(quantifier))
    return kind


def _quantifier_at(source: str, pos: int) -> str:
    quantifier = _QUANTIFIER.match(source, pos)
    return quantifier.group() if quantifier else ""


_GROUP_OPEN = re.compile(r"\((?:\?(?::|P<\w+>|[ims]*-?[ims]*:))?$")


def _last_kinds(source: str, pos: int) -> frozenset[str]:
    """Kinds of the last character matched just before `pos`, as far as the pattern says."""
    if pos == 0:
        return _ANY
    opener = _GROUP_OPEN.search(source, 0, pos)
    if opener is not None and not _escaped(source, opener.start()):
        return _last_kinds(source, opener.start())  # the start of a group: what precedes it
    char = source[pos - 1]
    if char == "|" and not _escaped(source, pos - 1):
        return _last_kinds(source, _enclosing_start(source, pos - 1))
    if char in "?*+}" and not _escaped(source, pos - 1):
        quantifier_start = pos - 1
        if char == "}":
            quantifier_start = source.rindex("{", 0, pos)
        elif char == "?" and source[pos - 2:pos - 1] in ("?", "*", "+", "}") and (
                not _escaped(source, pos - 2)):
            return _last_kinds(source, pos - 1)  # a lazy quantifier
        item_start = _item_start(source, quantifier_start)
        repeated = _last_kinds(source, quantifier_start)
        if _bounds(source[quantifier_start:pos])[0] == 0:
            repeated |= _last_kinds(source, item_start)
        return repeated
    if char == ")" and not _escaped(source, pos - 1):
        start = _group_start(source, pos - 1)
        body = _GROUP_PREFIX.sub("", source[start:pos - 1])
        kinds: frozenset[str] = frozenset()
        for alternative in _top_alternatives(body):
            kinds |= _last_kinds(alternative, len(alternative)) if alternative else (
                _last_kinds(source, start))
        return kinds
    if char == "]" and not _escaped(source, pos - 1):
        kind, _ = _item_kind(source, _item_start(source, pos))
        return kind
    if _escaped(source, pos - 1):
        kind, _ = _item_kind(source, pos - 2)
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
            end = _class_end(source, at)
            if at < pos < end - 1:
                return True
            at = end
            continue
        at += 1
    return False


def _ascii_sides(source: str, pos: int) -> bool:
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
        body = re.sub(r"^\(\?(?::|P<\w+>|[ims]*-?[ims]*:)|^\(", "", source[start:pos - 1])
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
                   and _class_end(source, start) == end):
            start -= 1
        return start
    if _escaped(source, end - 1):
        return end - 2
    return end - 1
