"""Restore the bytes a cp1252 round trip lost, where the bytes around them say which.

UTF-8 text read as cp1252 becomes mojibake ("Ã©" for "é"), which ftfy decodes back. But
cp1252 leaves five bytes undefined (0x81 0x8D 0x8F 0x90 0x9D); a real round trip turns
each into U+FFFD, and ftfy can then only replace the whole character by U+FFFD:
"Connect to Learnâ€�" becomes "Connect to Learn�". The lost byte was a UTF-8
continuation byte, so the lead byte before it and the bytes around it leave at most five
characters it can have been: "â€" + lost is U+201D ” (E2 80 9D), or U+2010 ‐, or one of
three invisible format characters; "Ã" + lost is Á Í Ï Ð or Ý; "Ñ" + lost is с э я ѐ ѝ.

`restore_lost_bytes` decodes such a line itself and, for each lost byte, keeps the
candidates that are characters text is made of (no controls, unassigned or private-use
code points, no invisible format characters or odd spaces, a combining mark only after
a letter; after an emoji, the presentation selector U+FE0F or a skin tone). Then:

1. Words first (`cleaners.lost_byte_words`): a damaged word, its lost characters
   replaced by a mark of the bytes that survived, is looked up among the real words of
   23 languages that look the same once damaged (wordfreq's lists; Belarusian counted
   from UD text, and read with its relatives' lists too): "\ue0d1то" is "это"
   far more often than "сто". The filling that makes a known word `word_margin` times
   likelier than any other (frequencies weighed by the languages the line's letters
   point to) is taken; between close known words (Russian " с " and " я ") the words
   beside it decide (`cleaners.lost_byte_context`: "я думаю", "с братом"), else the
   letters below choose among those words alone.
   A word no filling of which is known is read from a known word at its start or end
   (`_by_pieces`: "аккумул\ue0d1торных" starts with "аккумулятор"), else from the
   known words that share its longest start past the lost letter (`_by_stem`:
   Belarusian "прын\ue0d1тым" shares "прынят" with "прынята", "прынятыя").
   A lost letter no known word decides is read from the letters around it within its
   word (`cleaners.lost_byte_windows`): the widest window of up to three letters either
   side, the word's edges marked, that the same lists show often enough, if it makes
   one option `window_margin` times likelier than the next; else the letters before it
   and after it apart. " ?нерг" starts "энерг..." at a word's start, where letter
   triples read "?не" as "сне".
2. Letters for the rest (`cleaners.lost_byte_letters`): how often each candidate
   follows its left neighbours and precedes its right ones, per language (letter,
   pair and triple frequencies from the same word lists, and langdetect's profiles
   for the other languages,
   ``cleaners/letters/lost_byte_grams.tsv``, built by bench/make_letter_grams.py), each
   language weighted by how likely the line's own undamaged letters make it.
   Neighbouring lost bytes ("ся" in Russian loses both letters) are first read
   together by letter pairs (best path along the run); then each lost letter is decided
   by the letter triples around it. Among punctuation, a closing quote is chosen where
   the line has an opening one before it or the mark closes a word, a hyphen only
   between two letters. A lost byte whose best candidate is not `margin` times likelier
   than the next keeps its U+FFFD.

A line in two scripts is read as two languages: a lost letter's candidates (all of one
script, as their lead byte is shared) are weighed by the languages that the line's
letters of that script point to, so "Олег \ue0d0нтонович" in a Spanish sentence reads
Russian words and letters, not Spanish ones (which have no Cyrillic and left U+FFFD).

A line in a language none of the tables knows (Kazakh: "қ", or "ң" beside "ы") is left
to ftfy, U+FFFD and all: the tables would guess its letters wrong.

A few passes over the line; a lost byte costs at most 5 x 5 options times the languages
kept (56 at most) and 16 windows' binary searches, a word one look-up: linear time. The
tables are read on the first line that needs them.
"""

# The docstrings name the characters a lost byte stands for.
# ruff: noqa: RUF002, RUF003

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass

import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec)
from ftfy.badness import is_bad

from cleaners.lost_byte_context import (
    ContextTable,
    choose_by_context,
    features,
    load_context_table,
)
from cleaners.lost_byte_letters import (
    LetterTables,
    Table,
    by_script,
    by_triples,
    is_letter,
    known_letters,
    languages,
    load_letter_tables,
    run_scores,
    script,
)
from cleaners.lost_byte_windows import WindowTable, cased, choose_window, load_window_table
from cleaners.lost_byte_words import (
    WordTable,
    choose_stem,
    choose_word,
    language_weights,
    load_word_table,
    lost_mark,
)

