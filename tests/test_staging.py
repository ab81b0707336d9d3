"""The staged contract has one owner (flows/staging.py), and its small helpers."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.dedup import DedupConfig
from cleaners.reasons import REJECTED, REMOVED
from flows import rows, staging, storage
from flows.atomic import write_atomically, write_text_atomically

ROOT = Path(__file__).resolve().parents[1]
# A batch folder spelled by hand: "batch-{...}", "batch-*", "batch-00000" (not a task
# name such as clean-batch-NNNNN).
BATCH_NAME = re.compile(r"(?<![\w-])batch-[{*0]")
# Names that only the staged contract uses (the four output tables share their names
# with the committed ones, which flows/storage.py owns).
STAGED_ONLY = (staging.SIGNATURES, staging.TEMPLATE_KEYS, staging.ARTICLES, staging.INPUTS,
               staging.DECISIONS, staging.PLAN, staging.PROGRESS, staging.CURRENT,
               staging.BUCKETS)


def _modules() -> list[Path]:
    return sorted([*(ROOT / "flows").rglob("*.py"), *(ROOT / "cleaners").rglob("*.py")])


def _path_literals(path: Path) -> set[str]:
    """The plain string literals of a module that may name a path: not a column (a
    subscript `t["x"]`, a dict key `"x": ...`, a field `pa.field("x", ...)`)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                                tokenize.INDENT, tokenize.DEDENT)]
    found = set()
    for n, token in enumerate(tokens):
        if token.type != tokenize.STRING or not re.fullmatch(r"[\"'][^\"'\\]*[\"']",
                                                             token.string):
            continue
        before = [t.string for t in tokens[max(0, n - 2):n]]
        after = tokens[n + 1].string if n + 1 < len(tokens) else ""
        if before[-1:] == ["["] or after == ":" or before == ["field", "("]:
            continue
        found.add(token.string[1:-1])
    return found


def test_the_batch_folder_name_is_spelled_in_one_module() -> None:
    spelled = [p.relative_to(ROOT).as_posix() for p in _modules()
               if BATCH_NAME.search(p.read_text())]
    assert spelled == ["flows/staging.py"]


@pytest.mark.parametrize("name", STAGED_ONLY)
def test_each_staged_name_is_spelled_in_one_module(name: str) -> None:
    spelled = [p.relative_to(ROOT).as_posix() for p in _modules()
               if name in _path_literals(p)]
    assert spelled == ["flows/staging.py"]


def test_the_grep_sees_a_path_spelled_by_hand(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('folder = stage / f"batch-{n:05d}" / "signatures"\n'
                      'rows = table["signatures"]\n')
    assert BATCH_NAME.search(module.read_text())
    assert _path_literals(module) == {"signatures"}


def test_a_batch_folder_sorts_as_its_number() -> None:
    names = [staging.batch_folder("s", n).name for n in (0, 9, 10, 99_999)]
    assert names == sorted(names)
    assert staging.batch_folder(Path("s"), 3).parent == Path("s")


def test_the_plan_round_trips_and_the_latest_one_is_watched(tmp_path: Path) -> None:
    assert staging.latest_plan(tmp_path) is None
    staging.write_plan(tmp_path / "run-a", batches=3, files=1200, cleaning=900)
    assert staging.read_plan(tmp_path / "run-a") == {"batches": 3, "files": 1200,
                                                     "cleaning": 900}
    assert staging.read_plan(tmp_path / "nothing") is None
    folder, plan = staging.latest_plan(tmp_path) or (None, {})
    assert folder == tmp_path / "run-a" and plan["cleaning"] == 900


def test_progress_adds_up_the_batches_notes(tmp_path: Path) -> None:
    staging.note_progress(tmp_path, 0, files=4, documents=10)
    staging.note_progress(tmp_path, 12, files=1, documents=3)
    staging.note_progress(tmp_path, 12, files=2, documents=7)  # replaced, not added
    assert staging.progress(tmp_path) == (6, 17)


def test_an_atomic_write_that_fails_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "manifest.json"
    write_text_atomically(target, "première version\n")

    def fail(partial: Path) -> None:
        partial.write_text("à moitié")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, fail)
    assert target.read_text(encoding="utf-8") == "première version\n"
    assert [p.name for p in target.parent.iterdir()] == [target.name], "no partial is left"
    assert write_atomically(target, lambda partial: partial.write_bytes(b"v2")) == target
    assert target.read_bytes() == b"v2"


def test_docs_list_the_flows_reasons() -> None:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    listed = text.split("<!-- reasons:begin -->\n", 1)[1].split("<!-- reasons:end -->", 1)[0]
    assert listed == rows.reasons_markdown()


def test_reasons_are_distinct_snake_case() -> None:
    reasons = [*REJECTED, *REMOVED]
    assert len(set(reasons)) == len(reasons)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", r) for r in reasons)


