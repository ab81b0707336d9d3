"""Telling a URL (`s3://bucket/prefix`) from a local path on the command line.

Kept apart from flows/remote.py so the CLI can parse its arguments without importing
pyarrow or fsspec.
"""

from __future__ import annotations

import re
from pathlib import Path

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_remote(path: str | Path) -> bool:
    """Whether a command-line path is a URL (`s3://bucket/prefix`) rather than a folder.

    >>> is_remote("s3://bucket/out"), is_remote("data/out"), is_remote(Path("s3:/x"))
    (True, False, False)
    """
    return isinstance(path, str) and _SCHEME.match(path) is not None


def path_or_url(text: str) -> Path | str:
    """An argparse type: a URL stays a string (Path would fold `s3://` to `s3:/`).

    >>> path_or_url("s3://b/in"), path_or_url("seeds")
    ('s3://b/in', PosixPath('seeds'))
    """
    return text if is_remote(text) else Path(text)
