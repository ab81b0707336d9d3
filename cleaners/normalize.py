"""Repair mojibake and stray escapes, then normalize Unicode and whitespace, keeping the author's form.

Two stages, each a pure ``str -> str`` step that reports whether it changed anything:

1. **Repair** with ftfy, only on the lines a cheap pre-check flags (see `_needs_repair`):
   mojibake (UTF-8 read as cp1252, Latin-1, cp1251... once or twice: ``Ã©``, ``â€™``,
   ``Ð¿Ñ€Ð¸``), HTML escapes left in the text (``&amp;``, ``&#8217;``), C1 controls
   that stand for cp1252 punctuation, terminal colour escapes and UTF-16 surrogates.
   ftfy's other fixes are off on purpose, because they change what the author wrote
   rather than repair what a program broke: ``uncurl_quotes`` (“ ” stay curly),
   ``fix_character_width`` (full-width Ｌａｔｉｎ and half-width ｶﾀｶﾅ stay),
   ``fix_latin_ligatures`` (ﬁ stays), and no NFKC (it turns "10³" into "103" and "½"
   into "1⁄2").
2. **Tidy**, our own, in an order that makes the whole idempotent (`_tidy`): line
   breaks to ``\\n``; invisible characters and stray controls removed; NFC; Unicode
   spaces to a plain space; runs of spaces collapsed; lines stripped; runs of blank
   lines capped. Letters, digits and punctuation are never changed otherwise.

ftfy's default `fix_text` runs every fixer on every line; on text with nothing to repair
(most of a crawl) the pre-check makes this stage nearly free (bench/bench_decode.py).
"""

# The character tables below name typographic and invisible characters on purpose.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from ftfy import TextFixerConfig, fix_and_explain
from ftfy.badness import is_bad
from ftfy.chardata import HTML_ENTITY_RE
from ftfy.fixes import fix_surrogates