__all__ = ["LOST_BYTES", "LostByteConfig", "known_fillings", "restore_lost_bytes"]

# The bytes cp1252 leaves undefined; Python's codec (and browsers' error paths) turn
# them into U+FFFD.
LOST_BYTES = b"\x81\x8d\x8f\x90\x9d"
_LOST = 0x1A  # what ftfy's sloppy codec encodes U+FFFD as


@dataclass(frozen=True, slots=True)
class LostByteConfig:
    """How sure the choice of a lost byte must be.

    Chosen on bench/data/lost_bytes_tune.jsonl (UD dev splits; 417 lost-byte sentences
    in 17 languages), never on the reported set. Figures: lost-byte sentences back
    exactly, and lost characters restored right / wrong (the rest keep U+FFFD).

    margin: 1.5. By the letters (a word no filling of which is known, or a choice
        between close known words), the chosen character's score (its likeliest
        readings, letter-pair and triple frequencies along the run of lost bytes,
        summed over the languages weighted by the line's letters) must be at least this
        many times the next candidate's, else U+FFFD stays. 1.2 -> 0.8729, 944 / 16;
        1.5 -> 0.8705, 943 / 13; 2 -> 0.8489, 933 / 11; 3 -> 0.8417, 929 / 9.
    word_margin: 10. A filling that makes a known word is taken when its score (the
        word's frequency summed over the languages weighted by the line's letters) is
        this many times any other known filling's; else the close ones are left to the
        letters. 3, 10 and 30 give the same figures.
    word_floor: 3.0. A known word counts only with a score (log10: Zipf frequency plus
        the language's log weight) of at least this: a word of a language the line's
        letters make unlikely is no evidence. 2.0 to 3.0 give the same figures; 3.5 ->
        0.8633, 937 / 18; 5.0 -> 0.8489, 927 / 25.
    context_margin: 10. Between close known words, the one the words beside it make
        this many times likelier than any other (`cleaners.lost_byte_context`) is
        taken. With Belarusian's table (third round): off 0.9306 (383 of 417 lost-byte
        sentences); 2 to 30: 384, lost letters wrong 23 -> 22; 100: 383.
    window_floor: 3.0 and window_margin: 10 (`cleaners.lost_byte_windows`). A letter
        window counts when its likeliest option scores this (log10: Zipf frequencies
        summed over the languages weighted by the line's letters) or more, and decides
        when that option is this many times likelier than the next. Sixth round, all
        519 sentences exact (without windows 0.9538, 1,223 / 13 right / wrong): margin
        10 to 100 -> 0.9672, 1,229 / 8; 5 -> 0.9615; 3 -> 0.9595; floor 2 to 3.5 the
        same, 4 -> 0.9634, 4.5 -> 0.9576.
    """

    margin: float = 1.5
    word_margin: float = 10.0
    word_floor: float = 3.0
    context_margin: float = 10.0
    window_floor: float = 3.0
    window_margin: float = 10.0

    def __post_init__(self) -> None:
        if self.margin < 1:
            raise ValueError(f"margin must be 1 or more, not {self.margin}")
        if self.word_margin < 1:
            raise ValueError(f"word_margin must be 1 or more, not {self.word_margin}")
        if self.context_margin < 1:
            raise ValueError(f"context_margin must be 1 or more, not {self.context_margin}")
        if self.window_margin < 1:
            raise ValueError(f"window_margin must be 1 or more, not {self.window_margin}")


@dataclass(frozen=True, slots=True)
class _Data:
    """The shipped tables: letter grams per language, the damaged-word keys, the
    neighbouring words' counts and the letter windows."""

    letters: LetterTables
    words: WordTable
    context: ContextTable
    windows: WindowTable


@functools.cache
def _data() -> _Data:
    """The shipped tables, read on the first line that needs them: a constant built
    from files that never change, like a compiled pattern (reading them takes 0.45 s
    of CPU, which a process whose lines hold no lost byte should not pay at import)."""
    return _Data(load_letter_tables(), load_word_table(), load_context_table(),
                 load_window_table())


