"""Main text and metadata of an HTML page, through trafilatura.

trafilatura is the user's choice for HTML. We call it with comments excluded (reader
comments are not the article) and ask for its metadata, which becomes the `title`,
`url`, `published` and `sitename` columns. Its output already has one paragraph per line,
which is what the line-level boilerplate pass expects. trafilatura's own cross-document
deduplication is left off: it keeps an LRU cache between calls (module state), and
paragraph deduplication is our dedup stage's job, with reasons and a kept copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura
from trafilatura.settings import set_date_params

from cleaners.records import Rejection


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """How trafilatura is asked to extract the main text.

    favor_precision / favor_recall: trafilatura's own trade-off switches; both off is its
        balanced default, which measured best on ../shared/eval/html_pages (see
        docs/benchmarks.md).
    include_tables: tables in articles are usually content (results, figures).
    extensive_date_search: let htmldate search the whole page (free text, with
        dateparser) for the publication date when the markup gives none. Off: on
        ../shared/eval/html_pages it found 219 dates of 250 pages instead of 249 (none
        different), but dateparser compiles its language data on its first call in each
        worker process (7.3 s measured), and the search made the median page's
        extraction slower (60 pages: 8.2 s off, 11.3 s on after that one-off).
    """

    favor_precision: bool = False
    favor_recall: bool = False
    include_tables: bool = True
    extensive_date_search: bool = False


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text of a page (one paragraph per line) and what trafilatura found about it."""

    text: str
    title: str | None
    url: str | None
    published: str | None
    sitename: str | None


def extract_html(html: str, *, url: str | None = None,
                 config: ExtractConfig = ExtractConfig()) -> Extracted | Rejection:
    """Extract the main text of `html`, or say why there is none.

    >>> body = " ".join(f"Sentence number {i} says something about the weather." for i in range(8))
    >>> page = f"<html><body><nav>Home</nav><article><p>{body}</p></article></body></html>"
    >>> extract_html(page).text.startswith("Sentence number 0")
    True
    >>> extract_html("<html><body></body></html>").reason
    'no_main_text'
    """
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=config.include_tables,
            favor_precision=config.favor_precision,
            favor_recall=config.favor_recall,
            with_metadata=True,
            deduplicate=False,
            # trafilatura's own date defaults (original date, none later than today),
            # with the extensive search as configured.
            date_extraction_params=set_date_params(config.extensive_date_search),
        )
    except (ValueError, TypeError, RecursionError) as error:
        # lxml refuses some malformed or absurdly nested documents by raising; the
        # page is then recorded as rejected instead of stopping the batch.
        return Rejection("unparsable_html", f"{type(error).__name__}: {error}"[:500])
    found = doc.as_dict() if isinstance(doc, trafilatura.settings.Document) else doc or {}
    text = found.get("text") or ""
    if not text.strip():
        return Rejection("no_main_text", "trafilatura found no main text in the page")
    return Extracted(
        text=text,
        title=_clean(found.get("title")),
        url=_clean(found.get("url")) or url,
        published=_clean(found.get("date")),
        sitename=_clean(found.get("sitename")),
    )


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
