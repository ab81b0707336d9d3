"""Template lines: short lines that recur across many documents of the same site.

A line such as "Share this article" or "© 2024 Example Media, all rights reserved" may
look like content on its own, but when the same line stands in many documents of one
site (or one input folder) it is the site's template. This module decides which line
keys are templates from counts; the flow gathers the counts over a whole run (and
earlier runs over the same output) and applies the decision.

Only short lines are candidates: long paragraphs that recur are syndicated content,
which is the dedup stage's business (it keeps the first copy instead of removing all).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

# A line key: the folded text itself, or a hash of it where a run counts many lines.
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class TemplateConfig:
    """When a recurring line counts as template.

    max_words: only lines of at most this many words are candidates; menu items,
        share prompts and footers are short, while a recurring 20-word sentence is more
        often a syndicated paragraph (handled by dedup, which keeps the first copy).
    min_documents: a line must stand in at least this many documents of its group.
    min_share: ... and in at least this share of the group's documents, so that a
        common short heading ("Introduction") in a large mixed folder is not a template.
    """

    max_words: int = 12
    min_documents: int = 3
    min_share: float = 0.2


def is_candidate(line: str, config: TemplateConfig) -> bool:
    """Whether `line` is short enough to be judged as a template line.

    >>> is_candidate("Share this article", TemplateConfig())
    True
    >>> is_candidate(" ".join(["word"] * 40), TemplateConfig())
    False
    """
    return 0 < len(line.split()) <= config.max_words


def count_keys(keys_per_document: Iterable[Iterable[str]]) -> Counter[str]:
    """Count in how many documents each key stands (a key twice in one document counts once).

    >>> sorted(count_keys([["a", "a", "b"], ["a"]]).items())
    [('a', 2), ('b', 1)]
    """
    counts: Counter[str] = Counter()
    for keys in keys_per_document:
        counts.update(set(keys))
    return counts


def decide_templates(counts: Mapping[K, int], documents: int,
                     config: TemplateConfig) -> frozenset[K]:
    """The keys that recur in enough of a group's `documents` to be template lines.

    >>> sorted(decide_templates({"share": 4, "intro": 1}, documents=10, config=TemplateConfig()))
    ['share']
    >>> sorted(decide_templates({"share": 4}, documents=100, config=TemplateConfig()))
    []
    """
    floor = max(config.min_documents, config.min_share * documents)
    return frozenset(key for key, n in counts.items() if n >= floor)
