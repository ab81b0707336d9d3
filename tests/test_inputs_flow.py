"""Crawler input end to end through the flow: JSONL mappings, WARC, dates as timestamps,
include/exclude, and site rules for every kind of page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from flows.clean_corpus import clean_corpus
from flows.storage import DOCUMENTS
from tests.test_warc import REAL, _write_archive

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]

CRAWLERS = Path(__file__).parent / "data" / "crawlers"
BODY = " ".join(f"Le conseil municipal a voté la rénovation de la place numéro {n}."
                for n in range(6))
PAGE = ("<html><head><title>Rénovation</title>"
        "<link rel='canonical' href='https://www.journal-exemple.fr/ville/place'></head>"
        f"<body><article><p>{BODY}</p><p>Abonnez-vous au Journal Exemple pour tout lire.</p>"
        "</article></body></html>")
CONFIG = """
[input]
exclude = ["**/gold.jsonl"]

[sites."journal-exemple.fr"]
extra_patterns = [["^Abonnez-vous au Journal Exemple", "subscribe_prompt"]]
"""


@pytest.fixture(scope="module")
def crawl_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crawl")
    folder = root / "in"
    shutil.copytree(CRAWLERS, folder / "jsonl")
    shutil.copy(REAL / "example.warc.gz", folder / "example.warc.gz")
    _write_archive(folder / "written.warc.gz")
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    (folder / "jsonl" / "gold.jsonl").write_text('{"source": "x"}\n' * 250, encoding="utf-8")
    (root / "textclean.toml").write_text(CONFIG, encoding="utf-8")
    clean_corpus(input_dir=str(folder), output=str(root / "out"),
                 config_file=str(root / "textclean.toml"), workers=1)
    return root / "out"


def _rows(out: Path, name: str) -> list[dict[str, Any]]:
    return ds.dataset(out / name, format="parquet").to_table().to_pylist()


def test_published_is_a_utc_timestamp_equal_across_formats(crawl_out: Path) -> None:
    table = ds.dataset(crawl_out / "documents", format="parquet").to_table()
    assert table.schema.field("published").type == pa.timestamp("us", tz="UTC")
    assert table.schema.equals(DOCUMENTS)
    march_8 = {d["published_raw"] for d in table.to_pylist()
               if d["published"] is not None and d["published"].isoformat()
               == "2024-03-08T00:00:00+00:00"}
    # trafilatura's date, news-please's two, Scrapy's epoch and nested name, datatrove's
    # offset: six spellings of one instant.
    assert march_8 == {"2024-03-08", "2024-03-08 00:00:00", "Fri, 08 Mar 2024 00:00:00 GMT",
                       "1709856000", "8 March 2024", "2024-03-08T01:00:00+01:00"}


def test_warc_records_are_documents_named_by_offset(crawl_out: Path) -> None:
    docs = {d["source"]: d for d in _rows(crawl_out, "documents")}
    example = docs["example.warc.gz#784"]
    assert example["url"] == "http://example.com/"
    assert example["published_raw"] == "2017-03-06T04:02:06Z"
    assert json.loads(example["metadata"])["WARC-Type"] == "response"
    written = [d for s, d in docs.items() if s.startswith("written.warc.gz#")]
    assert sorted(d["language"] for d in written) == ["fi", "ru"]
    rejected = {(r["source"].split("#")[0], r["reason"]) for r in _rows(crawl_out, "rejected")}
    assert rejected == {("written.warc.gz", "http_status"),
                        ("written.warc.gz", "unsupported_media_type")}


def test_excluded_files_are_not_read_and_metadata_passes_through(crawl_out: Path) -> None:
    assert not [r for r in _rows(crawl_out, "rejected") if "gold" in r["source"]]
    news = duckdb.sql(
        f"select metadata, language_hint from '{crawl_out}/documents/*.parquet' "
        "where source = 'jsonl/news_please.jsonl' order by record").fetchall()
    assert json.loads(news[0][0])["authors"] == ["María López"]
    assert [hint for _, hint in news] == ["es", "en"]


def test_site_rules_apply_to_an_html_file_by_its_canonical_url(crawl_out: Path) -> None:
    removed = [r for r in _rows(crawl_out, "removed") if r["source"] == "page.html"]
    assert [r["reason"] for r in removed] == ["subscribe_prompt"]


def test_partition_by_language_reads_back_the_same_rows(crawl_out: Path) -> None:
    folder = crawl_out.parent / "in"
    out = crawl_out.parent / "partitioned"
    config = str(crawl_out.parent / "textclean.toml")
    first = clean_corpus(input_dir=str(folder), output=str(out), config_file=config,
                         workers=1, partition_by="language")
    (folder / "jsonl" / "late.jsonl").write_text(
        json.dumps({"text": "Una noticia más llegó tarde al archivo, pero llegó entera."}),
        encoding="utf-8")
    second = clean_corpus(input_dir=str(folder), output=str(out), config_file=config,
                          workers=1, partition_by="language")
    (folder / "jsonl" / "late.jsonl").unlink()
    assert second["counts"]["unchanged_files_skipped"] == first["counts"]["input_files"]
    assert sorted(p.name for p in (out / "documents").iterdir())[:3] == [
        "language=de", "language=en", "language=es"]
    flat = {d["doc_id"]: d["language"] for d in _rows(crawl_out, "documents")}
    hive = ds.dataset(out / "documents", format="parquet", partitioning="hive").to_table()
    by_duckdb = duckdb.sql(f"select doc_id, language from read_parquet("
                           f"'{out}/documents/**/*.parquet', hive_partitioning=true)").fetchall()
    expected = len(flat) + 1
    assert hive.num_rows == len(by_duckdb) == expected
    assert set(flat.items()) < set(by_duckdb)
    assert dict(zip(hive["doc_id"].to_pylist(), hive["language"].to_pylist(),
                    strict=True)) == dict(by_duckdb)
    [(count, languages)] = duckdb.sql(
        f"select count(*), count(distinct language) from read_parquet("
        f"'{out}/paragraphs/**/*.parquet', hive_partitioning=true)").fetchall()
    assert count > expected and languages >= 6