# A word no filling of which is known is read from a known word at its start or end
# (`_by_pieces`) of this many characters or more, holding the lost ones with this many
# known letters between them and the cut: "правая" is no evidence for "права\ue0d1уддзе".
_PIECE = 6
_CUT = 2
# A stem (`_by_stem`) holds this many characters or more, and this many letters after
# the last lost one; at most this many keys are read for it. Chosen on the tune set
# (lost-byte sentences back exactly of 417, wrong letters; without stems 386 / 20):
# longest stem first, 3 or 4 characters and 1 or 2 letters 392 / 14; 5 to 7: 388 / 19;
# 3 letters after: 387 / 20; 20 to 1,000 keys the same. A stem of at least 0.6 of the
# word: 393 / 13 (0.5 and under: 392 / 14; 0.7: 388 / 19). Shortest stem first (4, 2)
# read "н\ue0d1даўнім" by "нс..." words: the longest shared start is the evidence.
_STEM = 4
_STEM_AFTER = 2
_STEM_KEYS = 200
_STEM_SHARE = 0.6
# No listed word is longer (the longest key has 36 characters): a piece is at most this
# long, so a word of any length costs at most this many look-ups (linear time).
_LONGEST_PIECE = 40

# Candidates that text is not made of: controls, format characters (ZWJ, RLM: a lost
# byte in E2 80 xx is far likelier a quote), unassigned, private use, surrogates, and
# spaces other than the plain one (U+2001 EM QUAD is E2 80 81).
_NOT_TEXT = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp"})
_OPENING_QUOTES = frozenset("“„‟")
_APOSTROPHES = frozenset("'\u2019\u02bc")  # typewriter, typographic, modifier letter


@dataclass(frozen=True, slots=True)
class _Lost:
    """A character one lost byte of which is unknown: what it may have been."""

    options: tuple[str, ...]
    mark: str


def restore_lost_bytes(line: str, config: LostByteConfig = LostByteConfig()) -> str | None:
    """`line` decoded from cp1252 mojibake with its lost bytes chosen, or None.

    None when the line is not UTF-8 read as cp1252 throughout (then ftfy does what it
    can), or when no lost byte could be chosen.

    >>> restore_lost_bytes("He said â€œConnect to Learnâ€\ufffd and left.")
    'He said “Connect to Learn” and left.'
    >>> restore_lost_bytes("Ð\ufffdÐ° ÑƒÐ»Ð¸Ñ†Ðµ")  # Н, А, Ё, Ѝ or Џ before "а улице"
    'На улице'
    >>> restore_lost_bytes("plain text with a stray \ufffd") is None
    True
    """
    if "\ufffd" not in line:
        return None
    try:
        data = line.encode("sloppy-windows-1252")
    except UnicodeEncodeError:
        return None
    slots = _decode(data)
    if slots is None or not any(isinstance(slot, _Lost) for slot in slots):
        return None
    if not _known_language([slot for slot in slots if isinstance(slot, str)]):
        return None
    chosen = _choose(_by_words(slots, config), config)
    if not any(isinstance(slot, _Lost) and ch != "\ufffd" for slot, ch in zip(slots, chosen,
                                                                               strict=True)):
        return None
    restored = "".join(chosen)
    # A line that still reads as mojibake after decoding was not one layer of it (a
    # second layer, or bytes that only happened to fit): ftfy's own test decides.
    return None if is_bad(restored) else restored


def _decode(data: bytes) -> list[str | _Lost] | None:
    """The characters of `data` read as UTF-8, a `_Lost` where one byte is lost.

    None when `data` is not UTF-8 apart from single lost continuation bytes.
    """
    slots: list[str | _Lost] = []
    i, end = 0, len(data)
    while i < end:
        lead = data[i]
        if lead < 0x80 and lead != _LOST:
            slots.append(chr(lead))
            i += 1
            continue
        size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else (
            4 if 0xF0 <= lead <= 0xF4 else 0)
        tail = data[i + 1 : i + size]
        if not size or len(tail) != size - 1 or any(
                not (0x80 <= b <= 0xBF or b == _LOST) for b in tail):
            return None
        lost = tail.count(_LOST)
        seq = data[i : i + size]
        if lost == 0:
            try:
                slots.append(seq.decode("utf-8"))
            except UnicodeDecodeError:
                return None
        elif lost == 1:
            options = _options(seq, slots[-1] if slots else " ")
            slots.append(_Lost(options, lost_mark(options[0]) if options else ""))
        else:
            return None
        i += size
    return slots


