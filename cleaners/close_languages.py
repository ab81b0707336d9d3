"""Break ties between close languages by the letters and words one uses and the other lacks.

Near neighbours (Ukrainian and Russian, Danish and Norwegian, Spanish and Portuguese,
...) share most of their 1-3-grams, so on a short sentence the n-gram judge's first and
second choice can be a coin toss between them.  What a reader uses instead is what one
of the two writes and the other never does: Ukrainian і ї є ґ against Russian ы э ё,
Spanish ñ against Portuguese ã õ ç, Czech ř ů ě against Slovak ä ľ ô, and short function
words (Danish "efter", "mig", "havde" against Norwegian "etter", "meg", "hadde").

The rule, applied by `cleaners.language.LanguageDetector` after its judge:

- It only ever chooses between the judge's first and second choice, and only when the
  two form a pair listed in the data files of `cleaners/close_languages/`.
- Each language of a pair has marker letters, marker words and marker word endings.
  Its evidence in a text is the number of its marker letters there (every occurrence,
  as written), plus its marker words (in lower case), plus the lower-case words that
  end in one of its marker endings.
- The language with more evidence wins the pair; on equal evidence (none at all, most
  often) the judge's order stands.  When the rule decided, the answer's score is the
  pair's combined probability: the judge said "one of these two", the letters and words
  said which.

Markers are chosen by what each language's spelling and grammar make common in one and
absent (or rare) in the other; `bench/eval_language.py --ud tune` measured each pair on
the `tune` half of bench/data/lang_sentences.jsonl, where a marker word of one
language that also shows up in the other's sentences was taken out.
"""

# The docstrings quote Cyrillic letters; those that look Latin are meant.
# ruff: noqa: RUF002

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from operator import methodcaller

__all__ = [
    "CloseLanguages",
    "LetterRule",
    "Markers",
    "load_close_languages",
    "load_letter_rules",
    "parse_letter_rules",
    "parse_pair_file",
]


@dataclass(frozen=True, slots=True)
class Markers:
    """What one language of a pair writes and the other does not."""

    letters: frozenset[str]
    words: frozenset[str]
    endings: tuple[str, ...] = ()

    def evidence(self, text: str, lower_words: Sequence[str], plain: Sequence[str]) -> int:
        """Count marker letters in `text`, marker words and endings among its words.

        `lower_words` are the words of `text` in lower case; `plain` the words written
        in lower case, and the first (a sentence's capital): an ending counts only on
        those, as a name (Finn, Scott, Ninn-Hansen) says nothing about the language
        around it.  Letters are counted as written, each case listed on its own: a
        capital Ã or Â is far more often mojibake (UTF-8 read as Latin-1: "Ã³" for "ó",
        "Â¿" for "¿") than Portuguese, whose ã and â are lower case outside text set in
        capitals (which the judge lowers first), so the pair files leave those out.

        >>> markers = Markers(frozenset("ї"), frozenset({"що"}), ("ння",))
        >>> markers.evidence("що її питання", ["що", "її", "питання"], ["що", "її", "питання"])
        4
        """
        # Counted by C-level str and set methods: the rule runs on most Cyrillic and
        # many Latin samples, and a Python loop per character cost 15% of detection.
        count = sum(map(text.count, self.letters))
        count += sum(map(self.words.__contains__, lower_words))
        if self.endings:
            count += sum(map(methodcaller("endswith", self.endings), plain))
        return count


def parse_pair_file(text: str) -> dict[str, Markers]:
    """Read one pair file: `<code> letters|words|endings <items, space-separated>` per line.

    Lines may repeat a code and kind (their items add up); blank lines and lines that
    start with `#` are ignored.

    >>> pair = parse_pair_file("uk letters і ї\\nuk words що\\nru letters ы\\nru words что")
    >>> sorted(pair), sorted(pair["uk"].letters), sorted(pair["ru"].words)
    (['ru', 'uk'], ['і', 'ї'], ['что'])
    """
    kinds: dict[str, dict[str, set[str]]] = {"letters": {}, "words": {}, "endings": {}}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, kind, *items = line.split()
        if kind not in kinds:
            raise ValueError(f"line {number}: kind must be one of {sorted(kinds)}, got {kind!r}")
        for sets in kinds.values():
            sets.setdefault(code, set())
        target = kinds[kind][code]
        for item in items:
            if kind == "letters" and len(item) != 1:
                raise ValueError(f"line {number}: a marker letter is one character: {item!r}")
            # Letters as written (a capital is listed where the language writes it);
            # words and endings are compared in lower case.
            target.add(item if kind == "letters" else item.lower())
    codes = sorted(kinds["letters"])
    if len(codes) != 2:
        raise ValueError(f"a pair file names two languages, got {codes}")
    return {
        code: Markers(
            frozenset(kinds["letters"][code]),
            frozenset(kinds["words"][code]),
            tuple(sorted(kinds["endings"][code])),
        )
        for code in codes
    }


