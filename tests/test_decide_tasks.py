"""The split duplicate search (flows/decide_tasks.py, cleaners/dedup/keep_first.py): the
same decisions, index and capped paragraphs for any number of tasks, in processes too."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.dedup import DedupConfig
from cleaners.dedup.keep_first import keep_first, representatives
from flows import decide as decide_module
from flows import decide_runners, dedup_store
from flows.batch import clean_files
from flows.inputs import discover
from flows.settings import load_settings
from flows.staging import DECISIONS


def _row_by_row(rep: list[int], pairs: dict[tuple[int, int], float], cap: int
                ) -> tuple[list[bool], list[int], list[bool]]:
    """keep_first's rule written plainly, one row after another."""
    kept, of, capped = [], [], []
    for row, first in enumerate(rep):
        if first != row:
            kept.append(False)
            of.append(first if kept[first] else of[first])
            capped.append(False)
            continue
        candidates = sorted(c for (r, c) in pairs if r == row and kept[c])
        capped.append(len(candidates) > cap)
        match = next((c for c in candidates[:cap] if not math.isnan(pairs[(row, c)])), -1)
        kept.append(match < 0)
        of.append(match)
    return kept, of, capped


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 5), max_size=60))
def test_representatives_are_each_keys_first_row(keys: list[int]) -> None:
    first: dict[int, int] = {}
    expected = [first.setdefault(key, row) for row, key in enumerate(keys)]
    assert representatives(np.array(keys, np.uint64)).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 5), max_size=60), st.data())
def test_representatives_from_keys_sorted_in_runs(keys: list[int], data: st.DataObject) -> None:
    # As the search gives them: the rows cut into runs (buckets), each run's keys in
    # stable order of their high 32 bits (as the sort phase saves them) or of the whole
    # keys, with their rows.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(keys)), max_size=4)))
    shift = np.uint64(data.draw(st.sampled_from([0, 32])))
    values = np.array(keys, np.uint64)
    rows = np.concatenate([np.empty(0, np.int64)] + [
        lo + np.argsort(values[lo:hi] >> shift, kind="stable")
        for lo, hi in zip([0, *cuts], [*cuts, len(keys)], strict=True)])
    assert (representatives(values[rows], rows).tolist()
            == representatives(values).tolist())


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_keep_first_is_the_rule_applied_row_by_row(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 40))
    keys = data.draw(st.lists(st.integers(0, n), min_size=n, max_size=n))
    rep = representatives(np.array(keys, np.uint64)).tolist()
    reps = [r for r in range(n) if rep[r] == r]
    pairs: dict[tuple[int, int], float] = {}
    for _ in range(data.draw(st.integers(0, 3 * n))):
        a, b = data.draw(st.sampled_from(reps)), data.draw(st.sampled_from(reps))
        if a != b:
            pairs[(max(a, b), min(a, b))] = data.draw(st.sampled_from([math.nan, 0.6, 0.9]))
    cap = data.draw(st.integers(1, 4))
    items = list(pairs.items())
    random.Random(n).shuffle(items)  # any order of pairs
    result = keep_first(np.array(rep, np.int64),
                        np.array([r for (r, _), _ in items], np.int64),
                        np.array([c for (_, c), _ in items], np.int64),
                        np.array([s for _, s in items], np.float64), cap)
    kept, of, capped = _row_by_row(rep, pairs, cap)
    assert result.kept.tolist() == kept
    assert result.of.tolist() == of
    assert result.capped.tolist() == capped


def test_a_long_chain_of_copies_is_decided_past_the_vectorized_rounds() -> None:
    # Row k verifies only with row k - 1: each round can decide one row only.
    n = 100
    rows = np.arange(1, n, dtype=np.int64)
    result = keep_first(np.arange(n), rows, rows - 1, np.full(n - 1, 0.9), 32)
    assert result.kept.tolist() == [k % 2 == 0 for k in range(n)]


