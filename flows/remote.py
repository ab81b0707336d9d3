"""INPUT and --output on object storage: s3://, and any other fsspec file system.

An object store has no links and no atomic rename, so the local commit (a link per
table swapped by one rename, flows/storage.py) cannot be copied there. What a store
does have is an atomic PUT of one object, with strong read-after-write consistency
(S3 since 2020). The remote layout is built on that:

    OUT/_textclean/versions/<run_id>/{documents,paragraphs,removed,rejected,
                                      dedup_index,inputs,...,manifest.json}
                                   (immutable once uploaded, version-tagged part names)
    OUT/_textclean/current.json    the commit point: names the committed version and
                                   its tables' prefixes; written last, in one PUT
    OUT/manifest.json              a copy of the committed manifest, for people; written
                                   after the pointer, never read by textclean

A reader resolves `current.json` once (one GET, `resolve`) and lists and reads the
version prefix it names: that prefix never changes, and the previous version stays
whole until the commit after next, so a reader racing a commit reads one version,
old or new, never a mix. There is deliberately nothing at `OUT/documents/`: a fixed
prefix can only be changed object by object, so a plain glob of it during a commit
would see two versions at once.

The work itself is local, through the same code as a local run: the remote INPUT is
mirrored into a cache folder (objects downloaded again only when their ETag changed),
the output's committed version is downloaded into a local output folder (skipped when
the cache already holds it), the flow runs and commits there, and the new version is
uploaded (files shared with the previous version by hard link are copied server-side,
not uploaded again) before the pointer names it. Incremental runs keep their promise
because their state (input hashes, dedup index, site templates) lives in the
committed version, on the store: a second run on another machine, with an empty
cache, is incremental too.

Two runs over one OUT: the pointer is written with a conditional PUT on S3
(`If-Match` its ETag when the run started, `If-None-Match: *` for the first run), so
the second run to commit fails and leaves the first's output as it was. Other fsspec
file systems get a check right before the PUT (a small window remains). On one
machine, a lock in the cache folder stops a second run at once.

Credentials come the usual way of each file system: for S3 the AWS environment
variables, AWS_PROFILE and ~/.aws files, AWS_ENDPOINT_URL for an S3-compatible server.
The cache folder is $TEXTCLEAN_CACHE, else ~/.cache/textclean.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows import storage
from flows.urls import is_remote

POINTER = f"{storage.HOME}/current.json"
VERSIONS = f"{storage.HOME}/versions"


class RemoteError(Exception):
    """A remote INPUT or OUT that cannot be used as given: a usage error (exit 2)."""


class RemoteConflict(Exception):
    """Another run committed to the same remote OUT while this one ran."""


@dataclass(frozen=True)
class Location:
    """A URL opened on its file system: `fs` and the path `root` within it."""

    url: str
    fs: Any
    root: str

    def key(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])


def locate(url: str, role: str) -> Location:
    """Open `url` (role 'INPUT' or 'OUT') and check it can be used, or raise RemoteError
    naming the problem: unknown scheme, no bucket, no credentials, no such bucket,
    access denied, an INPUT with no objects."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ValueError, ImportError) as error:
        scheme = url.split("://", 1)[0]
        raise RemoteError(f"{role} {url}: no file system for '{scheme}://' ({error}); "
                          "s3:// is built in, others need their fsspec package "
                          "(gcsfs for gs://, adlfs for az://)") from error
    root = root.rstrip("/")
    bucket = root.split("/", 1)[0]
    if fs.root_marker == "" and not bucket:
        raise RemoteError(f"{role} {url}: no bucket in the URL; expected "
                          f"{url.split('://', 1)[0]}://BUCKET/PREFIX")
    location = Location(url.rstrip("/"), fs, root)
    with _named_errors(location, role):
        if fs.root_marker == "":
            fs.info(bucket)  # the bucket, before any key in it: its own message
        if role == "INPUT":
            if fs.isfile(root):
                raise RemoteError(f"INPUT {url} is one object; give the prefix (folder) "
                                  "that holds the files")
            try:
                listed = fs.ls(root, detail=False)
            except FileNotFoundError:
                listed = []
            if not listed:
                raise RemoteError(f"INPUT {url} holds no objects")
    return location


