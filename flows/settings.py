"""Run settings: limits, batching and per-stage options, read from an optional TOML file.

The config file is the one place users change behaviour (see docs/config.md). A wrong
key or a wrong type stops the run at once with a `ConfigError` naming it: a typo must
never silently fall back to a default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cleaners.boilerplate import SHIPPED_LANGUAGES, BoilerplateConfig, known_reasons
from cleaners.dedup import DedupConfig
from cleaners.extract import ExtractConfig
from cleaners.language import LANGUAGES, UNDETERMINED, LanguageConfig
from cleaners.normalize import NormalizeConfig
from cleaners.pipeline import PipelineConfig
from cleaners.templates import TemplateConfig
from flows.jsonl import JsonlFields


class ConfigError(ValueError):
    """The config file cannot be used as written."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep one hostile file from stalling or exhausting a run.

    max_file_bytes: larger files are rejected (`too_large`) without being read.
    max_expanded_bytes: a `.gz` file that decompresses past this is rejected
        (`too_large_expanded`), so a small gzip bomb cannot fill memory.
    max_line_chars: a document with a longer line is rejected (`line_too_long`): no
        real paragraph is that long, and regex-based stages stay linear below it.
    max_lines: a document with more lines is rejected (`too_many_lines`), counted while
        its bytes are read or decompressed. Cleaning holds about 1.2 KB per line (a
        5.9 KB `.gz` of 3M short lines peaked at 3.6 GB, issue 16); 250,000 lines keep
        one document near 300 MB, and the longest real documents measured (a
        100,000-line log) stay well inside.
    max_record_bytes: a JSON Lines record longer than this is rejected (`too_large`)
        before it is decoded or parsed, so one 200 MB line in a small `.gz` costs its
        bytes once, not 3.4 GB of copies. The same 64 MB as a plain file.
    max_seconds_per_document, max_seconds_per_megabyte: a document still being cleaned
        after `max_seconds_per_document` plus `max_seconds_per_megabyte` per MB of its
        input is stopped and rejected (`time_limit`); 0 for the first turns the limit
        off. Documents are cleaned at 150 a second on one core; the slowest real ones
        measured are large, 2.4-4 s per MB on a loaded 2-core machine (a 4.4 MB
        document of 100,000 lines 15 s, 10 MB of paragraphs 24 s, a 5 MB HTML page
        21 s), so the defaults leave a small document a minute and a 64 MB one 12
        minutes: far above any real document, low enough that a runaway one costs a
        night's run minutes, not hours. How a document is stopped, and the one case
        where it can run longer (a single regular-expression match in a thread), is
        explained in flows/timeout.py.
    """

    max_file_bytes: int = 64 * 1024 * 1024
    max_expanded_bytes: int = 256 * 1024 * 1024
    max_line_chars: int = 200_000
    max_lines: int = 250_000
    max_record_bytes: int = 64 * 1024 * 1024
    max_seconds_per_document: float = 60.0
    max_seconds_per_megabyte: float = 10.0

    def seconds_for(self, size: int) -> float:
        """The time limit of a document of `size` bytes or characters (0: no limit)."""
        if self.max_seconds_per_document <= 0:
            return 0.0
        return self.max_seconds_per_document + self.max_seconds_per_megabyte * size / 1e6

    def __post_init__(self) -> None:
        if self.max_seconds_per_document < 0 or self.max_seconds_per_megabyte < 0:
            raise ValueError("time limits cannot be negative")


@dataclass(frozen=True, slots=True)
class Batching:
    """How files are grouped into Prefect task runs.

    A task run costs 10-190 ms of orchestration, so tasks work on batches of hundreds of
    documents, never one each; `files` and `bytes` bound a batch, whichever comes first.
    A run of fewer files gets smaller batches, so that each worker process still has
    several (`flows.clean_corpus.plan_batches`): its last batch is then short.
    """

    files: int = 4000
    bytes: int = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Selection:
    """Which files under INPUT are read: `--include` / `--exclude` and `[input]`.

    Globs are matched against a file's source (its `/`-separated path under INPUT) with
    `**` for any number of folders, `*` and `?` within one name, `[abc]` for one of
    those characters (case-sensitive). A file is read when it matches some `include` (or there is
    none) and no `exclude`; a file left out is not an input of the run at all (no
    `rejected` row), as a file outside INPUT is not. Example: exclude = ["**/gold.jsonl"].
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Layout:
    """How the output tables are laid out: `--partition-by` and `[output]`.

    partition_by: "" (one folder of part files per table) or "language": the documents
        and paragraphs tables are split into hive folders `language=fr/`, by the
        document's and the paragraph's own language; the `language` column stays in the
        files, so readers with or without hive partitioning see the same rows. The
        removed and rejected tables are never partitioned.
    """

    partition_by: str = ""

    def __post_init__(self) -> None:
        if self.partition_by not in ("", "language"):
            raise ValueError(f"partition_by: expected \"language\" or \"\", "
                             f"got {self.partition_by!r}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs besides its input and output paths."""

    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    templates: TemplateConfig = field(default_factory=TemplateConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    limits: Limits = field(default_factory=Limits)
    batching: Batching = field(default_factory=Batching)
    sites: tuple[tuple[str, BoilerplateConfig], ...] = ()
    keep_languages: frozenset[str] = frozenset()
    jsonl: JsonlFields = field(default_factory=JsonlFields)
    selection: Selection = field(default_factory=Selection)
    layout: Layout = field(default_factory=Layout)


def _build(cls: type, section: dict[str, Any], where: str) -> Any:
    names = {f.name: f for f in fields(cls)}
    unknown = sorted(set(section) - set(names))
    if unknown:
        raise ConfigError(f"[{where}]: unknown key(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(names))}")
    values: dict[str, Any] = {}
    default = cls()
    for key, value in section.items():
        current = getattr(default, key)
        if isinstance(current, frozenset):
            value = frozenset(value)
        elif isinstance(current, tuple):
            if not isinstance(value, list):
                raise ConfigError(f"[{where}] {key}: expected a list, got {value!r}")
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        elif isinstance(current, bool) and not isinstance(value, bool):
            raise ConfigError(f"[{where}] {key}: expected true or false, got {value!r}")
        elif isinstance(current, int | float) and not isinstance(current, bool) and (
                isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"[{where}] {key}: expected a number, got {value!r}")
        values[key] = value
    try:
        return replace(default, **values)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"[{where}]: {error}") from error


def load_settings(path: str | Path | None) -> Settings:
    """Settings from a TOML config file, or the defaults when `path` is None."""
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from error
    known = {"extract", "normalize", "boilerplate", "language", "templates", "dedup",
             "limits", "batching", "sites", "jsonl", "input", "output"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")
    language_section = dict(data.get("language", {}))
    keep = language_section.pop("keep", [])
    boilerplate = _build(BoilerplateConfig, data.get("boilerplate", {}), "boilerplate")
    pipeline = PipelineConfig(
        extract=_build(ExtractConfig, data.get("extract", {}), "extract"),
        normalize=_build(NormalizeConfig, data.get("normalize", {}), "normalize"),
        boilerplate=boilerplate,
        language=_build(LanguageConfig, language_section, "language"),
    )
    sites = tuple(
        (site.lower(), _build(BoilerplateConfig, _site_section(data, section), f"sites.{site}"))
        for site, section in sorted(data.get("sites", {}).items())
    )
    _check_boilerplate(boilerplate, "boilerplate")
    for site, config in sites:
        _check_boilerplate(config, f"sites.{site}")
    return Settings(
        pipeline=pipeline,
        templates=_build(TemplateConfig, data.get("templates", {}), "templates"),
        dedup=_build(DedupConfig, data.get("dedup", {}), "dedup"),
        limits=_build(Limits, data.get("limits", {}), "limits"),
        batching=_build(Batching, data.get("batching", {}), "batching"),
        sites=sites,
        keep_languages=_languages(keep),
        jsonl=_build(JsonlFields, _listed(data.get("jsonl", {})), "jsonl"),
        selection=_build(Selection, _listed(data.get("input", {})), "input"),
        layout=_build(Layout, data.get("output", {}), "output"),
    )


def _languages(keep: Any) -> frozenset[str]:
    # A name the detector never answers ("french", "fr-FR") would reject every
    # document as language_filtered: refuse it before the run instead.
    allowed = LANGUAGES | {UNDETERMINED}
    if not isinstance(keep, list) or not all(isinstance(code, str) for code in keep):
        raise ConfigError(f"[language] keep: expected a list of language codes, got {keep!r}")
    unknown = sorted(set(keep) - allowed)
    if unknown:
        raise ConfigError(
            f"[language] keep: {', '.join(map(repr, unknown))} is not a language code the "
            f"detector answers; use ISO 639-1 codes: {', '.join(sorted(allowed))}")
    return frozenset(keep)


def _check_boilerplate(config: BoilerplateConfig, where: str) -> None:
    # Checked here, once, so that a mistake stops the run before any work instead of
    # failing every document on the workers. Invalid `extra_patterns` already stopped
    # when the config was built (BoilerplateConfig compiles them on RE2); compiling the
    # whole lexicon here as well would cost half a second per section, twice a run.
    unknown_files = sorted(set(config.languages) - set(SHIPPED_LANGUAGES))
    if unknown_files:
        raise ConfigError(
            f"[{where}] languages: no lexicon file for {', '.join(map(repr, unknown_files))}; "
            f"shipped: {', '.join(SHIPPED_LANGUAGES)}")
    known = known_reasons(config)
    unknown = sorted(config.disabled_reasons - known)
    if unknown:
        raise ConfigError(
            f"[{where}] disabled_reasons: unknown reason(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}")


def _listed(section: dict[str, Any]) -> dict[str, Any]:
    # `text = "body"` is read as `text = ["body"]`: one path is a list of one.
    return {key: [value] if isinstance(value, str) else value
            for key, value in section.items()}


def _site_section(data: dict[str, Any], section: dict[str, Any]) -> dict[str, Any]:
    # A site starts from the global [boilerplate] section: lists (extra patterns,
    # disabled reasons) are added to the global ones, single values replace them.
    merged = dict(data.get("boilerplate", {}))
    for key, value in section.items():
        base = merged.get(key)
        merged[key] = base + value if isinstance(base, list) and isinstance(value, list) else value
    return merged
