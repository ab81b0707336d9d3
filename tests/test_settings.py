"""The config file: every section read, typos and wrong types refused at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import ConfigError, Settings, load_settings


def test_no_file_gives_defaults() -> None:
    assert load_settings(None) == Settings()


def test_sections_are_read(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[limits]\nmax_file_bytes = 1000\n'
        '[batching]\nfiles = 7\n'
        '[language]\nkeep = ["fr", "en"]\n'
        '[sites."example.com"]\ndisabled_reasons = ["photo_credit"]\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.limits.max_file_bytes == 1000
    assert settings.batching.files == 7
    assert settings.keep_languages == {"fr", "en"}
    (site, config), = settings.sites
    assert site == "example.com" and "photo_credit" in config.disabled_reasons


@pytest.mark.parametrize(("text", "message"), [
    ("[limts]\nx = 1\n", "unknown section"),
    ("[limits]\nmax_file_byte = 1\n", "unknown key"),
    ('[limits]\nmax_file_bytes = "big"\n', "expected a number"),
    ("[limits\n", "cannot read config file"),
])
def test_mistakes_stop_with_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_the_time_limit_is_read_and_grows_with_size(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[limits]\nmax_seconds_per_document = 5\nmax_seconds_per_megabyte = 2.5\n",
                    encoding="utf-8")
    limits = load_settings(path).limits
    assert limits.seconds_for(0) == 5
    assert limits.seconds_for(2_000_000) == 10


def test_a_zero_time_limit_turns_it_off() -> None:
    from flows.settings import Limits
    assert Limits(max_seconds_per_document=0).seconds_for(10**9) == 0
    assert Settings().limits.seconds_for(1000) > 0  # on by default


@pytest.mark.parametrize("text", [
    "[limits]\nmax_seconds_per_document = -1\n",
    "[limits]\nmax_seconds_per_megabyte = -0.5\n",
    '[limits]\nmax_seconds_per_document = "1m"\n',
])
def test_a_wrong_time_limit_stops_with_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"max_seconds|cannot be negative"):
        load_settings(path)
