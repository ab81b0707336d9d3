"""finalize_batch: the run's decisions applied to one staged batch, column by column.

Each case stages a batch by hand (documents, paragraphs, removed and rejected rows, as
`clean_files` writes them, and a decisions file, as `decide` writes it), finalizes it,
and checks the part files against what the decisions mean, spelled out row by row in
`_expected` below (the dictionary version finalize had until issue 20's sixth pass).
Every column of every table is compared, in stored order and in its schema's type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners.dedup import EXACT_DUPLICATE, NEAR_DUPLICATE
from cleaners.reasons import SITE_TEMPLATE
from flows import staging, storage
from flows.finalize import count_rows, finalize_batch
from flows.rows import rejected_row, removed_row
from flows.staging import DECISIONS, DECISIONS_SCHEMA, DOCUMENTS, PARAGRAPHS, REJECTED, REMOVED

RUN = "run-finalize"
AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)

# Real paragraphs, several scripts, so the joined text and its length in characters
# (not bytes) are checked on more than ASCII.
TEXTS = {
    "fr": ["Le conseil municipal a voté le budget après trois heures de débat.",
           "Les travaux de la médiathèque commenceront au printemps prochain.",
           "Accueil | Actualités | Vie locale"],
    "de": ["Die Gemeinde plant einen neuen Radweg entlang des Flussufers.",
           "Über die Finanzierung wird im Herbst entschieden.",
           "Startseite | Impressum | Datenschutz"],
    "ru": ["Городской совет утвердил бюджет после долгого обсуждения.",
           "Ремонт библиотеки начнётся весной следующего года.",
           "Главная · Новости · Контакты"],
    "ja": ["市議会は三時間の議論の末、予算案を可決した。",
           "図書館の改修工事は来年の春に始まる予定だ。",
           "ホーム | お問い合わせ | サイトマップ"],
}
LANGUAGES = list(TEXTS)


def _document(doc_id: str, language: str, paragraphs: int, removed: int) -> dict[str, Any]:
    # As `flows.batch._rows_of` stages it: text, counts out and processed_at not final.
    return {
        "doc_id": doc_id, "source": f"news/{doc_id}.txt", "record": None, "kind": "text",
        "url": None, "title": None, "sitename": None, "published": None,
        "published_raw": None, "text": "", "language": language, "language_score": 0.99,
        "language_hint": None, "metadata": None, "n_paragraphs": paragraphs,
        "n_removed_lines": removed, "n_duplicate_paragraphs": 0, "chars_in": 400,
        "chars_out": 0, "encoding": "utf-8", "repaired": language == "ru", "run_id": RUN,
        "processed_at": datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
    }


def _stage(stage: Path, batch_no: int, docs: Sequence[tuple[str, str, int, Sequence[int]]],
           decisions: Sequence[Mapping[str, Any]]) -> None:
    """Stage batch `batch_no`: per document (doc_id, language, paragraphs, removed lines
    by their line number), paragraphs on lines 1, 2, ... but the removed ones; and the
    run's `decisions`."""
    documents, paragraphs, removed = [], [], []
    for doc_id, language, count, removed_lines in docs:
        documents.append(_document(doc_id, language, count, len(removed_lines)))
        texts = TEXTS[language]
        lines = [n for n in range(1, count + len(removed_lines) + 1) if n not in removed_lines]
        for position, line in enumerate(lines):
            paragraphs.append({"doc_id": doc_id, "position": position, "line": line,
                               "text": f"{texts[line % len(texts)]} ({line})",
                               "language": language, "language_score": 0.9, "run_id": RUN})
        # Staged in the order the cleaners give them, not by line: finalize sorts.
        removed += [removed_row(doc_id, f"news/{doc_id}.txt", line, texts[2], "navigation",
                                "nav_line", RUN) for line in sorted(removed_lines, reverse=True)]
    rejected = [rejected_row("news/empty.txt", None, "empty", "no text", RUN)]
    for name, rows in ((DOCUMENTS, documents), (PARAGRAPHS, paragraphs), (REMOVED, removed),
                       (REJECTED, rejected)):
        staging.write(stage, batch_no, name, rows, storage.SCHEMAS[name])
    storage.write_part(stage, DECISIONS, list(decisions), DECISIONS_SCHEMA)


def _template(doc_id: str, line: int) -> dict[str, Any]:
    return {"doc_id": doc_id, "line": line, "action": SITE_TEMPLATE, "rule": "pair:3/4"}


