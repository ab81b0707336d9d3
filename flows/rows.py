"""The rows of the `rejected` and `removed` tables, each built by one typed function.

Their reasons are the constants of cleaners/reasons.py; docs/schema.md lists them
(`reasons_markdown`), and a test checks that the list and that module agree.
"""

from __future__ import annotations

from typing import Any

from cleaners import reasons


def rejected_row(source: str, record: int | None, reason: str, message: str,
                 run_id: str) -> dict[str, Any]:
    """One row of `rejected`: an input file (or a record of one) and why it was refused."""
    return {"source": source, "record": record, "reason": reason, "message": message,
            "run_id": run_id}


def removed_row(doc_id: str, source: str, line: int, text: str, reason: str,
                rule: str | None, run_id: str) -> dict[str, Any]:
    """One row of `removed`: a line taken out of a document, the reason and the rule."""
    return {"doc_id": doc_id, "source": source, "line": line, "text": text,
            "reason": reason, "rule": rule, "run_id": run_id}


def reasons_markdown() -> str:
    """docs/schema.md's list of every reason code gives (lexicon rules name their own)."""
    lines = ["| table | reason | meaning |", "|---|---|---|"]
    lines += [f"| rejected | `{r}` | {d} |" for r, d in reasons.REJECTED.items()]
    lines += [f"| removed | `{r}` | {d} |" for r, d in reasons.REMOVED.items()]
    return "\n".join(lines) + "\n"
