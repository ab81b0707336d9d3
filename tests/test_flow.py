"""The clean-corpus flow end to end, on the embedded Prefect server: the seeds against
their gold, the output contract, DuckDB reading it back, re-runs and cross-run dedup."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pytest

from flows import dedup_store, incremental, reindex, storage
from flows.clean_corpus import clean_corpus
from flows.cli import main
from flows.settings import Settings
from tests.conftest import SEEDS

pytestmark = pytest.mark.usefixtures("prefect_server")

_WORD = re.compile(r"\w+")


def _norm(text: str) -> str:
    # The scorer's matching: NFKC, case-folded words joined by single spaces.
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _table(out: Path, name: str) -> list[dict[str, Any]]:
    return ds.dataset(out / name, format="parquet").to_table().to_pylist()


def _stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drop = {"run_id", "processed_at"}
    return sorted(({k: v for k, v in r.items() if k not in drop} for r in rows),
                  key=lambda r: json.dumps(r, sort_keys=True, default=str))


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds") / "out"
    clean_corpus(input_dir=str(SEEDS), output=str(out))
    return out


def test_every_seed_is_a_document_with_the_contract_columns(seeds_out: Path) -> None:
    docs = _table(seeds_out, "documents")
    assert sorted(d["source"] for d in docs) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert {d["language"] for d in docs} == {"fr"}
    assert _table(seeds_out, "rejected") == []
    for name, schema in storage.SCHEMAS.items():
        assert ds.dataset(seeds_out / name, format="parquet").schema.equals(schema), name


def test_seed_content_kept_and_boilerplate_removed(seeds_out: Path, shared_eval: Path) -> None:
    docs = {d["source"]: _norm(d["text"]) for d in _table(seeds_out, "documents")}
    kept = removed = boiler = 0
    lost = []
    for line in (shared_eval / "seeds" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for text, label in zip(item["lines"], item["labels"], strict=True):
            if not _norm(text):
                continue
            present = f" {_norm(text)} " in f" {docs[item['source']]} "
            if label == 1:
                kept += present
                if not present:
                    lost.append(text)
            else:
                boiler += 1
                removed += not present
    assert lost == []
    assert removed / boiler >= 0.85


def test_every_removed_line_has_a_reason_and_counts_match(seeds_out: Path) -> None:
    removed = _table(seeds_out, "removed")
    docs = _table(seeds_out, "documents")
    assert removed and all(r["reason"] and r["rule"] for r in removed)
    assert sum(d["n_removed_lines"] for d in docs) == len(removed)
    manifest = json.loads((seeds_out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"] == len(docs)
    assert sum(manifest["removed_by_reason"].values()) == len(removed)
    paragraphs = _table(seeds_out, "paragraphs")
    for d in docs:
        mine = sorted((p for p in paragraphs if p["doc_id"] == d["doc_id"]),
                      key=lambda p: p["position"])
        assert [p["position"] for p in mine] == list(range(len(mine)))
        assert d["text"] == "\n".join(p["text"] for p in mine if p["duplicate_of_doc_id"] is None)


def test_duckdb_reads_the_output(seeds_out: Path) -> None:
    rows = duckdb.sql(
        f"select language, count(*) as n, sum(chars_out) > 0 as has_text "
        f"from read_parquet('{seeds_out}/documents/*.parquet') group by language").fetchall()
    assert rows == [("fr", 5, True)]
    reasons = duckdb.sql(
        f"select reason, count(*) from read_parquet('{seeds_out}/removed/*.parquet') "
        f"group by reason").fetchall()
    assert {reason for reason, _ in reasons} >= {"cookie_banner"}


def test_rerun_gives_identical_rows_and_ids(seeds_out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    clean_corpus(input_dir=str(SEEDS), output=str(again))
    for name in storage.TABLES:
        assert _stable(_table(again, name)) == _stable(_table(seeds_out, name)), name


def test_later_run_flags_copies_of_earlier_output_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inputs)
    clean_corpus(input_dir=str(inputs), output=str(out))
    first = _table(out, "paragraphs")
    source = (SEEDS / "004_a57ffc01d98fcf33.txt").read_text(encoding="utf-8").split("\n")
    copied = [source[1].replace("“", "«").replace("”", "»"), source[2] + " Une phrase ajoutée ici."]
    (inputs / "zzz_new.txt").write_text(
        "Un nouvel article sur un tout autre sujet, avec un titre\n\n" + "\n\n".join(copied),
        encoding="utf-8")
    clean_corpus(input_dir=str(inputs), output=str(out))
    second = _table(out, "paragraphs")
    seeds_before = _stable([p for p in first])
    seeds_after = _stable([p for p in second if not p["text"].startswith(("Un nouvel", *copied))])
    assert seeds_after == seeds_before
    new = [p for p in second if p["text"] in copied]
    assert len(new) == 2
    assert all(p["duplicate_of_doc_id"] is not None for p in new)

    # The index rebuilt from the Parquet is the one the two runs wrote, entry for entry.
    written = _index_entries(out)
    assert len(written) > 40
    monkeypatch.setattr(reindex, "SLICE_ROWS", 7)  # the paragraphs read slice by slice
    assert main(["reindex", str(out)]) == 0
    assert _index_entries(out) == written
    assert _stable(_table(out, "paragraphs")) == _stable(second)


def _index_entries(out: Path) -> list[tuple[Any, ...]]:
    version = (out / storage.HOME / "current").resolve()
    settings = Settings()
    return [(doc, position, exact, columns.band_keys[n].tolist(),
             columns.shingles[columns.shingle_offsets[n]:columns.shingle_offsets[n + 1]]
             .tolist())
            for columns in dedup_store.iter_parts(version, settings.dedup)
            for n, (doc, position, exact) in enumerate(zip(
                columns.doc_id, columns.position.tolist(), columns.exact_key.tolist(),
                strict=True))]


_HARBOUR = ("The harbour authority announced on Monday that the northern pier would close "
            "for repairs until the autumn.")
_FROST = ("Local farmers reported that the late frost had damaged most of the apple "
          "blossoms in the valley this year.")
_LIBRARY = ("A new exhibition of medieval manuscripts opened at the city library with more "
            "than two hundred items on display.")


def _texts(out: Path) -> dict[tuple[str, int | None], str]:
    return {(d["source"], d["record"]): d["text"] for d in _table(out, "documents")}


def test_a_file_read_again_replaces_all_its_earlier_entries(tmp_path: Path) -> None:
    # Records are numbered by line: dropping the first gives the others new doc_ids, and
    # the last one now carries an id whose old entry held another record's text.
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    records = [_LIBRARY, _HARBOUR, _FROST]
    (inputs / "feed.jsonl").write_text("".join(json.dumps({"text": t}) + "\n"
                                               for t in records), encoding="utf-8")
    clean_corpus(input_dir=str(inputs), output=str(out), workers=1)
    (inputs / "feed.jsonl").write_text("".join(json.dumps({"text": t}) + "\n"
                                               for t in records[1:]), encoding="utf-8")
    clean_corpus(input_dir=str(inputs), output=str(out), workers=1)
    texts = _texts(out)
    assert [texts[("feed.jsonl", n)] for n in (1, 2)] == records[1:]
    assert not any(p["duplicate_of_doc_id"] for p in _table(out, "paragraphs"))


def test_no_dedup_runs_neither_use_nor_spoil_the_index(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "a.txt").write_text(_HARBOUR + "\n", encoding="utf-8")
    clean_corpus(input_dir=str(inputs), output=str(out), workers=1)
    indexed = _index_entries(out)
    # Another [dedup] section in a run that does not dedup: the index is kept as it is.
    config = tmp_path / "other.toml"
    config.write_text("[dedup]\nbands = 20\n", encoding="utf-8")
    clean_corpus(input_dir=str(inputs), output=str(out), dedup=False, config_file=str(config),
                 workers=1)
    assert _index_entries(out) == indexed
    # a.txt changes in a run without dedup; the next dedup run cleans it again (its rows
    # were made without dedup), so the index holds its new text, not the old.
    (inputs / "a.txt").write_text(_FROST + "\n", encoding="utf-8")
    clean_corpus(input_dir=str(inputs), output=str(out), dedup=False, workers=1)
    (inputs / "old.txt").write_text(_HARBOUR + "\n", encoding="utf-8")
    (inputs / "new.txt").write_text(_FROST + "\n", encoding="utf-8")
    manifest = clean_corpus(input_dir=str(inputs), output=str(out), workers=1)
    texts = _texts(out)
    assert texts[("a.txt", None)] == _FROST
    assert texts[("old.txt", None)] == _HARBOUR, "a.txt no longer holds this text"
    assert texts[("new.txt", None)] == "", "a copy of a.txt as it is now"
    assert manifest["counts"].get("unchanged_files_skipped", 0) == 0


def test_bad_files_are_rejected_rows_and_the_run_goes_on(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    shutil.copy(SEEDS / "002_d4a370d43273cd0c.txt", inputs / "good.txt")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    (inputs / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    manifest = clean_corpus(input_dir=str(inputs), output=str(out))
    rejected = {r["source"]: r["reason"] for r in _table(out, "rejected")}
    assert rejected == {"empty.txt": "empty", "photo.jpg": "unsupported_type",
                        "binary.txt": "binary"}
    assert [d["source"] for d in _table(out, "documents")] == ["good.txt"]
    assert manifest["counts"]["rejected"] == 3


def test_two_processes_and_small_batches_give_the_same_rows(seeds_out: Path,
                                                           tmp_path: Path) -> None:
    config = tmp_path / "small-batches.toml"
    config.write_text("[batching]\nfiles = 2\n", encoding="utf-8")
    out = tmp_path / "parallel"
    manifest = clean_corpus(input_dir=str(SEEDS), output=str(out), config_file=str(config),
                            workers=2)
    assert len(list((out / "documents").glob("*.parquet"))) == 3  # three batches
    assert manifest["counts"]["documents"] == 5
    for name in storage.TABLES:
        assert _stable(_table(out, name)) == _stable(_table(seeds_out, name)), name


def test_unchanged_files_are_skipped_and_changed_ones_cleaned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "SLICE_ROWS", 2)  # carried rows go slice by slice
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inputs)
    first = clean_corpus(input_dir=str(inputs), output=str(out))
    rows = {name: _table(out, name) for name in storage.TABLES}
    assert first["counts"]["unchanged_files_skipped"] == 0

    again = clean_corpus(input_dir=str(inputs), output=str(out))
    assert again["counts"]["unchanged_files_skipped"] == 5
    assert again["counts"]["documents"] == 5
    for name in storage.TABLES:  # carried as they were, run_id and processed_at included
        assert sorted(map(str, _table(out, name))) == sorted(map(str, rows[name])), name
    # The run's figures are counted from the carried rows: the same as the first run's
    # (but the bytes it read).
    skip = {"unchanged_files_skipped", "bytes_in"}
    assert {k: v for k, v in again["counts"].items() if k not in skip} == {
        k: v for k, v in first["counts"].items() if k not in skip}
    assert again["removed_by_reason"] == first["removed_by_reason"]

    changed = inputs / "003_d491b8586ec4cf1a.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté.",
                       encoding="utf-8")
    third = clean_corpus(input_dir=str(inputs), output=str(out))
    assert third["counts"]["unchanged_files_skipped"] == 4
    docs = {d["source"]: d for d in _table(out, "documents")}
    assert docs[changed.name]["text"].endswith("Un paragraphe ajouté.")
    assert docs[changed.name]["run_id"] == third["run_id"]
    assert {d["run_id"] for s, d in docs.items() if s != changed.name} == {first["run_id"]}

    full = clean_corpus(input_dir=str(inputs), output=str(out), full=True)
    assert full["counts"]["unchanged_files_skipped"] == 0
    assert {d["run_id"] for d in _table(out, "documents")} == {full["run_id"]}
