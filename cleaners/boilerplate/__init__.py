"""Strip boilerplate lines from extracted text, each removal with a reason and a rule.

A document's non-empty lines are decided in two passes.

1. Line rules look at one line alone; the first that fires wins: the user's extra
   patterns, the shipped per-language lexicon (`cleaners/patterns/*.txt`:
   cookie banners, share and follow prompts, "read more" blocks, credits, bylines, ad
   markers...), then the harvested UI strings (`cleaners/uistrings.py`: whole lines of
   page chrome in 365 languages, rule ids `ui:<source>:<key>`), then the shape rules
   `symbol_line` (mostly digits and symbols: prices, timestamps, table rulers),
   `breadcrumb` ("Home > News > World") and `table_row` (a `|cell||cell|` row with no
   sentence in it; off for HTML, whose kept tables are main text, and their rows are
   then spared the line model and the context rules), `alphabet_index` (six or more one-letter
   lines in alphabetical order: an A-Z index; reason `navigation`), and last
   `title_repeat` (the title again, or the title plus a credit). A line that is only a
   URL is kept: on the boiler_lines train split such lines were content (reference
   lists, contact blocks) 61% of the time.
2. Context rules look at what pass 1 decided around a line, and only act where pass 1
   found boilerplate, so a clean text passes through untouched:
   `navigation_block` (a long run of short list-like lines that holds boilerplate,
   with the short non-sentence lines on either side of it; a wordless line counts in
   the run only as a list bullet, not as a table border between forum posts, and the
   title said again is no boilerplate here: it is the page's subject, not its chrome),
   `head_short_line` (a short line above the first body paragraph, or the first long
   line ending with a colon, when the head of the document holds boilerplate: section
   names, author names), `tail_short_line` (below
   the last body paragraph, a short line heading a run of pattern-matched boilerplate:
   a site slogan above a follow prompt) and `amid_boilerplate` (a short line whose
   neighbours are both boilerplate: the "OK" of a cookie banner). Before them, dates
   the lexicon removed (reason `dateline`) are put back when two or more of them each
   stand right above a body paragraph: the dates of a blog's or a news page's posts;
   and a list item `symbol_line` took ("- Ernst (1742-1814)") is put back between two
   kept items of its list. `amid_boilerplate` spares a line ending with a colon whose
   next line with a word is kept ("X wrote:" above a quote, "Symptoms:" above a list).

A short headline-like line between two paragraphs is a subheading and is kept: no rule
removes a line for being short on its own, and the title is never removed by context.

Language is detected after this stage, so every language's patterns are applied at
once. The lexicon is indexed by the first literal word of each pattern, so a line is
only tried against the patterns whose word it holds.

Lines that recur across a site's pages are not this stage's: `flows/decide.py` removes
them (reason `site_template`) with `cleaners.templates`.

The package is split by job: `config` (the settings), `lexicon` (the patterns and UI
strings, compiled and indexed), `pattern_index` (reading a pattern's leading words),
`rules` (the shape, title, context and line-model rules) and this module, which runs
them in order.

>>> lexicon = load_lexicon(BoilerplateConfig())
>>> lines = ["A title", "", "Some text that is long enough to be a paragraph.", "Read more"]
>>> result = strip_boilerplate(lines, lexicon)
>>> [line.number for line in result.kept], [(r.line, r.reason) for r in result.removed]
([1, 3], [(4, 'related_link')])
"""

from __future__ import annotations

from collections.abc import Sequence

from cleaners.boilerplate.config import SHIPPED_LANGUAGES, STRUCTURAL_RULES, BoilerplateConfig
from cleaners.boilerplate.lexicon import (
    Lexicon,
    LexiconRule,
    _key,
    _tokens,
    known_reasons,
    load_lexicon,
    template_key,
)
from cleaners.boilerplate.rules import (
    _alphabet_index,
    _context_pass,
    _Facts,
    _facts,
    _model_pass,
    _presumed_title_line,
    _repeats_title,
    _shape_decision,
    _table_row,
    _title_line,
)
from cleaners.records import Line, Removal, StripResult

__all__ = [
    "SHIPPED_LANGUAGES",
    "STRUCTURAL_RULES",
    "BoilerplateConfig",
    "Lexicon",
    "LexiconRule",
    "known_reasons",
    "load_lexicon",
    "strip_boilerplate",
    "template_key",
]


def strip_boilerplate(
    lines: Sequence[str],
    lexicon: Lexicon,
    *,
    title: str | None = None,
) -> StripResult:
    """Split a document's lines into kept content and removals, each with a reason.

    `lines` are the lines of one normalized document (index 0 is line 1); blank lines
    are dropped without being counted as removals. `title` (from the page metadata) is
    protected from the context rules and recognised when repeated with a credit; without
    it, the first line left by the line rules plays that part if it reads like a
    headline. (Lines that recur across a site's pages are decided before this stage, by
    `flows/decide.py` with `cleaners.templates`.)
    """
    items, decisions, protected = _rule_pass(lines, lexicon, title)
    config = lexicon.config
    off = lexicon.structural_off
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


def _rule_pass(
    lines: Sequence[str], lexicon: Lexicon, title: str | None,
) -> tuple[list[_Facts], list[tuple[str, str] | None], list[bool]]:
    """Pass 1: each non-empty line's facts, the line rules' decisions, and which lines
    are protected from the context rules (the title). The line model's training reads
    the decisions as its second stage's evidence."""
    config = lexicon.config
    off = lexicon.structural_off
    items = [
        _facts(number, text, config)
        for number, raw in enumerate(lines, start=1)
        if (text := raw.strip())
    ]

    # Pass 1a: the rules that do not depend on the title.
    decide, most = lexicon.decide, config.lexicon_max_chars
    decisions: list[tuple[str, str] | None] = [
        decide(facts.core, facts.tokens) if len(facts.text) <= most else None
        for facts in items
    ]

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
    if "table_row" in off:
        # A table the extractor kept (HTML: `cleaners.pipeline.Toolkit.html_lexicon`) is
        # main text: the rows the rules left are spared the line model and the context
        # rules, so a table stays whole (a vocabulary list lost some of its rows to
        # `line_model` and `navigation_block`, a nutrition table to the list stage).
        for k, facts in enumerate(items):
            if decisions[k] is None and _table_row(facts, config):
                protected[k] = True
    return items, decisions, protected

