"""Metadata from beside the stories: JSON sidecars and CSV/TSV manifests.

What a person wrote down about a story (its date, topics, places) beats what a parser
guessed from the text, so `apply_metadata` overwrites guesses and adds to lists.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from .common import find_date
from .types import IngestError, ParsedStory

# Our field -> the column or key names that mean it, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "newid", "story_id", "doc_id"),
    "file": ("file", "filename", "file_name", "name", "path"),
    "title": ("title", "headline"),
    "published_at": ("published_at", "published", "date", "datetime", "pubdate"),
    "url": ("url", "link", "original_url"),
    "topics": ("topics", "tags", "topic", "categories"),
    "places": ("places", "place", "locations"),
    "source": ("source", "agency"),
    "section": ("section",),
    "byline": ("byline", "author", "authors"),
    "language": ("language", "lang", "inlanguage", "locale"),
}
_LIST_FIELDS = {"topics", "places"}
_DATE_FORMATS = (
    "%d-%b-%Y %H:%M:%S.%f",  # Reuters-21578: 26-FEB-1987 15:01:01.79
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y",
)


def parse_date(value: object) -> datetime | None:
    """A manifest's date in any common form, as an aware datetime (UTC when it has no zone)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = None
        for pattern in _DATE_FORMATS:
            try:
                when = datetime.strptime(text.title() if "%b" in pattern else text, pattern)
                break
            except ValueError:
                continue
    if when is None:
        return find_date(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def split_list(value: object) -> list[str]:
    """'grain, wheat' or 'grain;wheat' or ['grain', 'wheat'] -> ['grain', 'wheat']."""
    if isinstance(value, str):
        items: Iterable[object] = re.split(r"\s*[,;]\s*", value)
    elif isinstance(value, list | tuple):
        items = value
    else:
        return []
    return [str(item).strip() for item in items if str(item).strip()]


def normalise(raw: dict, columns: dict[str, str] | None = None) -> dict:
    """Map a record's own keys to ours ('newid' -> 'id', 'tags' -> 'topics', ...).
    `columns` names the column for a field outright, e.g. {"published_at": "when"}."""
    lowered = {str(key).strip().lower(): value for key, value in raw.items() if key}
    meta: dict = {}
    for name, aliases in ALIASES.items():
        wanted = [columns[name].lower()] if columns and name in columns else list(aliases)
        for key in wanted:
            value = lowered.get(key)
            if value not in (None, "", []):
                meta[name] = value
                break
    for name in _LIST_FIELDS & meta.keys():
        meta[name] = split_list(meta[name])
    if "published_at" in meta:
        meta["published_at"] = parse_date(meta["published_at"])
    for name in ("id", "file", "title", "url", "source", "section", "language"):
        if name in meta:
            meta[name] = " ".join(str(meta[name]).split())
    if isinstance(meta.get("byline"), list):
        meta["byline"] = ", ".join(str(name) for name in meta["byline"])
    return {key: value for key, value in meta.items() if value not in (None, "", [])}


def sidecar_for(path: str | Path) -> dict:
    """The metadata in `<story>.json` (story.txt.json) or `<stem>.json` beside a story file,
    normalised; {} when there is none. A sidecar that is not a JSON object is an error."""
    story = Path(path)
    for candidate in (story.with_name(story.name + ".json"), story.with_suffix(".json")):
        if candidate == story or not candidate.is_file():
            continue
        try:
            data = json.loads(candidate.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise IngestError(f"cannot read the sidecar {candidate.name}: {exc}") from None
        if not isinstance(data, dict):
            raise IngestError(f"the sidecar {candidate.name} is not a JSON object")
        return normalise(data)
    return {}


def _relative(value: str) -> str:
    """A path as a manifest writes it, in one spelling: 'a\\00001.txt' -> 'a/00001.txt'."""
    parts = PurePosixPath(value.replace("\\", "/")).parts
    parts = tuple(part for part in parts if part not in ("", "."))
    return "/".join(parts)


def _number(stem: str) -> str:
    return str(int(stem)) if stem.isdigit() else stem


@dataclass
class Match:
    row: dict = field(default_factory=dict)
    problem: str = ""  # why no row was applied although some matched, for a person


@dataclass
class Manifest:
    """Rows of a CSV/TSV manifest, each matched to the story files of the manifest's folder.

    A file inside the folder (`folder`, where the manifest is) takes the row whose file
    column is its path relative to the folder, else the row naming its exact file name,
    else the row whose id is its name's stem or the number it spells (00042.txt -> 42).
    A file outside the folder takes no row: a bare number means nothing in another folder.
    A key that two rows share matches neither, and the match says so."""

    path: str = ""
    folder: Path | None = None
    by_path: dict[str, list[dict]] = field(default_factory=dict)
    by_name: dict[str, list[dict]] = field(default_factory=dict)
    by_id: dict[str, list[dict]] = field(default_factory=dict)
    count: int = 0

    def __len__(self) -> int:
        return self.count

    def relative(self, path: str | Path) -> str | None:
        """`path` relative to the manifest's folder, or None when it is outside it."""
        if self.folder is None:
            return None
        try:
            return Path(path).resolve().relative_to(self.folder).as_posix()
        except (ValueError, OSError):
            return None

    def match(self, path: str | Path | None, *, member: str = "") -> Match:
        """The row for the story file at `path` (an archive's, with `member` inside it)."""
        if path is None:
            return Match()
        relative = self.relative(path)
        if relative is None:
            return Match()
        if member:
            relative = f"{relative}/{_relative(member)}" if relative != "." else _relative(member)
        name = relative.rsplit("/", 1)[-1]
        stem = name.split(".", 1)[0]
        for table, key, what in (
            (self.by_path, relative, "path"),
            (self.by_path, _relative(member), "path"),
            (self.by_name, name, "file name"),
            (self.by_id, _number(stem), "id"),
        ):
            rows = table.get(key) if key else None
            if not rows:
                continue
            if len(rows) > 1:
                return Match(
                    problem=f"{len(rows)} rows of the manifest match this file by {what} "
                    f"({key!r}); none was applied"
                )
            return Match(row=rows[0])
        return Match()

    def lookup(self, path: str | Path | None, *, member: str = "") -> dict:
        """The row for a story file, or {} when none (or more than one) matches."""
        return self.match(path, member=member).row


def load_manifest(path: str | Path, columns: dict[str, str] | None = None) -> Manifest:
    """Read a CSV or TSV manifest (the delimiter is sniffed). A row broken by a newline
    inside an unquoted field is joined back together, as Reuters-21578's titles need."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise IngestError(f"cannot read the manifest {source}: {exc.strerror}") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise IngestError(f"the manifest {source} is empty")
    manifest = Manifest(path=str(source), folder=source.resolve().parent)
    pending: list[str] = []
    for row in reader:
        if pending:
            pending[-1] = f"{pending[-1]} {row[0]}" if row else pending[-1]
            pending.extend(row[1:])
        else:
            pending = list(row)
        if len(pending) < len(header):
            continue  # the rest of this row is on the next line
        _add_row(manifest, dict(zip(header, pending, strict=False)), columns)
        pending = []
    if pending:
        _add_row(manifest, dict(zip(header, pending, strict=False)), columns)
    return manifest


def _add_row(manifest: Manifest, raw: dict, columns: dict[str, str] | None) -> None:
    meta = normalise(raw, columns)
    if "file" in meta:
        written = _relative(meta["file"])
        manifest.by_path.setdefault(written, []).append(meta)
        manifest.by_name.setdefault(written.rsplit("/", 1)[-1], []).append(meta)
    if "id" in meta:
        manifest.by_id.setdefault(_number(meta["id"]), []).append(meta)
    manifest.count += 1


def apply_metadata(story: ParsedStory, meta: dict) -> ParsedStory:
    """Metadata beats the parser's guesses; topics and places are added without repeats."""
    for name in ("title", "url", "source", "section", "byline", "language"):
        if meta.get(name):
            setattr(story, name, meta[name])
    when = parse_date(meta.get("published_at"))
    if when:
        story.published_at = when
    for name in ("topics", "places"):
        current: list[str] = getattr(story, name)
        seen = {item.lower() for item in current}
        for item in split_list(meta.get(name)):
            if item.lower() not in seen:
                current.append(item)
                seen.add(item.lower())
    return story
