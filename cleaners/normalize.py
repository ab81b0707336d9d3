"""Repair mojibake and stray escapes, then normalize Unicode and whitespace, keeping form.

Two stages, each a pure ``str -> str`` step that reports whether it changed anything:

1. **Repair** with ftfy, only on the lines a cheap pre-check flags (`cleaners.mojibake`):
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
# ruff: noqa: RUF002

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from ftfy import TextFixerConfig, fix_and_explain

from cleaners.lost_bytes import restore_lost_bytes
from cleaners.mojibake import fix_line, needs_repair

__all__ = ["NormalizeConfig", "Normalized", "normalize_text"]


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    """How `normalize_text` repairs and normalizes; every default keeps the author's form.

    - `repair`: True. Run ftfy's mojibake repair (``fix_encoding`` with its sub-fixes
      ``restore_byte_a0``, ``replace_lossy_sequences``, ``decode_inconsistent_utf8``),
      ``fix_c1_controls`` (U+0080–U+009F read as the cp1252 punctuation they stand
      for, as browsers do), ``remove_terminal_escapes`` and ``fix_surrogates``.
    - `restore_lost_bytes`: False. With `repair`, a line of cp1252 mojibake in which the
      round trip lost a byte (U+FFFD where 0x81 0x8D 0x8F 0x90 or 0x9D stood) is decoded
      with the lost byte chosen from its neighbours (`cleaners.lost_bytes`), where ftfy
      alone leaves U+FFFD. On tests/data/lost_bytes.jsonl (492 UD sentences, 17
      languages) exact sentences go from ftfy's 0.20 to 0.90 (docs/benchmarks.md).
      Off by default: 1.3% of lost characters still come back as a wrong letter, and a
      reader of the output can no longer see that a character was lost (the encodings
      dev set, whose gold keeps U+FFFD where bytes were lost, falls from 0.9941 to
      0.9645 with it on, by 5 restorations that are all right).
    - `unescape_html`: "auto". Decode HTML entities left in the text (``&amp;`` → ``&``).
      "auto" is ftfy's rule applied per line: a line containing ``<`` is taken to be
      markup, where entities are meant, and is left alone. True or False force it.
    - `precheck`: True. Skip ftfy on lines with nothing it could repair: ASCII without
      ``&`` or escape codes; lines holding no UTF-8 lead/continuation pair of any code
      page ftfy re-decodes, or none that ftfy could re-decode, or in which its own
      ``is_bad`` (the first test its repair makes) finds no mojibake. False runs ftfy
      on every line; the output is the same (a Hypothesis test holds it to that), only
      slower (kept for measuring).
    - `remove_invisible`: True. Drop characters that are invisible and carry nothing:
      zero-width space U+200B, word joiner U+2060, the BOM/zero-width no-break space
      U+FEFF, U+FFFC (placeholder for an embedded object) and U+FFF9–U+FFFB
      (interlinear annotation), deprecated format controls U+206A–U+206F. Zero-width
      joiner and non-joiner (U+200D, U+200C) are kept between two letters, marks,
      digits or symbols, where Persian, Indic scripts and emoji sequences need them,
      and dropped only at a word's edge. Bidi marks (U+200E, U+200F, U+202A–U+202E,
      U+2066–U+2069) and variation selectors are kept: they change how Arabic and
      Hebrew lines or emoji display.
    - `split_legacy_digraphs`: True. The Latin digraph characters that Unicode carries
      only to round-trip old character sets (Ĳ ĳ, Ǆ ǅ ǆ, Ǉ ǈ ǉ, Ǌ ǋ ǌ, Ǳ ǲ ǳ, and ŉ,
      which Unicode deprecates) become the letters they stand for, ŉ as ’n, the
      apostrophe Afrikaans writes. Typographic ligatures (ﬁ, ﬂ) are not digraphs and
      stay, as the author's typesetting.
    - `remove_soft_hyphens`: False. U+00AD is an invisible hyphenation hint the author
      (or their CMS) placed; set True to drop it when words must match exactly.
    - `remove_controls`: True. Drop C0 and C1 control characters other than the line
      break (TAB becomes a space; VT, FF and the ASCII separators FS/GS/RS become line
      breaks, as ``str.splitlines`` treats them), DEL, and lone surrogates (with
      `repair`, ftfy has already turned C1 controls into the cp1252 punctuation they
      stand for and lone surrogates into U+FFFD); the text can then always be stored
      as UTF-8.
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
    restore_lost_bytes: bool = False
    unescape_html: bool | Literal["auto"] = "auto"
    precheck: bool = True
    remove_invisible: bool = True
    split_legacy_digraphs: bool = True
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
            raise ValueError(
                f"unescape_html must be True, False or 'auto', not {self.unescape_html!r}"
            )
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