@contextlib.contextmanager
def _named_errors(location: Location, role: str) -> Iterator[None]:
    """Turn what the store answers into a RemoteError that says what to fix."""
    bucket = location.root.split("/", 1)[0]
    try:
        yield
    except RemoteError:
        raise
    except FileNotFoundError as error:
        if _exists(location.fs, bucket):
            raise  # a key, not the bucket: the caller's to explain
        raise RemoteError(f"{role} {location.url}: bucket '{bucket}' does not exist "
                          f"({error})") from error
    except PermissionError as error:
        raise RemoteError(f"{role} {location.url}: access denied ({error}); check the "
                          "credentials and the bucket's policy") from error
    except Exception as error:
        if any("Credentials" in type(e).__name__ for e in _chain(error)):
            raise RemoteError(
                f"{role} {location.url}: no credentials found; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials "
                f"({type(error).__name__}: {error})") from error
        raise


def _exists(fs: Any, path: str) -> bool:
    try:
        fs.info(path)
    except FileNotFoundError:
        return False
    except Exception:
        return True  # it is there, or we cannot tell: the original error stands
    return True


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def cache_folder(url: str, role: str) -> Path:
    """The local mirror of one URL, kept between runs ($TEXTCLEAN_CACHE)."""
    home = Path(os.environ.get("TEXTCLEAN_CACHE") or Path.home() / ".cache" / "textclean")
    tag = hashlib.blake2b(f"{role}\n{url}".encode(), digest_size=8).hexdigest()
    return home / "remote" / f"{role.lower()}-{tag}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RemoteConflict(f"another textclean run on this machine uses {folder}; "
                                 "try again when it ends") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- input


@dataclass
class Pulled:
    """What mirroring an INPUT did."""

    objects: int = 0
    downloaded: int = 0
    bytes: int = 0
    left_out: list[str] = field(default_factory=list)


def pull_input(location: Location, mirror: Path) -> Pulled:
    """Make `mirror/files` hold the objects under the INPUT prefix, as files named by
    their keys relative to it; download only objects whose ETag (else size and time)
    changed since the last pull, and delete files whose object is gone. Whether a
    file is cleaned again is then decided, as locally, by the hash of its bytes."""
    files = mirror / "files"
    state_path = mirror / "objects.json"
    try:
        state: dict[str, str] = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    with _named_errors(location, "INPUT"):
        listing = location.fs.find(location.root, detail=True, withdirs=False)
    pulled, wanted, fetch = Pulled(), {}, []
    for key, info in sorted(listing.items()):
        relative = key[len(location.root):].lstrip("/")
        if not _safe(relative):
            pulled.left_out.append(relative)
            continue
        tag = str(info.get("ETag") or info.get("etag") or
                  f"{info.get('size')}:{info.get('LastModified') or info.get('mtime')}")
        wanted[relative] = tag
        if state.get(relative) != tag or not (files / relative).is_file():
            fetch.append((key, relative, int(info.get("size") or 0)))
    pulled.objects = len(wanted)
    # Forget what is about to change first: a pull cut short is redone, never trusted.
    _write_json(state_path, {k: v for k, v in state.items()
                             if k in wanted and k not in {r for _, r, _ in fetch}})
    for _, relative, _ in fetch:
        (files / relative).parent.mkdir(parents=True, exist_ok=True)
    if fetch:
        location.fs.get([key for key, _, _ in fetch],
                        [str(files / relative) for _, relative, _ in fetch])
    pulled.downloaded, pulled.bytes = len(fetch), sum(size for _, _, size in fetch)
    for path in sorted(files.rglob("*"), reverse=True) if files.is_dir() else []:
        relative = path.relative_to(files).as_posix()
        if path.is_file() and relative not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    files.mkdir(parents=True, exist_ok=True)
    _write_json(state_path, wanted)
    return pulled


