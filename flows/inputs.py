"""Finding input files and reading them into raw documents, within documented limits.

Every file found under the input folder ends up either as raw documents or as a
`RejectedInput` with a reason: nothing is skipped silently. Paths never leave this
module as anything but relative `source` strings, `/`-separated and valid UTF-8 (file
names with undecodable bytes, or with backslashes, are shown with `\\xNN` escapes).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cleaners import reasons
from cleaners.pipeline import RawDocument
from flows.jsonl import JsonlFields, body_problem, map_record
from flows.settings import Limits

KINDS = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl",
         ".warc": "warc", ".wet": "warc"}

# JSON may escape half of a surrogate pair ("\\ud83d" alone); such a string cannot be
# encoded as UTF-8, so it would fail the Parquet write of the whole batch.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: where it is, how it is named in the output, what it holds."""

    path: str
    source: str
    kind: str
    compressed: bool
    size: int


@dataclass(frozen=True, slots=True)
class RejectedInput:
    """An input file, or one record of a JSON Lines file, that did not become a document."""

    source: str
    record: int | None
    reason: str
    message: str


_HASH_CHUNK = 1 << 20


def content_hash(path: str, chunk: int = _HASH_CHUNK) -> str:
    """A 128-bit BLAKE2b hash of a file's bytes, read in chunks (see flows.incremental)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def source_name(relative: str) -> str:
    """A relative path as a printable UTF-8 `/`-separated string, one per path.

    Undecodable bytes are shown as `\\xNN`; a backslash in a name is shown as `\\x5c`,
    so that a file literally named `caf\\xe9.txt` cannot take the source (and the
    doc_id) of a file named `caf` + byte 0xE9 + `.txt`.

    >>> source_name("a/b.txt")
    'a/b.txt'
    >>> source_name("caf\\udce9.txt"), source_name("caf\\\\xe9.txt")
    ('caf\\\\xe9.txt', 'caf\\\\x5cxe9.txt')
    """
    if relative.isascii() and "\\" not in relative and os.sep == "/" and not os.altsep:
        # Nothing to escape, and the separator is already `/`: the name as it is (most
        # names; the per-part encoding below was a third of discovering 95,035 files).
        return relative
    parts = relative.split(os.sep)
    if os.altsep:
        parts = [piece for part in parts for piece in part.split(os.altsep)]
    escaped = (os.fsencode(part).replace(b"\\", b"\\x5c") for part in parts)
    return "/".join(part.decode("utf-8", "backslashreplace") for part in escaped)


def doc_id_for(source: str, record: int | str | None) -> str:
    """A stable document id: the same file (and record) gives the same id on every run.

    `record` is a line number, or a key the record carries (`id:...`, `url:...`,
    `warc:...`): such a key keeps the id when lines or records move within the file.

    >>> doc_id_for("a.txt", None) == doc_id_for("a.txt", None) != doc_id_for("a.jsonl", 1)
    True
    """
    key = source if record is None else f"{source}\n{record}"
    # surrogatepass: the same bytes as UTF-8 for any valid string, and no exception for
    # a lone surrogate a record's key may hold (ids stay distinct, never lost).
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def classify(name: str) -> tuple[str | None, bool]:
    """The kind of a file from its name, and whether it is gzip-compressed.

    >>> classify("page.HTML.gz"), classify("notes.md"), classify("image.png")
    (('html', True), ('text', False), (None, False))
    """
    lower = name.lower()
    compressed = lower.endswith(".gz")
    if compressed:
        lower = lower[:-3]
    return KINDS.get(os.path.splitext(lower)[1]), compressed


def discover(root: Path, follow_links: bool = False) -> tuple[list[InputFile],
                                                               list[RejectedInput]]:
    """Every file under `root`, recursively, sorted by source; unusable ones rejected.

    The walk is iterative (a stack of folders), so a tree thousands of folders deep
    costs memory, not Python's recursion limit. Links are followed when their target
    is inside `root`; a link that leads out of it is rejected (`outside_input`) unless
    `follow_links`, so that a link to /etc or a home folder never puts those files in
    the output. A directory link back to a folder already walked is a loop, recorded as
    rejected rather than walked forever. Devices, FIFOs and sockets are rejected as
    `not_a_regular_file`: reading /dev/zero or a FIFO never ends.
    """
    files: list[InputFile] = []
    rejected: list[RejectedInput] = []
    seen_dirs: set[tuple[int, int]] = set()
    inside = os.path.realpath(root)
    info = os.stat(root)
    seen_dirs.add((info.st_dev, info.st_ino))
    pending = [str(root)]
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            rel = os.path.relpath(folder, root)
            rejected.append(RejectedInput(source_name(rel), None, reasons.UNREADABLE, str(error)))
            continue
        # A folder's own path relative to `root`, once: `relpath` of every entry's path
        # (two `abspath`s each) was most of the walk's CPU (1.2 of 2.1 s at 10k files,
        # in a profile). Folders are `root` or paths under it, and an entry's name is
        # one plain component, so this is the entry's `relpath`.
        within = os.path.relpath(folder, root)
        prefix = "" if within == os.curdir else within + os.sep
        for entry in entries:
            rel = source_name(prefix + entry.name)
            found = _examine(entry, rel, inside, follow_links, seen_dirs)
            if isinstance(found, RejectedInput):
                rejected.append(found)
            elif isinstance(found, InputFile):
                files.append(found)
            else:
                pending.append(found)
    files.sort(key=lambda f: f.source)
    return files, rejected


def fits_one_batch(root: Path, files: int, size: int) -> bool:
    """Whether the input files under `root` number at most `files` and weigh at most
    `size` bytes, as a first guess before the run discovers them: the walk stops at
    the first file past either bound, and it does not follow links (a guess, used to
    decide whether to warm up this process for cleaning; the run's own `discover` is
    what counts).

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("12345"), (folder / "b.png").write_text("1")
    >>> fits_one_batch(folder, 1, 5), fits_one_batch(folder, 1, 4), fits_one_batch(folder, 0, 9)
    (True, False, False)
    """
    count = total = 0
    pending = [str(root)]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                    continue
                if classify(entry.name)[0] is None or not entry.is_file(follow_symlinks=False):
                    continue
                count += 1
                total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
            if count > files or total > size:
                return False
    return True


def _examine(entry: os.DirEntry[str], rel: str, inside: str, follow_links: bool,
             seen_dirs: set[tuple[int, int]]) -> InputFile | RejectedInput | str:
    """What one directory entry is: a file to read, a folder to walk (its path, marked
    seen), or why it is rejected."""
    try:
        if entry.is_symlink() and not follow_links and not _within(
                os.path.realpath(entry.path), inside):
            return RejectedInput(rel, None, reasons.OUTSIDE_INPUT,
                                 "a link to a path outside INPUT (--follow-links reads it)")
        try:
            target = os.stat(entry.path)
        except FileNotFoundError:
            return RejectedInput(rel, None, reasons.BROKEN_LINK, "the link's target does not exist")
        if stat.S_ISDIR(target.st_mode):
            if (target.st_dev, target.st_ino) in seen_dirs:
                return RejectedInput(rel, None, reasons.SYMLINK_LOOP,
                                     "directory link points back to a folder already read")
            seen_dirs.add((target.st_dev, target.st_ino))
            return entry.path
        if not stat.S_ISREG(target.st_mode):
            return RejectedInput(rel, None, reasons.NOT_A_REGULAR_FILE,
                                 "a device, FIFO or socket: not a file that can be read")
    except OSError as error:
        # ELOOP from a file symlink that points to itself lands here too.
        reason = reasons.SYMLINK_LOOP if error.errno == errno.ELOOP else reasons.UNREADABLE
        return RejectedInput(rel, None, reason, str(error))
    kind, compressed = classify(entry.name)
    if kind is None:
        return RejectedInput(rel, None, reasons.UNSUPPORTED_TYPE,
                             "not .txt, .md, .html, .htm, .jsonl, .warc or .wet (optionally .gz)")
    return InputFile(entry.path, rel, kind, compressed, target.st_size)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def overlap(input_dir: Path, output: Path) -> str | None:
    """Why INPUT and OUT cannot be used together, or None: an output inside the input
    (or the same folder) would be read back as input by every later run, and an input
    inside the output could be deleted by pruning."""
    source, out = os.path.realpath(input_dir), os.path.realpath(output)
    if source == out:
        return f"OUT {output} is the INPUT folder; choose an output folder outside it"
    if _within(out, source):
        return f"OUT {output} is inside INPUT {input_dir}; choose an output folder outside it"
    if _within(source, out):
        return f"INPUT {input_dir} is inside OUT {output}; choose an output folder outside it"
    return None


def read_bytes(file: InputFile, limits: Limits,
               hashes: dict[str, str] | None = None) -> bytes | RejectedInput:
    """The file's content, decompressed, or why it cannot be had within the limits.

    With `hashes`, the file's `content_hash` goes there under its source, taken from
    the bytes this read reads (a file is read once, not once to hash and once to
    clean); a file too large to be read is hashed alone, an unreadable one not at all.
    """
    if file.size > limits.max_file_bytes:
        if hashes is not None:
            with contextlib.suppress(OSError):
                hashes[file.source] = content_hash(file.path)
        return RejectedInput(file.source, None, reasons.TOO_LARGE,
                             f"{file.size} bytes, over the limit of {limits.max_file_bytes}")
    try:
        with open(file.path, "rb", buffering=0) as handle:
            data = _read_at_most(handle, limits.max_file_bytes)
            if hashes is not None:
                digest = hashlib.blake2b(data, digest_size=16)
                # The file may have grown past the limit since it was found.
                while block := handle.read(_HASH_CHUNK):
                    digest.update(block)
                hashes[file.source] = digest.hexdigest()
    except OSError as error:
        return RejectedInput(file.source, None, reasons.UNREADABLE, str(error))
    # A JSON Lines file holds many documents: its lines are counted per record.
    max_lines = None if file.kind == "jsonl" else limits.max_lines
    if not file.compressed:
        if max_lines is not None and _line_count(data) > max_lines:
            return _too_many_lines(file.source, None, max_lines)
        return data
    return _gunzip(file.source, data, limits.max_expanded_bytes, max_lines)


def _read_at_most(handle: io.FileIO, limit: int) -> bytes:
    """The bytes of an unbuffered file from where it stands, `limit` + 1 at most (one
    more than allowed tells a file that grew past the limit since it was found).

    Read as large as the file says it is, then confirmed at its end: a buffered
    `read(limit + 1)` allocates the whole limit (64 MB) before reading a 4 KB file,
    which cost 0.03-0.06 ms a file in a worker, 1-2% of cleaning it.
    """
    size = os.fstat(handle.fileno()).st_size
    data = handle.read(min(size, limit) + 1)
    if len(data) > limit or not (more := handle.read(1)):
        return data
    # Grown since, or a short read: the rest, a megabyte at most per read.
    parts, total = [data, more], len(data) + 1
    while total <= limit and (more := handle.read(min(limit + 1 - total, _HASH_CHUNK))):
        parts.append(more)
        total += len(more)
    return b"".join(parts)


def _line_count(data: bytes | bytearray) -> int:
    """Lines as the cleaner will see them: cut at \n, or at \r in old Mac files."""
    return max(data.count(b"\n"), data.count(b"\r"))


def _too_many_lines(source: str, record: int | None, limit: int) -> RejectedInput:
    return RejectedInput(source, record, reasons.TOO_MANY_LINES, f"more than {limit} lines")


def _gunzip(source: str, data: bytes, limit: int,
            max_lines: int | None = None) -> bytes | RejectedInput:
    # Decompress with a cap on the output of each step, so that a small bomb is refused
    # as soon as it passes `limit` instead of filling memory. Concatenated members
    # (as `cat a.gz b.gz` makes) are read one after another, as gzip(1) does.
    out = bytearray()
    pending, lines = data, 0
    try:
        while pending:
            stream = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
            while True:
                # At most a megabyte a step, so lines are counted as they come.
                chunk = stream.decompress(pending, min(limit + 1 - len(out), 1 << 20))
                out += chunk
                if len(out) > limit:
                    return RejectedInput(source, None, reasons.TOO_LARGE_EXPANDED,
                                         f"expands past the limit of {limit} bytes")
                if max_lines is not None:
                    lines += _line_count(chunk)
                    if lines > max_lines:
                        return _too_many_lines(source, None, max_lines)
                pending = stream.unconsumed_tail
                if stream.eof or not pending:
                    break
            if not stream.eof:
                return RejectedInput(source, None, reasons.BAD_GZIP, "truncated gzip stream")
            pending = stream.unused_data
    except zlib.error as error:
        return RejectedInput(source, None, reasons.BAD_GZIP, str(error))
    return bytes(out)


def read_documents(file: InputFile, limits: Limits, mapping: JsonlFields | None = None,
                   hashes: dict[str, str] | None = None,
                   ) -> Iterator[RawDocument | RejectedInput]:
    """The raw documents in one input file (one, or one per JSON Lines or WARC record).

    With `hashes`, the file's `content_hash` goes there under its source as soon as the
    file is read (see `read_bytes`); a web archive, which warcio streams record by
    record, is hashed in a read of its own.
    """
    if file.kind == "warc":
        from flows.warc import warc_documents

        if hashes is not None:
            with contextlib.suppress(OSError):
                hashes[file.source] = content_hash(file.path)
        yield from warc_documents(file, limits)
        return
    data = read_bytes(file, limits, hashes)
    if isinstance(data, RejectedInput):
        yield data
        return
    if file.kind != "jsonl":
        yield RawDocument(doc_id=doc_id_for(file.source, None), source=file.source,
                          record=None, kind=file.kind, data=data)
        return
    yield from _json_lines(file.source, data, mapping, limits)


def _records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(line number, start, end) of each line of `data`, found without copying it."""
    start, number = 0, 1
    while start <= len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        yield number, start, end
        start, number = end + 1, number + 1


