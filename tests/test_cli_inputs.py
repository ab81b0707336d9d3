"""The command line's input and feedback options: --version, --dry-run, --include and
--exclude, and the per-document progress the bar reads."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from flows.batch import clean_files
from flows.cli import main, run_link
from flows.inputs import discover
from flows.settings import Settings
from flows.staging import PROGRESS, batch_folder, progress
from tests.conftest import SEEDS

CRAWLERS = Path(__file__).parent / "data" / "crawlers"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"textclean {version('textclean')}"


@pytest.mark.parametrize(("options", "read", "left_out", "kinds"), [
    ([], 5, 0, "jsonl 5"),
    (["--exclude", "**/gold.jsonl"], 4, 1, "jsonl 4"),
    (["--include", "news_*.jsonl", "--include", "d*.jsonl"], 2, 3, "jsonl 2"),
])
def test_dry_run_prints_what_would_run_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], read: int,
        left_out: int, kinds: str) -> None:
    folder = tmp_path / "in"
    shutil.copytree(CRAWLERS, folder)
    (folder / "gold.jsonl").write_text('{"source": "a.txt"}\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder), "--output", str(out), "--dry-run", *options]) == 0
    printed = capsys.readouterr().out
    assert f"{read} files would be read" in printed and f"({left_out} left out" in printed
    assert f"kinds       {kinds}" in printed
    assert not out.exists()


def test_dry_run_still_checks_the_config(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[output]\npartition_by = "site"\n', encoding="utf-8")
    assert main(["run", str(SEEDS), "-o", str(tmp_path / "o"), "--config", str(config),
                 "--dry-run"]) == 2
    assert "partition_by" in capsys.readouterr().err


def test_batches_note_their_documents_for_the_progress_bar(tmp_path: Path) -> None:
    files, _ = discover(CRAWLERS)
    clean_files(0, files[:2], str(tmp_path), Settings(), "run", dedup=False)
    clean_files(1, files[2:], str(tmp_path), Settings(), "run", dedup=False)
    records = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in CRAWLERS.glob("*"))
    assert progress(tmp_path) == (len(files), records)
    assert json.loads((batch_folder(tmp_path, 1) / PROGRESS).read_text())["files"] == 2


def test_no_ui_link_without_a_server() -> None:
    # The embedded server is gone when the run ends: there is no page to link to.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert run_link("0b7f0c3e-1111-4222-8333-444455556666") is None
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert run_link("0b7f") == "http://127.0.0.1:4200/runs/flow-run/0b7f"
