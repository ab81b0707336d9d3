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

from cleaners.pattern_syntax import (
    FLAGS,
    NOT_LINE,
    NOT_WORD,
    OUTSIDE,
    QUANTIFIER,
    WORD_SET,
    PatternError,
    ascii_sides,
    class_end,
    first_kinds,
    group_end,
    item_kind,
    last_kinds,
    nonword_part,
    repeat_bounds,
    single_char,
    translate_class,
)

__all__ = ["LinearPattern", "PatternError", "compile_linear", "to_re2"]

_UNANCHORED = _re2.RE2.Anchor.UNANCHORED

# `\b.{0,60}\b`: dots between two boundaries.
_DOTS_BETWEEN = re.compile(r"\.\{(\d*),(\d+)\}\\b")
_UNSUPPORTED_ESCAPES = {"B": "\\B (not a word boundary)", "N": "\\N{...} names"}


class LinearPattern:
    """A pattern compiled by RE2; `search` says whether it is found in a text.

    It calls RE2 itself rather than through `re2.compile(...).search`, which builds a
    match object with character offsets: the lexicon asks yes or no, up to a dozen
    times a line, and the wrapper made the boilerplate pass a third slower.
    """

    __slots__ = ("_regexp", "source")

    def __init__(self, source: str, ignore_case: bool, memory: int | None = None) -> None:
        options = re2.Options()
        options.case_sensitive = not ignore_case
        options.never_capture = True
        options.log_errors = False
        if memory is not None:
            # RE2's budget for the compiled program and its DFA's cache (8 MB by
            # default). A union of dozens of patterns outgrows the default: its DFA
            # keeps running out of room and RE2 falls back to its NFA, 15 times slower.
            options.max_mem = memory
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

    def __reduce__(self) -> tuple[type[LinearPattern], tuple[str, bool, int]]:
        options = self._regexp.options()
        return LinearPattern, (self.source, not options.case_sensitive, options.max_mem)


def compile_linear(source: str, ignore_case: bool = True, translated: bool = False,
                   memory: int | None = None) -> LinearPattern:
    """Compile `source` (Python `re` syntax, or RE2's if `translated`) for RE2, with
    `memory` bytes for its program and DFA (RE2's default, 8 MB, when None).

    Raises `PatternError` (a ValueError) naming the pattern when RE2 cannot take it.
    """
    translated_source = source if translated else to_re2(source)
    try:
        return LinearPattern(translated_source, ignore_case, memory)
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
            end = class_end(source, pos)
            self.out.append(translate_class(source[pos:end]))
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
            quantifier = QUANTIFIER.match(source, pos)
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
        self.out.append(OUTSIDE.get(letter, source[pos:pos + 2]))
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
        flags = FLAGS.match(source, pos)
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
        end = group_end(source, pos)
        inner = source[pos + 4:end - 1]
        if not self.leading:
            # `©(?<![ÃÂ]©)`: not after one of these, said of a first character.
            first = "".join(self.out)
            single = single_char(inner[:-1]) if inner[-1:] == first else None
            if len(first) == 1 and source.startswith("(?<!", pos) and single is not None:
                self.out[:] = [f"(?:^|[^{single}]){first}"]
                return end
            raise self.fail("a lookbehind after the start of the pattern")
        if source.startswith("(?<=", pos):
            self.out.append("(?:" + _Translator(inner).run() + ")")
        else:
            single = single_char(inner)
            if single is None:
                raise self.fail("a negative lookbehind longer than one character")
            self.out.append(f"(?:^|[^{single}])")
        self.leading = False
        return end

    def boundary(self, pos: int) -> tuple[str, int]:
        r"""The Unicode word boundary at `source[pos:pos + 2] == "\b"`, in RE2 terms, and
        where translating goes on (a rewrite may take in the items after it)."""
        source = self.source
        after = first_kinds(source, pos + 2)
        if self.leading:
            # Nothing of the pattern stands before it: the character before the match
            # decides, and consuming it gives the same yes/no answer.
            if after == {"word"}:
                return f"(?:^|{NOT_WORD})", pos + 2
            if after <= {"nonword", "eol", "end"}:
                return f"[{WORD_SET}]", pos + 2
            raise self.fail("\\b before something that may or may not be a word character")
        before = last_kinds(source, pos)
        if before == {"nonword"}:
            if after == {"word"}:
                return "", pos + 2
            raise self.fail("\\b after a non-word character before what may not be a word")
        if before == {"word"}:
            if after <= {"nonword", "eol"}:
                return "", pos + 2  # it holds whenever the rest matches
            if after <= {"nonword", "eol", "end"}:
                return f"(?:\\z|{NOT_WORD})", pos + 2
            if after == {"word"}:
                raise self.fail("\\b between two word characters (it never matches)")
            between = _DOTS_BETWEEN.match(source, pos + 2)
            if between is not None and first_kinds(source, between.end()) == {"word"}:
                # `word\b.{0,60}\bpdf`: the dots hold a non-word character at each end.
                low, high = int(between.group(1) or 0), int(between.group(2))
                inner = f".{{{max(low - 2, 0)},{high - 2}}}"
                dots = f"(?:{NOT_LINE}|{NOT_LINE}{inner}{NOT_LINE})" if low <= 1 else (
                    f"{NOT_LINE}{inner}{NOT_LINE}")
                return dots, between.end()
            rewrite = _first_not_word(source, pos + 2)
            if rewrite is not None:
                return rewrite
        if ascii_sides(source, pos):
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
        _, atom_end = item_kind(source, end)
        atom = source[end:atom_end]
        quantifier = QUANTIFIER.match(source, atom_end)
        quant = quantifier.group() if quantifier else ""
        nonword = nonword_part(atom)
        if nonword is None:
            return None
        items.append((atom, quant, nonword))
        end = atom_end + len(quant)
        if repeat_bounds(quant)[0] > 0:
            break
    alternatives = []
    for k, (atom, quant, nonword) in enumerate(items):
        low, high = repeat_bounds(quant)
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
        following = first_kinds(source, end)
        if following <= {"nonword", "eol", "end"}:
            alternatives.append("")
        elif following == {"word", "eol"}:
            alternatives.append("$")
        elif following != {"word"}:
            return None
    if not alternatives:
        return None
    return "(?:" + "|".join(alternatives) + ")", end


