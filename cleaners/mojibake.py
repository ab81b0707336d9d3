"""What ftfy is asked about one line: whether it could change it, and its repair.

`normalize_text` (cleaners/normalize.py) repairs a text line by line with ftfy, and only
the lines this module's pre-check (`needs_repair`) lets through: a necessary condition
for any change by ftfy, at a fraction of its cost. `fix_line` is ftfy's own
``fix_and_explain`` of a line, the same text and steps, with less work: the pre-check
confirms where ftfy would run a whole pass to find nothing, and ftfy's byte-level
sub-fixes are switched off for a step whose bytes they cannot change (`_trimmed`).
tests/test_normalize.py holds both to ftfy with Hypothesis.
"""

# The docstrings name typographic characters on purpose.
# ruff: noqa: RUF002

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np
import re2
from ftfy import FIXERS, ExplainedText, TextFixerConfig

# ftfy's one step of mojibake repair: private, so the version is pinned in uv.lock.
from ftfy import _fix_encoding_one_step_and_explain as _ftfy_step
from ftfy.badness import BADNESS_RE
from ftfy.chardata import (
    ALTERED_UTF8_RE,
    CHARMAP_ENCODINGS,
    HTML_ENTITY_RE,
    LOSSY_UTF8_RE,
    UTF8_CLUES,
    UTF8_DETECTOR_RE,
)
from re2 import _re2  # its C++ binding, called directly, as cleaners.linear does

from cleaners.linear import LinearPattern, compile_linear, to_re2

__all__ = ["fix_line", "is_bad", "needs_repair"]


def _unverbose(pattern: str) -> str:
    r"""`pattern`, written for `re.VERBOSE`, without the whitespace and comments that
    mode ignores (a space inside a character class or escaped is kept).

    >>> _unverbose("[a ] b  # note\n| \\  c [] ]")
    '[a ]b|\\ c[] ]'
    """
    out: list[str] = []
    i, opened = 0, -1  # where the character class being read starts (-1: none)
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if opened >= 0:
            # A "]" first in the class (after "[" or "[^") is a member, not its end.
            first = i == opened + 1 or (i == opened + 2 and pattern[opened + 1] == "^")
            if char == "]" and not first:
                opened = -1
            out.append(char)
        elif char == "[":
            opened = i
            out.append(char)
        elif char == "#":
            while i < len(pattern) and pattern[i] != "\n":
                i += 1
            continue
        elif not char.isspace():
            out.append(char)
        i += 1
    return "".join(out)


# ftfy's `is_bad` is one search of its BADNESS_RE, a 4,000-character alternation of
# character classes, and Python's engine tries every alternative at every character:
# 42 µs on a 466-character damaged line, over a third of repairing one (ftfy asks it
# at the start of every step, and of every embedded sequence it fixes). The same
# expression in RE2 answers in 2 µs: nothing in it but classes, `.`, `^`, `?` and
# `\s` and `\w`, which `cleaners.linear` spells out as Python defines them; `\w` as
# the very code points Python's `re` reads as word characters, as RE2's Unicode tables
# are newer than Python's (`_python_word_class`). tests/test_normalize.py holds the two
# to the same answers. A text RE2 cannot take (a lone surrogate) goes to ftfy's.
_UNICODE_WORD = r"[\p{L}\p{N}_]"  # what `to_re2` makes of `\w`


def _python_word_class() -> str:
    r"""`\w` of Python's `re` as an RE2 class of code point ranges (~50 ms)."""
    codes = np.arange(0x110000, dtype="<u4")
    codes[0xD800:0xE000] = 0x20  # no surrogates in a str to search
    every = codes.tobytes().decode("utf-32-le")
    runs = (f"\\x{{{run.start():x}}}-\\x{{{run.end() - 1:x}}}"
            for run in re.finditer(r"\w+", every))
    return "[" + "".join(runs) + "]"


