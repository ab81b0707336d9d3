"""WARC and WET input: one document per response, resource or conversion record.

Web archives are how crawls are stored and exchanged (ISO 28500; Common Crawl's WARC
and WET files). Records are read one at a time with warcio (webrecorder's reader: gzip
per record or whole file, chunked and compressed HTTP bodies), so a 1 GB archive never
has more than one record's payload in memory, bounded by `[limits] max_file_bytes`.

- `response` records (HTTP captures): HTML or plain text by the HTTP Content-Type,
  its charset passed on to decoding; a status outside 2xx is rejected (`http_status`).
- `resource` and `conversion` records (WET text extracts): by the record's own
  Content-Type.
- Any other media type (images, PDF, scripts, styles) is rejected
  (`unsupported_media_type`), as is a payload over the size limit (`too_large`).
- `warcinfo`, `request`, `metadata` and `revisit` records describe a capture and hold no
  page of their own: they are not documents and leave no row.

The URL is WARC-Target-URI; WARC-Date (the capture) is the date of last resort, after
the page's own; `source` is `file#offset`, the record's byte offset in the file, which
`warcio` or `dd` can seek to; `doc_id` comes from the WARC-Record-ID (stable across runs
and record moves), or the offset when a record has none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from cleaners import reasons
from cleaners.pipeline import RawDocument
from flows.inputs import InputFile, RejectedInput, doc_id_for
from flows.settings import Limits

CONTENT_RECORDS = frozenset({"response", "resource", "conversion"})
MEDIA_KINDS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}
# A record source is `file#offset`; the file part is what incremental runs match on.
_RECORD_SUFFIX = r"(?i)(\.(?:warc|wet)(?:\.gz)?)#\d+$"


def warc_documents(file: InputFile, limits: Limits) -> Iterator[RawDocument | RejectedInput]:
    """The documents of one WARC or WET file, and a rejected row for each unusable record."""
    try:
        handle = open(file.path, "rb")  # noqa: SIM115 - closed below, after the generator
    except OSError as error:
        yield RejectedInput(file.source, None, reasons.UNREADABLE, str(error))
        return
    with handle:
        records = ArchiveIterator(handle)
        number = found = 0
        try:
            for record in records:
                number += 1
                if record.format != "warc":
                    # warcio reads any line of words as an old ARC header.
                    yield RejectedInput(file.source, None, reasons.BAD_WARC,
                                        f"record {number} is not a WARC record")
                    return
                if record.rec_type not in CONTENT_RECORDS:
                    continue
                found += 1
                payload = record.content_stream().read(limits.max_file_bytes + 1)
                # The offset is known once the record is read to its end.
                offset = records.get_record_offset()
                yield _document(file, record, number, offset, payload, limits)
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as error:
            # A damaged archive keeps the records read before the damage.
            yield RejectedInput(file.source, None, reasons.BAD_WARC,
                                f"record {number + 1}: {type(error).__name__}: {error}"[:500])
            return
    if found == 0:
        yield RejectedInput(file.source, None, reasons.EMPTY,
                            f"no response, resource or conversion record in {number} records")


def _document(file: InputFile, record: object, number: int, offset: int, payload: bytes,
              limits: Limits) -> RawDocument | RejectedInput:
    headers = record.rec_headers  # type: ignore[attr-defined]
    http = record.http_headers  # type: ignore[attr-defined]
    source = f"{file.source}#{offset}"
    if http is not None and record.rec_type == "response":  # type: ignore[attr-defined]
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return RejectedInput(source, number, reasons.HTTP_STATUS,
                                 f"HTTP status {status or 'missing'}, not a page")
        content_type = http.get_header("Content-Type")
    else:
        content_type = headers.get_header("Content-Type")
    media, charset = _media_type(content_type)
    kind = MEDIA_KINDS.get(media) if media else _sniff(payload)
    if kind is None:
        return RejectedInput(source, number, reasons.UNSUPPORTED_MEDIA_TYPE,
                             f"{media}: not HTML or plain text")
    if len(payload) > limits.max_file_bytes:
        return RejectedInput(source, number, reasons.TOO_LARGE,
                             f"payload over the limit of {limits.max_file_bytes} bytes")
    record_id = headers.get_header("WARC-Record-ID")
    key = f"warc:{record_id}" if record_id else f"offset:{offset}"
    meta = {name: value for name, value in headers.headers if name.lower().startswith("warc-")}
    if http is not None:
        meta["http-status"] = http.get_statuscode()
    return RawDocument(
        doc_id=doc_id_for(file.source, key), source=source, record=number, kind=kind,
        data=payload, url=headers.get_header("WARC-Target-URI") or None,
        captured=headers.get_header("WARC-Date") or None, charset=charset,
        # Common Crawl's WET records name the languages their classifier found.
        language_hint=headers.get_header("WARC-Identified-Content-Language") or None,
        metadata=json.dumps(meta, ensure_ascii=False, sort_keys=True),
    )


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """The media type and charset of a Content-Type value.

    >>> _media_type('text/html; charset="ISO-8859-1"')
    ('text/html', 'ISO-8859-1')
    >>> _media_type(None)
    (None, None)
    """
    if not content_type:
        return None, None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media.strip().lower() or None, charset


def _sniff(payload: bytes) -> str:
    # No Content-Type at all: markup at the start is a page, anything else plain text
    # (decoding still refuses binary bytes, as `binary`).
    head = payload[:1024].lstrip().lower()
    return "html" if head.startswith((b"<!doctype html", b"<html", b"<?xml")) else "text"


def input_files(sources: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The input file of each source: a WARC record's `file#offset` becomes `file`."""
    return pc.replace_substring_regex(sources, _RECORD_SUFFIX, r"\1")
