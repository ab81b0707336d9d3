"""The run's boundary: what it reads, where it may write, and mistakes that stop it at once.

Each case here was a reproduced fault (issue 16, findings 5, 10, 11, 12): deep trees,
links out of INPUT, devices, OUT inside INPUT, and config or option mistakes that used
to exit 0 or hang. A mistake must exit 2 naming the key, the bad value and what is
allowed, before any work (no `_textclean` folder is made).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from flows.cli import main
from flows.inputs import discover, overlap
from tests.conftest import SEEDS

ARTICLE = ("Le conseil municipal a voté mardi soir le budget de la rénovation de la "
           "piscine, après trois heures de débat.\n")


def _reasons(root: Path, follow_links: bool = False) -> dict[str, str]:
    files, rejected = discover(root, follow_links)
    found = {f.source: "document" for f in files}
    found.update({r.source: r.reason for r in rejected})
    return found


def test_a_thousand_nested_folders_are_walked(tmp_path: Path) -> None:
    # 1,200 levels: past Python's default recursion limit of 1,000, which the
    # recursive walk hit (RecursionError).
    folder = tmp_path / "in"
    relative = "/".join(["d"] * 1_200)
    deepest = folder
    folder.mkdir()
    for _ in range(1_200):  # os.makedirs itself recurses
        deepest = deepest / "d"
        deepest.mkdir()
    (deepest / "deep.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "top.txt").write_text(ARTICLE, encoding="utf-8")
    try:
        assert sys.getrecursionlimit() < 1_200
        assert _reasons(folder) == {"top.txt": "document", f"{relative}/deep.txt": "document"}
    finally:
        # shutil.rmtree recurses too (Python 3.11), so pytest could not clean this up.
        (deepest / "deep.txt").unlink()
        while deepest != folder:
            deepest.rmdir()
            deepest = deepest.parent


def _inputs_with_links(tmp_path: Path) -> Path:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (outside / "sub").mkdir()
    (outside / "sub" / "other.txt").write_text(ARTICLE, encoding="utf-8")
    root = tmp_path / "in"
    (root / "inner").mkdir(parents=True)
    (root / "inner" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink(outside / "secret.txt", root / "passwd.txt")
    os.symlink(outside, root / "etc")
    os.symlink("inner/a.txt", root / "alias.txt")  # stays inside: read
    os.symlink("../inner", root / "inner" / "loop")  # inside, a loop
    os.symlink("/dev/zero", root / "zero.txt")
    os.symlink("/dev/null", root / "null.txt")
    os.mkfifo(root / "pipe.txt")
    return root


def test_links_out_of_input_are_rejected_by_default(tmp_path: Path) -> None:
    assert _reasons(_inputs_with_links(tmp_path)) == {
        "inner/a.txt": "document", "alias.txt": "document", "inner/loop": "symlink_loop",
        "passwd.txt": "outside_input", "etc": "outside_input",
        "zero.txt": "outside_input", "null.txt": "outside_input",
        "pipe.txt": "not_a_regular_file",
    }


def test_follow_links_reads_outside_but_never_devices(tmp_path: Path) -> None:
    assert _reasons(_inputs_with_links(tmp_path), follow_links=True) == {
        "inner/a.txt": "document", "alias.txt": "document", "inner/loop": "symlink_loop",
        "passwd.txt": "document", "etc/secret.txt": "document",
        "etc/sub/other.txt": "document",
        "zero.txt": "not_a_regular_file", "null.txt": "not_a_regular_file",
        "pipe.txt": "not_a_regular_file",
    }


@pytest.mark.parametrize(("output", "expected"), [
    ("in", "is the INPUT folder"),
    ("in/out", "is inside INPUT"),
    ("in/a/b/out", "is inside INPUT"),
    (".", "is inside OUT"),
    ("in-out", None),  # a sibling whose name starts with INPUT's is not inside it
    ("out", None),
])
def test_input_and_output_must_not_overlap(tmp_path: Path, output: str,
                                           expected: str | None) -> None:
    (tmp_path / "in").mkdir()
    found = overlap(tmp_path / "in", tmp_path / output)
    assert (found is None) if expected is None else (found is not None and expected in found)


def test_overlap_sees_through_links(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    os.symlink(tmp_path / "in", tmp_path / "alias")
    assert overlap(tmp_path / "in", tmp_path / "alias" / "out") is not None


@pytest.mark.parametrize("output", ["in", "in/out", "."])
def test_cli_refuses_overlap_before_any_work(tmp_path: Path, output: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["run", str(tmp_path / "in"), "--output", str(tmp_path / output)]) == 2
    assert "choose an output folder outside it" in capsys.readouterr().err
    assert not list(tmp_path.rglob("_textclean"))


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "textclean.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "named"), [
    # key, bad value, and what is allowed, each in the message
    ('[boilerplate]\nextra_patterns = [["(unclosed", "footer"]]\n',
     ("extra_patterns", "(unclosed")),
    ('[sites."example.com"]\nextra_patterns = [["[z-a]", "footer"]]\n',
     ("sites.example.com", "extra_patterns", "[z-a]")),
    ('[boilerplate]\ndisabled_reasons = ["cookie_baner"]\n',
     ("disabled_reasons", "cookie_baner", "cookie_banner")),
    ('[language]\nkeep = ["french"]\n', ("keep", "french", "fr")),
    ('[language]\nkeep = ["fr", "fr-FR"]\n', ("keep", "fr-FR", "de")),
    ('[language]\nkeep = "fr"\n', ("keep", "'fr'", "list")),
])
def test_config_mistakes_exit_2_naming_key_value_and_choices(
        tmp_path: Path, text: str, named: tuple[str, ...],
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, text)
    code = main(["run", str(SEEDS), "--output", str(tmp_path / "o"), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    for word in named:
        assert word in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text", [
    '[boilerplate]\ndisabled_reasons = ["byline", "dateline", "navigation_block"]\n',
    '[boilerplate]\nextra_patterns = [["^abonnez-vous", "subscribe_prompt"]]\n'
    'disabled_reasons = ["subscribe_prompt"]\n',
    '[language]\nkeep = ["fr", "de", "zh", "und"]\n',
])
def test_valid_choices_are_accepted(tmp_path: Path, text: str) -> None:
    from flows.settings import load_settings

    load_settings(_config(tmp_path, text))


@pytest.mark.parametrize(("option", "value"), [
    ("--workers", "0"), ("--workers", "-1"), ("--workers", "two"),
    ("--dask", "local:0"), ("--dask", "local:x"), ("--dask", "somewhere"),
])
def test_bad_options_exit_2(tmp_path: Path, option: str, value: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["run", str(SEEDS), "--output", str(tmp_path / "o"), option, value])
    except SystemExit as stop:  # argparse's own usage errors
        code = int(stop.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert option in err and value in err
    assert not (tmp_path / "o").exists()
