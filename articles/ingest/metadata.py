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
from pathlib import Path, PurePath

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
    for name in ("id", "file", "title", "url", "source", "section"):
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


def _keys(value: str) -> list[str]:
    """A file name, its stem, and the number it stands for (00001.txt -> '1')."""
    name = PurePath(value.replace("\\", "/")).name
    stem = name.split(".", 1)[0] if name else ""
    keys = [value, name, stem]
    if stem.isdigit():
        keys.append(str(int(stem)))
    return [key for key in dict.fromkeys(keys) if key]


@dataclass
class Manifest:
    """Rows of a CSV/TSV manifest, found by file name, stem or numeric id."""

    path: str = ""
    rows: dict[str, dict] = field(default_factory=dict)

    def __len__(self) -> int:
        return len({id(row) for row in self.rows.values()})

    def lookup(self, name: str) -> dict:
        """The row for a story file (or {} when the manifest does not list it)."""
        for key in _keys(name):
            if key in self.rows:
                return self.rows[key]
        return {}


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
    manifest = Manifest(path=str(source))
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
    for key_field in ("id", "file"):
        if key_field in meta:
            for key in _keys(meta[key_field]):
                manifest.rows.setdefault(key, meta)


def apply_metadata(story: ParsedStory, meta: dict) -> ParsedStory:
    """Metadata beats the parser's guesses; topics and places are added without repeats."""
    for name in ("title", "url", "source", "section", "byline"):
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
