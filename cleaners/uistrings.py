"""Whole-line matching of UI strings harvested from software translation catalogues.

Page chrome is worded by the software that renders a page (a wiki's "What links here",
a comment widget's "No Comments Yet", a consent banner's "Allow all cookies"), and that
software's translations are public. `tools/harvest_ui_strings.py` turns chosen
catalogues into `cleaners/uistrings/<lang>.tsv` (`reason<TAB>rule<TAB>string`, sources
in `cleaners/uistrings/SOURCES.md`); this module loads every language's file at once
(language is detected after the boilerplate stage) and tells whether a whole line is
one of those strings.

A line is compared by its key: its words casefolded, punctuation and decoration
dropped, every run of digits made 0 (the same key as `boilerplate.template_key`), so
"» Printable version" and "PRINTABLE VERSION:" are one line. A trailing count is
ignored ("Comments (3)" is "Comments"). Placeholders of the catalogues are slots of a
bounded number of words:

- `{url}`: 1 to 40 words (a URL breaks into many words: "Retrieved from {url}");
- `{text}`: 1 to 6 words (a site name, a date, a format);
- `{list}`: 1 to 20 words (a list of purposes in a consent notice);
- `{n}`: a number ("{n} Comments").

Strings without slots are looked up in one hash table; a string with slots is only
tried on lines whose first (or, for a string that starts with
a slot, last) word is its first (last) literal word, by a word-by-word walk whose
slots take a bounded number of words. Either way a line costs a bounded number of
steps.

>>> ui = UiStrings.build([("wiki_widget", "ui:mediawiki:retrievedfrom", 'Retrieved from "{url}"'),
...                       ("comment_prompt", "ui:isso:num-comments", "{n} Comments")])
>>> ui.match(line_key('Retrieved from "https://en.wikipedia.org/w/index.php?oldid=12"'))
('wiki_widget', 'ui:mediawiki:retrievedfrom')
>>> ui.match(line_key("12 comments")), ui.match(line_key("Retrieved from"))
(('comment_prompt', 'ui:isso:num-comments'), None)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

#: Slot kind -> (fewest, most) words it matches in a line's key.
SLOT_KINDS: Mapping[str, tuple[int, int]] = MappingProxyType({
    "url": (1, 40),
    "text": (1, 6),
    "list": (1, 20),
    "n": (1, 2),  # "1,234" is two number words
})

_WORD = re.compile(r"\w+")
_DIGIT_RUN = re.compile(r"\d+")
_SLOT = re.compile(r"\{(" + "|".join(SLOT_KINDS) + r")\}")
_REASON = re.compile(r"[a-z][a-z0-9_]*")
_RULE = re.compile(r"ui:[a-z0-9_-]+:[\w.-]+")


def line_key(text: str) -> str:
    """A line's words, casefolded, digits made 0, joined by one space.

    >>> line_key("» Printable VERSION (2) «")
    'printable version 0'
    """
    return _DIGIT_RUN.sub("0", " ".join(_WORD.findall(text.casefold())))


def template_key(template: str) -> str:
    """The key of a string with slots: each literal part keyed, slots kept as `{kind}`.

    >>> template_key('Retrieved from "{url}"')
    'retrieved from {url}'
    """
    parts = []
    for k, piece in enumerate(_SLOT.split(template)):
        # re.split with one group: odd positions are slot kinds.
        parts.append("{" + piece + "}" if k % 2 else line_key(piece))
    return " ".join(part for part in parts if part)


#: One piece of a string with slots: a literal word (kind None) or a slot of a kind.
_Piece = tuple[str, str | None]


def _fits(tokens: Sequence[str], start: int, pieces: Sequence[_Piece], at: int) -> bool:
    """Whether `tokens[start:]` is `pieces[at:]`; slots take their bounded word counts.

    The work is bounded: a string has at most a few slots, each of at most 40 words, and
    only lines of at most `UiStrings.max_words` words get here.
    """
    while at < len(pieces):
        word, kind = pieces[at]
        if kind is None:
            if start >= len(tokens) or tokens[start] != word:
                return False
            start, at = start + 1, at + 1
            continue
        low, high = SLOT_KINDS[kind]
        for end in range(start + low, min(start + high, len(tokens)) + 1):
            if kind == "n" and tokens[end - 1] != "0":
                break
            if _fits(tokens, end, pieces, at + 1):
                return True
        return False
    return start == len(tokens)


@dataclass(frozen=True, slots=True)
class _SlotRule:
    """A string with slots: its pieces, and the fewest and most words a line may have."""

    reason: str
    rule: str
    pieces: tuple[_Piece, ...]
    fewest: int
    most: int

    def fits(self, tokens: Sequence[str]) -> bool:
        # The word counts, then the two ends, turn away nearly every line before the walk.
        pieces = self.pieces
        return (self.fewest <= len(tokens) <= self.most
                and (pieces[0][1] is not None or pieces[0][0] == tokens[0])
                and (pieces[-1][1] is not None or pieces[-1][0] == tokens[-1])
                and _fits(tokens, 0, pieces, 0))


@dataclass(frozen=True, slots=True)
class UiStrings:
    """The harvested strings of all languages, ready to match; build with `load_ui_strings`.

    `exact` maps the key of a string without slots to its `(reason, rule)`, and
    `exact_heads` holds the first two words of those keys (and "word 0" for a one-word
    key, which a trailing count follows); `by_first` and `by_last` hold the
    strings with slots, indexed by their first literal word (or their last, for a string
    that starts with a slot). `max_words` is the most words a matching line can have,
    so longer lines are not looked at.
    """

    exact: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    exact_heads: frozenset[str] = frozenset()
    by_first: Mapping[str, tuple[_SlotRule, ...]] = field(default_factory=dict)
    by_last: Mapping[str, tuple[_SlotRule, ...]] = field(default_factory=dict)
    max_words: int = 0

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, str]]) -> UiStrings:
        """Index `(reason, rule, string)` entries; the first entry of a key wins."""
        exact: dict[str, tuple[str, str]] = {}
        by_first: dict[str, list[_SlotRule]] = {}
        by_last: dict[str, list[_SlotRule]] = {}
        seen: set[str] = set()
        max_words = 0
        for reason, rule, string in entries:
            key = template_key(string)
            if not key or key in seen:
                continue
            seen.add(key)
            words = key.split(" ")
            slots = [w[1:-1] for w in words if _SLOT.fullmatch(w)]
            max_words = max(max_words, len(words) - len(slots)
                            + sum(SLOT_KINDS[s][1] for s in slots))
            if not slots:
                exact[key] = (reason, rule)
                continue
            literal = [w for w in words if not _SLOT.fullmatch(w)]
            if not literal:
                continue  # a string that is all slots would match anything
            pieces = tuple((w, w[1:-1]) if _SLOT.fullmatch(w) else (w, None) for w in words)
            compiled = _SlotRule(
                reason, rule, pieces,
                fewest=len(literal) + sum(SLOT_KINDS[kind][0] for kind in slots),
                most=len(literal) + sum(SLOT_KINDS[kind][1] for kind in slots),
            )
            if _SLOT.fullmatch(words[0]):
                by_last.setdefault(literal[-1], []).append(compiled)
            else:
                by_first.setdefault(literal[0], []).append(compiled)
        return cls(
            exact=MappingProxyType(exact),
            exact_heads=frozenset(
                head for key in exact
                for head in (" ".join(key.split(" ", 2)[:2]),
                             *((key + " 0",) if " " not in key else ()))
            ),
            by_first=MappingProxyType({k: tuple(v) for k, v in by_first.items()}),
            by_last=MappingProxyType({k: tuple(v) for k, v in by_last.items()}),
            max_words=max_words,
        )

    def match_words(self, words: Sequence[str]) -> tuple[str, str] | None:
        """`match` for a line's casefolded words (`\\w+` runs), as the line pass has them.

        Most lines start with two words that start no string, and end with a word that
        ends no string with slots: those are turned away before their key is built.
        """
        if not words or len(words) > self.max_words + 1:
            return None
        # Digits are rare in the first two words and the last: only then is a word
        # normalized, and the whole key only for a line that may match.
        first, last = words[0], words[-1]
        head = " ".join(words[:2])
        if not head.replace(" ", "").isalpha():
            head = _DIGIT_RUN.sub("0", head)
            first = head.partition(" ")[0]
        if not last.isalpha():
            last = _DIGIT_RUN.sub("0", last)
        if head not in self.exact_heads and first not in self.by_first \
                and last not in self.by_last:
            return None
        return self.match(_DIGIT_RUN.sub("0", " ".join(words)))

    def match(self, key: str) -> tuple[str, str] | None:
        """`(reason, rule)` of the string a line's key (see `line_key`) is, or None."""
        # One word more than the longest string: its trailing count.
        if not key or key.count(" ") > self.max_words:
            return None
        hit = self.exact.get(key)
        if hit is None and key.endswith(" 0"):
            # A trailing count: "Comments (3)", "Recent changes 12".
            hit = self.exact.get(key[:-2])
        if hit is not None:
            return hit
        tokens = key.split(" ")
        for candidate in (*self.by_first.get(tokens[0], ()), *self.by_last.get(tokens[-1], ())):
            if candidate.fits(tokens):
                return candidate.reason, candidate.rule
        return None


