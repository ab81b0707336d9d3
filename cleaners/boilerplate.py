"""Strip boilerplate lines from extracted text, each removal with a reason and a rule.

The decision is made per document in two passes over its non-empty lines:

1. Line rules, each looking at one line alone, in this order (the first that fires wins):
   cross-document templates (`template_line`), the user's extra patterns, the shipped
   per-language lexicon (`cleaners/patterns/*.txt`: cookie banners, share prompts,
   "read more" blocks, credits, ...), a line repeating the title plus a credit
   (`title_repeat`), a line made mostly of symbols or digits (`symbol_line`), and a line
   that is nothing but URLs or e-mail addresses (`url_line`).
2. Context rules, which look at what pass 1 decided around a line: after the last body
   paragraph, short lines in a tail that already holds boilerplate are page furniture
   (`tail_short_line`: "OK" under a cookie banner, a site slogan above a follow prompt);
   a short line whose neighbours are both boilerplate is boilerplate too
   (`amid_boilerplate`). A short headline-like line between two paragraphs is a
   subheading and is kept: no rule removes a line for being short on its own.

Language is detected after this stage, so every language's patterns are applied at once;
the lexicon is indexed by the first literal word of each pattern, so a line only pays
for the patterns whose word it contains.

>>> lexicon = load_lexicon(BoilerplateConfig())
>>> result = strip_boilerplate(["A title", "", "Some text here, long enough to count.", "Read more"],
...                            lexicon)
>>> [line.number for line in result.kept], [(r.line, r.reason) for r in result.removed]
([1, 3], [(4, 'related_link')])
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from cleaners.records import Line, Removal, StripResult

#: Lexicon files shipped in `cleaners/patterns/`; `common` holds language-neutral patterns
#: (agency credits, social network names, copyright signs).
SHIPPED_LANGUAGES: tuple[str, ...] = (
    "common", "en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "fi",
)

_REASON = re.compile(r"[a-z][a-z0-9_]*")
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d+")
# A sentence ends with . ! ? or an ellipsis, possibly followed by closing quotes/brackets.
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
_URLISH = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b(?:/\S*)?",
    re.IGNORECASE,
)
# Decoration around a prompt ("» Read more", "Share this:", "— Advertisement —") is not
# part of what it says; the lexicon matches the line without it.
_DECORATION = " \t\u00a0.,;:!?¿¡…»«›‹<>→←↑↓⇒▶►▸•·*|-–—_=~#/\\\"'“”„‘’+"
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´", "'"))


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """How the boilerplate pass decides; every field has a safe default.

    `languages` names the lexicon files to load from `cleaners/patterns/` (without
    `.txt`); all of them by default, because the language of a document is only known
    after this stage.

    `extra_patterns` are `(regex, reason)` pairs a user adds, e.g. for one site's own
    footer. They are tried before the shipped lexicon, with the same matching rules
    (case-insensitive `re.search` on the line without surrounding punctuation), and
    their removals carry the rule id `extra:N` (N counts from 1).

    `disabled_reasons` turns off every rule that would give one of these reasons (e.g.
    `{"byline"}` to keep author lines). `disabled_rules` turns off rules by id or id
    prefix: `"lexicon"` (the whole shipped lexicon), `"lexicon:de"` (one file),
    `"lexicon:de:42"` (one pattern, by file line), `"symbol_line"`, `"tail_short_line"`...

    `lexicon_max_chars`: patterns are tried only on lines up to this many characters. A
    long paragraph that happens to mention cookies or "read more" is content; the
    longest consent banners seen in the seeds are about 460 characters.

    `min_letter_share`: a line whose non-space characters are less than this share of
    letters is a `symbol_line` (table rulers, bare dates, prices, counters). On the
    boiler_lines training split, lines under 0.5 are boilerplate 91% of the time.

    `short_line_words`: a line with at most this many words and no sentence-ending
    punctuation is "short" for the context rules ("OK", "Raconter l'actualité").

    `body_min_words`: a kept line ending a sentence with at least this many words is a
    body paragraph; the tail of a document is what follows the last one.

    `title_credit_max_words`: a line that starts with the title and adds at most this many
    words ("Title© Agency/Photographer") is `title_repeat`.
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
    navigation_min_run: int = 10
    repeat_min_count: int = 0
    repeat_max_words: int = 4

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_letter_share <= 1.0:
            raise ValueError(f"min_letter_share must be in [0, 1], not {self.min_letter_share}")
        for name in ("lexicon_max_chars", "short_line_words", "body_min_words",
                     "title_credit_max_words"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for regex, reason in self.extra_patterns:
            if not _REASON.fullmatch(reason):
                raise ValueError(f"extra pattern {regex!r}: reason {reason!r} is not snake_case")


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """One compiled pattern, the reason it gives and its rule id (`lexicon:fr:12`)."""

    rule: str
    reason: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The compiled patterns of a config, indexed for speed; build it with `load_lexicon`.

    `index` maps the first two letters of a pattern's leading literal word to
    `(word, position in rules)` pairs; `unindexed` lists the rules with no such word,
    which are tried on every line.
    """

    config: BoilerplateConfig
    rules: tuple[LexiconRule, ...]
    index: Mapping[str, tuple[tuple[str, int], ...]]
    unindexed: tuple[int, ...]

    def match(self, line: str) -> LexiconRule | None:
        """Return the first rule (in config order) whose pattern is found in `line`."""
        core = _core(line.strip())
        return self._match_core(core, _WORD.findall(core.casefold()))

    def _match_core(self, core: str, tokens: Iterable[str]) -> LexiconRule | None:
        candidates = set(self.unindexed)
        index = self.index
        for token in set(tokens):
            for word, position in index.get(token[:2], ()):
                if token.startswith(word):
                    candidates.add(position)
        for position in sorted(candidates):
            rule = self.rules[position]
            if rule.regex.search(core):
                return rule
        return None


def _core(text: str) -> str:
    return text.strip(_DECORATION).translate(_APOSTROPHES)


def _top_level_alternation(source: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


_SEPARATORS = ("\\b", "\\s+", "\\s*", "\\s", " ", "'", "-")


def _leading_word(source: str) -> str | None:
    """The first literal word of 2+ letters a match must start with, if the pattern has one.

    Only the pattern's leading run of literal letters and separators is read; anything
    else (a group, a class, a dot) ends the search, so the word found is always required.
    """
    if _top_level_alternation(source):
        return None
    pos = 1 if source.startswith("^") else 0
    while pos < len(source):
        separator = next((s for s in _SEPARATORS if source.startswith(s, pos)), None)
        if separator is not None:
            pos += len(separator)
            continue
        run = _LETTERS.match(source, pos)
        if run is None:
            return None
        word, pos = run.group(), run.end()
        quantified = source[pos:pos + 1] in ("?", "*", "{")
        if quantified:
            word = word[:-1]
        if len(word) >= 2:
            return word.casefold()
        if quantified:
            return None
    return None


def _disabled(rule: str, reason: str, config: BoilerplateConfig) -> bool:
    if reason in config.disabled_reasons:
        return True
    parts = rule.split(":")
    return any(":".join(parts[:n]) in config.disabled_rules for n in range(1, len(parts) + 1))


def _parse_lexicon_file(lang: str, text: str) -> Iterable[tuple[str, str, str]]:
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
    index: dict[str, list[tuple[str, int]]] = {}
    unindexed: list[int] = []
    for rule_id, reason, source in sources:
        if _disabled(rule_id, reason, config):
            continue
        try:
            regex = re.compile(source, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"{rule_id}: invalid regex {source!r}: {error}") from error
        position = len(rules)
        rules.append(LexiconRule(rule_id, reason, regex))
        word = _leading_word(source)
        if word is None:
            unindexed.append(position)
        else:
            index.setdefault(word[:2], []).append((word, position))
    return Lexicon(
        config=config,
        rules=tuple(rules),
        index=MappingProxyType({key: tuple(value) for key, value in index.items()}),
        unindexed=tuple(unindexed),
    )


def template_key(line: str) -> str:
    """Normalize a line for cross-document template counting.

    Case, punctuation and spacing are folded and every run of digits becomes 0, so
    "Posted 12 May 2020 | 3 comments" and "Posted 1 June 2021 | 10 comments" share a key.

    >>> template_key("  Posted 12 May 2020 | 3 Comments ")
    'posted 0 may 0 0 comments'
    """
    words = _WORD.findall(unicodedata.normalize("NFKC", line).casefold())
    return " ".join(_DIGITS.sub("0", word) for word in words)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the rules need to know about one non-empty line."""

    number: int
    text: str
    core: str
    tokens: list[str]
    short: bool
    listy: bool
    body: bool


def _facts(number: int, text: str, config: BoilerplateConfig) -> _Facts:
    core = _core(text)
    tokens = _WORD.findall(core.casefold())
    terminal = _TERMINAL.search(text) is not None
    return _Facts(
        number=number,
        text=text,
        core=core,
        tokens=tokens,
        short=len(tokens) <= config.short_line_words and not terminal,
        listy=len(tokens) <= config.list_max_words and not terminal and not text.endswith((",", ";")),
        body=terminal and len(tokens) >= config.body_min_words,
    )


def _symbol_line(text: str, config: BoilerplateConfig) -> bool:
    visible = len(text) - text.count(" ")
    letters = visible - len(_LETTERS.sub("", text).replace(" ", ""))
    return letters < config.min_letter_share * visible


def _url_line(facts: _Facts) -> bool:
    if len(facts.tokens) > 12 or not any(c in facts.text for c in "./@"):
        return False
    rest = _URLISH.sub(" ", facts.text)
    return _URLISH.search(facts.text) is not None and len(_LETTERS.findall(rest)) <= 1


def _presumed_title(items: Sequence[_Facts]) -> str | None:
    # Without a title from the HTML metadata, a first line that reads like a headline
    # (no final period, not a paragraph) is taken as the title: it is protected from the
    # context rules and a later "title + credit" line is recognised by it.
    if not items:
        return None
    first = items[0]
    if 0 < len(first.tokens) <= 30 and not first.text.endswith("."):
        return template_key(first.text)
    return None


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
    it a headline-like first line plays that part. `templates` holds `template_key`s that
    recur across documents of the same site; lines with such a key are `template_line`.
    """
    config = lexicon.config
    items = [
        _facts(number, text, config)
        for number, raw in enumerate(lines, start=1)
        if (text := raw.strip())
    ]
    title_key = template_key(title) if title else _presumed_title(items)
    title_words = len(title_key.split()) if title_key else 0
    template_set = templates if isinstance(templates, (set, frozenset)) else frozenset(templates)
    allowed = _Allowed(config)

    decisions: list[tuple[str, str] | None] = []
    protected: list[bool] = []
    seen_title = False
    for facts in items:
        key = template_key(facts.text) if (template_set or title_key) else ""
        is_title = bool(title_key) and key == title_key and not seen_title
        seen_title = seen_title or is_title
        protected.append(is_title)
        decisions.append(_line_decision(facts, key, is_title, title_key, title_words,
                                        template_set, lexicon, allowed))

    _context_pass(config, items, decisions, protected, allowed)

    kept: list[Line] = []
    removed: list[Removal] = []
    for facts, decision in zip(items, decisions, strict=True):
        if decision is None:
            kept.append(Line(facts.number, facts.text))
        else:
            reason, rule = decision
            removed.append(Removal(facts.number, facts.text, reason, rule))
    return StripResult(kept=tuple(kept), removed=tuple(removed))


class _Allowed:
    """Answers whether a built-in structural rule is enabled, by rule id and reason."""

    __slots__ = ("_off",)

    def __init__(self, config: BoilerplateConfig) -> None:
        self._off = frozenset(
            rule for rule in _STRUCTURAL if _disabled(rule, _STRUCTURAL[rule], config)
        )

    def __call__(self, rule: str) -> bool:
        return rule not in self._off


RUNREM = False
TABLE = False
TAILMODE = "heading"
HEADMODE = "any"
EDGE = True
_SHAPE_REASONS = frozenset({"symbol_line", "url_line"})

# Structural rule id -> the reason it gives (one reason per rule, named alike).
_STRUCTURAL: Mapping[str, str] = MappingProxyType({
    "template_line": "template_line",
    "title_repeat": "title_repeat",
    "symbol_line": "symbol_line",
    "url_line": "url_line",
    "tail_short_line": "tail_short_line",
    "head_short_line": "head_short_line",
    "amid_boilerplate": "amid_boilerplate",
    "navigation_block": "navigation_block",
    "table_row": "table_row",
    "repeated_line": "repeated_line",
})


def _line_decision(
    facts: _Facts,
    key: str,
    is_title: bool,
    title_key: str | None,
    title_words: int,
    templates: Collection[str],
    lexicon: Lexicon,
    allowed: _Allowed,
) -> tuple[str, str] | None:
    config = lexicon.config
    if key and key in templates and allowed("template_line"):
        return "template_line", "template_line"
    if len(facts.text) <= config.lexicon_max_chars:
        rule = lexicon._match_core(facts.core, facts.tokens)
        if rule is not None:
            return rule.reason, rule.rule
    if is_title:
        return None
    if (
        title_key
        and title_words >= 3
        and (key == title_key or key.startswith(title_key + " "))
        and len(key.split()) - title_words <= config.title_credit_max_words
        and allowed("title_repeat")
    ):
        return "title_repeat", "title_repeat"
    if _symbol_line(facts.text, config) and allowed("symbol_line"):
        return "symbol_line", "symbol_line"
    if _url_line(facts) and allowed("url_line"):
        return "url_line", "url_line"
    if TABLE and _table_row(facts.text, config) and allowed("table_row"):
        return "table_row", "table_row"
    return None


def _table_row(text: str, config: BoilerplateConfig) -> bool:
    if not text.startswith("|"):
        return False
    cells = text.split("|")
    return all(len(_WORD.findall(cell)) < config.body_min_words for cell in cells)


def _context_pass(
    config: BoilerplateConfig,
    items: Sequence[_Facts],
    decisions: list[tuple[str, str] | None],
    protected: Sequence[bool],
    allowed: _Allowed,
) -> None:
    """Remove short lines that sit among boilerplate (see the module docstring)."""
    count = len(items)
    if allowed("repeated_line") and config.repeat_min_count > 0:
        keys = [template_key(f.text) if len(f.tokens) <= config.repeat_max_words and not f.body else "" for f in items]
        counts = Counter(k for k in keys if k)
        for k in range(count):
            if keys[k] and counts[keys[k]] >= config.repeat_min_count and decisions[k] is None and not protected[k]:
                decisions[k] = ("repeated_line", "repeated_line")
    if allowed("navigation_block") and config.navigation_min_run > 0:
        k = 0
        while k < count:
            j = k
            while j < count and items[j].listy and (decisions[j] is None or RUNREM):
                j += 1
            if j - k >= config.navigation_min_run:
                for m in range(k, j):
                    if decisions[m] is None and not protected[m]:
                        decisions[m] = ("navigation_block", "navigation_block")
            k = max(j, k + 1)
    bodies = [k for k in range(count) if decisions[k] is None and items[k].body]
    if bodies and allowed("tail_short_line"):
        tail = range(bodies[-1] + 1, count)
        nrem = sum(decisions[k] is not None for k in tail)
        if TAILMODE == "heading":
            for k in range(count - 2, bodies[-1], -1):
                follower = decisions[k + 1]
                if (decisions[k] is None and items[k].short and not protected[k]
                    and follower is not None and follower[0] not in _SHAPE_REASONS):
                    decisions[k] = ("tail_short_line", "tail_short_line")
        elif (TAILMODE == "any" and nrem) or (TAILMODE == "half" and nrem * 2 >= len(tail) and nrem):
            for k in tail:
                if decisions[k] is None and items[k].short and not protected[k]:
                    decisions[k] = ("tail_short_line", "tail_short_line")
        head = range(0, bodies[0])
        nrem = sum(decisions[k] is not None for k in head)
        if (HEADMODE == "any" and nrem) or (HEADMODE == "half" and nrem * 2 >= len(head) and nrem):
            for k in head:
                if decisions[k] is None and items[k].short and not protected[k]:
                    decisions[k] = ("head_short_line", "head_short_line")
    if not allowed("amid_boilerplate"):
        return
    changed = True
    while changed:
        changed = False
        for k in range(1, count):
            if decisions[k] is not None or not items[k].short or protected[k]:
                continue
            before = decisions[k - 1] is not None
            after = (k + 1 == count and EDGE) or (k + 1 < count and decisions[k + 1] is not None)
            if before and after:
                decisions[k] = ("amid_boilerplate", "amid_boilerplate")
                changed = True
