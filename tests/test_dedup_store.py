"""The stored dedup index: one entries file and one file per band for each part, carried
from version to version by hard links, rewritten only where documents come back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from cleaners.dedup import DedupConfig
from flows import dedup_store, staging

CONFIG = DedupConfig()
TEXTS = [
    "Le gouvernement a présenté mercredi son projet de loi sur la réforme des retraites.",
    "The minister said on Tuesday that the new rail line would open next spring at last.",
    "Die Regierung hat am Mittwoch ihren Gesetzentwurf zur Reform der Renten vorgestellt.",
    "El gobierno presentó el miércoles su proyecto de ley sobre la reforma de pensiones.",
    "Il governo ha presentato mercoledì il suo disegno di legge sulla riforma delle pensioni.",
    "O governo apresentou na quarta-feira o seu projeto de lei sobre a reforma das pensões.",
]


def _signatures(doc_ids: list[str]) -> object:
    paragraphs = [{"doc_id": doc, "position": n, "line": 2 * n + 1,
                   "text": f"{TEXTS[n % len(TEXTS)]} ({doc})"}
                  for doc in doc_ids for n in range(3)]
    return staging.signatures_table(paragraphs, CONFIG)


def _write_version(version: Path, parts: list[list[str]]) -> None:
    for number, doc_ids in enumerate(parts):
        dedup_store.write_part(version, number, _signatures(doc_ids), CONFIG)


def _rows(version: Path) -> list[tuple[str, int, list[int]]]:
    return [(doc, position, columns.band_keys[n].tolist())
            for columns in dedup_store.iter_parts(version, CONFIG)
            for n, (doc, position) in enumerate(zip(columns.doc_id,
                                                    columns.position.tolist(), strict=True))]


def test_a_part_is_an_entries_file_and_one_file_per_band_in_the_same_row_order(
        tmp_path: Path) -> None:
    _write_version(tmp_path / "v", [["a", "b"]])
    [part] = dedup_store.parts(tmp_path / "v", CONFIG) or []
    bands = sorted(p.name for p in (tmp_path / "v" / "dedup_index" / "bands").iterdir())
    assert bands == [f"band={b:02d}" for b in range(CONFIG.bands)]
    columns = dedup_store.read_part(part, CONFIG)
    staged = staging.signature_columns(_signatures(["a", "b"]), CONFIG)
    assert columns.doc_id == staged.doc_id
    assert np.array_equal(columns.band_keys, staged.band_keys)
    assert np.array_equal(columns.shingles, staged.shingles)
    some = dedup_store.read_part(part, CONFIG, bands=[3, 17])
    assert np.array_equal(some.band_keys, staged.band_keys[:, [3, 17]])
    assert pq.read_table(part.band(5)).schema == dedup_store.BAND_SCHEMA


def test_carrying_links_untouched_parts_and_rewrites_those_of_documents_seen_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dedup_store, "PART_ROWS", 4)  # no part is small enough to merge
    _write_version(tmp_path / "v1", [["a", "b"], ["c"], ["d", "e"]])
    carried = dedup_store.carry_forward(tmp_path / "v1", tmp_path / "v2", CONFIG,
                                        exclude={"b", "c"})
    assert [p.number for p in carried] == [0, 2], "part 1 held only c: it is gone"
    old = {p.number: p for p in dedup_store.parts(tmp_path / "v1", CONFIG) or []}
    assert carried[1].entries.stat().st_ino == old[2].entries.stat().st_ino
    assert carried[1].band(9).stat().st_ino == old[2].band(9).stat().st_ino
    assert carried[0].entries.stat().st_ino != old[0].entries.stat().st_ino
    assert [r for r in _rows(tmp_path / "v1") if r[0] not in {"b", "c"}] == _rows(
        tmp_path / "v2")


def test_an_index_of_another_fingerprint_is_not_used(tmp_path: Path) -> None:
    _write_version(tmp_path / "v1", [["a"]])
    other = DedupConfig(bands=20)
    assert dedup_store.parts(tmp_path / "v1", other) is None
    assert dedup_store.carry_forward(tmp_path / "v1", tmp_path / "v2", other) == []


@pytest.mark.parametrize("part_rows", [100_000, 4])
def test_the_earlier_layout_is_converted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         part_rows: int) -> None:
    # textclean 0.1 wrote the staged schema (band keys as one list) as dedup_index/part-*.
    monkeypatch.setattr(dedup_store, "PART_ROWS", part_rows)
    legacy = tmp_path / "v1" / "dedup_index"
    legacy.mkdir(parents=True)
    pq.write_table(_signatures(["a", "b"]), legacy / "part-00000.parquet")
    pq.write_table(_signatures(["c"]), legacy / "part-00001.parquet")
    carried = dedup_store.carry_forward(tmp_path / "v1", tmp_path / "v2", CONFIG,
                                        exclude={"b"})
    assert len(carried) == (1 if part_rows > 6 else 2)
    staged = staging.signature_columns(_signatures(["a", "c"]), CONFIG)
    assert _rows(tmp_path / "v2") == [
        (doc, position, staged.band_keys[n].tolist())
        for n, (doc, position) in enumerate(zip(staged.doc_id, staged.position.tolist(),
                                                strict=True))]


def test_parts_are_in_number_order_past_five_digits(tmp_path: Path) -> None:
    for number, doc in ((99_999, "older"), (100_000, "newer")):
        dedup_store.write_part(tmp_path / "v", number, _signatures([doc]), CONFIG)
    assert [p.number for p in dedup_store.parts(tmp_path / "v", CONFIG) or []] == [
        99_999, 100_000]


def test_carrying_again_into_the_same_version_replaces_what_was_there(tmp_path: Path) -> None:
    # A retried flow run reuses its version folder: the first attempt's links and parts
    # must neither fail the second nor stay in its index.
    _write_version(tmp_path / "v1", [["a"], ["b"]])
    dedup_store.carry_forward(tmp_path / "v1", tmp_path / "v2", CONFIG)
    dedup_store.write_part(tmp_path / "v2", 7, _signatures(["stale"]), CONFIG)
    dedup_store.carry_forward(tmp_path / "v1", tmp_path / "v2", CONFIG, exclude={"a"})
    assert {doc for doc, _, _ in _rows(tmp_path / "v2")} == {"b"}


def test_a_run_without_dedup_carries_any_index_as_it_is(tmp_path: Path) -> None:
    _write_version(tmp_path / "v1", [["a", "b"]])
    other = DedupConfig(bands=20)
    assert not dedup_store.usable(tmp_path / "v1", other)
    assert dedup_store.usable(tmp_path / "v1", CONFIG)
    assert dedup_store.usable(tmp_path / "nothing-yet", other)
    dedup_store.carry(tmp_path / "v1", tmp_path / "v2")
    assert _rows(tmp_path / "v2") == _rows(tmp_path / "v1")


def test_small_parts_are_merged_in_order_when_carried(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Nightly runs each add a small part: carrying merges runs of them, in index order.
    monkeypatch.setattr(dedup_store, "PART_ROWS", 24)  # small: under 6 rows
    _write_version(tmp_path / "v1", [["a"], ["b"], ["c", "d"], ["e"], ["f"], ["g"]])
    carried = dedup_store.carry_forward(tmp_path / "v1", tmp_path / "v2", CONFIG,
                                        exclude={"f"})
    assert [p.number for p in carried] == [0, 2, 3]
    assert [p.rows() for p in carried] == [6, 6, 6]
    assert [r for r in _rows(tmp_path / "v1") if r[0] != "f"] == _rows(tmp_path / "v2")
    assert len(list((tmp_path / "v2" / "dedup_index" / "bands" / "band=00").iterdir())) == 3