# Paragraphs sharing a long core, each with words of its own: Jaccard about 0.45, every
# pair an LSH candidate and none a near duplicate (issue 16's shape), in three languages.
_CORES = {
    "en": "the regional council met on thursday evening to discuss the new budget for "
          "schools roads and the public library which had been delayed for two years after "
          "the flood destroyed the old building near the river in the spring",
    "fr": "le conseil régional s'est réuni jeudi soir pour discuter du nouveau budget des "
          "écoles des routes et de la bibliothèque publique retardé depuis deux ans après "
          "que la crue a détruit l'ancien bâtiment près de la rivière au printemps",
    "de": "der regionalrat tagte am donnerstagabend um den neuen haushalt für schulen "
          "straßen und die öffentliche bibliothek zu beraten der seit zwei jahren wartet "
          "nachdem das hochwasser im frühling das alte gebäude am fluss zerstört hatte",
}


def _adversarial(root: Path, documents: int) -> None:
    rng = random.Random(7)
    for n in range(documents):
        lang = sorted(_CORES)[n % 3]
        own = " ".join(f"w{rng.randrange(10**6)}" for _ in range(14))
        paragraphs = [f"{_CORES[lang]} {own}.", f"{_CORES[lang]} {own}."]  # one exact repeat
        (root / f"{n:03d}-{lang}.txt").write_text("\n\n".join(paragraphs) + "\n",
                                                   encoding="utf-8")


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, Any]:
    root = tmp_path_factory.mktemp("adversarial")
    (root / "in").mkdir()
    _adversarial(root / "in", 120)
    files, _ = discover(root / "in")
    config = load_settings(None)
    batches = [files[i:i + 25] for i in range(0, len(files), 25)]
    for n, batch in enumerate(batches):
        clean_files(n, batch, str(root / "stage"), config, "run")
    return root / "stage", len(batches), config


def _outcome(stage: Path, version: Path, stats: Any, config: DedupConfig) -> tuple[Any, ...]:
    decisions = sorted(pq.read_table(stage / DECISIONS).to_pylist(),
                       key=lambda r: (r["doc_id"], r["line"]))
    entries = [(d, p) for columns in dedup_store.iter_parts(version, config)
               for d, p in zip(columns.doc_id, columns.position.tolist(), strict=True)]
    return decisions, dict(stats.duplicates), stats.capped, entries


@pytest.mark.parametrize("cap", [3, 8])
def test_capped_paragraphs_and_decisions_do_not_depend_on_the_tasks(
        adversarial: tuple[Path, int, Any], tmp_path: Path, cap: int) -> None:
    from dataclasses import replace

    stage, batches, config = adversarial
    config = replace(config, dedup=replace(config.dedup, max_candidates=cap))
    outcomes = []
    for tasks in (1, 2, 4, 8):
        version = tmp_path / f"v{tasks}"
        stats = decide_module.decide(str(stage), batches, config, True, None, str(version),
                                     tasks, decide_runners.threads)
        outcomes.append(_outcome(stage, version, stats, config.dedup))
    assert outcomes[0][2] > 0  # paragraphs were capped
    # Each document's repeat is left in its text (not reported) and not indexed.
    assert len(outcomes[0][3]) == 120
    assert all(outcome == outcomes[0] for outcome in outcomes[1:])


def test_tasks_in_processes_and_more_tasks_than_buckets_decide_the_same(
        adversarial: tuple[Path, int, Any], tmp_path: Path) -> None:
    stage, batches, config = adversarial
    want = decide_module.decide(str(stage), batches, config, True, None, str(tmp_path / "a"))
    expected = _outcome(stage, tmp_path / "a", want, config.dedup)
    with decide_runners.processes(3) as run:
        got = decide_module.decide(str(stage), batches, config, True, None,
                                   str(tmp_path / "b"), 3, run)
    assert _outcome(stage, tmp_path / "b", got, config.dedup) == expected


