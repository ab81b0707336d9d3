"""The work of one batch, kept apart from Prefect so it runs the same in a thread, a
process pool or a Dask worker, and in tests.

Two steps per batch, around the cross-document decisions of `flows.decide`:

1. `clean_files`: read the batch's files, run the per-document stages, write staging
   part files (documents, paragraphs, removed, rejected), plus what the cross-document
   step needs instead of the text: each paragraph's dedup signature (exact key, band
   keys, shingles) and each short line's template key. Hashing here runs in parallel,
   and `flows.decide` never has to hold every paragraph's text.
2. `finalize_batch` (`flows.finalize`): apply the run's decisions (template lines
   removed, duplicate paragraphs flagged) to the staged rows and write the final part
   files.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import multiprocessing
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cleaners.language import LanguageConfig, LanguageDetector
from cleaners.pipeline import CleanDocument, PipelineConfig, RawDocument, Toolkit, clean_document
from cleaners.reasons import (
    INTERNAL_ERROR,
    LANGUAGE_FILTERED,
    LINE_TOO_LONG,
    TIME_LIMIT,
    WORKER_DIED,
)
from cleaners.records import Rejection
from flows import site_templates, staging, storage
from flows.inputs import InputFile, RejectedInput, content_hash, read_documents
from flows.rows import (
    rejected_row,
    removed_row,
)
from flows.settings import Settings
from flows.staging import (
    CURRENT,
    DOCUMENTS,
    INPUTS,
    INPUTS_SCHEMA,
    PARAGRAPHS,
    REJECTED,
    REMOVED,
    SIGNATURES,
    site_of,
)
from flows.timeout import TimeLimitExceeded, call_with_time_limit


@dataclass(slots=True)
class Cleaned:
    """What cleaning one batch read: its files and their bytes, and what it rejected
    (for the log; the run's counts are taken from the final rows, `count_rows`)."""

    files: int = 0
    bytes_in: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def add(self, other: Cleaned) -> None:
        self.files += other.files
        self.bytes_in += other.bytes_in
        self.rejected.update(other.rejected)


@functools.lru_cache(maxsize=32)
def toolkit(config: PipelineConfig) -> Toolkit:
    """One toolkit per process and config: compiling the lexicon and loading language
    profiles costs far more than cleaning a document. Per-site configs differ only in
    boilerplate settings, so they share one detector (0.5 s and 9 MB each)."""
    tools = Toolkit(config, detector=_detector(config.language))
    if multiprocessing.parent_process() is not None:
        # A worker process keeps its imports and toolkit (~77,000 objects the garbage
        # collector tracks) until it exits: frozen, its collections stop walking them
        # (0.7% of cleaning a batch -> 0.2%).
        gc.freeze()
    return tools


@functools.lru_cache(maxsize=4)
def _detector(config: LanguageConfig) -> LanguageDetector:
    return LanguageDetector(config)


# A page's own URL: <link rel="canonical" href=...> or <meta property="og:url" ...>, in
# either attribute order. Read from the head only (bounded), one linear scan per pattern.
_PAGE_HEAD = 64 * 1024
_ATTRS = rb"[^>]{0,500}?"
_HREF = rb"""["']?(https?://[^"'\s>]{1,500})"""
_PAGE_URL = tuple(re.compile(pattern, re.I) for pattern in (
    rb"<link\s" + _ATTRS + rb"""rel=["']?canonical["'\s]""" + _ATTRS + rb"href=" + _HREF,
    rb"<link\s" + _ATTRS + rb"href=" + _HREF + rb"""["'\s]""" + _ATTRS
    + rb"""rel=["']?canonical\b""",
    rb"<meta\s" + _ATTRS + rb"""property=["']?og:url["'\s]""" + _ATTRS + rb"content=" + _HREF,
    rb"<meta\s" + _ATTRS + rb"content=" + _HREF + rb"""["'\s]""" + _ATTRS
    + rb"""property=["']?og:url\b""",
))


def page_url(data: bytes | str) -> str | None:
    """The URL a page gives for itself (canonical link, else og:url), or None.

    >>> page_url(b'<head><meta content="https://www.lemonde.fr/a" property="og:url">')
    'https://www.lemonde.fr/a'
    >>> page_url("<link href='https://example.org/x' rel='canonical'>"), page_url(b"<p>")
    ('https://example.org/x', None)
    """
    head = data[:_PAGE_HEAD]
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    for pattern in _PAGE_URL:
        match = pattern.search(head)
        if match:
            return match[1].decode("ascii", "replace")
    return None


def _tools_for(raw: RawDocument, settings: Settings, default: Toolkit) -> Toolkit:
    # A site with its own [sites."host"] section gets its own lexicon; the toolkit
    # cache keeps one per config, so this costs a lookup per document. An HTML file
    # has no URL beside it: the page's canonical or og:url names its site. The run's
    # own toolkit is `default`, looked up once per batch: the cache's key, the whole
    # pipeline config, took 20-50 µs to hash, 1% of a document's cleaning.
    if not settings.sites:
        return default
    url = raw.url or (page_url(raw.data) if raw.kind == "html" else None)
    site_config = dict(settings.sites).get(site_of(url) or "")
    if site_config is None:
        return default
    return toolkit(replace(settings.pipeline, boilerplate=site_config))


_BREAKS = re.compile("[\r\n]")
_BREAKS_BYTES = re.compile(b"[\r\n]")


def _too_long_line(raw: RawDocument, limit: int) -> bool:
    # Line-based stages see text lines; HTML is parsed as a tree (a minified page is one
    # long line) and its extracted text has one paragraph per line, so it is not checked.
    # A line ends at \n or \r (old Mac files use \r alone). Bytes of a file count as
    # characters here: a bound, not an exact count.
    if raw.kind == "html" or len(raw.data) <= limit:
        return False
    breaks: Any = _BREAKS_BYTES if isinstance(raw.data, bytes) else _BREAKS
    # Splitting is linear; a bounded-repeat search would rescan each long line per offset.
    return max(map(len, breaks.split(raw.data))) > limit


def clean_files(batch_no: int, files: Sequence[InputFile], stage: str,
                settings: Settings, run_id: str, dedup: bool = True,
                hash_inputs: bool = False, killers: Set[Suspect] | None = None
                ) -> Cleaned:
    """Clean the documents of `files` and write the batch's staging part files.

    With `dedup`, each paragraph's dedup signature is staged too (see the module's doc);
    with `hash_inputs`, each file's content hash (for the next incremental run).
    With `killers` (a batch cleaned again after its worker died, `clean_files_alone`),
    each file and document is noted in the batch's CURRENT file before it is read or
    cleaned, and those in `killers` are rejected as `worker_died` without being touched.
    """
    stats = Cleaned(files=len(files))
    documents: list[dict[str, Any]] = []
    paragraphs: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []

    def reject(source: str, record: int | None, reason: str, message: str) -> None:
        stats.rejected[reason] += 1
        rejected.append(rejected_row(source, record, reason, message, run_id))

    hashes: list[dict[str, Any]] = []
    default_tools = toolkit(settings.pipeline)  # built once per process: not timed
    folder = staging.batch_folder(stage, batch_no)
    current = _Current(folder, killers) if killers is not None else None
    noted = time.monotonic()
    for done, file in enumerate(files):
        if time.monotonic() - noted > PROGRESS_SECONDS:
            staging.note_progress(stage, batch_no, done, len(documents))
            noted = time.monotonic()
        stats.bytes_in += file.size
        # Hashed from the same read as cleaned (an unreadable file gets no hash; reading
        # it reports why, as a rejected row).
        read_hashes: dict[str, str] | None = {} if hash_inputs else None
        if current is not None and current.check(file.source, None):
            reject(file.source, None, WORKER_DIED, WORKER_DIED_MESSAGE)
            if read_hashes is not None:
                with contextlib.suppress(OSError):
                    read_hashes[file.source] = content_hash(file.path)
                hashes += _hash_rows(read_hashes, file)
            continue
        items = read_documents(file, settings.limits, settings.jsonl, read_hashes)
        for item in items if current is None else current.reading(file.source, items):
            if isinstance(item, RejectedInput):
                reject(item.source, item.record, item.reason, item.message)
                continue
            if current is not None and current.check(item.source, item.record):
                reject(item.source, item.record, WORKER_DIED, WORKER_DIED_MESSAGE)
                continue
            if _too_long_line(item, settings.limits.max_line_chars):
                reject(item.source, item.record, LINE_TOO_LONG,
                       f"a line is longer than {settings.limits.max_line_chars} characters")
                continue
            seconds = settings.limits.seconds_for(len(item.data))
            try:
                tools = _tools_for(item, settings, default_tools)
                result = call_with_time_limit(seconds, clean_document, item, tools)
            except TimeLimitExceeded:
                # A runaway document (flows/timeout.py) is stopped and named; the rest
                # of the batch is cleaned.
                reject(item.source, item.record, TIME_LIMIT,
                       f"still being cleaned after {seconds:.3g} s, the limit for its size "
                       "([limits] max_seconds_per_document, max_seconds_per_megabyte)")
                continue
            except Exception as error:
                # A cleaner bug on one document becomes a rejected row naming it, so the
                # night's run goes on and the bug is visible in `rejected` and the manifest.
                reject(item.source, item.record, INTERNAL_ERROR,
                       f"{type(error).__name__}: {error}"[:500])
                continue
            if isinstance(result, Rejection):
                reject(item.source, item.record, result.reason, result.message)
                continue
            if settings.keep_languages and result.language not in settings.keep_languages:
                reject(item.source, item.record, LANGUAGE_FILTERED,
                       f"language {result.language} is not in {sorted(settings.keep_languages)}")
                continue
            _rows_of(result, run_id, documents, paragraphs, removed)
        if read_hashes is not None:
            hashes += _hash_rows(read_hashes, file)

    if current is not None:
        current.close()  # a death from here on is not a document's
    staging.note_progress(stage, batch_no, len(files), len(documents))
    for name, table in ((DOCUMENTS, documents), (PARAGRAPHS, paragraphs),
                        (REMOVED, removed), (REJECTED, rejected)):
        staging.write(stage, batch_no, name, table, storage.SCHEMAS[name])
    if hash_inputs:
        staging.write(stage, batch_no, INPUTS, hashes, INPUTS_SCHEMA)
    site_templates.stage(Path(stage), batch_no, paragraphs, settings.templates)
    if dedup:
        staging.write(stage, batch_no, SIGNATURES,
                      staging.signatures_table(paragraphs, settings.dedup),
                      staging.signatures_schema(settings.dedup))
    return stats


def _hash_rows(read_hashes: Mapping[str, str], file: InputFile) -> list[dict[str, Any]]:
    return [{"source": file.source, "content_hash": read_hashes[file.source],
             "bytes": file.size}] if file.source in read_hashes else []


T = TypeVar("T")
Suspect = tuple[str, int | None]
WORKER_DIED_MESSAGE = ("the worker process died twice while cleaning it (killed by the "
                       "system, e.g. out of memory, or crashed); the rest of its batch was "
                       "cleaned without it")
#: Deaths of a lone worker on one document (or file, while reading it) before that
#: document is rejected as `worker_died`.
DEATHS_TO_REJECT = 2
#: Documents of one batch rejected as `worker_died` before the batch fails instead: so
#: many means the machine, not the documents, kills the workers.
MOST_KILLERS_PER_BATCH = 5


class _Current:
    """The batch's CURRENT file: which file or document its worker is on.

    Written with two system calls on a file kept open (a few µs beside a document's
    6.7 ms); the kernel keeps what was written when the process is killed.
    """

    def __init__(self, folder: Path, killers: Set[Suspect]) -> None:
        self.killers = killers
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CURRENT
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def check(self, source: str, record: int | None) -> bool:
        """True if (source, record) is a known killer; else note it as the current one."""
        if (source, record) in self.killers:
            return True
        data = json.dumps([source, record]).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)
        return False

    def reading(self, source: str, items: Iterable[T]) -> Iterator[T]:
        """`items`, noting the file as the current one while the next item is read (a
        death there is the file's: a 200 MB JSON line, a .gz bomb)."""
        for item in items:
            yield item
            self.check(source, None)

    def close(self) -> None:
        os.close(self.fd)
        self.path.unlink(missing_ok=True)


