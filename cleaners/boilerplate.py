"""Strip boilerplate lines from extracted text, each removal with a reason and a rule.

A document's non-empty lines are decided in two passes.

1. Line rules look at one line alone; the first that fires wins:
   `template_line` (the line's key recurs across documents of the same site), the
   user's extra patterns, the shipped per-language lexicon (`cleaners/patterns/*.txt`:
   cookie banners, share and follow prompts, "read more" blocks, credits, bylines, ad
   markers...), then the harvested UI strings (`cleaners/uistrings.py`: whole lines of
   page chrome in 365 languages, rule ids `ui:<source>:<key>`), then the shape rules
   `symbol_line` (mostly digits and symbols: prices, timestamps, table rulers),
   `breadcrumb` ("Home > News > World") and `table_row` (a `|cell||cell|` row with no
   sentence in it), `alphabet_index` (six or more one-letter
   lines in alphabetical order: an A-Z index; reason `navigation`), and last
   `title_repeat` (the title again, or the title plus a credit). A line that is only a
   URL is kept: on the boiler_lines train split such lines were content (reference
   lists, contact blocks) 61% of the time.
2. Context rules look at what pass 1 decided around a line, and only act where pass 1
   found boilerplate, so a clean text passes through untouched:
   `navigation_block` (a long run of short list-like lines that holds boilerplate,
   with the short non-sentence lines on either side of it),
   `head_short_line` (a short line above the first body paragraph when the head of the
   document holds boilerplate: section names, author names), `tail_short_line` (below
   the last body paragraph, a short line heading a run of pattern-matched boilerplate:
   a site slogan above a follow prompt) and `amid_boilerplate` (a short line whose
   neighbours are both boilerplate: the "OK" of a cookie banner).

A short headline-like line between two paragraphs is a subheading and is kept: no rule
removes a line for being short on its own, and the title is never removed by context.

Language is detected after this stage, so every language's patterns are applied at
once. The lexicon is indexed by the first literal word of each pattern, so a line is
only tried against the patterns whose word it holds.

>>> lexicon = load_lexicon(BoilerplateConfig())
>>> lines = ["A title", "", "Some text that is long enough to be a paragraph.", "Read more"]
>>> result = strip_boilerplate(lines, lexicon)
>>> [line.number for line in result.kept], [(r.line, r.reason) for r in result.removed]
([1, 3], [(4, 'related_link')])
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from cleaners.linear import LinearPattern, compile_linear, to_re2
from cleaners.linemodel import LineModel, load_line_model
from cleaners.records import Line, Removal, StripResult
from cleaners.uistrings import UiStrings, load_ui_strings

#: Lexicon files shipped in `cleaners/patterns/`; `common` holds language-neutral patterns
#: (agency credits, social network names, copyright signs).
SHIPPED_LANGUAGES: tuple[str, ...] = (
    "common", "en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "fi",
)

#: Rule id -> reason of the structural rules (the lexicon's reasons come from its files).
STRUCTURAL_RULES: Mapping[str, str] = MappingProxyType({
    "template_line": "template_line",
    "title_repeat": "title_repeat",
    "symbol_line": "symbol_line",
    "breadcrumb": "breadcrumb",
    "table_row": "table_row",
    "alphabet_index": "navigation",
    "navigation_block": "navigation_block",
    "head_short_line": "head_short_line",
    "tail_short_line": "tail_short_line",
    "amid_boilerplate": "amid_boilerplate",
    "line_model": "line_model",
})

_T = TypeVar("_T")
_REASON = re.compile(r"[a-z][a-z0-9_]*")
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT_RUN = re.compile(r"\d+")
# The typographic marks below are meant (ruff's RUF001 takes them for look-alikes).
# A sentence ends with . ! ? or an ellipsis, possibly followed by closing quotes/brackets.
_SENTENCE_END = frozenset(".!?…")
_CLOSING = "\"'”’»)]"  # noqa: RUF001
_GT, _RAQUO, _RSAQUO = ">", "»", "›"  # noqa: RUF001
# From the start of a run of spaces only, so a long run is not rescanned per position.
_BREADCRUMB = re.compile(r"(?<!\s)\s+[>»›]\s+")  # noqa: RUF001
# Decoration around a prompt ("» Read more", "Share this:", "— Advertisement —") is not
# part of what it says; the lexicon matches the line without it. None of these is a \w
# character, so stripping them never changes a line's words.
_DECORATION = " \t\u00a0.,;:!?¿¡…»«›‹<>→←↑↓⇒▶►▸•·*|-–—=~#/\\\"'“”„‘’+"  # noqa: RUF001
_APOSTROPHE_MARKS = "’‘ʼ`´"  # noqa: RUF001
# Punctuation that ordinary text is full of; it does not count against a line's share
# of letters. Without this, "15 - 30 mins" or "Christiane (1735-1794)" read as symbols.
_TEXT_PUNCTUATION = "-–—(),.:;'\"/!?…’“”«»"  # noqa: RUF001
_DIGITS = "0123456789"
_LIST_MARKERS = ("- ", "* ", "• ", "· ", "– ")  # noqa: RUF001


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """How the boilerplate pass decides; every field has a safe default.

    `languages` names the lexicon files to load from `cleaners/patterns/` (without
    `.txt`); all of them by default, because a document's language is only known after
    this stage.

    `extra_patterns` are `(regex, reason)` pairs a user adds, e.g. for one site's own
    footer. They are tried before the shipped lexicon, with the same matching rules
    (case-insensitive search in the line without its surrounding punctuation), and
    their removals carry the rule id `extra:N` (N counts from 1).

    `disabled_reasons` turns off every rule that would give one of these reasons (e.g.
    `{"byline", "dateline"}` to keep author and date lines). `disabled_rules` turns off
    rules by id or id prefix: `"lexicon"` (the whole shipped lexicon), `"lexicon:de"`
    (one file), `"lexicon:de:42"` (one pattern, by file line), or a structural rule such
    as `"navigation_block"` (see `STRUCTURAL_RULES`).

    `lexicon_max_chars`: patterns are only tried on lines up to this many characters. A
    long paragraph that happens to mention cookies or "read more" is content; the
    longest consent banner of the seeds has about 460 characters.

    `min_letter_share`: a line whose visible characters (ordinary punctuation aside) are
    less than this share of letters is a `symbol_line` (prices, timestamps, rulers). On
    the boiler_lines train split the lines this removes are boilerplate 84% of the time.

    `short_line_words`: a line with at most this many words and no sentence-ending
    punctuation is "short" for the context rules ("OK", "Raconter l'actualité").

    `body_min_words`: a kept line that ends a sentence and has at least this many words
    is a body paragraph; the head of a document is what precedes the first one, the
    tail what follows the last one.

    `title_credit_max_words`: a line that starts with the title and adds at most this
    many words ("Title© Agency/Photographer") is `title_repeat`.

    `list_max_words` and `navigation_min_run`: a run of at least `navigation_min_run`
    consecutive lines, each without sentence punctuation and with at most
    `list_max_words` words, that holds a line pass 1 removed, is a `navigation_block`
    (menus, category lists, language pickers). On the boiler_lines train split the
    lines this removes are boilerplate 85% of the time; a floor of 8 took in cast lists
    and schedules (content kept 0.946 instead of 0.962), one of 16 gained nothing.

    `navigation_edge_words`: a navigation block goes on through the lines next to it
    that have no sentence punctuation and at most this many words (menu entries such as
    "Premios Tu Música Urbano", a country list's "- Bosnia and Herzegovina"). On the
    boiler_lines splits 5 removed 0.6 to 1.2 points more boilerplate for at most 0.07
    points of content (wiki "External links" headings the gold calls content); 6 lost
    0.26 points of content on dev (a ranked list next to forum chrome), 8 lost 0.8.

    `line_model` runs the learned line model (`cleaners/linemodel.py`) after the line
    rules: a line they left that it scores at `line_model_threshold` or more (None: the
    threshold shipped with the model, chosen on held-out languages) is removed with
    reason `line_model` and rule `line_model:SCORE`, if it has at most
    `line_model_max_words` words: menu entries, buttons, labels ("Printable version",
    "Older posts", "Ditt användarkonto"). Longer lines it is sure of were lists the gold
    calls content (a dictionary's translations, a discography) as often as not: on the
    boiler_lines test split, letting it remove lines of any length cost 2.1 points of
    content, 4 words 0.2, for the same boilerplate removed. The lexicon's and shape
    rules' decisions stand: they are sure where they fire. In a document of fewer than
    `line_model_min_lines` lines the model removes nothing: it judges a line by its
    page, and a one- or two-line document has no page around it (on the encodings dev
    set it emptied one-line documents such as a kaomoji and "∆°"). A line it scores below
    `line_model_content_below` is spared the context rules: on the boiler_lines splits
    0.2 kept 0.2 more points of content for less than 0.1 point of boilerplate (0.1
    changed nothing, the model is rarely that sure; 0.3 kept 0.35 points but spared
    the longer entries at the edge of menus, such as "- Republic of North Macedonia").

    `line_model_block_mean`: the model is rarely sure of one menu entry (0.6-0.85) but a
    menu is a run of them. A run of at least `line_model_block_min_run` lines, each of
    at most `line_model_block_words` words and scored at least `line_model_block_floor`,
    whose mean score reaches `line_model_block_mean` (None: the value shipped with the
    model, chosen with its threshold on held-out languages; above 1: off) loses the
    lines the rules left, reason `line_model`, rule `line_model_block:SCORE`. Lines the
    rules removed count in the run: menus interleave known and unknown entries.
    """

    languages: tuple[str, ...] = SHIPPED_LANGUAGES
    extra_patterns: tuple[tuple[str, str], ...] = ()
    disabled_reasons: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()
    lexicon_max_chars: int = 1000
    min_letter_share: float = 0.5
    short_line_words: int = 4
    body_min_words: int = 8
    title_credit_max_words: int = 12
    list_max_words: int = 4
    navigation_min_run: int = 12
    navigation_edge_words: int = 5
    line_model: bool = True
    line_model_threshold: float | None = None
    line_model_content_below: float = 0.2
    line_model_min_lines: int = 3
    line_model_max_words: int = 4
    line_model_block_mean: float | None = None
    line_model_block_floor: float = 0.4
    line_model_block_words: int = 4
    line_model_block_min_run: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_letter_share <= 1.0:
            raise ValueError(f"min_letter_share must be in [0, 1], not {self.min_letter_share}")
        for name in ("lexicon_max_chars", "short_line_words", "body_min_words",
                     "title_credit_max_words", "list_max_words", "navigation_min_run",
                     "navigation_edge_words", "line_model_max_words", "line_model_block_words",
                     "line_model_min_lines",
                     "line_model_block_min_run"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for regex, reason in self.extra_patterns:
            if not _REASON.fullmatch(reason):
                raise ValueError(f"extra pattern {regex!r}: reason {reason!r} is not snake_case")
            # Refused here, when the config is built, not on the first document: a
            # pattern RE2 cannot run in linear time raises a ValueError naming it.
            try:
                compile_linear(regex)
            except ValueError as error:
                raise ValueError(f"extra_patterns: {error}") from error


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """One pattern (in RE2 syntax), the reason it gives and its rule id (`lexicon:fr:12`).

    RE2 takes 1-5 ms to compile a pattern with Unicode classes, 5 s for the whole
    lexicon, while most patterns are never tried on a given corpus: each is compiled
    the first time a line is tried against it, and kept in `compiled`.
    """

    rule: str
    reason: str
    source: str
    compiled: list[LinearPattern] = field(default_factory=list, compare=False, repr=False)

    def search(self, text: str) -> bool:
        """Whether the pattern is found in `text` (in time linear in the text)."""
        return self.search_utf8(text.encode("utf-8", "surrogatepass"))

    def search_utf8(self, data: bytes) -> bool:
        """Whether the pattern is found in `data`, a text encoded as UTF-8."""
        if not self.compiled:
            self.compiled.append(compile_linear(self.source, translated=True))
        return self.compiled[0].search_utf8(data)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A config's compiled patterns, indexed by word; build it with `load_lexicon`.

    Trying 700 patterns on every line would cost a millisecond a line, so each pattern
    is only tried on lines that hold a word it needs:

    - a pattern anchored at the start of the line (`^...`) is indexed by the words the
      line can start with: `first_exact` maps a whole first word ("#" for any number,
      "=" + a symbol for a line starting with it) to the positions (in `rules`) of its
      patterns, and `first_stems` maps the first three letters of a word stem
      ("comment" for "^comments?") to `(stem, position)` pairs;
    - any other pattern is indexed by the longest literal word it starts with:
      `any_exact` maps a whole word to positions, `any_stems` maps " " + the first
      three letters of a stem to `(stem, position)` pairs, and `any_symbols` maps a
      symbol a pattern starts with ("©") to positions;
    - anchored patterns with no such word are `gated` behind one combined `gate`
      regex, tried once per line, and the rest are `unindexed`, tried on every line.

    `structural_off` holds the structural rules (see `STRUCTURAL_RULES`) the config
    disables.
    """

    config: BoilerplateConfig
    rules: tuple[LexiconRule, ...]
    first_exact: Mapping[str, tuple[int, ...]]
    first_stems: Mapping[str, tuple[tuple[str, int], ...]]
    any_exact: Mapping[str, tuple[int, ...]]
    any_stems: Mapping[str, tuple[tuple[str, int], ...]]
    any_symbols: Mapping[str, tuple[int, ...]]
    gate: LinearPattern | None
    gated: tuple[int, ...]
    unindexed: tuple[int, ...]
    structural_off: frozenset[str]
    #: Harvested UI strings (`cleaners/uistrings.py`), tried on a line no pattern matched.
    ui: UiStrings = field(default_factory=UiStrings)
    line_model: LineModel | None = None

    def match(self, line: str) -> LexiconRule | None:
        """Return the first rule (in config order) whose pattern is found in `line`."""
        core = _core(line.strip())
        return self._match(core, _tokens(core))

    def _match(self, core: str, tokens: Sequence[str]) -> LexiconRule | None:
        """Find the first matching rule for a line's core and its words."""
        # Positions of the candidate rules; a list, as most lines have none or two.
        found = list(self.unindexed)
        first_exact = self.first_exact
        if self.gate is not None and self.gate.search(core):
            found += self.gated
        if core and not core[0].isalnum():
            found += first_exact.get("=" + core[0], ())
        for symbol, positions in self.any_symbols.items():
            if symbol in core:
                found += positions
        if tokens:
            first = tokens[0]
            found += first_exact.get(first, ())
            if first[0].isdigit():
                found += first_exact.get("#", ())
            found += [p for stem, p in self.first_stems.get(first[:3], ())
                      if first.startswith(stem)]
            # dict.keys() & list walks the list: a few dozen lookups, all in C.
            for word in self.any_exact.keys() & tokens:
                found += self.any_exact[word]
            if self.any_stems:
                # Stems are few: looking each up in the spaced words is cheaper than
                # cutting every word to its first letters.
                spaced = " " + " ".join(tokens)
                found += [position for key, pairs in self.any_stems.items() if key in spaced
                          for stem, position in pairs if " " + stem in spaced]
        if not found:
            return None
        data = core.encode("utf-8", "surrogatepass")  # once for all the candidates
        for position in sorted(set(found)) if len(found) > 1 else found:
            rule = self.rules[position]
            if rule.search_utf8(data):
                return rule
        return None


def _core(text: str) -> str:
    core = text.strip(_DECORATION)
    # str.replace per mark: str.translate with a dict is far slower on non-ASCII text.
    for mark in _APOSTROPHE_MARKS:
        if mark in core:
            core = core.replace(mark, "'")
    return core


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _key(tokens: Sequence[str]) -> str:
    return _DIGIT_RUN.sub("0", " ".join(tokens))


def template_key(line: str) -> str:
    """Normalize a line for cross-document template counting.

    Case, punctuation and spacing are folded and every run of digits becomes 0, so
    "Posted 12 May 2020 | 3 comments" and "Posted 1 June 2021 | 10 comments" share a key.
    Lines without any word have the empty key and are never template lines.

    >>> template_key("  Posted 12 May 2020 | 3 Comments ")
    'posted 0 may 0 0 comments'
    """
    return _key(_tokens(line))


# --- reading the lexicon files ----------------------------------------------------------


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


def _disabled(rule: str, reason: str, config: BoilerplateConfig) -> bool:
    if reason in config.disabled_reasons:
        return True
    parts = rule.split(":")
    return any(":".join(parts[:n]) in config.disabled_rules for n in range(1, len(parts) + 1))


def _parse_lexicon_file(lang: str, text: str) -> Iterator[tuple[str, str, str]]:
    """Yield (rule id, reason, regex source) for each pattern line of a lexicon file."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not _REASON.fullmatch(parts[0]):
            raise ValueError(f"patterns/{lang}.txt:{number}: expected 'reason<TAB>regex'")
        yield f"lexicon:{lang}:{number}", parts[0], parts[1].strip()


def load_lexicon(config: BoilerplateConfig) -> Lexicon:
    """Read and compile the lexicon files the config names, plus its extra patterns.

    Raises ValueError for an unknown language, a malformed line or an invalid regex: a
    configuration error should stop a run before it starts.
    """
    sources: list[tuple[str, str, str]] = [
        (f"extra:{n}", reason, regex)
        for n, (regex, reason) in enumerate(config.extra_patterns, start=1)
    ]
    folder = resources.files("cleaners").joinpath("patterns")
    for lang in config.languages:
        path = folder.joinpath(f"{lang}.txt")
        if not path.is_file():
            raise ValueError(f"no lexicon file patterns/{lang}.txt")
        sources.extend(_parse_lexicon_file(lang, path.read_text(encoding="utf-8")))

    rules: list[LexiconRule] = []
    first_exact: dict[str, list[int]] = {}
    first_stems: dict[str, list[tuple[str, int]]] = {}
    any_exact: dict[str, list[int]] = {}
    any_stems: dict[str, list[tuple[str, int]]] = {}
    any_symbols: dict[str, list[int]] = {}
    gated: list[int] = []
    unindexed: list[int] = []
    for rule_id, reason, source in sources:
        if _disabled(rule_id, reason, config):
            continue
        try:
            translated = to_re2(source)
        except ValueError as error:
            raise ValueError(f"{rule_id}: {error}") from error
        position = len(rules)
        rules.append(LexiconRule(rule_id, reason, translated))
        anchored = all(alt.startswith("^") for alt in _split_alternatives(source))
        words = _leading_words(source, first=anchored)
        if words is None:
            (gated if _gateable(source) else unindexed).append(position)
            continue
        exact = first_exact if anchored else any_exact
        for word, whole in words:
            if word.startswith("=") and not anchored:
                any_symbols.setdefault(word[1:], []).append(position)
            elif whole:
                exact.setdefault(word, []).append(position)
            elif anchored:
                first_stems.setdefault(word[:3], []).append((word, position))
            else:
                any_stems.setdefault(" " + word[:3], []).append((word, position))
    gate = "|".join(f"(?:{rules[k].source[1:]})" for k in gated)
    return Lexicon(
        config=config,
        rules=tuple(rules),
        first_exact=_frozen(first_exact),
        first_stems=_frozen(first_stems),
        any_exact=_frozen(any_exact),
        any_stems=_frozen(any_stems),
        any_symbols=_frozen(any_symbols),
        gate=compile_linear(f"^(?:{gate})", translated=True) if gated else None,
        gated=tuple(gated),
        unindexed=tuple(unindexed),
        structural_off=frozenset(
            rule for rule, reason in STRUCTURAL_RULES.items() if _disabled(rule, reason, config)
        ),
        ui=load_ui_strings(lambda rule, reason: _disabled(rule, reason, config)),
        line_model=load_line_model() if config.line_model else None,
    )


def known_reasons(config: BoilerplateConfig) -> frozenset[str]:
    """Every reason this stage can give under `config`: the structural rules', those of
    every shipped lexicon file and those of the config's extra patterns, so that a
    misspelled entry of `disabled_reasons` can be told from a real one.

    >>> {"cookie_banner", "navigation_block"} <= known_reasons(BoilerplateConfig())
    True
    """
    folder = resources.files("cleaners").joinpath("patterns")
    shipped = {reason for entry in folder.iterdir() if entry.name.endswith(".txt")
               for _, reason, _ in _parse_lexicon_file(entry.name[:-4],
                                                       entry.read_text(encoding="utf-8"))}
    return frozenset({*STRUCTURAL_RULES.values(), *shipped,
                      *(reason for _, reason in config.extra_patterns)})


def _frozen(index: dict[str, list[_T]]) -> Mapping[str, tuple[_T, ...]]:
    return MappingProxyType({key: tuple(found) for key, found in index.items()})


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _gateable(source: str) -> bool:
    """Whether a pattern can join the gate: anchored, one branch, no backreference."""
    return (source.startswith("^") and len(_split_alternatives(source)) == 1
            and _BACKREFERENCE.search(source) is None)


# --- deciding ---------------------------------------------------------------------------


class _Facts(NamedTuple):
    """What the rules need to know about one non-empty line.

    A NamedTuple rather than a frozen dataclass: built for every line, and a frozen
    dataclass's __init__ costs three times as much.
    """

    number: int
    text: str
    core: str
    tokens: list[str]
    short: bool
    listy: bool
    body: bool


def _facts(number: int, text: str, config: BoilerplateConfig) -> _Facts:
    core = _core(text)
    tokens = _tokens(core)
    terminal = text.rstrip(_CLOSING)[-1:] in _SENTENCE_END
    count = len(tokens)
    return _Facts(  # positional: keywords cost a third more, on every line
        number,
        text,
        core,
        tokens,
        count <= config.short_line_words and not terminal,
        count <= config.list_max_words and not terminal and not text.endswith((",", ";")),
        terminal and count >= config.body_min_words,
    )


def _symbol_line(facts: _Facts, config: BoilerplateConfig) -> bool:
    text = facts.text
    visible = len(text) - text.count(" ")
    # Most lines are prose: word characters minus digits already make the share.
    # str.count runs in C; a per-character test would cost ten times as much.
    floor = sum(map(len, facts.tokens)) - sum(map(text.count, _DIGITS)) - text.count("_")
    if floor >= config.min_letter_share * visible:
        return False
    letters = sum(
        len(token) if token.isalpha() else sum(map(str.isalpha, token))
        for token in facts.tokens
    )
    visible -= sum(map(text.count, _TEXT_PUNCTUATION))
    return letters < config.min_letter_share * visible


def _breadcrumb(facts: _Facts) -> bool:
    text = facts.text
    if len(facts.tokens) > 30 or not (_GT in text or _RAQUO in text or _RSAQUO in text):
        return False
    parts = _BREADCRUMB.split(facts.text.strip(_DECORATION))
    return len(parts) >= 3 and all(0 < len(_WORD.findall(part)) <= 5 for part in parts)


def _table_row(facts: _Facts, config: BoilerplateConfig) -> bool:
    # A |cell||cell| row of at least two cells, none of them a sentence: key/value
    # tables and score sheets. Rows with a single cell are usually page layout around
    # real text (forum posts rendered in tables) and are left to the other rules.
    text = facts.text
    if not text.startswith("|"):
        return False
    cells = [cell for cell in text.split("|") if not cell.isspace() and cell]
    return len(cells) >= 2 and all(
        len(_WORD.findall(cell)) < config.body_min_words for cell in cells
    )


def _shape_decision(
    facts: _Facts, config: BoilerplateConfig, off: frozenset[str]
) -> tuple[str, str] | None:
    # A body paragraph (a sentence of eight words or more) is prose by definition; not
    # testing it spares half the cost of the shape rules.
    if "symbol_line" not in off and not facts.body and _symbol_line(facts, config):
        rule = "symbol_line"
    elif "breadcrumb" not in off and _breadcrumb(facts):
        rule = "breadcrumb"
    elif "table_row" not in off and _table_row(facts, config):
        rule = "table_row"
    else:
        return None
    return STRUCTURAL_RULES[rule], rule


def strip_boilerplate(
    lines: Sequence[str],
    lexicon: Lexicon,
    *,
    title: str | None = None,
    templates: Collection[str] = (),
) -> StripResult:
    """Split a document's lines into kept content and removals, each with a reason.

    `lines` are the lines of one normalized document (index 0 is line 1); blank lines
    are dropped without being counted as removals. `title` (from the page metadata) is
    protected from the context rules and recognised when repeated with a credit; without
    it, the first line left by the line rules plays that part if it reads like a
    headline. `templates` holds `template_key`s that recur across documents of the same
    site; lines with such a key are `template_line`.
    """
    config = lexicon.config
    off = lexicon.structural_off
    items = [
        _facts(number, text, config)
        for number, raw in enumerate(lines, start=1)
        if (text := raw.strip())
    ]
    template_set = templates if isinstance(templates, (set, frozenset)) else frozenset(templates)
    use_templates = bool(template_set) and "template_line" not in off

    # Pass 1a: the rules that do not depend on the title.
    decisions: list[tuple[str, str] | None] = []
    for facts in items:
        decision: tuple[str, str] | None = None
        if use_templates and facts.tokens and _key(facts.tokens) in template_set:
            decision = ("template_line", "template_line")
        elif len(facts.text) <= config.lexicon_max_chars:
            rule = lexicon._match(facts.core, facts.tokens)
            if rule is not None:
                decision = (rule.reason, rule.rule)
            else:
                decision = lexicon.ui.match_words(facts.tokens)
        decisions.append(decision)

    # Pass 1b: the shape rules, then the title, on what the lexicon left. A title from
    # the page metadata is trusted: its line is spared the shape rules.
    protected = [False] * len(items)
    title_key = _key(_tokens(title)) if title else ""
    title_line = _title_line(items, decisions, title_key) if title_key else None
    shaped = []
    for k, facts in enumerate(items):
        if decisions[k] is None and k != title_line:
            decisions[k] = _shape_decision(facts, config, off)
            if decisions[k] is not None:
                shaped.append(k)
    if shaped and all(d is not None for d in decisions):
        # Shape alone never empties a document: a one-line note such as "(-1/2)! = √π"
        # or "hotel $49 $63" is all the content there is. The lexicon still may.
        for k in shaped:
            decisions[k] = None
    if not title_key:
        title_line = _presumed_title_line(items, decisions)
        title_key = _key(items[title_line].tokens) if title_line is not None else ""
    if title_line is not None:
        protected[title_line] = True
    if "alphabet_index" not in off:
        # After the title is chosen: the line below an A-Z index is not a headline.
        for k in _alphabet_index(items):
            if decisions[k] is None and k != title_line:
                decisions[k] = (STRUCTURAL_RULES["alphabet_index"], "alphabet_index")
    if title_key and "title_repeat" not in off:
        for k, facts in enumerate(items):
            if decisions[k] is None and k != title_line and _repeats_title(
                facts, title_key, config
            ):
                decisions[k] = ("title_repeat", "title_repeat")

    if lexicon.line_model is not None and "line_model" not in off:
        _model_pass(lexicon.line_model, items, decisions, protected, config)

    _context_pass(items, decisions, protected, config, off)

    kept: list[Line] = []
    removed: list[Removal] = []
    for facts, final in zip(items, decisions, strict=True):
        if final is None:
            kept.append(Line(facts.number, facts.text))
        else:
            removed.append(Removal(facts.number, facts.text, final[0], final[1]))
    return StripResult(kept=tuple(kept), removed=tuple(removed))


def _model_pass(
    model: LineModel,
    items: Sequence[_Facts],
    decisions: list[tuple[str, str] | None],
    protected: list[bool],
    config: BoilerplateConfig,
) -> None:
    """Remove the lines the rules left that the line model scores as boilerplate (the
    rule id carries the score: `line_model:0.93`), and protect from the context rules
    the lines it scores as content."""
    undecided = [k for k, decision in enumerate(decisions) if decision is None]
    if not undecided:
        return
    threshold = model.threshold if config.line_model_threshold is None else (
        config.line_model_threshold)
    # The model reads every line (its neighbours are features), whatever the rules said.
    # As Python floats: indexing a numpy array one element at a time costs more.
    scores: list[float] = model.scores([facts.text for facts in items],
                                       [facts.tokens for facts in items]).tolist()
    if len(items) >= config.line_model_min_lines:
        for k in undecided:
            if (scores[k] >= threshold and not protected[k]
                    and len(items[k].tokens) <= config.line_model_max_words):
                decisions[k] = ("line_model", f"line_model:{scores[k]:.2f}")
        block_mean = model.block_mean if config.line_model_block_mean is None else (
            config.line_model_block_mean)
        if block_mean <= 1.0:
            _model_blocks(scores, items, decisions, protected, config, block_mean)
    # A line the model holds for content is spared the context rules (a short line in a
    # run of menu entries may be a cast list's name or a subheading).
    for k, score in enumerate(scores):
        if score < config.line_model_content_below:
            protected[k] = True


def _model_blocks(
    scores: Sequence[float],
    items: Sequence[_Facts],
    decisions: list[tuple[str, str] | None],
    protected: list[bool],
    config: BoilerplateConfig,
    mean: float,
) -> None:
    """Remove whole runs of short lines the model scores as boilerplate on average."""
    count = len(items)
    start = 0
    while start < count:
        end = start
        while (end < count and scores[end] >= config.line_model_block_floor
               and len(items[end].tokens) <= config.line_model_block_words):
            end += 1
        if end > start and end - start >= config.line_model_block_min_run and (
                sum(scores[start:end]) / (end - start) >= mean):
            for k in range(start, end):
                if decisions[k] is None and not protected[k]:
                    decisions[k] = ("line_model", f"line_model_block:{scores[k]:.2f}")
        start = max(end, start + 1)


def _title_line(
    items: Sequence[_Facts], decisions: Sequence[tuple[str, str] | None], title_key: str,
) -> int | None:
    """The first line the lexicon left whose key is the title's."""
    return next(
        (k for k, facts in enumerate(items)
         if decisions[k] is None and _starts_like(facts, title_key)
         and _key(facts.tokens) == title_key),
        None,
    )


def _starts_like(facts: _Facts, title_key: str) -> bool:
    # Comparing first words spares building the key of every line.
    return bool(facts.tokens) and _DIGIT_RUN.sub("0", facts.tokens[0]) == title_key.split(" ", 1)[0]


def _presumed_title_line(
    items: Sequence[_Facts], decisions: Sequence[tuple[str, str] | None],
) -> int | None:
    # Without a title from the page metadata, the first line the line rules left is
    # taken as the title when it reads like a headline: words, and no final period.
    first = next((k for k, decision in enumerate(decisions) if decision is None), None)
    if first is None:
        return None
    facts = items[first]
    if not 0 < len(facts.tokens) <= 30 or facts.text.endswith("."):
        return None
    # A list item ("- A", "• Home") is the first entry of a menu or an index, not a
    # headline. Not protecting such lines removed 4 more boilerplate lines on the
    # boiler_lines train split (the first entries of menus and A-Z indexes) and no
    # content line.
    if facts.text.startswith(_LIST_MARKERS):
        return None
    return first


def _repeats_title(facts: _Facts, title_key: str, config: BoilerplateConfig) -> bool:
    # A title of one or two words ("Home", "News") says too little to recognise a repeat.
    title_words = title_key.count(" ") + 1
    if title_words < 3 or not _starts_like(facts, title_key):
        return False
    key = _key(facts.tokens)
    # A sentence that opens with the title's words ("Macron visits Moscow for talks
    # with...") is a lede, not a repeat: only a line without a sentence end qualifies.
    return key == title_key or (
        key.startswith(title_key + " ")
        and not facts.body
        and key.count(" ") + 1 - title_words <= config.title_credit_max_words
    )


def _context_pass(
    items: Sequence[_Facts],
    decisions: list[tuple[str, str] | None],
    protected: Sequence[bool],
    config: BoilerplateConfig,
    off: frozenset[str],
) -> None:
    """Remove short lines that sit among what pass 1 removed (see the module docstring).

    Every rule here needs a pass-1 removal as evidence, so a text that pass 1 leaves
    alone (in particular, the kept lines of an earlier pass) is left alone here too.
    """
    count = len(items)
    evidence = [decision is not None for decision in decisions]
    if not any(evidence):
        return

    def remove(k: int, rule: str) -> bool:
        if decisions[k] is None and not protected[k]:
            decisions[k] = (STRUCTURAL_RULES[rule], rule)
            return True
        return False

    if "navigation_block" not in off and config.navigation_min_run > 0:
        k = 0
        while k < count:
            end = k
            while end < count and (evidence[end] or items[end].listy):
                end += 1
            run = range(k, end)
            if len(run) >= config.navigation_min_run and any(evidence[m] for m in run):
                # A menu's entries are not all four words long: the block goes on
                # through the short non-sentence lines on either side of it.
                start = k
                while start > 0 and _menu_entry(items[start - 1], config):
                    start -= 1
                while end < count and _menu_entry(items[end], config):
                    end += 1
                for m in range(start, end):
                    remove(m, "navigation_block")
            k = end + 1

    bodies = [k for k in range(count) if decisions[k] is None and items[k].body]
    if bodies and "head_short_line" not in off:
        head = range(bodies[0])
        if any(evidence[k] for k in head):
            for k in head:
                # Strictly shorter than `short_line_words`: above the first paragraph a
                # four-word line is as likely a title (after a kicker) as page furniture.
                if items[k].short and len(items[k].tokens) < config.short_line_words:
                    remove(k, "head_short_line")

    if bodies and "tail_short_line" not in off:
        # Lines removed only for their shape (symbols, breadcrumbs, table rows) are not
        # evidence enough here: contact blocks and lists end many pages and are content.
        for k in range(count - 2, bodies[-1], -1):
            follower = decisions[k + 1]
            if items[k].short and follower is not None and follower[1] not in _SHAPE_RULES:
                remove(k, "tail_short_line")

    if "amid_boilerplate" not in off:
        changed = True
        while changed:
            changed = False
            for k in range(1, count):
                after = k + 1 == count or decisions[k + 1] is not None
                if items[k].short and decisions[k - 1] is not None and after:
                    changed = remove(k, "amid_boilerplate") or changed


_SHAPE_RULES = frozenset({"symbol_line", "breadcrumb", "table_row", "alphabet_index"})

# Six letters in a row: answer options ("A" to "D" or "E") stop at four or five and are
# rarely on lines of their own with nothing else; on the boiler_lines splits every run
# of five or more was an A-Z index (133 lines, none content).
_ALPHABET_MIN_RUN = 6


def _alphabet_index(items: Sequence[_Facts]) -> list[int]:
    """Positions of the lines of A-Z indexes: runs of one-letter lines in ascending order."""
    # Most documents have no one-letter line at all: one pass in C finds that out.
    singles = [k for k, facts in enumerate(items) if len(facts.core) == 1]
    if len(singles) < _ALPHABET_MIN_RUN:
        return []
    found: list[int] = []
    run: list[int] = []
    previous = ""
    for k in singles:
        letter = items[k].core.casefold()
        if letter.isalpha() and run and k == run[-1] + 1 and letter > previous:
            run.append(k)
        else:
            if len(run) >= _ALPHABET_MIN_RUN:
                found += run
            run = [k] if letter.isalpha() else []
        previous = letter
    if len(run) >= _ALPHABET_MIN_RUN:
        found += run
    return found


def _menu_entry(facts: _Facts, config: BoilerplateConfig) -> bool:
    """Whether a line may continue a navigation block: short and not a sentence."""
    return (len(facts.tokens) <= config.navigation_edge_words
            and facts.text.rstrip(_CLOSING)[-1:] not in _SENTENCE_END)
