"""Every reason a row of `rejected` carries, and the reasons for removing lines that code
(not a lexicon rule) gives: one constant each, with what it means.

The cleaners and the flows name a reason only through these constants; docs/schema.md
lists them (generated from `REJECTED` and `REMOVED`, checked by tests/test_staging.py).
The lexicon rules' removal reasons are data: each rule names its own (cleaners/patterns/).
"""

from __future__ import annotations

# Reading the input (flows/inputs.py, flows/jsonl.py, flows/warc.py).
UNREADABLE = "unreadable"
OUTSIDE_INPUT = "outside_input"
BROKEN_LINK = "broken_link"
SYMLINK_LOOP = "symlink_loop"
NOT_A_REGULAR_FILE = "not_a_regular_file"
UNSUPPORTED_TYPE = "unsupported_type"
TOO_LARGE = "too_large"
TOO_LARGE_EXPANDED = "too_large_expanded"
TOO_MANY_LINES = "too_many_lines"
BAD_GZIP = "bad_gzip"
INVALID_JSON = "invalid_json"
BAD_RECORD = "bad_record"
EMPTY = "empty"
BAD_WARC = "bad_warc"
HTTP_STATUS = "http_status"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
# Cleaning a document (cleaners/, flows/batch.py, flows/parallel.py).
BINARY = "binary"
UNDECODABLE = "undecodable"
UNPARSABLE_HTML = "unparsable_html"
NO_MAIN_TEXT = "no_main_text"
LINE_TOO_LONG = "line_too_long"
TIME_LIMIT = "time_limit"
INTERNAL_ERROR = "internal_error"
LANGUAGE_FILTERED = "language_filtered"
WORKER_DIED = "worker_died"
# Removing lines across documents (flows/decide.py).
SITE_TEMPLATE = "site_template"

REJECTED: dict[str, str] = {
    UNREADABLE: "the file (or archive) could not be opened or read; the message says why",
    OUTSIDE_INPUT: "a link whose target is outside INPUT (followed only with --follow-links)",
    BROKEN_LINK: "a link whose target does not exist",
    SYMLINK_LOOP: "a link that leads back to itself",
    NOT_A_REGULAR_FILE: "a device, FIFO or socket",
    UNSUPPORTED_TYPE: "not .txt, .md, .html, .htm, .jsonl, .warc or .wet (optionally .gz)",
    TOO_LARGE: "more bytes than [limits] max_file_bytes (a file) or max_record_bytes (a record)",
    TOO_LARGE_EXPANDED: "a .gz file that expands past [limits] max_expanded_bytes",
    TOO_MANY_LINES: "more lines than [limits] max_lines",
    BAD_GZIP: "a truncated or corrupt gzip stream",
    INVALID_JSON: "a JSON Lines record that is not valid JSON",
    BAD_RECORD: "a JSON Lines record that is not an object, or has no text or HTML field",
    EMPTY: "no bytes, only whitespace, a blank text field, or no records",
    BAD_WARC: "a web archive that warcio cannot read",
    HTTP_STATUS: "a web archive response whose HTTP status is not 2xx",
    UNSUPPORTED_MEDIA_TYPE: "a web archive response that is neither HTML nor plain text",
    BINARY: "bytes that are not text (NUL bytes, control characters, a known file signature)",
    UNDECODABLE: "no codec reads the bytes as plausible text",
    UNPARSABLE_HTML: "the HTML parser raised on the page",
    NO_MAIN_TEXT: "the extractor found no main text in the page",
    LINE_TOO_LONG: "a line longer than [limits] max_line_chars (HTML is not checked)",
    TIME_LIMIT: "still being cleaned after the time its size allows ([limits] "
                "max_seconds_per_document, max_seconds_per_megabyte)",
    INTERNAL_ERROR: "a cleaner raised on it; the message names the error",
    LANGUAGE_FILTERED: "its language is not in [language] keep",
    WORKER_DIED: "the worker process died twice while cleaning it (out of memory, a crash)",
}
REMOVED: dict[str, str] = {
    SITE_TEMPLATE: "a short line recurring with its neighbours in many articles of its site",
}
