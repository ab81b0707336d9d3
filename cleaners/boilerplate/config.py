"""The boilerplate pass's configuration: which lexicons, which rules, which thresholds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cleaners.linear import compile_linear

#: Lexicon files shipped in `cleaners/patterns/`; `common` holds language-neutral patterns
#: (agency credits, social network names, copyright signs).
SHIPPED_LANGUAGES: tuple[str, ...] = (
    "common", "en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "fi",
)

#: Rule id -> reason of the structural rules (the lexicon's reasons come from its files).
STRUCTURAL_RULES: Mapping[str, str] = MappingProxyType({
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

_REASON = re.compile(r"[a-z][a-z0-9_]*")


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
    `list_max_words` words, that holds a line pass 1 removed (the title said again
    aside: it is the page's subject), is a `navigation_block` (menus, category lists,
    language pickers). On the boiler_lines train split the
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