def _by_words(slots: list[str | _Lost], config: LostByteConfig) -> list[str | _Lost]:
    """`slots` with the lost letters of each damaged word filled where one filling makes
    a known word `word_margin` times likelier than any other, or where several known
    words are close and the words beside it make one `context_margin` times likelier
    (`cleaners.lost_byte_context`); else, with several close known words, a single lost
    letter keeps only their fillings as options. A word no filling of which is known
    stays as it was, for the letters to decide."""
    known = [ch.casefold() for ch in slots if isinstance(ch, str) and not ch.isascii()
             and ch.isalpha() and len(ch.casefold()) == 1]
    words = _data().words
    every = language_weights(known, words)
    grouped = by_script(known)  # a line in one script needs `every` only
    scripts = {name: language_weights(letters, words)
               for name, letters in grouped.items()} if len(grouped) > 1 else {}
    spans = _word_spans(slots)
    out = slots.copy()
    for n, (i, j) in enumerate(spans):
        lost = [k for k in range(i, j) if isinstance(slots[k], _Lost)]
        if not lost or not all(isinstance(slot, str) or slot.mark for slot in slots[i:j]):
            continue
        chars = [slot.mark if isinstance(slot, _Lost) else
                 "'" if slot in _APOSTROPHES else slot.casefold() for slot in slots[i:j]]
        key = "".join(chars)
        options = [slot.options for slot in slots[i:j] if isinstance(slot, _Lost)]
        weights = scripts.get(script(options[0][0]), every)
        ranked = known_fillings(key, options, weights, words, config)
        close = [filling for score, filling in ranked
                 if score > ranked[0][0] - math.log10(config.word_margin)]
        if len(close) > 1:
            place = features(_neighbour(slots, spans, n, -1), _neighbour(slots, spans, n, 1))
            chosen = choose_by_context([_filled(slots[i:j], filling) for filling in close],
                                       place, weights, _data().context,
                                       config.context_margin)
            if chosen is not None:
                close = [close[chosen]]
        if len(close) == 1:
            for k, ch in zip(lost, close[0], strict=True):
                out[k] = ch
        elif close and len(lost) == 1:
            # Several known words: the letters choose among them alone.
            slot = slots[lost[0]]
            if isinstance(slot, _Lost):
                out[lost[0]] = _Lost(tuple(close), slot.mark)
        for k in lost:
            # Letters no known word decides: the window of letters around each.
            slot = out[k]
            if isinstance(slot, _Lost) and len(slot.options) > 1 and all(
                    is_letter(ch) for ch in slot.options):
                found = choose_window(chars, k - i, cased(slot.options, slots[max(i, k - 1) : k],
                                                          slots[k + 1 : min(k + 2, j)]),
                                      weights, _data().windows, config.window_floor,
                                      math.log10(config.window_margin))
                out[k] = slot if found is None else found
    return out


def known_fillings(key: str, options: list[tuple[str, ...]], weights: dict[str, float],
                   words: WordTable, config: LostByteConfig) -> list[tuple[float, str]]:
    """The fillings of the damaged word `key` that known words have, likeliest first:
    the word itself, else a known word at its start or end (`_by_pieces`), else the
    known words that share its start (`_by_stem`); [] where none is known."""
    ranked = [(score, filling) for score, filling in choose_word(
        key, options, weights, words) if score >= config.word_floor]
    return (ranked or _by_pieces(key, options, weights, words, config)
            or _by_stem(key, options, weights, words, config))


def _marks(key: str) -> list[int]:
    """Where `key` holds `lost_mark`'s marks: U+E000 + a lead byte, or plane 15."""
    return [k for k, ch in enumerate(key) if "\ue000" <= ch <= "\ue0ff" or ch >= "\U000f0000"]


def _by_pieces(key: str, options: list[tuple[str, ...]], weights: dict[str, float],
               words: WordTable, config: LostByteConfig) -> list[tuple[float, str]]:
    """The fillings of a word no filling of which is known, read from its longest
    end that is a known word: a prefix or a suffix of `_PIECE` characters or more,
    holding every lost character and `_CUT` letters or more between them and the cut
    (a compound's last part, a stem before an ending the lists lack:
    "аккумул\ue0d1торных" starts with "аккумулятор").

    Chosen on the tune set: lost-byte sentences back exactly 384 -> 386 of 417, wrong
    letters 21 -> 20, for `_PIECE` 5 to 7 and `_CUT` 0 to 2 alike; with `_CUT` 0, a
    `_PIECE` of 4 -> 385 (22 wrong), 3 -> 383 (25 wrong). The values taken read the
    lost letter with as much on each side as the letter triples do.
    """
    marks = _marks(key)
    first, last = marks[0], marks[-1]
    pieces = [key[start:] for start in range(max(1, len(key) - _LONGEST_PIECE),
                                             first + 1 - _CUT)] + [
        key[:end] for end in range(min(len(key) - 1, _LONGEST_PIECE), last + _CUT, -1)]
    pieces = sorted((piece for piece in pieces if len(piece) >= _PIECE), key=len,
                    reverse=True)
    for piece in pieces:
        ranked = [(score, filling) for score, filling in choose_word(
            piece, options, weights, words) if score >= config.word_floor]
        if ranked:
            return ranked
    return []


