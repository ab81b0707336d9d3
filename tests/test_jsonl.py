"""JSON Lines records as crawlers write them: the [jsonl] mapping, metadata and doc_id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaners.dates import parse_date
from cleaners.pipeline import RawDocument
from flows.inputs import InputFile, RejectedInput, read_documents
from flows.jsonl import JsonlFields, map_record
from flows.settings import ConfigError, Limits, load_settings

CRAWLERS = Path(__file__).parent / "data" / "crawlers"


def _read(path: Path, mapping: JsonlFields | None = None) -> list[RawDocument | RejectedInput]:
    file = InputFile(str(path), path.name, "jsonl", False, path.stat().st_size)
    return list(read_documents(file, Limits(), mapping))


def _documents(path: Path, mapping: JsonlFields | None = None) -> list[RawDocument]:
    items = _read(path, mapping)
    assert not [i for i in items if isinstance(i, RejectedInput)]
    return [i for i in items if isinstance(i, RawDocument)]


@pytest.mark.parametrize(("crawler", "url", "language", "metadata_keys"), [
    ("trafilatura", "https://www.macommune.info/actualites/tramway-vaites", "fr",
     {"author", "hostname", "fingerprint", "categories", "excerpt", "source-hostname"}),
    ("news_please", "https://www.diariodelsur.es/cultura/bibliotecas", "es",
     {"authors", "date_download", "description", "source_domain", "filename"}),
    ("scrapy_feed", "https://www.uutiset-esimerkki.fi/kotimaa/juna", "fi",
     {"section", "crawl_date", "meta"}),
    ("datatrove", "https://www.cronaca-locale.it/cultura/museo", "it", {"metadata"}),
])
def test_default_mapping_reads_each_crawler(crawler: str, url: str, language: str,
                                           metadata_keys: set[str]) -> None:
    first = _documents(CRAWLERS / f"{crawler}.jsonl")[0]
    assert first.kind == "text" and len(first.data) > 60
    assert first.url == url
    assert first.title or crawler == "datatrove"
    assert first.language_hint == language
    metadata = json.loads(first.metadata or "{}")
    assert metadata_keys <= set(metadata)
    # What a path took is not repeated in metadata.
    assert not {"text", "maintext", "body", "url", "link", "title", "headline"} & set(metadata)


def test_the_crawlers_dates_are_one_instant() -> None:
    # Each fixture's first record (and the Scrapy feed's second, nested under meta)
    # says 8 March 2024 00:00 UTC in its own format.
    raws = [d.published for name in ("trafilatura", "news_please", "scrapy_feed", "datatrove")
            for d in _documents(CRAWLERS / f"{name}.jsonl")]
    march_8 = parse_date("2024-03-08T00:00:00Z")
    same = [raw for raw in raws if parse_date(raw) == march_8]
    assert len(set(same)) >= 6, raws
    assert parse_date(raws[2]) == parse_date(raws[3]) == march_8


def test_a_nested_path_is_taken_and_pruned_from_metadata() -> None:
    second = _documents(CRAWLERS / "scrapy_feed.jsonl")[1]
    assert second.published == "8 March 2024"
    assert json.loads(second.metadata or "{}")["meta"] == {"spider": "news_fi"}


def test_doc_id_follows_the_record_id_or_url_not_the_line(tmp_path: Path) -> None:
    records = [{"id": "a-1", "text": "Premier article."},
               {"url": "https://example.org/b", "text": "Deuxième article."},
               {"text": "Troisième, sans id ni URL."},
               {"id": "a-1", "text": "Même id qu'un autre : la ligne le nomme."}]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    before = [d.doc_id for d in _documents(path)]
    path.write_text("\n\n" + "\n".join(json.dumps(r) for r in records), encoding="utf-8")
    after = [d.doc_id for d in _documents(path)]
    assert before[:2] == after[:2]  # id, url: stable when lines move
    assert before[2:] != after[2:]  # line numbers: not
    assert len(set(before)) == 4


def test_a_custom_mapping_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "textclean.toml"
    config.write_text('[jsonl]\ntext = "article.body"\ndate = ["article.when"]\n'
                      'id = ["guid"]\n', encoding="utf-8")
    settings = load_settings(config)
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"guid": 7, "text": "not this",
                                "article": {"body": "Der Artikel.", "when": "16.08.2019"}}),
                    encoding="utf-8")
    [doc] = _documents(path, settings.jsonl)
    assert doc.data == "Der Artikel."
    assert parse_date(doc.published) == parse_date("2019-08-16T00:00:00Z")
    assert json.loads(doc.metadata or "{}") == {"text": "not this"}


@pytest.mark.parametrize(("section", "message"), [
    ("[jsonl]\ntext = 3\n", "expected a list"),
    ("[jsonl]\ntext = ['a..b']\n", "dotted path"),
    ("[jsonl]\nbody = ['x']\n", "unknown key"),
])
def test_a_wrong_mapping_stops_the_run(tmp_path: Path, section: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(section, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_a_record_without_a_mapped_body_says_which_keys_were_looked_for(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"content": ["a list"]}\n{"summary": "no body key"}\n', encoding="utf-8")
    reasons = [(r.reason, r.message) for r in _read(path) if isinstance(r, RejectedInput)]
    assert reasons[0] == ("bad_record", "'content' must be a string, not list")
    assert reasons[1][0] == "bad_record" and "maintext" in reasons[1][1]


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)


@given(st.dictionaries(st.text(max_size=12), _JSON, max_size=8))
def test_mapping_never_loses_a_field(record: dict[str, object]) -> None:
    # Every top-level key is either taken by a path, or null, or kept in metadata.
    mapped = map_record(record, JsonlFields())
    kept = set(json.loads(mapped.metadata)) if mapped.metadata else set()
    fields = JsonlFields()
    taken = {p.split(".")[0] for name in ("text", "html", "url", "title", "date", "id",
                                          "language") for p in getattr(fields, name)}
    assert {k for k, v in record.items() if v is not None} <= kept | taken


def test_a_lone_surrogate_in_an_id_or_url_does_not_break_the_file(tmp_path: Path) -> None:
    # JSON may escape half a surrogate pair; the id is hashed as UTF-8, so it is
    # repaired (U+FFFD) first, as text is.
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "a\\ud800", "text": "Eins."}\n'
                    '{"url": "https://exemple.fr/\\udc80", "text": "Zwei.", "x": "\\udfff"}\n',
                    encoding="utf-8")
    docs = _documents(path)
    assert [d.url for d in docs] == [None, "https://exemple.fr/\ufffd"]
    assert json.loads(docs[1].metadata or "{}") == {"x": "\ufffd"}
    assert len({d.doc_id for d in docs}) == 2
