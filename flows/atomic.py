"""Write a file so that nobody ever sees it half-written: under a temporary name beside
it, then renamed into place (one `rename`, atomic on a POSIX file system).

Every atomic write of textclean goes through `write_atomically`: Parquet parts, the
dedup index's files, the manifest, the run plan and the batches' progress notes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def partial_path(path: Path) -> Path:
    """The temporary name `path` is written under: hidden, in the same folder (a rename
    across file systems would not be atomic), never read as a part (not `*.parquet`)."""
    return path.with_name(f".{path.name}.partial")


@contextmanager
def atomically(path: Path) -> Iterator[Path]:
    """The temporary path to write `path` under; renamed to `path` when the block ends
    without an exception. A failed write removes it and leaves the previous file, if
    any, in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write` with the temporary path, then rename it to `path`; returns `path`."""
    with atomically(path) as partial:
        write(partial)
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """`path` holding `text` (UTF-8), written atomically."""
    return write_atomically(path, lambda partial: partial.write_text(text, encoding="utf-8"))