def _copy(doc_id: str, line: int, of: str, position: int, near: bool = False) -> dict[str, Any]:
    return {"doc_id": doc_id, "line": line, "action": NEAR_DUPLICATE if near else EXACT_DUPLICATE,
            "of_doc_id": of, "of_position": position, "similarity": 0.875 if near else 1.0}


def _expected(stage: Path, batch_no: int) -> dict[str, list[dict[str, Any]]]:
    """The final rows, decided one paragraph at a time from the staged rows."""
    documents = staging.read_rows(stage, batch_no, DOCUMENTS)
    paragraphs = staging.read_rows(stage, batch_no, PARAGRAPHS)
    removed = staging.read_rows(stage, batch_no, REMOVED)
    ids = {d["doc_id"] for d in documents}
    decisions = {(r["doc_id"], r["line"]): r for r in pq.read_table(stage / DECISIONS).to_pylist()
                 if r["doc_id"] in ids}
    sources = {d["doc_id"]: d["source"] for d in documents}
    by_doc: dict[str, list[dict[str, Any]]] = {d["doc_id"]: [] for d in documents}
    kept = []
    for p in paragraphs:
        decision = decisions.get((p["doc_id"], p["line"]))
        if decision is not None and decision["action"] == SITE_TEMPLATE:
            removed.append(removed_row(p["doc_id"], sources[p["doc_id"]], p["line"], p["text"],
                                       SITE_TEMPLATE, decision["rule"], RUN))
            continue
        p["position"] = len(by_doc[p["doc_id"]])
        if decision is not None:
            p.update(duplicate_of_doc_id=decision["of_doc_id"],
                     duplicate_of_position=decision["of_position"],
                     similarity=decision["similarity"], duplicate_kind=decision["action"])
        by_doc[p["doc_id"]].append(p)
        kept.append(p)
    removed.sort(key=lambda r: (r["doc_id"], r["line"]))
    per_doc = Counter(r["doc_id"] for r in removed)
    for d in documents:
        texts = [p["text"] for p in by_doc[d["doc_id"]] if p["duplicate_of_doc_id"] is None]
        d.update(text="\n".join(texts), n_paragraphs=len(texts),
                 n_duplicate_paragraphs=len(by_doc[d["doc_id"]]) - len(texts),
                 n_removed_lines=per_doc[d["doc_id"]], chars_out=len("\n".join(texts)),
                 processed_at=AT)
    return {"documents": documents, "paragraphs": kept, "removed": removed,
            "rejected": staging.read_rows(stage, batch_no, REJECTED)}


def _rows(rows: Sequence[Mapping[str, Any]], name: str) -> list[dict[str, Any]]:
    # Through the table's schema, as the output stores them (floats to float32).
    stored: list[dict[str, Any]] = pa.Table.from_pylist(
        list(rows), schema=storage.SCHEMAS[name]).to_pylist()
    return stored


def _check(stage: Path, version: Path, batch_no: int, partition_by: str = "") -> None:
    expected = _expected(stage, batch_no)
    stats = finalize_batch(batch_no, str(stage), str(version), RUN, AT, partition_by)
    name = f"part-{batch_no:05d}.parquet"
    for table, rows in expected.items():
        folder = version / table
        groups: dict[str, list[dict[str, Any]]] = {}
        split = partition_by if table in (DOCUMENTS, PARAGRAPHS) else ""
        for row in rows:
            groups.setdefault(str(row[split]) if split else "", []).append(row)
        if not groups:
            groups[""] = []
        written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob(name))
        assert written == sorted(f"{partition_by}={k}/{name}" if k else name for k in groups)
        for key, group in groups.items():
            part = folder / (f"{partition_by}={key}" if key else "") / name
            made = pq.read_table(part)
            assert made.schema == storage.SCHEMAS[table], table
            assert made.to_pylist() == _rows(group, table), (table, key)
    assert stats == count_rows(expected["documents"], expected["paragraphs"],
                               expected["removed"], expected["rejected"])


