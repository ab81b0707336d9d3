"""Finding and reading input files: kinds, gzip, JSON Lines, and what gets rejected."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.inputs import (
    InputFile,
    RejectedInput,
    _json_lines,
    content_hash,
    discover,
    read_bytes,
    read_documents,
    source_name,
)
from flows.settings import Limits


def _write(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_discover_finds_every_kind_recursively_and_rejects_the_rest(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", b"Bonjour")
    _write(tmp_path, "sub/b.HTML", b"<p>x</p>")
    _write(tmp_path, "sub/deeper/c.jsonl.gz", gzip.compress(b'{"text": "x"}\n'))
    _write(tmp_path, "notes.md", b"# Titre")
    _write(tmp_path, "image.png", b"\x89PNG\r\n")
    files, rejected = discover(tmp_path)
    assert [(f.source, f.kind, f.compressed) for f in files] == [
        ("a.txt", "text", False), ("notes.md", "text", False), ("sub/b.HTML", "html", False),
        ("sub/deeper/c.jsonl.gz", "jsonl", True)]
    assert [(r.source, r.reason) for r in rejected] == [("image.png", "unsupported_type")]


@pytest.mark.parametrize("spelling", ["absolute", "trailing_slash", "relative", "dotted"])
def test_each_source_is_the_files_path_relative_to_the_root_however_it_is_spelled(
        tmp_path: Path, spelling: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # discover works out each folder's relative path once and adds the names to it;
    # every source must still be `relpath(file, root)` (issue 20), whatever the root's
    # spelling, through a followed link to a folder outside it too.
    root = tmp_path / "in"
    for name in ("a.txt", "x/b.txt", "x/y/z/c.html", "Ärger/ü.md", "x/y/.hidden.txt"):
        _write(root, name, b"texte")
    _write(tmp_path, "other/deep/d.txt", b"texte")
    os.symlink("../other", root / "link")
    monkeypatch.chdir(tmp_path)
    given = {"absolute": root, "trailing_slash": Path(f"{root}/"), "relative": Path("in"),
             "dotted": Path("in/x/../")}[spelling]
    files, rejected = discover(given, follow_links=True)
    assert not rejected
    assert [f.source for f in files] == sorted(
        os.path.relpath(f.path, given) for f in files)
    assert [f.source for f in files] == [
        "a.txt", "link/deep/d.txt", "x/b.txt", "x/y/.hidden.txt", "x/y/z/c.html",
        "Ärger/ü.md"]


@given(st.lists(st.one_of(st.sampled_from([b"/", b"\\", b"a", b".", "é".encode(), b"\xe9",
                                           b"\n"]), st.binary(max_size=3)), max_size=12))
def test_a_source_name_is_each_parts_bytes_escaped(pieces: list[bytes]) -> None:
    # The whole per-part definition, on any name the file system can give (bytes that
    # are not UTF-8 become lone surrogates); `source_name` returns plain ASCII names as
    # they are (issue 20), which must be what this gives them.
    relative = os.fsdecode(b"".join(pieces))
    parts = relative.split(os.sep)
    escaped = (os.fsencode(part).replace(b"\\", b"\\x5c") for part in parts)
    expected = "/".join(part.decode("utf-8", "backslashreplace") for part in escaped)
    assert source_name(relative) == expected


def test_symlink_loop_is_rejected_not_followed(tmp_path: Path) -> None:
    _write(tmp_path, "d/a.txt", b"texte")
    os.symlink("..", tmp_path / "d" / "up")
    os.symlink("self.txt", tmp_path / "self.txt")
    files, rejected = discover(tmp_path)
    assert [f.source for f in files] == ["d/a.txt"]
    assert sorted((r.source, r.reason) for r in rejected) == [
        ("d/up", "symlink_loop"), ("self.txt", "symlink_loop")]


def test_non_utf8_file_name_becomes_a_printable_source(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9 et\nnouvelle ligne.txt")
    (tmp_path / name).write_bytes(b"texte")
    files, _ = discover(tmp_path)
    assert files[0].source == "caf\\xe9 et\nnouvelle ligne.txt"
    assert files[0].source.encode("utf-8")


@pytest.mark.parametrize(("payload", "limit", "reason"), [
    (gzip.compress(b"\0" * 5_000_000), 1_000_000, "too_large_expanded"),
    (gzip.compress(b"abc")[:-6], 1_000, "bad_gzip"),
    (b"not gzip at all", 1_000, "bad_gzip"),
])
def test_bad_gzip_is_rejected_within_the_limit(tmp_path: Path, payload: bytes, limit: int,
                                                reason: str) -> None:
    path = _write(tmp_path, "x.txt.gz", payload)
    file = InputFile(str(path), "x.txt.gz", "text", True, len(payload))
    result = read_bytes(file, Limits(max_expanded_bytes=limit))
    assert isinstance(result, RejectedInput)
    assert result.reason == reason


def test_concatenated_gzip_members_are_read_whole(tmp_path: Path) -> None:
    payload = gzip.compress(b"Premier. ") + gzip.compress(b"Second.")
    path = _write(tmp_path, "x.txt.gz", payload)
    file = InputFile(str(path), "x.txt.gz", "text", True, len(payload))
    assert read_bytes(file, Limits()) == b"Premier. Second."


def test_too_large_file_is_rejected_without_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.txt", b"x" * 2048)
    result = read_bytes(InputFile(str(path), "big.txt", "text", False, 2048),
                        Limits(max_file_bytes=1024))
    assert isinstance(result, RejectedInput) and result.reason == "too_large"


def test_json_lines_records_bad_lines_and_fields(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "Texte un", "url": "https://ex.fr/1", "title": "Un",
                    "published": "2020-05-07"}),
        "{broken json",
        "",
        json.dumps({"html": "<p>deux</p>"}),
        json.dumps({"text": 42}),
        json.dumps({"url": "https://ex.fr/3"}),
        json.dumps(["not", "an", "object"]),
    ]
    path = _write(tmp_path, "docs.jsonl", "\n".join(lines).encode())
    items = list(read_documents(InputFile(str(path), "docs.jsonl", "jsonl", False, 1), Limits()))
    summary = [(i.record, getattr(i, "kind", None) or i.reason) for i in items]  # type: ignore[union-attr]
    assert summary == [(1, "text"), (2, "invalid_json"), (4, "html"), (5, "bad_record"),
                       (6, "bad_record"), (7, "bad_record")]
    first = items[0]
    assert (first.url, first.title, first.published) == (  # type: ignore[union-attr]
        "https://ex.fr/1", "Un", "2020-05-07")
    assert len({i.doc_id for i in items if hasattr(i, "doc_id")}) == 2


def test_empty_json_lines_file_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.jsonl", b"\n\n")
    items = list(read_documents(InputFile(str(path), "empty.jsonl", "jsonl", False, 2), Limits()))
    assert [(i.source, i.reason) for i in items] == [("empty.jsonl", "empty")]  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "compressed"), [("x.txt", False), ("x.txt.gz", True)])
def test_too_many_lines_are_refused_while_reading(tmp_path: Path, name: str,
                                                  compressed: bool) -> None:
    # Issue 16: a 5.9 KB .gz of 3M short lines peaked at 3.6 GB once cleaned.
    raw = b"a\n" * 3_000_000
    payload = gzip.compress(raw) if compressed else raw
    path = _write(tmp_path, name, payload)
    file = InputFile(str(path), name, "text", compressed, len(payload))
    result = read_bytes(file, Limits())
    assert isinstance(result, RejectedInput)
    assert result.reason == "too_many_lines"
    assert isinstance(read_bytes(file, Limits(max_lines=3_000_000)), bytes)


def test_a_record_too_large_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    # Issue 16: a 680 KB .gz holding one 200 MB JSON line peaked at 3.4 GB. Here 20 MB
    # against a limit of 1 MB: memory stays about the size of the file's bytes.
    import tracemalloc

    big = b'{"text": "' + b"x" * 20_000_000 + b'"}'
    small = json.dumps({"text": "Le tramway reprend du service lundi."}).encode()
    data = big + b"\n" + small + b"\n"
    tracemalloc.start()
    rows = list(_json_lines("x.jsonl", data, limits=Limits(max_record_bytes=1_000_000)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [getattr(row, "reason", "document") for row in rows] == ["too_large", "document"]
    assert peak < 5_000_000


def test_a_record_with_too_many_lines_is_refused_alone() -> None:
    lines = json.dumps({"text": "ligne\n" * 300_000}).encode()
    good = json.dumps({"text": "Une seule ligne de texte."}).encode()
    rows = list(_json_lines("x.jsonl", lines + b"\n" + good, limits=Limits()))
    assert [getattr(row, "reason", "document") for row in rows] == ["too_many_lines",
                                                                   "document"]


@pytest.mark.parametrize(("name", "data", "limits"), [
    ("page.txt", "Le conseil municipal a voté le budget.\n".encode(), Limits()),
    ("page.html.gz", gzip.compress("<p>Zürich bleibt geschlossen.</p>".encode()), Limits()),
    ("feed.jsonl", b'{"text": "\\u041a\\u0438\\u0457\\u0432"}\nnot json\n', Limits()),
    ("bomb.txt.gz", gzip.compress(b"a\n" * 5000), Limits(max_expanded_bytes=1000)),
    ("big.txt", "長い文書です。".encode() * 100, Limits(max_file_bytes=100)),
    ("empty.md", b"", Limits()),
])
def test_a_file_read_for_cleaning_is_hashed_from_the_same_read(
        tmp_path: Path, name: str, data: bytes, limits: Limits) -> None:
    # Read once (issue 20): the hash taken while reading equals a hash of the file alone,
    # whatever becomes of its content (documents, rejected records, a refused file).
    path = _write(tmp_path, name, data)
    [file] = discover(tmp_path)[0]
    hashes: dict[str, str] = {}
    with_hash = list(read_documents(file, limits, None, hashes))
    assert hashes == {file.source: content_hash(str(path))}
    assert with_hash == list(read_documents(file, limits))


def test_a_web_archive_is_hashed_and_an_unreadable_file_is_not(tmp_path: Path) -> None:
    archive = Path(__file__).parent / "data" / "warc" / "example.warc.gz"
    _write(tmp_path, "a.warc.gz", archive.read_bytes())
    [file] = discover(tmp_path)[0]
    hashes: dict[str, str] = {}
    assert [d.source for d in read_documents(file, Limits(), None, hashes)] == ["a.warc.gz#784"]
    assert hashes == {"a.warc.gz": content_hash(str(tmp_path / "a.warc.gz"))}
    gone = InputFile(str(tmp_path / "gone.txt"), "gone.txt", "text", False, 10)
    hashes.clear()
    assert [r.reason for r in read_documents(gone, Limits(), None, hashes)] == ["unreadable"]
    assert hashes == {}


@pytest.mark.parametrize(("found", "size", "limit"), [
    (5, 50, 1024),   # grew since it was found, within the limit: read whole
    (5, 50, 20),     # grew past the limit: one byte more than allowed, as before
    (50, 50, 50),    # exactly the limit
    (40, 50, 49),    # found within it, past it now
    (0, 0, 10),      # empty
])
def test_a_file_is_read_whole_whatever_its_size_when_found(
        tmp_path: Path, found: int, size: int, limit: int) -> None:
    data = bytes(range(size))
    path = _write(tmp_path, "a.txt", data)
    file = InputFile(str(path), "a.txt", "text", False, found)
    hashes: dict[str, str] = {}
    assert read_bytes(file, Limits(max_file_bytes=limit), hashes) == data[:limit + 1]
    assert hashes == {"a.txt": content_hash(str(path))}


def test_a_short_read_is_read_on_to_the_end(tmp_path: Path) -> None:
    import io

    from flows.inputs import _read_at_most

    class Trickle(io.FileIO):
        def read(self, size: int = -1) -> bytes:  # a network file system's short reads
            return super().read(min(size, 3) if size >= 0 else 3)

    path = _write(tmp_path, "a.txt", b"0123456789" * 5)
    with Trickle(str(path), "rb") as handle:
        assert _read_at_most(handle, 1000) == b"0123456789" * 5
    with Trickle(str(path), "rb") as handle:
        assert _read_at_most(handle, 20) == (b"0123456789" * 5)[:21]
