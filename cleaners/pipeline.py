"""The ordered stages that turn one raw document into clean paragraphs, for a batch.

Reading top to bottom is the order a document travels:

    decode bytes -> extract HTML main text -> repair and normalize -> strip boilerplate
    -> detect language (document, then long paragraphs)

Deduplication and template lines look across documents, so they are decided later by
the flow over the whole run (see `cleaners.dedup` and `cleaners.templates`) and applied
to these results (`flows` does the applying). Everything here is pure: a `Toolkit`
holds what is costly to build (compiled lexicon, language profiles) and is created once
per worker process.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from cleaners.boilerplate import BoilerplateConfig, Lexicon, load_lexicon, strip_boilerplate
from cleaners.dates import parse_date
from cleaners.decode import declared_charset, decode_bytes
from cleaners.extract import ExtractConfig, Extracted, extract_html
from cleaners.language import LanguageConfig, LanguageDetector
from cleaners.normalize import NormalizeConfig, normalize_text
from cleaners.records import Rejection, Removal


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input document before cleaning, as read from a file or a JSON Lines record.

    `data` is bytes when read from a file (decoded here) and str when it came from a
    JSON Lines record (JSON is already text). `kind` is "text" or "html". `published`
    is the date string as the record gives it; `charset` one the container declared
    (a WARC record's HTTP Content-Type); `metadata` the record's other fields as JSON;
    `captured` when the page was fetched (WARC-Date), the date of last resort: a page's
    own date comes first, and a capture is never before publication.
    """

    doc_id: str
    source: str
    record: int | None
    kind: str
    data: bytes | str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    language_hint: str | None = None
    metadata: str | None = None
    charset: str | None = None
    captured: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A kept line of clean text: its 0-based position in the document, its 1-based line
    number in the normalized text, and its language."""

    position: int
    line: int
    text: str
    language: str
    language_score: float


@dataclass(frozen=True, slots=True)
class CleanDocument:
    """A document after the per-document stages, before cross-document decisions."""

    doc_id: str
    source: str
    record: int | None
    kind: str
    url: str | None
    title: str | None
    sitename: str | None
    published: datetime | None
    published_raw: str | None
    encoding: str
    repaired: bool
    chars_in: int
    language: str
    language_score: float
    paragraphs: tuple[Paragraph, ...]
    removed: tuple[Removal, ...]
    language_hint: str | None = None
    metadata: str | None = None


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """The settings of every per-document stage; built from the user's config file."""

    extract: ExtractConfig = field(default_factory=ExtractConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)


class Toolkit:
    """What the stages need that is costly to build: made once per worker process.

    The lexicon and the detector can be passed in, so that callers holding several
    configs (per-site boilerplate settings) share one language detector.
    """

    def __init__(self, config: PipelineConfig, *, lexicon: Lexicon | None = None,
                 detector: LanguageDetector | None = None) -> None:
        self.config = config
        self.lexicon: Lexicon = lexicon or load_lexicon(config.boilerplate)
        # Tables trafilatura keeps are tables it judged part of the main text (results,
        # figures, vocabulary lists), so `table_row`, which is for plain text where a
        # |cell|cell| row is page layout, is off for them. On ../shared/eval/html_pages
        # it removed three "with" snippets and no "without" one.
        self.html_lexicon: Lexicon = (
            replace(self.lexicon, structural_off=self.lexicon.structural_off | {"table_row"})
            if config.extract.include_tables else self.lexicon
        )
        self.detector = detector or LanguageDetector(config.language)


def clean_document(raw: RawDocument, tools: Toolkit) -> CleanDocument | Rejection:
    """Run the per-document stages on `raw`; a document that cannot be cleaned is a
    `Rejection` with a reason, never an exception."""
    if isinstance(raw.data, bytes):
        declared = raw.charset or (declared_charset(raw.data) if raw.kind == "html" else None)
        decoded = decode_bytes(raw.data, declared=declared)
        if isinstance(decoded, Rejection):
            return decoded
        text, encoding = decoded.text, decoded.encoding
    else:
        text, encoding = raw.data, "utf-8"
    chars_in = len(text)

    meta = Extracted(text=text, title=raw.title, url=raw.url, published=raw.published,
                     sitename=None)
    dates = [raw.published]
    if raw.kind == "html":
        extracted = extract_html(text, url=raw.url, config=tools.config.extract)
        if isinstance(extracted, Rejection):
            return extracted
        meta = Extracted(
            text=extracted.text,
            title=raw.title or extracted.title,
            url=raw.url or extracted.url,
            published=raw.published or extracted.published,
            sitename=extracted.sitename,
        )
        dates.append(extracted.published)
    published, published_raw = _published([*dates, raw.captured])

    normalized = normalize_text(meta.text, tools.config.normalize)
    title = normalize_text(meta.title, tools.config.normalize).text if meta.title else None
    lexicon = tools.html_lexicon if raw.kind == "html" else tools.lexicon
    stripped = strip_boilerplate(normalized.text.split("\n"), lexicon, title=title)

    texts = [line.text for line in stripped.kept]
    document_language = tools.detector.detect("\n".join(texts))
    paragraph_languages = tools.detector.detect_paragraphs(texts, document_language)
    paragraphs = tuple(
        Paragraph(position=position, line=line.number, text=line.text,
                  language=guess.language, language_score=guess.score)
        for position, (line, guess) in enumerate(zip(stripped.kept, paragraph_languages,
                                                      strict=True))
    )
    return CleanDocument(
        doc_id=raw.doc_id, source=raw.source, record=raw.record, kind=raw.kind,
        url=meta.url, title=title, sitename=meta.sitename, published=published,
        published_raw=published_raw, encoding=encoding, repaired=normalized.repaired,
        chars_in=chars_in,
        language=document_language.language, language_score=document_language.score,
        paragraphs=paragraphs, removed=stripped.removed, language_hint=raw.language_hint,
        metadata=raw.metadata,
    )


def _published(candidates: list[str | None]) -> tuple[datetime | None, str | None]:
    """The first candidate that reads as a date, with its string; else the first string.

    The record's own date comes first, then the page's metadata (trafilatura's), then
    the capture date.

    >>> _published([None, "8 March 2024"])[0].isoformat()
    '2024-03-08T00:00:00+00:00'
    >>> _published(["soon", None])
    (None, 'soon')
    """
    for raw in candidates:
        moment = parse_date(raw)
        if moment is not None:
            return moment, raw
    return None, next((raw for raw in candidates if raw), None)
