"""The shipped lexicon and the user's patterns, compiled on RE2 and indexed by word.

Also the line normalization the rules share: a line's `core` (without the decoration
around a prompt), its casefolded words, and its `template_key`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import TypeVar

from cleaners.boilerplate.config import _REASON, STRUCTURAL_RULES, BoilerplateConfig
from cleaners.boilerplate.pattern_index import _leading_words, _split_alternatives
from cleaners.linear import LinearPattern, compile_linear, to_re2
from cleaners.linemodel import LineModel, load_line_model
from cleaners.uistrings import UiStrings, load_ui_strings

_T = TypeVar("_T")
_WORD = re.compile(r"\w+")
_DIGIT_RUN = re.compile(r"\d+")
# Decoration around a prompt ("» Read more", "Share this:", "— Advertisement —") is not
# part of what it says; the lexicon matches the line without it. None of these is a \w
# character, so stripping them never changes a line's words.
_DECORATION = " \t\u00a0.,;:!?¿¡…»«›‹<>→←↑↓⇒▶►▸•·*|-–—=~#/\\\"'“”„‘’+"  # noqa: RUF001
_APOSTROPHE_MARKS = "’‘ʼ`´"  # noqa: RUF001
# The union of the 81 patterns a leading number brings in took 13 µs a search within
# RE2's default 8 MB (its DFA ran out of room and it fell back to its NFA), 0.8 µs
# with 64 MB; the cache only grows as far as the lines searched need.
_UNION_MEMORY = 64 << 20
# The lines whose answer the lexicon keeps: up to 80 characters (longer lines seldom
# repeat: 80 -> 400 characters kept 3.7 times as many lines for 11% more repeats), and
# up to 32,768 of them (~5 MB).
_SEEN_CHARS = 80
_SEEN_LINES = 1 << 15


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


#: A short line's kept answers (`Lexicon.seen`): its first matching rule, and the line
#: rules' decision (that rule's, else the UI strings').
_Answer = tuple[LexiconRule | None, tuple[str, str] | None]


@dataclass(frozen=True, slots=True)
class _Bucket:
    """The positions (in `Lexicon.rules`) of the patterns one index key brings in.

    A line holding the key is tried against each of them in turn; when there are two
    or more, their union is searched first, once: a line matches one of them only if
    it matches the union, and most lines match none. A line starting with a number
    brings in the 81 patterns indexed by "#" (dates, counts of comments, ratings), and
    one search of their union replaces up to 81. Compiled when first needed, as the
    rules are.
    """

    positions: tuple[int, ...]
    union: str | None = None
    compiled: list[LinearPattern] = field(default_factory=list, compare=False, repr=False)

    def admits(self, data: bytes) -> bool:
        """Whether one of the bucket's patterns may be found in `data` (UTF-8)."""
        if self.union is None:
            return True
        if not self.compiled:
            self.compiled.append(compile_linear(self.union, translated=True,
                                                memory=_UNION_MEMORY))
        return self.compiled[0].search_utf8(data)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A config's compiled patterns, indexed by word; build it with `load_lexicon`.

    Trying 700 patterns on every line would cost a millisecond a line, so each pattern
    is only tried on lines that hold a word it needs:

    - a pattern anchored at the start of the line (`^...`) is indexed by the words the
      line can start with: `first_exact` maps a whole first word ("#" for any number,
      "=" + a symbol for a line starting with it) to the bucket of its patterns'
      positions (in `rules`), and `first_stems` maps the first three letters of a word
      stem ("comment" for "^comments?") to `(stem, position)` pairs;
    - any other pattern is indexed by the longest literal word it starts with:
      `any_exact` maps a whole word to a bucket, `any_stems` maps " " + the first
      three letters of a stem to `(stem, position)` pairs (`stem_gate` finds out at
      once whether a line holds any of the stems), and `any_symbols` maps a symbol a
      pattern starts with ("©") to a bucket;
    - anchored patterns with no such word are `gated` behind one combined `gate`
      regex, tried once per line, and the rest are `unindexed`, tried on every line.

    The gated, stem and symbol patterns are also one `sweep` union, searched once per
    line before their gate, stem gate and symbol buckets: a line that holds none of
    them (all but 23 of 15,763 lines of 80 to 1,000 characters of the e2e corpus)
    skips those three (5.2 µs for the sweep against 5.9 for the gate and stem gate
    alone on such lines; docs/benchmarks.md, "H57").

    `structural_off` holds the structural rules (see `STRUCTURAL_RULES`) the config
    disables.
    """

    config: BoilerplateConfig
    rules: tuple[LexiconRule, ...]
    first_exact: Mapping[str, _Bucket]
    first_stems: Mapping[str, tuple[tuple[str, int], ...]]
    any_exact: Mapping[str, _Bucket]
    any_stems: Mapping[str, tuple[tuple[str, int], ...]]
    any_symbols: Mapping[str, _Bucket]
    gate: LinearPattern | None
    gated: tuple[int, ...]
    unindexed: tuple[int, ...]
    structural_off: frozenset[str]
    stem_gate: re.Pattern[str] | None = None
    sweep: _Bucket | None = None
    #: Harvested UI strings (`cleaners/uistrings.py`), tried on a line no pattern matched.
    ui: UiStrings = field(default_factory=UiStrings)
    line_model: LineModel | None = None
    #: The answer for each short line already matched (see `_match`).
    #: The answers for short lines already met (see `decide`): the first matching rule
    #: and the line rules' decision, the rule's or the UI strings'.
    seen: dict[str, _Answer] = field(default_factory=dict, init=False, compare=False,
                                     repr=False)

    def match(self, line: str) -> LexiconRule | None:
        """Return the first rule (in config order) whose pattern is found in `line`."""
        core = _core(line.strip())
        return self._match(core, _tokens(core))

    def _match(self, core: str, tokens: Sequence[str]) -> LexiconRule | None:
        """Find the first matching rule for a line's core and its words (`_tokens(core)`)."""
        if len(core) > _SEEN_CHARS:
            return self._search(core, tokens)
        return self._kept(core, tokens)[0]

    def decide(self, core: str, tokens: Sequence[str]) -> tuple[str, str] | None:
        """The line rules' `(reason, rule)` for a line's core and words, from the first
        matching pattern, else from the UI strings (`UiStrings.match_words`); or None.

        Page furniture repeats from page to page: of the lines of up to 80 characters of
        3,000 files of the e2e corpus, 72% had been seen before, and a short line's
        answers are kept (up to `_SEEN_LINES` of them, then forgotten all at once): both
        depend on the core alone, as its words are `_tokens(core)`.
        """
        if len(core) > _SEEN_CHARS:
            rule = self._search(core, tokens)
            return (rule.reason, rule.rule) if rule is not None else self.ui.match_words(
                tokens)
        # One lookup, not `in` then `[]`: a thread cleaning another document may clear
        # the dict between the two (Dask and Prefect run batches on threads).
        found = self.seen.get(core)
        return found[1] if found is not None else self._kept(core, tokens)[1]

    def _kept(self, core: str, tokens: Sequence[str]) -> _Answer:
        """A short line's answers, searched once and kept."""
        seen = self.seen
        found = seen.get(core)
        if found is not None:
            return found
        if len(seen) >= _SEEN_LINES:
            seen.clear()
        rule = self._search(core, tokens)
        answer = seen[core] = (rule, (rule.reason, rule.rule) if rule is not None
                               else self.ui.match_words(tokens))
        return answer

    def _search(self, core: str, tokens: Sequence[str]) -> LexiconRule | None:
        # Positions of the candidate rules; a list, as most lines have none or two.
        found = list(self.unindexed)
        buckets: list[_Bucket] = []
        first_exact = self.first_exact
        data = core.encode("utf-8", "surrogatepass")  # once for the gate and the candidates
        # None of the gated, stem or symbol patterns is found (the sweep says so in one
        # search): their positions could only add rules that do not match.
        swept = self.sweep is None or self.sweep.admits(data)
        if swept:
            if self.gate is not None and self.gate.search_utf8(data):
                found += self.gated
            buckets += [found_in for symbol, found_in in self.any_symbols.items()
                        if symbol in core]
        if core and not core[0].isalnum() and (bucket := first_exact.get("=" + core[0])):
            buckets.append(bucket)
        if tokens:
            first = tokens[0]
            if bucket := first_exact.get(first):
                buckets.append(bucket)
            if first[0].isdigit() and (bucket := first_exact.get("#")):
                buckets.append(bucket)
            found += [p for stem, p in self.first_stems.get(first[:3], ())
                      if first.startswith(stem)]
            # dict.keys() & list walks the list: a few dozen lookups, all in C.
            buckets += [self.any_exact[word] for word in self.any_exact.keys() & tokens]
            if swept and self.stem_gate is not None:
                # Stems are few: looking each up in the spaced words is cheaper than
                # cutting every word to its first letters, and one regex tells first
                # whether any is there (in one line out of 16 of the e2e corpus).
                spaced = " " + " ".join(tokens)
                if self.stem_gate.search(spaced):
                    found += [position for key, pairs in self.any_stems.items()
                              if key in spaced
                              for stem, position in pairs if " " + stem in spaced]
        for bucket in buckets:
            if bucket.admits(data):
                found += bucket.positions
        if not found:
            return None
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
    stems = sorted({stem for pairs in any_stems.values() for stem, _ in pairs})
    swept = sorted({*gated, *(p for pairs in any_stems.values() for _, p in pairs),
                    *(p for found in any_symbols.values() for p in found)})
    return Lexicon(
        config=config,
        rules=tuple(rules),
        first_exact=_buckets(first_exact, rules),
        first_stems=_frozen(first_stems),
        any_exact=_buckets(any_exact, rules),
        any_stems=_frozen(any_stems),
        any_symbols=_buckets(any_symbols, rules),
        gate=compile_linear(f"^(?:{gate})", translated=True) if gated else None,
        gated=tuple(gated),
        unindexed=tuple(unindexed),
        structural_off=frozenset(
            rule for rule, reason in STRUCTURAL_RULES.items() if _disabled(rule, reason, config)
        ),
        stem_gate=re.compile(" (?:" + "|".join(map(re.escape, stems)) + ")") if stems else None,
        # Its own union even for one pattern: a line the sweep admits goes on to the gate.
        sweep=_Bucket(tuple(swept), "|".join(f"(?:{rules[k].source})" for k in swept))
        if swept else None,
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


def _buckets(index: dict[str, list[int]], rules: Sequence[LexiconRule]
             ) -> Mapping[str, _Bucket]:
    """Each key's bucket; the same positions under several keys share one union."""
    shared: dict[tuple[int, ...], _Bucket] = {}
    for found in index.values():
        positions = tuple(sorted(set(found)))
        if positions not in shared:
            union = "|".join(f"(?:{rules[k].source})" for k in positions)
            shared[positions] = _Bucket(positions, union if len(positions) > 1 else None)
    return MappingProxyType({key: shared[tuple(sorted(set(found)))]
                             for key, found in index.items()})


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _gateable(source: str) -> bool:
    """Whether a pattern can join the gate: anchored, one branch, no backreference."""
    return (source.startswith("^") and len(_split_alternatives(source)) == 1
            and _BACKREFERENCE.search(source) is None)