@pytest.mark.parametrize(("value", "parsed"), [("3", 3), ("1", 1), ("0", None), ("-2", None),
                                               ("two", None)])
def test_decide_tasks_option_takes_a_positive_count(value: str, parsed: int | None) -> None:
    from flows.cli import build_parser

    argv = ["run", "in", "--output", "out", "--decide-tasks", value]
    if parsed is None:
        with pytest.raises(SystemExit) as stop:
            build_parser().parse_args(argv)
        assert stop.value.code == 2
    else:
        assert build_parser().parse_args(argv).decide_tasks == parsed


@pytest.mark.parametrize("drop_repeats", [True, False])
def test_a_run_with_nothing_staged_carries_the_index_without_running_a_phase(
        adversarial: tuple[Path, int, Any], tmp_path: Path, drop_repeats: bool) -> None:
    # A warm run whose files are all unchanged stages no paragraph: the split search
    # then runs no task at all (issue 20), and still decides what the one-process
    # reference path decides: nothing, with the earlier index carried whole.
    from dataclasses import replace

    stage, batches, config = adversarial
    config = replace(config, dedup=replace(config.dedup,
                                           drop_repeats_within_document=drop_repeats))
    first = tmp_path / "first"
    decide_module.decide(str(stage), batches, config, True, None, str(first), 1)
    calls: list[str] = []

    def recording(phase: str, function: Any, args: list[tuple[Any, ...]],
                  meanwhile: Any = None) -> list[Any]:
        calls.append(phase)
        return decide_runners.inline(phase, function, args, meanwhile)

    outcomes = []
    for tasks, run in ((1, recording), (2, recording), (0, decide_runners.inline)):
        empty = tmp_path / f"stage{tasks}"
        empty.mkdir()
        version = tmp_path / f"second{tasks}"
        stats = decide_module.decide(str(empty), 0, config, True, str(first), str(version),
                                     tasks, run)
        outcomes.append((*_outcome(empty, version, stats, config.dedup),
                         stats.index_entries_before, stats.index_entries_after,
                         stats.clusters))
    assert calls == []
    assert outcomes[0][0] == [] and outcomes[0][3] == _outcome(
        stage, first, decide_module.DecideStats(), config.dedup)[3]
    assert outcomes[0][4] == outcomes[0][5] == len(outcomes[0][3]) > 0
    assert outcomes[0] == outcomes[1] == outcomes[2]


# In a fresh interpreter: in this one, the heap that earlier tests left may hold free
# blocks of 1 MB, which glibc hands out without mapping anything.
_FAULTS = """
import resource
import numpy as np
from flows import decide_runners

def faults_of_five():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        np.ones(1 << 17).sum()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

with decide_runners.reusing_freed_memory():
    pass
outside = faults_of_five()
with decide_runners.reusing_freed_memory():
    np.ones(1 << 17).sum()  # the heap grows once
    inside = faults_of_five()
print(outside, inside)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux only")
def test_a_task_reuses_the_memory_it_frees() -> None:
    # Inside `reusing_freed_memory`, a 1 MB temporary freed and made again comes from
    # glibc's heap; with glibc's defaults (set back as the block ends) it is mapped
    # afresh each time, and its 256 pages are faulted in again.
    done = subprocess.run([sys.executable, "-c", _FAULTS], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    outside, inside = map(int, done.stdout.split())
    assert outside >= 5 * 200
    assert inside < 100


def test_tasks_at_once_share_the_memory_settings_until_the_last_ends() -> None:
    # Two tasks on threads of one process (a Dask worker's), the first in ending first:
    # it must not set Arrow's pool back under the other.
    pyarrow = pytest.importorskip("pyarrow")
    before = pyarrow.default_memory_pool().backend_name
    first, second = decide_runners.reusing_freed_memory(), decide_runners.reusing_freed_memory()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert pyarrow.default_memory_pool().backend_name == "system"
    second.__exit__(None, None, None)
    assert pyarrow.default_memory_pool().backend_name == before
