"""The cross-document step on staged batches, without Prefect: templates and duplicates
decided from staged keys and signatures only, the same whatever the bucket size, and the
same as checking the paragraphs' texts in canonical order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from cleaners.dedup import DedupIndex, IndexColumns, ParagraphRef
from flows import decide as decide_module
from flows import decide_runners, dedup_store, run_dedup, staging
from flows.batch import clean_files
from flows.inputs import discover
from flows.settings import Settings, load_settings
from flows.staging import DECISIONS

_TEMPLATE = "Les Nouvelles du Plateau, édition régionale du matin"


def _corpus(root: Path, eval_dir: Path) -> None:
    # The near-duplicate set (copies across documents), each document also carrying a
    # line that recurs across the folder, plus dated JSON Lines records that make the
    # canonical order differ from the batch order.
    for path in sorted((eval_dir / "near_duplicates").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        (root / path.name).write_text(f"{text.rstrip()}\n\n{_TEMPLATE}\n", encoding="utf-8")
    records = []
    for day, name in enumerate(("010.txt", "033.txt", "047.txt"), start=1):
        paragraphs = (eval_dir / "near_duplicates" / name).read_text(encoding="utf-8").split("\n\n")
        records.append(json.dumps({"id": f"wire-{day}", "published": f"2001-01-0{day}",
                                   "text": "\n\n".join(paragraphs[1:3])}))
    (root / "zz-wire.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")


def _stage(tmp_path: Path, shared_eval: Path, batch_files: int) -> tuple[Path, int, Settings]:
    source = tmp_path / "in"
    source.mkdir()
    _corpus(source, shared_eval)
    files, _ = discover(source)
    settings = load_settings(None)
    stage = tmp_path / "stage"
    batches = [files[i:i + batch_files] for i in range(0, len(files), batch_files)]
    # Staged out of order: a later batch may hold earlier documents.
    for n, batch in reversed(list(enumerate(batches))):
        clean_files(n, batch, str(stage), settings, "run")
    return stage, len(batches), settings


def _first_day_decided_second_day_staged(tmp_path: Path,
                                         shared_eval: Path) -> tuple[Path, Settings]:
    """A first run decided into `v1`; then the next day staged: the same texts again
    under new names (copies of yesterday's), and two of yesterday's files changed
    (processed again: their old entries must go)."""
    (tmp_path / "first").mkdir()
    first, batches, settings = _stage(tmp_path / "first", shared_eval, batch_files=9)
    decide_module.decide(str(first), batches, settings, True, None, str(tmp_path / "v1"))
    source = tmp_path / "second-in"
    (source / "again").mkdir(parents=True)
    for path in sorted((tmp_path / "first" / "in").glob("0[0-2]*.txt")):
        (source / "again" / path.name).write_bytes(path.read_bytes())
    for name in ("005.txt", "040.txt"):
        text = (tmp_path / "first" / "in" / name).read_text(encoding="utf-8")
        (source / name).write_text(text.replace(".", " indeed.", 3), encoding="utf-8")
    files, _ = discover(source)
    second = tmp_path / "second-stage"
    clean_files(0, files, str(second), settings, "run-2")
    return second, settings


def _decisions(stage: Path) -> list[dict[str, Any]]:
    rows = pq.read_table(stage / DECISIONS).to_pylist()
    return sorted(rows, key=lambda r: (r["doc_id"], r["line"]))


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory,
           shared_eval: Path) -> tuple[Path, int, Settings]:
    return _stage(tmp_path_factory.mktemp("decide"), shared_eval, batch_files=9)


def test_decisions_do_not_depend_on_bucket_size(staged: tuple[Path, int, Settings],
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    stage, batches, settings = staged
    results = []
    # Buckets of the external sort, and groups decided together (each one matched
    # against the index parts written before it): none may change a decision.
    for rows, group in ((1_000_000, 1_000_000), (37, 60), (5, 5)):
        monkeypatch.setattr(run_dedup, "BUCKET_ROWS", rows)
        monkeypatch.setattr(run_dedup, "PROBE_ROWS", group)
        version = tmp_path / f"v{rows}"
        stats = decide_module.decide(str(stage), batches, settings, True, None, str(version))
        results.append((_decisions(stage), dict(stats.duplicates), stats.template_lines))
        assert not (stage / "dedup-buckets").exists() or not any(
            (stage / "dedup-buckets").iterdir()), "spilled buckets are removed once read"
    assert results[0][1], "the near-duplicate set has duplicates"
    assert results[0][2] == 64, "the recurring line is a template line in every document"
    # The dated records, staged in the last batch, come first: they keep their text.
    wire = {d["doc_id"] for n in range(batches)
            for d in staging.read_rows(stage, n, staging.DOCUMENTS)
            if d["source"] == "zz-wire.jsonl"}
    assert len(wire) == 3
    assert not [r for r in results[0][0] if r["doc_id"] in wire]
    assert len({r["of_doc_id"] for r in results[0][0]} & wire) == 3
    assert results[1] == results[0]
    assert results[2] == results[0]


@pytest.mark.parametrize("group_rows", [1_000_000, 45])
def test_duplicates_match_checking_the_texts_in_canonical_order(
        staged: tuple[Path, int, Settings], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, group_rows: int) -> None:
    monkeypatch.setattr(run_dedup, "PROBE_ROWS", group_rows)
    monkeypatch.setattr(run_dedup, "BUCKET_ROWS", min(group_rows, 20))
    stage, batches, settings = staged
    decide_module.decide(str(stage), batches, settings, True, None, str(tmp_path / "v"))
    got = {(r["doc_id"], r["line"], r["of_doc_id"], r["of_position"])
           for r in _decisions(stage) if r["action"] != "site_template"}

    refs, line_of = _reference_refs(stage, batches)
    reference = DedupIndex(settings.dedup)
    want = {(d.doc_id, line_of[(d.doc_id, d.position)], d.of_doc_id, d.of_position)
            for d in reference.check_and_add(refs)}
    assert got == want

    # The index written for the next run holds exactly what the reference kept.
    assert _entries(reference.new_columns()) == _stored_entries(tmp_path / "v", settings)


def _reference_refs(stage: Path, batches: int
                    ) -> tuple[list[ParagraphRef], dict[tuple[str, int], int]]:
    """Every staged paragraph's text, template lines dropped, in canonical order, and
    each one's line by (doc_id, output position)."""
    docs = []
    paragraphs: dict[str, list[tuple[int, int, str]]] = {}
    for n in range(batches):
        docs += staging.read_rows(stage, n, staging.DOCUMENTS)
        for p in staging.read_rows(stage, n, staging.PARAGRAPHS):
            paragraphs.setdefault(p["doc_id"], []).append((p["position"], p["line"], p["text"]))
    refs = []
    line_of = {}
    for doc in sorted(docs, key=staging.order_key):
        kept = [(line, text) for _, line, text in sorted(paragraphs.get(doc["doc_id"], []))
                if text != _TEMPLATE]
        refs += [ParagraphRef(doc["doc_id"], n, text) for n, (_, text) in enumerate(kept)]
        line_of.update({(doc["doc_id"], n): line for n, (line, _) in enumerate(kept)})
    return refs, line_of


@pytest.mark.parametrize("part_rows", [1_000_000, 7])
def test_a_later_run_decides_as_if_the_earlier_index_were_loaded_first(
        tmp_path: Path, shared_eval: Path, monkeypatch: pytest.MonkeyPatch,
        part_rows: int) -> None:
    monkeypatch.setattr(dedup_store, "PART_ROWS", part_rows)
    monkeypatch.setattr(run_dedup, "PROBE_ROWS", 40)  # several probe groups
    monkeypatch.setattr(run_dedup, "BUCKET_ROWS", 25)  # and many index parts
    second, settings = _first_day_decided_second_day_staged(tmp_path, shared_eval)
    stats = decide_module.decide(str(second), 1, settings, True, str(tmp_path / "v1"),
                                 str(tmp_path / "v2"))

    refs, line_of = _reference_refs(second, 1)
    again = {r.doc_id for r in refs}
    reference = DedupIndex(settings.dedup)
    yesterday = [columns for columns in dedup_store.iter_parts(tmp_path / "v1", settings.dedup)]
    for columns in yesterday:
        keep = np.array([d not in again for d in columns.doc_id], bool)
        reference.add_columns(columns.take(np.flatnonzero(keep)))
    want = {(d.doc_id, line_of[(d.doc_id, d.position)], d.of_doc_id, d.of_position,
             round(d.similarity, 6)) for d in reference.check_and_add(refs)}
    got = {(r["doc_id"], r["line"], r["of_doc_id"], r["of_position"],
            round(r["similarity"], 6)) for r in _decisions(second)
           if r["action"] != "site_template"}
    assert got == want
    assert sum(1 for r in got if r[2] not in again) > 20, "copies of yesterday are found"
    # The new index: yesterday's entries but the changed files', then today's kept ones.
    stored_before = [e for e in _stored_entries(tmp_path / "v1", settings)
                     if e[0] not in again]
    new = _entries(reference.new_columns())
    assert _stored_entries(tmp_path / "v2", settings) == stored_before + new
    assert stats.index_entries_before == len(stored_before)
    assert stats.index_entries_after == len(stored_before) + len(new)


def _stored_entries(version: Path, settings: Settings) -> list[tuple[Any, ...]]:
    """The index stored with `version`, in index order, one tuple per entry."""
    stored = []
    for columns in dedup_store.iter_parts(version, settings.dedup):
        stored += _entries(columns)
    return stored


def _entries(columns: IndexColumns) -> list[tuple[Any, ...]]:
    """Index entries as comparable tuples: doc_id, position, exact key, band keys and
    shingles (the last two as little-endian bytes)."""
    offsets = columns.shingle_offsets.tolist()
    return [
        (doc_id, position, f"{exact:016x}", columns.band_keys[n].astype("<u4").tobytes(),
         columns.shingles[offsets[n]:offsets[n + 1]].astype("<u4").tobytes())
        for n, (doc_id, position, exact) in enumerate(zip(
            columns.doc_id, columns.position.tolist(), columns.exact_key.tolist(),
            strict=True))]


def test_keep_first_order_compares_instants_and_puts_undated_last() -> None:
    # Timestamps as the documents table holds them now, strings as older outputs held
    # them (reindex reads those): the same instants sort the same way.
    from datetime import UTC, datetime

    def doc(published: object, source: str) -> dict[str, Any]:
        return {"published": published, "source": source, "record": None}

    rows = [doc("2024-03-08T10:00:00+02:00", "c"), doc(None, "a"), doc("8 March 2024", "e"),
            doc(datetime(2024, 3, 8, 9, tzinfo=UTC), "b"), doc("not a date", "0"),
            doc("2019-08-16", "z")]
    order = [d["source"] for d in sorted(rows, key=staging.order_key)]
    assert order == ["z", "e", "c", "b", "0", "a"]


@pytest.mark.parametrize("tasks", [1, 2, 4, 8])
def test_decisions_do_not_depend_on_the_number_of_decide_tasks(
        staged: tuple[Path, int, Settings], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, tasks: int) -> None:
    # Small groups: the band tasks see rows spilled from several groups.
    monkeypatch.setattr(run_dedup, "PROBE_ROWS", 60)
    monkeypatch.setattr(run_dedup, "BUCKET_ROWS", 25)
    stage, batches, settings = staged
    one = decide_module.decide(str(stage), batches, settings, True, None, str(tmp_path / "a"),
                                 tasks=0)
    want = _decisions(stage)
    # On threads: the tasks take the phases' units in turn, as processes do.
    split = decide_module.decide(str(stage), batches, settings, True, None,
                                 str(tmp_path / "b"), tasks=tasks, run=decide_runners.threads)
    assert want and [r for r in want if r["action"] != "site_template"]
    assert _decisions(stage) == want
    assert dict(split.duplicates) == dict(one.duplicates)
    assert split.index_entries_after == one.index_entries_after
    assert _stored_entries(tmp_path / "b", settings) == _stored_entries(tmp_path / "a", settings)


@pytest.mark.parametrize("tasks", [1, 3])
def test_split_decide_matches_against_an_earlier_index_like_one_process(
        tmp_path: Path, shared_eval: Path, monkeypatch: pytest.MonkeyPatch, tasks: int) -> None:
    monkeypatch.setattr(run_dedup, "PROBE_ROWS", 40)
    monkeypatch.setattr(run_dedup, "BUCKET_ROWS", 25)
    second, settings = _first_day_decided_second_day_staged(tmp_path, shared_eval)
    results = []
    for name, split in (("v2a", 0), ("v2b", tasks)):
        stats = decide_module.decide(str(second), 1, settings, True, str(tmp_path / "v1"),
                                     str(tmp_path / name), tasks=split)
        results.append((_decisions(second), dict(stats.duplicates),
                        stats.index_entries_before, stats.index_entries_after,
                        _stored_entries(tmp_path / name, settings)))
    assert results[0][1]
    assert results[1] == results[0]