# Our tidy steps. Each kind of character a step acts on, as a string; one scan of the
# text (`_TIDY_CHARACTERS`) tells which steps have anything to do, so a clean document
# costs one regular-expression pass rather than one per step.
_BREAK_CHARS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_INVISIBLE_CHARS = "\u200b\u2060\ufeff\ufffc\ufff9\ufffa\ufffb\u206a\u206b\u206c\u206d\u206e\u206f"
_JOINER_CHARS = "\u200c\u200d"
_DIGRAPH_CHARS = "ĲĳŉǄǅǆǇǈǉǊǋǌǱǲǳ"
# C0 except TAB and LF (the other breaks are LF by then), DEL, C1, lone surrogates.
_CONTROL_CHARS = "".join(
    chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)]
) + "".join(chr(c) for c in range(0xD800, 0xE000))
_SPACE_CHARS = "\t\u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f"
_IDEOGRAPHIC_SPACE = "\u3000"
_SOFT_HYPHEN = "\u00ad"


def _char_class(chars: str) -> re.Pattern[str]:
    return re.compile("[" + "".join(map(re.escape, chars)) + "]")


_TIDY_CHARACTERS = _char_class(
    _BREAK_CHARS + _INVISIBLE_CHARS + _JOINER_CHARS + _DIGRAPH_CHARS + _CONTROL_CHARS
    + _SPACE_CHARS + _IDEOGRAPHIC_SPACE + _SOFT_HYPHEN
)
# The same kinds as sets, built once: `set(_CONTROL_CHARS)` alone (2,100 characters, the
# surrogates) cost more than the rest of `_tidy` on a clean document.
_BREAK_SET = frozenset(_BREAK_CHARS)
_INVISIBLE_SET = frozenset(_INVISIBLE_CHARS)
_DIGRAPH_SET = frozenset(_DIGRAPH_CHARS)
_CONTROL_OR_TAB_SET = frozenset(_CONTROL_CHARS + "\t")
_JOINER_SET = frozenset(_JOINER_CHARS)
_ANY_SPACE_SET = frozenset(_SPACE_CHARS + _IDEOGRAPHIC_SPACE)
_CR_BREAKS = re.compile(r"\r\n?")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_INVISIBLE = _char_class(_INVISIBLE_CHARS)
_LEGACY_DIGRAPHS = str.maketrans(
    {
        "Ĳ": "IJ", "ĳ": "ij", "ŉ": "\u2019n", "Ǆ": "DŽ", "ǅ": "Dž", "ǆ": "dž",
        "Ǉ": "LJ", "ǈ": "Lj", "ǉ": "lj", "Ǌ": "NJ", "ǋ": "Nj", "ǌ": "nj",
        "Ǳ": "DZ", "ǲ": "Dz", "ǳ": "dz",
    }
)
_CONTROLS = _char_class(_CONTROL_CHARS)
_JOINERS = re.compile(r"[\u200c\u200d]+")
_SPACES = _char_class(_SPACE_CHARS)
_SPACES_WITH_IDEOGRAPHIC = _char_class(_SPACE_CHARS + _IDEOGRAPHIC_SPACE)
_SPACE_RUNS = re.compile(r" {2,}")
_LINE_EDGE_SPACES = re.compile(r"^[ \u3000]+|[ \u3000]+$", re.MULTILINE)
_LINE_EDGES = (" \n", "\n ", "\u3000\n", "\n\u3000")