# (documents: doc_id, language, paragraphs, removed lines), decisions
Case = tuple[list[tuple[str, str, int, list[int]]], list[dict[str, Any]]]
CASES: dict[str, Case] = {
    "no decisions": ([("a", "fr", 3, [2]), ("b", "de", 2, [])], []),
    "a template line renumbers the positions after it": (
        [("a", "fr", 4, [])], [_template("a", 2)]),
    "template lines among removed lines, sorted by line": (
        [("a", "ru", 4, [1, 5]), ("b", "ja", 3, [2])], [_template("a", 3), _template("b", 1)]),
    "every paragraph a template line: empty text": (
        [("a", "de", 2, []), ("b", "fr", 1, [])], [_template("a", 1), _template("a", 2)]),
    "copies flagged, kept, left out of the text": (
        [("a", "fr", 3, []), ("b", "ja", 3, [1])],
        [_copy("a", 2, "z", 0), _copy("b", 3, "a", 0, near=True)]),
    "a template line before a copy": (
        [("a", "ru", 4, [])], [_template("a", 1), _copy("a", 3, "q", 5)]),
    "decisions on another batch's documents are not applied": (
        [("a", "de", 2, [])], [_template("other", 1), _copy("other", 2, "a", 0)]),
    "a document without paragraphs": ([("a", "ja", 0, [1, 2]), ("b", "fr", 2, [])],
                                      [_template("b", 2)]),
    "no documents": ([], [_template("a", 1)]),
    "a (doc_id, line) decided twice: the last decision holds": (
        [("a", "fr", 3, [])], [_template("a", 2), _copy("a", 2, "z", 1)]),
}


@pytest.mark.parametrize("partition_by", ["", "language"])
@pytest.mark.parametrize("case", list(CASES))
def test_finalize_applies_the_decisions(tmp_path: Path, case: str, partition_by: str) -> None:
    docs, decisions = CASES[case]
    _stage(tmp_path / "stage", 3, docs, decisions)
    _check(tmp_path / "stage", tmp_path / "version", 3, partition_by)


def test_template_line_row_names_its_document_and_rule(tmp_path: Path) -> None:
    # One case spelled out, so the reference above is held to the schema's meaning too.
    _stage(tmp_path / "stage", 0, [("a", "fr", 3, [])], [_template("a", 2), _copy("a", 3, "z", 7)])
    finalize_batch(0, str(tmp_path / "stage"), str(tmp_path / "v"), RUN, AT)
    removed = pq.read_table(tmp_path / "v" / "removed").to_pylist()
    assert [(r["doc_id"], r["source"], r["line"], r["reason"], r["rule"]) for r in removed] == [
        ("a", "news/a.txt", 2, SITE_TEMPLATE, "pair:3/4")]
    paragraphs = pq.read_table(tmp_path / "v" / "paragraphs").to_pylist()
    assert [(p["position"], p["line"], p["duplicate_of_position"]) for p in paragraphs] == [
        (0, 1, None), (1, 3, 7)]
    document = pq.read_table(tmp_path / "v" / "documents").to_pylist()[0]
    assert (document["text"], document["n_paragraphs"], document["n_duplicate_paragraphs"],
            document["n_removed_lines"]) == (paragraphs[0]["text"], 1, 1, 1)


def test_decisions_written_again_are_read_again(tmp_path: Path) -> None:
    # The decisions file is read once per process; a new file at the same path (the
    # next run's, or a test's) must not be answered from the old one.
    stage = tmp_path / "stage"
    _stage(stage, 0, [("a", "de", 3, [])], [_template("a", 1)])
    _check(stage, tmp_path / "v1", 0)
    storage.write_part(stage, DECISIONS, [_copy("a", 2, "z", 0)], DECISIONS_SCHEMA)
    _check(stage, tmp_path / "v2", 0)
    assert pq.read_table(tmp_path / "v2" / "removed").num_rows == 0


_DOCS = st.lists(st.tuples(st.sampled_from(LANGUAGES), st.integers(0, 6),
                           st.sets(st.integers(1, 8), max_size=3)), max_size=5)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=_DOCS, picks=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 12),
                                            st.sampled_from(["template", "exact", "near"])),
                                  max_size=12),
       partition_by=st.sampled_from(["", "language"]))
def test_finalize_matches_the_decisions_row_by_row(
        tmp_path_factory: pytest.TempPathFactory, docs: list[tuple[str, int, set[int]]],
        picks: list[tuple[int, int, str]], partition_by: str) -> None:
    root = tmp_path_factory.mktemp("finalize")
    staged = [(f"d{n}", language, count, sorted(removed))
              for n, (language, count, removed) in enumerate(docs)]
    # Decisions on lines that may or may not hold a paragraph, of documents that may
    # not be in the batch; one per (doc_id, line), as decide writes them.
    decisions = {}
    for doc, line, action in picks:
        key = (f"d{doc}", line)
        decisions[key] = (_template(*key) if action == "template"
                          else _copy(*key, of="d0", position=line, near=action == "near"))
    _stage(root / "stage", 1, staged, list(decisions.values()))
    _check(root / "stage", root / "version", 1, partition_by)
