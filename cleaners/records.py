"""Record types shared by the cleaners: what a stage kept, removed or refused.

Every cleaner is a pure function that returns one of these values; nothing here does
I/O. Reasons are short snake_case words that end up verbatim in the output tables
(`removed.reason`, `rejected.reason`), so tests can assert them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Removal:
    """One line stripped from a document, with why and which rule decided it.

    `line` is the 1-based line number in the normalized text the line came from.
    """

    line: int
    text: str
    reason: str
    rule: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not become a document; recorded, never raised."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Line:
    """A kept line of clean text and the 1-based line number it had before stripping."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class StripResult:
    """What the boilerplate pass kept and what it removed (with reasons)."""

    kept: tuple[Line, ...]
    removed: tuple[Removal, ...] = field(default=())
