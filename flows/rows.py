"""The rows of the `rejected` and `removed` tables, each built by one typed function,
and the reasons the flows give (the cleaners' removal reasons are their rules').

docs/schema.md lists these reasons; a test checks that the list and this module agree.
"""

from __future__ import annotations

from typing import Any

# Why a document is rejected while its batch is cleaned.
LINE_TOO_LONG = "line_too_long"
TIME_LIMIT = "time_limit"
INTERNAL_ERROR = "internal_error"
LANGUAGE_FILTERED = "language_filtered"
WORKER_DIED = "worker_died"
# Why a line is removed across documents.
SITE_TEMPLATE = "site_template"

REJECTED_REASONS = {
    LINE_TOO_LONG: "a line longer than [limits] max_line_chars (HTML is not checked)",
    TIME_LIMIT: "still being cleaned after the time its size allows ([limits] "
                "max_seconds_per_document, max_seconds_per_megabyte)",
    INTERNAL_ERROR: "a cleaner raised on it; the message names the error",
    LANGUAGE_FILTERED: "its language is not in [language] keep",
    WORKER_DIED: "the worker process died twice while cleaning it (out of memory, a crash)",
}
REMOVED_REASONS = {
    SITE_TEMPLATE: "a short line recurring with its neighbours in many articles of its site",
}


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
    """docs/schema.md's list of the flows' reasons."""
    lines = ["| table | reason | meaning |", "|---|---|---|"]
    lines += [f"| rejected | `{r}` | {d} |" for r, d in REJECTED_REASONS.items()]
    lines += [f"| removed | `{r}` | {d} |" for r, d in REMOVED_REASONS.items()]
    return "\n".join(lines) + "\n"