def _safe(relative: str) -> bool:
    # A key such as `a/../../x` would name a file outside the mirror.
    return bool(relative) and all(part not in ("", ".", "..") for part in relative.split("/"))


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(value, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


# ---------------------------------------------------------------- output


@dataclass(frozen=True)
class Base:
    """The remote commit a run starts from: the pointer's version and ETag (None, None
    before the first run)."""

    version: str | None
    etag: str | None


def read_pointer(location: Location) -> tuple[dict[str, Any] | None, str | None]:
    """The remote pointer object and its ETag, or (None, None) before the first commit."""
    key = location.key(POINTER)
    location.fs.invalidate_cache(key)
    try:
        etag = location.fs.info(key).get("ETag")
        return json.loads(location.fs.cat_file(key)), etag
    except FileNotFoundError:
        return None, None


def resolve(url: str) -> dict[str, str]:
    """The URL of each table of the committed version of a remote OUT: what a reader
    should list and read (one GET of the pointer; the prefixes never change)."""
    location = locate(url, "OUT")
    pointer, _ = read_pointer(location)
    if pointer is None:
        raise RemoteError(f"OUT {url} has no committed output ({POINTER} is missing)")
    return {name: f"{location.url}/{prefix}" for name, prefix in pointer["tables"].items()}


def pull_output(location: Location, mirror: Path) -> Base:
    """Make `mirror/output` a local output folder whose committed version is the remote
    one: downloaded unless the mirror already holds it (versions never change)."""
    with _named_errors(location, "OUT"):
        pointer, etag = read_pointer(location)
    local = mirror / "output"
    current = storage.OutputFolder(local).current
    if pointer is None:
        if current is not None:  # the remote output was deleted: start again
            shutil.rmtree(local)
        return Base(None, None)
    version = str(pointer["version"])
    if current is None or current.name != version:
        target = local / storage.HOME / "versions" / version
        partial = target.with_name(f".{version}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        location.fs.get(location.key(VERSIONS, version) + "/", str(partial) + "/",
                        recursive=True)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(partial, target)
        # The commit point of a local output; the run's lock holder publishes the table
        # links from it (OutputFolder.recover), as after a run killed mid-commit.
        link = local / storage.HOME / "current"
        swap = link.with_name(".current.swap")
        swap.unlink(missing_ok=True)
        os.symlink(os.path.join("versions", version), swap)
        os.replace(swap, link)
        for name in (*storage.TABLES, "manifest.json"):
            if (local / name).is_symlink():
                (local / name).unlink()
    return Base(version, etag)


@dataclass
class Pushed:
    """What publishing a version did."""

    version: str
    uploaded: int = 0
    copied: int = 0
    bytes: int = 0
    pruned: int = 0


def push_output(location: Location, mirror: Path, base: Base,
                names: dict[str, str]) -> Pushed:
    """Upload the local output's committed version under its own prefix, then make it
    the remote output with one PUT of the pointer (conditional on S3), then prune.

    `names` are the URLs to write in the uploaded manifest instead of local paths."""
    local = mirror / "output"
    version = storage.OutputFolder(local).current
    if version is None or version.name == base.version:
        raise RuntimeError(f"no new local version to publish in {local}")
    pushed = Pushed(version.name)
    prefix = location.key(VERSIONS, version.name)
    shared = _shared_with(local / storage.HOME / "versions" / (base.version or ""))
    uploads, copies = [], []
    for path in sorted(version.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(version).as_posix()
        stat = path.stat()
        earlier = shared.get((stat.st_dev, stat.st_ino)) if base.version else None
        if earlier is not None:
            copies.append((location.key(VERSIONS, str(base.version), earlier),
                           f"{prefix}/{relative}"))
        elif relative != "manifest.json":
            uploads.append((str(path), f"{prefix}/{relative}"))
            pushed.bytes += stat.st_size
    with _named_errors(location, "OUT"):
        _make_folders(location, [b for _, b in uploads + copies] + [f"{prefix}/manifest.json"])
        if uploads:
            location.fs.put([a for a, _ in uploads], [b for _, b in uploads])
        if copies:  # one request each, sent concurrently by async file systems
            try:
                location.fs.copy([a for a, _ in copies], [b for _, b in copies])
            except FileNotFoundError as error:
                _discard(location, prefix)
                raise RemoteConflict(
                    f"the version this run started from is gone from {location.url}: "
                    "other runs committed meanwhile; run again (it is incremental)"
                ) from error
        manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        manifest.update(names)
        text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        location.fs.pipe_file(f"{prefix}/manifest.json", text.encode())
        pushed.uploaded, pushed.copied = len(uploads) + 1, len(copies)
        pointer = {"version": version.name, "previous_version": base.version,
                   "committed_at": datetime.now(UTC).isoformat(),
                   "manifest": f"{VERSIONS}/{version.name}/manifest.json",
                   "tables": {name: f"{VERSIONS}/{version.name}/{name}/"
                              for name in storage.TABLES}}
        try:
            _put_pointer(location, json.dumps(pointer, indent=1).encode(), base)
        except RemoteConflict:
            _discard(location, prefix)
            raise
        location.fs.pipe_file(location.key("manifest.json"), text.encode())
        pushed.pruned = _prune(location, keep={version.name, str(base.version)})
    return pushed


def _make_folders(location: Location, keys: list[str]) -> None:
    # Object stores have no folders; a file system with them (file://, sftp://) needs
    # each one made before a file is put in it.
    if location.fs.root_marker == "":
        return
    for folder in sorted({key.rsplit("/", 1)[0] for key in keys}):
        location.fs.makedirs(folder, exist_ok=True)


def _discard(location: Location, prefix: str) -> None:
    # What a run that lost uploaded: never read (no pointer names it), removed now
    # rather than by the next commit's pruning.
    with contextlib.suppress(FileNotFoundError):
        location.fs.rm(prefix, recursive=True)


def _shared_with(folder: Path) -> dict[tuple[int, int], str]:
    # Files of the previous version by inode: a new version hard-links what it carries
    # over unchanged (dedup index parts, reindex), and the store can copy those itself.
    if not folder.is_dir() or folder.name == "versions":
        return {}
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path.name != "manifest.json":
            stat = path.stat()
            found[(stat.st_dev, stat.st_ino)] = path.relative_to(folder).as_posix()
    return found


def _put_pointer(location: Location, data: bytes, base: Base) -> None:
    key = location.key(POINTER)
    conflict = RemoteConflict(
        f"another run committed to {location.url} while this one ran; its output stands "
        "and this run's was not published: run again (it is incremental)")
    if "s3" in _protocols(location.fs):
        condition = {"IfMatch": base.etag} if base.etag else {"IfNoneMatch": "*"}
        try:
            location.fs.pipe_file(key, data, **condition)
        except (FileExistsError, OSError) as error:
            if "condition" in str(error).lower():
                raise conflict from error
            raise
        return
    pointer, _ = read_pointer(location)  # not every file system has ETags: the version
    if (pointer or {}).get("version") != base.version:
        raise conflict
    location.fs.pipe_file(key, data)


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _prune(location: Location, keep: set[str]) -> int:
    """Delete every remote version but `keep` (the new one and the one it replaced, so
    a reader that resolved the pointer a moment ago can finish), including what runs
    that died mid-upload left."""
    folder = location.key(VERSIONS)
    location.fs.invalidate_cache(folder)
    pruned = 0
    for path in location.fs.ls(folder, detail=False):
        if path.rstrip("/").rsplit("/", 1)[-1] not in keep:
            location.fs.rm(path, recursive=True)
            pruned += 1
    return pruned


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace, run_local: Callable[[argparse.Namespace], int]) -> int:
    """`textclean run` with a remote INPUT and/or OUT: mirror, run locally, publish.

    `run_local` is the command for local folders; its summary is printed with the
    URLs in place of the cache folders, followed by what was moved."""
    moving = [0.0, 0.0]  # seconds spent pulling, pushing
    try:
        source = locate(args.input, "INPUT") if is_remote(args.input) else None
        target = locate(args.output, "OUT") if is_remote(args.output) else None
        _check_overlap(source, target)
    except RemoteError as error:
        print(f"textclean: error: {error}", file=sys.stderr)
        return 2
    local = argparse.Namespace(**vars(args))
    shown: dict[str, str] = {}
    lines: list[str] = []
    try:
        with contextlib.ExitStack() as stack:
            tick = time.perf_counter()
            if source is not None:
                mirror = cache_folder(source.url, "INPUT")
                stack.enter_context(_locked(mirror))
                pulled = pull_input(source, mirror)
                local.input = mirror / "files"
                shown[str(local.input)] = shown[str(local.input.resolve())] = source.url
                lines.append(f"  input       {source.url}: {pulled.objects} objects, "
                             f"{pulled.downloaded} downloaded ({pulled.bytes:,} bytes)")
                if pulled.left_out:
                    lines.append(f"  left out    {len(pulled.left_out)} keys that are not "
                                 f"file names: {', '.join(pulled.left_out[:3])}")
            if target is not None:
                out_mirror = cache_folder(target.url, "OUT")
                stack.enter_context(_locked(out_mirror))
                # A dry run writes nothing, so it needs no earlier output either.
                base = Base(None, None) if args.dry_run else pull_output(target, out_mirror)
                local.output = out_mirror / "output"
                shown[str(local.output)] = shown[str(local.output.resolve())] = target.url
            moving[0] = time.perf_counter() - tick
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                code = run_local(local)
            tick = time.perf_counter()
            if code == 0 and target is not None and not args.dry_run:
                names = {"output": target.url}
                if source is not None:
                    names["input"] = source.url
                pushed = push_output(target, out_mirror, base, names)
                lines.append(f"  published   {target.url}/{VERSIONS}/{pushed.version}/: "
                             f"{pushed.uploaded} objects uploaded ({pushed.bytes:,} bytes), "
                             f"{pushed.copied} copied from the previous version, "
                             f"{pushed.pruned} old versions pruned")
                lines.append(f"  pointer     {target.url}/{POINTER} (readers start here)")
            moving[1] = time.perf_counter() - tick
            lines.append(f"  transfer    {moving[0]:.1f} s before the run, {moving[1]:.1f} s "
                         f"after (mirrors in {cache_folder('', '').parent})")
    except RemoteError as error:
        print(f"textclean: error: {error}", file=sys.stderr)
        return 2
    except RemoteConflict as error:
        print(f"textclean: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("textclean: interrupted; the remote output is as the last completed run left "
              "it", file=sys.stderr)
        return 130
    except Exception as error:
        print(f"textclean: run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    text = buffer.getvalue()
    for path, url in sorted(shown.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(path, url)
    sys.stdout.write(text)
    if code == 0 and not args.json:
        print("\n".join(lines))
    return code


def _check_overlap(source: Location | None, target: Location | None) -> None:
    if source is None or target is None or _protocols(source.fs) != _protocols(target.fs):
        return
    a, b = source.root + "/", target.root + "/"
    if a.startswith(b) or b.startswith(a):
        raise RemoteError(f"INPUT {source.url} and OUT {target.url} overlap: each run "
                          "would read its own output; choose an OUT outside INPUT")
