"""The rules that decide one line: its facts, its shape, the title, A-Z indexes, and
the context rules and the line model's pass over what they decided."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from cleaners.boilerplate.config import STRUCTURAL_RULES, BoilerplateConfig
from cleaners.boilerplate.lexicon import _DECORATION, _WORD, _core, _key, _tokens
from cleaners.linemodel import LineModel
from cleaners.linemodel_features import _BODY_WORDS, _SHORT_WORDS

_DIGIT_RUN = re.compile(r"\d+")
# The typographic marks below are meant (ruff's RUF001 takes them for look-alikes).
# A sentence ends with . ! ? or an ellipsis, possibly followed by closing quotes/brackets.
_SENTENCE_END = frozenset(".!?…")
_CLOSING = "\"'”’»)]"  # noqa: RUF001
_GT, _RAQUO, _RSAQUO = ">", "»", "›"  # noqa: RUF001
# From the start of a run of spaces only, so a long run is not rescanned per position.
_BREADCRUMB = re.compile(r"(?<!\s)\s+[>»›]\s+")  # noqa: RUF001
# Punctuation that ordinary text is full of; it does not count against a line's share
# of letters. Without this, "15 - 30 mins" or "Christiane (1735-1794)" read as symbols.
_TEXT_PUNCTUATION = "-–—(),.:;'\"/!?…’“”«»"  # noqa: RUF001
_DIGITS = "0123456789"
_LIST_MARKERS = ("- ", "* ", "• ", "· ", "– ")  # noqa: RUF001
_BULLETS = frozenset(marker.strip() for marker in _LIST_MARKERS)


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



def _model_pass(
    model: LineModel,
    items: Sequence[_Facts],
    decisions: list[tuple[str, str] | None],
    protected: list[bool],
    config: BoilerplateConfig,
) -> None:
    """Remove the lines the rules left that the line model scores as boilerplate (the
    rule id carries the score: `line_model:0.93`; a model with a list stage removes the
    longer list lines it scores at its own threshold, `line_model_list:0.93`), and
    protect from the context rules the lines it scores as content."""
    undecided = [k for k, decision in enumerate(decisions) if decision is None]
    if not undecided:
        return
    threshold = model.threshold if config.line_model_threshold is None else (
        config.line_model_threshold)
    # The model reads every line (its neighbours are features), whatever the rules said.
    # As Python floats: indexing a numpy array one element at a time costs more.
    # The lines' kinds as the model reads them are the facts' under the default word
    # counts (`line_kinds`): then the model need not work them out again.
    kinds = (([facts.short for facts in items], [facts.body for facts in items])
             if (config.short_line_words, config.body_min_words) == _MODEL_KIND_WORDS
             else None)
    found, lists = model.scores_and_lists([facts.text for facts in items],
                                          [facts.tokens for facts in items],
                                          [decision is not None for decision in decisions],
                                          kinds=kinds)
    scores: list[float] = found.tolist()
    if len(items) >= config.line_model_min_lines:
        for k in undecided:
            if (scores[k] >= threshold and not protected[k]
                    and len(items[k].tokens) <= config.line_model_max_words):
                decisions[k] = ("line_model", f"line_model:{scores[k]:.2f}")
        block_mean = model.block_mean if config.line_model_block_mean is None else (
            config.line_model_block_mean)
        if block_mean <= 1.0:
            _model_blocks(scores, items, decisions, protected, config, block_mean)
        # Longer lines cut to one pattern (a grid, related titles): the list stage's.
        for k, score in lists.items():
            if score >= model.lists_threshold and decisions[k] is None and not protected[k]:
                decisions[k] = ("line_model", f"{_LIST_RULE}:{score:.2f}")
    # A line the model holds for content is spared the context rules (a short line in a
    # run of menu entries may be a cast list's name or a subheading).
    for k, score in enumerate(scores):
        if score < config.line_model_content_below:
            protected[k] = True


#: The word counts below which a line is short and from which it is a body paragraph
#: for the line model (`cleaners.linemodel.line_kinds`), fixed by its training.
_MODEL_KIND_WORDS = (_SHORT_WORDS, _BODY_WORDS)

#: The rule id of the list stage's removals (`LineModel.lists`), before its score.
_LIST_RULE = "line_model_list"


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
    # Comparing first words spares building the key of every line. A word of letters
    # has no digit to fold, and a title that does not start with it is told at once.
    if not facts.tokens:
        return False
    first = facts.tokens[0]
    if not first.isalpha():
        first = _DIGIT_RUN.sub("0", first)
    return title_key.startswith(first) and title_key.split(" ", 1)[0] == first


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
    protected: list[bool],
    config: BoilerplateConfig,
    off: frozenset[str],
) -> None:
    """The context rules (`_context_rules`), blind to the line model's list stage: they
    decide as without it, and a line it removed that they remove too takes their
    reason (so a line of at most four words is decided as without the list stage).
    First, the dates of listed posts are put back and protected (see below)."""
    # Dates right above paragraphs, twice or more, date the items of a list (a blog's
    # or a news page's posts): they are kept with them. One date above an article is
    # its header, left to the lexicon.
    dated = [k for k, decision in enumerate(decisions[:-1])
             if decision is not None and decision[0] == "dateline"
             and decisions[k + 1] is None and items[k + 1].body]
    if len(dated) >= 2:
        for k in dated:
            decisions[k] = None
            protected[k] = True
    listed = [(k, decision) for k, decision in enumerate(decisions)
              if decision is not None and decision[1].startswith(_LIST_RULE)]
    for k, _ in listed:
        decisions[k] = None
    _context_rules(items, decisions, protected, config, off)
    # After the context rules, so a menu keeps the entry as its evidence (a wiki's
    # navbox of universities held "- Tampere (1925-2018)" and no other removal).
    if "symbol_line" not in off:
        _restore_list_items(items, decisions)
    for k, decision in listed:
        if decisions[k] is None:
            decisions[k] = decision


def _context_rules(
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
    # The title said again is the page's own subject, not its chrome: a list that holds
    # it and nothing else pass 1 removed is the article's ("- Diseño de calzado" among a
    # course's topics), not a menu.
    chrome = [decision is not None and decision[1] != "title_repeat" for decision in decisions]

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
            # A wordless line counts only as a list bullet ("-" above its entry): table
            # borders and rules ("||", "____") between a forum's posts make no menu.
            if (sum(1 for m in run if items[m].tokens or items[m].text in _BULLETS)
                    >= config.navigation_min_run and any(chrome[m] for m in run)):
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

    # A long line ending with a colon leads into what follows ("I can recommend these
    # games:" above a list): a paragraph for the head and tail rules.
    bodies = [k for k in range(count) if decisions[k] is None and (
        items[k].body or (len(items[k].tokens) >= config.body_min_words
                          and items[k].text.rstrip(_CLOSING).endswith(":")))]
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
        # A line ending with a colon leads into what follows it ("Symptoms:" above a
        # list, "X wrote:" above a quote): when the next line with a word is kept, the
        # borders around the lead-in do not make it boilerplate. A "Share:" above
        # share buttons the rules removed still goes.
        leads = _lead_ins(items, decisions)
        changed = True
        while changed:
            changed = False
            for k in range(1, count):
                after = k + 1 == count or decisions[k + 1] is not None
                if (items[k].short and decisions[k - 1] is not None and after
                        and k not in leads):
                    changed = remove(k, "amid_boilerplate") or changed


def _restore_list_items(
    items: Sequence[_Facts], decisions: list[tuple[str, str] | None],
) -> None:
    """Put back the list items `symbol_line` took between two kept items of one list.

    An item of mostly digits ("- Ernst (1742-1814)", "- (425)643-1170", "- ↑ Mt 27:33")
    between two items the rules, the model and the context rules kept belongs to their
    list. Not put back when a neighbour is not a list item: a price or a timestamp
    beside a paragraph is left to `symbol_line`. The neighbours are read after the
    context rules: an entry between two lines of a menu they removed stays removed.
    """
    restored = [k for k in range(1, len(items) - 1)
                if decisions[k] == _SYMBOL_LINE
                and items[k].text.startswith(_LIST_MARKERS)
                and decisions[k - 1] is None and items[k - 1].text.startswith(_LIST_MARKERS)
                and decisions[k + 1] is None and items[k + 1].text.startswith(_LIST_MARKERS)]
    for k in restored:
        decisions[k] = None


_SYMBOL_LINE = (STRUCTURAL_RULES["symbol_line"], "symbol_line")


def _lead_ins(
    items: Sequence[_Facts], decisions: Sequence[tuple[str, str] | None],
) -> frozenset[int]:
    """Kept lines ending with a colon whose next line with a word is kept."""
    found = []
    following: int | None = None  # the next line with a word, from the end up
    for k in range(len(items) - 1, -1, -1):
        if (decisions[k] is None and following is not None and decisions[following] is None
                and items[k].text.rstrip(_CLOSING).endswith(":")):
            found.append(k)
        if items[k].tokens:
            following = k
    return frozenset(found)


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