def _by_stem(key: str, options: list[tuple[str, ...]], weights: dict[str, float],
             words: WordTable, config: LostByteConfig) -> list[tuple[float, str]]:
    """The fillings of a word no filling of which is known, read from the known words
    that share its longest start (`_STEM` characters or more, `_STEM_AFTER` letters
    or more past its last lost character) with any: an inflection the lists lack
    (Belarusian "прын\ue0d1тым" shares "прынят" with "прынята", "прынятыя")."""
    marks = _marks(key)
    shortest = max(_STEM, marks[-1] + 1 + _STEM_AFTER, math.ceil(_STEM_SHARE * len(key)))
    for end in range(min(len(key) - 1, _LONGEST_PIECE), shortest - 1, -1):
        ranked = [(score, filling) for score, filling in choose_stem(
            key[:end], options, weights, words, _STEM_KEYS) if score >= config.word_floor]
        if ranked:
            return ranked
    return []


def _word_spans(slots: list[str | _Lost]) -> list[tuple[int, int]]:
    """Where the words of the line start and end."""
    spans = []
    i = 0
    while i < len(slots):
        if not _in_word(slots[i]):
            i += 1
            continue
        j = i
        # An apostrophe between letters is part of the word, as in the lists ("пам'ять").
        while j < len(slots) and (_in_word(slots[j]) or (
                slots[j] in _APOSTROPHES and j + 1 < len(slots) and _in_word(slots[j + 1]))):
            j += 1
        spans.append((i, j))
        i = j
    return spans


def _filled(slots: list[str | _Lost], filling: str) -> str:
    """A damaged word in lower case with its lost characters filled in order."""
    fill = iter(filling)
    return "".join((next(fill) if isinstance(slot, _Lost) else
                    "'" if slot in _APOSTROPHES else slot).casefold() for slot in slots)


def _neighbour(slots: list[str | _Lost], spans: list[tuple[int, int]], n: int,
               step: int) -> str:
    """The word before (`step` -1) or after (1) word `n` in lower case, a lost character
    in it as U+FFFD; "" where the line ends or anything but spaces stands between."""
    m = n + step
    if not 0 <= m < len(spans):
        return ""
    gap = slots[spans[m][1] : spans[n][0]] if step < 0 else slots[spans[n][1] : spans[m][0]]
    if not all(isinstance(slot, str) and slot.isspace() for slot in gap):
        return ""
    i, j = spans[m]
    return "".join("\ufffd" if isinstance(slot, _Lost) else
                   "'" if slot in _APOSTROPHES else slot.casefold() for slot in slots[i:j])


def _in_word(slot: str | _Lost) -> bool:
    if isinstance(slot, _Lost):
        return any(is_letter(ch) for ch in slot.options)
    return is_letter(slot)


def _options(seq: bytes, before: str | _Lost) -> tuple[str, ...]:
    """The characters `seq` may have been, its one lost byte being any undefined byte.

    After an emoji (or a lost symbol), the emoji presentation selector U+FE0F (EF B8 8F)
    and a skin-tone modifier (F0 9F 8F BB-BF) are what the bytes were; a zero-width
    joiner (E2 80 8D) there might as well be a closing quote: none is chosen.
    """
    decoded = []
    for byte in LOST_BYTES:
        try:
            decoded.append(seq.replace(bytes([_LOST]), bytes([byte])).decode("utf-8"))
        except UnicodeDecodeError:
            continue
    if _is_symbol(before):
        for ch in decoded:
            if ch == "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff":
                return (ch,)
        if "\u200d" in decoded:
            return ()
    found = []
    for ch in decoded:
        category = unicodedata.category(ch)
        if category in _NOT_TEXT:
            continue
        if category[0] == "M" and not (isinstance(before, str) and before.isalpha()):
            continue
        found.append(ch)
    return tuple(found)


