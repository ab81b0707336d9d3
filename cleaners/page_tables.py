"""Data tables of a page's article that trafilatura's extraction left out, put back.

trafilatura keeps tables it meets inside the container it takes as the body, but when a
table sits in a block of loose text (lines split by <br>, no <p>), or its cells hold
links, the table is often dropped while the text around it is kept: a wine region's
ageing rules, a game wiki's item list. A table is put back when the text around it (its
parent, grandparent or great-grandparent, the table left out) shares a run of words with
the extraction, so it belongs to the article and not to a sidebar; it goes after the
extraction's line that the text before it ends in, one row a line, cells between `|`
as trafilatura writes them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

from lxml.etree import XPath, _Element

# Rows of at least this many filled cells a data table has at least (a one-row table is
# a layout box), and in at least half its rows.
_MIN_ROWS = 2
_MIN_COLUMNS = 2
# A table whose text is more than half link text is a menu or a list of teasers.
_MAX_LINK_SHARE = 0.5
# A table most of whose cells hold under 3 characters is a calendar widget ("M T W").
_SHORT_CELL_CHARS = 3
_MAX_SHORT_CELL_SHARE = 0.5
# The share of a table's rows the extraction must lack for the table to count as dropped
# (one that is partly there was taken by trafilatura, perhaps cut on purpose).
_MIN_MISSING_SHARE = 0.7
# A run of this many words in common ties the table's surroundings to the extraction:
# long enough that a menu label or a date does not.
_RUN = 8
# How far up from the table its surroundings are looked for.
_LEVELS = 3
# Bounds on the work a page can ask for: each table looked at reads its surroundings
# and searches the extraction once a row.
_MAX_TABLES = 20
_MAX_ROWS = 200
_OUTSIDE_ARTICLE = frozenset({"nav", "header", "footer", "aside", "form"})
_WORD = re.compile(r"\w+")
_TEXT = XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
              " or ancestor::template)]")


def with_missing_tables(tree: _Element, text: str) -> str:
    """`text` with the article's data tables it lacks put back after the line that the
    text before each table ends in.

    >>> from lxml import html
    >>> words = "The region's wines must age for a set time before they are sold"
    >>> page = html.fromstring(
    ...     f"<html><body><div>{words}.<br>Rules by grade:<table>"
    ...     "<tr><th>Grade</th><th>Months</th></tr><tr><td>Crianza</td><td>24</td></tr>"
    ...     f"</table>{words} abroad.</div></body></html>")
    >>> print(with_missing_tables(page, f"{words}. Rules by grade:\\n{words} abroad."))
    The region's wines must age for a set time before they are sold. Rules by grade:
    | Grade | Months |
    | Crianza | 24 |
    The region's wines must age for a set time before they are sold abroad.
    """
    tables = list(itertools.islice(_data_tables(tree), _MAX_TABLES))
    if not tables:
        return text
    lines = text.split("\n")
    have = _padded(text)
    runs = _runs(_words(text))
    inserts: dict[int, list[str]] = {}
    for table in tables:
        rows = _rows(table)
        # Rows past the bound are not searched for: they go back with the table.
        missing = [row for row in rows[:_MAX_ROWS] if _padded(row) not in have]
        if len(missing) < _MIN_MISSING_SHARE * len(rows[:_MAX_ROWS]):
            continue
        before = _words_before(table, runs)
        if before is None:
            continue
        inserts.setdefault(_line_ending(lines, before), []).extend(
            f"| {row} |" for row in missing + rows[_MAX_ROWS:])
    if not inserts:
        return text
    out: list[str] = []
    for number, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(number, []))
    return "\n".join(out)


def _data_tables(tree: _Element) -> Iterator[_Element]:
    """Innermost tables of at least two rows and two columns, outside page chrome, that
    are neither menus (mostly link text) nor calendars (mostly one- or two-letter cells)."""
    for table in tree.iter("table"):
        if table.find(".//table") is not None or any(
                a.tag in _OUTSIDE_ARTICLE or a.tag == "table" for a in table.iterancestors()):
            continue
        rows = [[_clean(cell) for cell in row if cell.tag in ("td", "th")]
                for row in table.iter("tr")]
        rows = [row for row in rows if any(row)]
        # Rows of two filled cells or more: a rating form's rows are a question and an
        # empty cell of stars.
        if sum(sum(map(bool, row)) >= _MIN_COLUMNS for row in rows) < max(_MIN_ROWS, len(rows) / 2):
            continue
        cells = [cell for row in rows for cell in row]
        short = sum(len(cell) < _SHORT_CELL_CHARS for cell in cells)
        if short > _MAX_SHORT_CELL_SHARE * len(cells):
            continue
        total = sum(len(cell) for cell in cells)
        links = sum(len(_clean(a)) for a in table.iter("a"))
        if links > _MAX_LINK_SHARE * total:
            continue
        yield table


def _rows(table: _Element) -> list[str]:
    rows = [" | ".join(_clean(cell) for cell in row if cell.tag in ("td", "th"))
            for row in table.iter("tr")]
    return [row for row in rows if row.strip(" |")]


def _words_before(table: _Element, runs: set[str]) -> list[str] | None:
    """The words before the table in its surroundings, if the surroundings (the table
    left out) share a run of `_RUN` words with the extraction; else None."""
    container = table
    for _ in range(_LEVELS):
        parent = container.getparent()
        if parent is None:
            return None
        container = parent
        before: list[str] = []
        around: list[str] = []
        seen_table = False
        for part in _strings(container):
            owner = getattr(part, "getparent", lambda: None)()
            if owner is not None and (owner is table or table in owner.iterancestors()):
                seen_table = True
                continue
            words = _words(str(part))
            around.extend(words)
            if not seen_table:
                before.extend(words)
        if any(" ".join(around[i:i + _RUN]) in runs
               for i in range(max(0, len(around) - _RUN + 1))):
            return before
    return None


def _line_ending(lines: list[str], before: list[str]) -> int:
    """The number of the last line holding the last words before the table (the last
    line when none does)."""
    for size in (_RUN, 4, 2):
        if len(before) < size:
            continue
        tail = f" {' '.join(before[-size:])} "
        for number in range(len(lines) - 1, -1, -1):
            if tail in _padded(lines[number]):
                return number
    return len(lines) - 1


def _runs(words: list[str]) -> set[str]:
    return {" ".join(words[i:i + _RUN]) for i in range(max(0, len(words) - _RUN + 1))}


def _strings(element: _Element) -> list[object]:
    found = _TEXT(element)
    return list(found) if isinstance(found, list) else []


def _clean(element: _Element) -> str:
    return " ".join(" ".join(str(part) for part in _strings(element)).split())


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _padded(text: str) -> str:
    return f" {' '.join(_words(text))} "
