"""WARC and WET input (flows/warc.py): real archives and one written here with warcio."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaners.pipeline import RawDocument, Toolkit, clean_document
from flows.batch import toolkit
from flows.inputs import InputFile, RejectedInput, classify, read_documents
from flows.settings import Limits, Settings

REAL = Path(__file__).parent / "data" / "warc"

RU_PAGE = ("<html><head><title>Новости города</title></head><body><article>"
           + "".join(f"<p>Городской совет утвердил план ремонта улиц на {n} год. Работы "
                     "начнутся весной и продлятся до осени.</p>" for n in range(2025, 2029))
           + "</article></body></html>")
WET_TEXT = ("Kaupunginvaltuusto hyväksyi uuden kirjaston rakentamisen keskustaan.\n"
            "Rakennustyöt alkavat ensi vuonna ja kestävät kaksi vuotta.")


def _read(path: Path, limits: Limits | None = None) -> list[RawDocument | RejectedInput]:
    kind, compressed = classify(path.name)
    assert kind == "warc"
    file = InputFile(str(path), path.name, kind, compressed, path.stat().st_size)
    return list(read_documents(file, limits or Limits()))


def _write_archive(path: Path, *, lead: bool = False) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.name.endswith(".gz"))

        def response(url: str, status: str, content_type: str, body: bytes,
                     record_id: str) -> None:
            http = StatusAndHeaders(status, [("Content-Type", content_type)],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": record_id,
                                   "WARC-Date": "2024-03-09T06:00:00Z"}))

        if lead:
            response("https://example.org/new", "200 OK", "text/plain",
                     "Une page ajoutée en tête de l'archive.".encode(), "<urn:uuid:lead>")
        writer.write_record(writer.create_warc_record(
            "https://gorod.example.ru/news/1", "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders("GET /news/1 HTTP/1.1", [], is_http_request=True)))
        response("https://gorod.example.ru/news/1", "200 OK", "text/html; charset=windows-1251",
                 RU_PAGE.encode("cp1251"), "<urn:uuid:ru>")
        response("https://gorod.example.ru/logo.png", "200 OK", "image/png",
                 b"\x89PNG\r\n\x1a\n" + bytes(200), "<urn:uuid:png>")
        response("https://gorod.example.ru/gone", "404 Not Found", "text/html",
                 b"<html><body>Not found</body></html>", "<urn:uuid:404>")
        writer.write_record(writer.create_warc_record(
            "https://uutiset.example.fi/kirjasto", "conversion",
            payload=io.BytesIO(WET_TEXT.encode()),
            warc_headers_dict={"Content-Type": "text/plain", "WARC-Record-ID": "<urn:uuid:wet>",
                               "WARC-Date": "2024-03-09T06:00:01Z",
                               "WARC-Identified-Content-Language": "fin"}))


def test_a_real_archive_gives_its_page_with_url_date_and_offset() -> None:
    items = _read(REAL / "example.warc.gz")
    [doc] = items  # warcinfo, request and revisit records are not documents
    assert isinstance(doc, RawDocument)
    assert (doc.source, doc.url, doc.captured) == (
        "example.warc.gz#784", "http://example.com/", "2017-03-06T04:02:06Z")
    with (REAL / "example.warc.gz").open("rb") as handle:
        handle.seek(784)
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_headers.get_header("WARC-Target-URI") == doc.url
    clean = clean_document(doc, toolkit(Settings().pipeline))
    assert not isinstance(clean, RejectedInput)
    assert "illustrative examples" in clean.paragraphs[0].text  # type: ignore[union-attr]
    assert clean.published is not None and clean.published.year == 2017  # type: ignore[union-attr]


def test_a_real_chunked_capture_is_read_whole_with_its_charset() -> None:
    [doc] = _read(REAL / "example-iana.org-chunked.warc")
    assert isinstance(doc, RawDocument) and doc.charset == "UTF-8"
    assert doc.data.rstrip().endswith(b"</html>")  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz", "CC-MAIN-x.warc.wet.gz"])
def test_a_written_archive_documents_and_rejections(tmp_path: Path, name: str) -> None:
    _write_archive(tmp_path / name)
    items = _read(tmp_path / name)
    docs = [i for i in items if isinstance(i, RawDocument)]
    rejected = sorted((r.reason, r.record) for r in items if isinstance(r, RejectedInput))
    assert [d.url for d in docs] == ["https://gorod.example.ru/news/1",
                                     "https://uutiset.example.fi/kirjasto"]
    assert rejected == [("http_status", 4), ("unsupported_media_type", 3)]
    assert all(r.source.startswith(f"{name}#") for r in items)
    tools: Toolkit = toolkit(Settings().pipeline)
    ru, fi = (clean_document(d, tools) for d in docs)
    assert ru.encoding == "cp1251" and ru.language == "ru"  # type: ignore[union-attr]
    assert "Городской совет" in ru.paragraphs[0].text  # type: ignore[union-attr]
    assert fi.language == "fi" and docs[1].language_hint == "fin"  # type: ignore[union-attr]


def test_doc_id_is_stable_across_runs_and_record_moves(tmp_path: Path) -> None:
    _write_archive(tmp_path / "a.warc.gz")
    _write_archive(tmp_path / "b.warc.gz", lead=True)
    first = {d.url: d.doc_id for d in _read(tmp_path / "a.warc.gz") if isinstance(d, RawDocument)}
    again = {d.url: d.doc_id for d in _read(tmp_path / "a.warc.gz") if isinstance(d, RawDocument)}
    assert first == again
    (tmp_path / "a.warc.gz").write_bytes((tmp_path / "b.warc.gz").read_bytes())
    moved = {d.url: (d.doc_id, d.source) for d in _read(tmp_path / "a.warc.gz")
             if isinstance(d, RawDocument)}
    assert moved["https://gorod.example.ru/news/1"][0] == first["https://gorod.example.ru/news/1"]
    assert len(moved) == 3


@pytest.mark.parametrize(("data", "reason"), [
    (b"this is not a web archive at all\n", "bad_warc"),
    (gzip.compress(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n"), "empty"),
])
def test_a_damaged_or_pageless_archive_is_rejected(tmp_path: Path, data: bytes,
                                                   reason: str) -> None:
    path = tmp_path / "broken.warc.gz"
    path.write_bytes(data)
    assert [r.reason for r in _read(path) if isinstance(r, RejectedInput)] == [reason]


def test_a_payload_over_the_limit_is_rejected(tmp_path: Path) -> None:
    _write_archive(tmp_path / "c.warc")
    items = _read(tmp_path / "c.warc", Limits(max_file_bytes=100))
    assert {r.reason for r in items if isinstance(r, RejectedInput)} >= {"too_large"}
    assert not [d for d in items if isinstance(d, RawDocument) and d.kind == "html"]