def _is_symbol(slot: str | _Lost) -> bool:
    """Whether `slot` is a symbol such as an emoji, or a lost one that can only be."""
    chars = slot.options if isinstance(slot, _Lost) else (slot,)
    return bool(chars) and all(unicodedata.category(ch) in ("So", "Sk") for ch in chars)


def _choose(slots: list[str | _Lost], config: LostByteConfig) -> list[str]:
    """Each slot's character: fixed ones as they are, lost ones chosen.

    Two passes: letter pairs along each run of neighbouring lost bytes give every lost
    letter a first reading; then letter triples around each lost letter, with its
    neighbours as read so far, decide it (or leave U+FFFD).
    """
    out = [slot if isinstance(slot, str) else "\ufffd" for slot in slots]
    every = languages(out, _data().letters)
    grouped = by_script(out)
    scripts = {name: languages(letters, _data().letters)
               for name, letters in grouped.items()} if len(grouped) > 1 else {}

    def languages_for(options: tuple[str, ...]) -> list[tuple[float, Table]]:
        return scripts.get(script(options[0]), every) if options else every

    guesses = out.copy()
    opened = False  # whether an opening quote stood before, for closing quotes
    i = 0
    while i < len(slots):
        if not isinstance(slots[i], _Lost):
            opened = opened or out[i] in _OPENING_QUOTES
            i += 1
            continue
        j = i
        while j < len(slots) and isinstance(slots[j], _Lost):
            j += 1
        run = [slot.options for slot in slots[i:j] if isinstance(slot, _Lost)]
        left = out[i - 1] if i else " "
        right = out[j] if j < len(slots) else " "
        for k, ch in enumerate(_choose_run(run, left, right, opened, 1.0,
                                           languages_for(run[0]))):
            guesses[i + k] = ch
            if not any(is_letter(option) for option in run[k]):
                out[i + k] = ch  # punctuation: its rule has decided
        i = j
    for i, slot in enumerate(slots):
        if isinstance(slot, _Lost) and any(is_letter(option) for option in slot.options):
            best, sure = by_triples(slot.options, guesses, i, languages_for(slot.options),
                                    config.margin)
            guesses[i] = best
            out[i] = best if sure else "\ufffd"
    return out


def _known_language(chars: list[str]) -> bool:
    """Whether languages the tables know may write the line, its letters of each script
    apart (a Spanish line quoting a Russian name): none of its letters is one that no
    table's language uses (Kazakh "қ"), and the likeliest language for a script's
    non-ASCII letters has all of them but a few (a foreign name), not one at every turn
    (a language the tables lack, mixing letters of several they have): its lines would
    be guessed wrong."""
    return all(known_letters(letters, _data().letters)
               for letters in by_script(chars).values())


def _choose_run(run: list[tuple[str, ...]], left: str, right: str, opened: bool,
                margin: float, languages: list[tuple[float, Table]]) -> list[str]:
    """The characters of a run of neighbouring lost bytes, or U+FFFD where undecided.

    Each option's score is summed over the languages, each weighted by how likely the
    line's letters make it.
    """
    if any(not options for options in run):
        # A byte with no candidate breaks the chain: decide the others one by one.
        return [(_choose_run([options], left if k == 0 else "\ufffd",
                             right if k == len(run) - 1 else "\ufffd", opened, margin,
                             languages)[0]
                 if options else "\ufffd") for k, options in enumerate(run)]
    if all(not is_letter(ch) for options in run for ch in options):
        return [_punctuation(options, left if k == 0 else "", right if k == len(run) - 1
                             else "", opened) for k, options in enumerate(run)]
    totals = run_scores(run, left, right, languages)
    chosen = []
    for options, scores in zip(run, totals, strict=True):
        ranked = sorted(zip(scores, options, strict=True), reverse=True)
        sure = len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= math.log(margin)
        chosen.append(ranked[0][1] if sure else "\ufffd")
    return chosen


def _punctuation(options: tuple[str, ...], left: str, right: str, opened: bool) -> str:
    """A closing quote where the line opened one or the mark ends a word; a hyphen
    only between two letters; U+FFFD otherwise."""
    quotes = [ch for ch in options if unicodedata.category(ch) in ("Pf", "Pi")]
    ends_word = bool(left) and not left.isspace() and (not right or not right.isalnum())
    if len(quotes) == 1 and (opened or ends_word):
        return quotes[0]
    dashes = [ch for ch in options if unicodedata.category(ch) == "Pd"]
    if len(dashes) == 1 and left.isalpha() and right.isalpha():
        return dashes[0]
    if len(options) == 1:
        return options[0]
    return "\ufffd"
