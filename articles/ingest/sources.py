"""Where story bytes come from: files, folders, globs, zip and tar archives, stdin.

Inputs are yielded one at a time so a large folder or archive is never held in memory.
A path that cannot be read yields an Input with `error` set, so a batch goes on.
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import os
import re
import stat
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from . import notstory
from .read import DEFAULT_MAX_BYTES


@dataclass
class Input:
    name: str  # for people: "story.txt", "archive.zip:folder/a.txt", "-"
    data: bytes = b""
    path: str | None = None  # a real file, for sidecar lookup; None inside archives
    error: str = ""
    archive: str | None = None  # for an archive member: the archive's own file
    member: str = ""  # and the member's name inside it
    skipped: str = ""  # not a story (a README, an image, a link): the reason, for a person


_GLOB = re.compile(r"[*?[]")
_JSON_LINES = (".jsonl", ".ndjson")
_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


@dataclass
class Walk:
    """What a walk over the inputs leaves out: files matching an --exclude pattern (by
    their path or their name), counted rather than reported one by one."""

    max_bytes: int = DEFAULT_MAX_BYTES
    exclude: tuple[str, ...] = ()
    excluded: int = 0

    def excludes(self, name: str) -> bool:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(base, p) for p in self.exclude):
            self.excluded += 1
            return True
        return False


def iter_inputs(
    paths: list[str],
    stdin: BinaryIO | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    walk: Walk | None = None,
) -> Iterator[Input]:
    """Every story input named by `paths`, in order; folders recurse in sorted order."""
    walk = walk or Walk(max_bytes=max_bytes)
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield _read_stream("-", stream, None, walk.max_bytes)
            continue
        if _GLOB.search(raw) and not os.path.exists(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                yield Input(name=raw, error="no files match this pattern")
            for match in matches:
                yield from _iter_path(Path(match), walk)
            continue
        yield from _iter_path(Path(raw), walk)


def count_inputs(paths: list[str], *, walk: Walk | None = None) -> int | None:
    """How many inputs `iter_inputs` will yield, without reading them (for a progress bar);
    None when that cannot be known cheaply (standard input, a tar stream)."""
    walk = walk or Walk()
    probe = Walk(max_bytes=walk.max_bytes, exclude=walk.exclude)
    total = 0
    for raw in paths:
        if raw == "-":
            return None
        matches = (
            sorted(glob.glob(raw, recursive=True))
            if _GLOB.search(raw) and not os.path.exists(raw)
            else [raw]
        )
        for match in matches or [raw]:
            counted = _count_path(Path(match), probe)
            if counted is None:
                return None
            total += counted
    return total


def _count_path(path: Path, walk: Walk) -> int | None:
    lowered = path.name.lower()
    try:
        if path.is_dir():
            return sum(
                _count_path(Path(entry.path), walk) or 0 for entry in _folder_entries(path, walk)
            )
        if lowered.endswith(".zip") and path.is_file():
            with zipfile.ZipFile(path) as archive:
                return sum(1 for info in archive.infolist() if not info.is_dir()) or 1
        if lowered.endswith(_ARCHIVE_SUFFIXES) or lowered.endswith(_JSON_LINES):
            return None
    except (OSError, zipfile.BadZipFile):
        return 1
    return 1


def _folder_entries(folder: Path, walk: Walk) -> list[os.DirEntry]:
    """A folder's entries worth walking, sorted: not hidden, not sidecars, not excluded,
    not linked folders (which may loop back on themselves; name one on its own to read it)."""
    entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    names = {entry.name for entry in entries}
    kept = []
    for entry in entries:
        if entry.name.startswith(".") or _is_sidecar(entry.name, names):
            continue  # hidden files and folders: .git, .DS_Store, editor swap files
        if entry.is_symlink() and Path(entry.path).is_dir():
            continue
        if walk.excludes(entry.path):
            continue
        kept.append(entry)
    return kept


def _iter_path(path: Path, walk: Walk) -> Iterator[Input]:
    max_bytes = walk.max_bytes
    if path.is_dir():
        yield from _iter_folder(path, walk)
    elif not path.exists():
        yield Input(name=str(path), error=_missing(path))
    elif why := notstory.reason_by_name(path.name):
        yield Input(name=str(path), path=str(path), skipped=why)
    elif path.name.lower().endswith(_ARCHIVE_SUFFIXES):
        yield from _iter_archive(path, max_bytes)
    elif path.name.lower().endswith(_JSON_LINES):
        yield from _iter_json_lines(path, max_bytes)
    else:
        yield _read_file(path, max_bytes)


def _missing(path: Path) -> str:
    """Why a path that does not exist cannot be read: a link that loops, a link to nothing."""
    if path.is_symlink():
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link that loops back on itself; not followed"
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
    return "no such file or directory"


def _iter_folder(folder: Path, walk: Walk) -> Iterator[Input]:
    try:
        entries = _folder_entries(folder, walk)
    except OSError as exc:
        yield Input(name=str(folder), error=_reason(exc))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _iter_folder(path, walk)
        else:
            yield from _iter_path(path, walk)


def _is_sidecar(name: str, siblings: set[str]) -> bool:
    """story.txt.json or story.json beside story.txt describes a story; it is not one."""
    if not name.lower().endswith(".json"):
        return False
    base = name[: -len(".json")]
    return base in siblings or any(
        sibling != name and sibling.startswith(base + ".") for sibling in siblings
    )


def _read_file(path: Path, max_bytes: int) -> Input:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Input(name=name, path=name, error=_too_large(size, max_bytes))
        with path.open("rb") as handle:
            return Input(name=name, data=handle.read(max_bytes + 1), path=name)
    except OSError as exc:
        return Input(name=name, path=name, error=_reason(exc))


def _read_stream(name: str, stream: IO[bytes], path: str | None, max_bytes: int) -> Input:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        return Input(name=name, path=path, error=_too_large(len(data), max_bytes, more=True))
    return Input(name=name, data=data, path=path)


def _iter_json_lines(path: Path, max_bytes: int) -> Iterator[Input]:
    """One input a line ("export.jsonl:12"), read line by line; blank lines are skipped."""
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(iter(lambda: handle.readline(max_bytes + 1), b""), 1):
                name = f"{path}:{number}"
                if len(line) > max_bytes and not line.endswith(b"\n"):
                    yield Input(name=name, error=_too_large(len(line), max_bytes, more=True))
                    # Skip the rest of this overlong line.
                    while (rest := handle.readline(max_bytes + 1)) and not rest.endswith(b"\n"):
                        pass
                    continue
                if line.strip():
                    yield Input(name=name, data=line.strip())
    except OSError as exc:
        yield Input(name=str(path), error=_reason(exc))


def _iter_archive(path: Path, max_bytes: int) -> Iterator[Input]:
    try:
        if path.name.lower().endswith(".zip"):
            yield from _iter_zip(path, max_bytes)
        else:
            yield from _iter_tar(path, max_bytes)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        yield Input(name=str(path), error=f"cannot read the archive: {_reason(exc)}")


def _iter_zip(path: Path, max_bytes: int) -> Iterator[Input]:
    with zipfile.ZipFile(path) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        names = {info.filename.rsplit("/", 1)[-1] for info in members}
        for info in sorted(members, key=lambda info: info.filename):
            base = info.filename.rsplit("/", 1)[-1]
            name = f"{path}:{info.filename}"
            if refused := _unsafe(info.filename):
                yield Input(name=name, error=refused)
                continue
            if _hidden(info.filename):
                yield Input(name=name, skipped=_HIDDEN)
                continue
            if _is_sidecar(base, names):
                yield Input(name=name, skipped=_SIDECAR)
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                yield Input(name=name, skipped="a symbolic link in the archive; not followed")
                continue
            if why := notstory.reason_by_name(base):
                yield _member(Input(name=name, skipped=why), path, info.filename)
                continue
            # The size comes from the archive's header: a huge member is never unpacked.
            if info.file_size > max_bytes:
                yield Input(name=name, error=_too_large(info.file_size, max_bytes))
                continue
            try:
                with archive.open(info) as member:
                    yield _member(_read_stream(name, member, None, max_bytes), path, info.filename)
            except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                yield Input(name=name, error=_reason(exc))


def _iter_tar(path: Path, max_bytes: int) -> Iterator[Input]:
    # Streaming mode ("r|*") reads members in archive order without seeking back.
    with tarfile.open(path, mode="r|*") as archive:
        for member in archive:
            name = f"{path}:{member.name}"
            if refused := _unsafe(member.name):
                yield Input(name=name, error=refused)
                continue
            if member.isdir():
                continue
            if _hidden(member.name):
                yield Input(name=name, skipped=_HIDDEN)
                continue
            if not member.isfile():
                yield Input(name=name, skipped=_tar_kind(member))
                continue
            base = member.name.rsplit("/", 1)[-1]
            if base.lower().endswith(".json"):
                # Sidecars of archive members cannot be paired in a stream.
                yield Input(name=name, skipped=_SIDECAR)
                continue
            if why := notstory.reason_by_name(base):
                yield _member(Input(name=name, skipped=why), path, member.name)
                continue
            if member.size > max_bytes:
                yield Input(name=name, error=_too_large(member.size, max_bytes))
                continue
            handle = archive.extractfile(member)
            if handle is None:
                yield Input(name=name, error="cannot read this archive member")
                continue
            yield _member(_read_stream(name, handle, None, max_bytes), path, member.name)


def _member(item: Input, archive: Path, member: str) -> Input:
    item.archive, item.member = str(archive), member
    return item


# Archive members that are not taken, and why: each is reported, none silently dropped.
_HIDDEN = "a hidden file or macOS resource fork in the archive, not a story"
_SIDECAR = "a .json sidecar inside an archive; only sidecars beside real files are read"


def _unsafe(member: str) -> str:
    """Why an archive member's name is refused: it would land outside the archive's folder."""
    name = member.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:/", name):
        return f"refused: the member's path is absolute ({member!r}); not read"
    if ".." in name.split("/"):
        return f"refused: the member's path leaves the archive ({member!r}); not read"
    return ""


def _tar_kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"a symbolic link in the archive (to {member.linkname!r}); not followed"
    if member.islnk():
        return f"a hard link in the archive (to {member.linkname!r}); not followed"
    return "a device, pipe or other special file in the archive; not read"


def _hidden(member: str) -> bool:
    """A dotfile or a macOS resource folder; '..' is not hidden (see _unsafe)."""
    return any(
        (part.startswith(".") and part not in (".", "..")) or part == "__MACOSX"
        for part in member.split("/")
        if part
    )


def _too_large(size: int, limit: int, *, more: bool = False) -> str:
    over = "more than " if more else ""
    return f"file is too large ({over}{size:,} bytes; the limit is {limit:,} bytes)"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or exc.__class__.__name__