@dataclass(frozen=True, slots=True, eq=False)
class CloseLanguages:
    """The close pairs and their markers, keyed by the pair's two codes in name order."""

    pairs: Mapping[tuple[str, str], Mapping[str, Markers]]

    def choose(self, first: str, second: str, text: str) -> str | None:
        """Return the pair member the markers of `text` name, or None if they do not decide.

        `first` is the judge's answer and `second` a lower-ranked choice; `text` is the
        words the judge read, joined by spaces.

        >>> close = load_close_languages()
        >>> close.choose("ru", "uk", "Уряд оголосив про підвищення зарплати")
        'uk'
        >>> close.choose("ru", "uk", "Кто") is None
        True
        >>> close.choose("fr", "ja", "anything") is None
        True
        """
        language, decided = self.decide((first, second), text)
        return language if decided else None

    def decide(self, ranked: Sequence[str], text: str) -> tuple[str, tuple[int, ...]]:
        """Let markers overrule the order of `ranked` (the judge's choices, best first).

        Each later language challenges the answer so far when the two form a listed
        pair; the one with more evidence keeps or takes the answer.  Returns the answer
        and the positions in `ranked` of the languages markers decided among (none when
        they never decided).

        >>> load_close_languages().decide(("bg", "ru", "uk"), "Це те, що ви вже")
        ('uk', (0, 2))
        """
        language, among = ranked[0], [0]
        prepared: tuple[list[str], list[str]] | None = None
        for position, challenger in enumerate(ranked[1:], start=1):
            key = (language, challenger) if language < challenger else (challenger, language)
            pair = self.pairs.get(key)
            if pair is None:
                continue
            if prepared is None:
                # Split once for every pair the text is judged for.
                words = text.split()
                plain = [word for word in words[1:] if word.islower()] + words[:1]
                prepared = ([word.lower() for word in words], plain)
            ours = pair[language].evidence(text, *prepared)
            theirs = pair[challenger].evidence(text, *prepared)
            if ours != theirs:
                among.append(position)
                if theirs > ours:
                    language = challenger
        return language, tuple(among) if len(among) > 1 else ()


def load_close_languages(files: Iterable[str] | None = None) -> CloseLanguages:
    """Read the pair files shipped in `cleaners/close_languages/` (all of them by default).

    >>> ("ru", "uk") in load_close_languages().pairs
    True
    """
    folder = resources.files("cleaners").joinpath("close_languages")
    names = sorted(
        entry.name.removesuffix(".txt") for entry in folder.iterdir() if entry.name.endswith(".txt")
    )
    pairs: dict[tuple[str, str], Mapping[str, Markers]] = {}
    for name in names if files is None else files:
        pair = parse_pair_file(folder.joinpath(f"{name}.txt").read_text(encoding="utf-8"))
        low, high = sorted(pair)
        if (low, high) in pairs:
            raise ValueError(f"pair {low}/{high} is listed twice ({name}.txt)")
        pairs[(low, high)] = pair
    # Plain dicts, never changed after this point: a mappingproxy cannot be pickled, and
    # the detector holding these goes to worker processes by pickle.
    return CloseLanguages(pairs)


@dataclass(frozen=True, slots=True)
class LetterRule:
    """A language without a profile, named when a text holds a letter of every group."""

    language: str
    script: str
    groups: tuple[frozenset[str], ...]

    def matches(self, text: str) -> bool:
        """Whether `text` holds at least one letter of every group.

        A group holds its letters in both cases (see parse_letter_rules).

        >>> LetterRule("be", "Cyrl", (frozenset("іІ"), frozenset("ыэё"))).matches("І ты")
        True
        """
        return all(any(letter in text for letter in group) for group in self.groups)


def parse_letter_rules(text: str) -> tuple[LetterRule, ...]:
    """Read `<code> <script> <group> [<group> ...]` lines (see language_letters.txt).

    >>> parse_letter_rules("# Serbian\\nsr Cyrl ђћ")[0].groups == (frozenset("ђћЂЋ"),)
    True
    """
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, script, *groups = line.split()
        if not groups:
            raise ValueError(f"line {number}: a rule needs at least one group of letters")
        # Both cases, so that a text is searched as written (no lower-case copy).
        cased = tuple(frozenset(g.lower() + g.upper()) for g in groups)
        rules.append(LetterRule(code, script, cased))
    return tuple(rules)


def load_letter_rules() -> tuple[LetterRule, ...]:
    """Read `cleaners/language_letters.txt`.

    >>> sorted({rule.language for rule in load_letter_rules()})
    ['be', 'sr']
    """
    path = resources.files("cleaners").joinpath("language_letters.txt")
    return parse_letter_rules(path.read_text(encoding="utf-8"))