def _reason_literals() -> list[str]:
    """Places in flows/ and cleaners/ that spell a reason as a string literal, outside
    cleaners/reasons.py (docstrings aside)."""
    known = {*REJECTED, *REMOVED}
    found = []
    for path in sorted([*ROOT.glob("flows/**/*.py"), *ROOT.glob("cleaners/**/*.py")]):
        if path == ROOT / "cleaners" / "reasons.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value in known
                  and id(node) not in docstrings]
    return found


def test_reasons_are_named_only_through_their_constants() -> None:
    assert _reason_literals() == []


def _signature_rows() -> list[dict[str, object]]:
    # Real paragraphs in three languages, each long enough to be fingerprinted.
    texts = [
        "The minister said on Tuesday that the new rail line would open next spring.",
        "Le ministre a déclaré mardi que la nouvelle ligne ouvrirait au printemps prochain.",
        "Der Minister sagte am Dienstag, die neue Bahnstrecke werde im nächsten Frühjahr öffnen.",
    ]
    return [{"doc_id": f"d{n % 2}", "position": n, "line": n + 1, "text": text}
            for n, text in enumerate(texts)]


def test_staged_parts_dictionary_encode_only_their_text_columns(tmp_path: Path) -> None:
    config = DedupConfig()
    table = staging.signatures_table(_signature_rows(), config)
    path = staging.write(tmp_path, 0, "signatures", table, staging.signatures_schema(config))
    read = pq.read_table(path)
    assert read.equals(table)
    row_group = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {row_group.column(i).path_in_schema: row_group.column(i).encodings
                 for i in range(row_group.num_columns)}
    dictionary = {name for name, found in encodings.items()
                  if any("DICTIONARY" in encoding for encoding in found)}
    assert dictionary == {"doc_id"}


# -- the run's documents in canonical order (read_documents) --

_WHEN = st.one_of(st.none(), st.datetimes(min_value=datetime(1000, 1, 1),
                                          max_value=datetime(9999, 12, 31),
                                          timezones=st.just(UTC)),
                  # Years Python writes in fewer than four digits: the rows' own keys.
                  st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(999, 12, 31),
                               timezones=st.just(UTC)))
_DOCUMENT = st.fixed_dictionaries({
    "source": st.sampled_from(["a.txt", "b/c.html", "b/é.txt", "z/\u03b1.jsonl", "B.txt"]),
    "record": st.one_of(st.none(), st.integers(0, 3)),
    "published": _WHEN,
    "url": st.sampled_from([None, "https://www.Example.com/a", "http://news.example.org/x",
                            "not a url"]),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(_DOCUMENT, max_size=30))
def test_canonical_order_is_a_stable_sort_by_order_key(docs: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist(docs, schema=pa.schema(
        [storage.DOCUMENTS.field(name) for name in ("source", "record", "published", "url")]))
    expected = sorted(range(len(docs)), key=lambda n: staging.order_key(docs[n]))
    assert staging.canonical_order(table).tolist() == expected


def test_read_documents_ranks_and_groups_as_the_rows_say(tmp_path: Path) -> None:
    # Two batches, one without documents, and a rejected file: ranks by order_key, the
    # template group by the URL's host else the folder, every file read in `sources`.
    batches = [
        [{"doc_id": "d1", "source": "news/b.txt", "record": None, "url": None,
          "published": datetime(2024, 5, 1, tzinfo=UTC)},
         {"doc_id": "d2", "source": "news/a.txt", "record": None, "url": None, "published": None}],
        [],
        [{"doc_id": "d3", "source": "feed.jsonl", "record": 2,
          "url": "https://www.lemonde.fr/x", "published": datetime(2023, 1, 1, tzinfo=UTC)},
         {"doc_id": "d4", "source": "feed.jsonl", "record": 1,
          "url": "https://lemonde.fr/y", "published": None}],
    ]
    schema = pa.schema([storage.DOCUMENTS.field(name)
                        for name in ("doc_id", "source", "record", "url", "published")])
    for batch_no, staged in enumerate(batches):
        staging.write(tmp_path, batch_no, staging.DOCUMENTS, staged, schema)
    staging.write(tmp_path, 1, staging.REJECTED,
                  [rows.rejected_row("bad.bin", None, "binary", "not text", "run")],
                  storage.REJECTED)
    docs = staging.read_documents(tmp_path, 3)
    assert docs.ids == ["d1", "d2", "d3", "d4"]
    assert docs.batch_sizes == [2, 0, 2]
    assert sorted(docs.rank, key=docs.rank.__getitem__) == ["d3", "d1", "d4", "d2"]
    assert [docs.groups[g] for g in docs.group_of] == [
        "folder:news", "folder:news", "site:lemonde.fr", "site:lemonde.fr"]
    assert docs.sources == {"news/a.txt", "news/b.txt", "feed.jsonl", "bad.bin"}