@functools.cache
def _badness() -> LinearPattern:
    """ftfy's BADNESS_RE compiled by RE2, once per process, when first needed."""
    source = to_re2(_unverbose(BADNESS_RE.pattern))
    if source.count(_UNICODE_WORD) != 1:
        raise RuntimeError("ftfy's BADNESS_RE is not the one tests/test_normalize.py checks")
    return compile_linear(source.replace(_UNICODE_WORD, _python_word_class()),
                          ignore_case=False, translated=True)


def is_bad(text: str) -> bool:
    """ftfy's ``is_bad``: whether `text` holds a sequence that looks like mojibake."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return BADNESS_RE.search(text) is not None
    return _badness().search_utf8(data)


def _bytes_as_chars(
    codes: range | list[int], encodings: Iterable[str] = CHARMAP_ENCODINGS
) -> frozenset[str]:
    """The characters the given bytes become in any of `encodings` (by default every
    code page ftfy re-decodes; the "sloppy-*" codecs are registered by ftfy)."""
    chars: set[str] = set()
    for encoding in encodings:
        chars.update(bytes(codes).decode(encoding, errors="ignore"))
    return frozenset(chars)


# What mojibake is made of. ftfy repairs UTF-8 that a single-byte code page misread,
# so a repairable line must hold a character that was a UTF-8 lead byte (C0-F4) right
# before one that was a continuation byte (80-BF), in one of the code pages ftfy
# tries; or one of the few variants its sub-fixes accept: a lead before a space that
# was a no-break space (`restore_byte_a0`), before a "?" that replaced a lost byte
# (`replace_lossy_sequences`). The union over code pages is a superset, so this
# pre-check never skips a line ftfy would change; the Hypothesis test
# `test_precheck_changes_nothing` holds it to that.
_LEADS = _bytes_as_chars(range(0xC0, 0xF5))
_CONTINUATIONS = _bytes_as_chars(range(0x80, 0xC0))
_A0_LEADS_2 = _bytes_as_chars([0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9])
_A0_LEADS_3 = _bytes_as_chars([0xE2, 0xE3, 0xF0])
_LOSSY_LEADS_2 = _bytes_as_chars([0xC2, 0xC3])
_LOSSY_LEADS_3 = _bytes_as_chars(range(0xE0, 0xF5))
_CANDIDATE_PAIR = re.compile(
    "[" + "".join(sorted(map(re.escape, _LEADS))) + "]"
    "[" + "".join(sorted(map(re.escape, _CONTINUATIONS | {" ", "?"}))) + "]"
)
# ftfy's UTF8_DETECTOR_RE without its look-behind and repetition: anything the
# detector matches, this matches, at a fraction of the cost (the detector takes about
# 0.1 µs per character).
_DETECTOR_START = re.compile(
    "|".join(
        f"[{UTF8_CLUES[f'utf8_first_of_{n}']}][{UTF8_CLUES['utf8_continuation']}]{{{n - 1}}}"
        for n in (2, 3, 4)
    )
)
# Characters ftfy always acts on: C1 controls, surrogates, terminal escapes, and the
# replacement character (a lossy sequence may end in one).
_ALWAYS_REPAIRABLE = re.compile("[\x80-\x9f\ud800-\udfff\x1b\ufffd]")


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(sorted(map(re.escape, chars))) + "]"


# When ftfy's step re-encodes a line in a code page, two sub-fixes each run a regular
# expression over the bytes: `restore_byte_a0` (ALTERED_UTF8_RE: a lead byte, then up to
# two continuation bytes, with a space among or right after them; not in Mac Roman)
# and `replace_lossy_sequences` (LOSSY_UTF8_RE, in the sloppy code pages: a byte 1A,
# which only U+FFFD or U+001A become, or a "?" right after a lead or continuation
# byte). Neither can change bytes in which its pattern cannot match, and the patterns
# below, over the characters of every such code page at each place, match wherever one
# of them could: a step without the sub-fixes then gives the same text and the same
# steps (`_trimmed`), for a quarter less of the step's time on a damaged line.
_A0_ENCODINGS = [encoding for encoding in CHARMAP_ENCODINGS if encoding != "macroman"]
_SLOPPY_ENCODINGS = [encoding for encoding in CHARMAP_ENCODINGS if encoding.startswith("sloppy")]


def _a0_pattern(leads: list[int], continuations: str, encodings: Iterable[str]) -> re.Pattern[str]:
    """A lead, then continuations as many times as `continuations` says, then a space."""
    between = _char_class(_bytes_as_chars(range(0x80, 0xC0), encodings)) + continuations
    return re.compile(
        _char_class(_bytes_as_chars(leads, encodings)) + (between if continuations else "") + " "
    )


# A lead right before the space (C2 C3 C5 CE D0 D9 E2 E3 F0), or one or two
# continuations after E0-E3 or F0 first: two scans, each quick, which leave the sub-fix
# on for 451 of the e2e corpus's 4,185 repaired lines (one pattern of any lead and up to
# two continuations, for 2,180).
_A0_BEFORE_SPACE = (
    _a0_pattern([0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9, 0xE2, 0xE3, 0xF0], "", _A0_ENCODINGS),
    _a0_pattern([0xE0, 0xE1, 0xE2, 0xE3, 0xF0], "{1,2}", _A0_ENCODINGS),
)
# One pattern of any lead and up to two continuations, in every code page: where it
# cannot match, neither can ALTERED_UTF8_RE in the bytes of any of them (`_could_redecode`
# then skips that search, a third of its time).
_A0_ANYWHERE = _a0_pattern([0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9, 0xE0, 0xE1, 0xE2, 0xE3, 0xF0],
                           "{0,2}", CHARMAP_ENCODINGS)
_LOSSY_BEFORE_QUESTION = re.compile(
    _char_class(_bytes_as_chars([*range(0x80, 0xC0), 0xC2, 0xC3, *range(0xE0, 0xF5)],
                                _SLOPPY_ENCODINGS)) + r"\?"
)


def _re2_class(chars: Iterable[str]) -> str:
    """An RE2 character class of exactly `chars`, each as its code point."""
    return "[" + "".join(f"\\x{{{ord(char):x}}}" for char in sorted(chars)) + "]"


# The pre-check's scans in RE2, over the line's UTF-8 (encoded once per check): each
# is a yes/no question about classes of characters, which RE2 answers in one pass of
# a few ns a byte; `re` took 1-4 µs a line for each, and 10-40 µs a document.
# tests/test_normalize.py holds each to the `re` pattern or loop it stands for.
#: `_ALWAYS_REPAIRABLE` but its surrogates (a text with one cannot be encoded).
_ALWAYS_REPAIRABLE_UTF8 = compile_linear(r"[\x{80}-\x{9f}\x{1b}\x{fffd}]", ignore_case=False,
                                         translated=True)
#: `_may_hold_mojibake`: a lead before a continuation, or before the space of
#: `restore_byte_a0` or the "?" of `replace_lossy_sequences` as that function reads them.
_MAY_HOLD_MOJIBAKE = compile_linear(
    f"{_re2_class(_LEADS)}{_re2_class(_CONTINUATIONS)}"
    f"|{_re2_class(_A0_LEADS_2)} |{_re2_class(_A0_LEADS_3)} {_re2_class(_CONTINUATIONS)}"
    f"|{_re2_class(_LOSSY_LEADS_2)}\\?|{_re2_class(_LOSSY_LEADS_3)}\\?{_re2_class(_CONTINUATIONS)}",
    ignore_case=False, translated=True)
_DETECTOR_START_UTF8 = compile_linear(_DETECTOR_START.pattern, ignore_case=False)
_A0_ANYWHERE_UTF8 = compile_linear(_A0_ANYWHERE.pattern, ignore_case=False)
_A0_BEFORE_SPACE_UTF8 = compile_linear("|".join(p.pattern for p in _A0_BEFORE_SPACE),
                                       ignore_case=False)
_LOSSY_BEFORE_QUESTION_UTF8 = compile_linear(_LOSSY_BEFORE_QUESTION.pattern, ignore_case=False)


_UNANCHORED = _re2.RE2.Anchor.UNANCHORED


class _BytePattern:
    """A `re` pattern over bytes (each byte one character: RE2's Latin-1 mode) compiled
    by RE2, which says whether it is found; the byte patterns `_could_redecode` tries
    on each code page's bytes took 1-2 µs each in `re`, 40 µs a line in all."""

    __slots__ = ("_regexp",)

    def __init__(self, pattern: bytes) -> None:
        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        options.never_capture = True
        options.log_errors = False
        self._regexp = _re2.RE2(pattern, options)
        if not self._regexp.ok():
            raise ValueError(f"RE2 cannot compile {pattern!r}: {self._regexp.error()!r}")

    def search(self, data: bytes) -> bool:
        return bool(self._regexp.Match(_UNANCHORED, data, 0, len(data))[0][0] >= 0)


_ALTERED_UTF8 = _BytePattern(ALTERED_UTF8_RE.pattern)
_LOSSY_UTF8 = _BytePattern(LOSSY_UTF8_RE.pattern)


_BMP = "".join(chr(code) for code in range(0x10000) if not 0xD800 <= code < 0xE000)


def _clue_chars(clue: str) -> frozenset[str]:
    """The characters of one of ftfy's UTF8_CLUES classes (all in the BMP)."""
    return frozenset(re.findall(f"[{clue}]", _BMP))


# ftfy's UTF8_DETECTOR_RE, found or not: its look-behind (no strict continuation
# before) consumed instead, which gives the same answer to "is it found?", and its
# repetition left out (one sequence is enough). RE2 takes 1-2 µs a line where `re`
# took 15.
_DETECTOR_UTF8 = compile_linear(
    "(?:^|[^" + _re2_class(_clue_chars(UTF8_CLUES["utf8_continuation_strict"]))[1:] + ")(?:"
    + "|".join(_re2_class(_clue_chars(UTF8_CLUES[f"utf8_first_of_{n}"]))
               + _re2_class(_clue_chars(UTF8_CLUES["utf8_continuation"])) + f"{{{n - 1}}}"
               for n in (2, 3, 4)) + ")",
    ignore_case=False, translated=True)


def _detects_utf8(text: str, utf8: bytes | None = None) -> bool:
    """Whether ftfy's UTF8_DETECTOR_RE finds a sequence in `text` (`utf8`: its UTF-8)."""
    if utf8 is None:
        try:
            utf8 = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: RE2 reads UTF-8 only
            return UTF8_DETECTOR_RE.search(text) is not None
    return _DETECTOR_UTF8.search_utf8(utf8)


def _may_hold_mojibake(text: str) -> bool:
    """Cheap necessary condition for ftfy's mojibake repair (see `_CANDIDATE_PAIR`), as
    a loop in Python: `needs_repair` asks `_MAY_HOLD_MOJIBAKE` instead, which the tests
    hold to this."""
    for match in _CANDIDATE_PAIR.finditer(text):
        first, second = match.group()[0], match.group()[1]
        after = text[match.end() : match.end() + 1]
        if second == " ":
            if first in _A0_LEADS_2 or (first in _A0_LEADS_3 and after in _CONTINUATIONS):
                return True
        elif second == "?":
            if first in _LOSSY_LEADS_2 or (first in _LOSSY_LEADS_3 and after in _CONTINUATIONS):
                return True
        else:
            return True
    return False


def needs_repair(text: str, thorough: bool, judge: bool = True) -> bool:
    """Whether ftfy could change `text`.

    An HTML entity, a C1 control, a surrogate or a terminal escape always qualifies.
    Otherwise the text must hold something mojibake is made of (`_may_hold_mojibake`,
    one regular-expression scan) and, when `thorough` (line by line), be something
    ftfy could re-decode (`_could_redecode`) and pass ftfy's own ``is_bad``, the first
    test its repair makes: ``is_bad`` costs about 2 ms on 3.5 KB, so it only ever
    runs on suspect lines, never on a whole clean document. Without `judge`, that last
    test is left out, for a line about to go to `fix_line`: ftfy's step starts with
    ``is_bad`` and changes nothing when it fails, so asking first only asked twice
    (a tenth of the time of a damaged line).
    """
    if "&" in text and HTML_ENTITY_RE.search(text):
        return True
    if text.isascii():
        return "\x1b" in text
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a lone surrogate, which ftfy always acts on (_ALWAYS_REPAIRABLE)
    if _ALWAYS_REPAIRABLE_UTF8.search_utf8(data):
        return True
    if not _MAY_HOLD_MOJIBAKE.search_utf8(data):
        return False
    return not thorough or (_could_redecode(text, data)
                            and (not judge or _badness().search_utf8(data)))


def _could_redecode(text: str, utf8: bytes | None = None) -> bool:
    """Whether one of ftfy's ways of repairing mojibake can apply to this line at all.

    ftfy either re-decodes the whole line (encode it in one of its code pages, decode
    the bytes as UTF-8, after its no-break-space and lost-byte allowances), or fixes
    the sequences its ``UTF8_DETECTOR_RE`` finds. A French line with "l’école" holds
    a lead/continuation pair (’é in Mac Roman) but none of this, so it costs a few
    encodes instead of ``is_bad``. Nor does a Russian line, whose "н" is byte ED in
    cp1251: ftfy decodes such bytes as CESU-8 ("utf-8-variants"), which fails on them
    as plain UTF-8 does. (Answering yes to any byte ED or C0 sent 1,026 lines of 2,000
    e2e documents to ftfy, 387 of them for nothing; normalize now costs 0.91x.)
    """
    if utf8 is None and not _has_surrogate(text):
        utf8 = text.encode("utf-8")
    if utf8 is None:  # the scans in `re`: RE2 reads UTF-8 only
        if UTF8_DETECTOR_RE.search(text):
            return True
        a0 = bool(_A0_ANYWHERE.search(text))
    else:
        if _DETECTOR_UTF8.search_utf8(utf8):
            return True
        a0 = _A0_ANYWHERE_UTF8.search_utf8(utf8)
    for encoding in CHARMAP_ENCODINGS:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        if b"\xed" in data or b"\xc0" in data:
            # ftfy decodes these as CESU-8 and Java's C0 80 ("utf-8-variants").
            if _may_decode_as_variant(data):
                return True
        elif _decodes(data):
            return True
        if a0 and _ALTERED_UTF8.search(data):
            return True
        lossy = b"?" in data or b"\x1a" in data
        if lossy and encoding.startswith("sloppy") and _LOSSY_UTF8.search(data):
            return True
    return False


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _decodes(data: bytes, errors: str = "strict") -> bool:
    try:
        data.decode("utf-8", errors)
    except UnicodeDecodeError:
        return False
    return True


def _may_decode_as_variant(data: bytes) -> bool:
    r"""Whether ftfy's "utf-8-variants" decoder may take `data`: never False where it does.

    That decoder is written in Python; UTF-8 with lone surrogates allowed, C0 80 read as
    a NUL, decodes whatever it decodes, in C. Its patterns end in `$`, which also
    matches before a final newline (it reads C0 there as a whole NUL): data ending in
    one is let through. (A line has no newline, so this never happens in
    `normalize_text`.)

    >>> _may_decode_as_variant("Привет".encode("cp1251")), _may_decode_as_variant(b"\xc0\x80")
    (False, True)
    """
    return data.endswith(b"\n") or _decodes(data.replace(b"\xc0\x80", b"\x00"), "surrogatepass")


# The fixes of one ftfy pass after the encoding repair, in ftfy's order (`fix_and_explain`).
_AFTER_ENCODING = ("fix_c1_controls", "fix_latin_ligatures", "fix_character_width",
                   "uncurl_quotes", "fix_line_breaks", "fix_surrogates",
                   "remove_terminal_escapes", "remove_control_chars")


def fix_line(line: str, config: TextFixerConfig) -> tuple[str, list[tuple[str, str]]]:
    """ftfy's ``fix_and_explain(line, config)``: the same text and steps, with less work.

    ftfy repeats a step (one mojibake layer undone) until it changes nothing, and a
    whole pass of its fixes until that changes nothing: the last step and the last pass
    only confirm, and each starts with ``is_bad`` on a line that is now clean, the
    costliest test it makes. Here the pre-check (`needs_repair`, a necessary condition
    for any change by ftfy, at a third of ``is_bad``'s cost on clean text) confirms
    instead: a third of ftfy's time on the e2e corpus's damaged lines.
    """
    if config.unescape_html == "auto" and "<" in line:
        config = config._replace(unescape_html=False)
    steps: list[tuple[str, str]] = []
    text = line
    while True:
        before = text
        text = _apply("unescape_html", text, config, steps)
        confirmed = ""  # a text the pre-check has just found nothing in
        if config.fix_encoding:
            text, confirmed = _fix_encoding(text, config, steps)
        for name in _AFTER_ENCODING:
            text = _apply(name, text, config, steps)
        # When the fixes after the encoding repair changed nothing, the pre-check that
        # ended it has answered already: a tenth of the time of a damaged document.
        if text in (before, confirmed) or not needs_repair(text, thorough=True):
            return text, steps


def _fix_encoding(
    text: str, config: TextFixerConfig, steps: list[tuple[str, str]]
) -> tuple[str, str]:
    """ftfy's ``fix_encoding_and_explain``, confirmed by the pre-check (`fix_line`).

    Returns the text, and the text again if the pre-check found nothing more in it
    (else "", which no non-empty line equals; an empty one is done either way).
    """
    while True:
        before = text
        text, plan = _fix_encoding_step(text, config)
        steps.extend(plan or ())
        if text == before:
            return text, ""
        if not needs_repair(text, thorough=True):
            return text, text


def _trimmed(text: str, config: TextFixerConfig) -> TextFixerConfig:
    """`config` without the byte sub-fixes that cannot change `text` (`_A0_BEFORE_SPACE`).

    >>> config = TextFixerConfig()
    >>> _trimmed("KÃ¶ln", config).restore_byte_a0, _trimmed("Ã la carte", config).restore_byte_a0
    (False, True)
    >>> [_trimmed(text, config).replace_lossy_sequences for text in ("Ã¼ber?", "â€?")]
    [False, True]
    """
    try:
        utf8: bytes | None = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the patterns in `re`
        utf8 = None
    a0 = config.restore_byte_a0 and (
        any(p.search(text) for p in _A0_BEFORE_SPACE) if utf8 is None
        else _A0_BEFORE_SPACE_UTF8.search_utf8(utf8))
    lossy = config.replace_lossy_sequences and (
        "\ufffd" in text or "\x1a" in text or (
            _LOSSY_BEFORE_QUESTION.search(text) is not None if utf8 is None
            else _LOSSY_BEFORE_QUESTION_UTF8.search_utf8(utf8)))
    if a0 == config.restore_byte_a0 and lossy == config.replace_lossy_sequences:
        return config
    return config._replace(restore_byte_a0=a0, replace_lossy_sequences=lossy)


def _apply(name: str, text: str, config: TextFixerConfig, steps: list[tuple[str, str]]) -> str:
    """One of ftfy's fixes, if `config` turns it on, noted in `steps` if it changed `text`."""
    if not getattr(config, name):
        return text
    fixed: str = FIXERS[name](text)
    if fixed != text:
        steps.append(("apply", name))
    return fixed


def _fix_encoding_step(text: str, config: TextFixerConfig) -> ExplainedText:
    """ftfy's one repair step (``_fix_encoding_one_step_and_explain``), asked only of a
    text this module's `is_bad` finds mojibake in.

    The step opens with ftfy's own ``is_bad`` and returns the text unchanged when it
    says no. That test is the step's costliest part on a line the pre-check lets
    through (42 µs on a 466-character line); `is_bad` here gives the same answers in
    RE2 in 2 µs, so a text it clears never reaches ftfy, and one it flags pays ftfy's
    test once more. Only then is `config` trimmed (`_trimmed`) of the sub-fixes that
    cannot change the text.
    """
    if not is_bad(text):
        return ExplainedText(text, [])
    return _ftfy_step(text, _trimmed(text, config))
