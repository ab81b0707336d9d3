"""Which found files a run reads: the `--include` / `--exclude` globs (`[input]`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from flows.settings import Selection


class _Named(Protocol):
    @property
    def source(self) -> str: ...


Named = TypeVar("Named", bound=_Named)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over `/`-separated sources as a regular expression matching whole sources.

    `**/` is any number of folders (none too), `**` anything, `*` and `?` stay within
    one name, `[...]` is a character class (`[!...]` its complement).

    >>> [bool(glob_regex("**/gold.jsonl").match(s)) for s in ("gold.jsonl", "a/b/gold.jsonl")]
    [True, True]
    >>> bool(glob_regex("*.jsonl").match("a/b.jsonl")), bool(glob_regex("a/*").match("a/b"))
    (False, True)
    """
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def select(files: Sequence[Named], selection: Selection) -> list[Named]:
    """The files (or unusable files) whose source matches some `include` glob (any
    source when there is none) and no `exclude` glob."""
    include = [glob_regex(p) for p in selection.include]
    exclude = [glob_regex(p) for p in selection.exclude]
    return [f for f in files
            if (not include or any(p.match(f.source) for p in include))
            and not any(p.match(f.source) for p in exclude)]