def _suspect(folder: Path) -> Suspect | None:
    """The file or document a dead worker was on, from the batch's CURRENT file."""
    try:
        source, record = json.loads((folder / CURRENT).read_text())
    except (OSError, ValueError, TypeError):
        return None
    return str(source), record if isinstance(record, int) else None


def clean_files_alone(run: Callable[..., Cleaned], batch_no: int,
                      files: Sequence[InputFile], stage: str, settings: Settings,
                      run_id: str, dedup: bool = True, hash_inputs: bool = False
                      ) -> Cleaned:
    """`clean_files` for a batch that killed its worker twice in the shared pool.

    `run` (flows.parallel.call_alone) cleans it in a worker of its own, so a death there
    is this batch's: the CURRENT file names the document it was on. A document on which
    the worker died `DEATHS_TO_REJECT` times is rejected as `worker_died` and the batch is
    cleaned again without it. A death outside any document raises `BrokenProcessPool`.
    """
    folder = staging.batch_folder(stage, batch_no)
    deaths: Counter[Suspect] = Counter()
    killers: set[Suspect] = set()
    while True:
        # A worker that dies before its first note must not blame the last death's.
        (folder / CURRENT).unlink(missing_ok=True)
        try:
            return run(clean_files, batch_no, files, stage, settings, run_id, dedup,
                       hash_inputs, frozenset(killers))
        except BrokenProcessPool:
            suspect = _suspect(folder)
            if suspect is None or len(killers) >= MOST_KILLERS_PER_BATCH:
                raise
            deaths[suspect] += 1
            if deaths[suspect] >= DEATHS_TO_REJECT:
                killers.add(suspect)