# ftfy fixes mojibake until the text stops changing; tidying can, rarely, join the two
# halves of a mojibake sequence (an invisible character removed between them, NFC
# composing a letter), so repair and tidy alternate until repair finds nothing more.
# On clean text that costs one more pre-check; the bound only guards against a
# pathological input.
_MAX_ROUNDS = 4


def normalize_text(text: str, config: NormalizeConfig = NormalizeConfig()) -> Normalized:
    """Repair mojibake and stray escapes, then normalize Unicode and whitespace.

    >>> normalize_text("CafÃ© au lait\u00a0: ça coÃ»te 2\u202f€").text
    'Café au lait : ça coûte 2 €'
    >>> normalize_text("ＬＯＵＤ “quotes” ﬁne").fixes
    ()
    """
    fixes: list[str] = []
    repaired = False
    # ftfy works line by line, so it must see the lines; the other breaks (NEL is a C1
    # control ftfy may read as "…") wait for `_tidy`.
    text = _step(text, "line_breaks", fixes, _CR_BREAKS.sub("\n", text))
    ftfy_config = _ftfy_config(config.unescape_html)
    # Lines a round found nothing to repair in: repair is a function of the line alone,
    # so a later round skips them rather than pre-check them (or run ftfy) again.
    settled: set[str] = set()
    tidied = False
    for _ in range(_MAX_ROUNDS):
        fixed = (_repair(text, ftfy_config, config.precheck, fixes, settled,
                         config.restore_lost_bytes) if config.repair else text)
        if fixed is text and tidied:
            break
        repaired = repaired or fixed != text
        tidy = _tidy(fixed, config, fixes)
        if fixed is text and tidy == text:
            # The next round would repair this same text and find nothing again.
            break
        text = tidy
        tidied = True
    return Normalized(text, repaired, tuple(dict.fromkeys(fixes)))


def _repair(text: str, ftfy_config: TextFixerConfig, precheck: bool, fixes: list[str],
            settled: set[str], lost_bytes: bool = True) -> str:
    """Run ftfy line by line, as ``ftfy.fix_text`` does, on the lines that need it.

    Line by line, because a document often mixes a damaged line with clean ones, and
    ftfy re-decodes a segment as a whole: one correct "€" elsewhere in the segment would
    stop the repair of every other line. Returns `text` itself when nothing changed.
    Lines in `settled` are known to come out unchanged; the lines found so are added.
    """
    if precheck and "\ufffd" not in text and not needs_repair(text, thorough=False):
        return text
    lines = text.split("\n")
    changed = False
    for number, line in enumerate(lines):
        if line in settled:
            continue
        restored = restore_lost_bytes(line) if lost_bytes and "\ufffd" in line else None
        if restored is not None:
            # Decoded here already, lost bytes and all; ftfy still gets the line, for
            # the damage a second layer of mojibake or an escape may have left.
            line = lines[number] = restored
            changed = True
            fixes.append("lost_bytes")
        if precheck and not needs_repair(line, thorough=True, judge=False):
            settled.add(line)
            continue
        fixed, steps = (fix_line(line, ftfy_config) if precheck
                        else fix_and_explain(line, ftfy_config))
        if fixed == line:
            settled.add(line)
        else:
            lines[number] = fixed
            changed = True
            for action, parameter in steps or ():
                fixes.append("fix_encoding" if action in _ENCODING_ACTIONS else parameter)
            if _is_fixed_point(line, fixed, ftfy_config, lost_bytes):
                # The next round would check the repaired line again and find nothing:
                # a tenth of the time of normalizing the bench corpus went there.
                settled.add(fixed)
    return "\n".join(lines) if changed else text