__all__ = ["NormalizeConfig", "Normalized", "normalize_text"]


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    """How `normalize_text` repairs and normalizes; every default keeps the author's form.

    - `repair`: True. Run ftfy's mojibake repair (``fix_encoding`` with its sub-fixes
      ``restore_byte_a0``, ``replace_lossy_sequences``, ``decode_inconsistent_utf8``),
      ``fix_c1_controls`` (U+0080–U+009F read as the cp1252 punctuation they stand
      for, as browsers do), ``remove_terminal_escapes`` and ``fix_surrogates``.
    - `unescape_html`: "auto". Decode HTML entities left in the text (``&amp;`` → ``&``).
      "auto" is ftfy's rule applied per line: a line containing ``<`` is taken to be
      markup, where entities are meant, and is left alone. True or False force it.
    - `precheck`: True. Skip ftfy on lines with nothing it could repair (ASCII without
      ``&`` or escape codes; non-ASCII that ftfy's own ``is_bad`` finds no mojibake in,
      which is the first test ftfy's repair makes anyway). False runs ftfy on every
      line; the output is the same, only slower (kept for measuring).
    - `remove_invisible`: True. Drop characters that are invisible and carry nothing:
      zero-width space U+200B, word joiner U+2060, the BOM/zero-width no-break space
      U+FEFF, U+FFFC (placeholder for an embedded object) and U+FFF9–U+FFFB
      (interlinear annotation), deprecated format controls U+206A–U+206F. Zero-width
      joiner and non-joiner (U+200D, U+200C) are kept between two letters, marks,
      digits or symbols, where Persian, Indic scripts and emoji sequences need them,
      and dropped only at a word's edge. Bidi marks (U+200E, U+200F, U+202A–U+202E,
      U+2066–U+2069) and variation selectors are kept: they change how Arabic and
      Hebrew lines or emoji display.
    - `remove_soft_hyphens`: False. U+00AD is an invisible hyphenation hint the author
      (or their CMS) placed; set True to drop it when words must match exactly.
    - `remove_controls`: True. Drop C0 and C1 control characters other than the line
      break (TAB becomes a space; VT, FF and the ASCII separators FS/GS/RS become line
      breaks, as ``str.splitlines`` treats them), DEL, and lone surrogates' stand-ins.
    - `nfc`: True. Compose letters and combining marks (NFC) so equal text compares
      equal; NFC never changes how text looks, unlike NFKC.
    - `unify_spaces`: True. NO-BREAK SPACE U+00A0 and NARROW NO-BREAK SPACE U+202F
      (French puts them before ``: ; ! ?`` and inside « »), the en/em/thin/hair spaces
      U+2000–U+200A, U+205F and U+1680 become a plain space: downstream tokenizers,
      deduplication and the boilerplate rules then see one kind of space.
    - `keep_ideographic_space`: True. U+3000 stays inside a line: it is the full-width
      space of CJK typography, kept like the other full-width forms (it is still
      stripped at a line's ends).
    - `collapse_spaces`: True. Runs of spaces become one space (HTML extraction leaves
      runs where tags were).
    - `strip_lines`: True. Remove spaces at both ends of every line (layout, not text).
    - `max_blank_lines`: 1. At most this many blank lines in a row, none at the start or
      end; a paragraph break stays a paragraph break.
    """

    repair: bool = True
    unescape_html: bool | Literal["auto"] = "auto"
    precheck: bool = True
    remove_invisible: bool = True
    remove_soft_hyphens: bool = False
    remove_controls: bool = True
    nfc: bool = True
    unify_spaces: bool = True
    keep_ideographic_space: bool = True
    collapse_spaces: bool = True
    strip_lines: bool = True
    max_blank_lines: int = 1

    def __post_init__(self) -> None:
        if self.unescape_html not in (True, False, "auto"):
            raise ValueError(f"unescape_html must be True, False or 'auto', not {self.unescape_html!r}")
        if self.max_blank_lines < 0:
            raise ValueError(f"max_blank_lines must be 0 or more, not {self.max_blank_lines}")


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text, whether ftfy repaired anything, and the names of the steps that
    changed the text (ftfy's: ``fix_encoding``, ``unescape_html``, ``fix_c1_controls``...;
    ours: ``line_breaks``, ``invisible_chars``, ``nfc``, ``unicode_spaces``...)."""

    text: str
    repaired: bool
    fixes: tuple[str, ...]


# ftfy's repair with only the fixes that undo damage (see the module docstring).
# normalization=None and no line-break or control fixes: `_tidy` does those for every
# line, including the lines the pre-check lets past ftfy.
def _ftfy_config(unescape_html: bool | Literal["auto"]) -> TextFixerConfig:
    return TextFixerConfig(
        unescape_html=unescape_html,
        remove_terminal_escapes=True,
        fix_encoding=True,
        restore_byte_a0=True,
        replace_lossy_sequences=True,
        decode_inconsistent_utf8=True,
        fix_c1_controls=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=True,
        remove_control_chars=False,
        normalization=None,
        explain=True,
    )


# ftfy's explanation steps that are not about encodings keep their own names; every
# encode/decode pair is one "fix_encoding".
_ENCODING_ACTIONS = frozenset({"encode", "decode"})

# The pre-check for lines ftfy could change besides mojibake: C1 controls, surrogates,
# terminal escapes, HTML entities (ftfy's own entity pattern).
_REPAIRABLE_NON_MOJIBAKE = re.compile(r"[\x80-\x9f\ud800-\udfff\x1b]")

# Our tidy steps, as translation tables and patterns built once at import.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x2060, 0xFEFF, 0xFFFC, 0xFFF9, 0xFFFA, 0xFFFB, *range(0x206A, 0x2070)]
)
_SOFT_HYPHEN = {0x00AD: None}
# C0 except TAB and LF (line breaks are already LF), DEL, C1, lone surrogates.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_JOINERS = re.compile(r"[\u200c\u200d]+")
_SPACES = dict.fromkeys(
    [0x0009, 0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F], " "
)
_SPACES_WITH_IDEOGRAPHIC = {**_SPACES, 0x3000: " "}
_SPACE_RUNS = re.compile(r" {2,}")
_LINE_EDGE_SPACES = re.compile(r"^[ \u3000]+|[ \u3000]+$", re.MULTILINE)

# ftfy fixes mojibake until the text stops changing; tidying can, rarely, join the two
# halves of a mojibake sequence (an invisible character removed between them), so
# repair and tidy alternate until neither changes anything. Two rounds have sufficed
# on every case seen; the bound only guards against a pathological input.
_MAX_ROUNDS = 4


def normalize_text(text: str, config: NormalizeConfig = NormalizeConfig()) -> Normalized:
    """Repair mojibake and stray escapes, then normalize Unicode and whitespace.

    >>> normalize_text("CafÃ© au lait\\u00a0: ça coÃ»te 2\\u202f€").text
    'Café au lait : ça coûte 2 €'
    >>> normalize_text("ＬＯＵＤ “quotes” ﬁne").fixes
    ()
    """
    fixes: list[str] = []
    repaired = False
    text = _tidy(text, config, fixes)
    if config.repair:
        ftfy_config = _ftfy_config(config.unescape_html)
        for _ in range(_MAX_ROUNDS):
            fixed = _repair(text, ftfy_config, config.precheck, fixes)
            if fixed == text:
                break
            repaired = True
            text = _tidy(fixed, config, fixes)
    return Normalized(text, repaired, tuple(dict.fromkeys(fixes)))


def _needs_repair(text: str) -> bool:
    """Whether ftfy could change `text`: mojibake (ftfy's own first test), or an
    escape, C1 control or surrogate its other repairs handle."""
    if "&" in text and HTML_ENTITY_RE.search(text):
        return True
    if text.isascii():
        return "\x1b" in text
    return bool(_REPAIRABLE_NON_MOJIBAKE.search(text)) or is_bad(text)


def _repair(text: str, ftfy_config: TextFixerConfig, precheck: bool, fixes: list[str]) -> str:
    """Run ftfy line by line, as ``ftfy.fix_text`` does, on the lines that need it.

    Line by line, because a document often mixes a damaged line with clean ones, and
    ftfy re-decodes a segment as a whole: one correct "€" elsewhere in the segment would
    stop the repair of every other line.
    """
    if precheck and not _needs_repair(text):
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if precheck and not _needs_repair(line):
            continue
        fixed, steps = fix_and_explain(line, ftfy_config)
        if fixed != line:
            lines[number] = fixed
            for action, parameter in steps or ():
                fixes.append("fix_encoding" if action in _ENCODING_ACTIONS else parameter)
    return "\n".join(lines)


def _tidy(text: str, config: NormalizeConfig, fixes: list[str]) -> str:
    """Our normalization, in an order that makes it idempotent.

    Removals come before NFC (removing a control between a letter and its accent lets
    them compose) and before joiners are judged (a removed zero-width space must not
    leave a joiner looking stray); space unification comes before collapsing and
    stripping, which only ever see plain spaces.
    """
    text = _step(text, "line_breaks", fixes, _LINE_BREAKS.sub("\n", text))
    if config.remove_invisible:
        text = _step(text, "invisible_chars", fixes, text.translate(_INVISIBLE))
    if config.remove_soft_hyphens:
        text = _step(text, "soft_hyphens", fixes, text.translate(_SOFT_HYPHEN))
    if config.remove_controls:
        text = _step(text, "tabs", fixes, text.replace("\t", " "))
        text = _step(text, "control_chars", fixes, _CONTROLS.sub("", text))
    if config.remove_invisible:
        text = _step(text, "invisible_chars", fixes, _JOINERS.sub(_keep_joiners_in_words, text))
    if config.nfc and not unicodedata.is_normalized("NFC", text):
        text = _step(text, "nfc", fixes, unicodedata.normalize("NFC", text))
    if config.unify_spaces:
        table = _SPACES if config.keep_ideographic_space else _SPACES_WITH_IDEOGRAPHIC
        text = _step(text, "unicode_spaces", fixes, text.translate(table))
    if config.collapse_spaces:
        text = _step(text, "collapse_spaces", fixes, _SPACE_RUNS.sub(" ", text))
    if config.strip_lines:
        text = _step(text, "strip_lines", fixes, _LINE_EDGE_SPACES.sub("", text))
    return _step(text, "blank_lines", fixes, _cap_blank_lines(text, config.max_blank_lines))


def _step(before: str, name: str, fixes: list[str], after: str) -> str:
    if after != before:
        fixes.append(name)
    return after


def _is_word_part(ch: str) -> bool:
    # Letters, combining marks, digits and symbols (emoji are symbols) can be joined.
    return unicodedata.category(ch)[0] in "LMNS"


def _keep_joiners_in_words(match: re.Match[str]) -> str:
    """Keep a run of ZWJ/ZWNJ between two word characters; drop it at a word's edge."""
    text, start, end = match.string, match.start(), match.end()
    inside = start > 0 and end < len(text) and _is_word_part(text[start - 1]) and _is_word_part(text[end])
    return match.group() if inside else ""


def _cap_blank_lines(text: str, limit: int) -> str:
    """Allow at most `limit` blank lines in a row and none at either end."""
    if "\n" not in text:
        return text
    out: list[str] = []
    blanks = 0
    for line in text.split("\n"):
        if line.strip():
            out.extend([""] * (min(blanks, limit) if out else 0))
            out.append(line)
            blanks = 0
        else:
            blanks += 1
    return "\n".join(out)
