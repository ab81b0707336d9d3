"""The layout's own rules: modules stay small enough to read whole."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600
MODULES = sorted([*ROOT.glob("flows/**/*.py"), *ROOT.glob("cleaners/**/*.py")])


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_600_lines(module: Path) -> None:
    lines = module.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module.relative_to(ROOT)} has {lines} lines: split it by job"


def test_the_layout_has_modules_to_check() -> None:
    assert len(MODULES) > 40
