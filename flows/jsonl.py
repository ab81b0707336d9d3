"""Which keys of a JSON Lines record hold what: the `[jsonl]` mapping of the config.

Crawlers name their fields differently: trafilatura's JSON output has `text`, `date`,
`hostname`, `id`; news-please writes `maintext`, `date_publish`, `language`; a Scrapy
feed holds whatever its item defines (`body`, `published_at`, ...); datatrove and
Common Crawl derived sets nest the URL and date under `metadata`. Each field of
`JsonlFields` is a list of keys or dotted paths (`meta.published`), tried in order: the
first one present with a usable value wins. Everything in the record that no chosen
path took (but nulls) passes through, as JSON text, to the documents' `metadata` column,
so nothing a crawler wrote is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

# String values over this size are replaced in `metadata` by a note of their length (a
# record's second copy of the page, a base64 image): the column is for facts about the
# document, not bodies.
METADATA_VALUE_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class JsonlFields:
    """The keys or dotted paths read for each column, first present wins.

    text: the document's plain text. `text` (trafilatura, datatrove, most feeds),
        `maintext` (news-please), `content`, `body`, `maincontent`, `raw_text`
        (trafilatura's text before its own cleaning), `article`.
    html: the page's HTML, used when no text field is present: it is then extracted
        as an HTML page is.
    url: `url`, `link`, `source_url`, `canonical_url`, and trafilatura's `source`
        (which holds the URL there), then `metadata.url` / `meta.url`.
    title: `title`, `headline`, `title_page` (news-please), then under metadata/meta.
    date: the publication date: `published`, `date` (trafilatura, CC-News),
        `published_at`, `date_publish` (news-please), `datePublished` (schema.org),
        `publish_date`, `pubdate`, then under meta/metadata. A crawl or download date
        (`crawl_date`, `date_download`) says when the page was fetched, not when it
        was written, so it is not read as one; it stays in `metadata`.
    id: the record's own id (`id`, `doc_id`, `_id`, `uuid`, `metadata.id`): with the
        source file it makes the `doc_id`, so a record keeps its id when lines move.
    language: a language hint (`language`, `lang`, `metadata.language`), kept in the
        `language_hint` column beside the detected `language`.
    """

    text: tuple[str, ...] = ("text", "maintext", "content", "body", "maincontent",
                             "raw_text", "article")
    html: tuple[str, ...] = ("html", "raw_html", "content_html", "body_html")
    url: tuple[str, ...] = ("url", "link", "source_url", "canonical_url", "source",
                            "metadata.url", "meta.url")
    title: tuple[str, ...] = ("title", "headline", "title_page", "metadata.title",
                              "meta.title")
    date: tuple[str, ...] = ("published", "date", "published_at", "date_publish",
                             "datePublished", "publish_date", "pubdate", "meta.published",
                             "meta.date", "metadata.published", "metadata.date")
    id: tuple[str, ...] = ("id", "doc_id", "_id", "uuid", "metadata.id", "meta.id")
    language: tuple[str, ...] = ("language", "lang", "metadata.language", "meta.language")

    def __post_init__(self) -> None:
        for item in fields(self):
            paths = getattr(self, item.name)
            if not all(isinstance(p, str) and p and "" not in p.split(".") for p in paths):
                raise ValueError(f"{item.name}: every entry must be a key or a dotted path "
                                 f"such as 'meta.published', got {list(paths)!r}")


@dataclass(frozen=True, slots=True)
class Mapped:
    """What a record gives: its body (text or HTML, or None) and the other columns."""

    body: str | None
    kind: str
    url: str | None
    title: str | None
    date: str | None
    id: str | None
    language: str | None
    metadata: str | None


def map_record(record: dict[str, Any], mapping: JsonlFields) -> Mapped:
    """The columns of one JSON Lines record under `mapping`; unused fields as metadata.

    >>> m = map_record({"maintext": "Hallo", "date_publish": "2024-03-08 10:00:00",
    ...                 "language": "de", "authors": ["A. B."]}, JsonlFields())
    >>> m.body, m.kind, m.date, m.language, m.metadata
    ('Hallo', 'text', '2024-03-08 10:00:00', 'de', '{"authors": ["A. B."]}')
    """
    used: set[str] = set()
    body, kind = _first(record, mapping.text, used, _is_text), "text"
    if body is None:
        body, kind = _first(record, mapping.html, used, _is_text), "html"
        if body is None:
            kind = "text"
    found = {name: _scalar(_first(record, getattr(mapping, name), used,
                                  _is_url if name == "url" else _is_scalar))
             for name in ("url", "title", "date", "id", "language")}
    rest = _remaining(record, used, "")
    metadata = json.dumps(rest, ensure_ascii=False, sort_keys=True) if rest else None
    return Mapped(body=body, kind=kind, metadata=metadata, **found)


def body_problem(record: dict[str, Any], mapping: JsonlFields) -> str:
    """Why a record has no body: no mapped key at all, or one of the wrong type."""
    for path in (*mapping.text, *mapping.html):
        value = _get(record, path)
        if value is not None:
            return f"'{path}' must be a string, not {type(value).__name__}"
    return (f"no text field ({', '.join(mapping.text)}) or html field "
            f"({', '.join(mapping.html)}); see [jsonl] in docs/config.md")


def _get(record: dict[str, Any], path: str) -> Any:
    # A key that itself holds dots ("meta.published" written flat) is found first.
    if path in record:
        return record[path]
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _first(record: dict[str, Any], paths: tuple[str, ...], used: set[str],
           usable: Any) -> Any:
    for path in paths:
        value = _get(record, path)
        if usable(value):
            used.add(path)
            return value
    return None


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_scalar(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_url(value: object) -> bool:
    # `source` is the URL in trafilatura's output but a publisher's name in many feeds:
    # only a value with a scheme is taken as the URL.
    return isinstance(value, str) and "://" in value


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _remaining(value: dict[str, Any], used: set[str], prefix: str) -> dict[str, Any]:
    rest: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if path in used or item is None:
            # A null says nothing: news-please writes `"text": null` beside `maintext`.
            continue
        if isinstance(item, dict) and any(u.startswith(path + ".") for u in used):
            item = _remaining(item, used, path + ".")
            if not item:
                continue
        elif isinstance(item, str) and len(item) > METADATA_VALUE_CHARS:
            item = f"<{len(item)} characters, left out of metadata>"
        rest[key] = item
    return rest
