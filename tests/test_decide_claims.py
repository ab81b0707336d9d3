"""How a decide phase's tasks share its units (flows/decide_claims.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import decide_claims


def test_tasks_take_each_unit_once_in_turn(tmp_path: Path) -> None:
    (tmp_path / decide_claims.FOLDER).mkdir()
    units = [7, 3, 9, 1, 4]
    first = decide_claims.claimed(tmp_path, "sort", units)
    second = decide_claims.claimed(tmp_path, "sort", units)
    taken = [next(first), next(second), next(second), next(first)]
    assert taken == [7, 3, 9, 1]
    assert list(second) == [4] and list(first) == []
    # Each phase counts its own units.
    assert list(decide_claims.claimed(tmp_path, "index", units)) == units


@pytest.mark.parametrize(("done", "complete"), [
    ([[0, 2], [1, 3]], True),
    ([[3, 1, 0, 2], []], True),
    ([[0, 2], [3]], False),  # a task lost after taking unit 1
    ([[0, 1, 2], [2, 3]], False),  # unit 2 done twice
])
def test_a_phase_stops_the_run_unless_each_unit_was_done_once(
        done: list[list[int]], complete: bool) -> None:
    if complete:
        decide_claims.all_done("sort", range(4), done)
    else:
        with pytest.raises(RuntimeError, match="sort tasks did"):
            decide_claims.all_done("sort", range(4), done)
