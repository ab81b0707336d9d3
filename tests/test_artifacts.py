"""The run report: examples of removed lines, read slice by slice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows import artifacts, storage
from flows.rows import removed_row

LINES = [("cookie_banner", "Nous utilisons des cookies pour améliorer votre expérience."),
         ("share_prompt", "Compartir en Facebook"), ("cookie_banner", "Wir verwenden Cookies."),
         ("site_template", "Читайте также"), ("share_prompt", "Jaa Twitterissä"),
         ("cookie_banner", "This site uses cookies."), ("cookie_banner", "Usamos cookies."),
         ("share_prompt", "分享到微博")]


def _output(tmp_path: Path) -> storage.OutputFolder:
    out = storage.OutputFolder(tmp_path / "out")
    version = out.version("r1")
    rows = [removed_row(f"d{n}", f"src/{n}.txt", n + 1, text, reason, reason, "r1")
            for n, (reason, text) in enumerate(LINES)]
    storage.write_part(version / "removed", "part-00000.parquet", rows[:5], storage.REMOVED)
    storage.write_part(version / "removed", "part-00001.parquet", rows[5:], storage.REMOVED)
    os.symlink(os.path.join("versions", "r1"), out.home / "current")
    return out


@pytest.mark.parametrize("slice_rows", [1, 2, 50_000])
def test_examples_are_the_first_lines_of_each_reason_whatever_the_slice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int) -> None:
    monkeypatch.setattr(artifacts, "SLICE_ROWS", slice_rows)
    out = _output(tmp_path)
    manifest = {"run_id": "r1", "seconds": 1.0, "rejected_by_reason": {}, "languages": {},
                "duplicate_clusters": [],
                "removed_by_reason": {"cookie_banner": 4, "share_prompt": 3, "site_template": 1},
                "counts": {"input_files": 8, "documents": 8, "rejected": 0, "removed_lines": 8,
                           "duplicate_paragraphs": 0, "chars_in": 1, "chars_out": 1}}
    report = artifacts.report_markdown(manifest, out, examples_per_reason=2)
    [cookies] = [line for line in report.splitlines() if line.startswith("| cookie_banner")]
    assert "améliorer" in cookies and "Wir verwenden" in cookies
    assert "This site uses" not in cookies
    [shares] = [line for line in report.splitlines() if line.startswith("| share_prompt")]
    assert "Facebook" in shares and "Twitterissä" in shares and "微博" not in shares
    assert "Читайте также" in report