def _is_fixed_point(line: str, fixed: str, ftfy_config: TextFixerConfig, lost_bytes: bool) -> bool:
    """Whether `_repair` would leave `fixed`, ftfy's repair of `line`, as it is.

    ftfy's ``fix_and_explain`` returns only once a whole pass of its fixes changed
    nothing, so its output is its own fixed point under the same settings. Two things
    can differ for the repaired line: "auto" HTML unescaping is decided by a ``<`` in
    the line (an unescaped ``&lt;`` brings one), and lost bytes are restored on any
    line that still holds U+FFFD.

    >>> config = _ftfy_config("auto")
    >>> _is_fixed_point("CafÃ©", "Café", config, False)
    True
    >>> _is_fixed_point("a &lt; b", "a < b", config, False)
    False
    """
    if ftfy_config.unescape_html == "auto" and ("<" in fixed) != ("<" in line):
        return False
    return not (lost_bytes and "\ufffd" in fixed)


def _tidy(text: str, config: NormalizeConfig, fixes: list[str]) -> str:
    """Our normalization, in an order that makes it idempotent.

    Removals come before NFC (removing a control between a letter and its accent lets
    them compose) and before joiners are judged (a removed zero-width space must not
    leave a joiner looking stray); space unification comes before collapsing and
    stripping, which only ever see plain spaces.
    """
    found = set(_TIDY_CHARACTERS.findall(text))
    if found & _BREAK_SET:
        text = _step(text, "line_breaks", fixes, _LINE_BREAKS.sub("\n", text))
    if config.remove_invisible and found & _INVISIBLE_SET:
        text = _step(text, "invisible_chars", fixes, _INVISIBLE.sub("", text))
    if config.split_legacy_digraphs and found & _DIGRAPH_SET:
        text = _step(text, "legacy_digraphs", fixes, text.translate(_LEGACY_DIGRAPHS))
    if config.remove_soft_hyphens and _SOFT_HYPHEN in found:
        text = _step(text, "soft_hyphens", fixes, text.replace(_SOFT_HYPHEN, ""))
    if config.remove_controls and found & _CONTROL_OR_TAB_SET:
        text = _step(text, "tabs", fixes, text.replace("\t", " "))
        text = _step(text, "control_chars", fixes, _CONTROLS.sub("", text))
    if config.remove_invisible and found & _JOINER_SET:
        text = _step(text, "invisible_chars", fixes, _JOINERS.sub(_keep_joiners_in_words, text))
    if config.nfc and not unicodedata.is_normalized("NFC", text):
        text = _step(text, "nfc", fixes, unicodedata.normalize("NFC", text))
    if config.unify_spaces and found & _ANY_SPACE_SET:
        spaces = _SPACES if config.keep_ideographic_space else _SPACES_WITH_IDEOGRAPHIC
        text = _step(text, "unicode_spaces", fixes, spaces.sub(" ", text))
    if config.collapse_spaces and "  " in text:
        text = _step(text, "collapse_spaces", fixes, _SPACE_RUNS.sub(" ", text))
    if config.strip_lines and (
        text[:1] in (" ", "\u3000")
        or text[-1:] in (" ", "\u3000")
        or any(edge in text for edge in _LINE_EDGES)
    ):
        text = _step(text, "strip_lines", fixes, _LINE_EDGE_SPACES.sub("", text))
    if (
        not config.strip_lines
        or text[:1] == "\n"
        or text[-1:] == "\n"
        or "\n" * (config.max_blank_lines + 2) in text
    ):
        text = _step(text, "blank_lines", fixes, _cap_blank_lines(text, config.max_blank_lines))
    return text


def _step(before: str, name: str, fixes: list[str], after: str) -> str:
    if after != before:
        fixes.append(name)
    return after


def _is_word_part(ch: str) -> bool:
    # Letters, combining marks, digits and symbols (emoji are symbols) can be joined.
    return unicodedata.category(ch)[0] in "LMNS"


def _keep_joiners_in_words(match: re.Match[str]) -> str:
    """Keep a run of ZWJ/ZWNJ inside a word; drop it at a word's edge.

    Inside means between two word characters (Persian "می‌خواهیم", emoji sequences,
    Indic half forms), or right after a combining mark such as a virama even at a
    word's end: that is how Malayalam spells a chillu in older text ("ര്‍").
    """
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    keep = bool(before) and _is_word_part(before) and (
        (bool(after) and _is_word_part(after)) or unicodedata.category(before)[0] == "M"
    )
    return match.group() if keep else ""


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