def parse_ui_file(name: str, text: str) -> list[tuple[str, str, str]]:
    """`(reason, rule, string)` of each entry of one `<lang>.tsv` file.

    Raises ValueError for a malformed line: shipped data that does not parse is a bug.
    """
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3 or not _REASON.fullmatch(parts[0]) or not _RULE.fullmatch(parts[1]):
            raise ValueError(f"uistrings/{name}:{number}: expected 'reason<TAB>rule<TAB>string'")
        entries.append((parts[0], parts[1], parts[2]))
    return entries


def shipped_languages() -> tuple[str, ...]:
    """Language codes of the shipped `cleaners/uistrings/<lang>.tsv` files, sorted."""
    folder = resources.files("cleaners").joinpath("uistrings")
    return tuple(sorted(
        entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".tsv")
    ))


def load_ui_strings(disabled: Callable[[str, str], bool] = lambda rule, reason: False,
                    ) -> UiStrings:
    """Read every shipped language's strings; `disabled(rule, reason)` drops entries."""
    folder = resources.files("cleaners").joinpath("uistrings")
    entries: list[tuple[str, str, str]] = []
    for lang in shipped_languages():
        text = folder.joinpath(f"{lang}.tsv").read_text(encoding="utf-8")
        entries += [entry for entry in parse_ui_file(f"{lang}.tsv", text)
                    if not disabled(entry[1], entry[0])]
    return UiStrings.build(entries)
