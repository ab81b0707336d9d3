"""The command line: exit codes, errors a person can act on, the summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.cli import main
from flows.storage import OutputFolder
from tests.conftest import SEEDS


def test_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--output", "--no-dedup", "--config", "--verbose", "--json"):
        assert option in out


def test_missing_input_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope"), "--output", str(tmp_path / "o")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_bad_config_stops_before_the_run(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[limits]\nmax_file_bytes = 'a lot'\n", encoding="utf-8")
    code = main(["run", str(SEEDS), "--output", str(tmp_path / "o"), "--config", str(config)])
    assert code == 2
    assert "max_file_bytes" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_server")
def test_run_prints_json_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEEDS / "002_d4a370d43273cd0c.txt", inputs)
    (inputs / "x.bin").write_bytes(b"\0\1\2")
    assert main(["run", str(inputs), "--output", str(tmp_path / "o"), "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["counts"]["documents"] == 1
    assert manifest["rejected_by_reason"] == {"unsupported_type": 1}


@pytest.mark.usefixtures("prefect_server")
def test_second_run_on_a_locked_output_fails_cleanly(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = OutputFolder(tmp_path / "o")
    with out.lock():
        assert main(["run", str(SEEDS), "--output", str(out.root)]) == 1
    assert "another textclean run" in capsys.readouterr().err
    assert not (out.root / "documents").exists()


def test_the_collector_turned_off_for_the_start_up_is_on_for_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `command` runs a run's start-up without the cyclic garbage collector (issue 20):
    # the flow must run with it on again, and no other command may be left without it.
    import contextlib
    import gc
    from collections.abc import Iterator

    from flows import cli

    seen: list[tuple[bool, int]] = []

    @contextlib.contextmanager
    def api_for_run(server: object) -> Iterator[None]:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        raise RuntimeError("no server in this test")
        yield

    monkeypatch.setattr(cli.prefect_server, "start_early", lambda: None)
    monkeypatch.setattr(cli.prefect_server, "api_for_run", api_for_run)
    try:
        for argv, code in ((["run", str(SEEDS), "--output", str(tmp_path / "o")], 1),
                           (["reindex", str(tmp_path / "not-an-output")], 2)):
            gc.disable()
            assert main(argv) == code
            assert gc.isenabled()
        assert len(seen) == 1 and seen[0][0] and seen[0][1] > 10_000
    finally:
        gc.enable()
        gc.unfreeze()
