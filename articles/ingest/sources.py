"""Where story bytes come from: files, folders, globs, zip and tar archives, stdin.

Inputs are yielded one at a time so a large folder or archive is never held in memory.
A path that cannot be read yields an Input with `error` set, so a batch goes on.
"""

from __future__ import annotations

import glob
import os
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .read import DEFAULT_MAX_BYTES


@dataclass
class Input:
    name: str  # for people: "story.txt", "archive.zip:folder/a.txt", "-"
    data: bytes = b""
    path: str | None = None  # a real file, for sidecar lookup; None inside archives
    error: str = ""


_GLOB = re.compile(r"[*?[]")
_JSON_LINES = (".jsonl", ".ndjson")
_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


def iter_inputs(
    paths: list[str],
    stdin: BinaryIO | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Input]:
    """Every story input named by `paths`, in order; folders recurse in sorted order."""
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield _read_stream("-", stream, None, max_bytes)
            continue
        if _GLOB.search(raw) and not os.path.exists(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                yield Input(name=raw, error="no files match this pattern")
            for match in matches:
                yield from _iter_path(Path(match), max_bytes)
            continue
        yield from _iter_path(Path(raw), max_bytes)


def _iter_path(path: Path, max_bytes: int) -> Iterator[Input]:
    if path.is_dir():
        yield from _iter_folder(path, max_bytes)
    elif not path.exists():
        yield Input(name=str(path), error="no such file or directory")
    elif path.name.lower().endswith(_ARCHIVE_SUFFIXES):
        yield from _iter_archive(path, max_bytes)
    elif path.name.lower().endswith(_JSON_LINES):
        yield from _iter_json_lines(path, max_bytes)
    else:
        yield _read_file(path, max_bytes)


def _iter_folder(folder: Path, max_bytes: int) -> Iterator[Input]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        yield Input(name=str(folder), error=_reason(exc))
        return
    names = {entry.name for entry in entries}
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and folders: .git, .DS_Store, editor swap files
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _iter_folder(path, max_bytes)
        elif entry.is_symlink() and path.is_dir():
            continue  # a linked folder may loop back on itself; name it on its own to read it
        elif _is_sidecar(entry.name, names):
            continue
        else:
            yield from _iter_path(path, max_bytes)


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


def _read_stream(name: str, stream: BinaryIO, path: str | None, max_bytes: int) -> Input:
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
            if _hidden(info.filename) or _is_sidecar(base, names):
                continue
            name = f"{path}:{info.filename}"
            # The size comes from the archive's header: a huge member is never unpacked.
            if info.file_size > max_bytes:
                yield Input(name=name, error=_too_large(info.file_size, max_bytes))
                continue
            try:
                with archive.open(info) as member:
                    yield _read_stream(name, member, None, max_bytes)
            except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                yield Input(name=name, error=_reason(exc))


def _iter_tar(path: Path, max_bytes: int) -> Iterator[Input]:
    # Streaming mode ("r|*") reads members in archive order without seeking back.
    with tarfile.open(path, mode="r|*") as archive:
        for member in archive:
            if not member.isfile() or _hidden(member.name):
                continue
            base = member.name.rsplit("/", 1)[-1]
            if base.lower().endswith(".json"):
                continue  # sidecars of archive members cannot be paired in a stream
            name = f"{path}:{member.name}"
            if member.size > max_bytes:
                yield Input(name=name, error=_too_large(member.size, max_bytes))
                continue
            handle = archive.extractfile(member)
            if handle is None:
                yield Input(name=name, error="cannot read this archive member")
                continue
            yield _read_stream(name, handle, None, max_bytes)


def _hidden(member: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in member.split("/") if part)


def _too_large(size: int, limit: int, *, more: bool = False) -> str:
    over = "more than " if more else ""
    return f"file is too large ({over}{size:,} bytes; the limit is {limit:,} bytes)"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or exc.__class__.__name__