def _json_lines(source: str, data: bytes, mapping: JsonlFields | None = None,
                limits: Limits | None = None) -> Iterator[RawDocument | RejectedInput]:
    # Records are separated by "\n" alone: str.splitlines would also cut at U+2028,
    # U+0085 or a form feed, which JSON strings may hold unescaped. Each record is
    # decoded alone, after its length is checked: decoding the whole file first made
    # a 200 MB record cost 3.4 GB.
    mapping = mapping or JsonlFields()
    limits = limits or Limits()
    view = memoryview(data)
    any_record = False
    seen_keys: set[str] = set()
    for number, start, end in _records(data):
        if end - start > limits.max_record_bytes:
            any_record = True
            yield RejectedInput(source, number, reasons.TOO_LARGE,
                                f"a record of {end - start} bytes, over the limit of "
                                f"{limits.max_record_bytes}")
            continue
        line = bytes(view[start:end]).decode("utf-8-sig" if start == 0 else "utf-8",
                                             "replace")
        # A byte-order mark inside the file comes from concatenated files.
        line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        any_record = True
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as error:
            # RecursionError: a line of thousands of nested brackets.
            yield RejectedInput(source, number, reasons.INVALID_JSON,
                                f"{type(error).__name__}: {error}"[:300])
            continue
        if not isinstance(record, dict):
            yield RejectedInput(source, number, reasons.BAD_RECORD,
                                "a record must be a JSON object")
            continue
        mapped = map_record(record, mapping)
        if mapped.body is None:
            yield RejectedInput(source, number, reasons.BAD_RECORD, body_problem(record, mapping))
            continue
        if not mapped.body.strip():
            # As for an empty file: a record with no text is not a document.
            yield RejectedInput(source, number, reasons.EMPTY, f"the {mapped.kind} field is blank")
            continue
        if max(mapped.body.count("\n"), mapped.body.count("\r")) > limits.max_lines:
            yield _too_many_lines(source, number, limits.max_lines)
            continue
        # The record's own id, else its URL, names it (the line number only when
        # neither is there, or when an earlier record of the file had the same one).
        record_id, url = _optional_str(mapped.id), _optional_str(mapped.url)
        key = f"id:{record_id}" if record_id else f"url:{url}" if url else None
        if key is not None and key in seen_keys:
            key = None
        if key is not None:
            seen_keys.add(key)
        yield RawDocument(
            doc_id=doc_id_for(source, number) if key is None else doc_id_for(source, key),
            source=source, record=number, kind=mapped.kind,
            data=_valid_unicode(mapped.body), url=url,
            title=_optional_str(mapped.title), published=_optional_str(mapped.date),
            language_hint=_optional_str(mapped.language),
            metadata=_optional_str(mapped.metadata),
        )
    if not any_record:
        yield RejectedInput(source, None, reasons.EMPTY, "no records in the file")


def _valid_unicode(text: str) -> str:
    # U+FFFD, as a decoder does for bytes it cannot read.
    return _LONE_SURROGATE.sub("\ufffd", text)


def _optional_str(value: object) -> str | None:
    if isinstance(value, str):
        return _valid_unicode(value).strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None