# How often a batch notes its progress for the CLI's bar: a small file write, rare
# enough to cost nothing beside cleaning (150 documents a second per process).
PROGRESS_SECONDS = 0.5


def _rows_of(doc: CleanDocument, run_id: str, documents: list[dict[str, Any]],
             paragraphs: list[dict[str, Any]], removed: list[dict[str, Any]]) -> None:
    documents.append({
        "doc_id": doc.doc_id, "source": doc.source, "record": doc.record, "kind": doc.kind,
        "url": doc.url, "title": doc.title, "sitename": doc.sitename,
        "published": doc.published, "published_raw": doc.published_raw, "text": "",
        "language": doc.language, "language_score": doc.language_score,
        "language_hint": doc.language_hint, "metadata": doc.metadata,
        "n_paragraphs": len(doc.paragraphs),
        "n_removed_lines": len(doc.removed), "n_duplicate_paragraphs": 0,
        "chars_in": doc.chars_in, "chars_out": 0, "encoding": doc.encoding,
        "repaired": doc.repaired, "run_id": run_id, "processed_at": datetime.now(),
    })
    for p in doc.paragraphs:
        paragraphs.append({
            "doc_id": doc.doc_id, "position": p.position, "line": p.line, "text": p.text,
            "language": p.language, "language_score": p.language_score, "run_id": run_id,
        })
    removed.extend(removed_row(doc.doc_id, doc.source, r.line, r.text, r.reason, r.rule, run_id)
                   for r in doc.removed)
